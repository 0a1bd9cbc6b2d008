/**
 * Engine results → what the UI draws (contract shapes). Pure functions: no I/O.
 */
import type { ComparisonView, RunView, WeightsPrecision } from '../../app/contract/index.js';
import type { ModelSpec } from '../../app/checkpoint/spec.js';
import type { ItemResult } from '../../app/engine/types.js';
import { compareRuns } from '../../app/analysis/compare.js';
import { scoresFromLogits, topK } from '../../app/analysis/scores.js';
import { forwardFlops } from '../../app/tome/flops.js';
import { composeGroups } from '../../app/tome/groups.js';
import { applySchedule, mergeRatio } from '../../app/tome/schedule.js';

export interface RunMeta {
  schedule: number[];
  protectDistillation: boolean;
  inferMs: number;
  ep: string;
  weights: WeightsPrecision;
  tokensPerLayer: number[];
}

export function runView(spec: ModelSpec, item: ItemResult, meta: RunMeta, k = 5): RunView {
  const L = spec.numLayers;
  const N = spec.numTokens;
  const scores = scoresFromLogits(item.logits, spec.multiLabel);
  const groupsPerLayer = composeGroups(item.maps, N);
  const groups = new Int32Array(L * N);
  const sourceScores = new Float32Array(L * N).fill(NaN);
  const margins = new Float32Array(L * N).fill(NaN);
  for (let l = 0; l < L; l++) {
    groups.set(groupsPerLayer[l], l * N);
    const layerScores = item.mergeScores[l];
    const layerMargins = item.mergeMargins[l];
    for (let j = 0; j < N; j++) {
      // The token that carries original token j into layer l.
      const carrier = l === 0 ? j : groupsPerLayer[l - 1][j];
      const sc = layerScores[carrier];
      if (Number.isFinite(sc)) sourceScores[l * N + j] = sc;
      const m = layerMargins?.[carrier];
      if (m !== undefined && Number.isFinite(m)) margins[l * N + j] = m;
    }
  }
  const applied = applySchedule(N, meta.schedule, meta.protectDistillation);
  return {
    scores,
    topk: topK(scores, [], Math.min(k, scores.length)).map((s) => ({ index: s.index, score: s.score })),
    groups,
    sourceScores,
    margins,
    tokensPerLayer: meta.tokensPerLayer,
    schedule: meta.schedule,
    rApplied: applied.rApplied,
    mergeRatio: mergeRatio(applied),
    gflops: forwardFlops(spec, applied).total / 1e9,
    inferMs: meta.inferMs,
    ep: meta.ep,
    weights: meta.weights,
  };
}

export function comparisonView(spec: ModelSpec, baseLogits: Float32Array, mergedLogits: Float32Array, k = 5): ComparisonView {
  const c = compareRuns([baseLogits], [mergedLogits], spec.multiLabel, k);
  return {
    top1Agree: c.top1Agreement === 1,
    topKOverlap: c.topKOverlap,
    k: c.k,
    kl: Math.max(0, c.klDivergence),
    scoreChange: c.scoreChange,
  };
}
