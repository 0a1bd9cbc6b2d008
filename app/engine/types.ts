import type { ModelSpec } from '../checkpoint/spec.js';
import type { WeightsPrecision } from '../graph/tome-ast.js';

/** How tokens are merged in one run. `schedule` holds the requested r per layer (clamped inside the graph). */
export interface MergeSettings {
  schedule: number[];
  /** Add log(token size) to the attention logits (ToMe's proportional attention). */
  propAttn: boolean;
  /** Keep the distillation token out of merges (default); false = FastAST code-release behaviour. */
  protectDistillation: boolean;
}

export type ExecutionProvider = 'webgpu' | 'dml' | 'coreml' | 'cpu' | 'wasm';

export interface EpAttempt {
  ep: ExecutionProvider;
  ok: boolean;
  /** Why it was not used (initialisation error text), when ok is false. */
  reason?: string;
}

/** One batch item's results. */
export interface ItemResult {
  logits: Float32Array;
  /**
   * Per layer l: for each token entering layer l (length tokensIn[l]), the index it has after
   * the merge of layer l.
   */
  maps: Int32Array[];
  /**
   * Per layer l: for each token entering layer l, the cosine similarity of the merge it took
   * part in as a source; NaN where the token was not merged away in that layer.
   */
  mergeScores: Float32Array[];
  /**
   * Per layer l: for each A token (even position) entering layer l, how clear-cut its merge
   * decision was, in cosine-similarity units: merged → min(best − second-best partner, its score −
   * the best score left unmerged); unmerged → the lowest merged score − its score. Near 0 means
   * the choice was arbitrary (silence, padding). NaN for B tokens, cls, and layers with r = 0.
   */
  mergeMargins: Float32Array[];
}

export interface RunResult {
  items: ItemResult[];
  /** Tokens entering each layer, then the count after the last layer (length numLayers + 1). */
  tokensPerLayer: number[];
  /** Wall time of the session run. */
  inferMs: number;
}

export interface EngineOptions {
  /** EPs to try, in order; default is the platform's order (see engine/providers.ts). */
  providers?: ExecutionProvider[];
  /** Intra-op threads for the CPU EP; 0 = onnxruntime's default. */
  threads?: number;
  /** 'int8': 8-bit Linear weights (app/graph/quantize.ts); default float32. Part of the graph-cache key. */
  weights?: WeightsPrecision;
}

export interface Engine {
  readonly spec: ModelSpec;
  /** The EP the session runs on. */
  readonly ep: ExecutionProvider;
  /** Every EP tried, in order, with the reason for each fallback. */
  readonly attempts: EpAttempt[];
  /** The precision of the Linear weights; absent = float32. Results of int8 and float32 differ, so caches of results key by it. */
  readonly weights?: WeightsPrecision;
  /**
   * Runs `batch` windows (`input` holds batch × maxLength × numMelBins normalised values).
   * The graph is built once; settings change only the runtime inputs.
   */
  run(input: Float32Array, batch: number, settings: MergeSettings): Promise<RunResult>;
  dispose(): Promise<void>;
}
