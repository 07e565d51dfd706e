// ESLint (flat config): typed linting of every TypeScript file in tsconfig.json, so the rules that need
// types (floating promises, unsafe any) see what tsc sees. Formatting is Prettier's job
// (eslint-config-prettier turns off every rule that would fight it). Run: `npm run lint`.
import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import prettier from 'eslint-config-prettier';
import tseslint from 'typescript-eslint';

// Specs, cross-app suites, and the test-only helpers and contract suites in each lib's and app's testing/.
const tests = ['**/*.spec.ts', '**/*.int-spec.ts', '**/*.e2e-spec.ts', 'test/**/*.ts', '**/src/testing/**/*.ts'];

export default defineConfig(
  { ignores: ['**/dist/**', '**/.cache/**', '**/.run/**', '**/node_modules/**', '**/coverage/**', '.test-results/**', 'data/**'] },

  // The few CommonJS scripts (bin, jest and depcruise config, ts-node register hooks).
  {
    files: ['**/*.js'],
    extends: [js.configs.recommended],
    languageOptions: {
      sourceType: 'commonjs',
      globals: { require: 'readonly', module: 'writable', __dirname: 'readonly', process: 'readonly', console: 'readonly' },
    },
  },

  {
    files: ['**/*.ts'],
    extends: [js.configs.recommended, ...tseslint.configs.recommendedTypeChecked],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      // Promises: none dropped on the floor, none handed to a callback that ignores them.
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      // any: never written, never spread silently through values.
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unsafe-assignment': 'error',
      '@typescript-eslint/no-unsafe-member-access': 'error',
      '@typescript-eslint/no-unsafe-call': 'error',
      '@typescript-eslint/no-unsafe-return': 'error',
      '@typescript-eslint/no-unsafe-argument': 'error',
      // The code writes `!` on indexed reads (`events[0]!`) to mark "present by construction"; without
      // noUncheckedIndexedAccess this rule would call every one of them unnecessary.
      '@typescript-eslint/no-unnecessary-type-assertion': 'off',
      // An async function without await is deliberate here: a port's in-memory adapter keeps the
      // Promise signature, and a throw inside it becomes a rejection instead of a synchronous throw.
      '@typescript-eslint/require-await': 'off',
      // Passing on a caught failure as it came (`catch (error) { reject(error) }`) is allowed; inventing a non-Error is not.
      '@typescript-eslint/prefer-promise-reject-errors': ['error', { allowThrowingUnknown: true }],
      // `_`-prefixed names are deliberately unused (destructuring a field away, a port's unused parameter).
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_', ignoreRestSiblings: true },
      ],
    },
  },

  // Tests may reach into untyped answers (supertest bodies, JSON fixtures, jest's asymmetric matchers) and stub
  // with any; promises stay strict.
  {
    files: tests,
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
    },
  },

  prettier,
);
