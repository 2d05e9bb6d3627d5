import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [
      '**/dist/**',
      '**/node_modules/**',
      'coverage/**',
      '.stack/**',
      'test-artifacts/**',
      '**/*.js',
      '**/*.mjs',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['@allo-pipeline/*/*'],
              message: 'Import a package through its index (no deep imports).',
            },
          ],
        },
      ],
    },
  },
  {
    // Pure cores: no Kafka, Postgres or network code.
    files: ['packages/webhook-signature/src/**/*.ts', 'packages/allo-events/src/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: ['kafkajs', 'pg', 'kysely', 'koa', 'node:http', 'node:https', 'node:net'].map((name) => ({
            name,
            message: 'Pure core packages must not do I/O.',
          })),
        },
      ],
    },
  },
  {
    files: ['**/*.test.ts'],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector: "CallExpression[callee.object.name=/^(it|test|describe)$/][callee.property.name='only']",
          message: 'Focused tests are not committed.',
        },
      ],
      '@typescript-eslint/unbound-method': 'off',
    },
  },
);
