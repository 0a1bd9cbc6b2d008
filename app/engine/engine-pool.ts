import { FastAstError } from '../errors.js';
import type { Engine, ItemResult, RunResult } from './types.js';

/**
 * N sessions of one model as one Engine, for throughput work (eval --sessions): a batch is split
 * into N contiguous parts that run at the same time, one per session, and the items come back
 * in order. onnxruntime-node runs the sessions of one thread one after the other, so the sessions
 * other than the first live in worker threads (worker-engine.ts). On 2 cores, 2 sessions × 1
 * thread beat 1 × 2 threads for the bundled model (eval on fold 5: 1.05–1.06× at r = 0,
 * 1.04–1.07× at r = 64) and not for AST-base (bench/README.md, "Speed levers"). Interactive work
 * gains nothing: one window cannot be split.
 */
export function enginePool(engines: Engine[]): Engine {
  if (engines.length === 0) throw new FastAstError('ENGINE_FAILED', 'an engine pool needs at least one engine');
  if (engines.length === 1) return engines[0];
  const [first] = engines;
  const { spec } = first;
  const per = spec.maxLength * spec.numMelBins;
  return {
    spec,
    ep: first.ep,
    attempts: first.attempts,
    weights: first.weights,
    async run(input, batch, settings): Promise<RunResult> {
      const parts = Math.min(engines.length, batch);
      const t0 = performance.now();
      const results = await Promise.all(
        Array.from({ length: parts }, (_, i) => {
          // Part i gets windows [from, to): sizes differ by at most one.
          const from = Math.floor((i * batch) / parts);
          const to = Math.floor(((i + 1) * batch) / parts);
          return engines[i].run(input.subarray(from * per, to * per), to - from, settings);
        }),
      );
      const items: ItemResult[] = results.flatMap((r) => r.items);
      return { items, tokensPerLayer: results[0].tokensPerLayer, inferMs: performance.now() - t0 };
    },
    async dispose() {
      for (const e of engines) await e.dispose();
    },
  };
}
