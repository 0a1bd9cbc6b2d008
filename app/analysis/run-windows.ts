import type { ModelSpec } from '../checkpoint/spec.js';
import type { Engine, MergeSettings } from '../engine/types.js';
import { FastAstError } from '../errors.js';

/** Per-window outputs of a batched run, in window order. */
export interface WindowRun {
  logits: Float32Array[];
  /** Tokens entering each layer, then after the last: the same for every window of one schedule. */
  tokensPerLayer: number[];
  /** Wall time spent in engine.run (feeds, session, outputs), summed over batches. */
  inferMs: number;
}

export interface RunWindowsOptions {
  /** Windows per engine.run (default: defaultBatchSize); larger batches amortise per-run overhead, smaller ones cancel sooner. */
  batchSize?: number;
  signal?: AbortSignal;
  /** Called after each batch with windows done so far. */
  onBatch?: (done: number, total: number) => void;
}

export const DEFAULT_BATCH_SIZE = 8;
/** Attention scores of one batch (heads × tokens² floats per window) may take this much memory. */
const ATTENTION_BUDGET_BYTES = 256 * 1024 ** 2;

/**
 * Batch size for a model: up to DEFAULT_BATCH_SIZE windows, fewer for large models, where the
 * attention scores dominate memory (AST-base, 1214 tokens: 70 MB per window → 3 windows).
 */
export function defaultBatchSize(spec: ModelSpec): number {
  const perWindow = spec.numHeads * spec.numTokens * spec.numTokens * 4;
  return Math.max(1, Math.min(DEFAULT_BATCH_SIZE, Math.floor(ATTENTION_BUDGET_BYTES / perWindow)));
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
  const batchSize = Math.max(1, opts.batchSize ?? defaultBatchSize(engine.spec));
  const windowSize = engine.spec.maxLength * engine.spec.numMelBins;
  const logits: Float32Array[] = [];
  let tokensPerLayer: number[] = [];
  let inferMs = 0;
  for (let start = 0; start < count; start += batchSize) {
    throwIfAborted(opts.signal, 'inference');
    const batch = Math.min(batchSize, count - start);
    const input = new Float32Array(batch * windowSize);
    for (let b = 0; b < batch; b++) input.set(windowAt(start + b), b * windowSize);
    const t0 = performance.now();
    const result = await engine.run(input, batch, settings);
    inferMs += performance.now() - t0;
    for (const item of result.items) logits.push(item.logits);
    tokensPerLayer = result.tokensPerLayer;
    opts.onBatch?.(start + batch, count);
  }
  return { logits, tokensPerLayer, inferMs };
}
