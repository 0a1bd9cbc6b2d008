import type { ModelSpec } from '../checkpoint/spec.js';
import type { GraphBuilder } from './onnx-builder.js';

/**
 * The contract between the AST graph (tome-ast.ts) and a merge: what one layer's token reduction
 * gets and what it gives back. The product merges with ToMe's bipartite soft matching
 * (bipartite-merge.ts); the benchmark swaps in a free stand-in (bench/oracle-merge.ts) to measure
 * what the merge itself costs. ToMe keeps its merge.py apart from the model patch the same way.
 */
export type MergeStep = (g: GraphBuilder, run: RunConstants, layer: LayerInputs) => MergeOutputs;

/** One layer's tensors as the merge sees them (after attention, before the MLP). */
export interface LayerInputs {
  /** [B, N, D] float: the tokens. */
  x: string;
  /** [B, N, 1] float: how many patches each token stands for. */
  size: string;
  /** [B, N, D] float: the attention keys, all heads side by side (the merge metric). */
  keys: string;
  /** [1] int64: tokens entering the layer. */
  N: string;
  /** [1] int64: tokens to merge away, clamped, > 0 (layers with r = 0 skip the merge step). */
  r: string;
  numHeads: number;
  hiddenSize: number;
  /** N, r and the protected token count when the graph is built for one schedule (GraphOptions.staticSchedule): index patterns become constants. */
  known?: KnownCounts;
}

export interface KnownCounts {
  N: number;
  r: number;
  /** 1 + (distillation token protected ? 1 : 0). */
  protectedCount: number;
}

/** x and size after the merge, and the per-layer outputs ([B, N] map int64, score and margin float). */
export interface MergeOutputs {
  x: string;
  size: string;
  map: string;
  score: string;
  margin: string;
}

/** Values every layer's merge needs, computed once per run (they depend on the batch size and the protection flag only). */
export interface RunConstants {
  /** [numLayers] int64: the requested r per layer (the graph input). */
  schedule: string;
  /** [1] int64: the batch size. */
  batchSize: string;
  /** [1] int64: 1 when the distillation token is protected, else 0 (the graph input). */
  distillationProtected: string;
  /** [1] int64: tokens that never merge, 1 + protected (cls, and the distillation token when protected). */
  protectedCount: string;
  /** [1] int64: 1 + 2·protected, the first token of B′ (the B tokens that may merge). */
  firstMergeableB: string;
  /** [1] int64 holding 1 (the protected distillation token's slot) when protected; empty otherwise. */
  protectedDistillationSlot: string;
  /** [maxN] int64: 0, 1, 2, … (sliced to a layer's length instead of a Range per layer). */
  tokenIndices: string;
  /** [maxN] bool: true at even token indices (the A tokens). */
  isAToken: string;
  /** [B, 1] int64: 0, 1, …, B − 1 (row offsets of flattened batch items). */
  batchIndices: string;
  /** [B, 1] and [B, 1, 1] int64 zeros: adding one broadcasts a per-token vector over the batch. */
  batchZeros2d: string;
  batchZeros3d: string;
  /** [D, dh] float: 1 where row h·dh + j meets column j, so that keys · sumOverHeads sums the keys over the heads. */
  sumOverHeads: string;
  /** Reshape targets [B, −1, D] (tokens) and [B, −1, 1] (sizes). */
  tokensShape: string;
  sizesShape: string;
}

export function runConstants(g: GraphBuilder, spec: ModelSpec, batchSize: string, distillationProtected: string, schedule: string): RunConstants {
  const maxN = spec.numTokens;
  const tokenIndices = g.int64Tensor(Array.from({ length: maxN }, (_, i) => i), [maxN], 'iota');
  const zero = g.int64Scalar(0);
  const batchRange = g.op('Range', [zero, g.op('Squeeze', [batchSize, g.int64Tensor([0])]), g.int64Scalar(1)]);
  const batchIndices = g.op('Unsqueeze', [batchRange, g.int64Tensor([-1])]);
  const batchZeros2d = g.op('Mul', [batchIndices, zero]);
  // Built in this order on purpose: node names are numbered as they are made, so reordering
  // would change the graph's bytes (and the graph cache's keys) for no gain.
  return {
    schedule,
    batchSize,
    distillationProtected,
    protectedCount: g.op('Add', [distillationProtected, g.int64Tensor([1])]),
    firstMergeableB: g.op('Add', [g.op('Mul', [distillationProtected, g.int64Tensor([2])]), g.int64Tensor([1])]),
    protectedDistillationSlot: g.op('Slice', [g.int64Tensor([1]), g.int64Tensor([0]), distillationProtected]),
    tokenIndices,
    isAToken: g.op('Equal', [g.op('Mod', [tokenIndices, g.int64Scalar(2)]), zero]),
    batchIndices,
    batchZeros2d,
    batchZeros3d: g.op('Unsqueeze', [batchZeros2d, g.int64Tensor([2])]),
    sumOverHeads: g.floatTensor(sumOverHeadsMatrix(spec.hiddenSize, spec.numHeads), [spec.hiddenSize, spec.hiddenSize / spec.numHeads], 'head_sum'),
    tokensShape: g.op('Concat', [batchSize, g.int64Tensor([-1, spec.hiddenSize])], { axis: { i: 0 } }),
    sizesShape: g.op('Concat', [batchSize, g.int64Tensor([-1, 1])], { axis: { i: 0 } }),
  };
}

function sumOverHeadsMatrix(D: number, H: number): Float32Array {
  const dh = D / H;
  const out = new Float32Array(D * dh);
  for (let h = 0; h < H; h++) for (let j = 0; j < dh; j++) out[(h * dh + j) * dh + j] = 1;
  return out;
}
