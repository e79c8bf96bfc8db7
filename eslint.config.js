// One lint setup for the whole repository (run from the root: `pnpm lint`).
import js from '@eslint/js';
import reactHooks from 'eslint-plugin-react-hooks';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [
      '**/node_modules/**',
      '**/dist/**',
      '**/.turbo/**',
      '.paddock/**',
      'apps/api/src/generated/**',
      '**/test-results/**',
      '**/playwright-report/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-console': 'off',
      eqeqeq: ['error', 'smart'],
    },
  },
  {
    files: ['apps/web/**/*.{ts,tsx}'],
    languageOptions: { globals: { ...globals.browser } },
    plugins: { 'react-hooks': reactHooks },
    rules: reactHooks.configs.recommended.rules,
  },
  {
    // Modules read configuration through the parsed env passed to them, never from process.env.
    files: ['apps/api/src/**/*.ts'],
    ignores: [
      'apps/api/src/env.ts',
      'apps/api/src/server.ts',
      'apps/api/src/db/cli.ts',
      'apps/api/src/cli/**',
      // The demo's child processes inherit the environment (PATH and the like), with a few variables added.
      'apps/api/src/demo/demo-fleet.ts',
      '**/*.test.ts',
      '**/test/**',
    ],
    rules: {
      'no-restricted-properties': [
        'error',
        {
          object: 'process',
          property: 'env',
          message: 'Read configuration from the parsed Env (src/env.ts).',
        },
      ],
    },
  },
);
