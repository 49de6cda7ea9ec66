// Flat config: typescript-eslint's recommended rules over everything we ship and test.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'coverage/', '.tmp/'] },
  { languageOptions: { globals: globals.node } },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-console': 'off',
    },
  },
  // The generic persistence layer knows no application: the lead app's tables and seeds come in through src/persistence/lead/.
  {
    files: ['src/persistence/*.ts', 'src/persistence/adapters/**/*.ts'],
    ignores: ['src/persistence/index.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['**/lead/**'], message: 'the generic persistence layer takes its tables as inputs; wire lead defaults in src/persistence/lead/' },
          ],
        },
      ],
    },
  },
  // The dashboard's page scripts run in the browser (uPlot is a global from its own script tag).
  { files: ['src/dashboard/assets/**/*.js'], languageOptions: { globals: { ...globals.browser, uPlot: 'readonly' } } },
);
