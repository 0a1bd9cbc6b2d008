/**
 * What the Speed panel says about a SpeedView (the host's paired timing of a merge setting
 * against r = 0), pure so that the wording rules are unit-tested (test/speed-text.test.ts):
 *
 * - the headline is the median of the pairs' ratios and nothing else: "faster" or "slower" is
 *   decided by that median alone, never by one run or by medians of separately timed runs;
 * - until the host has MIN_PAIRS pairs it says "measuring… (n/3 pairs)" and no ratio;
 * - the spread (quartiles) and the pair count stand beside the ratio, and when the quartiles
 *   straddle 1× the panel says so: the difference is within the noise of this machine.
 */
import type { SpeedView } from '../../../app/contract/index.js';

/** Pairs the host needs before a ratio is shown (main/host/run-timings.ts MIN_PAIRS). */
export const SPEED_MIN_PAIRS = 3;

export interface SpeedText {
  /** "1.84× faster", "1.10× slower", "same as r = 0", "measuring… (1/3 pairs)". */
  headline: string;
  verdict: 'measuring' | 'faster' | 'slower' | 'same';
  /** "IQR 1.71–1.95× · 7 pairs", or '' while measuring. */
  spread: string;
  /** The quartiles reach both sides of 1×: no clear difference on this machine. */
  withinNoise: boolean;
}

const x = (v: number) => `${v.toFixed(2)}×`;

export function speedText(v: SpeedView, isBaseline: boolean): SpeedText {
  if (isBaseline) return { headline: 'same as r = 0 (this is the baseline)', verdict: 'same', spread: '', withinNoise: false };
  if (v.state === 'measuring' || !Number.isFinite(v.speedup)) {
    return { headline: `measuring… (${Math.min(v.pairs, SPEED_MIN_PAIRS)}/${SPEED_MIN_PAIRS} pairs)`, verdict: 'measuring', spread: '', withinNoise: false };
  }
  // Two decimals: 1.004 reads as 1.00× and is "the same", not "1.00× faster".
  const rounded = Number(v.speedup.toFixed(2));
  const verdict = rounded > 1 ? 'faster' : rounded < 1 ? 'slower' : 'same';
  const headline = verdict === 'faster' ? `${x(v.speedup)} faster` : verdict === 'slower' ? `${x(1 / v.speedup)} slower` : 'same speed as r = 0';
  const withinNoise = v.speedupQ1 <= 1 && v.speedupQ3 >= 1 && verdict !== 'same';
  const spread = `IQR ${v.speedupQ1.toFixed(2)}–${x(v.speedupQ3)} · ${v.pairs} pair${v.pairs === 1 ? '' : 's'}`;
  return { headline, verdict, spread, withinNoise };
}
