// Lint rules for the project (ESLint flat config with typescript-eslint). Formatting is Prettier's job.
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'dist-vsix/**', 'node_modules/**', '.demo/**', 'test-results/**', 'test/fixtures/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      // tsc (noUnusedLocals/noUnusedParameters) reports unused names in TypeScript; here only in JavaScript.
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', ignoreRestSiblings: true, caughtErrors: 'none' },
      ],
      'no-empty': ['error', { allowEmptyCatch: true }],
      eqeqeq: ['error', 'always', { null: 'ignore' }],
      'prefer-const': 'error',
      'no-restricted-syntax': [
        'error',
        {
          selector: 'CallExpression[callee.property.name="only"][callee.object.name=/^(it|describe|test)$/]',
          message: 'No focused tests.',
        },
        {
          selector: 'CallExpression[callee.property.name="skip"][callee.object.name=/^(it|describe|test)$/]',
          message: 'No skipped tests.',
        },
      ],
    },
  },
  {
    files: ['src/core/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { paths: [{ name: 'vscode', message: 'src/core is plain Node: it never imports vscode.' }] },
      ],
    },
  },
  {
    files: ['src/extension/**/*.ts', 'src/cli/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/core/*', '!**/core/basics', '!**/core/store'],
              message:
                'Import the core only through src/core/index.ts (or its light facades, src/core/basics.ts, store.ts).',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['test/**/*.{ts,mjs}', 'bench/**/*.mjs', 'scripts/**/*.mjs'],
    languageOptions: { globals: { ...globals.node, ...globals.mocha } },
    // Tests read records and command results as plain JSON.
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    files: ['test/e2e/**/*.mjs', 'test/host/**/*.mjs'],
    languageOptions: { globals: { ...globals.node, ...globals.browser } },
  },
);
