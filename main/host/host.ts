/**
 * The engine host: everything the UI asks for, on top of app/. It knows nothing of Electron or
 * HTTP; main/serve and main/electron/engine-process.ts give it a transport. One Host serves any
 * number of connections (they share models, decoded files and the window cache).
 *
 * This file is the dispatch table: each method of the contract, answered by the part that owns it.
 */
import { join } from 'node:path';
import { PROTOCOL_VERSION, type FileInfo, type MergeParams, type Method, type Params, type Provenance, type Result } from '../../app/contract/index.js';
import { FastAstError } from '../../app/errors.js';
import { analyseFile } from './analysis.js';
import { EngineCache, type LoadedModel } from './engine-cache.js';
import { EngineQueue } from './engine-queue.js';
import { listFolder } from './folder-list.js';
import { defaultEngine, type HostConfig } from './host-config.js';
import { PathRules } from './host-paths.js';
import { LabHost } from './lab-host.js';
import { scheduleTable } from './merge-schedule.js';
import { ModelRegistry } from './model-registry.js';
import { ModelStore } from './model-store.js';
import { OpenFiles } from './open-files.js';
import { raceAbort } from './race-abort.js';
import { HostError, type CallContext, type Handler } from './rpc.js';
import { exportSegmentFiles, importSegmentFile } from './segment-files.js';
import { SessionStore } from './session-store.js';
import { SettingsFile } from './settings.js';
import { displaySpectrogram, peaks } from './spectrogram.js';
import { WindowRuns } from './window-runs.js';

export type { HostConfig } from './host-config.js';

export class Host {
  private readonly log: (line: string) => void;
  private readonly settings: SettingsFile;
  /** Open files, segment edits, reviews and view state, saved as the user works (session-store.ts). */
  private readonly sessions: SessionStore;
  private readonly models: ModelRegistry;
  /** Pull, import, remove, labels: the model store's methods over the registry. */
  private readonly store: ModelStore;
  private readonly engines: EngineCache;
  /** One engine run at a time, interactive first (shared with the lab). */
  private readonly queue = new EngineQueue();
  private readonly windows: WindowRuns;
  private readonly files: OpenFiles;
  /** Sweeps of labelled sets: engines of their own, runs queued between the workstation's. */
  private readonly lab: LabHost;
  /** serve --root's confinement of every path a client names. */
  private readonly paths: PathRules;
  private active: string | null = null;

  constructor(private readonly cfg: HostConfig) {
    this.log = cfg.log ?? (() => {});
    this.paths = new PathRules(cfg.root ?? null);
    const createEngine = cfg.createEngine ?? defaultEngine;
    const engineOptions = { providers: cfg.providers, threads: cfg.threads };
    this.settings = new SettingsFile(cfg.stateDir);
    this.sessions = new SessionStore(cfg.stateDir, this.log);
    const env = cfg.env ?? process.env;
    this.models = new ModelRegistry(cfg.modelsDir, join(cfg.stateDir, 'models'), env, this.log);
    this.store = new ModelStore(this.models, this.settings, env);
    this.engines = new EngineCache(this.models, createEngine, engineOptions, this.log, env);
    this.windows = new WindowRuns(this.queue);
    this.files = new OpenFiles(cfg.mediaDir, (fileId) => this.windows.forgetFile(fileId));
    this.lab = new LabHost({
      stateDir: cfg.stateDir,
      modelsDir: cfg.modelsDir,
      demoDir: cfg.demoDir,
      engineOptions,
      createEngine,
      graphCache: () => this.engines.cache(),
      models: () => this.models.byId(),
      queue: this.queue,
      log: this.log,
      paths: this.paths,
    });
  }

  /** Reads the model list and settings; starts loading the default model in the background. */
  async start(): Promise<void> {
    await this.files.start();
    await this.settings.load();
    await this.store.rescan();
    const first = this.models.get(this.cfg.defaultModel) ? this.cfg.defaultModel : (this.models.list()[0]?.id ?? null);
    if (first) {
      this.active = first;
      this.engines.load(first).catch((e) => this.log(`loading ${first} failed: ${(e as Error).message}`));
    }
  }

  async dispose(): Promise<void> {
    await this.engines.dispose();
    await this.lab.dispose();
    await this.files.dispose();
    await this.sessions.flush();
  }

  /** Path of a decoded media file, or null when the name is not one of ours. */
  mediaPath(name: string): Promise<string | null> {
    return this.files.mediaPath(name);
  }

  readonly handle: Handler = async <M extends Method>(method: M, params: Params<M>, ctx: CallContext): Promise<Result<M>> => {
    const h = (this.handlers as Record<string, (p: unknown, c: CallContext) => Promise<unknown>>)[method];
    return (await h.call(this, params, ctx)) as Result<M>;
  };

  private async current(): Promise<LoadedModel> {
    if (!this.active) throw new HostError('NO_MODEL', 'no model is loaded; pick or import one');
    return this.engines.load(this.active);
  }

  /**
   * The active model at the weights a merge setting asks for: its float32 engine, or its int8
   * one, built on first use (the call is told the build's progress, as a model load is) and then
   * taken from the graph cache.
   */
  private async runner(merge: MergeParams | null, ctx: CallContext, signal = ctx.signal): Promise<LoadedModel> {
    const weights = merge?.weights ?? 'float32';
    if (weights === 'float32' || !this.active) return this.current();
    return raceAbort(this.engines.load(this.active, ctx, weights), signal);
  }

  /** The active model's info, if any (for work that needs no engine). */
  private activeInfo() {
    return this.active ? this.models.get(this.active) : undefined;
  }

  private readonly handlers: { [M in Method]: (p: Params<M>, ctx: CallContext) => Promise<Result<M>> } = {
    hello: async () => {
      const up = this.active ? this.engines.ready(this.active) : undefined;
      return {
        protocol: PROTOCOL_VERSION,
        host: this.cfg.kind,
        appVersion: this.cfg.appVersion,
        models: this.models.list(),
        activeModel: this.active,
        engine: up ? this.engines.info(up) : null,
        demoDir: this.cfg.demoDir,
        homeDir: this.cfg.homeDir,
        lastMerge: this.settings.settings.lastMerge,
      };
    },

    'models.list': async () => this.store.list(),

    'models.select': async ({ id }, ctx) => {
      this.models.require(id);
      const m = await raceAbort(this.engines.load(id, ctx), ctx.signal);
      this.active = id;
      return { model: m.info, engine: this.engines.info(m) };
    },

    'models.pull': async (params, ctx) => this.store.pull(params, ctx),
    // serve --root confines what may be imported, as it confines every other path.
    'models.inspect': async (params, ctx) => this.store.inspect({ ...params, path: await this.paths.confine(params.path, 'checkpoint file') }, ctx),
    'models.import': async (params, ctx) => this.store.import({ ...params, path: await this.paths.confine(params.path, 'model folder or checkpoint file') }, ctx),
    'models.labels': async (params) => this.store.labels(params),

    'models.remove': async (params) => {
      const res = await this.store.remove(params);
      for (const id of res.removed) this.engines.forget(id);
      // The active model went: the default one (or the first there is) takes its place.
      if (this.active !== null && res.removed.includes(this.active)) {
        this.active = this.models.get(this.cfg.defaultModel) ? this.cfg.defaultModel : (this.models.list()[0]?.id ?? null);
      }
      return res;
    },

    'schedule.table': async (params) => scheduleTable((await this.current()).checkpoint.spec, params),

    'fs.list': async ({ dir }) => {
      const listed = await listFolder(await this.paths.confine(dir ?? this.cfg.demoDir ?? this.cfg.homeDir, 'folder'));
      return listed.dir === this.paths.root ? { ...listed, parent: null } : listed; // no way up out of the root
    },

    'file.open': async ({ path }, ctx) => {
      const info = await this.openFile(path, ctx);
      // The recent list is a convenience: a state folder that cannot be written must not stop the file opening.
      await this.sessions.noteOpened(info.path).catch((e: Error) => this.log(`recent files: ${e.message}`));
      return info;
    },

    'file.close': async ({ fileId }) => {
      await this.files.close(fileId);
      return {};
    },

    'file.peaks': async ({ fileId, startS, endS, count }) => {
      const f = this.files.get(fileId);
      const end = Math.min(endS, f.info.durationS);
      return { startS, endS: end, peaks: peaks(f.audio, startS, end, count) };
    },

    'file.spectrogram': async ({ fileId, startS, endS, cols }) => {
      const f = this.files.get(fileId);
      if (endS <= startS) throw new HostError('BAD_REQUEST', `empty range ${startS}…${endS} s`);
      const bins = this.activeInfo()?.numMelBins ?? 128;
      const sp = displaySpectrogram(f.audio, startS, endS, cols, bins, f.specRefDb);
      f.specRefDb ??= sp.refDb;
      return { startS: sp.startS, endS: sp.endS, cols: sp.cols, bins: sp.bins, data: sp.data, melEdgesHz: sp.melEdgesHz };
    },

    'analysis.run': async ({ fileId, hopS, merge }, ctx) => {
      const m = await this.runner(merge, ctx);
      return analyseFile(m, this.files.get(fileId), hopS, merge, this.queue, ctx);
    },

    'window.baseline': async ({ fileId, startS }, ctx) => {
      const m = await this.current();
      return this.windows.baseline(m, this.files.get(fileId), startS, ctx.signal);
    },

    'window.merge': async ({ fileId, startS, merge }, ctx) => {
      const signal = ctx.client.supersede('window.merge', ctx.signal);
      const m = await this.current();
      const run = await this.runner(merge, ctx, signal);
      return this.windows.merge(m, run, this.files.get(fileId), startS, merge, signal);
    },

    'window.speed': async ({ merge }, ctx) => this.windows.speed(await this.current(), await this.runner(merge, ctx), merge),

    'settings.save': async ({ lastMerge }) => {
      this.settings.settings.lastMerge = lastMerge;
      await this.settings.save();
      return {};
    },

    'session.get': async () => this.sessions.getSession(),
    'session.save': async ({ openFiles, activePath, view }) => {
      const confined = async (p: string) => this.paths.confine(p, 'file');
      const saved = { openFiles: await Promise.all(openFiles.map(confined)), activePath: activePath === null ? null : await confined(activePath), view };
      return { savedAt: await this.sessions.saveSession(saved) };
    },
    // The dir is confined as a path of the host; each file's path is confined when it is used (file.open, file.state.*).
    'session.folder.save': async ({ run }) => ({ savedAt: await this.sessions.saveFolder(run && { ...run, dir: await this.paths.confine(run.dir, 'folder') }) }),
    'file.state.save': async (params) => ({ savedAt: await this.sessions.saveFile({ ...params, path: await this.paths.confine(params.path, 'file') }) }),
    'file.state.get': async ({ path }) => this.sessions.getFile(await this.paths.confine(path, 'file')),
    'recent.list': async () => ({ files: await this.sessions.recent() }),

    'segments.export': async (params) => exportSegmentFiles(params, () => this.fallbackProvenance(), this.paths),
    'segments.import': async (params) => importSegmentFile(params, this.paths),

    'lab.defaults': async () => this.lab.defaults(),
    'lab.sweep': async (params, ctx) => this.lab.sweep(params, ctx),
    'lab.export': async (params) => this.lab.export(params),
  };

  /** file.open: under serve --root, decoded through a handle checked to lie inside the root (PathRules.openRead). */
  private async openFile(path: string, ctx: CallContext): Promise<FileInfo> {
    const windowS = (this.activeInfo()?.maxLength ?? 1024) / 100;
    if (!this.paths.root) return this.files.open(path, windowS, ctx);
    const opened = await this.paths.openRead(path, 'file').catch((e: NodeJS.ErrnoException) => {
      if (e instanceof FastAstError) throw e;
      if (e.code === 'ENOENT' || e.code === 'ENOTDIR') throw new FastAstError('FILE_NOT_FOUND', `${path}: no such file`);
      throw new FastAstError('AUDIO_UNREADABLE', `${path}: cannot be opened (${e.code ?? e.message})`);
    });
    try {
      return await this.files.open(opened.path, windowS, ctx, opened.handle);
    } finally {
      await opened.handle.close();
    }
  }

  /** Provenance for segments that carry none (drawn by hand, imported without a sidecar): the active model at r = 0. */
  private fallbackProvenance(): Provenance {
    const info = this.activeInfo();
    const loaded = this.active ? this.engines.ready(this.active) : undefined;
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
}
