import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/', 'cdk.out/', 'coverage/', '.data/', '.tmp/', 'reports/'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      // A file a newcomer can read in one sitting: split a longer one along its seams.
      // (The state machine's ASL and generated data are JSON, not linted here.)
      'max-lines': ['error', { max: 600 }],
    },
  },
);
