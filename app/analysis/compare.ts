import { FastAstError } from '../errors.js';
import { argmax, scoresFromLogits, topK } from './scores.js';

/**
 * How far a merged run drifted from the r = 0 baseline on the same windows. Everything is
 * averaged over windows, so files of any length compare on one scale.
 */
export interface Comparison {
  windows: number;
  /** Share of windows (0…1) whose top-1 class is the same in both runs. */
  top1Agreement: number;
  /** Mean |top-k(baseline) ∩ top-k(merged)| / k, 0…1. */
  topKOverlap: number;
  k: number;
  /**
   * Mean KL(baseline ‖ merged) in nats. Softmax models: over the class distribution.
   * Multi-label models: the sum over classes of the Bernoulli KL of each sigmoid, since their
   * scores are not one distribution.
   */
  klDivergence: number;
  /** Per class: mean over windows of merged score − baseline score. */
  scoreChange: Float32Array;
}

// Scores are clamped away from 0 and 1 so that a class the merged run rules out entirely
// gives a large, finite divergence rather than Infinity.
const EPS = 1e-7;

function klTerm(p: number, q: number): number {
  const pc = Math.min(Math.max(p, EPS), 1);
  const qc = Math.min(Math.max(q, EPS), 1);
  return p > 0 ? p * Math.log(pc / qc) : 0;
}

function klWindow(base: Float32Array, merged: Float32Array, multiLabel: boolean): number {
  let kl = 0;
  for (let c = 0; c < base.length; c++) {
    kl += klTerm(base[c], merged[c]);
    if (multiLabel) kl += klTerm(1 - base[c], 1 - merged[c]);
  }
  return kl;
}

/** Compares per-window logits of a baseline run and a merged run (same windows, same order). */
export function compareRuns(
  baselineLogits: readonly Float32Array[],
  mergedLogits: readonly Float32Array[],
  multiLabel: boolean,
  k = 5,
): Comparison {
  if (baselineLogits.length !== mergedLogits.length) {
    throw new FastAstError('USAGE', `cannot compare ${baselineLogits.length} baseline windows with ${mergedLogits.length} merged windows`);
  }
  const n = baselineLogits.length;
  const classes = n > 0 ? baselineLogits[0].length : 0;
  const kk = Math.min(k, classes);
  const change = new Float32Array(classes);
  let agree = 0;
  let overlap = 0;
  let kl = 0;
  for (let w = 0; w < n; w++) {
    const base = scoresFromLogits(baselineLogits[w], multiLabel);
    const merged = scoresFromLogits(mergedLogits[w], multiLabel);
    if (argmax(base) === argmax(merged)) agree++;
    const baseTop = new Set(topK(base, [], kk).map((s) => s.index));
    overlap += topK(merged, [], kk).filter((s) => baseTop.has(s.index)).length / Math.max(kk, 1);
    kl += klWindow(base, merged, multiLabel);
    for (let c = 0; c < classes; c++) change[c] += (merged[c] - base[c]) / n;
  }
  return {
    windows: n,
    top1Agreement: n ? agree / n : 1,
    topKOverlap: n ? overlap / n : 1,
    k: kk,
    klDivergence: n ? kl / n : 0,
    scoreChange: change,
  };
}
