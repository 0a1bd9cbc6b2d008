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

      // --- merge (bipartite soft matching on the keys averaged over heads)
      const merged = mergeStep(g, run, { x, size, k, N, l, H, dh, D });
      x = merged.x;
      size = merged.size;
      g.output(GRAPH_IO.map(l), g.op('Cast', [merged.map], { to: { i: DataType.INT32 } }), DataType.INT32, ['batch', `tokens_in_${l}`]);
      g.output(GRAPH_IO.mergeScore(l), merged.score, DataType.FLOAT, ['batch', `tokens_in_${l}`]);
      g.output(GRAPH_IO.mergeMargin(l), merged.margin, DataType.FLOAT, ['batch', `tokens_in_${l}`]);

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
  return g.toBytes('fastast-studio');
}

/** Values every layer's merge needs, computed once per run (they depend on the batch size and the protection flag only). */
export interface RunConstants {
  schedule: string;
  /** [1] int64: 1 when the distillation token is protected. */
  p: string;
  /** [1] int64: tokens that never merge (cls, and the distillation token when protected). */
  protectedCount: string;
  /** [maxN] int64: 0, 1, 2, … (sliced to a layer's length instead of a Range per layer). */
  iota: string;
  /** [maxN] bool: true at index 0 (the cls token's row among the A tokens). */
  isFirst: string;
  /** [maxN] bool: true at index 0 when the distillation token (B column 0) is protected. */
  distFirst: string;
  /** [maxN] float: −∞ at index 0 when the distillation token is protected, else 0 (added to the similarity columns). */
  colBias: string;
  /** [maxN] int64: slot offset of the k-th unmerged A token relative to k (see mergeTokens). */
  unmergedOffset: string;
  /** [maxN] bool: true at even token indices (the A tokens). */
  isEven: string;
  /** [B, 1] int64: 0, 1, …, B − 1 (row offsets of flattened batch items). */
  batchIdx: string;
  /** [B, 1, 1] int64 zeros: broadcasts a per-token vector over the batch. */
  zerosB3: string;
  /** Reshape targets [B, −1, D] and [B, −1, 1]. */
  shapeX: string;
  shapeSize: string;
}

function runConstants(g: GraphBuilder, spec: ModelSpec, batchVec: string, protectDist: string, schedule: string): RunConstants {
  const maxN = spec.numTokens;
  const iota = g.int64Tensor(Array.from({ length: maxN }, (_, i) => i), [maxN], 'iota');
  const zero = g.int64Scalar(0);
  const protectBool = g.op('Cast', [protectDist], { to: { i: DataType.BOOL } });
  const isFirst = g.op('Equal', [iota, zero]);
  const distFirst = g.op('And', [isFirst, protectBool]);
  const batchRange = g.op('Range', [zero, g.op('Squeeze', [batchVec, g.int64Tensor([0])]), g.int64Scalar(1)]);
  const batchIdx = g.op('Unsqueeze', [batchRange, g.int64Tensor([-1])]);
  // The k-th unmerged A token (k = 0 is cls) goes to slot k, or k + 1 behind a protected distillation
  // token; with c = the running count of unmerged A tokens (k + 1), slot = c + offset.
  const pMinus1 = g.op('Sub', [protectDist, g.int64Tensor([1])]);
  const unmergedOffset = g.op('Sub', [pMinus1, g.op('Mul', [protectDist, g.op('Cast', [isFirst], { to: { i: DataType.INT64 } })])]);
  return {
    schedule,
    p: protectDist,
    protectedCount: g.op('Add', [protectDist, g.int64Tensor([1])]),
    iota,
    isFirst,
    distFirst,
    colBias: g.op('Where', [distFirst, g.scalar(-Infinity), g.scalar(0)]),
    unmergedOffset,
    isEven: g.op('Equal', [g.op('Mod', [iota, g.int64Scalar(2)]), zero]),
    batchIdx,
    zerosB3: g.op('Unsqueeze', [g.op('Mul', [batchIdx, zero]), g.int64Tensor([2])]),
    shapeX: g.op('Concat', [batchVec, g.int64Tensor([-1, spec.hiddenSize])], { axis: { i: 0 } }),
    shapeSize: g.op('Concat', [batchVec, g.int64Tensor([-1, 1])], { axis: { i: 0 } }),
  };
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
  l: number;
  H: number;
  dh: number;
  D: number;
}

/**
 * ToMe bipartite soft matching as a per-token index map, so that one gather plus a scatter-add of
 * the r merged tokens both merges and reorders. Alternate tokens form A (even) and B (odd); each A
 * token's best B partner by cosine similarity; the r A tokens with the best scores merge (ties:
 * lowest index first, which TopK guarantees). New order: [cls, distillation, unmerged A in order,
 * the rest of B]. When r = 0 the map is the identity (reference ToMe leaves the order alone when
 * nothing merges).
 *
 * Only three passes touch the NA × NB similarity matrix (MatMul, the −∞ column of a protected
 * distillation token, TopK); ranking and every index are O(N). Shape values are 1-D [1] tensors
 * throughout, so they need no Unsqueeze/Gather bookkeeping: on the bundled tiny model the merge's
 * kernel count, not its arithmetic, is what it costs.
 */
function mergeTokens(g: GraphBuilder, run: RunConstants, m: LayerInputs): MergeOutputs {
  const vec = (vals: number[]) => g.int64Tensor(vals);
  const c0 = vec([0]);
  const c1 = vec([1]);
  const c2 = vec([2]);
  const s0 = g.int64Scalar(0);
  const negInf = g.scalar(-Infinity);
  const nan = g.scalar(NaN);
  const { N } = m;
  const upTo = (t: string, end: string) => g.op('Slice', [t, c0, end]);

  const rRequested = g.op('Slice', [run.schedule, vec([m.l]), vec([m.l + 1])]);
  const rMax = g.op('Div', [g.op('Sub', [N, run.protectedCount]), c2]);
  const r = g.op('Max', [g.op('Min', [rRequested, rMax]), c0]); // [1]
  const merges = g.op('Greater', [r, c0]); // [1] bool

  // Metric: keys averaged over heads, L2-normalised per token.
  const kMean = g.op('ReduceMean', [g.op('Reshape', [m.k, vec([0, 0, m.H, m.dh])])], { axes: { ints: [2] }, keepdims: { i: 0 } });
  const metric = g.op('Div', [kMean, g.op('Sqrt', [g.op('ReduceSumSquare', [kMean], { axes: { ints: [-1] }, keepdims: { i: 1 } })])]);
  const every2 = (start: number) => g.op('Slice', [metric, vec([start]), vec([INT64_MAX]), c1, c2]);
  const a = every2(0);
  const b = every2(1);
  const NA = g.op('Shape', [a], { start: { i: 1 }, end: { i: 2 } });
  const NB = g.op('Shape', [b], { start: { i: 1 }, end: { i: 2 } });
  const scores = g.op('Add', [g.op('MatMul', [a, g.op('Transpose', [b], { perm: { ints: [0, 2, 1] } })]), upTo(run.colBias, NB)]); // [B, NA, NB]
  const K2 = g.op('Min', [NB, c2]); // best and second-best partner (NB ≥ 1: cls and distillation never both merge)
  const [top, topIdx] = g.opMulti('TopK', [scores, K2], { axis: { i: -1 }, largest: { i: 1 }, sorted: { i: 1 } }, { outputs: 2 });
  const isCls = upTo(run.isFirst, NA); // [NA]
  const nodeMax = g.op('Where', [isCls, negInf, g.op('Gather', [top, s0], { axis: { i: 2 } })]); // [B, NA]
  const nodeIdx = g.op('Gather', [topIdx, s0], { axis: { i: 2 } }); // [B, NA]

  // The r best-scoring A tokens in rank order (TopK: ties to the lower index).
  const src = g.opMulti('TopK', [nodeMax, r], { axis: { i: -1 }, largest: { i: 1 }, sorted: { i: 1 } }, { outputs: 2 })[1]; // [B, r]
  const zerosA = g.op('Mul', [nodeIdx, s0]);
  const notMerged = g.op('ScatterElements', [g.op('Add', [zerosA, g.int64Scalar(1)]), src, g.op('Mul', [src, s0])], { axis: { i: 1 } }); // [B, NA] 1/0
  const isMerged = g.op('Equal', [notMerged, s0]);

  // Slot of every token after the merge. B column j: the protected distillation token → 1, else
  // NA − r + j. Unmerged A: cls → 0, the others in order behind it (and behind the distillation
  // token). Merged A: its partner's slot. (slotB is NA long so it interleaves with A; the extra
  // entry of an odd N is cut off.)
  const NAr = g.op('Sub', [NA, r]);
  const slotB = g.op('Where', [upTo(run.distFirst, NA), g.int64Scalar(1), g.op('Add', [upTo(run.iota, NA), NAr])]); // [NA]
  const slotUnmerged = g.op('Add', [g.op('CumSum', [notMerged, g.int64Scalar(1)]), upTo(run.unmergedOffset, NA)]);
  const slotA = g.op('Where', [isMerged, g.op('Gather', [slotB, nodeIdx], { axis: { i: 0 } }), slotUnmerged]); // [B, NA]
  const slotBBatch = g.op('Add', [g.op('Unsqueeze', [slotB, vec([0, 2])]), run.zerosB3]); // [B, NA, 1]
  const interleaved = g.op('Reshape', [g.op('Concat', [g.op('Unsqueeze', [slotA, c2]), slotBBatch], { axis: { i: 2 } }), vec([0, -1])]);
  const mergedMap = g.op('Slice', [interleaved, c0, N, c1]); // [B, N]
  const map = g.op('Where', [merges, mergedMap, upTo(run.iota, N)]);

  // The similarity of each merge, and how clear-cut each A token's fate was, in cosine units (the
  // fixtures' decision margin, per token). Merged: the smaller of (best − second-best partner) and
  // (its score − the best score left unmerged). Unmerged: (the lowest merged score − its score).
  // Near 0 = an arbitrary choice, as in silence and padding. NaN for B tokens, cls, and layers with r = 0.
  const score = g.op('Where', [isMerged, nodeMax, nan]);
  const second = g.op('Where', [g.op('Equal', [K2, c2]), g.op('ReduceMin', [top], { axes: { ints: [-1] }, keepdims: { i: 0 } }), negInf]);
  const bestUnmerged = g.op('ReduceMax', [g.op('Where', [isMerged, negInf, nodeMax])], { axes: { ints: [-1] }, keepdims: { i: 1 } });
  const worstMerged = g.op('ReduceMin', [g.op('Where', [isMerged, nodeMax, g.scalar(Infinity)])], { axes: { ints: [-1] }, keepdims: { i: 1 } });
  const mergedMargin = g.op('Min', [g.op('Sub', [nodeMax, second]), g.op('Sub', [nodeMax, bestUnmerged])]);
  const marginA = g.op('Where', [isMerged, mergedMargin, g.op('Sub', [worstMerged, nodeMax])]);
  const margin = g.op('Where', [g.op('And', [merges, g.op('Not', [isCls])]), marginA, nan]);
  // Both interleaved with NaN for the B tokens in one Pad: [B, NA, 1, 2] → [B, NA, 2, 2] → [B, N, 2].
  const pair = g.op('Concat', [g.op('Unsqueeze', [score, vec([2, 3])]), g.op('Unsqueeze', [margin, vec([2, 3])])], { axis: { i: 3 } });
  const padded = g.op('Pad', [pair, vec([0, 0, 0, 0, 0, 0, 1, 0]), nan], { mode: { s: 'constant' } });
  const perToken = g.op('Slice', [g.op('Reshape', [padded, vec([0, -1, 2])]), c0, N, c1]);

  // Size-weighted merge, x' = Σ size·x / Σ size. Every slot after the merge holds one kept token
  // (gathered: row copies), and only the r merged-away tokens are scatter-added onto their
  // destinations. Batch items are flattened into rows (item b's token t is row b·N + t).
  // Kept tokens in slot order = TopK(ascending) of their slots, merged-away tokens keyed past the end:
  // those are the A tokens whose slot is a B token's (≥ NA − r + p).
  const nOut = g.op('Sub', [N, r]);
  const rowsIn = g.op('Mul', [run.batchIdx, N]); // [B, 1]
  const rowsOut = g.op('Mul', [run.batchIdx, nOut]);
  const weighted = g.op('Reshape', [g.op('Mul', [m.x, m.size]), vec([-1, m.D])]); // [B·N, D]
  const sizes = g.op('Reshape', [m.size, vec([-1, 1])]); // [B·N, 1]
  const away = g.op('And', [upTo(run.isEven, N), g.op('GreaterOrEqual', [mergedMap, g.op('Add', [NAr, run.p])])]);
  const key = g.op('Where', [away, g.int64Scalar(INT64_MAX), map]);
  const slotSource = g.opMulti('TopK', [key, nOut], { axis: { i: -1 }, largest: { i: 0 }, sorted: { i: 1 } }, { outputs: 2 })[1]; // [B, N − r]
  const keptRows = g.op('Reshape', [g.op('Add', [slotSource, rowsIn]), vec([-1])]);
  const dstSlot = g.op('GatherElements', [slotA, src], { axis: { i: 1 } }); // [B, r]
  const dstRows = g.op('Unsqueeze', [g.op('Add', [dstSlot, rowsOut]), vec([-1])]); // [B, r, 1]
  const srcRows = g.op('Add', [g.op('Mul', [src, g.int64Scalar(2)]), rowsIn]); // A index i is token 2i
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
