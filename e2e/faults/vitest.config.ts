import { defineConfig } from 'vitest/config';

// Workspace packages resolve to their TypeScript sources here too (see the "@paddock/source" export condition).
const conditions = ['@paddock/source', 'module', 'node', 'development|production'];

/**
 * The long fault scenarios, `npm run faults`: each `*.fault.test.ts` starts real processes (API, agents,
 * simulators, a Postgres of its own where it must restart one), breaks something and checks that nothing is lost.
 * They run one file at a time: they kill processes and load both cores. Scenarios under a minute live in the
 * normal suite beside the code instead.
 */
export default defineConfig({
  resolve: { conditions },
  ssr: { resolve: { conditions } },
  test: {
    name: 'faults',
    root: import.meta.dirname,
    environment: 'node',
    include: ['**/*.fault.test.ts'],
    fileParallelism: false,
    testTimeout: 15 * 60_000,
    hookTimeout: 5 * 60_000,
  },
});
