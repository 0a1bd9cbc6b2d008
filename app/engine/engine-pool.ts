import { FastAstError } from '../errors.js';
import type { Engine, ItemResult, RunResult } from './types.js';

/**
 * N sessions of one model as one Engine, for throughput work (eval, sweeps): a batch is split
 * into N contiguous parts, one per session, and the items come back in order. The parts are
 * started together, but onnxruntime-node 1.30 runs the sessions' run() calls one after the other
 * (two concurrent 4-window runs of the bundled model: 889–943 ms; in sequence: 897–914 ms), so
 * today this gains nothing. Two *processes* × 1 thread do beat 1 × 2 threads for the bundled
 * model (1.07× at r = 0, 1.15× at r = 64; bench/README.md, "Speed levers"): a pool of worker
 * threads or processes behind this same interface is what would collect that.
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
