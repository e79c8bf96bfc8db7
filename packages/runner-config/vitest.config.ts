import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: { name: 'runner-config', environment: 'node', include: ['src/**/*.test.ts'] },
});
