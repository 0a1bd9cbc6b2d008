import type { ModelSpec } from '../checkpoint/spec.js';
import { EMBEDDING_NAMES as E, layerWeightNames, type Weights } from '../checkpoint/weights.js';
import { DataType, GraphBuilder, MS_DOMAIN, tensorLiteral } from './onnx-builder.js';

/**
 * The ToMe-AST graph. Inputs and outputs are the contract with app/engine:
 *  - `input_values` [batch, maxLength, numMelBins] float: normalised fbank windows
 *  - `schedule` [numLayers] int64: requested r per layer (clamped in the graph)
 *  - `prop_attn` [1] float: 1 = proportional attention, 0 = plain attention
 *  - `protect_distillation` [1] int64: 1 = the distillation token never merges
 *  → `logits` [batch, labels]; per layer l, `map_l` [batch, tokensIn_l] int32 (each entering
 *    token's index after the merge) and `merge_score_l` [batch, tokensIn_l] float (similarity of
 *    the merge a source token took part in; NaN for tokens not merged away) and `merge_margin_l`
 *    [batch, tokensIn_l] float (how clear-cut each A token's merge decision was; see mergeTokens).
 */
export const GRAPH_IO = {
  input: 'input_values',
  schedule: 'schedule',
  propAttn: 'prop_attn',
  protectDistillation: 'protect_distillation',
  logits: 'logits',
  map: (l: number) => `map_${l}`,
  mergeScore: (l: number) => `merge_score_${l}`,
  mergeMargin: (l: number) => `merge_margin_${l}`,
} as const;

export interface GraphOptions {
  /** 'mha' emits com.microsoft.MultiHeadAttention (faster on CPU); 'plain' uses opset-17 ops only. */
  attention: 'mha' | 'plain';
}

/**
 * MultiHeadAttention is exact on the CPU EP and onnxruntime-web's wasm, and faster there. On the
 * WebGPU EP it drifts by ~4e-4 in the merge similarities once tokens have merged (enough to change
 * merges; seen on SwiftShader), and DirectML wants plain opset-17 ops: both get the plain form.
 */
export function graphOptionsFor(ep: string): GraphOptions {
  return { attention: ep === 'cpu' || ep === 'wasm' ? 'mha' : 'plain' };
}

const INT64_MAX = Number.MAX_SAFE_INTEGER;

function transposed(w: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(w.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = w[r * cols + c];
  return out;
}

function get(weights: Weights, name: string): Float32Array {
  const w = weights.get(name);
  if (!w) throw new Error(`weight ${name} missing (checked at load time; this is a bug)`);
  return w;
}

/**
 * One layer's token reduction: what the graph does between attention and MLP. The product uses
 * mergeTokens; the benchmark swaps in a free stand-in (bench/oracle-merge.ts) to measure what the
 * merge itself costs.
 */
export type MergeStep = (g: GraphBuilder, run: RunConstants, layer: LayerInputs) => MergeOutputs;

export function buildTomeAstGraph(spec: ModelSpec, weights: Weights, options: GraphOptions = { attention: 'mha' }, mergeStep: MergeStep = mergeTokens): Uint8Array {
  const g = new GraphBuilder();
  defineTomeAstGraph(g, spec, weights, options, mergeStep);
  return g.toBytes('fastast-studio');
}

/** Adds the whole graph to `g` (a streaming builder writes it out as it goes; see app/engine/graph-file.ts). */
export function defineTomeAstGraph(g: GraphBuilder, spec: ModelSpec, weights: Weights, options: GraphOptions = { attention: 'mha' }, mergeStep: MergeStep = mergeTokens): void {
  const D = spec.hiddenSize;
  const H = spec.numHeads;
  const dh = D / H;
  const M = spec.intermediateSize;
  const C = spec.labels.length;

  const input = g.input(GRAPH_IO.input, DataType.FLOAT, ['batch', spec.maxLength, spec.numMelBins]);
  const schedule = g.input(GRAPH_IO.schedule, DataType.INT64, [spec.numLayers]);
  const propAttn = g.input(GRAPH_IO.propAttn, DataType.FLOAT, [1]);
  const protectDist = g.input(GRAPH_IO.protectDistillation, DataType.INT64, [1]);
  const vec = (vals: number[]) => g.int64Tensor(vals);

  const linear = (x: string, w: Float32Array, b: Float32Array, rows: number, cols: number) =>
    g.op('Add', [g.op('MatMul', [x, g.floatTensor(transposed(w, rows, cols), [cols, rows])]), g.floatTensor(b, [rows])]);
  const layerNorm = (x: string, wName: string, bName: string) =>
    g.op('LayerNormalization', [x, g.floatTensor(get(weights, wName), [D]), g.floatTensor(get(weights, bName), [D])], {
      axis: { i: -1 },
      epsilon: { f: spec.layerNormEps },
    });

  // Patch embedding: [B, T, F] → [B, 1, F, T] → conv → [B, D, F', T'] → [B, F'·T', D] (frequency-major).
  const img = g.op('Transpose', [g.op('Unsqueeze', [input, vec([1])])], { perm: { ints: [0, 1, 3, 2] } });
  const conv = g.op('Conv', [img, g.floatTensor(get(weights, E.patchW), [D, 1, spec.patchSize, spec.patchSize]), g.floatTensor(get(weights, E.patchB), [D])], {
    kernel_shape: { ints: [spec.patchSize, spec.patchSize] },
    strides: { ints: [spec.frequencyStride, spec.timeStride] },
  });
  const patches = g.op('Transpose', [g.op('Reshape', [conv, vec([0, D, -1])])], { perm: { ints: [0, 2, 1] } });
  const batchVec = g.op('Shape', [input], { start: { i: 0 }, end: { i: 1 } }); // [B]
  const tokenShape = g.op('Concat', [batchVec, vec([1, D])], { axis: { i: 0 } });
  const cls = g.op('Expand', [g.floatTensor(get(weights, E.cls), [1, 1, D]), tokenShape]);
  const dist = g.op('Expand', [g.floatTensor(get(weights, E.dist), [1, 1, D]), tokenShape]);
  let x = g.op('Add', [g.op('Concat', [cls, dist, patches], { axis: { i: 1 } }), g.floatTensor(get(weights, E.pos), [1, spec.numTokens, D])]);
  let size = g.op('ConstantOfShape', [g.op('Concat', [batchVec, vec([spec.numTokens, 1])], { axis: { i: 0 } })], {
    value: { t: tensorLiteral(DataType.FLOAT, [1]) },
  });
  const run = runConstants(g, spec, batchVec, protectDist, schedule);

  for (let l = 0; l < spec.numLayers; l++) {
    const n = layerWeightNames(l);
    g.inScope(`layer${l}/`, () => {
      const N = g.op('Shape', [x], { start: { i: 1 }, end: { i: 2 } }); // [N]
      const upTo = (t: string, end: string) => g.op('Slice', [t, vec([0]), end]);
      // --- attention, with log(size) added to the keys' logits when proportional attention is on
      const h = layerNorm(x, n.ln1W, n.ln1B);
      const q = linear(h, get(weights, n.qW), get(weights, n.qB), D, D);
      const k = linear(h, get(weights, n.kW), get(weights, n.kB), D, D);
      const v = linear(h, get(weights, n.vW), get(weights, n.vB), D, D);
      const bias = g.op('Reshape', [g.op('Mul', [g.op('Log', [size]), propAttn]), vec([0, 1, 1, -1])]); // [B, 1, 1, N]
      let ctx: string;
      if (options.attention === 'mha') {
        // MultiHeadAttention wants the bias as [B, 1, N, N]; Expand broadcasts B from the bias itself.
        const biasShape = g.op('Concat', [vec([1, 1]), N, N], { axis: { i: 0 } });
        ctx = g.op('MultiHeadAttention', [q, k, v, '', '', g.op('Expand', [bias, biasShape])], { num_heads: { i: H } }, { domain: MS_DOMAIN });
      } else {
        const heads = (t: string, perm: number[]) => g.op('Transpose', [g.op('Reshape', [t, vec([0, 0, H, dh])])], { perm: { ints: perm } });
        const scores = g.op('Add', [g.op('Mul', [g.op('MatMul', [heads(q, [0, 2, 1, 3]), heads(k, [0, 2, 3, 1])]), g.scalar(1 / Math.sqrt(dh))]), bias]);
        const probs = g.op('Softmax', [scores], { axis: { i: -1 } });
        const c4 = g.op('MatMul', [probs, heads(v, [0, 2, 1, 3])]);
        ctx = g.op('Reshape', [g.op('Transpose', [c4], { perm: { ints: [0, 2, 1, 3] } }), vec([0, 0, D])]);
      }
      x = g.op('Add', [x, linear(ctx, get(weights, n.oW), get(weights, n.oB), D, D)]);

      // --- merge (bipartite soft matching on the keys averaged over heads). A layer with r = 0
      // skips it, as reference ToMe does: no matching is computed, the order stays, and r = 0
      // costs what the plain transformer costs.
      const r = clampedR(g, run, N, l);
      const noMerge = () => {
        const perToken = g.op('Concat', [run.batchVec, N], { axis: { i: 0 } }); // [B, N]
        const nan = g.op('ConstantOfShape', [perToken], { value: { t: tensorLiteral(DataType.FLOAT, [NaN]) } });
        return [x, size, g.op('Expand', [upTo(run.iota, N), perToken]), nan, nan];
      };
      const [xMerged, sizeMerged, map, score, margin] = g.ifElse(
        g.op('Greater', [r, vec([0])]),
        [DataType.FLOAT, DataType.FLOAT, DataType.INT64, DataType.FLOAT, DataType.FLOAT],
        () => {
          const m = mergeStep(g, run, { x, size, k, N, r, l, H, dh, D });
          return [m.x, m.size, m.map, m.score, m.margin];
        },
        noMerge,
      );
      x = xMerged;
      size = sizeMerged;
      g.output(GRAPH_IO.map(l), g.op('Cast', [map], { to: { i: DataType.INT32 } }), DataType.INT32, ['batch', `tokens_in_${l}`]);
      g.output(GRAPH_IO.mergeScore(l), score, DataType.FLOAT, ['batch', `tokens_in_${l}`]);
      g.output(GRAPH_IO.mergeMargin(l), margin, DataType.FLOAT, ['batch', `tokens_in_${l}`]);

      // --- MLP on the merged tokens
      const h2 = layerNorm(x, n.ln2W, n.ln2B);
      const a = linear(h2, get(weights, n.fc1W), get(weights, n.fc1B), M, D);
      const gelu = g.op('Mul', [g.op('Mul', [a, g.op('Add', [g.op('Erf', [g.op('Div', [a, g.scalar(Math.SQRT2)])]), g.scalar(1)])]), g.scalar(0.5)]);
      x = g.op('Add', [x, linear(gelu, get(weights, n.fc2W), get(weights, n.fc2B), D, M)]);
    });
  }

  // Pool: mean of the cls and distillation tokens (positions 0 and 1 by construction), then the head.
  const xf = layerNorm(x, E.lnW, E.lnB);
  const pick = (i: number) => g.op('Gather', [xf, g.int64Scalar(i)], { axis: { i: 1 } });
  const pooled = g.op('Mul', [g.op('Add', [pick(0), pick(1)]), g.scalar(0.5)]);
  const headIn = layerNorm(pooled, E.headLnW, E.headLnB);
  const logits = linear(headIn, get(weights, E.headW), get(weights, E.headB), C, D);
  g.output(GRAPH_IO.logits, logits, DataType.FLOAT, ['batch', C]);
}

/** Values every layer's merge needs, computed once per run (they depend on the batch size and the protection flag only). */
export interface RunConstants {
  schedule: string;
  /** [1] int64: the batch size. */
  batchVec: string;
  /** [1] int64: 1 when the distillation token is protected. */
  p: string;
  /** [1] int64: tokens that never merge, 1 + p (cls, and the distillation token when protected). */
  protectedCount: string;
  /** [1] int64: 1 + 2p, the first token of B′ (the B tokens that may merge). */
  firstB: string;
  /** [p] int64: the protected distillation token's slot ([1]), or nothing. */
  distSlot: string;
  /** [maxN] int64: 0, 1, 2, … (sliced to a layer's length instead of a Range per layer). */
  iota: string;
  /** [maxN] bool: true at even token indices (the A tokens). */
  isEven: string;
  /** [B, 1] int64: 0, 1, …, B − 1 (row offsets of flattened batch items). */
  batchIdx: string;
  /** [B, 1] and [B, 1, 1] int64 zeros: broadcast per-token vectors over the batch. */
  zerosB1: string;
  zerosB3: string;
  /** [D, dh] float: 1 where row h·dh + j meets column j, so that k · headSum sums k over the heads. */
  headSum: string;
  /** Reshape targets [B, −1, D] and [B, −1, 1]. */
  shapeX: string;
  shapeSize: string;
}

function runConstants(g: GraphBuilder, spec: ModelSpec, batchVec: string, protectDist: string, schedule: string): RunConstants {
  const maxN = spec.numTokens;
  const iota = g.int64Tensor(Array.from({ length: maxN }, (_, i) => i), [maxN], 'iota');
  const zero = g.int64Scalar(0);
  const batchRange = g.op('Range', [zero, g.op('Squeeze', [batchVec, g.int64Tensor([0])]), g.int64Scalar(1)]);
  const batchIdx = g.op('Unsqueeze', [batchRange, g.int64Tensor([-1])]);
  const zerosB1 = g.op('Mul', [batchIdx, zero]);
  return {
    schedule,
    batchVec,
    p: protectDist,
    protectedCount: g.op('Add', [protectDist, g.int64Tensor([1])]),
    firstB: g.op('Add', [g.op('Mul', [protectDist, g.int64Tensor([2])]), g.int64Tensor([1])]),
    distSlot: g.op('Slice', [g.int64Tensor([1]), g.int64Tensor([0]), protectDist]),
    iota,
    isEven: g.op('Equal', [g.op('Mod', [iota, g.int64Scalar(2)]), zero]),
    batchIdx,
    zerosB1,
    zerosB3: g.op('Unsqueeze', [zerosB1, g.int64Tensor([2])]),
    headSum: g.floatTensor(headSumMatrix(spec.hiddenSize, spec.numHeads), [spec.hiddenSize, spec.hiddenSize / spec.numHeads], 'head_sum'),
    shapeX: g.op('Concat', [batchVec, g.int64Tensor([-1, spec.hiddenSize])], { axis: { i: 0 } }),
    shapeSize: g.op('Concat', [batchVec, g.int64Tensor([-1, 1])], { axis: { i: 0 } }),
  };
}

function headSumMatrix(D: number, H: number): Float32Array {
  const dh = D / H;
  const out = new Float32Array(D * dh);
  for (let h = 0; h < H; h++) for (let j = 0; j < dh; j++) out[(h * dh + j) * dh + j] = 1;
  return out;
}

/** x and size after the merge, and the per-layer outputs ([B, N] map int64, score and margin float). */
export interface MergeOutputs {
  x: string;
  size: string;
  map: string;
  score: string;
  margin: string;
}

export interface LayerInputs {
  x: string;
  size: string;
  k: string;
  /** [1] int64: tokens entering the layer. */
  N: string;
  /** [1] int64: tokens to merge away, clamped, > 0 (layers with r = 0 skip the merge step). */
  r: string;
  l: number;
  H: number;
  dh: number;
  D: number;
}

/** r for layer l: the scheduled value clamped to [0, ⌊(N − protected)/2⌋], as a [1] int64. */
function clampedR(g: GraphBuilder, run: RunConstants, N: string, l: number): string {
  const requested = g.op('Slice', [run.schedule, g.int64Tensor([l]), g.int64Tensor([l + 1])]);
  const rMax = g.op('Div', [g.op('Sub', [N, run.protectedCount]), g.int64Tensor([2])]);
  return g.op('Max', [g.op('Min', [requested, rMax]), g.int64Tensor([0])]);
}

/**
 * ToMe bipartite soft matching as a per-token index map, so that one gather plus a scatter-add of
 * the r merged tokens both merges and reorders. Alternate tokens form A (even) and B (odd); each A
 * token's best B partner by cosine similarity; the r A tokens with the best scores merge (ties:
 * lowest index first, which TopK guarantees). New order: [cls, distillation, unmerged A in order,
 * the rest of B]. Only called with r > 0: a layer with r = 0 keeps its tokens in order (the
 * identity map), as reference ToMe does when nothing merges.
 *
 * The tokens that never merge are left out of the matching rather than masked: A′ = the A tokens
 * after cls, B′ = the B tokens after a protected distillation token (with r > 0 neither is
 * empty). So only two passes touch the NA′ × NB′ similarity matrix (MatMul, TopK); ranking and
 * every index are O(N), with shape values as 1-D [1] tensors that need no Unsqueeze/Gather
 * bookkeeping: on the bundled tiny model the merge's kernel count, not its arithmetic, is what it
 * costs (bench/README.md).
 */
function mergeTokens(g: GraphBuilder, run: RunConstants, m: LayerInputs): MergeOutputs {
  const vec = (vals: number[]) => g.int64Tensor(vals);
  const c0 = vec([0]);
  const c1 = vec([1]);
  const c2 = vec([2]);
  const s0 = g.int64Scalar(0);
  const negInf = g.scalar(-Infinity);
  const nan = g.scalar(NaN);
  const { N, r } = m;
  const upTo = (t: string, end: string) => g.op('Slice', [t, c0, end]);

  // Metric: keys averaged over heads, L2-normalised per token; A′ = tokens 2, 4, …; B′ = tokens 1 + 2p, 3 + 2p, …
  // The sum over heads as a MatMul with a 0/1 matrix: each output adds its H inputs in head order,
  // as ReduceMean does, but a ReduceMean over the middle axis of [B, N, H, dh] took ~0.5 ms per
  // layer on one thread (the tiny model at 600 tokens).
  const kMean = g.op('Div', [g.op('MatMul', [m.k, run.headSum]), g.scalar(m.H)]);
  const metric = g.op('Div', [kMean, g.op('Sqrt', [g.op('ReduceSumSquare', [kMean], { axes: { ints: [-1] }, keepdims: { i: 1 } })])]);
  const a = g.op('Slice', [metric, c2, vec([INT64_MAX]), c1, c2]);
  const b = g.op('Slice', [metric, run.firstB, vec([INT64_MAX]), c1, c2]);
  const NA = g.op('Shape', [a], { start: { i: 1 }, end: { i: 2 } }); // NA′
  const NB = g.op('Shape', [b], { start: { i: 1 }, end: { i: 2 } }); // NB′
  const scores = g.op('MatMul', [a, g.op('Transpose', [b], { perm: { ints: [0, 2, 1] } })]); // [B, NA′, NB′]
  const K2 = g.op('Min', [NB, c2]); // best and second-best partner
  const [top, topIdx] = g.opMulti('TopK', [scores, K2], { axis: { i: -1 }, largest: { i: 1 }, sorted: { i: 1 } }, { outputs: 2 });
  const nodeMax = g.op('Gather', [top, s0], { axis: { i: 2 } }); // [B, NA′]
  const nodeIdx = g.op('Gather', [topIdx, s0], { axis: { i: 2 } }); // [B, NA′] index into B′

  // The r best-scoring A′ tokens in rank order (TopK: ties to the lower index).
  const src = g.opMulti('TopK', [nodeMax, r], { axis: { i: -1 }, largest: { i: 1 }, sorted: { i: 1 } }, { outputs: 2 })[1]; // [B, r]
  const zerosA = g.op('Mul', [nodeIdx, s0]);
  const notMerged = g.op('ScatterElements', [g.op('Add', [zerosA, g.int64Scalar(1)]), src, g.op('Mul', [src, s0])], { axis: { i: 1 } }); // [B, NA′] 1/0
  const isMerged = g.op('Equal', [notMerged, s0]);

  // Slot of every token after the merge: cls → 0, a protected distillation token → 1, the k-th
  // unmerged A′ token → 1 + p + k, B′ token j → 1 + p + (NA′ − r) + j; a merged A′ token → its
  // partner's slot. slotB runs to NA′ + 1 entries so that the B column interleaves with the A
  // column (cls + A′); the extra entry of an odd N is cut off.
  const NAfull = g.op('Add', [NA, c1]);
  const bBase = g.op('Add', [g.op('Sub', [NA, r]), run.protectedCount]);
  const slotB = g.op('Add', [upTo(run.iota, NAfull), bBase]); // [NA′ + 1]
  const slotUnmerged = g.op('Add', [g.op('CumSum', [notMerged, g.int64Scalar(1)]), run.p]);
  const slotA = g.op('Where', [isMerged, g.op('Gather', [slotB, nodeIdx], { axis: { i: 0 } }), slotUnmerged]); // [B, NA′]
  const aColumn = g.op('Concat', [run.zerosB1, slotA], { axis: { i: 1 } }); // [B, NA]
  const bColumn = upTo(g.op('Concat', [run.distSlot, slotB], { axis: { i: 0 } }), NAfull); // [NA]
  const bColumnBatch = g.op('Add', [g.op('Unsqueeze', [bColumn, vec([0, 2])]), run.zerosB3]); // [B, NA, 1]
  const interleaved = g.op('Reshape', [g.op('Concat', [g.op('Unsqueeze', [aColumn, c2]), bColumnBatch], { axis: { i: 2 } }), vec([0, -1])]);
  const map = g.op('Slice', [interleaved, c0, N, c1]); // [B, N]

  // The similarity of each merge, and how clear-cut each A′ token's fate was, in cosine units (the
  // fixtures' decision margin, per token). Merged: the smaller of (best − second-best partner) and
  // (its score − the best score left unmerged). Unmerged: (the lowest merged score − its score).
  // Near 0 = an arbitrary choice, as in silence and padding. NaN for B tokens and cls.
  const score = g.op('Where', [isMerged, nodeMax, nan]);
  const second = g.op('Where', [g.op('Equal', [K2, c2]), g.op('ReduceMin', [top], { axes: { ints: [-1] }, keepdims: { i: 0 } }), negInf]);
  const bestUnmerged = g.op('ReduceMax', [g.op('Where', [isMerged, negInf, nodeMax])], { axes: { ints: [-1] }, keepdims: { i: 1 } });
  const worstMerged = g.op('ReduceMin', [g.op('Where', [isMerged, nodeMax, g.scalar(Infinity)])], { axes: { ints: [-1] }, keepdims: { i: 1 } });
  const mergedMargin = g.op('Min', [g.op('Sub', [nodeMax, second]), g.op('Sub', [nodeMax, bestUnmerged])]);
  const margin = g.op('Where', [isMerged, mergedMargin, g.op('Sub', [worstMerged, nodeMax])]);
  // Both interleaved in one Pad, NaN for cls (in front) and the B tokens: [B, NA′, 1, 2] → [B, NA, 2, 2] → [B, N, 2].
  const pair = g.op('Concat', [g.op('Unsqueeze', [score, vec([2, 3])]), g.op('Unsqueeze', [margin, vec([2, 3])])], { axis: { i: 3 } });
  const padded = g.op('Pad', [pair, vec([0, 1, 0, 0, 0, 0, 1, 0]), nan], { mode: { s: 'constant' } });
  const perToken = g.op('Slice', [g.op('Reshape', [padded, vec([0, -1, 2])]), c0, N, c1]);

  // Size-weighted merge, x' = Σ size·x / Σ size. Every slot after the merge holds one kept token
  // (gathered: row copies), and only the r merged-away tokens are scatter-added onto their
  // destinations. Batch items are flattened into rows (item b's token t is row b·N + t).
  // Kept tokens in slot order = TopK(ascending) of their slots, the merged-away tokens (the A
  // tokens whose slot is a B′ token's, ≥ bBase) keyed past the end.
  const nOut = g.op('Sub', [N, r]);
  const rowsIn = g.op('Mul', [run.batchIdx, N]); // [B, 1]
  const rowsOut = g.op('Mul', [run.batchIdx, nOut]);
  const weighted = g.op('Reshape', [g.op('Mul', [m.x, m.size]), vec([-1, m.D])]); // [B·N, D]
  const sizes = g.op('Reshape', [m.size, vec([-1, 1])]); // [B·N, 1]
  const away = g.op('And', [upTo(run.isEven, N), g.op('GreaterOrEqual', [map, bBase])]);
  const key = g.op('Where', [away, g.int64Scalar(INT64_MAX), map]);
  const slotSource = g.opMulti('TopK', [key, nOut], { axis: { i: -1 }, largest: { i: 0 }, sorted: { i: 1 } }, { outputs: 2 })[1]; // [B, N − r]
  const keptRows = g.op('Reshape', [g.op('Add', [slotSource, rowsIn]), vec([-1])]);
  const dstSlot = g.op('GatherElements', [slotA, src], { axis: { i: 1 } }); // [B, r]
  const dstRows = g.op('Unsqueeze', [g.op('Add', [dstSlot, rowsOut]), vec([-1])]); // [B, r, 1]
  const srcRows = g.op('Add', [g.op('Add', [g.op('Mul', [src, g.int64Scalar(2)]), g.int64Scalar(2)]), rowsIn]); // A′ index i is token 2i + 2
  const mergeInto = (values: string, shape: string) =>
    g.op('Reshape', [
      g.op('ScatterND', [g.op('Gather', [values, keptRows], { axis: { i: 0 } }), dstRows, g.op('Gather', [values, srcRows], { axis: { i: 0 } })], {
        reduction: { s: 'add' },
      }),
      shape,
    ]);
  const xSum = mergeInto(weighted, run.shapeX);
  const sizeSum = mergeInto(sizes, run.shapeSize);
  return {
    x: g.op('Div', [xSum, sizeSum]),
    size: sizeSum,
    map,
    score: g.op('Gather', [perToken, s0], { axis: { i: 2 } }),
    margin: g.op('Gather', [perToken, g.int64Scalar(1)], { axis: { i: 2 } }),
  };
}
