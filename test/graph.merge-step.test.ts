import { describe, expect, it } from 'vitest';
import { truncateTokens } from '../bench/oracle-merge.js';
import { loadCheckpoint } from '../app/checkpoint/load.js';
import { createNodeEngine } from '../app/engine/node-engine.js';
import { bipartiteMerge } from '../app/graph/bipartite-merge.js';
import { buildTomeAstGraph } from '../app/graph/tome-ast.js';
import { applySchedule } from '../app/tome/schedule.js';
import { FIXTURES } from './helpers/fixtures.js';

// The graph takes its merge as a MergeStep (app/graph/merge-step.ts). The bench's free merge
// (bench/oracle-merge.ts) is only timed, never tested elsewhere: this keeps it honest to the
// contract, i.e. it runs and reduces exactly as many tokens per layer as ToMe's merge does.
describe('MergeStep: the graph with ToMe merge or with the bench oracle', () => {
  it('uses bipartiteMerge by default', async () => {
    const { spec, weights } = await loadCheckpoint(FIXTURES + 'tiny-ast');
    const byDefault = Buffer.from(buildTomeAstGraph(spec, weights));
    // Buffer.equals, not toEqual: a deep compare of megabytes of weights takes seconds.
    expect(byDefault.equals(Buffer.from(buildTomeAstGraph(spec, weights, { attention: 'mha' }, bipartiteMerge)))).toBe(true);
  });

  it('gives the same tokens per layer with either merge, as the schedule clamps them', async () => {
    const checkpoint = await loadCheckpoint(FIXTURES + 'tiny-ast');
    const { spec } = checkpoint;
    // Large early r so that the clamp to ⌊(N − protected)/2⌋ is reached, and r = 0 layers in between.
    const schedule = Array.from({ length: spec.numLayers }, (_, l) => [400, 0, 64, 200][l % 4]);
    const input = Float32Array.from({ length: spec.maxLength * spec.numMelBins }, (_, i) => Math.sin(i * 0.37) + Math.cos(i * 0.011));
    const expected = applySchedule(spec.numTokens, schedule, true).tokens;
    const oracleBytes = buildTomeAstGraph(checkpoint.spec, checkpoint.weights, { attention: 'mha' }, truncateTokens);
    for (const graphBytes of [undefined, oracleBytes]) {
      const engine = await createNodeEngine(checkpoint, { providers: ['cpu'], graphBytes });
      try {
        const res = await engine.run(input, 1, { schedule, propAttn: true, protectDistillation: true });
        expect(res.tokensPerLayer).toEqual(expected);
        expect(res.items[0].logits.every(Number.isFinite)).toBe(true);
      } finally {
        await engine.dispose();
      }
    }
  });
});
