/**
 * The GPU timings of issue 13, driven by bench/gpu.sh (which picks the Vulkan adapter and says
 * whether it is a GPU): the ToMe-AST graph on onnxruntime-node's WebGPU EP, r = 0 / 64 / 100 at
 * the batch sizes asked for, per model; then PyTorch eager on the same GPU when torch sees one.
 *
 *   npx tsx bench/gpu.bench.ts --adapter "NVIDIA H200 (Vulkan)" [--software] [--models base,tiny]
 *       [--batches-base 1,32] [--batches-tiny 1,32] [--rounds 5] [--python /usr/bin/python3]
 *
 * --software marks every figure NOT GPU TIMES (SwiftShader, a CPU rasteriser behind Vulkan).
 * Each (model, batch) gets its own session run: one warm-up per r, then `rounds` rounds of every r
 * in turn (load drift hits all r alike); ms per window is the batch's median ÷ batch size.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { median } from '../app/analysis/metrics.js';
import { loadCheckpoint } from '../app/checkpoint/load.js';
import { specFromConfigs, type ModelSpec } from '../app/checkpoint/spec.js';
import { randomWeights, type Weights } from '../app/checkpoint/weights.js';
import { createNodeEngine } from '../app/engine/node-engine.js';
import { graphOptionsFor } from '../app/graph/tome-ast.js';
import { forwardFlops } from '../app/tome/flops.js';
import { applySchedule, constantSchedule } from '../app/tome/schedule.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const R_VALUES = [0, 64, 100];
const MODELS = {
  base: { title: 'AST-base size, random weights', config: 'test/fixtures/ast-base-config.json' },
  tiny: { title: 'bundled ast-tiny-esc10-cmkd', config: 'models/ast-tiny-esc10-cmkd/config.json' },
} as const;
type ModelKey = keyof typeof MODELS;

/** Why there is no fp16 row: said once per run, instead of a number that was never measured. */
const FP16_NOT_BUILT =
  'fp16: not built — app/graph emits float32 only (weights, activations, the merge metric); an fp16 form ' +
  '(fp16 weights, Cast at the input and logits, float32 LayerNorm and merge metric) is future work, so no ONNX fp16 row is timed';

interface Args {
  adapter: string;
  software: boolean;
  models: ModelKey[];
  batches: Record<ModelKey, number[]>;
  rounds: number;
  /** Untimed runs per r first (shaders compile per shape); SwiftShader runs use 0 to stay short. */
  warmup: number;
  python: string;
  /** Instead of running AST-base (SwiftShader: far too slow), estimate its time from the bundled model's rate. */
  estimateBase: boolean;
}

function parseArgs(argv: string[]): Args {
  const value = (f: string) => {
    const i = argv.indexOf(f);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const list = (f: string, dflt: string) => (value(f) ?? dflt).split(',').map(Number);
  const models = (value('--models') ?? 'base,tiny').split(',') as ModelKey[];
  if (models.some((m) => !(m in MODELS))) throw new Error('--models takes base, tiny or base,tiny');
  const args: Args = {
    adapter: value('--adapter') ?? 'unknown adapter',
    software: argv.includes('--software'),
    models,
    batches: { base: list('--batches-base', '1,32'), tiny: list('--batches-tiny', '1,32') },
    rounds: Number(value('--rounds') ?? 5),
    warmup: Number(value('--warmup') ?? 1),
    python: value('--python') ?? process.env.FASTAST_BENCH_PYTHON ?? '/usr/bin/python3',
    estimateBase: argv.includes('--estimate-base'),
  };
  if (![...args.batches.base, ...args.batches.tiny, args.rounds].every((n) => Number.isInteger(n) && n >= 1)) throw new Error('batches and --rounds must be positive integers');
  if (!Number.isInteger(args.warmup) || args.warmup < 0) throw new Error('--warmup must be a non-negative integer');
  return args;
}

async function loadModel(key: ModelKey): Promise<{ spec: ModelSpec; weights: Weights }> {
  const path = join(ROOT, MODELS[key].config);
  if (key === 'base') {
    const spec = specFromConfigs(JSON.parse(readFileSync(path, 'utf8')), null, path);
    return { spec, weights: randomWeights(spec) };
  }
  return loadCheckpoint(dirname(path));
}

/** Deterministic input with roughly the spread of normalised fbank values. */
function input(spec: ModelSpec, batch: number): Float32Array {
  return Float32Array.from({ length: batch * spec.maxLength * spec.numMelBins }, (_, i) => Math.sin(i * 0.37) + 0.3 * Math.cos(i * 0.011));
}

/** Times every r at each batch size; returns the r = 0 batch-1 ms per window and its FLOPs when measured (for --estimate-base). */
async function timeOnnx(key: ModelKey, a: Args, say: (line: string) => void): Promise<{ ms: number; flops: number } | null> {
  const model = await loadModel(key);
  const { spec } = model;
  const t0 = performance.now();
  const engine = await createNodeEngine(model, { providers: ['webgpu'], graph: graphOptionsFor('webgpu') });
  say(`   session on the ${engine.ep} EP (${a.adapter}) in ${Math.round(performance.now() - t0)} ms; float32, opset-17 attention`);
  const settings = (r: number) => ({ schedule: constantSchedule(r, spec.numLayers), propAttn: true, protectDistillation: true });
  const flops = (r: number) => forwardFlops(spec, applySchedule(spec.numTokens, constantSchedule(r, spec.numLayers), true)).total;
  // Progress on stderr: a SwiftShader window takes minutes on a busy machine.
  const progress = (what: string, t: number) => process.stderr.write(`   … ${key} ${what}: ${((performance.now() - t) / 1000).toFixed(1)} s\n`);
  let rate: { ms: number; flops: number } | null = null;
  try {
    for (const batch of a.batches[key]) {
      const x = input(spec, batch);
      const ms: Record<number, number[]> = Object.fromEntries(R_VALUES.map((r) => [r, []]));
      try {
        for (let i = 0; i < a.warmup; i++) {
          for (const r of R_VALUES) {
            const s = performance.now();
            await engine.run(x, batch, settings(r)); // warm-up: shaders compile per shape
            progress(`batch ${batch} r = ${r} warm-up`, s);
          }
        }
        for (let i = 0; i < a.rounds; i++) {
          for (const r of R_VALUES) {
            const s = performance.now();
            const res = await engine.run(x, batch, settings(r));
            if (!res.items.every((it) => it.logits.every(Number.isFinite))) throw new Error(`non-finite logits at r = ${r}`);
            ms[r].push(performance.now() - s);
            progress(`batch ${batch} r = ${r} round ${i + 1}`, s);
          }
        }
      } catch (e) {
        say(`   batch ${batch}: FAILED — ${(e as Error).message.split('\n')[0]}`);
        continue;
      }
      const m0 = median(ms[0]);
      if (batch === 1) rate = { ms: m0, flops: flops(0) };
      for (const r of R_VALUES) {
        const m = median(ms[r]);
        const speedup = m0 / m;
        say(
          `   batch ${String(batch).padStart(2)}  r = ${String(r).padStart(3)}: ${(m / batch).toFixed(1).padStart(8)} ms/window  ` +
            `(batch ${m.toFixed(0)} ms; speed-up ${speedup.toFixed(2)}×, FLOPs ratio ${(flops(0) / flops(r)).toFixed(2)}×; runs ${ms[r].map((v) => v.toFixed(0)).join(' ')})`,
        );
      }
    }
  } finally {
    await engine.dispose();
  }
  return rate;
}

/** PyTorch eager at r = 0 on the GPU torch sees (CUDA), fp32 and fp16; skipped with the reason otherwise. */
function timePytorch(key: ModelKey, a: Args, say: (line: string) => void): void {
  const probe = spawnSync(a.python, ['-c', 'import torch, json; print(json.dumps({"v": torch.__version__, "cuda": torch.cuda.is_available()}))'], { encoding: 'utf8' });
  if (probe.status !== 0) return say(`   PyTorch eager: not timed — torch is not importable by ${a.python}`);
  const { v, cuda } = JSON.parse(probe.stdout.trim().split('\n').pop()!) as { v: string; cuda: boolean };
  if (!cuda) return say(`   PyTorch ${v} eager: not timed — torch.cuda.is_available() is false (no GPU torch can use; a CPU figure would not be a peer here)`);
  for (const dtype of ['float32', 'float16']) {
    for (const batch of a.batches[key]) {
      const run = spawnSync(
        a.python,
        [join(ROOT, 'bench/pytorch_ast.py'), '--config', join(ROOT, MODELS[key].config), '--device', 'cuda', '--dtype', dtype, '--batch', String(batch), '--runs', String(a.rounds), '--warmup', '2'],
        { encoding: 'utf8' },
      );
      const out = run.stdout.trim().split('\n').pop() ?? '';
      try {
        const j = JSON.parse(out) as { ok: boolean; ms_per_window?: number; device?: string; error?: string };
        say(j.ok ? `   PyTorch ${v} eager ${dtype}, ${j.device}, batch ${batch}, r = 0: ${j.ms_per_window} ms/window` : `   PyTorch ${dtype} batch ${batch}: FAILED — ${j.error}`);
      } catch {
        say(`   PyTorch ${dtype} batch ${batch}: FAILED — ${(run.stderr || out).trim().split('\n').pop()}`);
      }
    }
  }
}

async function main(): Promise<void> {
  const a = parseArgs(process.argv.slice(2));
  const mark = a.software ? '  ** NOT GPU TIMES (SwiftShader) **' : '';
  const say = (line: string) => process.stdout.write(line + mark + '\n');
  const warm = a.warmup ? `after ${a.warmup} warm-up run(s) per r` : 'no warm-up (the first run of each r includes compiling its shaders)';
  say(`GPU bench — adapter: ${a.adapter}; onnxruntime-node ${ortVersion()}, WebGPU EP; ${a.rounds} round(s) per batch, ${warm}`);
  if (a.software) say('NOT GPU TIMES (SwiftShader): no GPU adapter was found, so these are a CPU rasteriser\'s times, good only to show the script and the WebGPU path work');
  say(FP16_NOT_BUILT);
  let rate: { ms: number; flops: number } | null = null;
  for (const key of a.models) {
    say(`\n── ${MODELS[key].title}: batch ${a.batches[key].join(', ')}, r = ${R_VALUES.join(' / ')}`);
    try {
      rate = (await timeOnnx(key, a, say)) ?? rate;
    } catch (e) {
      say(`   onnxruntime WebGPU: FAILED — ${(e as Error).message.split('\n')[0]}`);
      process.exitCode = 1;
    }
    timePytorch(key, a, say);
  }
  if (a.estimateBase) {
    const base = await loadBaseSpec();
    const gflops = forwardFlops(base, applySchedule(base.numTokens, constantSchedule(0, base.numLayers), true)).total / 1e9;
    const est = rate ? ` at the rate just measured (${((rate.flops / 1e9 / rate.ms) * 1000).toPrecision(2)} GFLOP/s) one window would take ~${((gflops / (rate.flops / 1e9)) * rate.ms / 60_000).toFixed(0)} min` : '';
    say(`\n── ${MODELS.base.title}: not run on SwiftShader — ${gflops.toFixed(0)} GFLOPs per window at r = 0;${est}; SWIFTSHADER_BASE=1 bench/gpu.sh runs it (batch 1, one round)`);
  }
}

async function loadBaseSpec(): Promise<ModelSpec> {
  const path = join(ROOT, MODELS.base.config);
  return specFromConfigs(JSON.parse(readFileSync(path, 'utf8')), null, path);
}

function ortVersion(): string {
  const p = join(ROOT, 'node_modules/onnxruntime-node/package.json');
  return existsSync(p) ? (JSON.parse(readFileSync(p, 'utf8')) as { version: string }).version : 'unknown';
}

main().then(
  () => process.exit(),
  (e) => {
    process.stderr.write(`gpu bench: ${(e as Error).stack ?? String(e)}\n`);
    process.exit(1);
  },
);
