import { median } from '../../app/analysis/metrics.js';
import { LruMap } from './lru-map.js';

/** Runs kept per setting: enough for a stable median, few enough to follow a change of load. */
const RUNS_KEPT = 7;
const SETTINGS_KEPT = 256;

/**
 * Recent inference times per setting (model, EP, schedule, flags). One run's time on a desktop
 * swings with whatever else the machine does (the renderer drawing, an analysis batch, another
 * program), so the Speed panel compares medians of recent runs of each setting, not two single
 * runs that may have caught different moments.
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

export function timingKey(modelId: string, ep: string, settings: { schedule: readonly number[]; propAttn: boolean; protectDistillation: boolean }): string {
  return `${modelId}|${ep}|${settings.schedule.join(',')}|${settings.propAttn ? 1 : 0}|${settings.protectDistillation ? 1 : 0}`;
}
