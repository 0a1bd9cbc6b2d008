/**
 * The analysis batch policy (app/analysis/adaptive-batch.ts): start at one window, at most
 * double, never past what the last batch's pace says fits the budget or past the model's
 * maximum, and shrink at once after a slow batch.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { adaptiveBatch, nextBatchSize } from '../app/analysis/adaptive-batch.js';
import { defaultBatchSize } from '../app/analysis/run-windows.js';
import { loadCheckpoint } from '../app/checkpoint/load.js';
import { specFromConfigs } from '../app/checkpoint/spec.js';
import { REPO } from './helpers/fixtures.js';

const limits = { budgetMs: 200, max: 16 };

describe('adaptive analysis batch', () => {
  test('the first batch is one window', () => {
    expect(adaptiveBatch(limits)(null)).toBe(1);
  });

  test('a fast engine doubles up to the maximum and stays there', () => {
    const sizes = [1];
    // 10 ms per window: 20 windows would fit the budget, so only doubling and the maximum limit growth.
    for (let i = 0; i < 6; i++) sizes.push(nextBatchSize(sizes[i], 10 * sizes[i], limits));
    expect(sizes).toEqual([1, 2, 4, 8, 16, 16, 16]);
  });

  test('growth stops at what the last pace fits in the budget', () => {
    // 60 ms per window: 3 windows (180 ms) fit, 4 (240 ms) do not.
    expect(nextBatchSize(2, 120, limits)).toBe(3);
    expect(nextBatchSize(3, 180, limits)).toBe(3);
  });

  test('a batch over the budget shrinks the next one to what fits, never below one window', () => {
    expect(nextBatchSize(8, 800, limits)).toBe(2);
    expect(nextBatchSize(4, 4000, limits)).toBe(1);
    expect(nextBatchSize(1, 900, limits)).toBe(1);
  });

  test('a batch with no usable time grows by doubling only; odd limits are made whole', () => {
    expect(nextBatchSize(4, 0, limits)).toBe(8);
    expect(nextBatchSize(4, NaN, limits)).toBe(8);
    expect(nextBatchSize(4, 1, { budgetMs: 200, max: 5.7 })).toBe(5);
    expect(nextBatchSize(4, 1, { budgetMs: 200, max: 0 })).toBe(1);
  });
});

describe('default batch per model and EP (app/analysis/run-windows.ts)', () => {
  test('AST-base runs one window at a time on the CPU, where batching measured slower, and 3 (the attention memory cap) elsewhere; the bundled model batches 16', async () => {
    const config = join(REPO, 'test/fixtures/ast-base-config.json');
    const base = specFromConfigs(JSON.parse(readFileSync(config, 'utf8')) as Record<string, unknown>, null, config);
    const bundled = (await loadCheckpoint(join(REPO, 'models/ast-tiny-esc10-cmkd'))).spec;
    expect(base.numTokens).toBe(1214);
    expect(defaultBatchSize(base, 'cpu')).toBe(1);
    expect(defaultBatchSize(base, 'webgpu')).toBe(3);
    expect(defaultBatchSize(bundled, 'cpu')).toBe(16);
  });
});
