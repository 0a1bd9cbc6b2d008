import { quantileSorted as quantile } from '../../app/analysis/intervals.js';
import { median } from '../../app/analysis/metrics.js';
import type { SpeedView } from '../../app/contract/index.js';
import { LruMap } from './lru-map.js';

/** Runs kept per setting: enough for a stable median, few enough to follow a change of load. */
const RUNS_KEPT = 7;
const SETTINGS_KEPT = 256;
/** Pairs kept per setting: the last ones, so the ratio follows a lasting change, not one moment. */
export const PAIRS_KEPT = 15;
/** Pairs before the Speed panel shows a ratio as measured (until then: "measuring…"). */
export const MIN_PAIRS = 3;

/**
 * Recent inference times per setting (model, EP, schedule, flags). One run's time on a desktop
 * swings with whatever else the machine does (the renderer drawing, an analysis batch, another
 * program), so a run's ms per window is the median of recent runs of its setting. The Speed
 * panel's comparison with the baseline comes from PairedTimings, not from these.
 */
export class RunTimings {
  /** Recording a setting's run counts as use: the setting recorded longest ago is dropped first. */
  private readonly runs = new LruMap<string, number[]>(SETTINGS_KEPT);

  /** Adds one run's time and returns the setting's median so far. */
  record(key: string, ms: number): number {
    const list = this.runs.peek(key) ?? [];
    list.push(ms);
    if (list.length > RUNS_KEPT) list.shift();
    this.runs.set(key, list);
    return median(list);
  }

  /** How many runs of the setting are kept. */
  count(key: string): number {
    return this.runs.peek(key)?.length ?? 0;
  }

  /** The setting's median, or `fallback` when it has no runs. */
  typical(key: string, fallback: number): number {
    const list = this.runs.peek(key);
    return list?.length ? median(list) : fallback;
  }
}

interface Pair {
  baseMs: number;
  mergedMs: number;
}

/**
 * Merged against baseline, timed as pairs: the two runs of a pair go back to back on the same
 * input, so whatever load the machine has at that moment slows both. Medians of separately taken
 * runs had compared a baseline timed while the cores were busy with a merged run timed while
 * they were idle (r = 25 showed "367 vs 107 ms": merging 3× slower). The ratio of each pair
 * cancels the load of its moment, and the median over pairs ignores the pair a burst of load
 * split down the middle.
 */
export class PairedTimings {
  private readonly pairs = new LruMap<string, Pair[]>(SETTINGS_KEPT);

  record(key: string, baseMs: number, mergedMs: number): void {
    const list = this.pairs.peek(key) ?? [];
    list.push({ baseMs, mergedMs });
    if (list.length > PAIRS_KEPT) list.shift();
    this.pairs.set(key, list);
  }

  count(key: string): number {
    return this.pairs.peek(key)?.length ?? 0;
  }

  view(key: string): SpeedView {
    return speedView(this.pairs.peek(key) ?? []);
  }
}

/** The Speed panel's numbers from a setting's pairs (NaN where there are none yet). */
export function speedView(pairs: readonly Pair[]): SpeedView {
  const ratios = pairs.map((p) => p.baseMs / p.mergedMs).sort((a, b) => a - b);
  const n = ratios.length;
  return {
    state: n >= MIN_PAIRS ? 'ready' : 'measuring',
    pairs: n,
    speedup: n ? median(ratios) : NaN,
    speedupQ1: n ? quantile(ratios, 0.25) : NaN,
    speedupQ3: n ? quantile(ratios, 0.75) : NaN,
    speedupMin: n ? ratios[0] : NaN,
    speedupMax: n ? ratios[n - 1] : NaN,
    baseMs: n ? median(pairs.map((p) => p.baseMs)) : NaN,
    mergedMs: n ? median(pairs.map((p) => p.mergedMs)) : NaN,
  };
}

/** A setting's key in the timings: model, EP, weights precision (float32 keeps the bare EP), schedule and flags. */
export function timingKey(modelId: string, ep: string, settings: { schedule: readonly number[]; propAttn: boolean; protectDistillation: boolean }, weights = 'float32'): string {
  return `${modelId}|${weights === 'float32' ? ep : `${ep}+${weights}`}|${settings.schedule.join(',')}|${settings.propAttn ? 1 : 0}|${settings.protectDistillation ? 1 : 0}`;
}
