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
 *  4. parallel layouts (with --threads 2): 2 processes × 1 thread vs 1 session × 2 threads on
 *     the same windows (bench/parallel-child.ts), and the layout that wins.
 * After it, bench/engine.bench.ts prints int8's cost in fidelity (bench/int8-fidelity.ts).
 * Every configuration runs once per round and the rounds interleave them, so drift in the load
 * of a shared machine hits all alike; ratios are medians of per-round ratios, with their range.
 * Engines live in this process (one session each; only one computes at a time), except part 4's
 * workers.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { median } from '../app/analysis/metrics.js';
import { defaultBatchSize } from '../app/analysis/run-windows.js';
import { featuresForFile } from '../app/audio/features.js';
import { windowCount, windowInput } from '../app/audio/windows.js';
import { loadCheckpoint } from '../app/checkpoint/load.js';
import { specFromConfigs, type ModelSpec } from '../app/checkpoint/spec.js';
import { randomWeights, type Weights } from '../app/checkpoint/weights.js';
import { createNodeEngine } from '../app/engine/node-engine.js';
import type { Engine } from '../app/engine/types.js';
import type { GraphOptions } from '../app/graph/tome-ast.js';
import { constantSchedule } from '../app/tome/schedule.js';

export type ModelKey = 'base' | 'tiny';
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

export async function loadModel(root: string, key: ModelKey): Promise<{ spec: ModelSpec; weights: Weights }> {
  if (key === 'tiny') return loadCheckpoint(join(root, 'models/ast-tiny-esc10-cmkd'));
  const path = join(root, 'test/fixtures/ast-base-config.json');
  const spec = specFromConfigs(JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>, null, path);
  return { spec, weights: randomWeights(spec) };
}

/** Real windows (the demo clips, cut and normalised as the app does) so that merges are realistic. */
export async function demoWindows(root: string, spec: ModelSpec, count: number): Promise<Float32Array> {
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

      // 4. Parallel layouts on 2 threads, as processes (parallel-child.ts says why not sessions).
      if (opts.threads === 2) {
        const total = key === 'base' ? 4 : 16;
        const batch = Math.min(chosen, total / 2);
        const layouts = [{ name: '1 session × 2 threads', workers: 1, threads: 2 }, { name: '2 processes × 1 thread', workers: 2, threads: 1 }];
        const lm: number[][][] = layouts.map(() => [[], []]); // [layout][r index][round] ms per window
        for (let round = 0; round < rounds; round++) {
          for (const i of round % 2 ? [1, 0] : [0, 1]) {
            const ms = await timeLayout(key, layouts[i].workers, layouts[i].threads, total / layouts[i].workers, batch);
            [0, 64].forEach((r, j) => lm[i][j].push(ms[r] / total));
          }
        }
        log(`   parallel layouts, float32, ${total} windows at batch ${batch} (median ms per window [each round]; ratio = 1 session × 2 threads ÷ this, per round):`);
        [0, 64].forEach((r, j) => layouts.forEach((l, i) => log(`     ${l.name.padEnd(22)} r ${String(r).padStart(3)}: ${fmt(lm[i][j])}   ${pairedRatio(lm[0][j], lm[i][j])}`)));
        const wins = [0, 1].every((j) => median(lm[0][j].map((x, k) => x / lm[1][j][k])) > 1.05);
        log(`     chosen layout: ${wins ? '2 × 1 thread (eval --sessions 2 --threads 1; worker threads, app/engine/worker-engine.ts)' : '1 session × 2 threads (the default)'}`);
      }
    } finally {
      for (const e of Object.values(engines)) await e.dispose();
    }
  }
}

/** Runs `workers` processes of parallel-child.ts at once, each on `each` windows; wall ms of the slowest per r. */
async function timeLayout(key: ModelKey, workers: number, threads: number, each: number, batch: number): Promise<Record<number, number>> {
  const script = fileURLToPath(new URL('./parallel-child.ts', import.meta.url));
  const children = Array.from({ length: workers }, () => spawn(process.execPath, [...process.execArgv, script, key, String(threads), String(each), String(batch), '0,64'], { stdio: ['pipe', 'pipe', 'pipe'] }));
  const outputs = children.map((c) => {
    let out = '';
    let err = '';
    c.stderr.on('data', (d) => (err += d));
    // A worker that dies while loading rejects 'ready' (once ready, the later close changes nothing).
    const ready = new Promise<void>((resolveReady, rejectReady) => {
      c.stdout.on('data', (d) => ((out += d), out.includes('ready\n') && resolveReady()));
      c.on('close', (code) => rejectReady(new Error(`parallel-child exited ${code} before it was ready: ${err.trim().split('\n').slice(-2).join(' | ')}`)));
    });
    const done = new Promise<Record<number, number>>((resolveDone, reject) =>
      c.on('close', (code) => (code === 0 ? resolveDone((JSON.parse(out.trim().split('\n').pop()!) as { ms: Record<number, number> }).ms) : reject(new Error(`parallel-child exited ${code}: ${err.trim().split('\n').slice(-2).join(' | ')}`)))),
    );
    return { ready, done };
  });
  await Promise.all(outputs.map((o) => o.ready));
  for (const c of children) c.stdin.write('go\n');
  const all = await Promise.all(outputs.map((o) => o.done));
  return Object.fromEntries([0, 64].map((r) => [r, Math.max(...all.map((ms) => ms[r]))]));
}
