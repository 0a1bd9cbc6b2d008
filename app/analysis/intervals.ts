/**
 * Confidence intervals for the lab's numbers, so that a chart of 10 clips does not present a
 * one-clip difference as a result: Wilson's interval for a share (accuracy), a bootstrap
 * interval for a median (throughput), and the spread of paired ratios (speed-up).
 */
import { median } from './metrics.js';
import { seededRandom } from '../common/random.js';

/** z for a two-sided 95 % interval. */
const Z95 = 1.959964;

/**
 * Wilson score interval of `successes` out of `n` (95 %): unlike p ± z·√(p(1−p)/n) it stays
 * inside 0…1 and does not shrink to a point at 9 of 10 or 10 of 10.
 */
export function wilson(successes: number, n: number, z = Z95): { low: number; high: number } {
  if (n === 0) return { low: 0, high: 1 };
  const p = successes / n;
  const z2 = z * z;
  const centre = (p + z2 / (2 * n)) / (1 + z2 / n);
  const half = (z / (1 + z2 / n)) * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n));
  return { low: Math.max(0, centre - half), high: Math.min(1, centre + half) };
}

const rng = seededRandom;

/** Percentile bootstrap (95 %) of the median of `xs`, `rounds` resamples, seeded. */
export function bootstrapMedian(xs: readonly number[], rounds = 500, seed = 1): { low: number; high: number } {
  if (xs.length === 0) return { low: NaN, high: NaN };
  if (xs.length === 1) return { low: xs[0], high: xs[0] };
  const next = rng(seed);
  const medians: number[] = [];
  const sample = new Array<number>(xs.length);
  for (let b = 0; b < rounds; b++) {
    for (let i = 0; i < xs.length; i++) sample[i] = xs[Math.floor(next() * xs.length)];
    medians.push(median(sample));
  }
  medians.sort((a, b) => a - b);
  return { low: quantileSorted(medians, 0.025), high: quantileSorted(medians, 0.975) };
}

/** Median and quartiles of the ratios num[i] ÷ den[i]. */
export function pairedRatios(num: readonly number[], den: readonly number[]): { median: number; q1: number; q3: number; pairs: number } {
  const ratios = num.map((x, i) => x / den[i]).sort((a, b) => a - b);
  if (ratios.length === 0) return { median: NaN, q1: NaN, q3: NaN, pairs: 0 };
  return { median: median(ratios), q1: quantileSorted(ratios, 0.25), q3: quantileSorted(ratios, 0.75), pairs: ratios.length };
}

/** Linear-interpolated quantile of sorted values (numpy's default). */
export function quantileSorted(sorted: readonly number[], q: number): number {
  const at = (sorted.length - 1) * q;
  const lo = Math.floor(at);
  const hi = Math.ceil(at);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (at - lo);
}
