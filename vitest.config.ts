// One vitest run for the whole repository: each project keeps its own config beside its code.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    projects: ['apps/*', 'apps/web/build', 'packages/*'],
  },
});
