import { Worker } from 'node:worker_threads';
import type { ModelSpec } from '../checkpoint/spec.js';
import { FastAstError, type FastAstErrorCode as ErrorCode } from '../errors.js';
import type { WeightsPrecision } from '../graph/tome-ast.js';
import type { Engine, EpAttempt, ExecutionProvider, MergeSettings, RunResult } from './types.js';

/**
 * An engine whose session lives in a worker thread. onnxruntime-node runs the sessions of one
 * thread one after the other (two concurrent runs of the bundled model: 889–943 ms, in sequence
 * 897–914 ms), so only sessions in other threads compute at the same time; enginePool over these
 * is what `eval --sessions N` runs (bench/README.md, "Speed levers").
 */

/** What the worker needs to open the model as the CLI does: a checkpoint on disk and the graph cache. */
export interface WorkerEngineOptions {
  /** A checkpoint folder or .pth file (checkpointOnDisk). */
  checkpoint: string;
  providers?: ExecutionProvider[];
  threads?: number;
  weights?: WeightsPrecision;
}

/** Messages to the worker. */
export type ToWorker = { id: number; input: Float32Array; batch: number; settings: MergeSettings } | { dispose: true };

/** Messages from the worker. */
export type FromWorker =
  | { ready: { spec: ModelSpec; ep: ExecutionProvider; attempts: EpAttempt[]; weights: WeightsPrecision } }
  | { notice: string }
  | { id: number; result: RunResult }
  | { id: number; error: { code?: ErrorCode; message: string } }
  | { failed: { code?: ErrorCode; message: string } }
  | { disposed: true };

const asError = (e: { code?: ErrorCode; message: string }) => (e.code ? new FastAstError(e.code, e.message) : new Error(e.message));

export async function createWorkerEngine(opts: WorkerEngineOptions, notice?: (message: string) => void): Promise<Engine> {
  const entry = new URL(import.meta.url.endsWith('.ts') ? './engine-worker.ts' : './engine-worker.js', import.meta.url);
  // Under tsx (the CLI, the tests) a worker does not inherit the TypeScript loader: the boot file registers it.
  const worker = new Worker(new URL('./engine-worker-boot.mjs', import.meta.url), { workerData: { entry: entry.href, opts } });
  const pending = new Map<number, { resolve: (r: RunResult) => void; reject: (e: Error) => void }>();
  let nextId = 0;
  let gone: Error | undefined;
  const fail = (e: Error) => {
    gone ??= e;
    for (const p of pending.values()) p.reject(e);
    pending.clear();
  };
  const ready = new Promise<Extract<FromWorker, { ready: unknown }>['ready']>((resolve, reject) => {
    worker.on('message', (m: FromWorker) => {
      if ('ready' in m) resolve(m.ready);
      else if ('notice' in m) notice?.(m.notice);
      else if ('failed' in m) reject(asError(m.failed));
      else if ('id' in m) {
        const p = pending.get(m.id);
        pending.delete(m.id);
        if ('result' in m) p?.resolve(m.result);
        else p?.reject(asError(m.error));
      }
    });
    worker.on('error', (e) => (reject(e), fail(e)));
    worker.on('exit', (code) => {
      const e = new FastAstError('ENGINE_FAILED', `the engine's worker thread exited (code ${code})`);
      reject(e);
      fail(e);
    });
  });
  const info = await ready.catch(async (e: unknown) => {
    await worker.terminate();
    throw e;
  });
  return {
    ...info,
    run(input: Float32Array, batch: number, settings: MergeSettings): Promise<RunResult> {
      if (gone) return Promise.reject(gone);
      const id = nextId++;
      return new Promise<RunResult>((resolve, reject) => {
        pending.set(id, { resolve, reject });
        // A copy goes to the worker: the caller may reuse its buffer while the run is in flight.
        worker.postMessage({ id, input, batch, settings } satisfies ToWorker);
      });
    },
    async dispose() {
      if (gone) return;
      const disposed = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
      worker.postMessage({ dispose: true } satisfies ToWorker);
      await disposed;
    },
  };
}
