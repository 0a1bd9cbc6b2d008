/**
 * The lab's half of the host: sweeps of a labelled set over models × merge settings × weights
 * (app/analysis/sweep; int8 rows are compared with the float32 model at r = 0), on engines opened for the lab alone, with one SweepCache for the host's
 * lifetime (under its state folder), and exports of the table and of the chart the UI drew.
 *
 * Timings stay honest beside the workstation: every engine call of a sweep waits for its turn
 * in the host's engine queue (background priority), so an interactive merge run goes between
 * two sweep batches, never beside one, and the sweep times only its own engine call.
 */
import { homedir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import type { EventData, LabResult, LabSweepParams, ModelInfo, Params, Result, WeightsPrecision } from '../../app/contract/index.js';
import { settingsGrid, sweep, type SweepModel, type SweepProgress, type SweepResult } from '../../app/analysis/sweep.js';
import { SweepCache } from '../../app/analysis/sweep-cache.js';
import type { GraphCache } from '../../app/engine/graph-cache.js';
import type { Engine } from '../../app/engine/types.js';
import { FastAstError } from '../../app/errors.js';
import type { EngineQueue } from './engine-queue.js';
import type { CreateEngine, EngineOptions } from './host-config.js';
import { PathRules } from './host-paths.js';
import { writeLabExport } from './lab-export.js';
import { defaultSet, openSweepSet, spreadClips } from './lab-set.js';
import { rowWire } from './lab-wire.js';
import { LruMap } from './lru-map.js';
import { HostError, type CallContext } from './rpc.js';

export interface LabHostConfig {
  stateDir: string;
  modelsDir: string;
  demoDir: string | null;
  engineOptions: EngineOptions;
  createEngine: CreateEngine;
  /** The host's graph cache (shared with the workstation's engines). */
  graphCache: () => Promise<GraphCache>;
  /** The host's models by id (bundled and imported). */
  models: () => ReadonlyMap<string, ModelInfo>;
  /** The host's engine queue: sweep runs take turns with the workstation's. */
  queue: EngineQueue;
  log: (line: string) => void;
  /** serve --root: where sets may be read and exports written (default: anywhere). */
  paths?: PathRules;
}

interface LabEngine {
  dir: string;
  sha256: string;
  engine: Engine;
}

/** Lab engines kept between sweeps (the two bundled models at both precisions, and a couple more). */
const MAX_LAB_ENGINES = 6;
/** Results kept for lab.export (csv / json). */
const MAX_RESULTS = 8;
/** lab.progress events per second at most (the last one always goes). */
const PROGRESS_EVERY_MS = 100;

function sameLabels(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((l, i) => l === b[i]);
}

export class LabHost {
  /** One cache for the host's lifetime: a repeated sweep, an added r or added clips compute only what is new. */
  readonly cache: SweepCache;
  private readonly engines = new LruMap<string, Promise<LabEngine>>(MAX_LAB_ENGINES);
  private readonly results = new LruMap<string, SweepResult>(MAX_RESULTS);
  private running: string | null = null;

  constructor(private readonly cfg: LabHostConfig) {
    this.cache = new SweepCache(join(cfg.stateDir, 'sweep-cache'));
  }

  defaults(): Result<'lab.defaults'> {
    return { defaultSet: defaultSet(this.cfg.demoDir, this.cfg.modelsDir), cacheDir: this.cache.dir!, exportDir: this.cfg.paths?.root ?? homedir(), running: this.running };
  }

  /** The lab's own engine of a model at a precision (built once, kept for the next sweep; never the workstation's). */
  private engineFor(info: ModelInfo, weights: WeightsPrecision): Promise<LabEngine> {
    const key = `${info.id}|${resolve(info.dir)}|${weights}`;
    const cached = this.engines.get(key);
    if (cached) return cached;
    const p = (async () => {
      // The lab's engine is its own, but its graph comes from the host's cache like the workstation's.
      const built = await this.cfg.createEngine(info.dir, { ...this.cfg.engineOptions, weights, cache: await this.cfg.graphCache(), notice: this.cfg.log });
      this.cfg.log(`lab engine for ${info.id} (${weights}) on ${built.engine.ep}`);
      return { dir: resolve(info.dir), sha256: built.sha256, engine: built.engine };
    })();
    p.catch(() => this.engines.deleteIf(key, p));
    for (const [, old] of this.engines.set(key, p)) void old.then((m) => m.engine.dispose()).catch(() => {});
    return p;
  }

  async sweep(params: LabSweepParams, ctx: CallContext): Promise<LabResult> {
    if (this.running) throw new HostError('USAGE', `a sweep is already running (${this.running}); cancel it first`);
    this.running = params.sweepId;
    try {
      return await this.runSweep(params, ctx);
    } finally {
      this.running = null;
    }
  }

  private async runSweep(params: LabSweepParams, ctx: CallContext): Promise<LabResult> {
    const t0 = performance.now();
    const known = this.cfg.models();
    const infos = params.models.map((id) => {
      const m = known.get(id);
      if (!m) throw new HostError('NO_MODEL', `no model ${id}; known: ${[...known.keys()].join(', ')}`);
      return m;
    });
    if (new Set(params.models).size !== params.models.length) throw new HostError('BAD_REQUEST', 'a model is listed twice');
    const labels = infos[0].labels;
    const odd = infos.find((m) => !sameLabels(m.labels, labels));
    if (odd) throw new FastAstError('USAGE', `${odd.id} has other classes than ${infos[0].id}; models swept together must share their labels (sweep them separately)`);

    let last = 0;
    const progress = (p: Omit<EventData<'lab.progress'>, 'sweepId'>, force = false) => {
      const now = performance.now();
      if (!force && now - last < PROGRESS_EVERY_MS) return;
      last = now;
      if (!ctx.signal.aborted) ctx.client.emit('lab.progress', { sweepId: params.sweepId, ...p });
    };

    // The set first: a typo in a path or a label fails before any engine is built.
    progress({ stage: 'open', done: 0, total: infos.length + 1, cached: 0, message: `reading ${basename(params.set)}` }, true);
    const full = await openSweepSet(params, labels, this.cfg.modelsDir, this.cfg.paths);
    const set = params.maxClips !== undefined ? spreadClips(full, params.maxClips) : full;
    if (ctx.signal.aborted) throw new HostError('CANCELLED', 'cancelled');

    // The float32 engine is always opened: it runs every row's r = 0 baseline, int8 rows included.
    const axis = params.weights ?? 'float32';
    const weights: WeightsPrecision[] = axis === 'both' ? ['float32', 'int8'] : [axis];
    const models: SweepModel[] = [];
    for (const [i, info] of infos.entries()) {
      progress({ stage: 'open', done: i + 1, total: infos.length + 1, cached: 0, model: info.id, message: `building ${info.id}` }, true);
      const m = await this.engineFor(info, 'float32');
      if (ctx.signal.aborted) throw new HostError('CANCELLED', 'cancelled');
      const model: SweepModel = { id: info.id, sha256: m.sha256, engine: m.engine };
      if (weights.includes('int8')) {
        progress({ stage: 'open', done: i + 1, total: infos.length + 1, cached: 0, model: info.id, message: `building ${info.id} (int8)` }, true);
        model.int8 = (await this.engineFor(info, 'int8')).engine;
        if (ctx.signal.aborted) throw new HostError('CANCELLED', 'cancelled');
      }
      models.push(model);
    }

    const signal = ctx.signal;
    const paths = this.cfg.paths;
    const res = await sweep(models, set, {
      settings: settingsGrid({
        rs: [...new Set(params.rs)],
        shapes: [...new Set(params.shapes)],
        propAttn: params.propAttn === 'both' ? [true, false] : [params.propAttn === 'on'],
        protectDistillation: params.protectDistillation ?? true,
        weights,
      }),
      cache: this.cache,
      batchSize: 1,
      signal,
      turn: (job) => this.cfg.queue.submit('background', signal, job),
      ...(paths?.root ? { openClip: (p: string) => paths.openRead(p, 'clip of the labelled set') } : {}),
      onProgress: (p: SweepProgress) =>
        progress(
          {
            stage: p.stage,
            done: p.done,
            total: p.total,
            cached: p.cached,
            ...(p.model ? { model: p.model } : {}),
            ...(p.setting ? { setting: { r: p.setting.r, shape: p.setting.shape, propAttn: p.setting.propAttn, protectDistillation: p.setting.protectDistillation, ...(p.setting.weights ? { weights: p.setting.weights } : {}) } } : {}),
          },
          p.done === p.total,
        ),
    });
    this.results.set(params.sweepId, res);
    this.cfg.log(`lab sweep ${params.sweepId}: ${res.rows.length} rows, ${res.computed} runs computed, ${res.cached} cached`);
    return {
      sweepId: params.sweepId,
      set: {
        source: res.set.source,
        kind: res.set.kind,
        clips: res.set.clips,
        totalClips: full.clips.length,
        multiLabel: res.set.multiLabel,
        fold: params.fold ?? null,
      },
      models: res.models.map((m) => ({ id: m.id, sha256: m.sha256, ep: m.ep, labels: m.labels, multiLabel: m.multiLabel })),
      rows: res.rows.map(rowWire),
      featuresMs: res.featuresMs,
      computed: res.computed,
      cached: res.cached,
      elapsedMs: performance.now() - t0,
      cacheDir: this.cache.dir!,
    };
  }

  async export(params: Params<'lab.export'>): Promise<Result<'lab.export'>> {
    return writeLabExport(params, (id) => this.results.peek(id), MAX_RESULTS, this.cfg.paths);
  }

  async dispose(): Promise<void> {
    for (const p of this.engines.values()) {
      try {
        await (await p).engine.dispose();
      } catch {
        /* never built */
      }
    }
    this.engines.clear();
  }
}
