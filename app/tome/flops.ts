import type { ModelSpec } from '../checkpoint/spec.js';
import type { AppliedSchedule } from './schedule.js';

/**
 * Multiply-adds ×2 of one window's forward pass. Per layer: attention (QKV, scores, context,
 * output projection) runs on the tokens entering the layer; the merge's matching on them
 * (A×B cosine scores); the MLP runs on the tokens left after the merge.
 */
export function layerFlops(spec: ModelSpec, tokensIn: number, tokensOut: number): number {
  const D = spec.hiddenSize;
  const M = spec.intermediateSize;
  const dh = D / spec.numHeads;
  const n = tokensIn;
  const attention = 2 * (4 * n * D * D + 2 * n * n * D);
  const matching = tokensOut < tokensIn ? 2 * Math.ceil(n / 2) * Math.floor(n / 2) * dh : 0;
  const mlp = 2 * 2 * tokensOut * D * M;
  return attention + matching + mlp;
}

export interface FlopsReport {
  perLayer: number[];
  embedding: number;
  head: number;
  total: number;
}

export function forwardFlops(spec: ModelSpec, applied: AppliedSchedule): FlopsReport {
  const D = spec.hiddenSize;
  const embedding = 2 * spec.numPatches * D * spec.patchSize * spec.patchSize;
  const head = 2 * D * spec.labels.length;
  const perLayer = applied.rApplied.map((_, l) => layerFlops(spec, applied.tokens[l], applied.tokens[l + 1]));
  return { perLayer, embedding, head, total: embedding + head + perLayer.reduce((a, b) => a + b, 0) };
}
