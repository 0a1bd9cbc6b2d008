import type { ModelSpec } from '../checkpoint/spec.js';
import type { StaticSchedule, WeightsPrecision } from '../graph/tome-ast.js';
import { FastAstError } from '../errors.js';
import { makeFeeds, outputNames, readOutputs, type OrtTensorLike, type TensorFactory } from './graph-io.js';
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
  weights: WeightsPrecision = 'float32',
  /** The schedule a static graph was built for (GraphOptions.staticSchedule); runs must apply it. */
  fixed?: StaticSchedule,
): Engine {
  const names = outputNames(spec);
  // onnxruntime sessions do not allow overlapping run() calls; queue them.
  let queue: Promise<unknown> = Promise.resolve();
  return {
    spec,
    ep,
    attempts,
    weights,
    run(input: Float32Array, batch: number, settings: MergeSettings): Promise<RunResult> {
      let feeds: Record<string, never>;
      try {
        feeds = makeFeeds(spec, input, batch, settings, tensor, fixed) as Record<string, never>;
      } catch (e) {
        return Promise.reject(e);
      }
      const next = queue.then(async () => {
        // The WebGPU EP's pending run holds no reference on Node's event loop: without this
        // timer a script awaiting it just exits with code 0 and no result.
        const keepAlive = setInterval(() => undefined, 60_000);
        try {
          const t0 = performance.now();
          const out = await session.run(feeds, names);
          return readOutputs(spec, batch, out, performance.now() - t0);
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
