import { readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadCheckpoint } from '../app/checkpoint/load.js';
import { FastAstError } from '../app/errors.js';
import { copyModel, DEMO, editSafetensorsHeader, fastast } from './support/cli.js';

/**
 * Broken checkpoints made from the bundled one: each must fail with a FastAstError whose
 * message points at what is wrong, and the CLI must exit non-zero with the same message.
 */

const HEAD_W = 'classifier.dense.weight';
const dirs: string[] = [];

async function broken(make: (dir: string) => Promise<void>): Promise<string> {
  const dir = await copyModel();
  dirs.push(dir);
  await make(dir);
  return dir;
}

const cases: { name: string; make: (dir: string) => Promise<void>; expect: RegExp[] }[] = [
  {
    name: 'a missing tensor',
    // Renamed, not deleted: its bytes stay indexed, since a hole in the data is refused earlier, as corrupt.
    make: (dir) =>
      editSafetensorsHeader(join(dir, 'model.safetensors'), (h) => {
        h.x = h[HEAD_W];
        delete h[HEAD_W];
      }),
    expect: [/classifier\.dense\.weight/, /missing/, /\[10, 192\]/],
  },
  {
    name: 'a mis-shaped tensor',
    make: (dir) => editSafetensorsHeader(join(dir, 'model.safetensors'), (h) => (h[HEAD_W].shape = [192, 10])),
    expect: [/classifier\.dense\.weight/, /\[192, 10\]/, /expected \[10, 192\]/],
  },
  {
    name: 'a config without id2label',
    make: async (dir) => {
      const cfg = JSON.parse(await readFile(join(dir, 'config.json'), 'utf8'));
      delete cfg.id2label;
      delete cfg.label2id;
      await writeFile(join(dir, 'config.json'), JSON.stringify(cfg));
    },
    expect: [/config|id2label/, /id2label/],
  },
  {
    name: 'a truncated safetensors file',
    make: (dir) => truncate(join(dir, 'model.safetensors'), 5_000_000),
    expect: [/model\.safetensors/, /truncated|past the end/],
  },
  {
    name: 'a config.json that is not JSON',
    make: (dir) => writeFile(join(dir, 'config.json'), '{"hidden_size": 192,'),
    expect: [/config\.json/, /not a JSON object/],
  },
];

afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

describe('bad checkpoints', () => {
  for (const c of cases) {
    it(`${c.name}: loadCheckpoint throws a FastAstError saying what is wrong, and the CLI exits non-zero`, async () => {
      const dir = await broken(c.make);
      const err = await loadCheckpoint(dir).then(
        () => null,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(FastAstError);
      for (const re of c.expect) expect((err as Error).message).toMatch(re);

      const run = await fastast(['classify', join(DEMO, 'car_horn_dj997_493751.flac'), '--model', dir, '--ep', 'cpu']);
      expect(run.code).not.toBe(0);
      expect(run.stdout).toBe('');
      expect(run.stderr).toContain((err as Error).message);
    });
  }
});
