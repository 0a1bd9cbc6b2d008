import { randomBytes } from 'node:crypto';
import { readFile, stat, unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import * as ort from 'onnxruntime-node';
import { loadCheckpoint, WEIGHT_FILES } from '../checkpoint/load.js';
import { specFromConfigs, type ModelSpec } from '../checkpoint/spec.js';
import type { Weights } from '../checkpoint/weights.js';
import { DataType, GraphBuilder } from '../graph/onnx-builder.js';
import { graphOptionsOf, type GraphOptions } from '../graph/tome-ast.js';
import type { GraphCache } from './graph-cache.js';
import { writeGraphFiles, type GraphFiles, type ProgressCallback } from './graph-file.js';
import { sessionOptions, tensor } from './node-engine.js';
import { defaultProviders } from './providers.js';
import { engineFromSession, openFirstWorking, type SessionLike } from './session-engine.js';
import type { Engine, EngineOptions, ExecutionProvider } from './types.js';

/** A checkpoint whose weights are read only when its graph has to be built. */
export interface CheckpointOnDisk {
  spec: ModelSpec;
  /** The file whose content identifies the checkpoint (model.safetensors). */
  weightsFile: string;
  /**
   * Reads and checks the weights, with the sha256 of `weightsFile`. It must not keep the map
   * itself: the engine clears it once the graph is on disk, before onnxruntime loads its copy.
   */
  load(): Promise<{ weights: Weights; sha256: string }>;
}

export interface CachedEngineOptions extends EngineOptions {
  graph?: GraphOptions;
  cache: GraphCache;
  /** First builds: weights read, graph written (fraction of the weights), session created. */
  onProgress?: ProgressCallback;
  /** Something the user may want to know that did not stop the start (a damaged entry, a full disk). */
  notice?: (message: string) => void;
}

export interface CachedEngine {
  engine: Engine;
  /** sha256 of the weights file: remembered by the cache, or computed when the weights were read. */
  sha256: string;
  /** True when the session was opened from a cached graph and the weights were never read. */
  fromCache: boolean;
  /**
   * After a start from the cache, hashes the weights file in the background and compares it
   * with the remembered sha256 (a file changed behind an unchanged size and mtime). False: the
   * running engine is stale, and the next start rebuilds. Always true after a build.
   */
  confirmCheckpoint(): Promise<boolean>;
}

/**
 * The engine on onnxruntime-node with a graph from the persistent cache. A hit opens the cached
 * file directly (onnxruntime reads it itself; no copy of the model passes through JS). A miss
 * reads the weights, writes the graph into the cache as it is built, lets go of the weights and
 * only then creates the session from the file: building AST-base never holds the weights, a
 * serialised model and onnxruntime's copy at once.
 */
export async function createCachedNodeEngine(ck: CheckpointOnDisk, opts: CachedEngineOptions): Promise<CachedEngine> {
  const { cache, onProgress, notice } = opts;
  let sha256 = await cache.knownChecksum(ck.weightsFile);
  let fromCache = true;
  // A checkpoint that fails its checks is the checkpoint's error, not an EP that could not start.
  let loadError: unknown;

  const openGraph = async (ep: ExecutionProvider) => {
    const graph = graphOptionsOf(ep, opts);
    const options = sessionOptions(ep, opts.threads ?? 0);
    await probeProvider(ep, options);
    if (sha256) {
      const entry = await cache.lookup({ checkpointSha256: sha256, spec: ck.spec, graph });
      if (entry) {
        onProgress?.({ stage: 'session', fraction: 0 });
        // The entry's hash is checked while onnxruntime reads it: the two overlap on a second core.
        const [session, intact] = await Promise.all([ort.InferenceSession.create(entry.path, options).catch((e: Error) => e), cache.verify(entry)]);
        if (intact) {
          if (session instanceof Error) throw session; // an intact graph this EP cannot run: not the cache's fault
          onProgress?.({ stage: 'session', fraction: 1 });
          return session;
        }
        if (!(session instanceof Error)) await session.release();
        notice?.(`graph cache: ${entry.path} was damaged (its sha256 does not match); building it again`);
      }
    }

    fromCache = false;
    onProgress?.({ stage: 'weights', fraction: 0 });
    const loaded = await ck.load().catch((e: unknown) => {
      loadError = e;
      throw e;
    });
    onProgress?.({ stage: 'weights', fraction: 1 });
    if (sha256 !== loaded.sha256) {
      sha256 = loaded.sha256;
      await cache.rememberChecksum(ck.weightsFile, sha256);
    }
    const key = { checkpointSha256: sha256, spec: ck.spec, graph };
    const write = (files: GraphFiles) => writeGraphFiles(files, ck.spec, loaded.weights, graph, onProgress);
    let path = (await cache.store(key, write, notice))?.path;
    let temp: GraphFiles | undefined;
    if (!path) {
      // No cache: the same streaming build into temp files, still far less memory than bytes in JS.
      const name = `fastast-graph-${process.pid}-${randomBytes(4).toString('hex')}`;
      temp = { model: join(tmpdir(), `${name}.onnx`), weights: join(tmpdir(), `${name}.weights`), location: `${name}.weights` };
      path = temp.model;
    }
    try {
      if (temp) write(temp);
      loaded.weights.clear(); // onnxruntime reads the file; the JS weights must not be alive beside its copy
      onProgress?.({ stage: 'session', fraction: 0 });
      const session = await ort.InferenceSession.create(path, options);
      onProgress?.({ stage: 'session', fraction: 1 });
      return session;
    } finally {
      // Unlinking a mapped file is fine on POSIX (the mapping keeps the data); on Windows it fails and the temp file stays.
      if (temp) for (const f of [temp.model, temp.weights]) await unlink(f).catch(() => undefined);
    }
  };

  const { session, ep, attempts } = await openFirstWorking(opts.providers ?? defaultProviders(), openGraph).catch((e: unknown) => {
    throw loadError ?? e;
  });
  const known = sha256!;
  return {
    engine: engineFromSession(ck.spec, session as unknown as SessionLike, ep, attempts, tensor, graphOptionsOf(ep, opts)),
    sha256: known,
    fromCache,
    confirmCheckpoint: () => (fromCache ? cache.confirmChecksum(ck.weightsFile, known) : Promise.resolve(true)),
  };
}

/**
 * Fails as the EP would, in milliseconds: a one-node model is opened on it first. Without this,
 * the default order (webgpu first) on a machine without a GPU read the weights and built and
 * wrote a graph for an EP that then could not start, before doing it all again for cpu.
 */
async function probeProvider(ep: ExecutionProvider, options: ort.InferenceSession.SessionOptions): Promise<void> {
  if (ep === 'cpu') return; // always there
  if (!probeModel) {
    const g = new GraphBuilder();
    g.output('y', g.input('x', DataType.FLOAT, [1]), DataType.FLOAT, [1]);
    probeModel = g.toBytes('fastast-studio probe');
  }
  const session = await ort.InferenceSession.create(probeModel, options);
  await session.release();
}
let probeModel: Uint8Array | undefined;

/**
 * An HF checkpoint folder as a CheckpointOnDisk: config.json is read now (the spec is needed to
 * find a cache entry), the weights only when `load` runs. A folder the quick read cannot make
 * sense of goes through loadCheckpoint at once, for its full checks and messages.
 */
export async function checkpointOnDisk(pathIn: string): Promise<CheckpointOnDisk> {
  const dir = resolve(pathIn);
  const load = async () => {
    const c = await loadCheckpoint(dir);
    return { weights: c.weights, sha256: c.sha256 };
  };
  // A .pth has no config: its spec is inferred from the weights, so they are read now (and again
  // by load, which must not share them: the engine frees what load returned once the graph is written).
  if ((await stat(dir).catch(() => null))?.isFile()) return { spec: (await loadCheckpoint(dir)).spec, weightsFile: dir, load };
  let spec: ModelSpec;
  try {
    const json = async (name: string) => JSON.parse(await readFile(join(dir, name), 'utf8')) as Record<string, unknown>;
    spec = specFromConfigs(await json('config.json'), await json('preprocessor_config.json').catch(() => null), dir);
  } catch {
    spec = (await loadCheckpoint(dir)).spec; // throws the checkpoint's own error
  }
  let weightsFile = join(dir, WEIGHT_FILES[0]);
  for (const f of WEIGHT_FILES) {
    if (await stat(join(dir, f)).catch(() => null)) {
      weightsFile = join(dir, f);
      break;
    }
  }
  return { spec, weightsFile, load };
}
