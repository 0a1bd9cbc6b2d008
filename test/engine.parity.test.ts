import { beforeAll, describe, expect, it } from 'vitest';
import { loadCheckpoint, type Checkpoint } from '../app/checkpoint/load.js';
import { createNodeEngine } from '../app/engine/node-engine.js';
import { createWebEngine } from '../app/engine/web-engine.js';
import type { Engine } from '../app/engine/types.js';
import { FIXTURES } from './helpers/fixtures.js';
import { LOGIT_TOLERANCE, MAX_NEAR_TIE_FLIPS, runAllCases, type CaseOutcome } from './helpers/parity.js';

let checkpoint: Checkpoint;
beforeAll(async () => {
  checkpoint = await loadCheckpoint(FIXTURES + 'tiny-ast');
});

function checkAgainstReference(outcomes: CaseOutcome[]) {
  expect(outcomes).toHaveLength(165);
  expect(outcomes.filter((o) => !o.tokensMatch).map((o) => o.key)).toEqual([]);
  const clear = outcomes.filter((o) => o.clear);
  expect(clear).toHaveLength(89);
  expect(clear.filter((o) => !o.samePartitions).map((o) => o.key)).toEqual([]);
  expect(clear.filter((o) => o.maxLogitDiff > LOGIT_TOLERANCE).map((o) => o.key)).toEqual([]);
  const ties = outcomes.filter((o) => !o.clear);
  expect(ties.filter((o) => o.samePartitions && o.maxLogitDiff > LOGIT_TOLERANCE).map((o) => o.key)).toEqual([]);
  // The per-token margins reproduce the reference's decision margin (min over merged tokens).
  for (const o of clear) {
    if (o.decisionMargin === null) expect(o.minMergeMargin, o.key).toBe(Infinity);
    else expect(Math.abs(o.minMergeMargin - o.decisionMargin), o.key).toBeLessThan(2e-6);
  }
  const flips = ties.filter((o) => !o.samePartitions);
  expect(flips.length).toBeLessThanOrEqual(MAX_NEAR_TIE_FLIPS);
  return flips.length;
}

const engines: [string, () => Promise<Engine>][] = [
  ['onnxruntime-node cpu, MultiHeadAttention', () => createNodeEngine(checkpoint, { providers: ['cpu'], graph: { attention: 'mha' } })],
  ['onnxruntime-node cpu, opset-17 attention (DirectML path)', () => createNodeEngine(checkpoint, { providers: ['cpu'], graph: { attention: 'plain' } })],
  ['onnxruntime-web wasm', () => createWebEngine(checkpoint, { providers: ['wasm'] })],
];

describe.each(engines)('ToMe-AST parity with transformers + reference ToMe: %s', (_name, make) => {
  it('matches logits, token counts and merge partitions in all 165 cases', async () => {
    const engine = await make();
    try {
      const flips = checkAgainstReference(await runAllCases(engine));
      console.log(`${_name}: ${flips} near-tie flips of 76`);
    } finally {
      await engine.dispose();
    }
  });
});
