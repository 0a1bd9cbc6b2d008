/** What a Host is told by whoever starts it (serve, Electron's engine process, tests, the bench). */
import type { ModelSpec } from '../../app/checkpoint/spec.js';
import type { GraphCache } from '../../app/engine/graph-cache.js';
import type { BuildProgress } from '../../app/engine/graph-file.js';
import type { Engine, ExecutionProvider } from '../../app/engine/types.js';
import type { WeightsPrecision } from '../../app/common/weights.js';

export interface EngineOptions {
  providers?: ExecutionProvider[];
  threads?: number;
}

/** What building an engine is given beside the EP list: the graph cache and whom to tell how far it got. */
export interface EngineBuildOptions extends EngineOptions {
  /** The host's persistent graph cache (an unwritable one is off and builds into temp files). */
  cache: GraphCache;
  /** First builds: weights read, graph written, session created (not called on a start from the cache). */
  onProgress?: (p: BuildProgress) => void;
  /** Something the user should know that did not stop the start (a damaged cache entry, a full disk). */
  notice?: (message: string) => void;
  /** int8: 8-bit Linear weights (a graph of its own in the cache); default float32. */
  weights?: WeightsPrecision;
}

/** An engine on a model folder, with what the host needs of its checkpoint (not its weights: a start from the cache never reads them). */
export interface HostEngine {
  engine: Engine;
  spec: ModelSpec;
  /** sha256 of the weights file: identifies results (provenance) and the cached graph. */
  sha256: string;
  /** The graph came from the cache: nothing was built. */
  fromCache: boolean;
}

/** Builds an engine for a model folder (tests and the bench may swap it). */
export type CreateEngine = (dir: string, opts: EngineBuildOptions) => Promise<HostEngine>;

export interface HostConfig extends EngineOptions {
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
  /**
   * Where the hub cache is and how to reach the hub (HF_HUB_CACHE, HF_HOME, HF_ENDPOINT, HF_TOKEN,
   * HF_HUB_OFFLINE), and where built graphs are cached (FASTAST_CACHE_DIR, XDG_CACHE_HOME); default process.env.
   */
  env?: NodeJS.ProcessEnv;
  /** serve --root (a real path): the only folder the host may list, read and write under; null or absent: anywhere. */
  root?: string | null;
  createEngine?: CreateEngine;
  log?: (line: string) => void;
}

/**
 * onnxruntime-node with the graph from the persistent cache (loaded only when an engine is first
 * built). After a start from the cache the weights file is hashed again in the background: a
 * file changed behind an unchanged size and mtime is then said, and the next start rebuilds.
 */
export async function defaultEngine(dir: string, opts: EngineBuildOptions): Promise<HostEngine> {
  const { checkpointOnDisk, createCachedNodeEngine } = await import('../../app/engine/cached-engine.js');
  const ck = await checkpointOnDisk(dir);
  const built = await createCachedNodeEngine(ck, { providers: opts.providers, threads: opts.threads, cache: opts.cache, onProgress: opts.onProgress, notice: opts.notice, weights: opts.weights });
  if (built.fromCache) {
    void built.confirmCheckpoint().then(
      (same) => {
        if (!same) opts.notice?.(`${ck.weightsFile} changed since its graph was cached; the model is rebuilt on its next start`);
      },
      () => undefined,
    );
  }
  return { engine: built.engine, spec: ck.spec, sha256: built.sha256, fromCache: built.fromCache };
}
