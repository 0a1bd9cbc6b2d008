/**
 * The focused window: its model input and unmerged baseline, cached per model, file and start,
 * and merged runs compared against that baseline. Both go through the engine queue at
 * interactive priority, so a slider move waits for one analysis batch at most.
 *
 * Every window's baseline is one setting (r = 0), so the Speed panel shows the median of all its
 * runs (re-timed: see BASELINE_TIMING_RUNS), not the cached entry's first time.
 */
import type { MergeParams, Result, RunView, WindowInput } from '../../app/contract/index.js';
import type { EngineQueue } from './engine-queue.js';
import type { LoadedModel } from './engine-cache.js';
import { modelWindow } from './audio-io.js';
import { LruMap } from './lru-map.js';
import { scheduleFor } from './merge-schedule.js';
import type { OpenFile } from './open-files.js';
import { raceAbort } from './race-abort.js';
import { HostError, throwIfAborted } from './rpc.js';
import { RunTimings, timingKey } from './run-timings.js';
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

export class WindowRuns {
  private readonly windows = new LruMap<string, Promise<WindowEntry>>(MAX_CACHED_WINDOWS);
  /** The Speed panel's ms per window: medians of recent runs of each setting. */
  private readonly timings = new RunTimings();

  constructor(private readonly queue: EngineQueue) {}

  async baseline(m: LoadedModel, f: OpenFile, startS: number, signal: AbortSignal): Promise<Result<'window.baseline'>> {
    const e = await this.entry(m, f, startS, signal);
    return { window: e.window, run: this.baselineNow(e) };
  }

  async merge(m: LoadedModel, f: OpenFile, startS: number, merge: MergeParams, signal: AbortSignal): Promise<Result<'window.merge'>> {
    const spec = m.checkpoint.spec;
    const entry = await this.entry(m, f, startS, signal);
    throwIfAborted(signal);
    const schedule = scheduleFor(spec, merge);
    const baseline = this.baselineNow(entry);
    if (schedule.every((r) => r === 0)) {
      return { run: baseline, baseline, comparison: comparisonView(spec, entry.baseLogits, entry.baseLogits) };
    }
    const settings = { schedule, propAttn: merge.propAttn, protectDistillation: merge.protectDistillation };
    const res = await this.queue.submit('interactive', signal, () => m.engine.run(entry.window.input, 1, settings));
    throwIfAborted(signal);
    const run = runView(spec, res.items[0], {
      schedule,
      protectDistillation: merge.protectDistillation,
      inferMs: this.timings.record(timingKey(m.info.id, m.engine.ep, settings), res.inferMs),
      ep: m.engine.ep,
      tokensPerLayer: res.tokensPerLayer,
    });
    return { run, baseline, comparison: comparisonView(spec, entry.baseLogits, res.items[0].logits) };
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
    const base = runView(spec, res.items[0], { ...settings, inferMs, ep: m.engine.ep, tokensPerLayer: res.tokensPerLayer });
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
