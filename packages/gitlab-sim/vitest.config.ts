import { defineConfig } from 'vitest/config';

// Workspace packages resolve to their TypeScript sources in tests (see the "@paddock/source" export condition).
const conditions = ['@paddock/source', 'module', 'node', 'development|production'];

export default defineConfig({
  resolve: { conditions },
  ssr: { resolve: { conditions } },
  test: {
    name: 'gitlab-sim',
    environment: 'node',
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 30_000,
  },
});
