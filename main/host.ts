/**
 * The engine host: everything the UI asks for, on top of app/. It knows nothing of Electron or
 * HTTP; `serve.ts` and `engine-process.ts` give it a transport. One Host serves any number of
 * connections (they share models, decoded files and the baseline cache).
 */
import { mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { basename, dirname, extname, isAbsolute, join, resolve } from 'node:path';
import {
  AUDIO_EXTENSIONS,
  MergeParams as MergeParamsSchema,
  PROTOCOL_VERSION,
  selectionFromWire,
  type Provenance,
  type EngineInfo,
  type FileInfo,
  type FsEntry,
  type MergeParams,
  type Method,
  type ModelInfo,
  type Params,
  type Result,
  type RunView,
  type WindowInput,
} from '../app/contract/index.js';
import { runWindows } from '../app/analysis/run-windows.js';
import { exportSegments } from '../app/export/export.js';
import { importSegments } from '../app/export/import.js';
import { FastAstError } from '../app/errors.js';
import { scoresFromLogits } from '../app/analysis/scores.js';
import { loadCheckpoint, type Checkpoint } from '../app/checkpoint/load.js';
import { specFromConfigs, type ModelSpec } from '../app/checkpoint/spec.js';
import type { Engine, ExecutionProvider } from '../app/engine/types.js';
import { applySchedule, inflectionSchedule, maxR, mergeRatio, SHAPE_INFLECTION } from '../app/tome/schedule.js';
import { decodeForHost, modelWindow, windowStartFrames, type DecodedAudio } from './audio-io.js';
import { EngineQueue } from './engine-queue.js';
import { LabHost } from './lab-host.js';
import { cancelled, HostError, throwIfAborted, type CallContext, type Handler } from './rpc.js';
import { displaySpectrogram, melEdgesHz, peaks, wavBytes } from './spectrogram.js';
import { RunTimings, timingKey } from './run-timings.js';
import { comparisonView, runView } from './views.js';

export interface HostConfig {
  kind: 'serve' | 'electron';
  appVersion: string;
  /** Folder of bundled models (one sub-folder each). */
  modelsDir: string;
  defaultModel: string;
  /** Where settings.json lives. */
  stateDir: string;
  /** Where decoded audio is written for playback. */
  mediaDir: string;
  demoDir: string | null;
  homeDir: string;
  providers?: ExecutionProvider[];
  threads?: number;
  /** Builds an engine (tests and the bench may swap it). */
  createEngine?: (checkpoint: Checkpoint, opts: { providers?: ExecutionProvider[]; threads?: number }) => Promise<Engine>;
  log?: (line: string) => void;
}

interface LoadedModel {
  info: ModelInfo;
  checkpoint: Checkpoint;
  engine: Engine;
}

interface OpenFile {
  info: FileInfo;
  audio: DecodedAudio;
  /** Reference level of the display spectrogram (set by the first, whole-file request). */
  specRefDb?: number;
}

interface WindowEntry {
  window: WindowInput;
  baseLogits: Float32Array;
  base: RunView;
  /** The baseline setting's key in Host.timings (the same for every window of a model and EP). */
  baseTimingKey: string;
}

interface Settings {
  lastMerge: MergeParams | null;
  imported: string[];
}

/** A path typed by the user: "~/x" is the host user's home; anything else must be absolute (the host's working folder means nothing to the UI). */
function userPath(p: string, what: string): string {
  const expanded = p === '~' ? homedir() : p.startsWith('~/') ? join(homedir(), p.slice(2)) : p;
  if (!isAbsolute(expanded)) throw new FastAstError(what === 'export' ? 'EXPORT_FAILED' : 'USAGE', `${p}: give the ${what === 'export' ? 'output folder' : 'file'} as an absolute path on the host (e.g. ${join(homedir(), 'labels')})`);
  return resolve(expanded);
}

const MAX_OPEN_FILES = 4;
const MAX_CACHED_WINDOWS = 48;
/** Baseline runs timed before its median is trusted (see baseline()). */
const BASELINE_TIMING_RUNS = 3;
/** Windows per engine call during analysis (interactive runs wait for one batch at most). */
const ANALYSIS_BATCH = 1;

function scheduleFor(spec: ModelSpec, p: MergeParams): number[] {
  return inflectionSchedule(p.r, SHAPE_INFLECTION[p.shape], spec.numLayers);
}

function modelInfo(id: string, dir: string, spec: ModelSpec, bundled: boolean): ModelInfo {
  const name = id
    .replace(/^ast-/, 'AST ')
    .replace(/-cmkd$/, ' (distilled, CMKD)')
    .replace(/-plain$/, ' (plain)')
    .replace(/-/g, ' ');
  return {
    id,
    name,
    dir,
    bundled,
    note: `${spec.numLayers} layers × ${spec.hiddenSize}, ${spec.labels.length} classes, ${spec.multiLabel ? 'multi-label (sigmoid)' : 'single-label (softmax)'}`,
    labels: spec.labels,
    multiLabel: spec.multiLabel,
    numLayers: spec.numLayers,
    numTokens: spec.numTokens,
    freqPatches: spec.freqPatches,
    timePatches: spec.timePatches,
    numMelBins: spec.numMelBins,
    maxLength: spec.maxLength,
    patchSize: spec.patchSize,
    frequencyStride: spec.frequencyStride,
    timeStride: spec.timeStride,
    sampleRate: spec.features.sampleRate,
    maxR: { protect: maxR(spec, true), noProtect: maxR(spec, false) },
  };
}

async function readSpec(dir: string): Promise<ModelSpec> {
  const config = JSON.parse(await readFile(join(dir, 'config.json'), 'utf8'));
  let pre = null;
  try {
    pre = JSON.parse(await readFile(join(dir, 'preprocessor_config.json'), 'utf8'));
  } catch {
    /* optional */
  }
  return specFromConfigs(config, pre, dir);
}

/** A model id from a folder name: safe for the contract's id pattern. */
function idFor(dir: string): string {
  return basename(resolve(dir)).replace(/[^\w.@+-]/g, '_').slice(0, 100) || 'model';
}

export class Host {
  private readonly models = new Map<string, ModelInfo>();
  private readonly loaded = new Map<string, Promise<LoadedModel>>();
  /** Models whose engine is up (hello answers without waiting for one still loading). */
  private readonly ready = new Map<string, LoadedModel>();
  private active: string | null = null;
  private readonly files = new Map<string, OpenFile>();
  private readonly windows = new Map<string, Promise<WindowEntry>>();
  /** The Speed panel's ms per window: medians of recent runs of each setting. */
  private readonly timings = new RunTimings();
  private readonly queue = new EngineQueue();
  private settings: Settings = { lastMerge: null, imported: [] };
  private fileCounter = 0;
  private readonly log: (line: string) => void;

  /** Sweeps of labelled sets (issue 5): engines of their own, runs queued between the workstation's. */
  private readonly lab: LabHost;

  constructor(private readonly cfg: HostConfig) {
    this.log = cfg.log ?? (() => {});
    this.lab = new LabHost({
      stateDir: cfg.stateDir,
      modelsDir: cfg.modelsDir,
      demoDir: cfg.demoDir,
      providers: cfg.providers,
      threads: cfg.threads,
      createEngine: cfg.createEngine ?? defaultEngine,
      models: () => this.models,
      queue: this.queue,
      log: this.log,
    });
  }

  /** Reads the model list and settings; starts loading the default model in the background. */
  async start(): Promise<void> {
    await mkdir(this.cfg.mediaDir, { recursive: true });
    await mkdir(this.cfg.stateDir, { recursive: true });
    try {
      const raw = JSON.parse(await readFile(join(this.cfg.stateDir, 'settings.json'), 'utf8'));
      const lastMerge = raw.lastMerge ? MergeParamsSchema.parse(raw.lastMerge) : null;
      const imported = Array.isArray(raw.imported) ? raw.imported.filter((x: unknown) => typeof x === 'string') : [];
      this.settings = { lastMerge, imported };
    } catch {
      /* first run */
    }
    await this.scanModels();
    const first = this.models.has(this.cfg.defaultModel) ? this.cfg.defaultModel : ([...this.models.keys()][0] ?? null);
    if (first) {
      this.active = first;
      this.load(first).catch((e) => this.log(`loading ${first} failed: ${(e as Error).message}`));
    }
  }

  async dispose(): Promise<void> {
    for (const p of this.loaded.values()) {
      try {
        await (await p).engine.dispose();
      } catch {
        /* already failed */
      }
    }
    await this.lab.dispose();
    await rm(this.cfg.mediaDir, { recursive: true, force: true }).catch(() => {});
  }

  private async scanModels(): Promise<void> {
    const dirs: { dir: string; bundled: boolean }[] = [];
    try {
      for (const e of await readdir(this.cfg.modelsDir, { withFileTypes: true })) {
        if (e.isDirectory()) dirs.push({ dir: join(this.cfg.modelsDir, e.name), bundled: true });
      }
    } catch {
      this.log(`no bundled models in ${this.cfg.modelsDir}`);
    }
    for (const dir of this.settings.imported) dirs.push({ dir, bundled: false });
    for (const { dir, bundled } of dirs) {
      try {
        const spec = await readSpec(dir);
        const id = idFor(dir);
        this.models.set(id, modelInfo(id, dir, spec, bundled));
      } catch (e) {
        if (bundled) this.log(`skipping ${dir}: ${(e as Error).message}`);
      }
    }
  }

  private async saveSettings(): Promise<void> {
    await writeFile(join(this.cfg.stateDir, 'settings.json'), JSON.stringify(this.settings, null, 2));
  }

  private load(id: string, ctx?: CallContext): Promise<LoadedModel> {
    let p = this.loaded.get(id);
    if (!p) {
      const info = this.models.get(id);
      if (!info) throw new HostError('NO_MODEL', `no model ${id}`);
      p = (async () => {
        ctx?.progress('model', 0, 2, `reading ${info.dir}`);
        const checkpoint = await loadCheckpoint(info.dir);
        ctx?.progress('model', 1, 2, 'building the graph');
        const make = this.cfg.createEngine ?? defaultEngine;
        const engine = await make(checkpoint, { providers: this.cfg.providers, threads: this.cfg.threads });
        // One warm-up pass, so the first window's timing is not the session's cold start.
        const spec = checkpoint.spec;
        await engine.run(new Float32Array(spec.maxLength * spec.numMelBins), 1, {
          schedule: new Array(spec.numLayers).fill(0),
          propAttn: false,
          protectDistillation: true,
        });
        ctx?.progress('model', 2, 2);
        this.log(`model ${id} on ${engine.ep} (${engine.attempts.map((a) => `${a.ep}:${a.ok ? 'ok' : a.reason}`).join(', ')})`);
        return { info, checkpoint, engine };
      })();
      this.loaded.set(id, p);
      p.then(
        (m) => this.ready.set(id, m),
        () => this.loaded.delete(id),
      );
      // Keep at most two engines in memory: the active one and the one before.
      for (const key of [...this.loaded.keys()].slice(0, -2)) {
        const old = this.loaded.get(key);
        this.loaded.delete(key);
        this.ready.delete(key);
        void old?.then((m) => m.engine.dispose()).catch(() => {});
      }
    }
    return p;
  }

  private async current(): Promise<LoadedModel> {
    if (!this.active) throw new HostError('NO_MODEL', 'no model is loaded; pick or import one');
    return this.load(this.active);
  }

  private engineInfo(m: LoadedModel): EngineInfo {
    return {
      modelId: m.info.id,
      ep: m.engine.ep,
      attempts: m.engine.attempts.map((a) => (a.reason ? { ep: a.ep, ok: a.ok, reason: a.reason } : { ep: a.ep, ok: a.ok })),
      threads: this.cfg.threads ?? 0,
    };
  }

  /** A cached baseline with the current median of all baseline runs (every window's baseline is the same setting). */
  private baselineNow(entry: WindowEntry): RunView {
    return { ...entry.base, inferMs: this.timings.typical(entry.baseTimingKey, entry.base.inferMs) };
  }

  private file(fileId: string): OpenFile {
    const f = this.files.get(fileId);
    if (!f) throw new HostError('UNKNOWN_FILE', `file ${fileId} is not open (it may have been closed or the engine restarted)`);
    return f;
  }

  /** The focused window: model input and the unmerged baseline, cached. */
  private baseline(m: LoadedModel, f: OpenFile, startS: number, signal: AbortSignal): Promise<WindowEntry> {
    const spec = m.checkpoint.spec;
    const startFrame = Math.round(startS * 100);
    const key = `${m.info.id}|${f.info.fileId}|${startFrame}`;
    let p = this.windows.get(key);
    if (p) {
      this.windows.delete(key);
      this.windows.set(key, p); // LRU: move to the end
      return p;
    }
    const mine = new AbortController(); // the cached work is shared: only abort the wait
    p = (async () => {
      const { input, validFrames } = modelWindow(f.audio, spec, startFrame);
      const settings = { schedule: new Array(spec.numLayers).fill(0), propAttn: false, protectDistillation: true };
      const res = await this.queue.submit('interactive', mine.signal, () => m.engine.run(input, 1, settings));
      const key = timingKey(m.info.id, m.engine.ep, settings);
      const inferMs = this.timings.record(key, res.inferMs);
      const base = runView(spec, res.items[0], { ...settings, inferMs, ep: m.engine.ep, tokensPerLayer: res.tokensPerLayer });
      // The first baseline of a session is one run, often taken while the file's analysis or the
      // renderer keeps the cores busy: time it a few more times in the background, so the
      // comparison with merged runs rests on a median.
      for (let i = this.timings.count(key); i < BASELINE_TIMING_RUNS; i++) {
        void this.queue
          .submit('background', new AbortController().signal, () => m.engine.run(input, 1, settings))
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
    })();
    this.windows.set(key, p);
    p.catch(() => this.windows.delete(key));
    while (this.windows.size > MAX_CACHED_WINDOWS) this.windows.delete(this.windows.keys().next().value!);
    return raceAbort(p, signal);
  }

  readonly handle: Handler = async <M extends Method>(method: M, params: Params<M>, ctx: CallContext): Promise<Result<M>> => {
    const h = (this.handlers as Record<string, (p: unknown, c: CallContext) => Promise<unknown>>)[method];
    return (await h.call(this, params, ctx)) as Result<M>;
  };

  private readonly handlers: { [M in Method]: (p: Params<M>, ctx: CallContext) => Promise<Result<M>> } = {
    hello: async () => {
      const up = this.active ? this.ready.get(this.active) : undefined;
      const engine: EngineInfo | null = up ? this.engineInfo(up) : null;
      return {
        protocol: PROTOCOL_VERSION,
        host: this.cfg.kind,
        appVersion: this.cfg.appVersion,
        models: [...this.models.values()],
        activeModel: this.active,
        engine,
        demoDir: this.cfg.demoDir,
        homeDir: this.cfg.homeDir,
        lastMerge: this.settings.lastMerge,
      };
    },

    'models.list': async () => [...this.models.values()],

    'models.select': async ({ id }, ctx) => {
      if (!this.models.has(id)) throw new HostError('NO_MODEL', `no model ${id}; known: ${[...this.models.keys()].join(', ')}`);
      const m = await raceAbort(this.load(id, ctx), ctx.signal);
      this.active = id;
      return { model: m.info, engine: this.engineInfo(m) };
    },

    'models.import': async ({ dir }) => {
      const abs = resolve(dir);
      const checkpoint = await loadCheckpoint(abs); // full check: every tensor by name and shape
      let id = idFor(abs);
      const existing = this.models.get(id);
      if (existing && resolve(existing.dir) !== abs) id = `${id}-${checkpoint.sha256.slice(0, 8)}`;
      const info = modelInfo(id, abs, checkpoint.spec, false);
      this.models.set(id, info);
      if (!this.settings.imported.includes(abs)) {
        this.settings.imported.push(abs);
        await this.saveSettings();
      }
      return info;
    },

    'schedule.table': async ({ shape, protectDistillation }) => {
      const { checkpoint } = await this.current();
      const spec = checkpoint.spec;
      const max = maxR(spec, protectDistillation);
      const ratios = new Float32Array(max + 1);
      const finalTokens = new Int32Array(max + 1);
      for (let r = 0; r <= max; r++) {
        const applied = applySchedule(spec.numTokens, scheduleFor(spec, { r, shape, propAttn: true, protectDistillation }), protectDistillation);
        ratios[r] = mergeRatio(applied);
        finalTokens[r] = applied.tokens[applied.tokens.length - 1];
      }
      return { shape, protectDistillation, ratios, finalTokens };
    },

    'fs.list': async ({ dir }) => {
      const abs = resolve(dir ?? this.cfg.demoDir ?? this.cfg.homeDir);
      let items;
      try {
        items = await readdir(abs, { withFileTypes: true });
      } catch (e) {
        throw new HostError('FILE_NOT_FOUND', `${abs}: cannot list (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
      }
      const entries: FsEntry[] = [];
      for (const e of items) {
        if (e.name.startsWith('.')) continue;
        const path = join(abs, e.name);
        if (e.isDirectory()) entries.push({ name: e.name, path, kind: 'dir' });
        else if ((AUDIO_EXTENSIONS as readonly string[]).includes(extname(e.name).slice(1).toLowerCase())) entries.push({ name: e.name, path, kind: 'audio' });
      }
      entries.sort((a, b) => (a.kind === b.kind ? a.name.localeCompare(b.name) : a.kind === 'dir' ? -1 : 1));
      const parent = dirname(abs);
      return { dir: abs, parent: parent === abs ? null : parent, entries: entries.slice(0, 100_000) };
    },

    'file.open': async ({ path }, ctx) => {
      const abs = resolve(path);
      const audio = await decodeForHost(abs, { signal: ctx.signal, onProgress: (done, total) => ctx.progress('decode', done, total) });
      throwIfAborted(ctx.signal);
      const fileId = `f${++this.fileCounter}`;
      const media = `${fileId}.wav`;
      await writeFile(join(this.cfg.mediaDir, media), wavBytes(audio.samples, audio.sampleRate));
      const m = this.active ? this.models.get(this.active) : undefined;
      const info: FileInfo = {
        fileId,
        path: abs,
        name: basename(abs),
        durationS: audio.samples.length / audio.sampleRate,
        sampleRate: audio.sampleRate,
        numSamples: audio.samples.length,
        media,
        windowS: (m?.maxLength ?? 1024) / 100,
      };
      this.files.set(fileId, { info, audio });
      while (this.files.size > MAX_OPEN_FILES) {
        const oldest = this.files.keys().next().value!;
        await this.closeFile(oldest);
      }
      return info;
    },

    'file.close': async ({ fileId }) => {
      await this.closeFile(fileId);
      return {};
    },

    'file.peaks': async ({ fileId, startS, endS, count }) => {
      const f = this.file(fileId);
      const end = Math.min(endS, f.info.durationS);
      return { startS, endS: end, peaks: peaks(f.audio.samples, f.audio.sampleRate, startS, end, count) };
    },

    'file.spectrogram': async ({ fileId, startS, endS, cols }) => {
      const f = this.file(fileId);
      if (endS <= startS) throw new HostError('BAD_REQUEST', `empty range ${startS}…${endS} s`);
      const bins = this.active ? (this.models.get(this.active)?.numMelBins ?? 128) : 128;
      const sp = displaySpectrogram(f.audio.samples, f.audio.sampleRate, startS, endS, cols, bins, f.specRefDb);
      f.specRefDb ??= sp.refDb;
      return { startS: sp.startS, endS: sp.endS, cols: sp.cols, bins: sp.bins, data: sp.data, melEdgesHz: sp.melEdgesHz };
    },

    'analysis.run': async ({ fileId, hopS, merge }, ctx) => {
      const m = await this.current();
      const f = this.file(fileId);
      const spec = m.checkpoint.spec;
      const starts = windowStartFrames(f.audio.samples.length, spec, hopS);
      const C = spec.labels.length;
      const scores = new Float32Array(starts.length * C);
      const schedule = merge ? scheduleFor(spec, merge) : new Array(spec.numLayers).fill(0);
      const settings = { schedule, propAttn: merge?.propAttn ?? false, protectDistillation: merge?.protectDistillation ?? true };
      const t0 = performance.now();
      ctx.progress('analysis', 0, starts.length);
      // app/analysis runs the windows; the queue wrapper gives each batch background priority,
      // so a slider move waits for one batch at most.
      const run = await runWindows(
        this.queue.wrap(m.engine, 'background', ctx.signal),
        starts.length,
        (i) => modelWindow(f.audio, spec, starts[i]).input,
        settings,
        { batchSize: ANALYSIS_BATCH, signal: ctx.signal, onBatch: (done, total) => ctx.progress('analysis', done, total) },
      );
      run.logits.forEach((logits, i) => scores.set(scoresFromLogits(logits, spec.multiLabel), i * C));
      const engineMs = run.inferMs;
      const applied = applySchedule(spec.numTokens, schedule, settings.protectDistillation);
      return {
        fileId,
        modelId: m.info.id,
        hopS,
        windowS: spec.maxLength / 100,
        starts: Float32Array.from(starts, (s) => s / 100),
        scores,
        classes: C,
        multiLabel: spec.multiLabel,
        merge,
        elapsedMs: performance.now() - t0,
        msPerWindow: starts.length ? engineMs / starts.length : 0,
        provenance: {
          modelId: m.info.id,
          modelSha256: m.checkpoint.sha256,
          schedule: applied.rApplied,
          propAttn: settings.propAttn,
          protectDistillation: settings.protectDistillation,
          windowS: spec.maxLength / 100,
          hopS: starts.length > 1 ? (starts[1] - starts[0]) / 100 : hopS,
        },
      };
    },

    'window.baseline': async ({ fileId, startS }, ctx) => {
      const m = await this.current();
      const f = this.file(fileId);
      const e = await this.baseline(m, f, startS, ctx.signal);
      return { window: e.window, run: this.baselineNow(e) };
    },

    'window.merge': async ({ fileId, startS, merge }, ctx) => {
      const signal = ctx.client.supersede('window.merge', ctx.signal);
      const m = await this.current();
      const f = this.file(fileId);
      const spec = m.checkpoint.spec;
      const entry = await this.baseline(m, f, startS, signal);
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
    },

    'settings.save': async ({ lastMerge }) => {
      this.settings.lastMerge = lastMerge;
      await this.saveSettings();
      return {};
    },

    'segments.export': async ({ format, outDir, recordings, provenance, selection, combined }) => {
      const dir = userPath(outDir, 'export');
      // Checked before anything is written: export never creates folders (a mistyped path fails, named).
      const info = await stat(dir).catch(() => null);
      if (!info) throw new FastAstError('EXPORT_FAILED', `${dir}: the output folder does not exist; create it first. Nothing was written.`);
      if (!info.isDirectory()) throw new FastAstError('EXPORT_FAILED', `${dir}: this is a file, not a folder. Nothing was written.`);
      const prov = provenance ?? recordings.flatMap((r) => r.segments).find((s) => s.provenance)?.provenance ?? this.fallbackProvenance();
      const res = await exportSegments({ format, recordings, outDir: dir, provenance: prov, selection: selectionFromWire(selection), combined });
      return { outDir: dir, files: res.files, segments: res.segments };
    },

    'lab.defaults': async () => this.lab.defaults(),
    'lab.sweep': async (params, ctx) => this.lab.sweep(params, ctx),
    'lab.export': async (params) => this.lab.export(params),

    'segments.import': async ({ path, format, file }) => {
      const recordings = await importSegments(userPath(path, 'import'), { ...(format ? { format } : {}), ...(file ? { file } : {}) });
      return { recordings };
    },
  };

  /** Provenance for segments that carry none (drawn by hand, imported without a sidecar): the active model at r = 0. */
  private fallbackProvenance(): Provenance {
    const info = this.active ? this.models.get(this.active) : undefined;
    const loaded = this.active ? this.ready.get(this.active) : undefined;
    const windowS = (info?.maxLength ?? 0) / 100;
    return {
      modelId: info?.id ?? 'none',
      modelSha256: loaded?.checkpoint.sha256 ?? '',
      schedule: new Array(info?.numLayers ?? 0).fill(0),
      propAttn: false,
      protectDistillation: true,
      windowS,
      hopS: windowS,
      threshold: 0,
    };
  }

  private async closeFile(fileId: string): Promise<void> {
    const f = this.files.get(fileId);
    if (!f) return;
    this.files.delete(fileId);
    for (const key of [...this.windows.keys()]) if (key.includes(`|${fileId}|`)) this.windows.delete(key);
    await rm(join(this.cfg.mediaDir, f.info.media), { force: true });
  }

  /** Path of a decoded media file, or null when the name is not one of ours. */
  async mediaPath(name: string): Promise<string | null> {
    if (!/^f\d+\.wav$/.test(name)) return null;
    const p = join(this.cfg.mediaDir, name);
    try {
      return (await stat(p)).isFile() ? p : null;
    } catch {
      return null;
    }
  }
}

/** Waits for `p` unless `signal` aborts first (the work itself goes on: others may share it). */
function raceAbort<T>(p: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(cancelled());
  return new Promise<T>((res, rej) => {
    const onAbort = () => rej(cancelled());
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        res(v);
      },
      (e) => {
        signal.removeEventListener('abort', onAbort);
        rej(e);
      },
    );
  });
}

async function defaultEngine(checkpoint: Checkpoint, opts: { providers?: ExecutionProvider[]; threads?: number }): Promise<Engine> {
  const { createNodeEngine } = await import('../app/engine/node-engine.js');
  return createNodeEngine(checkpoint, opts);
}
