// The vitest config of the mutation run (npm run test:mutation, stryker.config.mjs):
// unit tests only, so each mutant is judged by fast, in-process tests.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/unit/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
