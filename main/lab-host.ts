/**
 * The lab's half of the host: sweeps of a labelled set over models × merge settings
 * (app/analysis/sweep), on engines opened for the lab alone, with one SweepCache for the host's
 * lifetime (under its state folder), and exports of the table and of the chart the UI drew.
 *
 * Timings stay honest beside the workstation: every engine call of a sweep waits for its turn
 * in the host's engine queue (background priority), so an interactive merge run goes between
 * two sweep batches, never beside one, and the sweep times only its own engine call.
 */
import { existsSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { basename, dirname, extname, isAbsolute, join, resolve } from 'node:path';
import type { EventData, LabExportFormat, LabResult, LabRow, LabSweepParams, ModelInfo, Params, Result } from '../app/contract/index.js';
import { audiosetAliases, openLabelledSet, type LabelledSet } from '../app/analysis/labelled-set.js';
import { settingsGrid, sweep, type SweepModel, type SweepProgress, type SweepResult, type SweepRow } from '../app/analysis/sweep.js';
import { SweepCache } from '../app/analysis/sweep-cache.js';
import { loadCheckpoint, type Checkpoint } from '../app/checkpoint/load.js';
import type { Engine, ExecutionProvider } from '../app/engine/types.js';
import { FastAstError } from '../app/errors.js';
import { writeFilesAtomically } from '../app/export/atomic-write.js';
import { evalCsv, evalJsonFile } from '../app/cli/format.js';
import type { EngineQueue } from './engine-queue.js';
import { HostError, type CallContext } from './rpc.js';

export interface LabHostConfig {
  stateDir: string;
  modelsDir: string;
  demoDir: string | null;
  providers?: ExecutionProvider[];
  threads?: number;
  createEngine: (checkpoint: Checkpoint, opts: { providers?: ExecutionProvider[]; threads?: number }) => Promise<Engine>;
  /** The host's models by id (bundled and imported). */
  models: () => ReadonlyMap<string, ModelInfo>;
  /** The host's engine queue: sweep runs take turns with the workstation's. */
  queue: EngineQueue;
  log: (line: string) => void;
}

interface LabEngine {
  dir: string;
  sha256: string;
  engine: Engine;
}

/** Changed clips sent per row (the count of all is sent too): a large set must not make a huge frame. */
export const LAB_MAX_CHANGED = 2000;
/** Lab engines kept between sweeps (the two bundled models and a couple more). */
const MAX_LAB_ENGINES = 4;
/** Results kept for lab.export (csv / json). */
const MAX_RESULTS = 8;
/** lab.progress events per second at most (the last one always goes). */
const PROGRESS_EVERY_MS = 100;

function sameLabels(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((l, i) => l === b[i]);
}

/** At most `n` clips, taken from the classes in turn (each class in set order), then in set order. */
export function spreadClips(set: LabelledSet, n: number): LabelledSet {
  if (set.clips.length <= n) return set;
  const byClass = new Map<number, number[]>();
  set.clips.forEach((c, i) => {
    const list = byClass.get(c.target);
    if (list) list.push(i);
    else byClass.set(c.target, [i]);
  });
  const queues = [...byClass.values()];
  const picked: number[] = [];
  for (let k = 0; picked.length < n; k++) for (const q of queues) if (k < q.length && picked.length < n) picked.push(q[k]);
  picked.sort((a, b) => a - b);
  return { ...set, clips: picked.map((i) => set.clips[i]) };
}

/** A path typed in the UI: "~/x" is the host user's home; anything else must be absolute. */
function hostPath(p: string, what: string): string {
  const expanded = p === '~' ? homedir() : p.startsWith('~/') ? join(homedir(), p.slice(2)) : p;
  if (!isAbsolute(expanded)) throw new FastAstError('USAGE', `${p}: give the ${what} as an absolute path on the host (e.g. ${join(homedir(), 'lab')})`);
  return resolve(expanded);
}

/** A sweep row as sent: the same fields, the changed clips capped at LAB_MAX_CHANGED. */
function rowWire(row: SweepRow): LabRow {
  return { ...row, changed: row.changed.slice(0, LAB_MAX_CHANGED), changedTotal: row.changed.length };
}

export class LabHost {
  /** One cache for the host's lifetime: a repeated sweep, an added r or added clips compute only what is new. */
  readonly cache: SweepCache;
  private readonly engines = new Map<string, Promise<LabEngine>>();
  private readonly results = new Map<string, SweepResult>();
  private running: string | null = null;

  constructor(private readonly cfg: LabHostConfig) {
    this.cache = new SweepCache(join(cfg.stateDir, 'sweep-cache'));
  }

  /** The bundled ESC-10 fold-5 set, next to the demo clips or the models (a source checkout). */
  defaultSet(): string | null {
    const candidates = [
      ...(this.cfg.demoDir ? [join(dirname(this.cfg.demoDir), 'esc10', 'esc10_fold5.csv')] : []),
      join(dirname(this.cfg.modelsDir), 'data', 'esc10', 'esc10_fold5.csv'),
    ];
    return candidates.find((p) => existsSync(p)) ?? null;
  }

  defaults(): Result<'lab.defaults'> {
    return { defaultSet: this.defaultSet(), cacheDir: this.cache.dir!, exportDir: homedir(), running: this.running };
  }

  /** The lab's own engine of a model (built once, kept for the next sweep; never the workstation's). */
  private engineFor(info: ModelInfo): Promise<LabEngine> {
    const key = `${info.id}|${resolve(info.dir)}`;
    let p = this.engines.get(key);
    if (p) {
      this.engines.delete(key);
      this.engines.set(key, p); // most recently used last
      return p;
    }
    p = (async () => {
      const checkpoint = await loadCheckpoint(info.dir);
      const engine = await this.cfg.createEngine(checkpoint, { providers: this.cfg.providers, threads: this.cfg.threads });
      this.cfg.log(`lab engine for ${info.id} on ${engine.ep}`);
      return { dir: checkpoint.dir, sha256: checkpoint.sha256, engine };
    })();
    this.engines.set(key, p);
    p.catch(() => this.engines.delete(key));
    for (const old of [...this.engines.keys()].slice(0, -MAX_LAB_ENGINES)) {
      const e = this.engines.get(old);
      this.engines.delete(old);
      void e?.then((m) => m.engine.dispose()).catch(() => {});
    }
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
    const source = hostPath(params.set, 'labelled set (a CSV file or a folder)');
    const aliasFile = join(dirname(this.cfg.modelsDir), 'data', 'labels', 'audioset_class_labels_indices.csv');
    const aliases = existsSync(aliasFile) ? await audiosetAliases(aliasFile) : undefined;
    const full = await openLabelledSet(source, labels, {
      ...(params.fold !== undefined ? { fold: params.fold } : {}),
      ...(params.audioRoot !== undefined ? { audioRoot: hostPath(params.audioRoot, 'audio folder') } : {}),
      aliases,
    });
    const set = params.maxClips !== undefined ? spreadClips(full, params.maxClips) : full;
    if (ctx.signal.aborted) throw new HostError('CANCELLED', 'cancelled');

    const models: SweepModel[] = [];
    for (const [i, info] of infos.entries()) {
      progress({ stage: 'open', done: i + 1, total: infos.length + 1, cached: 0, model: info.id, message: `building ${info.id}` }, true);
      const m = await this.engineFor(info);
      if (ctx.signal.aborted) throw new HostError('CANCELLED', 'cancelled');
      models.push({ id: info.id, sha256: m.sha256, engine: m.engine });
    }

    const signal = ctx.signal;
    const res = await sweep(models, set, {
      settings: settingsGrid({
        rs: [...new Set(params.rs)],
        shapes: [...new Set(params.shapes)],
        propAttn: params.propAttn === 'both' ? [true, false] : [params.propAttn === 'on'],
        protectDistillation: params.protectDistillation ?? true,
      }),
      cache: this.cache,
      batchSize: 1,
      signal,
      turn: (job) => this.cfg.queue.submit('background', signal, job),
      onProgress: (p: SweepProgress) =>
        progress(
          {
            stage: p.stage,
            done: p.done,
            total: p.total,
            cached: p.cached,
            ...(p.model ? { model: p.model } : {}),
            ...(p.setting ? { setting: { r: p.setting.r, shape: p.setting.shape, propAttn: p.setting.propAttn, protectDistillation: p.setting.protectDistillation } } : {}),
          },
          p.done === p.total,
        ),
    });
    this.results.set(params.sweepId, res);
    for (const old of [...this.results.keys()].slice(0, -MAX_RESULTS)) this.results.delete(old);
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
    const format: LabExportFormat = params.format;
    let file = hostPath(params.path, 'file to write');
    if (extname(file).toLowerCase() !== `.${format}`) file += `.${format}`;
    const dir = dirname(file);
    const info = await stat(dir).catch(() => null);
    if (!info) throw new FastAstError('EXPORT_FAILED', `${dir}: the folder does not exist; create it first. Nothing was written.`);
    if (!info.isDirectory()) throw new FastAstError('EXPORT_FAILED', `${dir}: this is a file, not a folder. Nothing was written.`);
    let data: string | Uint8Array;
    if (format === 'csv' || format === 'json') {
      if (!params.sweepId) throw new HostError('BAD_REQUEST', `a ${format} export needs the sweepId of a finished sweep`);
      const res = this.results.get(params.sweepId);
      if (!res) throw new HostError('BAD_REQUEST', `sweep ${params.sweepId} is not one of the host's last ${MAX_RESULTS} results (run it again)`);
      data = format === 'csv' ? evalCsv(res) : evalJsonFile(res);
    } else if (format === 'svg') {
      if (params.svg === undefined || !/^\s*(<\?xml[^>]*>\s*)?<svg[\s>]/.test(params.svg)) throw new HostError('BAD_REQUEST', 'an svg export needs the chart as SVG text starting with <svg');
      data = params.svg;
    } else {
      const png = params.png;
      const SIG = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
      if (!png || png.length < 8 || SIG.some((b, i) => png[i] !== b)) throw new HostError('BAD_REQUEST', 'a png export needs the chart as PNG bytes');
      data = png;
    }
    await writeFilesAtomically([{ path: file, data }]);
    return { path: file, bytes: typeof data === 'string' ? Buffer.byteLength(data) : data.length };
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
