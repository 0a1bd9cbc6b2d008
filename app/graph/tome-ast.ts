import type { ModelSpec } from '../checkpoint/spec.js';
import { EMBEDDING_NAMES as E, layerWeightNames, type Weights } from '../checkpoint/weights.js';
import { FastAstError } from '../errors.js';
import { applySchedule } from '../tome/schedule.js';
import { bipartiteMerge } from './bipartite-merge.js';
import { type MergeStep, type RunConstants, runConstants } from './merge-step.js';
import { DataType, GraphBuilder, MS_DOMAIN, tensorLiteral } from './onnx-builder.js';
import { linearInt8, type Int8Kernel } from './quantize.js';

/**
 * The ToMe-AST graph. Inputs and outputs are the contract with app/engine:
 *  - `input_values` [batch, maxLength, numMelBins] float: normalised fbank windows
 *  - `schedule` [numLayers] int64: requested r per layer (clamped in the graph)
 *  - `prop_attn` [1] float: 1 = proportional attention, 0 = plain attention
 *  - `protect_distillation` [1] int64: 1 = the distillation token never merges
 *  → `logits` [batch, labels]; per layer l, `map_l` [batch, tokensIn_l] int32 (each entering
 *    token's index after the merge) and `merge_score_l` [batch, tokensIn_l] float (similarity of
 *    the merge a source token took part in; NaN for tokens not merged away) and `merge_margin_l`
 *    [batch, tokensIn_l] float (how clear-cut each A token's merge decision was; see bipartite-merge.ts).
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

import type { WeightsPrecision } from '../common/weights.js';

export type { WeightsPrecision };

export interface GraphOptions {
  /** 'mha' emits com.microsoft.MultiHeadAttention (faster on CPU); 'plain' uses opset-17 ops only. */
  attention: 'mha' | 'plain';
  /**
   * 'int8': the encoder's six Linear layers (query, key, value, attention output, MLP) are
   * quantized to 8 bits when the graph is built (quantize.ts). LayerNorm, softmax, the patch
   * embedding, the classifier head and the merge metric's arithmetic (mean over heads, cosine
   * similarity, matching) stay float32; the keys it reads come out of an int8 Linear like the
   * queries do, so they move by the quantization (bench/README.md measures how many merges
   * change). Absent = float32 (so float32 graphs keep the cache keys they had).
   */
  weights?: WeightsPrecision;
  /** Which 8-bit op (quantize.ts); absent = 'nbits'. graphOptionsFor picks per EP; the bench compares both. */
  int8Kernel?: Int8Kernel;
  /**
   * A graph for one schedule only: r per layer and the distillation flag are baked in, so every
   * token count is a constant (onnxruntime folds the shape arithmetic), layers with r = 0 have no
   * merge nodes at all and the others no If node. The `schedule` and `protect_distillation`
   * inputs stay (same feeds for every graph) but are not read: the engine refuses settings that
   * apply another schedule (graph-io.ts). Absent = one graph for every schedule.
   */
  staticSchedule?: StaticSchedule;
}

/** The settings a static graph is built for (prop_attn stays a runtime input). */
export interface StaticSchedule {
  schedule: number[];
  protectDistillation: boolean;
}

/**
 * MultiHeadAttention is exact on the CPU EP and onnxruntime-web's wasm, and faster there. On the
 * WebGPU EP it drifts by ~4e-4 in the merge similarities once tokens have merged (enough to change
 * merges; seen on SwiftShader), and DirectML wants plain opset-17 ops: both get the plain form.
 *
 * int8 on the CPU EP is DynamicQuantizeMatMul: on AST-base it runs the Linear layers ~3.7× faster
 * than float32, MatMulNBits only ~1.3× (bench/README.md, "Speed levers"). It quantizes the
 * activations with one scale per run, so its engines run one window per session run
 * (quantizesAcrossBatch): a window's result never depends on its neighbours, at the price of
 * batching, which AST-base does not gain from on a CPU anyway. Other EPs keep MatMulNBits (the
 * WebGPU EP has a kernel for it and none for DynamicQuantizeMatMul; wasm is unmeasured).
 */
export function graphOptionsFor(ep: string, weights: WeightsPrecision = 'float32'): GraphOptions {
  const attention = ep === 'cpu' || ep === 'wasm' ? 'mha' : 'plain';
  if (weights === 'float32') return { attention };
  return { attention, weights, int8Kernel: ep === 'cpu' ? 'dynamic' : 'nbits' };
}

/** The graph an engine on `ep` runs: the caller's, else the EP's default for the precision asked. */
export function graphOptionsOf(ep: string, opts: { graph?: GraphOptions; weights?: WeightsPrecision }): GraphOptions {
  return opts.graph ?? graphOptionsFor(ep, opts.weights);
}

/** True when one window's results would depend on the windows batched with it (DynamicQuantizeMatMul's one activation scale per run). */
export function quantizesAcrossBatch(graph: GraphOptions): boolean {
  return graph.weights === 'int8' && graph.int8Kernel === 'dynamic';
}

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
 * The AST forward (patch embedding, encoder layers, cls + distillation pooling, head) as one ONNX
 * graph, with a merge step between each layer's attention and its MLP. The merge itself lives in
 * bipartite-merge.ts and is passed in as a MergeStep (merge-step.ts), as ToMe keeps merge.py apart
 * from its model patch; this file decides only *how many* tokens a layer merges (clampedR).
 */
export function buildTomeAstGraph(spec: ModelSpec, weights: Weights, options: GraphOptions = { attention: 'mha' }, mergeStep: MergeStep = bipartiteMerge): Uint8Array {
  const g = new GraphBuilder();
  defineTomeAstGraph(g, spec, weights, options, mergeStep);
  return g.toBytes('fastast-studio');
}

/** Adds the whole graph to `g` (a streaming builder writes it out as it goes; see app/engine/graph-file.ts). */
export function defineTomeAstGraph(g: GraphBuilder, spec: ModelSpec, weights: Weights, options: GraphOptions = { attention: 'mha' }, mergeStep: MergeStep = bipartiteMerge): void {
  const D = spec.hiddenSize;
  const H = spec.numHeads;
  const dh = D / H;
  const M = spec.intermediateSize;
  const C = spec.labels.length;

  const input = g.input(GRAPH_IO.input, DataType.FLOAT, ['batch', spec.maxLength, spec.numMelBins]);
  const schedule = g.input(GRAPH_IO.schedule, DataType.INT64, [spec.numLayers]);
  const propAttn = g.input(GRAPH_IO.propAttn, DataType.FLOAT, [1]);
  const fed = g.input(GRAPH_IO.protectDistillation, DataType.INT64, [1]);
  const fixed = options.staticSchedule && staticLayers(spec, options.staticSchedule);
  const distillationProtected = fixed ? g.int64Tensor([options.staticSchedule!.protectDistillation ? 1 : 0]) : fed;
  const vec = (vals: number[]) => g.int64Tensor(vals);

  const linear = (x: string, w: Float32Array, b: Float32Array, rows: number, cols: number) =>
    g.op('Add', [g.op('MatMul', [x, g.floatTensor(transposed(w, rows, cols), [cols, rows])]), g.floatTensor(b, [rows])]);
  // The Linear layers that may be 8-bit; `linear` stays for the head.
  const int8 = options.weights === 'int8';
  const encoderLinear = (x: string, w: Float32Array, b: Float32Array, rows: number, cols: number) =>
    int8 ? linearInt8(g, options.int8Kernel ?? 'nbits', x, w, b, rows, cols) : linear(x, w, b, rows, cols);
  const layerNorm = (x: string, wName: string, bName: string, eps = spec.layerNormEps) =>
    g.op('LayerNormalization', [x, g.floatTensor(get(weights, wName), [D]), g.floatTensor(get(weights, bName), [D])], {
      axis: { i: -1 },
      epsilon: { f: eps },
    });

  // Patch embedding: [B, T, F] → [B, 1, F, T] → conv → [B, D, F', T'] → [B, F'·T', D] (frequency-major).
  const img = g.op('Transpose', [g.op('Unsqueeze', [input, vec([1])])], { perm: { ints: [0, 1, 3, 2] } });
  const conv = g.op('Conv', [img, g.floatTensor(get(weights, E.patchW), [D, 1, spec.patchSize, spec.patchSize]), g.floatTensor(get(weights, E.patchB), [D])], {
    kernel_shape: { ints: [spec.patchSize, spec.patchSize] },
    strides: { ints: [spec.frequencyStride, spec.timeStride] },
  });
  const patches = g.op('Transpose', [g.op('Reshape', [conv, vec([0, D, -1])])], { perm: { ints: [0, 2, 1] } });
  const batchSize = g.op('Shape', [input], { start: { i: 0 }, end: { i: 1 } }); // [B]
  const tokenShape = g.op('Concat', [batchSize, vec([1, D])], { axis: { i: 0 } });
  const cls = g.op('Expand', [g.floatTensor(get(weights, E.cls), [1, 1, D]), tokenShape]);
  const dist = g.op('Expand', [g.floatTensor(get(weights, E.dist), [1, 1, D]), tokenShape]);
  let x = g.op('Add', [g.op('Concat', [cls, dist, patches], { axis: { i: 1 } }), g.floatTensor(get(weights, E.pos), [1, spec.numTokens, D])]);
  let size = g.op('ConstantOfShape', [g.op('Concat', [batchSize, vec([spec.numTokens, 1])], { axis: { i: 0 } })], {
    value: { t: tensorLiteral(DataType.FLOAT, [1]) },
  });
  const run = runConstants(g, spec, batchSize, distillationProtected, schedule);

  for (let l = 0; l < spec.numLayers; l++) {
    const n = layerWeightNames(l);
    g.inScope(`layer${l}/`, () => {
      const N = fixed ? vec([fixed.tokens[l]]) : g.op('Shape', [x], { start: { i: 1 }, end: { i: 2 } }); // [N]
      const upTo = (t: string, end: string) => g.op('Slice', [t, vec([0]), end]);
      // --- attention, with log(size) added to the keys' logits when proportional attention is on
      const h = layerNorm(x, n.ln1W, n.ln1B);
      const q = encoderLinear(h, get(weights, n.qW), get(weights, n.qB), D, D);
      const k = encoderLinear(h, get(weights, n.kW), get(weights, n.kB), D, D);
      const v = encoderLinear(h, get(weights, n.vW), get(weights, n.vB), D, D);
      const logSize = g.op('Mul', [g.op('Log', [size]), propAttn]); // [B, N, 1]
      let ctx: string;
      if (options.attention === 'mha') {
        // Proportional attention as one more dimension per head rather than MultiHeadAttention's
        // bias input: the queries get a 1 and the keys √dh·log(size), so scale·q·k gains exactly
        // log(size). Without a bias input onnxruntime's CPU kernel is ~7 % faster on an AST-base
        // int8 window at r = 64, with the same merges and logits within 1e-6 (bench/README.md).
        const perHead = g.op('Concat', [g.op('Shape', [x], { start: { i: 0 }, end: { i: 2 } }), vec([H, 1])], { axis: { i: 0 } }); // [B, N, H, 1]
        const withColumn = (t: string, column: string) =>
          g.op('Reshape', [g.op('Concat', [g.op('Reshape', [t, vec([0, 0, H, dh])]), g.op('Expand', [column, perHead])], { axis: { i: 3 } }), vec([0, 0, H * (dh + 1)])]);
        const one = g.floatTensor(Float32Array.of(1), [1, 1, 1, 1]);
        const keyColumn = g.op('Reshape', [g.op('Mul', [logSize, g.scalar(Math.sqrt(dh))]), vec([0, -1, 1, 1])]); // [B, N, 1, 1]
        ctx = g.op('MultiHeadAttention', [withColumn(q, one), withColumn(k, keyColumn), v], { num_heads: { i: H }, scale: { f: 1 / Math.sqrt(dh) } }, { domain: MS_DOMAIN });
      } else {
        const bias = g.op('Reshape', [logSize, vec([0, 1, 1, -1])]); // [B, 1, 1, N]
        const heads = (t: string, perm: number[]) => g.op('Transpose', [g.op('Reshape', [t, vec([0, 0, H, dh])])], { perm: { ints: perm } });
        const scores = g.op('Add', [g.op('Mul', [g.op('MatMul', [heads(q, [0, 2, 1, 3]), heads(k, [0, 2, 3, 1])]), g.scalar(1 / Math.sqrt(dh))]), bias]);
        const probs = g.op('Softmax', [scores], { axis: { i: -1 } });
        const c4 = g.op('MatMul', [probs, heads(v, [0, 2, 1, 3])]);
        ctx = g.op('Reshape', [g.op('Transpose', [c4], { perm: { ints: [0, 2, 1, 3] } }), vec([0, 0, D])]);
      }
      x = g.op('Add', [x, encoderLinear(ctx, get(weights, n.oW), get(weights, n.oB), D, D)]);

      // --- merge (bipartite soft matching on the keys averaged over heads). A layer with r = 0
      // skips it, as reference ToMe does: no matching is computed, the order stays, and r = 0
      // costs what the plain transformer costs.
      // A static layer with r = 0 makes no r at all (an unused constant only earns a warning from onnxruntime).
      const r = !fixed ? clampedR(g, run, N, l) : fixed.rApplied[l] > 0 ? vec([fixed.rApplied[l]]) : '';
      const noMerge = () => {
        const perToken = g.op('Concat', [run.batchSize, N], { axis: { i: 0 } }); // [B, N]
        const nan = g.op('ConstantOfShape', [perToken], { value: { t: tensorLiteral(DataType.FLOAT, [NaN]) } });
        return [x, size, g.op('Expand', [upTo(run.tokenIndices, N), perToken]), nan, nan];
      };
      const merge = () => {
        const known = fixed && { N: fixed.tokens[l], r: fixed.rApplied[l], protectedCount: options.staticSchedule!.protectDistillation ? 2 : 1 };
        const m = mergeStep(g, run, { x, size, keys: k, N, r, numHeads: H, hiddenSize: D, known });
        return [m.x, m.size, m.map, m.score, m.margin];
      };
      const [xMerged, sizeMerged, map, score, margin] = fixed
        ? fixed.rApplied[l] > 0
          ? merge()
          : noMerge()
        : g.ifElse(g.op('Greater', [r, vec([0])]), [DataType.FLOAT, DataType.FLOAT, DataType.INT64, DataType.FLOAT, DataType.FLOAT], merge, noMerge);
      x = xMerged;
      size = sizeMerged;
      g.output(GRAPH_IO.map(l), g.op('Cast', [map], { to: { i: DataType.INT32 } }), DataType.INT32, ['batch', `tokens_in_${l}`]);
      g.output(GRAPH_IO.mergeScore(l), score, DataType.FLOAT, ['batch', `tokens_in_${l}`]);
      g.output(GRAPH_IO.mergeMargin(l), margin, DataType.FLOAT, ['batch', `tokens_in_${l}`]);

      // --- MLP on the merged tokens
      const h2 = layerNorm(x, n.ln2W, n.ln2B);
      const a = encoderLinear(h2, get(weights, n.fc1W), get(weights, n.fc1B), M, D);
      const gelu = g.op('Mul', [g.op('Mul', [a, g.op('Add', [g.op('Erf', [g.op('Div', [a, g.scalar(Math.SQRT2)])]), g.scalar(1)])]), g.scalar(0.5)]);
      x = g.op('Add', [x, encoderLinear(gelu, get(weights, n.fc2W), get(weights, n.fc2B), D, M)]);
    });
  }

  // Pool: mean of the cls and distillation tokens (positions 0 and 1 by construction), then the head.
  const xf = layerNorm(x, E.lnW, E.lnB);
  const pick = (i: number) => g.op('Gather', [xf, g.int64Scalar(i)], { axis: { i: 1 } });
  const pooled = g.op('Mul', [g.op('Add', [pick(0), pick(1)]), g.scalar(0.5)]);
  const headIn = layerNorm(pooled, E.headLnW, E.headLnB, spec.headLayerNormEps);
  const logits = linear(headIn, get(weights, E.headW), get(weights, E.headB), C, D);
  g.output(GRAPH_IO.logits, logits, DataType.FLOAT, ['batch', C]);
}

/** Tokens entering each layer and r applied per layer of a static schedule (clamped as the dynamic graph clamps). */
function staticLayers(spec: ModelSpec, s: StaticSchedule): { tokens: number[]; rApplied: number[] } {
  if (s.schedule.length !== spec.numLayers || s.schedule.some((r) => !Number.isInteger(r) || r < 0)) {
    throw new FastAstError('SCHEDULE_INVALID', `static schedule [${s.schedule.join(', ')}] must hold ${spec.numLayers} non-negative integers`);
  }
  return applySchedule(spec.numTokens, s.schedule, s.protectDistillation);
}

/** r for layer l: the scheduled value clamped to [0, ⌊(N − protected)/2⌋], as a [1] int64. */
function clampedR(g: GraphBuilder, run: RunConstants, N: string, l: number): string {
  const requested = g.op('Slice', [run.schedule, g.int64Tensor([l]), g.int64Tensor([l + 1])]);
  const rMax = g.op('Div', [g.op('Sub', [N, run.protectedCount]), g.int64Tensor([2])]);
  return g.op('Max', [g.op('Min', [requested, rMax]), g.int64Tensor([0])]);
}
