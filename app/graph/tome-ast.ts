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

export function buildTomeAstGraph(spec: ModelSpec, weights: Weights, options: GraphOptions = { attention: 'mha' }): Uint8Array {
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

  // Shared constants.
  const i64 = (v: number) => g.int64Scalar(v);
  const vec = (vals: number[]) => g.int64Tensor(vals);
  const zero = i64(0);
  const one = i64(1);
  const two = i64(2);
  const axes0 = vec([0]);
  const axes1 = vec([1]);
  const axes2 = vec([2]);
  const axesLast = vec([-1]);
  const negInf = g.scalar(-Infinity);
  const nan = g.scalar(NaN);

  const linear = (x: string, w: Float32Array, b: Float32Array, rows: number, cols: number) =>
    g.op('Add', [g.op('MatMul', [x, g.floatTensor(transposed(w, rows, cols), [cols, rows])]), g.floatTensor(b, [rows])]);
  const layerNorm = (x: string, wName: string, bName: string) =>
    g.op('LayerNormalization', [x, g.floatTensor(get(weights, wName), [D]), g.floatTensor(get(weights, bName), [D])], {
      axis: { i: -1 },
      epsilon: { f: spec.layerNormEps },
    });
  const dim = (x: string, axis: number) => g.op('Gather', [g.op('Shape', [x]), i64(axis)], { axis: { i: 0 } });
  const unsq = (x: string, axes: string) => g.op('Unsqueeze', [x, axes]);
  const range = (n: string) => g.op('Range', [zero, n, one]);

  // Patch embedding: [B, T, F] → [B, 1, F, T] → conv → [B, D, F', T'] → [B, F'·T', D] (frequency-major).
  const img = g.op('Transpose', [unsq(input, axes1)], { perm: { ints: [0, 1, 3, 2] } });
  const conv = g.op('Conv', [img, g.floatTensor(get(weights, E.patchW), [D, 1, spec.patchSize, spec.patchSize]), g.floatTensor(get(weights, E.patchB), [D])], {
    kernel_shape: { ints: [spec.patchSize, spec.patchSize] },
    strides: { ints: [spec.frequencyStride, spec.timeStride] },
  });
  const patches = g.op('Transpose', [g.op('Reshape', [conv, vec([0, D, -1])])], { perm: { ints: [0, 2, 1] } });
  const batch = dim(input, 0);
  const batchVec = unsq(batch, axes0);
  const tokenShape = g.op('Concat', [batchVec, vec([1, D])], { axis: { i: 0 } });
  const cls = g.op('Expand', [g.floatTensor(get(weights, E.cls), [1, 1, D]), tokenShape]);
  const dist = g.op('Expand', [g.floatTensor(get(weights, E.dist), [1, 1, D]), tokenShape]);
  let x = g.op('Add', [g.op('Concat', [cls, dist, patches], { axis: { i: 1 } }), g.floatTensor(get(weights, E.pos), [1, spec.numTokens, D])]);
  let size = g.op('ConstantOfShape', [g.op('Concat', [batchVec, vec([spec.numTokens, 1])], { axis: { i: 0 } })], {
    value: { t: tensorLiteral(DataType.FLOAT, [1]) },
  });
  const protectScalar = g.op('Gather', [protectDist, zero], { axis: { i: 0 } });
  const protectedCount = g.op('Add', [one, protectScalar]);
  const protectBool = g.op('Cast', [protectScalar], { to: { i: DataType.BOOL } });

  for (let l = 0; l < spec.numLayers; l++) {
    const n = layerWeightNames(l);
    g.inScope(`layer${l}/`, () => {
      // --- attention, with log(size) added to the keys' logits when proportional attention is on
      const h = layerNorm(x, n.ln1W, n.ln1B);
      const q = linear(h, get(weights, n.qW), get(weights, n.qB), D, D);
      const k = linear(h, get(weights, n.kW), get(weights, n.kB), D, D);
      const v = linear(h, get(weights, n.vW), get(weights, n.vB), D, D);
      const logSize = g.op('Mul', [g.op('Log', [size]), propAttn]); // [B, N, 1]
      const bias = unsq(g.op('Transpose', [logSize], { perm: { ints: [0, 2, 1] } }), axes1); // [B, 1, 1, N]
      let ctx: string;
      if (options.attention === 'mha') {
        const N = dim(x, 1);
        const biasShape = g.op('Concat', [batchVec, vec([1]), unsq(N, axes0), unsq(N, axes0)], { axis: { i: 0 } });
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
      const merged = mergeTokens(g, { x, size, k, l, schedule, protectedCount, protectBool, H, dh, D }, { i64, vec, zero, one, two, axes0, axes1, axes2, axesLast, negInf, nan, dim, unsq, range });
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
  const pick = (i: number) => g.op('Gather', [xf, i64(i)], { axis: { i: 1 } });
  const pooled = g.op('Mul', [g.op('Add', [pick(0), pick(1)]), g.scalar(0.5)]);
  const headIn = layerNorm(pooled, E.headLnW, E.headLnB);
  const logits = linear(headIn, get(weights, E.headW), get(weights, E.headB), C, D);
  g.output(GRAPH_IO.logits, logits, DataType.FLOAT, ['batch', C]);
  return g.toBytes('fastast-studio');
}

interface MergeInputs {
  x: string;
  size: string;
  k: string;
  l: number;
  schedule: string;
  protectedCount: string;
  protectBool: string;
  H: number;
  dh: number;
  D: number;
}

interface Helpers {
  i64: (v: number) => string;
  vec: (v: number[]) => string;
  zero: string;
  one: string;
  two: string;
  axes0: string;
  axes1: string;
  axes2: string;
  axesLast: string;
  negInf: string;
  nan: string;
  dim: (x: string, axis: number) => string;
  unsq: (x: string, axes: string) => string;
  range: (n: string) => string;
}

/**
 * ToMe bipartite soft matching as a per-token index map, so that one scatter-add both merges and
 * reorders. Alternate tokens form A (even) and B (odd); each A token's best B partner by cosine
 * similarity; the r A tokens with the best scores merge (ties: lowest index first). New order:
 * [cls, distillation, unmerged A in order, the rest of B]. When r = 0 the map is the identity
 * (reference ToMe leaves the order alone when nothing merges).
 */
function mergeTokens(g: GraphBuilder, m: MergeInputs, h: Helpers): { x: string; size: string; map: string; score: string; margin: string } {
  const { i64, vec, zero, one, two, axes0, axes1, axes2, axesLast, dim, unsq, range } = h;
  const N = dim(m.x, 1);
  const rRequested = g.op('Gather', [m.schedule, i64(m.l)], { axis: { i: 0 } });
  const rMax = g.op('Div', [g.op('Sub', [N, m.protectedCount]), two]);
  const r = g.op('Max', [zero, g.op('Min', [rRequested, rMax])]);

  // Metric: keys averaged over heads, L2-normalised per token.
  const kMean = g.op('ReduceMean', [g.op('Reshape', [m.k, vec([0, 0, m.H, m.dh])])], { axes: { ints: [2] }, keepdims: { i: 0 } });
  const metric = g.op('Div', [kMean, g.op('Sqrt', [g.op('ReduceSumSquare', [kMean], { axes: { ints: [-1] }, keepdims: { i: 1 } })])]);
  const every2 = (start: number) => g.op('Slice', [metric, vec([start]), vec([INT64_MAX]), axes1, vec([2])]);
  const a = every2(0);
  const b = every2(1);
  const NA = dim(a, 1);
  const NB = dim(b, 1);
  const rowIdx = range(NA);
  const colIdx = range(NB);
  let scores = g.op('MatMul', [a, g.op('Transpose', [b], { perm: { ints: [0, 2, 1] } })]); // [B, NA, NB]
  const clsRow = unsq(g.op('Equal', [rowIdx, zero]), axesLast); // [NA, 1]
  const distCol = unsq(g.op('And', [g.op('Equal', [colIdx, zero]), m.protectBool]), axes0); // [1, NB]
  scores = g.op('Where', [g.op('Or', [clsRow, distCol]), h.negInf, scores]);
  const nodeMax = g.op('ReduceMax', [scores], { axes: { ints: [-1] }, keepdims: { i: 0 } }); // [B, NA]
  const nodeIdx = g.op('ArgMax', [scores], { axis: { i: -1 }, keepdims: { i: 0 }, select_last_index: { i: 0 } }); // [B, NA]

  // Rank of each A token by best score, descending, ties to the lower index: rank < r merges.
  const vi = unsq(nodeMax, axes2); // [B, NA, 1]
  const vj = unsq(nodeMax, axes1); // [B, 1, NA]
  const jBeforeI = g.op('Less', [unsq(rowIdx, axes0), unsq(rowIdx, axesLast)]); // [NA(i), NA(j)]: j < i
  const beats = g.op('Or', [g.op('Greater', [vj, vi]), g.op('And', [g.op('Equal', [vj, vi]), jBeforeI])]);
  const rank = g.op('ReduceSum', [g.op('Cast', [beats], { to: { i: DataType.FLOAT } }), axes2], { keepdims: { i: 0 } });
  const isMerged = g.op('Less', [rank, g.op('Cast', [r], { to: { i: DataType.FLOAT } })]); // [B, NA]

  // New index of every token. Unmerged A: cls → 0, the k-th other → 1 + k. B: dist → 1, the m-th → NA − r + m.
  // With the distillation token unprotected (FastAST code release), plain ToMe order instead:
  // [unmerged A, B], so the distillation token sits at NA − r and position 1 pools an A token.
  const kA = g.op('Sub', [g.op('CumSum', [g.op('Cast', [g.op('Not', [isMerged])], { to: { i: DataType.INT64 } }), one]), one]);
  const keepDistSecond = m.protectBool;
  const shiftA = g.op('And', [g.op('Greater', [kA, zero]), keepDistSecond]);
  const newAUnmerged = g.op('Add', [kA, g.op('Cast', [shiftA], { to: { i: DataType.INT64 } })]);
  const distSlot = g.op('And', [g.op('Equal', [colIdx, zero]), keepDistSecond]);
  const newB = g.op('Where', [distSlot, one, g.op('Add', [g.op('Sub', [NA, r]), colIdx])]); // [NB]
  const newA = g.op('Where', [isMerged, g.op('Gather', [newB, nodeIdx], { axis: { i: 0 } }), newAUnmerged]); // [B, NA]

  // Interleave A (even positions) and B (odd positions) back into token order.
  const padB = vec([0]);
  const interleave = (aVals: string, bVals1d: string | null, bVals2d: string | null) => {
    const a3 = unsq(aVals, axes2); // [B, NA, 1]
    let b3: string;
    if (bVals1d) {
      const padded = g.op('Pad', [bVals1d, g.op('Concat', [padB, unsq(g.op('Sub', [NA, NB]), axes0)], { axis: { i: 0 } })]);
      b3 = g.op('Expand', [unsq(padded, vec([0, 2])), g.op('Shape', [a3])]);
    } else {
      b3 = g.op('Expand', [bVals2d!, g.op('Shape', [a3])]);
    }
    const flat = g.op('Reshape', [g.op('Concat', [a3, b3], { axis: { i: 2 } }), vec([0, -1])]);
    return g.op('Slice', [flat, vec([0]), unsq(N, axes0), axes1]);
  };
  const mergedMap = interleave(newA, newB, null);
  const identity = unsq(range(N), axes0);
  const map = g.op('Where', [g.op('Greater', [r, zero]), mergedMap, identity]); // [B, N]
  const score = interleave(g.op('Where', [isMerged, nodeMax, h.nan]), null, h.nan);

  // How clear-cut each A token's fate was, in cosine units (the fixtures' decision margin, per
  // token). Merged: the smaller of (best − second-best partner) and (its score − the best score
  // left unmerged). Unmerged: (the lowest merged score − its score). Near 0 = an arbitrary choice,
  // as in silence and padding. NaN for B tokens, cls, and layers with r = 0.
  const posInf = g.scalar(Infinity);
  const isBest = g.op('Equal', [unsq(colIdx, axes0), unsq(nodeIdx, axesLast)]); // [B, NA, NB]
  const second = g.op('ReduceMax', [g.op('Where', [isBest, h.negInf, scores])], { axes: { ints: [-1] }, keepdims: { i: 0 } });
  const isCls = g.op('Equal', [rowIdx, zero]);
  const bestUnmerged = g.op('ReduceMax', [g.op('Where', [g.op('Or', [isMerged, isCls]), h.negInf, nodeMax])], { axes: { ints: [-1] }, keepdims: { i: 1 } });
  const worstMerged = g.op('ReduceMin', [g.op('Where', [isMerged, nodeMax, posInf])], { axes: { ints: [-1] }, keepdims: { i: 1 } });
  const mergedMargin = g.op('Min', [g.op('Sub', [nodeMax, second]), g.op('Sub', [nodeMax, bestUnmerged])]);
  const marginA = g.op('Where', [isMerged, mergedMargin, g.op('Sub', [worstMerged, nodeMax])]);
  const marginValid = g.op('And', [g.op('Greater', [r, zero]), g.op('Not', [isCls])]);
  const margin = interleave(g.op('Where', [marginValid, marginA, h.nan]), null, h.nan);

  // Size-weighted merge, x' = Σ size·x / Σ size. Every slot after the merge holds one kept token
  // (gathered: row copies), and only the r merged-away tokens are scatter-added onto their
  // destinations. A scatter-add over all N×D values cost ~5 % of a forward pass even at r = 0.
  // Batch items are flattened into rows (item b's token t is row b·N + t) so one Gather serves all.
  const nOut = g.op('Sub', [N, r]);
  const batchIdx = unsq(range(dim(m.x, 0)), axesLast); // [B, 1]
  const rowsIn = g.op('Mul', [batchIdx, N]);
  const rowsOut = g.op('Mul', [batchIdx, nOut]);
  const weighted = g.op('Reshape', [g.op('Mul', [m.x, m.size]), vec([-1, m.D])]); // [B·N, D]
  const sizes = g.op('Reshape', [m.size, vec([-1, 1])]); // [B·N, 1]

  // slot → entering token. Merged-away tokens aim at a spare slot N − r, cut off afterwards.
  const awayTok = g.op('Greater', [interleave(g.op('Cast', [isMerged], { to: { i: DataType.INT64 } }), null, zero), zero]); // [B, N]
  const target = g.op('Where', [awayTok, nOut, map]);
  const tokenIdx = g.op('Expand', [identity, g.op('Shape', [map])]);
  const spare = g.op('ConstantOfShape', [g.op('Concat', [unsq(dim(m.x, 0), axes0), unsq(g.op('Add', [nOut, one]), axes0)], { axis: { i: 0 } })], {
    value: { t: tensorLiteral(DataType.INT64, [0]) },
  });
  const slotSource = g.op('Slice', [g.op('ScatterElements', [spare, target, tokenIdx], { axis: { i: 1 } }), vec([0]), unsq(nOut, axes0), axes1]);
  const keptRows = g.op('Add', [slotSource, rowsIn]); // [B, N − r]
  let xSum = g.op('Gather', [weighted, keptRows], { axis: { i: 0 } }); // [B, N − r, D]
  let sizeSum = g.op('Gather', [sizes, keptRows], { axis: { i: 0 } });

  // The r sources: A tokens ordered by rank (ranks are a permutation), first r of them.
  const aIdx = g.op('Expand', [unsq(rowIdx, axes0), g.op('Shape', [isMerged])]);
  const byRank = g.op('ScatterElements', [g.op('Mul', [aIdx, zero]), g.op('Cast', [rank], { to: { i: DataType.INT64 } }), aIdx], { axis: { i: 1 } });
  const srcTok = g.op('Mul', [g.op('Slice', [byRank, vec([0]), unsq(r, axes0), axes1]), two]); // [B, r]
  const dstSlot = g.op('GatherElements', [map, srcTok], { axis: { i: 1 } });
  const dstRows = unsq(g.op('Add', [dstSlot, rowsOut]), axesLast); // [B, r, 1]
  const srcRows = g.op('Add', [srcTok, rowsIn]);
  const flatOut = (t: string, width: number) => g.op('Reshape', [t, vec([-1, width])]);
  const outShape = (width: number) => g.op('Concat', [unsq(dim(m.x, 0), axes0), unsq(nOut, axes0), vec([width])], { axis: { i: 0 } });
  xSum = g.op('Reshape', [
    g.op('ScatterND', [flatOut(xSum, m.D), dstRows, g.op('Gather', [weighted, srcRows], { axis: { i: 0 } })], { reduction: { s: 'add' } }),
    outShape(m.D),
  ]);
  sizeSum = g.op('Reshape', [
    g.op('ScatterND', [flatOut(sizeSum, 1), dstRows, g.op('Gather', [sizes, srcRows], { axis: { i: 0 } })], { reduction: { s: 'add' } }),
    outShape(1),
  ]);
  return { x: g.op('Div', [xSum, sizeSum]), size: sizeSum, map, score, margin };
}
