/**
 * The workstation's engines, one per model, built on first use and kept for the active model
 * and the one before it (switching back is instant; a third is disposed).
 */
import type { EngineInfo, ModelInfo } from '../../app/contract/index.js';
import { loadCheckpoint, type Checkpoint } from '../../app/checkpoint/load.js';
import type { Engine } from '../../app/engine/types.js';
import type { CreateEngine, EngineOptions } from './host-config.js';
import { LruMap } from './lru-map.js';
import type { ModelRegistry } from './model-registry.js';
import { HostError, type CallContext } from './rpc.js';

export interface LoadedModel {
  info: ModelInfo;
  checkpoint: Checkpoint;
  engine: Engine;
}

/** Engines kept in memory: the active model's and the one before. */
const MAX_ENGINES = 2;

export class EngineCache {
  private readonly loading = new LruMap<string, Promise<LoadedModel>>(MAX_ENGINES);
  /** Models whose engine is up (hello answers without waiting for one still loading). */
  private readonly up = new Map<string, LoadedModel>();

  constructor(
    private readonly models: ModelRegistry,
    private readonly createEngine: CreateEngine,
    private readonly engineOptions: EngineOptions,
    private readonly log: (line: string) => void,
  ) {}

  /** The model's engine, built (and warmed up) on first use. */
  load(id: string, ctx?: CallContext): Promise<LoadedModel> {
    const cached = this.loading.get(id);
    if (cached) return cached;
    const info = this.models.get(id);
    if (!info) throw new HostError('NO_MODEL', `no model ${id}`);
    const p = this.build(id, info, ctx);
    p.then(
      (m) => {
        // An engine dropped while it was still loading is disposed, not reported as up.
        if (this.loading.peek(id) === p) this.up.set(id, m);
      },
      () => this.loading.deleteIf(id, p),
    );
    for (const [key, old] of this.loading.set(id, p)) {
      this.up.delete(key);
      void old.then((m) => m.engine.dispose()).catch(() => {});
    }
    return p;
  }

  private async build(id: string, info: ModelInfo, ctx?: CallContext): Promise<LoadedModel> {
    ctx?.progress('model', 0, 2, `reading ${info.dir}`);
    const checkpoint = await loadCheckpoint(info.dir);
    ctx?.progress('model', 1, 2, 'building the graph');
    const engine = await this.createEngine(checkpoint, this.engineOptions);
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
  }

  /** Drops a removed model's engine (disposed once built; a run still on it fails). */
  forget(id: string): void {
    const p = this.loading.peek(id);
    if (!p) return;
    this.loading.delete(id);
    this.up.delete(id);
    void p.then((m) => m.engine.dispose()).catch(() => {});
  }

  /** The model's engine if it is up now, without waiting. */
  ready(id: string): LoadedModel | undefined {
    return this.up.get(id);
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
    for (const p of this.loading.values()) {
      try {
        await (await p).engine.dispose();
      } catch {
        /* already failed */
      }
    }
  }
}
