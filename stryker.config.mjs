// Mutation testing (issue 14): `npm run mutate`. Not part of CI: on 2 cores it takes tens of
// minutes. It mutates the code whose tests were shown to miss planted bugs — export, segments,
// the contract (app/contract.ts, or the app/contract/ folder that succeeds it) and the decoder —
// and runs only the unit tests that exercise them (stryker.config.vitest.ts), not the engine
// parity suites, which would take hours per pass. One scope at a time:
//   npm run mutate -- --mutate 'app/segments/**/*.ts'
/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'vitest',
  plugins: ['@stryker-mutator/vitest-runner'],
  vitest: { configFile: 'stryker.config.vitest.ts', related: false },
  mutate: ['app/export/**/*.ts', 'app/segments/**/*.ts', 'app/contract.ts', 'app/contract/**/*.ts', 'app/audio/decode.ts'],
  coverageAnalysis: 'perTest',
  // Static mutants (module-level schema definitions) need the whole test set per mutant; skipped for time.
  ignoreStatic: true,
  concurrency: 1,
  timeoutMS: 30_000,
  // The models, the parity fixtures and the UI are not needed by these tests: not copied to the sandbox.
  ignorePatterns: ['models', 'test/fixtures', 'renderer', 'e2e', 'bench', 'dist', '.cache', 'reports'],
  tempDirName: '.cache/stryker-tmp',
  cleanTempDir: true,
  reporters: ['clear-text', 'progress', 'json', 'html'],
  jsonReporter: { fileName: '.cache/mutation/mutation.json' },
  htmlReporter: { fileName: '.cache/mutation/mutation.html' },
  thresholds: { high: 90, low: 75, break: null },
};
