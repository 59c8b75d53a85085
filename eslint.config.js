import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/', 'data/', 'dist/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly' } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': ['error', { allow: ['error'] }],
    },
  },
  {
    // The pages' small scripts run in the browser.
    files: ['public/js/**/*.js'],
    languageOptions: { sourceType: 'script', globals: { document: 'readonly', Intl: 'readonly' } },
  },
  {
    // SQLite plans a cached statement again at every bind when a bound value can change its plan
    // (docs/decisions/0005, addendum): LIMIT values, and values compared with the columns of partial
    // index predicates (badge.active, payment_receipt.status, document.kind, charge.kind, pupil_holder.relation).
    files: ['src/**/*.ts', 'src/**/*.tsx'],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector: "CallExpression[callee.property.name='limit'][callee.object.type='CallExpression']:not([arguments.0.callee.property.name='lit'])",
          message: 'Write LIMIT values as sql.lit(n): a bound LIMIT makes SQLite re-plan the statement at every call (decision 0005).',
        },
        {
          selector:
            "CallExpression:matches([callee.property.name=/^(where|on)$/], [callee.name='eb'])[arguments.0.value=/(^|[.])(active|status|kind|relation)$/][arguments.2.type='Literal']",
          message: 'Compare active/status/kind/relation with sql.lit(value): bound, they make SQLite re-plan statements that may use a partial index (decision 0005).',
        },
      ],
    },
  },
);
