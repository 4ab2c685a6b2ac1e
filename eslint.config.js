// One lint setup for every workspace.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['**/node_modules/**', 'functions/lib/**', 'runner/lib/**', 'contract/lib/**', 'client/lib/**', 'cli/lib/**', 'runner/dist/**', 'web/dist/**', '.local/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { ecmaVersion: 2024, sourceType: 'module' },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'off',
      'no-console': 'off',
    },
  },
  {
    files: ['**/*.js'],
    languageOptions: { globals: { process: 'readonly', URL: 'readonly', console: 'readonly', setTimeout: 'readonly' } },
  },
  {
    // Browser contexts come from test/support/browser.ts, which pins the locale the tests expect.
    files: ['test/**/*.ts', 'scripts/**/*.ts'],
    ignores: ['test/support/browser.ts'],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector: "CallExpression[callee.property.name='newContext']",
          message: 'Use newContext() from test/support/browser.ts (it pins the locale).',
        },
        {
          selector: "CallExpression[callee.property.name='newPage'][callee.object.name=/[Bb]rowser/]",
          message: 'Use newPage() from test/support/browserChecks.ts or newContext() from test/support/browser.ts (they pin the locale).',
        },
      ],
    },
  },
  {
    // Only triggers/ may import firebase-functions; only adapters/ (and config) the Google SDKs.
    files: ['functions/src/domain/**/*.ts', 'functions/src/app/**/*.ts', 'functions/src/api/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['firebase-functions', 'firebase-functions/*'], message: 'Only functions/src/triggers and config import firebase-functions.' },
            { group: ['firebase-admin', 'firebase-admin/*', '@google-cloud/*', 'stripe'], message: 'Only functions/src/adapters import cloud SDKs.' },
          ],
        },
      ],
    },
  },
  {
    // The contract is pure zod: every part of the platform imports it, it imports nothing of theirs.
    files: ['contract/src/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ regex: '^(?!zod$|\\.{1,2}/).*', message: 'contract/ imports zod and its own modules only.' }] },
      ],
    },
  },
  {
    // The client carries no schemas at run time: only the route table, and types.
    files: ['client/src/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { regex: '^@agent-marketplace/contract$', allowTypeImports: true, message: 'Import types only from the contract (its schemas would ship zod); values from @agent-marketplace/contract/routes.' },
            { regex: '^(?!@agent-marketplace/contract|zod$|\\./).*', message: 'client/ depends on the contract alone.' },
          ],
        },
      ],
    },
  },
  {
    // Adapters implement the ports (app/*/ports.ts); they know nothing of the HTTP layer or the triggers.
    files: ['functions/src/adapters/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ group: ['**/api/*', '**/triggers/*'], message: 'adapters/ implement app/ ports; they never import api/ or triggers/.' }] },
      ],
    },
  },
  {
    files: ['functions/src/domain/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ group: ['node:*', '../app/*', '../adapters/*', '../api/*', '../triggers/*'], message: 'domain/ is pure: zod and small pure libraries only.' }] },
      ],
    },
  },
);
