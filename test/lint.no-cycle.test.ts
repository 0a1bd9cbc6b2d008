import { ESLint } from 'eslint';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const FIXTURES = ['test/lint-fixtures/cycle/a.ts', 'test/lint-fixtures/cycle/b.ts'];

// The lint step is what keeps import cycles out (npm test runs it); this proves the project's own
// eslint.config.js reports one, so a resolver or parser setting gone wrong (import-x then sees no
// edges and passes everything) fails here rather than silently.
describe('eslint.config.js: import-x/no-cycle', () => {
  it('reports two files that import each other', async () => {
    // ignore: false, because the config ignores these fixtures so that `npm run lint` passes.
    const eslint = new ESLint({ cwd: ROOT, ignore: false });
    const results = await eslint.lintFiles(FIXTURES);
    const cycles = results.map((r) => r.messages.filter((m) => m.ruleId === 'import-x/no-cycle').length);
    expect(cycles).toEqual([1, 1]);
  });

  it('reports nothing else on them', async () => {
    const eslint = new ESLint({ cwd: ROOT, ignore: false });
    const results = await eslint.lintFiles(FIXTURES);
    const others = results.flatMap((r) => r.messages.filter((m) => m.ruleId !== 'import-x/no-cycle'));
    expect(others).toEqual([]);
  });
});
