/**
 * The workstation's engines, one per model and weights precision, built on first use and kept
 * for the active model (float32, and int8 once the weights switch asked for it) and the model
 * before it (switching back is instant; older ones are disposed). Graphs come from the
 * persistent graph cache (app/engine/graph-cache.ts): a model's second start, in this host or a
 * later one, opens its cached graph instead of reading the weights and building it again.
 */
import { WEIGHTS_PRECISIONS, type EngineInfo, type ModelInfo, type WeightsPrecision } from '../../app/contract/index.js';
import type { ModelSpec } from '../../app/checkpoint/spec.js';
import { defaultGraphCacheDir, GraphCache } from '../../app/engine/graph-cache.js';
import type { BuildProgress } from '../../app/engine/graph-file.js';
import type { Engine } from '../../app/engine/types.js';
import type { CreateEngine, EngineOptions } from './host-config.js';
import { LruMap } from './lru-map.js';
import type { ModelRegistry } from './model-registry.js';
import { HostError, type CallContext } from './rpc.js';

export interface LoadedModel {
  info: ModelInfo;
  /** What the host needs of the checkpoint; its weights stay on disk (a start from the cache never reads them). */
  checkpoint: { dir: string; spec: ModelSpec; sha256: string };
  engine: Engine;
}

/** Engines kept in memory: the active model's float32 and int8, and the one before. */
const MAX_ENGINES = 3;

/** The cache's key of a model at a precision (float32 keeps the bare id: hello and the lab ask for it). */
function engineKey(id: string, weights: WeightsPrecision): string {
  return weights === 'float32' ? id : `${id}|${weights}`;
}

/**
 * A first build's stages as one 0…100 bar: reading the weights is quick, writing the graph is
 * most of it, onnxruntime's session creation the rest (AST-base on a CPU: ~10 / 60 / 30 %).
 */
const STAGE_SPAN: Record<BuildProgress['stage'], [number, number, string]> = {
  weights: [0, 10, 'reading weights'],
  build: [10, 70, 'building graph'],
  session: [70, 100, 'starting the session'],
};

/** The progress line a build stage shows ("building graph 40 %"): percent of the whole start. */
export function buildProgressLine(p: BuildProgress, fromCache: boolean): { done: number; message: string } {
  const [from, to, what] = STAGE_SPAN[p.stage];
  const done = Math.round(from + (to - from) * p.fraction);
  return { done, message: fromCache ? 'opening the cached graph' : `${what} ${done} %` };
}

/** The calls waiting for a load: each is told its progress (the host's own first start has none), a late one the last line. */
interface Followers {
  waiting: Set<CallContext>;
  last: { done: number; message: string } | null;
}

interface Loading {
  promise: Promise<LoadedModel>;
  followers: Followers;
}

export class EngineCache {
  private readonly loading = new LruMap<string, Loading>(MAX_ENGINES);
  /** Models whose engine is up (hello answers without waiting for one still loading). */
  private readonly up = new Map<string, LoadedModel>();
  private graphCache: Promise<GraphCache> | null = null;

  constructor(
    private readonly models: ModelRegistry,
    private readonly createEngine: CreateEngine,
    private readonly engineOptions: EngineOptions,
    private readonly log: (line: string) => void,
    /** FASTAST_CACHE_DIR / XDG_CACHE_HOME say where built graphs go. */
    private readonly env: NodeJS.ProcessEnv,
  ) {}

  /** The host's graph cache, opened once (an unwritable folder turns it off with a notice). */
  cache(): Promise<GraphCache> {
    this.graphCache ??= GraphCache.open({ dir: defaultGraphCacheDir(this.env), notice: (m) => this.log(m) });
    return this.graphCache;
  }

  /**
   * The model's engine at a precision, built (and warmed up) on first use. A call that joins a
   * load still under way is told its progress too.
   */
  load(id: string, ctx?: CallContext, weights: WeightsPrecision = 'float32'): Promise<LoadedModel> {
    const key = engineKey(id, weights);
    const cached = this.loading.get(key);
    if (cached) {
      // An engine that is up has nothing to tell (every int8 slider move asks for its engine).
      if (ctx && !this.up.has(key)) this.follow(cached.followers, ctx);
      return cached.promise;
    }
    const info = this.models.get(id);
    if (!info) throw new HostError('NO_MODEL', `no model ${id}`);
    const followers: Followers = { waiting: new Set(), last: null };
    if (ctx) this.follow(followers, ctx);
    const p = this.build(id, info, weights, followers);
    const entry: Loading = { promise: p, followers };
    p.then(
      (m) => {
        // An engine dropped while it was still loading is disposed, not reported as up.
        if (this.loading.peek(key) === entry) this.up.set(key, m);
      },
      () => this.loading.deleteIf(key, entry),
    ).finally(() => followers.waiting.clear());
    for (const [dropped, old] of this.loading.set(key, entry)) {
      this.up.delete(dropped);
      void old.promise.then((m) => m.engine.dispose()).catch(() => {});
    }
    return p;
  }

  private follow(f: Followers, ctx: CallContext): void {
    f.waiting.add(ctx);
    if (f.last) ctx.progress('model', f.last.done, 100, f.last.message);
    ctx.signal.addEventListener('abort', () => f.waiting.delete(ctx), { once: true });
  }

  private tell(f: Followers, done: number, message: string): void {
    f.last = { done, message };
    for (const ctx of f.waiting) ctx.progress('model', done, 100, message);
  }

  private async build(id: string, info: ModelInfo, weights: WeightsPrecision, entry: Followers): Promise<LoadedModel> {
    // An int8 engine's lines say so: its first build is a second graph of a model already up.
    const what = weights === 'float32' ? '' : `${weights}: `;
    this.tell(entry, 0, `${what}opening ${info.name}`);
    const cache = await this.cache();
    let fromCache = true;
    const onProgress = (p: BuildProgress) => {
      if (p.stage !== 'session') fromCache = false; // weights or build: the cache had no graph
      const line = buildProgressLine(p, fromCache);
      this.tell(entry, line.done, what + line.message);
    };
    const notice = (message: string) => {
      this.log(message);
      for (const ctx of entry.waiting) ctx.client.emit('notice', { level: 'warning', message: message.slice(0, 4096) });
    };
    const t0 = performance.now();
    const built = await this.createEngine(info.dir, { ...this.engineOptions, weights, cache, onProgress, notice });
    const engine = built.engine;
    // One warm-up pass, so the first window's timing is not the session's cold start.
    const spec = built.spec;
    await engine.run(new Float32Array(spec.maxLength * spec.numMelBins), 1, {
      schedule: new Array(spec.numLayers).fill(0),
      propAttn: false,
      protectDistillation: true,
    });
    this.tell(entry, 100, `${what}ready`);
    const how = built.fromCache ? 'graph from the cache' : 'graph built';
    this.log(`model ${id}${weights === 'float32' ? '' : ` (${weights})`} on ${engine.ep}, ${how} in ${Math.round(performance.now() - t0)} ms (${engine.attempts.map((a) => `${a.ep}:${a.ok ? 'ok' : a.reason}`).join(', ')})`);
    return { info, checkpoint: { dir: info.dir, spec, sha256: built.sha256 }, engine };
  }

  /** Drops a removed model's engines (disposed once built; a run still on one fails). */
  forget(id: string): void {
    for (const weights of WEIGHTS_PRECISIONS) {
      const key = engineKey(id, weights);
      const entry = this.loading.peek(key);
      if (!entry) continue;
      this.loading.delete(key);
      this.up.delete(key);
      void entry.promise.then((m) => m.engine.dispose()).catch(() => {});
    }
  }

  /** The model's engine at a precision if it is up now, without waiting. */
  ready(id: string, weights: WeightsPrecision = 'float32'): LoadedModel | undefined {
    return this.up.get(engineKey(id, weights));
  }

  info(m: LoadedModel): EngineInfo {
    return {
      modelId: m.info.id,
      ep: m.engine.ep,
      attempts: m.engine.attempts.map((a) => (a.reason ? { ep: a.ep, ok: a.ok, reason: a.reason } : { ep: a.ep, ok: a.ok })),
      threads: this.engineOptions.threads ?? 0,
    };
  }

  async dispose(): Promise<void> {
    for (const entry of this.loading.values()) {
      try {
        await (await entry.promise).engine.dispose();
      } catch {
        /* already failed */
      }
    }
  }
}
