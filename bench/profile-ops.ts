/**
 * Where the time of one window goes, per ONNX op type, at several r: onnxruntime's own profiler
 * (enableProfiling) on the same graph and session options as app/engine/node-engine.ts.
 * Used by `npm run bench -- --profile`; shows what the merge costs (TopK, ScatterElements,
 * ScatterND, the A×B similarity MatMul …) next to attention and the MLP.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import type { ModelSpec } from '../app/checkpoint/spec.js';
import type { Weights } from '../app/checkpoint/weights.js';
import { makeFeeds, outputNames } from '../app/engine/graph-io.js';
import { buildTomeAstGraph } from '../app/graph/tome-ast.js';
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
  calls: number;
}

export interface ProfileResult {
  model: string;
  threads: number;
  rValues: number[];
  /** Total node time per window by r (ms), and the share in merge-only op types. */
  totalMs: Record<number, number>;
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

export async function profileOps(model: { spec: ModelSpec; weights: Weights; id: string }, threads: number, rValues: number[], runs: number): Promise<ProfileResult> {
  const { spec } = model;
  const dir = mkdtempSync(join(tmpdir(), 'fastast-prof-'));
  const bytes = buildTomeAstGraph(spec, model.weights);
  const session = await ort.InferenceSession.create(bytes, {
    executionProviders: ['cpu'],
    graphOptimizationLevel: 'all',
    interOpNumThreads: 1,
    intraOpNumThreads: threads,
    executionMode: 'sequential',
    enableProfiling: true,
    profileFilePrefix: join(dir, 'ort'),
  });
  const input = new Float32Array(spec.maxLength * spec.numMelBins).map((_, i) => Math.sin(i * 0.37));
  const tensor = (type: 'float32' | 'int64', data: Float32Array | BigInt64Array, dims: number[]) => new ort.Tensor(type, data, dims);
  const names = outputNames(spec);
  // Run order: all warm-ups, then `runs` rounds; remember which model_run belongs to which r.
  const order: Array<{ r: number; timed: boolean }> = [];
  const wall: Record<number, number[]> = {};
  for (const r of rValues) order.push({ r, timed: false });
  for (let i = 0; i < runs; i++) for (const r of rValues) order.push({ r, timed: true });
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
  const byOp = new Map<string, OpRow>();
  const total: Record<number, number> = {};
  const mergeMs: Record<number, number> = {};
  const simMs: Record<number, number> = {};
  let ri = 0;
  for (const ev of nodes) {
    while (ri < runsEv.length && ev.ts > runsEv[ri].ts + runsEv[ri].dur) ri++;
    const run = order[ri];
    if (!run || !run.timed) continue;
    const op = ev.args?.op_name ?? '?';
    const ms = ev.dur / 1000 / runs;
    const row = byOp.get(op) ?? { op, ms: {}, calls: 0 };
    row.ms[run.r] = (row.ms[run.r] ?? 0) + ms;
    if (run.r === rValues[0]) row.calls += 1 / runs;
    byOp.set(op, row);
    total[run.r] = (total[run.r] ?? 0) + ms;
    if (MERGE_OPS.has(op)) mergeMs[run.r] = (mergeMs[run.r] ?? 0) + ms;
    if ((op === 'MatMul' || op === 'FusedMatMul') && isSimilarityMatMul(ev)) simMs[run.r] = (simMs[run.r] ?? 0) + ms;
  }
  const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
  return {
    model: model.id,
    threads,
    rValues,
    totalMs: total,
    mergeOpsMs: mergeMs,
    similarityMatMulMs: simMs,
    wallMs: Object.fromEntries(rValues.map((r) => [r, med(wall[r])])),
    ops: [...byOp.values()].sort((a, b) => (b.ms[rValues[0]] ?? 0) - (a.ms[rValues[0]] ?? 0)),
  };
}

/**
 * A×Bᵀ of the merge: both operands 3-D activations of the same batch ([B, NA, dh] × [B, dh, NB],
 * or [B, NB, dh] with the transpose fused into FusedMatMul); the linear layers have a 2-D weight.
 */
function isSimilarityMatMul(ev: TraceEvent): boolean {
  const shapes = ev.args?.input_type_shape?.map((s) => Object.values(s)[0]);
  return !!shapes && shapes.length === 2 && shapes[0].length === 3 && shapes[1].length === 3 && shapes[1][0] === shapes[0][0];
}
