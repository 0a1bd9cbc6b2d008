/**
 * Issue 12, item 9: an export never replaces a file unasked. Over a real serve process (the
 * segments and lab exports) and the real CLI: an existing target is an EXISTS error whose
 * `paths` name the files, nothing is written; with overwrite (--overwrite) the export replaces them.
 */
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { DEMO, fastast } from './support/cli.js';
import { startServeProcess, type ServeProcess } from './support/serve-process.js';
import { wsClient } from './support/ws-client.js';

let served: ServeProcess;
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fastast-overwrite-'));
  served = await startServeProcess();
});

afterAll(async () => {
  await served?.stop();
  await rm(dir, { recursive: true, force: true });
});

const PROV = { modelId: 'm', modelSha256: 'x', schedule: [0], propAttn: false, protectDistillation: true, windowS: 10.24, hopS: 10.24, threshold: 0.5 };
const segment = (label: string) => ({ id: `s-${label}`, file: '/rec/a.wav', label, startS: 1, endS: 2, maxScore: 0.9, meanScore: 0.8, source: 'model', review: 'unreviewed' });
const exportParams = (outDir: string, label: string, overwrite?: boolean) => ({
  format: 'audacity',
  outDir,
  recordings: [{ file: '/rec/a.wav', durationS: 3, segments: [segment(label)] }],
  provenance: PROV,
  selection: { kind: 'all' },
  ...(overwrite === undefined ? {} : { overwrite }),
});

describe('segments.export and lab.export', () => {
  test('an existing export is EXISTS with the paths; overwrite replaces it', async () => {
    const out = await mkdtemp(join(dir, 'seg-'));
    const c = await wsClient(served);
    const first = await c.ok('segments.export', exportParams(out, 'dog'));
    const labels = join(out, 'a.labels.txt');
    expect(first.files).toEqual([labels, labels + '.fastast.json']);
    const err = await c.fails('segments.export', exportParams(out, 'cat'));
    expect(err.code).toBe('EXISTS');
    expect(err.paths).toEqual([labels, labels + '.fastast.json']);
    expect(await readFile(labels, 'utf8')).toContain('dog');
    await c.ok('segments.export', exportParams(out, 'cat', true));
    expect(await readFile(labels, 'utf8')).toContain('cat');
    expect((await readdir(out)).sort()).toEqual(['a.labels.txt', 'a.labels.txt.fastast.json']);
    c.close();
  });

  test('the lab export does not replace a file unasked', async () => {
    const c = await wsClient(served);
    const file = join(dir, 'chart.svg');
    await writeFile(file, 'mine');
    const err = await c.fails('lab.export', { format: 'svg', path: file, svg: '<svg></svg>' });
    expect(err.code).toBe('EXISTS');
    expect(err.paths).toEqual([file]);
    expect(await readFile(file, 'utf8')).toBe('mine');
    await c.ok('lab.export', { format: 'svg', path: file, svg: '<svg></svg>', overwrite: true });
    expect(await readFile(file, 'utf8')).toBe('<svg></svg>');
    c.close();
  });
});

describe('fastast export', () => {
  test('refuses to replace an existing file without --overwrite', async () => {
    const out = await mkdtemp(join(dir, 'cli-'));
    const target = join(out, 'car_horn_dj997_493751.labels.txt');
    await writeFile(target, 'mine\n');
    const args = ['export', join(DEMO, 'car_horn_dj997_493751.flac'), '--format', 'audacity', '--out', out, '--ep', 'cpu', '--threshold', '0'];
    const refused = await fastast(args);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain(target);
    expect(refused.stderr).toMatch(/exists/);
    expect(await readFile(target, 'utf8')).toBe('mine\n');
    const replaced = await fastast([...args, '--overwrite']);
    expect(replaced.stderr).toBe('');
    expect(replaced.code).toBe(0);
    expect(await readFile(target, 'utf8')).not.toBe('mine\n');
  });
});
