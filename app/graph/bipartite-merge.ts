import type { GraphBuilder } from './onnx-builder.js';
import type { KnownCounts, LayerInputs, MergeOutputs, RunConstants } from './merge-step.js';

/**
 * Slice end that reaches the end of any axis: ONNX Slice clamps `end` to the axis length, so any
 * value ≥ the length slices to the end (the spec suggests INT64_MAX; 2^53 − 1 is the largest
 * integer a JS number carries exactly into an int64 tensor, and far past any token count).
 */
const TO_AXIS_END = Number.MAX_SAFE_INTEGER;

/** A TopK sort key larger than every slot index, so that the tokens keyed with it sort last. */
const SORTS_LAST = Number.MAX_SAFE_INTEGER;

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
export function bipartiteMerge(g: GraphBuilder, run: RunConstants, m: LayerInputs): MergeOutputs {
  const vec = (vals: number[]) => g.int64Tensor(vals);
  const c0 = vec([0]);
  const c1 = vec([1]);
  const c2 = vec([2]);
  const s0 = g.int64Scalar(0);
  const negInf = g.scalar(-Infinity);
  const nan = g.scalar(NaN);
  const { N, r, known } = m;
  // A graph built for one schedule knows every count (m.known): sizes and index patterns become
  // constants below, and the per-token outputs are one Gather each instead of an interleave.
  const layout = known && knownLayout(known);
  const upTo = (t: string, end: string) => g.op('Slice', [t, c0, end]);

  // Metric: keys averaged over heads, L2-normalised per token; A′ = tokens 2, 4, …; B′ = tokens 1 + 2p, 3 + 2p, …
  // (p = 1 when the distillation token is protected). The sum over heads as a MatMul with a 0/1
  // matrix: each output adds its H inputs in head order, as ReduceMean does, but a ReduceMean over
  // the middle axis of [B, N, H, dh] took ~0.5 ms per layer on one thread (the tiny model at 600 tokens).
  const kMean = g.op('Div', [g.op('MatMul', [m.keys, run.sumOverHeads]), g.scalar(m.numHeads)]);
  const metric = g.op('Div', [kMean, g.op('Sqrt', [g.op('ReduceSumSquare', [kMean], { axes: { ints: [-1] }, keepdims: { i: 1 } })])]);
  const a = g.op('Slice', [metric, c2, vec([TO_AXIS_END]), c1, c2]);
  const b = g.op('Slice', [metric, run.firstMergeableB, vec([TO_AXIS_END]), c1, c2]);
  const NA = layout ? vec([layout.na]) : g.op('Shape', [a], { start: { i: 1 }, end: { i: 2 } }); // NA′
  const NB = layout ? vec([layout.nb]) : g.op('Shape', [b], { start: { i: 1 }, end: { i: 2 } }); // NB′
  const scores = g.op('MatMul', [a, g.op('Transpose', [b], { perm: { ints: [0, 2, 1] } })]); // [B, NA′, NB′]
  const K2 = layout ? vec([Math.min(layout.nb, 2)]) : g.op('Min', [NB, c2]); // best and second-best partner
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
  const NAfull = layout ? '' : g.op('Add', [NA, c1]);
  const bBase = layout ? vec([layout.bBase]) : g.op('Add', [g.op('Sub', [NA, r]), run.protectedCount]);
  const slotB = layout ? vec(layout.slotB) : g.op('Add', [upTo(run.tokenIndices, NAfull), bBase]); // [NA′ + 1]
  const slotUnmerged = g.op('Add', [g.op('CumSum', [notMerged, g.int64Scalar(1)]), run.distillationProtected]);
  const slotA = g.op('Where', [isMerged, g.op('Gather', [slotB, nodeIdx], { axis: { i: 0 } }), slotUnmerged]); // [B, NA′]
  const map = layout ? knownMap(g, run, slotA, layout) : interleavedMap(g, run, { slotA, slotB, N, NAfull, c0, c1, c2 }); // [B, N]

  // The similarity of each merge, and how clear-cut each A′ token's fate was, in cosine units (the
  // fixtures' decision margin, per token). Merged: the smaller of (best − second-best partner) and
  // (its score − the best score left unmerged). Unmerged: (the lowest merged score − its score).
  // Near 0 = an arbitrary choice, as in silence and padding. NaN for B tokens and cls.
  const score = g.op('Where', [isMerged, nodeMax, nan]);
  const secondBest = () => g.op('ReduceMin', [top], { axes: { ints: [-1] }, keepdims: { i: 0 } });
  const second = layout ? (layout.nb >= 2 ? secondBest() : negInf) : g.op('Where', [g.op('Equal', [K2, c2]), secondBest(), negInf]);
  const bestUnmerged = g.op('ReduceMax', [g.op('Where', [isMerged, negInf, nodeMax])], { axes: { ints: [-1] }, keepdims: { i: 1 } });
  const worstMerged = g.op('ReduceMin', [g.op('Where', [isMerged, nodeMax, g.scalar(Infinity)])], { axes: { ints: [-1] }, keepdims: { i: 1 } });
  const mergedMargin = g.op('Min', [g.op('Sub', [nodeMax, second]), g.op('Sub', [nodeMax, bestUnmerged])]);
  const margin = g.op('Where', [isMerged, mergedMargin, g.op('Sub', [worstMerged, nodeMax])]);
  const known2 = layout && [knownPerToken(g, score, nan, layout), knownPerToken(g, margin, nan, layout)];
  const perToken = layout ? '' : interleavedPerToken(g, score, margin, nan, { N, c0, c1 }); // [B, N, 2]

  // Size-weighted merge, x' = Σ size·x / Σ size. Every slot after the merge holds one kept token
  // (gathered: row copies), and only the r merged-away tokens are scatter-added onto their
  // destinations. Batch items are flattened into rows (item b's token t is row b·N + t).
  // Kept tokens in slot order = TopK(ascending) of their slots, the merged-away tokens (the A
  // tokens whose slot is a B′ token's, ≥ bBase) keyed past the end.
  const nOut = known ? vec([known.N - known.r]) : g.op('Sub', [N, r]);
  const rowsIn = g.op('Mul', [run.batchIndices, N]); // [B, 1]
  const rowsOut = g.op('Mul', [run.batchIndices, nOut]);
  const weighted = g.op('Reshape', [g.op('Mul', [m.x, m.size]), vec([-1, m.hiddenSize])]); // [B·N, D]
  const sizes = g.op('Reshape', [m.size, vec([-1, 1])]); // [B·N, 1]
  const away = g.op('And', [upTo(run.isAToken, N), g.op('GreaterOrEqual', [map, bBase])]);
  const key = g.op('Where', [away, g.int64Scalar(SORTS_LAST), map]);
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
  const xSum = mergeInto(weighted, run.tokensShape);
  const sizeSum = mergeInto(sizes, run.sizesShape);
  return {
    x: g.op('Div', [xSum, sizeSum]),
    size: sizeSum,
    map,
    score: known2 ? known2[0] : g.op('Gather', [perToken, s0], { axis: { i: 2 } }),
    margin: known2 ? known2[1] : g.op('Gather', [perToken, g.int64Scalar(1)], { axis: { i: 2 } }),
  };
}

/** Map of every entering token to its slot: cls → 0, A′ tokens → slotA, B tokens → their column (cut to N). */
function interleavedMap(g: GraphBuilder, run: RunConstants, v: { slotA: string; slotB: string; N: string; NAfull: string; c0: string; c1: string; c2: string }): string {
  const aColumn = g.op('Concat', [run.batchZeros2d, v.slotA], { axis: { i: 1 } }); // [B, NA]
  const bColumn = g.op('Slice', [g.op('Concat', [run.protectedDistillationSlot, v.slotB], { axis: { i: 0 } }), v.c0, v.NAfull]); // [NA]
  const bColumnBatch = g.op('Add', [g.op('Unsqueeze', [bColumn, g.int64Tensor([0, 2])]), run.batchZeros3d]); // [B, NA, 1]
  const interleaved = g.op('Reshape', [g.op('Concat', [g.op('Unsqueeze', [aColumn, v.c2]), bColumnBatch], { axis: { i: 2 } }), g.int64Tensor([0, -1])]);
  return g.op('Slice', [interleaved, v.c0, v.N, v.c1]);
}

/** Score and margin per entering token, NaN for cls (in front) and the B tokens: both interleaved in one Pad, [B, NA′, 1, 2] → [B, NA, 2, 2] → [B, N, 2]. */
function interleavedPerToken(g: GraphBuilder, score: string, margin: string, nan: string, v: { N: string; c0: string; c1: string }): string {
  const vec = (vals: number[]) => g.int64Tensor(vals);
  const pair = g.op('Concat', [g.op('Unsqueeze', [score, vec([2, 3])]), g.op('Unsqueeze', [margin, vec([2, 3])])], { axis: { i: 3 } });
  const padded = g.op('Pad', [pair, vec([0, 1, 0, 0, 0, 0, 1, 0]), nan], { mode: { s: 'constant' } });
  return g.op('Slice', [g.op('Reshape', [padded, vec([0, -1, 2])]), v.c0, v.N, v.c1]);
}

/** Index patterns of a layer whose counts are known when the graph is built. */
interface KnownLayout {
  /** |A′| (tokens 2, 4, … < N) and |B′| (the odd tokens after a protected distillation token). */
  na: number;
  nb: number;
  /** Slot of B′ token 0 after the merge. */
  bBase: number;
  /** slotB of the dynamic form: j + bBase for j = 0 … NA′. */
  slotB: number[];
  /** Slots of the odd tokens 1, 3, … (constants: B tokens never move). */
  oddSlots: number[];
  /** For token t, its column in [cls, A′…, odd tokens…]. */
  mapColumn: number[];
  /** For token t, its A′ index, or NA′ (a NaN column) for cls and the B tokens. */
  aColumn: number[];
}

function knownLayout(k: KnownCounts): KnownLayout {
  const p = k.protectedCount - 1;
  const na = Math.floor((k.N - 1) / 2);
  const nb = Math.max(0, Math.floor((k.N - (1 + 2 * p) + 1) / 2));
  const bBase = na - k.r + k.protectedCount;
  const odd = Math.floor(k.N / 2);
  const oddSlots = Array.from({ length: odd }, (_, j) => (p && j === 0 ? 1 : j - p + bBase));
  const tokens = Array.from({ length: k.N }, (_, t) => t);
  return {
    na,
    nb,
    bBase,
    slotB: Array.from({ length: na + 1 }, (_, j) => j + bBase),
    oddSlots,
    mapColumn: tokens.map((t) => (t === 0 ? 0 : t % 2 === 0 ? 1 + (t - 2) / 2 : 1 + na + (t - 1) / 2)),
    aColumn: tokens.map((t) => (t >= 2 && t % 2 === 0 ? (t - 2) / 2 : na)),
  };
}

/** The map with known counts: [cls slot, slotA, the B tokens' constant slots] put in token order by one Gather. */
function knownMap(g: GraphBuilder, run: RunConstants, slotA: string, layout: KnownLayout): string {
  const odd = g.op('Add', [run.batchZeros2d, g.int64Tensor(layout.oddSlots, [1, layout.oddSlots.length])]);
  const columns = g.op('Concat', [run.batchZeros2d, slotA, odd], { axis: { i: 1 } });
  return g.op('Gather', [columns, g.int64Tensor(layout.mapColumn)], { axis: { i: 1 } });
}

/** A per-A′ value [B, NA′] as a per-token one [B, N], NaN for cls and the B tokens. */
function knownPerToken(g: GraphBuilder, perA: string, nan: string, layout: KnownLayout): string {
  const padded = g.op('Pad', [perA, g.int64Tensor([0, 0, 0, 1]), nan], { mode: { s: 'constant' } });
  return g.op('Gather', [padded, g.int64Tensor(layout.aColumn)], { axis: { i: 1 } });
}
