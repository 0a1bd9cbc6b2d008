import type { ModelSpec } from '../checkpoint/spec.js';
import type { Engine, ExecutionProvider, MergeSettings } from '../engine/types.js';
import { FastAstError } from '../errors.js';

/** Per-window outputs of a batched run, in window order. */
export interface WindowRun {
  logits: Float32Array[];
  /** Tokens entering each layer, then after the last: the same for every window of one schedule. */
  tokensPerLayer: number[];
  /** Wall time spent in engine.run (feeds, session, outputs), summed over batches. */
  inferMs: number;
}

/** The next batch's size, given the previous batch (null before the first) and its engine time (RunResult.inferMs). */
export type BatchSizer = (previous: { windows: number; ms: number } | null) => number;

export interface RunWindowsOptions {
  /**
   * Windows per engine.run (default: defaultBatchSize for the engine's EP); larger batches
   * amortise per-run overhead, smaller ones cancel sooner and keep a queued interactive run's
   * wait short. A BatchSizer chooses each batch's size (app/analysis/adaptive-batch.ts).
   */
  batchSize?: number | BatchSizer;
  signal?: AbortSignal;
  /** Called after each batch with windows done so far. */
  onBatch?: (done: number, total: number) => void;
}

/**
 * Windows per engine run, by EP, from `npm run bench -- --only speed` (bench/README.md, "Speed
 * levers"). On the CPU EP one window of the bundled model is ~600 tokens, so its MatMuls are
 * already large; what a batch saves is the per-run cost of the merge's many small kernels:
 * batch 16 measured ~1.4–1.5× the throughput of batch 1 at r = 64 and ~1.0–1.6× at r = 0 (2
 * cores, heavily loaded, 5 interleaved rounds). The other EPs are not measured yet and keep the
 * earlier default.
 */
const BATCH_BY_EP: Record<ExecutionProvider, number> = { cpu: 16, wasm: 8, webgpu: 8, dml: 8, coreml: 8 };
/**
 * On the CPU EP a window this long already fills the cores with its MatMuls, and batching only
 * costs: AST-base (1214 tokens) at batch 2, 4, 8, 16 ran at 0.95, 0.92, 0.88, 0.88× the speed of
 * batch 1 (quiet 2-core run, 3 interleaved rounds; bench/README.md, "Speed levers").
 */
const CPU_UNBATCHED_TOKENS = 1000;
/** Attention scores of one batch (heads × tokens² floats per window) may take this much memory. */
const ATTENTION_BUDGET_BYTES = 256 * 1024 ** 2;

/**
 * Batch size for a model on an EP: the measured size, 1 for long windows on the CPU, and fewer
 * windows for large models elsewhere, where the attention scores dominate memory (AST-base,
 * 1214 tokens: 70 MB per window → 3 windows).
 */
export function defaultBatchSize(spec: ModelSpec, ep: ExecutionProvider = 'cpu'): number {
  if (ep === 'cpu' && spec.numTokens >= CPU_UNBATCHED_TOKENS) return 1;
  const perWindow = spec.numHeads * spec.numTokens * spec.numTokens * 4;
  return Math.max(1, Math.min(BATCH_BY_EP[ep], Math.floor(ATTENTION_BUDGET_BYTES / perWindow)));
}

export function throwIfAborted(signal: AbortSignal | undefined, what: string): void {
  if (signal?.aborted) throw new FastAstError('CANCELLED', `${what}: cancelled`);
}

/**
 * Runs `count` windows through the engine in batches. Windows are built on demand by
 * `windowAt` so that a long file never holds all its model inputs at once (a 1-hour file
 * would be 700 windows × 256 KB).
 */
export async function runWindows(
  engine: Engine,
  count: number,
  windowAt: (i: number) => Float32Array,
  settings: MergeSettings,
  opts: RunWindowsOptions = {},
): Promise<WindowRun> {
  const fixed = opts.batchSize ?? defaultBatchSize(engine.spec, engine.ep);
  const sizer: BatchSizer = typeof fixed === 'function' ? fixed : () => fixed;
  const windowSize = engine.spec.maxLength * engine.spec.numMelBins;
  const logits: Float32Array[] = [];
  let tokensPerLayer: number[] = [];
  let inferMs = 0;
  let previous: Parameters<BatchSizer>[0] = null;
  for (let start = 0; start < count; ) {
    throwIfAborted(opts.signal, 'inference');
    const batch = Math.min(Math.max(1, Math.floor(sizer(previous))), count - start);
    const input = new Float32Array(batch * windowSize);
    for (let b = 0; b < batch; b++) input.set(windowAt(start + b), b * windowSize);
    const t0 = performance.now();
    const result = await engine.run(input, batch, settings);
    inferMs += performance.now() - t0;
    for (const item of result.items) logits.push(item.logits);
    tokensPerLayer = result.tokensPerLayer;
    previous = { windows: batch, ms: result.inferMs };
    start += batch;
    opts.onBatch?.(start, count);
  }
  return { logits, tokensPerLayer, inferMs };
}
