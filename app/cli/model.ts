import { basename, dirname, extname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Checkpoint } from '../checkpoint/load.js';
import { checkpointOnDisk, createCachedNodeEngine } from '../engine/cached-engine.js';
import { GraphCache } from '../engine/graph-cache.js';
import { enginePool } from '../engine/engine-pool.js';
import { createWorkerEngine } from '../engine/worker-engine.js';
import type { Engine, ExecutionProvider } from '../engine/types.js';
import type { CommonArgs } from './args.js';
import { resolveModelSource } from '../models/resolve.js';

/** The package root, found from this file, so `npx fastast` works from any working directory. */
export const PACKAGE_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const DEFAULT_MODEL_DIR = join(PACKAGE_ROOT, 'models', 'ast-tiny-esc10-cmkd');

export interface OpenModel {
  /** The weights stay out: the engine reads them only when it has to build the graph. */
  checkpoint: Omit<Checkpoint, 'weights'>;
  engine: Engine;
}

/**
 * With --ep X the user named a provider: try it, then cpu, and say on stderr why X was not
 * used. Without --ep the engine's platform order applies and fallbacks stay quiet (on a
 * machine without a GPU, "webgpu unavailable" on every run would only be noise).
 */
function providers(ep: ExecutionProvider | undefined): ExecutionProvider[] | undefined {
  if (ep === undefined) return undefined;
  return ep === 'cpu' ? ['cpu'] : [ep, 'cpu'];
}

/** `sessions` > 1 (eval --sessions): that many sessions of the model, the others in worker threads, one batch split across them (app/engine/engine-pool.ts). */
export async function openModel(args: CommonArgs & { sessions?: number }, warn: (line: string) => void): Promise<OpenModel> {
  // The built graph is cached on disk (app/engine/graph-cache.ts): a second start of a model
  // neither reads its weights nor rebuilds. Where the cache cannot be written, every start builds.
  const source = await resolveModelSource(args.model ?? DEFAULT_MODEL_DIR, { bundledDir: join(PACKAGE_ROOT, 'models') });
  const path = source.kind === 'pth' ? source.path : source.dir;
  const ck = await checkpointOnDisk(path);
  const cache = await GraphCache.open({ notice: warn });
  const { engine: first, sha256 } = await createCachedNodeEngine(ck, { cache, providers: providers(args.ep), threads: args.threads, weights: args.weights, notice: warn });
  // The first start built and cached the graph: the others open the cached file, each in a
  // worker thread of its own (onnxruntime-node runs one thread's sessions one at a time).
  const sessions = [first];
  while (sessions.length < (args.sessions ?? 1)) sessions.push(await createWorkerEngine({ checkpoint: path, providers: providers(args.ep), threads: args.threads, weights: args.weights }, warn));
  const engine = enginePool(sessions);
  // A hub snapshot's folder is named by its commit hash, so the repo id is shown instead.
  const checkpoint =
    source.kind === 'pth'
      ? { id: basename(source.path, extname(source.path)), dir: source.path, spec: ck.spec, sha256 }
      : { id: source.label, dir: source.dir, spec: ck.spec, sha256 };
  if (args.ep !== undefined && engine.ep !== args.ep) {
    const why = engine.attempts.find((a) => a.ep === args.ep)?.reason ?? 'not available';
    warn(`fastast: --ep ${args.ep} could not be used (${why}); running on ${engine.ep}`);
  }
  return { checkpoint, engine };
}
