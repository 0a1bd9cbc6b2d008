/**
 * Engine results → what the UI draws (contract shapes). Pure functions: no I/O.
 */
import type { ComparisonView, RunView } from '../app/contract.js';
import type { ModelSpec } from '../app/checkpoint/spec.js';
import type { ItemResult } from '../app/engine/types.js';
import { compareRuns } from '../app/analysis/compare.js';
import { scoresFromLogits, topK } from '../app/analysis/scores.js';
import { forwardFlops } from '../app/tome/flops.js';
import { composeGroups } from '../app/tome/groups.js';
import { applySchedule, mergeRatio } from '../app/tome/schedule.js';

/**
 * Two merges count as tied when their distances (1 − similarity) differ by less than this
 * fraction. Distances, not similarities: a small model's key similarities all sit near 1
 * (0.9997 …), and what tells merges apart is how far below 1 they are.
 */
export const TIE_REL = 0.02;

/**
 * How clear-cut each merge of one layer was, 0 (a near-tie) … 1, from the layer's merge
 * similarities alone: a merge whose distance is shared, within TIE_REL, by many other merges of
 * the same layer was picked from a crowd of interchangeable candidates (padding and silence are
 * identical tokens: their merges come out at the same similarity); one that stands apart was a
 * distinct choice. This is an estimate: the graph reports the similarity of each merge taken, not
 * the runner-up candidate of each source. Returns NaN where the token was not merged away.
 */
export function layerClarity(scores: Float32Array): Float32Array {
  const out = new Float32Array(scores.length).fill(NaN);
  const idx: number[] = [];
  for (let i = 0; i < scores.length; i++) if (Number.isFinite(scores[i])) idx.push(i);
  if (idx.length === 0) return out;
  const logD = (s: number) => Math.log(Math.max(1 - s, 1e-9));
  const sorted = idx.map((i) => logD(scores[i])).sort((a, b) => a - b);
  const lower = (v: number) => {
    let lo = 0;
    let hi = sorted.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (sorted[mid] < v) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  const tol = Math.log1p(TIE_REL);
  for (const i of idx) {
    const v = logD(scores[i]);
    const crowd = lower(v + tol + 1e-12) - lower(v - tol) - 1;
    // 0 rivals → 1; 3 → 0.5; 9 → 0.25 …
    out[i] = 1 / (1 + crowd / 3);
  }
  return out;
}

export interface RunMeta {
  schedule: number[];
  protectDistillation: boolean;
  inferMs: number;
  ep: string;
  tokensPerLayer: number[];
}

export function runView(spec: ModelSpec, item: ItemResult, meta: RunMeta, k = 5): RunView {
  const L = spec.numLayers;
  const N = spec.numTokens;
  const scores = scoresFromLogits(item.logits, spec.multiLabel);
  const groupsPerLayer = composeGroups(item.maps, N);
  const groups = new Int32Array(L * N);
  const sourceScores = new Float32Array(L * N).fill(NaN);
  const clarity = new Float32Array(L * N).fill(NaN);
  for (let l = 0; l < L; l++) {
    groups.set(groupsPerLayer[l], l * N);
    const layerScores = item.mergeScores[l];
    const layerClear = layerClarity(layerScores);
    for (let j = 0; j < N; j++) {
      // The token that carries original token j into layer l.
      const carrier = l === 0 ? j : groupsPerLayer[l - 1][j];
      const sc = layerScores[carrier];
      if (Number.isFinite(sc)) {
        sourceScores[l * N + j] = sc;
        clarity[l * N + j] = layerClear[carrier];
      }
    }
  }
  const applied = applySchedule(N, meta.schedule, meta.protectDistillation);
  return {
    scores,
    topk: topK(scores, [], Math.min(k, scores.length)).map((s) => ({ index: s.index, score: s.score })),
    groups,
    sourceScores,
    clarity,
    tokensPerLayer: meta.tokensPerLayer,
    schedule: meta.schedule,
    rApplied: applied.rApplied,
    mergeRatio: mergeRatio(applied),
    gflops: forwardFlops(spec, applied).total / 1e9,
    inferMs: meta.inferMs,
    ep: meta.ep,
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
