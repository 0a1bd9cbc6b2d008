/**
 * Issue 12: errors about a file's contents name the file, the line or byte and what was
 * expected, and never quote what is there (serve opens any file its client names, so a quoted
 * line would read the file out). Each file here holds a secret where the parser stops.
 */
import { mkdtemp, writeFile, cp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readLabelledSet } from '../app/analysis/labelled-set.js';
import { readLabelCsv } from '../app/checkpoint/label-lists.js';
import { loadCheckpoint } from '../app/checkpoint/load.js';
import { specFromConfigs } from '../app/checkpoint/spec.js';
import { jsonSyntaxAt } from '../app/common/describe-content.js';
import { importSegments } from '../app/export/import.js';
import type { FastAstError } from '../app/errors.js';
import { readSpec } from '../main/host/model-info.js';

const SECRET = 'hunter2';
const TINY = resolve(import.meta.dirname, 'fixtures', 'tiny-ast');

async function failure(p: Promise<unknown> | (() => unknown)): Promise<FastAstError> {
  try {
    await (typeof p === 'function' ? p() : p);
  } catch (e) {
    return e as FastAstError;
  }
  throw new Error('expected an error');
}

describe('JSON that does not parse: where and what was expected', () => {
  it.each([
    ['{"a": 1,\n  hunter2: 2}', 'at line 2, column 3: expected a "quoted" property name'],
    ['{"a": [1, 2 hunter2]}', 'at line 1, column 13: expected "," or "]"'],
    ['{"a": hunter2}', 'at line 1, column 7: expected a value (object, list, "string", number, true, false or null)'],
    ['{"a": "hunter2', 'at line 1, column 15: expected a closing quote'],
    ['{"a": 1} hunter2', 'at line 1, column 10: expected the end of the text'],
    ['{"a": ', 'at line 1, column 7: expected more (the text stops short)'],
  ])('%j', (text, at) => {
    expect(() => JSON.parse(text)).toThrow();
    expect(jsonSyntaxAt(text)).toBe(at);
  });

  it('a checkpoint config.json: named, located, not quoted', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'fastast-nocontents-'));
    await cp(TINY, dir, { recursive: true });
    await writeFile(join(dir, 'config.json'), `{"hidden_size": 192,\n"${SECRET}": ${SECRET}}`);
    const e = await failure(loadCheckpoint(dir));
    expect(e.code).toBe('CONFIG_INVALID');
    expect(e.message).toBe(`${join(dir, 'config.json')}: not a JSON object (invalid JSON at line 2, column 12: expected a value (object, list, "string", number, true, false or null))`);
    await writeFile(join(dir, 'config.json'), `["${SECRET}"]`);
    expect((await failure(loadCheckpoint(dir))).message).toBe(`${join(dir, 'config.json')}: not a JSON object (the file holds a list (1 item))`);
  });

  it('a model folder the host scans (a bad model is skipped with this reason)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'fastast-nocontents-'));
    await writeFile(join(dir, 'config.json'), `{"${SECRET}" ${SECRET}}`);
    expect((await failure(readSpec(dir))).message).toBe(`${join(dir, 'config.json')}: invalid JSON at line 1, column 12: expected ":"`);
  });

  it('a segments file (segments.import)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'fastast-nocontents-'));
    const path = join(dir, 'x.segments.json');
    await writeFile(path, `{"format": "fastast-segments",\n  "recordings": [${SECRET}]}`);
    const e = await failure(importSegments(path));
    expect(e.code).toBe('IMPORT_INVALID');
    expect(e.message).toBe(`${path}: not valid JSON at line 2, column 18: expected a value (object, list, "string", number, true, false or null)`);
  });
});

describe('config values: the kind, never the value', () => {
  const base = JSON.parse(JSON.stringify({ hidden_size: 192, num_attention_heads: 3, id2label: { 0: 'dog', 1: 'rain' } }));
  it.each([
    [{ hidden_size: SECRET }, '"hidden_size" must be a positive integer, got a string (7 characters)'],
    [{ hidden_size: 1.5 }, '"hidden_size" must be a positive integer, got a fractional number'],
    [{ layer_norm_eps: SECRET }, '"layer_norm_eps" must be a number, got a string (7 characters)'],
    [{ model_type: SECRET }, 'model_type is not "audio-spectrogram-transformer" (it is a string (7 characters)); this is no AST checkpoint'],
    [{ hidden_act: SECRET }, 'hidden_act must be "gelu", the only activation supported (it is a string (7 characters))'],
    [{ id2label: { 0: 'dog', [SECRET]: 'rain' } }, 'id2label entry 2 of 2: its key is not an index; expected "0"…"1" → a label name'],
    [{ id2label: { 0: 'dog', 1: [SECRET] } }, 'id2label entry 2 of 2: its name is a list (1 item); expected "0"…"1" → a label name'],
  ])('%j', (change, why) => {
    const e = (() => {
      try {
        specFromConfigs({ ...base, ...change }, null, 'ck');
      } catch (err) {
        return err as FastAstError;
      }
      throw new Error('expected an error');
    })();
    expect(e.code).toBe('CONFIG_INVALID');
    expect(e.message).toBe(`ck: ${why}`);
  });
});

describe('CSV files: the line, never the field', () => {
  it('a labelled set with a bad fold or unknown labels', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'fastast-nocontents-'));
    const csv = join(dir, 'set.csv');
    await writeFile(csv, `path,fold,category\na.wav,1,dog\nb.wav,${SECRET},dog\n`);
    expect((await failure(readLabelledSet(csv, dir, ['dog']))).message).toBe(`${csv}:3: the fold column must hold a whole number`);
    await writeFile(csv, `path,fold,category\na.wav,1,dog\nb.wav,1,${SECRET}\nc.wav,1,${SECRET}-2\n`);
    const e = await failure(readLabelledSet(csv, dir, ['dog']));
    expect(e.message).toBe(`${csv}: 2 labels in column "category" (lines 3, 4) are not classes of the model (dog)`);
  });

  it('a label list with a bad index', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'fastast-nocontents-'));
    const csv = join(dir, 'labels.csv');
    await writeFile(csv, `index,display_name\n0,dog\n${SECRET},rain\n`);
    expect((await failure(readLabelCsv(csv))).message).toBe(`${csv}: line 3: the index column must hold a whole number 0…1, each once`);
  });
});
