import { FastAstError } from '../errors.js';
import type { Engine, ItemResult, RunResult } from './types.js';

/**
 * N sessions of one model as one Engine, for throughput work (eval, sweeps): a batch is split
 * into N contiguous parts that run at the same time, one per session (onnxruntime-node runs a
 * session off the JS thread), and the items come back in order. On few cores N sessions × 1
 * thread can beat 1 session × N threads: each session runs its small kernels (the merge's) without
 * waiting for a thread pool to synchronise (bench/README.md, "Speed levers"). Interactive work
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
