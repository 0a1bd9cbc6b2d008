/**
 * `npm run bench -- --only speed [--quick] [--rounds N] [--threads N] [--models base,tiny]`
 *
 * The speed levers stacked on top of ToMe (issue 13), each against a baseline from the same run:
 *  1. batched windows: ms per window at batch 1, 2, 4, 8, 16 (float32, r = 0);
 *  2. 8-bit weights: float32 vs int8 (DynamicQuantizeMatMul, the CPU default, whose engine runs
 *     a batch one window at a time, and MatMulNBits) at r = 0 and 64, at batch 1 and at the
 *     batch this run found fastest;
 *  3. the combination for AST-base: throughput at r = 64 + int8 + that batch ÷ float32 r = 0
 *     batch 1 (target ≥ 3×);
 *  4. for the bundled model, parallel sessions: 2 sessions × 1 thread (app/engine/engine-pool.ts)
 *     vs 1 session × 2 threads, at that batch.
 * Every configuration runs once per round and the rounds interleave them, so drift in the load
 * of a shared machine hits all alike; ratios are medians of per-round ratios, with their range.
 * Engines live in this process (one session each; only one computes at a time).
 */
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { median } from '../app/analysis/metrics.js';
import { defaultBatchSize } from '../app/analysis/run-windows.js';
import { featuresForFile } from '../app/audio/features.js';
import { windowCount, windowInput } from '../app/audio/windows.js';
import { loadCheckpoint } from '../app/checkpoint/load.js';
import { specFromConfigs, type ModelSpec } from '../app/checkpoint/spec.js';
import { randomWeights, type Weights } from '../app/checkpoint/weights.js';
import { enginePool } from '../app/engine/engine-pool.js';
import { createNodeEngine } from '../app/engine/node-engine.js';
import type { Engine } from '../app/engine/types.js';
import { buildTomeAstGraph, type GraphOptions } from '../app/graph/tome-ast.js';
import { constantSchedule } from '../app/tome/schedule.js';

type ModelKey = 'base' | 'tiny';
const TITLES: Record<ModelKey, string> = { base: 'AST-base size, random weights', tiny: 'bundled ast-tiny-esc10-cmkd' };
const FORMS: Record<string, GraphOptions> = {
  float32: { attention: 'mha' },
  'int8 dynamic': { attention: 'mha', weights: 'int8', int8Kernel: 'dynamic' },
  'int8 nbits': { attention: 'mha', weights: 'int8', int8Kernel: 'nbits' },
};
const TARGET_COMBINED = 3;

interface Config {
  form: string;
  r: number;
  batch: number;
}
const label = (c: Config) => `${c.form.padEnd(12)} r ${String(c.r).padStart(3)}  batch ${String(c.batch).padStart(2)}`;

async function loadModel(root: string, key: ModelKey): Promise<{ spec: ModelSpec; weights: Weights }> {
  if (key === 'tiny') return loadCheckpoint(join(root, 'models/ast-tiny-esc10-cmkd'));
  const path = join(root, 'test/fixtures/ast-base-config.json');
  const spec = specFromConfigs(JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>, null, path);
  return { spec, weights: randomWeights(spec) };
}

/** Real windows (the demo clips, cut and normalised as the app does) so that merges are realistic. */
async function demoWindows(root: string, spec: ModelSpec, count: number): Promise<Float32Array> {
  const per = spec.maxLength * spec.numMelBins;
  const out = new Float32Array(count * per);
  const clips = ['church_bells_inspectorj_371267', 'music_orchestra_brahms_hungarian_dance5', 'birds_inspectorj_339326', 'speech_male_librispeech_5703-47212-0000'];
  let n = 0;
  for (const clip of clips) {
    const f = await featuresForFile(join(root, 'data/demo', `${clip}.flac`), spec.features);
    for (let k = 0; k < windowCount(f.frames, spec.maxLength) && n < count; k++, n++) {
      out.set(windowInput(f.fbank, f.frames, f.numMelBins, k, spec.maxLength, spec.features), n * per);
    }
  }
  for (; n < count; n++) out.copyWithin(n * per, (n % clips.length) * per, (n % clips.length + 1) * per); // short clips: repeat
  return out;
}

/** Times `configs` in interleaved rounds; returns ms per window per config per round. */
async function timeRounds(engines: Record<string, Engine>, spec: ModelSpec, windows: Float32Array, configs: Config[], rounds: number): Promise<number[][]> {
  const per = spec.maxLength * spec.numMelBins;
  const run = (c: Config) =>
    engines[c.form].run(windows.subarray(0, c.batch * per), c.batch, { schedule: constantSchedule(c.r, spec.numLayers), propAttn: true, protectDistillation: true });
  for (const c of configs) await run(c); // warm-up: first run of each shape
  const ms: number[][] = configs.map(() => []);
  for (let round = 0; round < rounds; round++) {
    // Alternate the order each round so that no config always follows the same neighbour.
    const order = configs.map((_, i) => i);
    if (round % 2) order.reverse();
    for (const i of order) {
      const t0 = performance.now();
      await run(configs[i]);
      ms[i].push((performance.now() - t0) / configs[i].batch);
    }
  }
  return ms;
}

/** Median of per-round ratios a/b, with the smallest and largest. */
function pairedRatio(a: number[], b: number[]): string {
  const r = a.map((x, i) => x / b[i]);
  return `${median(r).toFixed(2)}× (${Math.min(...r).toFixed(2)}–${Math.max(...r).toFixed(2)})`;
}

const fmt = (xs: number[]) => `${median(xs).toFixed(1).padStart(8)} ms  [${xs.map((x) => x.toFixed(0)).join(' ')}]`;

export async function runSpeedBench(root: string, opts: { threads: number; quick: boolean; rounds?: number; models: ModelKey[]; log: (line: string) => void }): Promise<void> {
  const { log } = opts;
  for (const key of opts.models) {
    const rounds = opts.rounds ?? (key === 'base' ? (opts.quick ? 1 : 3) : opts.quick ? 3 : 7);
    const batches = key === 'base' && opts.quick ? [1, 2, 4, 8] : [1, 2, 4, 8, 16];
    log(`\n… ${TITLES[key]}: speed levers, ${opts.threads} threads, ${rounds} round(s), load average ${loadavg().map((x) => x.toFixed(1)).join(' ')}`);
    const model = await loadModel(root, key);
    const { spec } = model;
    const engines: Record<string, Engine> = {};
    for (const [name, graph] of Object.entries(FORMS)) engines[name] = await createNodeEngine(model, { providers: ['cpu'], threads: opts.threads, graph });
    // The parallel-sessions part opens two more sessions of the float32 graph, after the weights are gone.
    const float32Graph = key === 'tiny' ? buildTomeAstGraph(spec, model.weights, FORMS.float32) : undefined;
    model.weights.clear();
    const windows = await demoWindows(root, spec, Math.max(...batches));
    try {
      // 1. Batch sizes, float32 r = 0.
      const batchConfigs = batches.map((batch): Config => ({ form: 'float32', r: 0, batch }));
      const batchMs = await timeRounds(engines, spec, windows, batchConfigs, rounds);
      log('   ms per window against batch size (float32, r = 0; median [each round]; ratio = batch 1 ÷ batch B, per round):');
      batchConfigs.forEach((c, i) => log(`     batch ${String(c.batch).padStart(2)}: ${fmt(batchMs[i])}   ${i ? pairedRatio(batchMs[0], batchMs[i]) : 'baseline'}`));
      const best = batchMs.map((xs) => median(xs));
      const fastest = Math.min(...best);
      // The smallest batch within 5 % of the fastest: larger batches cost memory and cancel later.
      const chosen = batchConfigs[best.findIndex((m) => m <= fastest * 1.05)].batch;
      log(`     fastest within 5 %: batch ${chosen}; the code's default for this model on cpu: ${defaultBatchSize(spec, 'cpu')}`);

      // 2. and 3. Precision × r × batch.
      const configs: Config[] = [];
      // MatMulNBits only at batch 1: it lost there, and the rows at the chosen batch are the slow ones.
      for (const batch of [...new Set([1, chosen])]) for (const r of [0, 64]) for (const form of Object.keys(FORMS)) if (batch === 1 || form !== 'int8 nbits') configs.push({ form, r, batch });
      const ms = await timeRounds(engines, spec, windows, configs, rounds);
      const at = (form: string, r: number, batch: number) => ms[configs.findIndex((c) => c.form === form && c.r === r && c.batch === batch)];
      const base = at('float32', 0, 1);
      log('   float32 vs int8 (median ms per window [each round]; speed-up = float32 r = 0 batch 1 ÷ this, per round):');
      configs.forEach((c, i) => log(`     ${label(c)}: ${fmt(ms[i])}   ${pairedRatio(base, ms[i])}`));
      for (const r of [0, 64]) {
        log(`     int8 dynamic vs float32 at r = ${r}, batch 1: ${pairedRatio(at('float32', r, 1), at('int8 dynamic', r, 1))}; int8 nbits: ${pairedRatio(at('float32', r, 1), at('int8 nbits', r, 1))}`);
      }
      const stacked = at('int8 dynamic', 64, chosen);
      const met = median(base.map((x, i) => x / stacked[i])) >= TARGET_COMBINED ? 'met' : 'NOT met';
      log(`   combined: r = 64 + int8 (dynamic, the CPU default) + batch ${chosen} vs float32 r = 0 batch 1: throughput ${pairedRatio(base, stacked)}${key === 'base' ? ` (target ≥ ${TARGET_COMBINED}×: ${met})` : ''}`);

      // 4. Parallel sessions (tiny only: AST-base's MatMuls keep 2 threads busy anyway, and two copies cost 0.7 GB).
      if (key === 'tiny' && opts.threads === 2) {
        const single = await Promise.all([0, 1].map(() => createNodeEngine(model, { providers: ['cpu'], threads: 1, graphBytes: float32Graph })));
        engines['float32 2×1'] = enginePool(single);
        const pc: Config[] = [];
        for (const r of [0, 64]) for (const form of ['float32', 'float32 2×1']) pc.push({ form, r, batch: Math.max(2, chosen) });
        const pm = await timeRounds(engines, spec, windows, pc, rounds);
        log(`   parallel sessions, float32, batch ${pc[0].batch} (median ms per window [each round]; ratio = 1 session × 2 threads ÷ this, per round):`);
        pc.forEach((c, i) => log(`     ${c.form === 'float32' ? '1 session × 2 threads' : '2 sessions × 1 thread'}  r ${String(c.r).padStart(3)}: ${fmt(pm[i])}   ${pairedRatio(pm[i - (i % 2)], pm[i])}`));
      }
    } finally {
      for (const e of Object.values(engines)) await e.dispose();
    }
  }
}
