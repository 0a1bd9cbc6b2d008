/**
 * Set-level scores of a run: accuracy for single-label sets, average precision per class and
 * its mean (mAP) for multi-label ones (AudioSet's metric).
 */

/**
 * Average precision of one class: the clips ranked by `scores` (highest first), precision
 * taken at each rank where recall rises, weighted by that rise:
 *   AP = Σₙ (Rₙ − Rₙ₋₁) · Pₙ
 * over the distinct score thresholds. Clips with equal scores form one threshold, so a tie
 * between a positive and a negative counts as both at once (scikit-learn's
 * average_precision_score does the same). Without ties this is the mean, over the positives,
 * of the precision at each positive's rank. NaN when there are no positives.
 */
export function averagePrecision(scores: ArrayLike<number>, positive: ArrayLike<boolean>): number {
  const n = scores.length;
  let positives = 0;
  for (let i = 0; i < n; i++) if (positive[i]) positives++;
  if (positives === 0) return NaN;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => scores[b] - scores[a]);
  let tp = 0;
  let seen = 0;
  let ap = 0;
  let lastRecall = 0;
  for (let k = 0; k < n; ) {
    // Take the whole tie group at this threshold.
    const s = scores[order[k]];
    while (k < n && scores[order[k]] === s) {
      if (positive[order[k]]) tp++;
      seen++;
      k++;
    }
    const recall = tp / positives;
    ap += (recall - lastRecall) * (tp / seen);
    lastRecall = recall;
  }
  return ap;
}

export interface ClassAp {
  index: number;
  positives: number;
  ap: number;
}

/**
 * AP of every class that has at least one positive clip, and their mean. `scores[i]` are clip
 * i's per-class scores, `targets[i]` its labels (model indices).
 */
export function meanAveragePrecision(scores: readonly ArrayLike<number>[], targets: readonly (readonly number[])[], numClasses: number): { map: number; perClass: ClassAp[] } {
  const perClass: ClassAp[] = [];
  const column = new Float64Array(scores.length);
  const positive = new Array<boolean>(scores.length);
  for (let c = 0; c < numClasses; c++) {
    let positives = 0;
    for (let i = 0; i < scores.length; i++) {
      column[i] = scores[i][c];
      positive[i] = targets[i].includes(c);
      if (positive[i]) positives++;
    }
    if (positives > 0) perClass.push({ index: c, positives, ap: averagePrecision(column, positive) });
  }
  const map = perClass.length ? perClass.reduce((a, p) => a + p.ap, 0) / perClass.length : NaN;
  return { map, perClass };
}

/** The median; for an even count, the mean of the two middle values. */
export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}
