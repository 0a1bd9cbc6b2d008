import { defineConfig } from 'vitest/config';

// The unit tests of the code stryker.config.mjs mutates (export, segments, contract, decode);
// the engine and CLI suites stay out (they take minutes per pass and test other code).
export default defineConfig({
  test: {
    include: [
      'test/export.formats.test.ts',
      'test/export.readback.test.ts',
      'test/export.atomic-write.test.ts',
      'test/export.clips.test.ts',
      'test/export.paths.test.ts',
      'test/segments.test.ts',
      'test/contract.test.ts',
      'test/contract.finite.test.ts',
      'test/audio.decode.test.ts',
      'test/audio.bad-input.test.ts',
    ],
    testTimeout: 60_000,
  },
});
