// The build's own code runs in Node, beside Vite, not in the browser the app's tests simulate.
import { fileURLToPath } from 'node:url';
import { defineProject } from 'vitest/config';

export default defineProject({
  // Run by itself (`vitest run --config build/vitest.config.ts`) Vitest would start from the working directory.
  root: fileURLToPath(new URL('.', import.meta.url)),
  test: {
    name: 'web-build',
    environment: 'node',
    include: ['**/*.test.ts'],
    restoreMocks: true,
  },
});
