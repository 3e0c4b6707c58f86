// Mutation testing of the modules that keep the product's promises (docs/testing.md):
// `npm run test:mutation` (all of them) or, one module at a time,
// `npm run test:mutation -- --mutate functions/lib/leads/erasure.ts`.
// Unit tests only (vitest.mutation.config.ts). The clear-text reporter prints
// the score per file; the HTML report goes to reports/mutation/ (gitignored).
/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'vitest',
  vitest: { configFile: 'vitest.mutation.config.ts' },
  mutate: [
    'functions/lib/feedback/links.ts',
    'functions/lib/mail/mailer.ts',
    'functions/lib/leads/erasure.ts',
    'functions/lib/funnel/counters.ts',
    'functions/lib/leads/scoring.ts',
    'functions/lib/teams/routing.ts',
    // Later promises: reassignment (nobody's open work lost), rescue (a stuck lead asks a person), event publishing (at least once, ids and codes only).
    'functions/lib/teams/reassign.ts',
    'functions/lib/teams/absences.ts',
    'functions/lib/feedback/rescue.ts',
    'functions/lib/events/catalogue.ts',
    'functions/lib/events/lead-events.ts',
    'functions/lib/events/publish.ts',
  ],
  coverageAnalysis: 'perTest',
  // The machine is shared: one or two test processes.
  concurrency: 2,
  // A mutant that makes a loop spin (the mail marker's wait) times out after this much on top of the test's own time.
  timeoutMS: 10_000,
  // The initial run of the related tests (24 files for counters.ts) can pass the default 5 minutes on a loaded machine.
  dryRunTimeoutMinutes: 20,
  incremental: true,
  incrementalFile: 'reports/stryker-incremental.json',
  reporters: ['clear-text', 'progress', 'html'],
  htmlReporter: { fileName: 'reports/mutation/index.html' },
  clearTextReporter: { allowColor: false, logTests: false, reportMutants: true, reportScoreTable: true },
  ignorePatterns: ['cdk.out', '.data', '.tmp', 'coverage', 'test-results', 'screenshots', 'reports', 'bench/*-results.json'],
  tempDirName: '.tmp/stryker',
  cleanTempDir: 'always',
  thresholds: { high: 90, low: 85, break: null },
};
