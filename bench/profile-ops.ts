/**
 * Where the time of one window goes, per ONNX op type, at several r: onnxruntime's own profiler
 * (enableProfiling) on the same graph and session options as app/engine/node-engine.ts.
 * Used by `npm run bench -- --profile [--int8]` (--int8: the CPU's int8 graph); shows what the merge costs (TopK, ScatterElements,
 * ScatterND, the A×B similarity MatMul …) next to attention and the MLP, and how many kernels a
 * window runs, for the app's graph and for graphs with the schedule baked in (`--static`).
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import type { ModelSpec } from '../app/checkpoint/spec.js';
import type { Weights } from '../app/checkpoint/weights.js';
import { makeFeeds, outputNames } from '../app/engine/graph-io.js';
import { sessionOptions } from '../app/engine/node-engine.js';
import { buildTomeAstGraph, graphOptionsFor, type WeightsPrecision } from '../app/graph/tome-ast.js';
import { constantSchedule } from '../app/tome/schedule.js';

/** Op types that exist only for the merge (the graph's transformer part never uses them). */
const MERGE_OPS = new Set([
  'TopK', 'GreaterOrEqual', 'ScatterElements', 'ScatterND', 'GatherElements', 'ReduceMin', 'ArgMax', 'ReduceMax', 'ReduceSum', 'ReduceMean', 'ReduceSumSquare', 'CumSum', 'Greater', 'Less',
  'Equal', 'And', 'Or', 'Not', 'Where', 'Pad', 'Range', 'Sqrt', 'Max', 'Min', 'Cast', 'Slice', 'ConstantOfShape',
  'Expand', 'Concat', 'Gather', 'Shape', 'Unsqueeze', 'Log', 'Identity', 'Div',
]);

export interface OpRow {
  op: string;
  /** ms per window, by r. */
  ms: Record<number, number>;
  /** Kernels run per window, by r. */
  calls: Record<number, number>;
}

export interface ProfileResult {
  model: string;
  form: GraphForm;
  threads: number;
  rValues: number[];
  /** Total node time per window by r (ms), and the share in merge-only op types. */
  totalMs: Record<number, number>;
  /** Kernels run per window, by r (every node onnxruntime executes, inside If branches too). */
  kernels: Record<number, number>;
  mergeOpsMs: Record<number, number>;
  /** Similarity MatMul (A×Bᵀ, two activations) — part of the merge, separated from the linear layers. */
  similarityMatMulMs: Record<number, number>;
  wallMs: Record<number, number>;
  ops: OpRow[];
}

interface TraceEvent {
  cat: string;
  name: string;
  ts: number;
  dur: number;
  args?: { op_name?: string; input_type_shape?: Array<Record<string, number[]>> };
}

/** 'dynamic': one graph for every r (the app's); 'static': a graph per r with its schedule baked in (GraphOptions.staticSchedule). */
export type GraphForm = 'dynamic' | 'static';

export async function profileOps(model: { spec: ModelSpec; weights: Weights; id: string }, threads: number, rValues: number[], runs: number, form: GraphForm = 'dynamic', precision: WeightsPrecision = 'float32'): Promise<ProfileResult> {
  const { spec } = model;
  const settings = (r: number) => ({ schedule: constantSchedule(r, spec.numLayers), protectDistillation: true });
  const graph = graphOptionsFor('cpu', precision);
  const parts: SessionProfile[] = [];
  if (form === 'dynamic') parts.push(await profileSession(spec, buildTomeAstGraph(spec, model.weights, graph), threads, rValues, runs));
  // One session at a time: sessions timed side by side would share the cores.
  else for (const r of rValues) parts.push(await profileSession(spec, buildTomeAstGraph(spec, model.weights, { ...graph, staticSchedule: settings(r) }), threads, [r], runs));
  const byOp = new Map<string, OpRow>();
  const total: Record<number, number> = {};
  const mergeMs: Record<number, number> = {};
  const simMs: Record<number, number> = {};
  const kernels: Record<number, number> = {};
  const wall: Record<number, number> = {};
  for (const part of parts) {
    for (const { r, op, ms, similarity } of part.kernels) {
      const row = byOp.get(op) ?? { op, ms: {}, calls: {} };
      row.ms[r] = (row.ms[r] ?? 0) + ms / runs;
      row.calls[r] = (row.calls[r] ?? 0) + 1 / runs;
      byOp.set(op, row);
      total[r] = (total[r] ?? 0) + ms / runs;
      kernels[r] = (kernels[r] ?? 0) + 1 / runs;
      if (MERGE_OPS.has(op)) mergeMs[r] = (mergeMs[r] ?? 0) + ms / runs;
      if (similarity) simMs[r] = (simMs[r] ?? 0) + ms / runs;
    }
    Object.assign(wall, part.wallMs);
  }
  return {
    model: model.id,
    form,
    threads,
    rValues,
    totalMs: total,
    kernels: Object.fromEntries(rValues.map((r) => [r, Math.round(kernels[r] ?? 0)])),
    mergeOpsMs: mergeMs,
    similarityMatMulMs: simMs,
    wallMs: wall,
    ops: [...byOp.values()].sort((a, b) => (b.ms[rValues[0]] ?? 0) - (a.ms[rValues[0]] ?? 0)),
  };
}

interface SessionProfile {
  /** Every kernel of the timed runs: its r, op type, ms and whether it is the similarity MatMul. */
  kernels: Array<{ r: number; op: string; ms: number; similarity: boolean }>;
  /** Median session.run wall time per r. */
  wallMs: Record<number, number>;
}

/** Profiles one session: a warm-up per r, then `runs` rounds over `rs`; kernels are attributed to the run they fall in. */
async function profileSession(spec: ModelSpec, bytes: Uint8Array, threads: number, rs: number[], runs: number): Promise<SessionProfile> {
  const dir = mkdtempSync(join(tmpdir(), 'fastast-prof-'));
  const session = await ort.InferenceSession.create(bytes, { ...sessionOptions('cpu', threads), enableProfiling: true, profileFilePrefix: join(dir, 'ort') });
  const input = new Float32Array(spec.maxLength * spec.numMelBins).map((_, i) => Math.sin(i * 0.37));
  const tensor = (type: 'float32' | 'int64', data: Float32Array | BigInt64Array, dims: number[]) => new ort.Tensor(type, data, dims);
  const names = outputNames(spec);
  // Run order: all warm-ups, then `runs` rounds; remember which model_run belongs to which r.
  const order: Array<{ r: number; timed: boolean }> = [];
  const wall: Record<number, number[]> = {};
  for (const r of rs) order.push({ r, timed: false });
  for (let i = 0; i < runs; i++) for (const r of rs) order.push({ r, timed: true });
  for (const { r, timed } of order) {
    const feeds = makeFeeds(spec, input, 1, { schedule: constantSchedule(r, spec.numLayers), propAttn: true, protectDistillation: true }, tensor) as Record<string, ort.Tensor>;
    const t0 = performance.now();
    await session.run(feeds, names);
    if (timed) (wall[r] ??= []).push(performance.now() - t0);
  }
  session.endProfiling();
  await session.release();
  const file = readdirSync(dir).find((f) => f.endsWith('.json'));
  if (!file) throw new Error(`onnxruntime wrote no profile into ${dir}`);
  const events = JSON.parse(readFileSync(join(dir, file), 'utf8')) as TraceEvent[];
  rmSync(dir, { recursive: true, force: true });

  const runsEv = events.filter((e) => e.cat === 'Session' && e.name === 'model_run').sort((a, b) => a.ts - b.ts);
  if (runsEv.length !== order.length) throw new Error(`profile has ${runsEv.length} model_run events, expected ${order.length}`);
  const nodes = events.filter((e) => e.cat === 'Node' && e.name.endsWith('_kernel_time')).sort((a, b) => a.ts - b.ts);
  const kernels: SessionProfile['kernels'] = [];
  let ri = 0;
  for (const ev of nodes) {
    while (ri < runsEv.length && ev.ts > runsEv[ri].ts + runsEv[ri].dur) ri++;
    const run = order[ri];
    if (!run || !run.timed) continue;
    const op = ev.args?.op_name ?? '?';
    kernels.push({ r: run.r, op, ms: ev.dur / 1000, similarity: (op === 'MatMul' || op === 'FusedMatMul') && isSimilarityMatMul(ev) });
  }
  const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
  return { kernels, wallMs: Object.fromEntries(rs.map((r) => [r, med(wall[r])])) };
}

/**
 * A×Bᵀ of the merge: both operands 3-D activations of the same batch ([B, NA, dh] × [B, dh, NB],
 * or [B, NB, dh] with the transpose fused into FusedMatMul); the linear layers have a 2-D weight.
 */
function isSimilarityMatMul(ev: TraceEvent): boolean {
  const shapes = ev.args?.input_type_shape?.map((s) => Object.values(s)[0]);
  return !!shapes && shapes.length === 2 && shapes[0].length === 3 && shapes[1].length === 3 && shapes[1][0] === shapes[0][0];
}
