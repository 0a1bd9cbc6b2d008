/**
 * The focused window: its model input and unmerged baseline, cached per model, file and start,
 * and merged runs compared against that baseline. Both go through the engine queue at
 * interactive priority, so a slider move waits for one analysis batch at most.
 *
 * The baseline is always the unmerged float32 model: a setting with int8 weights runs on the
 * model's int8 engine and is compared with (and timed against) float32 r = 0, so that its
 * agreement and speed-up are what merging and 8-bit weights cost and buy together.
 *
 * Every window's baseline is one setting (r = 0), so a baseline run shows the median of all its
 * runs (re-timed: see BASELINE_TIMING_RUNS), not the cached entry's first time.
 *
 * The Speed panel's comparison (SpeedView) is timed apart from the runs that answer requests:
 * after a merged run, pairs of (baseline, merged) runs on the same window go back to back in one
 * queue job, in the background (run-timings.ts PairedTimings says why pairs).
 */
import type { MergeParams, Result, RunView, SpeedView, WeightsPrecision, WindowInput } from '../../app/contract/index.js';
import type { MergeSettings } from '../../app/engine/types.js';
import type { EngineQueue } from './engine-queue.js';
import type { LoadedModel } from './engine-cache.js';
import { modelWindow } from './audio-io.js';
import { LruMap } from './lru-map.js';
import { scheduleFor } from './merge-schedule.js';
import type { OpenFile } from './open-files.js';
import { raceAbort } from './race-abort.js';
import { HostError, throwIfAborted } from './rpc.js';
import { MIN_PAIRS, PairedTimings, RunTimings, timingKey } from './run-timings.js';
import { melEdgesHz } from './spectrogram.js';
import { comparisonView, runView } from './views.js';

interface WindowEntry {
  window: WindowInput;
  baseLogits: Float32Array;
  base: RunView;
  /** The baseline setting's key in the timings (the same for every window of a model and EP). */
  baseTimingKey: string;
}

const MAX_CACHED_WINDOWS = 48;
/** Baseline runs timed before its median is trusted (see baseline()). */
const BASELINE_TIMING_RUNS = 3;
/** Pairs timed for a setting first seen (MIN_PAIRS make it "ready"; a couple more steady the median). */
const FIRST_PAIRS = MIN_PAIRS + 2;

function precision(m: LoadedModel): WeightsPrecision {
  return m.engine.weights ?? 'float32';
}

/** float32 at r = 0 in every layer: the baseline itself. */
function isBaseline(run: LoadedModel, schedule: number[]): boolean {
  return precision(run) === 'float32' && schedule.every((r) => r === 0);
}

/** The Speed panel's numbers for r = 0: the baseline itself, nothing to time. */
function sameAsBaseline(ms: number): SpeedView {
  return { state: 'ready', pairs: 0, speedup: 1, speedupQ1: 1, speedupQ3: 1, speedupMin: 1, speedupMax: 1, baseMs: ms, mergedMs: ms };
}

export class WindowRuns {
  private readonly windows = new LruMap<string, Promise<WindowEntry>>(MAX_CACHED_WINDOWS);
  /** The Speed panel's ms per window: medians of recent runs of each setting. */
  private readonly timings = new RunTimings();
  /** The Speed panel's paired timings of merged against baseline. */
  private readonly paired = new PairedTimings();
  /** The setting whose pairs are being timed, and its pairs still waiting in the queue. */
  private measuring: { key: string; ctrl: AbortController; pending: number } | null = null;

  constructor(private readonly queue: EngineQueue) {}

  async baseline(m: LoadedModel, f: OpenFile, startS: number, signal: AbortSignal): Promise<Result<'window.baseline'>> {
    const e = await this.entry(m, f, startS, signal);
    return { window: e.window, run: this.baselineNow(e) };
  }

  /**
   * The focused window at a merge setting, run on `run` (the model's float32 engine, or its int8
   * one when merge.weights says so) and compared with `m`'s float32 r = 0 baseline.
   */
  async merge(m: LoadedModel, run: LoadedModel, f: OpenFile, startS: number, merge: MergeParams, signal: AbortSignal): Promise<Result<'window.merge'>> {
    const spec = m.checkpoint.spec;
    const entry = await this.entry(m, f, startS, signal);
    throwIfAborted(signal);
    const schedule = scheduleFor(spec, merge);
    const baseline = this.baselineNow(entry);
    if (isBaseline(run, schedule)) {
      return { run: baseline, baseline, comparison: comparisonView(spec, entry.baseLogits, entry.baseLogits), speed: sameAsBaseline(baseline.inferMs) };
    }
    const settings = { schedule, propAttn: merge.propAttn, protectDistillation: merge.protectDistillation };
    const res = await this.queue.submit('interactive', signal, () => run.engine.run(entry.window.input, 1, settings));
    throwIfAborted(signal);
    const key = timingKey(m.info.id, run.engine.ep, settings, precision(run));
    const view = runView(spec, res.items[0], {
      schedule,
      protectDistillation: merge.protectDistillation,
      inferMs: this.timings.record(key, res.inferMs),
      ep: run.engine.ep,
      weights: precision(run),
      tokensPerLayer: res.tokensPerLayer,
    });
    // The run above was this setting's warm-up (or one more run of it); the pairs come after it.
    this.timePairs(m, run, entry, settings, key);
    return { run: view, baseline, comparison: comparisonView(spec, entry.baseLogits, res.items[0].logits), speed: this.paired.view(key) };
  }

  /** The Speed panel's paired timing of a setting run on `run` against `m`'s float32 baseline (window.speed). */
  speed(m: LoadedModel, run: LoadedModel, merge: MergeParams): SpeedView {
    const schedule = scheduleFor(m.checkpoint.spec, merge);
    const key = timingKey(m.info.id, run.engine.ep, { schedule, propAttn: merge.propAttn, protectDistillation: merge.protectDistillation }, precision(run));
    return isBaseline(run, schedule) ? sameAsBaseline(this.timings.typical(key, NaN)) : this.paired.view(key);
  }

  /**
   * Queues (baseline, merged) pairs of the setting on the window's input, in the background: up
   * to FIRST_PAIRS for a setting new to the Speed panel, then one more per request, so the ratio
   * follows the machine's load. Moving to another setting drops the old one's waiting pairs.
   */
  private timePairs(m: LoadedModel, run: LoadedModel, entry: WindowEntry, merged: MergeSettings, key: string): void {
    if (this.measuring?.key !== key) {
      this.measuring?.ctrl.abort();
      this.measuring = { key, ctrl: new AbortController(), pending: 0 };
    }
    const job = this.measuring;
    const have = this.paired.count(key) + job.pending;
    const wanted = have < FIRST_PAIRS ? FIRST_PAIRS - have : job.pending === 0 ? 1 : 0;
    const base: MergeSettings = { schedule: scheduleFor(m.checkpoint.spec, null), propAttn: false, protectDistillation: true };
    const input = entry.window.input;
    for (let i = 0; i < wanted; i++) {
      job.pending++;
      void this.queue
        .submit('background', job.ctrl.signal, async () => {
          // Both runs in one queue job: nothing runs between them. The order alternates so that
          // neither side always runs first (caches, clock boost after an idle moment).
          const baseFirst = this.paired.count(key) % 2 === 0;
          const first = await (baseFirst ? m : run).engine.run(input, 1, baseFirst ? base : merged);
          const second = await (baseFirst ? run : m).engine.run(input, 1, baseFirst ? merged : base);
          return baseFirst ? { baseMs: first.inferMs, mergedMs: second.inferMs } : { baseMs: second.inferMs, mergedMs: first.inferMs };
        })
        .then((p) => this.paired.record(key, p.baseMs, p.mergedMs))
        .catch(() => {}) // cancelled (another setting) or a failed run: the pair is simply not counted
        .finally(() => job.pending--);
    }
  }

  /** Drops a closed file's windows. */
  forgetFile(fileId: string): void {
    for (const key of [...this.windows.keys()]) if (key.includes(`|${fileId}|`)) this.windows.delete(key);
  }

  /** A cached baseline with the current median of all baseline runs. */
  private baselineNow(entry: WindowEntry): RunView {
    return { ...entry.base, inferMs: this.timings.typical(entry.baseTimingKey, entry.base.inferMs) };
  }

  /** The window's input and baseline, from the cache or computed once for every caller. */
  private entry(m: LoadedModel, f: OpenFile, startS: number, signal: AbortSignal): Promise<WindowEntry> {
    // Past the end there is no window; a start like 1e308 would also round to an infinite frame.
    if (startS > f.info.durationS) throw new HostError('BAD_REQUEST', `window start ${startS} s is past the end of ${f.info.name} (${f.info.durationS.toFixed(2)} s)`);
    const startFrame = Math.round(startS * 100);
    const key = `${m.info.id}|${f.info.fileId}|${startFrame}`;
    const cached = this.windows.get(key);
    if (cached) return cached;
    const p = this.compute(m, f, startFrame);
    this.windows.set(key, p);
    p.catch(() => this.windows.deleteIf(key, p));
    return raceAbort(p, signal);
  }

  private async compute(m: LoadedModel, f: OpenFile, startFrame: number): Promise<WindowEntry> {
    const spec = m.checkpoint.spec;
    // The cached work is shared: a caller's signal only aborts its wait (see entry()).
    const never = new AbortController().signal;
    const { input, validFrames } = modelWindow(f.audio, spec, startFrame);
    const settings = { schedule: scheduleFor(spec, null), propAttn: false, protectDistillation: true };
    const res = await this.queue.submit('interactive', never, () => m.engine.run(input, 1, settings));
    const key = timingKey(m.info.id, m.engine.ep, settings);
    const inferMs = this.timings.record(key, res.inferMs);
    const base = runView(spec, res.items[0], { ...settings, inferMs, ep: m.engine.ep, weights: precision(m), tokensPerLayer: res.tokensPerLayer });
    // The first baseline of a session is one run, often taken while the file's analysis or the
    // renderer keeps the cores busy: time it a few more times in the background, so the
    // comparison with merged runs rests on a median.
    for (let i = this.timings.count(key); i < BASELINE_TIMING_RUNS; i++) {
      void this.queue
        .submit('background', never, () => m.engine.run(input, 1, settings))
        .then((extra) => this.timings.record(key, extra.inferMs))
        .catch(() => {}); // timing only: a failure here shows up on the next real run
    }
    const window: WindowInput = {
      fileId: f.info.fileId,
      startS: startFrame / 100,
      input,
      frames: spec.maxLength,
      melBins: spec.numMelBins,
      validFrames,
      melEdgesHz: melEdgesHz(spec.numMelBins, spec.features.sampleRate),
      windowS: spec.maxLength / 100,
    };
    return { window, baseLogits: res.items[0].logits, base, baseTimingKey: key };
  }
}
