import type { ModelSpec } from '../checkpoint/spec.js';
import { quantizesAcrossBatch, type GraphOptions } from '../graph/tome-ast.js';
import { FastAstError } from '../errors.js';
import { checkRunArgs, makeFeeds, outputNames, readOutputs, type OrtTensorLike, type TensorFactory } from './graph-io.js';
import type { Engine, EpAttempt, ExecutionProvider, MergeSettings, RunResult } from './types.js';

/** What onnxruntime-node's and onnxruntime-web's InferenceSession have in common. */
export interface SessionLike {
  run(feeds: Record<string, never>, fetches: string[]): Promise<Record<string, OrtTensorLike>>;
  release(): Promise<void>;
}

/**
 * Opens a session on the first provider that initialises. onnxruntime throws instead of falling
 * back, so each EP gets a session creation of its own and the reason it failed is kept.
 */
export async function openFirstWorking<S>(
  providers: ExecutionProvider[],
  open: (ep: ExecutionProvider) => Promise<S>,
): Promise<{ session: S; ep: ExecutionProvider; attempts: EpAttempt[] }> {
  const attempts: EpAttempt[] = [];
  for (const ep of providers) {
    try {
      const session = await open(ep);
      attempts.push({ ep, ok: true });
      return { session, ep, attempts };
    } catch (e) {
      attempts.push({ ep, ok: false, reason: String((e as Error).message ?? e).split('\n')[0].slice(0, 300) });
    }
  }
  throw new FastAstError('ENGINE_FAILED', `no execution provider could run the model: ${attempts.map((a) => `${a.ep}: ${a.reason}`).join('; ')}`);
}

export function engineFromSession(
  spec: ModelSpec,
  session: SessionLike,
  ep: ExecutionProvider,
  attempts: EpAttempt[],
  tensor: TensorFactory,
  /** The graph the session runs: its precision, and the schedule a static graph was built for (runs must apply it). */
  graph: GraphOptions,
): Engine {
  const names = outputNames(spec);
  const fixed = graph.staticSchedule;
  const per = spec.maxLength * spec.numMelBins;
  // Such a graph runs each window alone, so batching never changes a window's numbers.
  const runs = (batch: number) => (quantizesAcrossBatch(graph) ? Array.from({ length: batch }, (_, b) => ({ at: b, size: 1 })) : [{ at: 0, size: batch }]);
  // onnxruntime sessions do not allow overlapping run() calls; queue them.
  let queue: Promise<unknown> = Promise.resolve();
  return {
    spec,
    ep,
    attempts,
    weights: graph.weights ?? 'float32',
    run(input: Float32Array, batch: number, settings: MergeSettings): Promise<RunResult> {
      let feeds: Array<Record<string, never>>;
      const parts = runs(batch);
      try {
        checkRunArgs(spec, input, batch, settings, fixed);
        feeds = parts.map(({ at, size }) => makeFeeds(spec, input.subarray(at * per, (at + size) * per), size, settings, tensor, fixed) as Record<string, never>);
      } catch (e) {
        return Promise.reject(e);
      }
      const next = queue.then(async () => {
        // The WebGPU EP's pending run holds no reference on Node's event loop: without this
        // timer a script awaiting it just exits with code 0 and no result.
        const keepAlive = setInterval(() => undefined, 60_000);
        try {
          const results: RunResult[] = [];
          for (const [i, f] of feeds.entries()) {
            const t0 = performance.now();
            results.push(readOutputs(spec, parts[i].size, await session.run(f, names), performance.now() - t0));
          }
          return joinRuns(results);
        } finally {
          clearInterval(keepAlive);
        }
      });
      queue = next.catch(() => undefined);
      return next;
    },
    dispose: () => session.release(),
  };
}

/** Runs of consecutive windows as one: the items in order, the times added (the schedule, and so the token counts, is the same for all). */
function joinRuns(results: RunResult[]): RunResult {
  if (results.length === 1) return results[0];
  return { items: results.flatMap((r) => r.items), tokensPerLayer: results[0].tokensPerLayer, inferMs: results.reduce((t, r) => t + r.inferMs, 0) };
}
