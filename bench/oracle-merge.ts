import { DataType, type GraphBuilder } from '../app/graph/onnx-builder.js';
import type { LayerInputs, MergeOutputs, RunConstants } from '../app/graph/merge-step.js';

/**
 * A merge that costs nothing: the layer keeps its first N − r tokens (the same clamped r the real
 * merge gets; layers with r = 0 skip either) and drops the rest, with no matching and no weighted average. A graph built
 * with it runs the same transformer on the same token counts as ToMe at every layer, so
 * (ToMe ms − oracle ms) is what merging itself costs, and the oracle's own speed/FLOPs is the best
 * any merge could reach on this machine. Its predictions are meaningless; only its timing is used.
 */
export function truncateTokens(g: GraphBuilder, run: RunConstants, m: LayerInputs): MergeOutputs {
  const c0 = g.int64Tensor([0]);
  const c1 = g.int64Tensor([1]);
  const nOut = g.op('Sub', [m.N, m.r]);
  const keep = (t: string) => g.op('Slice', [t, c0, nOut, c1]);
  // Each entering token's slot: itself, the dropped ones onto the last kept slot (so the engine reads N − r tokens out).
  const slots = g.op('Min', [g.op('Slice', [run.tokenIndices, c0, m.N]), g.op('Sub', [nOut, c1])]); // [N]
  const map = g.op('Add', [g.op('Unsqueeze', [slots, c0]), run.batchZeros2d]); // [B, N]
  const placeholder = g.op('Cast', [map], { to: { i: DataType.FLOAT } });
  return { x: keep(m.x), size: keep(m.size), map, score: placeholder, margin: placeholder };
}
