/**
 * `npm run bench [-- --quick] [-- --json] [-- --threads N] [-- --only base|tiny] …` (see --help)
 *
 * Speed of the ToMe-AST engine (onnxruntime-node, CPU EP) on one window, for
 *   (a) an AST-base-sized model with random weights (test/fixtures/ast-base-config.json), and
 *   (b) the bundled model models/ast-tiny-esc10-cmkd,
 * at constant r = 0, 8, 16, 32, 64, 100: ms per window (a warm-up, then the median of several
 * runs), speed-up against r = 0 from the same run, the FLOPs ratio (app/tome/flops.ts), their
 * quotient (target ≥ 0.90 at r = 64), tokens after the last layer, peak RSS; a PyTorch eager
 * baseline (bench/pytorch_ast.py) at r = 0 on the same CPU with the same thread count (target: ORT
 * r = 0 ≥ 1.25× faster, aim 1.5×); and the Kaldi fbank as × real time on 60 s of audio.
 *
 * The machine is shared, so load changes during a run. To keep the comparisons fair, each model's
 * onnxruntime session and PyTorch baselines live in their own child processes, started once and
 * driven one window at a time by this process: each round runs every r once on onnxruntime, then
 * one PyTorch window per thread split. Load drift therefore hits all r values and both engines
 * alike. Only one child computes at any moment (a short pause at each switch lets the idle one's
 * spinning threads go to sleep), and each child's peak RSS is its own.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { median } from '../app/analysis/metrics.js';
import { loadCheckpoint } from '../app/checkpoint/load.js';
import { specFromConfigs, type ModelSpec } from '../app/checkpoint/spec.js';
import { randomWeights, type Weights } from '../app/checkpoint/weights.js';
import { forwardFlops } from '../app/tome/flops.js';
import { applySchedule, constantSchedule } from '../app/tome/schedule.js';
import { childBuildStart, printBuildBench, runBuildBench, type BuildBenchResult } from './build.bench.js';
import type { Engine } from '../app/engine/types.js';
import type { LongCase } from './long.bench.js';
import type { ProfileResult } from './profile-ops.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(HERE, '..');
const R_VALUES = [0, 8, 16, 32, 64, 100];
const PROFILE_R = [0, 16, 64, 100];
const TARGET_EFFICIENCY = 0.9;
const TARGET_VS_PYTORCH = 1.25;
const AIM_VS_PYTORCH = 1.5;
const FBANK_SECONDS = 60;
/** Pause when the computing child changes, so that the idle one's spinning threads sleep (OpenBLAS spins ~0.1 s). */
const SWITCH_PAUSE_MS = 200;
/** Debian's python3-torch lives under /usr/bin/python3 (not a pyenv/venv python); override with FASTAST_BENCH_PYTHON. */
const PYTHON = process.env.FASTAST_BENCH_PYTHON ?? '/usr/bin/python3';
/** Set on these machines for other tools; OpenBLAS picks its own (faster) kernels without them. */
const OPENBLAS_ENV_UNSET = ['OPENBLAS_CORETYPE', 'OPENBLAS_L2_SIZE'];
/**
 * glibc tunable for the PyTorch child: large allocations get transparent huge pages. Eager PyTorch
 * allocates a fresh tensor per op (70 MB for each 12×1214×1214 attention tensor); glibc mmaps
 * those and on these VMs first-touching 4 KiB pages costs ~15 µs each, which made PyTorch 3–6×
 * slower than its arithmetic (AST-base: 8.2 s instead of ~2.4 s per window). onnxruntime's arena
 * reuses its memory after the warm-up, so only the baseline needs this to be a fair peer.
 * --pytorch-plain-malloc leaves it out.
 */
const PYTORCH_GLIBC_TUNABLES = 'glibc.malloc.hugetlb=1';
const INSTALL_HINT =
  'sudo apt-get update && sudo apt-get install -y python3-torch python3-torchaudio libopenblas0-pthread python3-threadpoolctl';

type ModelKey = 'base' | 'tiny';
/** Sections `--only` can pick: a model's speed, or `build` (AST-base checkpoint → engine: cold build, cached start, peak RSS; bench/build.bench.ts). */
type Section = ModelKey | 'build' | 'speed' | 'long';
const MODELS: Record<ModelKey, { title: string; source: string; config: string }> = {
  tiny: { title: 'bundled ast-tiny-esc10-cmkd', source: 'models/ast-tiny-esc10-cmkd', config: 'models/ast-tiny-esc10-cmkd/config.json' },
  base: { title: 'AST-base size, random weights', source: 'test/fixtures/ast-base-config.json', config: 'test/fixtures/ast-base-config.json' },
};

// ───────────────────────────── options ─────────────────────────────

interface Options {
  quick: boolean;
  json: boolean;
  threads: number;
  pytorch: boolean;
  /** Also time PyTorch with torch.set_num_threads(1) and OpenBLAS at `threads`. */
  pytorchOtherSplit: boolean;
  /** Run PyTorch without PYTORCH_GLIBC_TUNABLES. */
  pytorchPlainMalloc: boolean;
  fbank: boolean;
  profile: boolean;
  /** --profile --int8: profile the CPU's int8 graph. */
  int8: boolean;
  /** Also time the same graph with a free stand-in merge (bench/oracle-merge.ts). */
  oracle: boolean;
  /** Models also timed with static graphs (one per r, the schedule baked in: GraphOptions.staticSchedule). */
  staticModels: ModelKey[];
  /** --profile: profile the static graphs too. */
  staticForm: boolean;
  /** Seconds to wait at most for a quiet machine before each model (0 = don't wait). */
  waitQuiet: number;
  only: ModelKey[];
  /** Run the build section (cold build, cached start, peak RSS). */
  build: boolean;
  /** Run the speed-levers section (batch, int8, combined; bench/speed.bench.ts) for these models. */
  speed: ModelKey[];
  /** Run the long-files section (1 h and 3 h files, a folder of 500; bench/long.bench.ts). */
  long: boolean;
  /** --runs, when given: rounds of the speed section too. */
  speedRounds?: number;
  /** Rounds per model: each round times every r once on onnxruntime and one PyTorch window per split. */
  runs: Record<ModelKey, number>;
}

function parseArgs(argv: string[]): Options {
  const has = (f: string) => argv.includes(f) || argv.some((a) => a.startsWith(`${f}=`));
  const value = (f: string): string | undefined => {
    const eq = argv.find((a) => a.startsWith(`${f}=`));
    if (eq) return eq.slice(f.length + 1);
    const i = argv.indexOf(f);
    return i >= 0 && argv[i + 1] !== undefined && !argv[i + 1].startsWith('--') ? argv[i + 1] : undefined;
  };
  if (has('--help') || has('-h')) {
    process.stdout.write(
      [
        'npm run bench [-- options]',
        '  --quick             fewer runs (about a minute on 2 idle cores): base 1 round, tiny 3; one PyTorch thread split',
        '  --json              one JSON object on stdout (the human-readable report goes to stderr); use npm run -s to keep npm\'s banner out',
        '  --threads N         onnxruntime intra-op threads = torch.set_num_threads = OpenBLAS threads (default: all cores)',
        '  --runs N            rounds per model (default base 5, tiny 15): every r once on ORT + one PyTorch window per split',
        '  --only base|tiny|build|speed|long  one section only (build: AST-base checkpoint → engine, cold build vs cached start, peak RSS;',
        '                      speed: batch sizes, float32 vs int8, the combined figure; bench/speed.bench.ts;',
        '                      long: 1 h and 3 h files and a folder of 500 through the host, overhead share and peak RSS; bench/long.bench.ts)',
        '  --speed-models M    models of the speed section: base,tiny (default both)',
        '  --no-pytorch        skip the PyTorch baseline',
        '  --no-pytorch-split  skip the second PyTorch thread split (torch.set_num_threads(1), OpenBLAS N threads)',
        `  --pytorch-plain-malloc  run PyTorch without GLIBC_TUNABLES=${PYTORCH_GLIBC_TUNABLES} (huge pages for its large tensors)`,
        '  --no-fbank          skip the fbank timing',
        '  --no-oracle         skip the free-merge oracle (same token counts, no matching) that isolates what merging costs',
        '  --static M          models also timed with static graphs, one per r with the schedule baked in (default tiny; base,tiny or none)',
        '  --wait-quiet[=S]    before each model, wait up to S s (default 600) until other processes use < 0.3 cores',
        '  --profile           instead of the bench: onnxruntime profile per op type at r = 0, 16, 64, 100 (with --static: static graphs too; with --int8: the int8 graph)',
        '',
      ].join('\n'),
    );
    process.exit(0);
  }
  const quick = has('--quick');
  const threads = Number(value('--threads') ?? availableParallelism());
  if (!Number.isInteger(threads) || threads < 1) usage('--threads must be a positive integer');
  const runsArg = value('--runs');
  const runsN = runsArg === undefined ? undefined : Number(runsArg);
  if (runsN !== undefined && (!Number.isInteger(runsN) || runsN < 1)) usage('--runs must be a positive integer');
  const onlyArg = value('--only');
  if (has('--only') && !['base', 'tiny', 'build', 'speed', 'long'].includes(onlyArg ?? '')) usage('--only takes base, tiny, build, speed or long');
  const speedModels = (value('--speed-models') ?? 'base,tiny').split(',') as ModelKey[];
  if (speedModels.some((m) => m !== 'base' && m !== 'tiny')) usage('--speed-models takes base, tiny or base,tiny');
  const staticArg = value('--static') ?? 'tiny';
  const staticModels = staticArg === 'none' ? [] : (staticArg.split(',') as ModelKey[]);
  if (staticModels.some((m) => m !== 'base' && m !== 'tiny')) usage('--static takes base, tiny, base,tiny or none');
  const waitArg = value('--wait-quiet');
  const waitQuiet = has('--wait-quiet') ? Number(waitArg ?? 600) : 0;
  if (!Number.isFinite(waitQuiet) || waitQuiet < 0) usage('--wait-quiet takes a number of seconds');
  return {
    quick,
    json: has('--json'),
    threads,
    pytorch: !has('--no-pytorch'),
    pytorchOtherSplit: !quick && !has('--no-pytorch-split') && threads > 1,
    pytorchPlainMalloc: has('--pytorch-plain-malloc'),
    fbank: !has('--no-fbank'),
    profile: has('--profile'),
    int8: has('--int8'),
    oracle: !has('--no-oracle'),
    staticModels,
    staticForm: has('--static') && staticArg !== 'none',
    waitQuiet,
    only: onlyArg === 'build' || onlyArg === 'speed' || onlyArg === 'long' ? [] : onlyArg ? [onlyArg as ModelKey] : ['tiny', 'base'],
    speed: !onlyArg || onlyArg === 'speed' ? speedModels : [],
    build: !onlyArg || (onlyArg as Section) === 'build',
    long: !onlyArg || (onlyArg as Section) === 'long',
    runs: { base: runsN ?? (quick ? 1 : 5), tiny: runsN ?? (quick ? 3 : 15) },
    speedRounds: runsN,
  };
}

function usage(msg: string): never {
  process.stderr.write(`bench: ${msg} (see npm run bench -- --help)\n`);
  process.exit(2);
}

// ───────────────────────────── helpers ─────────────────────────────

const round = (x: number, d = 1) => Math.round(x * 10 ** d) / 10 ** d;
const mb = (kb: number) => round(kb / 1024, 0);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Deterministic values with roughly the spread of normalised fbank input. */
function syntheticInput(n: number, seed = 7): Float32Array {
  const out = new Float32Array(n);
  let s = seed;
  for (let i = 0; i < n; i++) {
    s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0;
    out[i] = (s / 4294967296 - 0.5) * 2;
  }
  return out;
}

async function loadModel(key: ModelKey): Promise<{ spec: ModelSpec; weights: Weights; id: string }> {
  const src = join(ROOT, MODELS[key].source);
  if (key === 'base') {
    const spec = specFromConfigs(JSON.parse(readFileSync(src, 'utf8')), null, src);
    return { spec, weights: randomWeights(spec), id: 'ast-base (random)' };
  }
  const ck = await loadCheckpoint(src);
  return { spec: ck.spec, weights: ck.weights, id: ck.id };
}

/**
 * CPU time (s) of the whole machine (busy, all cores) and of this process with its reaped and
 * live children, from /proc (Linux); the difference over a phase is what other processes took.
 */
interface CpuSnap {
  t: number;
  machineBusyS: number;
  ownS: number;
}

function procCpuS(pid: number | 'self'): number {
  try {
    const st = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = st.slice(st.lastIndexOf(')') + 2).split(' ').slice(11, 15).map(Number); // utime stime cutime cstime
    return f.reduce((a, b) => a + b, 0) / 100;
  } catch {
    return 0;
  }
}

function cpuSnap(livePids: number[] = []): CpuSnap | null {
  try {
    const f = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
    const busy = f.reduce((a, b) => a + b, 0) - f[3] - (f[4] ?? 0) - (f[8] ?? 0) - (f[9] ?? 0); // − idle, iowait; guest is inside user
    const own = procCpuS('self') + livePids.reduce((a, p) => a + procCpuS(p), 0);
    return { t: performance.now(), machineBusyS: busy / 100, ownS: own };
  } catch {
    return null;
  }
}

/** Cores' worth of CPU that other processes used between two snapshots (0 = the machine was ours). */
function othersLoad(a: CpuSnap | null, b: CpuSnap | null): number | null {
  if (!a || !b) return null;
  const wall = (b.t - a.t) / 1000;
  if (wall <= 0) return null;
  return round(Math.max(0, b.machineBusyS - a.machineBusyS - (b.ownS - a.ownS)) / wall, 2);
}

/** Waits (up to `maxS`) until other processes use under `threshold` cores over a 3 s sample; −1 on timeout. */
async function waitQuiet(maxS: number, threshold = 0.3): Promise<number> {
  const t0 = performance.now();
  for (;;) {
    const a = cpuSnap();
    await sleep(3000);
    const load = othersLoad(a, cpuSnap());
    const waited = (performance.now() - t0) / 1000;
    if (load === null || load < threshold) return round(waited, 0);
    if (waited >= maxS) return -1;
  }
}

function log(opts: { json: boolean }, line: string): void {
  (opts.json ? process.stderr : process.stdout).write(line + '\n');
}

/** Linux: writing 5 to /proc/self/clear_refs resets the RSS high-water mark (VmHWM, and getrusage's maxRSS). */
function resetPeakRss(): boolean {
  try {
    writeFileSync('/proc/self/clear_refs', '5');
    return true;
  } catch {
    return false;
  }
}

function readVmHwmMb(): number | null {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
    return m ? mb(Number(m[1])) : null;
  } catch {
    return null;
  }
}

/** A child process spoken to in JSON lines (stdin: commands, stdout: one JSON object per reply; other lines ignored). */
class LineChild {
  private readonly p: ChildProcessWithoutNullStreams;
  private readonly queue: unknown[] = [];
  private readonly waiting: Array<(v: unknown) => void> = [];
  private stderr = '';
  private exited = false;

  constructor(cmd: string, args: string[], env: NodeJS.ProcessEnv) {
    this.p = spawn(cmd, args, { cwd: ROOT, env, stdio: ['pipe', 'pipe', 'pipe'] });
    createInterface({ input: this.p.stdout }).on('line', (line) => {
      let v: unknown;
      try {
        v = JSON.parse(line);
      } catch {
        return;
      }
      if (!v || typeof v !== 'object') return;
      const w = this.waiting.shift();
      if (w) w(v);
      else this.queue.push(v);
    });
    this.p.stderr.on('data', (d: Buffer) => (this.stderr = (this.stderr + d.toString()).slice(-4000)));
    this.p.stdin.on('error', () => {});
    const end = () => {
      this.exited = true;
      for (const w of this.waiting.splice(0)) w(undefined);
    };
    this.p.on('close', end);
    this.p.on('error', (e) => {
      this.stderr += String(e);
      end();
    });
  }

  get pid(): number | undefined {
    return this.exited ? undefined : this.p.pid;
  }

  /** The next reply; throws with the child's stderr when it ended instead. */
  async next<T>(): Promise<T> {
    const v = this.queue.length ? this.queue.shift() : this.exited ? undefined : await new Promise<unknown>((r) => this.waiting.push(r));
    if (v === undefined) throw new Error(this.stderr.trim().split('\n').slice(-3).join('\n') || 'child process ended without a reply');
    return v as T;
  }

  async request<T>(line: string): Promise<T> {
    this.p.stdin.write(line + '\n');
    return this.next<T>();
  }

  /** Sends `quit` and returns the last reply (peak memory), or null when the child had ended. */
  async quit<T>(): Promise<T | null> {
    if (this.exited) return null;
    try {
      return await this.request<T>('quit');
    } catch {
      return null;
    } finally {
      this.p.stdin.end();
    }
  }

  kill(): void {
    if (!this.exited) this.p.kill();
  }
}

// ───────────────────────────── child: ORT server ─────────────────────────────

interface OrtReady {
  ready: true;
  model: string;
  spec: { hidden: number; layers: number; heads: number; mlp: number; maxLength: number; tokens: number; labels: number };
  ep: string;
  threads: number;
  buildMs: number;
  warmupMs: number;
  /** Tokens after the last layer at each r (from the warm-up runs). */
  tokens: Record<number, number>;
  peakBuildRssMb: number;
}

interface OrtRun {
  ms: number;
  inferMs: number;
  /** static child: the app's graph timed around the static one in the same request (app, static, static, app); ms is then the static graph's mean. */
  appMs?: number;
  /** static child: CPU time (all threads of the process) of a static and of an app run, means: less disturbed by other processes than wall time. */
  cpuMs?: number;
  appCpuMs?: number;
}

interface OrtEnd {
  peakRunRssMb: number | null;
}

/** What an ORT child runs: the app's graph, the free-merge oracle, or one static graph per r. */
type OrtVariant = 'app' | 'oracle' | 'static';

/**
 * `--child ort KEY [--variant oracle|static]`: builds the engine, warms every r up, then times one
 * window per `{"r": n}` line. oracle: the graph's merge is the free stand-in of
 * bench/oracle-merge.ts; static: an engine per r whose graph has that schedule baked in.
 */
async function childOrtServer(key: ModelKey, threads: number, variant: OrtVariant): Promise<void> {
  // Imported here so that the other children and --help never load onnxruntime.
  const { createNodeEngine } = await import('../app/engine/node-engine.js');
  const { buildTomeAstGraph, graphOptionsFor } = await import('../app/graph/tome-ast.js');
  const model = await loadModel(key);
  const { spec } = model;
  const t0 = performance.now();
  const engines = new Map<number, Engine>();
  // The static child also holds the app's graph, to time the two back to back: the machine is shared.
  const app = variant === 'static' ? await createNodeEngine(model, { threads, providers: ['cpu'] }) : null;
  if (variant === 'static') {
    for (const r of R_VALUES) {
      const staticSchedule = { schedule: constantSchedule(r, spec.numLayers), protectDistillation: true };
      engines.set(r, await createNodeEngine(model, { threads, providers: ['cpu'], graph: { ...graphOptionsFor('cpu'), staticSchedule } }));
    }
  } else {
    const { truncateTokens } = await import('./oracle-merge.js');
    const graphBytes = variant === 'oracle' ? buildTomeAstGraph(spec, model.weights, graphOptionsFor('cpu'), truncateTokens) : undefined;
    const engine = await createNodeEngine(model, { threads, providers: ['cpu'], graphBytes });
    for (const r of R_VALUES) engines.set(r, engine);
  }
  const engineFor = (r: number) => engines.get(r)!;
  const buildMs = performance.now() - t0;
  model.weights.clear(); // the session holds its own copy
  (globalThis as { gc?: () => void }).gc?.(); // children run with --expose-gc
  const peakBuildRssMb = mb(process.resourceUsage().maxRSS);
  const input = syntheticInput(spec.maxLength * spec.numMelBins);
  const settings = (r: number) => ({ schedule: constantSchedule(r, spec.numLayers), propAttn: true, protectDistillation: true });
  const tokens: Record<number, number> = {};
  const t1 = performance.now();
  for (const r of R_VALUES) {
    await app?.run(input, 1, settings(r));
    const res = await engineFor(r).run(input, 1, settings(r)); // warm-up: first run of each shape
    tokens[r] = res.tokensPerLayer[res.tokensPerLayer.length - 1];
  }
  const warmupMs = performance.now() - t1;
  const resetOk = resetPeakRss(); // from here on, the high-water mark covers the timed runs only
  const say = (v: unknown) => process.stdout.write(JSON.stringify(v) + '\n');
  const ready: OrtReady = {
    ready: true,
    model: model.id,
    spec: {
      hidden: spec.hiddenSize, layers: spec.numLayers, heads: spec.numHeads, mlp: spec.intermediateSize,
      maxLength: spec.maxLength, tokens: spec.numTokens, labels: spec.labels.length,
    },
    ep: engineFor(0).ep,
    threads,
    buildMs: round(buildMs, 0),
    warmupMs: round(warmupMs, 0),
    tokens,
    peakBuildRssMb,
  };
  say(ready);
  for await (const line of createInterface({ input: process.stdin })) {
    if (line.trim() === 'quit') break;
    const { r } = JSON.parse(line) as { r: number };
    const timed = async (engine: Engine) => {
      const [s, c] = [performance.now(), process.cpuUsage()];
      const res = await engine.run(input, 1, settings(r));
      const cpu = process.cpuUsage(c);
      return { ms: performance.now() - s, inferMs: res.inferMs, cpuMs: (cpu.user + cpu.system) / 1000 };
    };
    if (!app) {
      const { ms, inferMs } = await timed(engineFor(r));
      say({ ms, inferMs } satisfies OrtRun);
      continue;
    }
    const a1 = await timed(app);
    const [s1, s2] = [await timed(engineFor(r)), await timed(engineFor(r))];
    const a2 = await timed(app);
    const mean = (k: 'ms' | 'inferMs' | 'cpuMs', x: typeof a1, y: typeof a1) => (x[k] + y[k]) / 2;
    say({ ms: mean('ms', s1, s2), inferMs: mean('inferMs', s1, s2), appMs: mean('ms', a1, a2), cpuMs: mean('cpuMs', s1, s2), appCpuMs: mean('cpuMs', a1, a2) } satisfies OrtRun);
  }
  for (const engine of new Set([...engines.values(), ...(app ? [app] : [])])) await engine.dispose();
  say({ peakRunRssMb: resetOk ? readVmHwmMb() : null } satisfies OrtEnd);
}

// ───────────────────────────── child: fbank ─────────────────────────────

export interface FbankResult {
  audioSeconds: number;
  ms: number;
  msRuns: number[];
  xRealTime: number;
  frames: number;
  peakRssMb: number;
  othersCores?: number | null;
}

async function childFbank(runs: number): Promise<FbankResult> {
  const { fbank, FBANK_SAMPLE_RATE } = await import('../app/audio/fbank.js');
  const sr = FBANK_SAMPLE_RATE;
  const n = FBANK_SECONDS * sr;
  const wave = new Float32Array(n);
  const noise = syntheticInput(n, 11);
  for (let i = 0; i < n; i++) {
    const t = i / sr;
    wave[i] = 0.3 * Math.sin(2 * Math.PI * (200 + 50 * t) * t) + 0.05 * noise[i];
  }
  const call = () => fbank(wave, 128);
  const frames = call().frames; // warm-up (JIT, mel filters)
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const s = performance.now();
    call();
    times.push(performance.now() - s);
  }
  const ms = median(times);
  return {
    audioSeconds: FBANK_SECONDS,
    ms: round(ms),
    msRuns: times.map((x) => round(x)),
    xRealTime: round((FBANK_SECONDS * 1000) / ms, 0),
    frames,
    peakRssMb: mb(process.resourceUsage().maxRSS),
  };
}

// ───────────────────────────── PyTorch ─────────────────────────────

interface PytorchReady {
  ok: boolean;
  error?: string;
  torch: string;
  torch_threads: number;
  blas: { internal_api?: string; version?: string; architecture?: string; num_threads?: number } | null;
}

export interface PytorchResult {
  ok: boolean;
  reason?: string;
  install?: string;
  msPerWindow?: number;
  msRuns?: number[];
  torch?: string;
  blas?: PytorchReady['blas'];
  peakRssMb?: number | null;
  /** torch.set_num_threads (OpenMP pool); the OpenBLAS pool always has `threads`. */
  torchThreads?: number;
  envUnset?: Record<string, string>;
  /** GLIBC_TUNABLES the child ran with (huge pages), or null. */
  glibcTunables?: string | null;
  /** Median over rounds of (this round's PyTorch ms / this round's ORT r = 0 ms). */
  pairedRatio?: number;
  warning?: string;
}

function pytorchEnv(threads: number, torchThreads: number, hugePages: boolean): { env: NodeJS.ProcessEnv; envUnset: Record<string, string> } {
  const env: NodeJS.ProcessEnv = { ...process.env, OMP_NUM_THREADS: String(torchThreads), OPENBLAS_NUM_THREADS: String(threads) };
  const envUnset: Record<string, string> = {};
  for (const k of OPENBLAS_ENV_UNSET) {
    if (env[k] !== undefined) envUnset[k] = env[k]!;
    delete env[k];
  }
  if (hugePages) env.GLIBC_TUNABLES = [process.env.GLIBC_TUNABLES, PYTORCH_GLIBC_TUNABLES].filter(Boolean).join(':');
  return { env, envUnset };
}

interface PytorchServer {
  child: LineChild;
  result: PytorchResult;
}

/** Starts bench/pytorch_ast.py --serve (model built, one warm-up done); a failed start is a result with ok: false. */
async function startPytorch(key: ModelKey, threads: number, torchThreads: number, hugePages: boolean): Promise<PytorchServer | PytorchResult> {
  if (!existsSync(PYTHON)) return { ok: false, reason: `${PYTHON} not found`, install: INSTALL_HINT, torchThreads };
  const { env, envUnset } = pytorchEnv(threads, torchThreads, hugePages);
  const args = ['bench/pytorch_ast.py', '--config', MODELS[key].config, '--threads', String(threads), '--torch-threads', String(torchThreads), '--serve'];
  const child = new LineChild(PYTHON, args, env);
  let ready: PytorchReady;
  try {
    ready = await child.next<PytorchReady>();
  } catch (e) {
    child.kill();
    return { ok: false, reason: (e as Error).message, torchThreads };
  }
  if (!ready.ok) {
    child.kill();
    return { ok: false, reason: ready.error, install: /torch/i.test(ready.error ?? '') ? INSTALL_HINT : undefined, torchThreads };
  }
  const blas = ready.blas;
  return {
    child,
    result: {
      ok: true,
      msRuns: [],
      torch: ready.torch,
      blas,
      torchThreads: ready.torch_threads,
      envUnset,
      glibcTunables: hugePages ? PYTORCH_GLIBC_TUNABLES : null,
      warning:
        !blas || blas.internal_api !== 'openblas'
          ? `PyTorch does not use OpenBLAS (${blas?.internal_api ?? 'no BLAS found by threadpoolctl'}): the generic reference BLAS is ~50× slower and no fair peer; install libopenblas0-pthread`
          : undefined,
    },
  };
}

/** bench/pytorch_ast.py --verify: the baseline's forward against transformers' logits in the fixtures. */
async function pytorchVerify(): Promise<{ ok: boolean; maxAbsLogitDiff?: number; inputs?: number; reason?: string }> {
  const { env } = pytorchEnv(1, 1, false);
  const child = new LineChild(PYTHON, ['bench/pytorch_ast.py', '--verify', 'test/fixtures', '--threads', '1'], env);
  try {
    const d = await child.next<{ ok: boolean; max_abs_logit_diff?: number; inputs?: number; error?: string }>();
    if (d.max_abs_logit_diff === undefined) return { ok: false, reason: d.error ?? 'no result' };
    return { ok: d.ok, maxAbsLogitDiff: d.max_abs_logit_diff, inputs: d.inputs };
  } catch (e) {
    return { ok: false, reason: (e as Error).message };
  } finally {
    child.kill();
  }
}

// ───────────────────────────── parent: one model ─────────────────────────────

export interface RRow {
  r: number;
  msPerWindow: number;
  msRuns: number[];
  /** Session-run time only (RunResult.inferMs), median. */
  inferMs: number;
  speedup: number;
  flopsRatio: number;
  gflops: number;
  /** speedup / flopsRatio: 1 = merging costs nothing beyond the FLOPs it saves. */
  efficiency: number;
  /** The same from the fastest run of each r (less sensitive to other processes on a shared machine). */
  msBest: number;
  speedupBest: number;
  efficiencyBest: number;
  tokensAfterLast: number;
  tokensExpected: number;
  /** The free-merge oracle at this r (median ms), when measured … */
  oracleMs?: number;
  /** … what merging costs on top of it: msPerWindow / oracleMs − 1 … */
  mergeCost?: number;
  /** … and the oracle's own speed/FLOPs: the best any merge could reach here. */
  oracleEfficiency?: number;
  /** A static graph for this r (schedule baked in), median ms, when measured … */
  staticMs?: number;
  /** … its speed/FLOPs against the static r = 0 graph … */
  staticEfficiency?: number;
  /** … and static ms ÷ the app graph's ms, timed back to back in one process (app, static, static, app), median over rounds (< 1: static is faster) … */
  staticVsApp?: number;
  /** … with the lowest and highest round; the same for CPU time (all threads of the child), which other processes disturb less. */
  staticVsAppRange?: [number, number];
  staticVsAppCpu?: number;
  staticVsAppCpuRange?: [number, number];
}

export interface OrtResult {
  model: string;
  title: string;
  spec: OrtReady['spec'];
  ep: string;
  threads: number;
  buildMs: number;
  warmupMs: number;
  rounds: number;
  rows: RRow[];
  /**
   * Least-squares fit ms ≈ fixedMs + msPerGflop · GFLOPs over the r values (fastest run of each r,
   * the least disturbed by other processes): fixedMs is what a window costs whatever the token
   * count (dispatch of ~1500 small kernels, feeds, outputs). With F = FLOPs ratio, speed/FLOPs =
   * T0 / (F·fixed + T0 − fixed), so a fixed cost caps the efficiency at high r;
   * maxFixedMsForTarget is the largest that still meets the target at r = 64.
   */
  fit: { fixedMs: number; msPerGflop: number; fixedShare: number; maxFixedMsForTarget: number };
  /** RSS high-water mark of the ORT child: graph build + session creation + warm-up … */
  peakBuildRssMb: number;
  /** … and during the timed runs only (Linux; null elsewhere). */
  peakRunRssMb: number | null;
  /** Cores' worth of CPU other processes used while this model was measured (noise indicator). */
  othersCores: number | null;
}

function fitFixedCost(rows: RRow[]): OrtResult['fit'] {
  const xs = rows.map((r) => r.gflops);
  const ys = rows.map((r) => r.msBest);
  const n = xs.length;
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let sxy = 0;
  let sxx = 0;
  for (let i = 0; i < n; i++) {
    sxy += (xs[i] - mx) * (ys[i] - my);
    sxx += (xs[i] - mx) ** 2;
  }
  const slope = sxx > 0 ? sxy / sxx : 0;
  const fixed = my - slope * mx;
  const t0 = rows[0].msBest;
  const f64 = rows.find((r) => r.r === 64)?.flopsRatio ?? 1;
  // T0 / (F·f + T0 − f) ≥ target  ⇔  f ≤ T0·(1 − target) / (target·(F − 1))
  const maxFixed = f64 > 1 ? (t0 * (1 - TARGET_EFFICIENCY)) / (TARGET_EFFICIENCY * (f64 - 1)) : Infinity;
  return { fixedMs: round(fixed), msPerGflop: round(slope, 2), fixedShare: round(fixed / t0, 3), maxFixedMsForTarget: round(maxFixed) };
}

function selfArgs(args: string[]): string[] {
  return ['--expose-gc', ...process.execArgv, fileURLToPath(import.meta.url), ...args];
}

async function measureModel(o: Options, key: ModelKey): Promise<{ ort?: OrtResult; ortError?: string; pytorch: PytorchResult[] }> {
  const rounds = o.runs[key];
  const ortChild = new LineChild(process.execPath, selfArgs(['--child', 'ort', key, '--threads', String(o.threads)]), process.env);
  let ready: OrtReady;
  try {
    ready = await ortChild.next<OrtReady>();
  } catch (e) {
    ortChild.kill();
    return { ortError: (e as Error).message, pytorch: [] };
  }
  // The other graphs timed in the same rounds: the free-merge oracle, and static graphs (one per r).
  const variantChild = async (variant: OrtVariant, on: boolean): Promise<LineChild | null | string> => {
    if (!on) return null;
    const child = new LineChild(process.execPath, selfArgs(['--child', 'ort', key, '--threads', String(o.threads), '--variant', variant]), process.env);
    try {
      await child.next<OrtReady>();
      return child;
    } catch (e) {
      child.kill();
      return `${variant === 'oracle' ? 'free-merge oracle' : 'static graphs'}: ${(e as Error).message}`;
    }
  };
  const oracleChild = await variantChild('oracle', o.oracle);
  const staticChild = typeof oracleChild === 'string' ? null : await variantChild('static', o.staticModels.includes(key));
  if (typeof oracleChild === 'string' || typeof staticChild === 'string') {
    for (const c of [ortChild, oracleChild, staticChild]) if (c && typeof c !== 'string') c.kill();
    return { ortError: [oracleChild, staticChild].find((c) => typeof c === 'string') as string, pytorch: [] };
  }
  const servers: PytorchServer[] = [];
  const pytorch: PytorchResult[] = [];
  if (o.pytorch) {
    const splits = o.pytorchOtherSplit ? [o.threads, 1] : [o.threads];
    for (const torchThreads of splits) {
      const s = await startPytorch(key, o.threads, torchThreads, !o.pytorchPlainMalloc);
      if ('child' in s) servers.push(s);
      else pytorch.push(s);
      if (!('child' in s)) break; // no torch: no point trying the other split
    }
  }
  const pids = () => [ortChild.pid, oracleChild?.pid, staticChild?.pid, ...servers.map((s) => s.child.pid)].filter((p): p is number => p !== undefined);
  const before = cpuSnap(pids());
  const wall: Record<number, number[]> = Object.fromEntries(R_VALUES.map((r) => [r, []]));
  const infer: Record<number, number[]> = Object.fromEntries(R_VALUES.map((r) => [r, []]));
  const oracleWall: Record<number, number[]> = Object.fromEntries(R_VALUES.map((r) => [r, []]));
  const staticWall: Record<number, number[]> = Object.fromEntries(R_VALUES.map((r) => [r, []]));
  const staticPaired: Record<number, number[]> = Object.fromEntries(R_VALUES.map((r) => [r, []]));
  const staticCpuPaired: Record<number, number[]> = Object.fromEntries(R_VALUES.map((r) => [r, []]));
  const paired: number[][] = servers.map(() => []);
  let othersCores: number | null;
  let end: OrtEnd | null;
  try {
    for (let i = 0; i < rounds; i++) {
      for (const r of R_VALUES) {
        const res = await ortChild.request<OrtRun>(JSON.stringify({ r }));
        wall[r].push(res.ms);
        infer[r].push(res.inferMs);
      }
      for (const [child, into] of [[staticChild, staticWall], [oracleChild, oracleWall]] as const) {
        if (!child) continue;
        await sleep(SWITCH_PAUSE_MS);
        for (const r of R_VALUES) {
          const res = await child.request<OrtRun>(JSON.stringify({ r }));
          into[r].push(res.ms);
          if (res.appMs !== undefined) staticPaired[r].push(res.ms / res.appMs);
          if (res.cpuMs !== undefined && res.appCpuMs) staticCpuPaired[r].push(res.cpuMs / res.appCpuMs);
        }
        await sleep(SWITCH_PAUSE_MS);
      }
      for (const [j, s] of servers.entries()) {
        await sleep(SWITCH_PAUSE_MS);
        const { ms } = await s.child.request<{ ms: number }>('run');
        s.result.msRuns!.push(round(ms));
        paired[j].push(ms / wall[0][i]);
      }
      if (servers.length) await sleep(SWITCH_PAUSE_MS);
    }
    othersCores = othersLoad(before, cpuSnap(pids()));
    end = await ortChild.quit<OrtEnd>();
    await oracleChild?.quit<OrtEnd>();
    await staticChild?.quit<OrtEnd>();
    for (const [j, s] of servers.entries()) {
      const last = await s.child.quit<{ max_rss_mb: number }>();
      s.result.peakRssMb = last?.max_rss_mb ?? null;
      s.result.msPerWindow = round(median(s.result.msRuns!));
      s.result.pairedRatio = round(median(paired[j]), 3);
      pytorch.unshift(s.result);
    }
  } catch (e) {
    ortChild.kill();
    oracleChild?.kill();
    staticChild?.kill();
    for (const s of servers) s.child.kill();
    return { ortError: (e as Error).message, pytorch };
  }
  pytorch.sort((a, b) => (b.torchThreads ?? 0) - (a.torchThreads ?? 0)); // the split equal to ORT's threads first

  // Rows: speed-up and FLOPs ratio against r = 0.
  const spec = (await loadSpec(key)) as ModelSpec;
  const flops0 = forwardFlops(spec, applySchedule(spec.numTokens, constantSchedule(0, spec.numLayers), true)).total;
  const ms0 = median(wall[0]);
  const best0 = Math.min(...wall[0]);
  const oracle0 = oracleChild ? median(oracleWall[0]) : 0;
  const static0 = staticChild ? median(staticWall[0]) : 0;
  const rows = R_VALUES.map((r): RRow => {
    const applied = applySchedule(spec.numTokens, constantSchedule(r, spec.numLayers), true);
    const flops = forwardFlops(spec, applied).total;
    const ms = median(wall[r]);
    const best = Math.min(...wall[r]);
    const flopsRatio = flops0 / flops;
    return {
      r,
      msPerWindow: round(ms),
      msRuns: wall[r].map((x) => round(x)),
      inferMs: round(median(infer[r])),
      speedup: round(ms0 / ms, 3),
      flopsRatio: round(flopsRatio, 3),
      gflops: round(flops / 1e9, 2),
      efficiency: round(ms0 / ms / flopsRatio, 3),
      msBest: round(best),
      speedupBest: round(best0 / best, 3),
      efficiencyBest: round(best0 / best / flopsRatio, 3),
      tokensAfterLast: ready.tokens[r],
      tokensExpected: applied.tokens[applied.tokens.length - 1],
      ...(oracleChild
        ? {
            oracleMs: round(median(oracleWall[r])),
            mergeCost: round(ms / median(oracleWall[r]) - 1, 3),
            oracleEfficiency: round(oracle0 / median(oracleWall[r]) / flopsRatio, 3),
          }
        : {}),
      ...(staticChild
        ? {
            staticMs: round(median(staticWall[r])),
            staticEfficiency: round(static0 / median(staticWall[r]) / flopsRatio, 3),
            staticVsApp: round(median(staticPaired[r]), 3),
            staticVsAppRange: [round(Math.min(...staticPaired[r]), 2), round(Math.max(...staticPaired[r]), 2)] as [number, number],
            staticVsAppCpu: round(median(staticCpuPaired[r]), 3),
            staticVsAppCpuRange: [round(Math.min(...staticCpuPaired[r]), 2), round(Math.max(...staticCpuPaired[r]), 2)] as [number, number],
          }
        : {}),
    };
  });
  return {
    ort: {
      model: ready.model,
      title: MODELS[key].title,
      spec: ready.spec,
      ep: ready.ep,
      threads: ready.threads,
      buildMs: ready.buildMs,
      warmupMs: ready.warmupMs,
      rounds,
      rows,
      fit: fitFixedCost(rows),
      peakBuildRssMb: ready.peakBuildRssMb,
      peakRunRssMb: end?.peakRunRssMb ?? null,
      othersCores,
    },
    pytorch,
  };
}

/** The spec alone (no weights) for the FLOPs count in the parent. */
async function loadSpec(key: ModelKey): Promise<ModelSpec> {
  if (key === 'base') {
    const src = join(ROOT, MODELS.base.source);
    return specFromConfigs(JSON.parse(readFileSync(src, 'utf8')), null, src);
  }
  const dir = join(ROOT, MODELS.tiny.source);
  const pre = join(dir, 'preprocessor_config.json');
  return specFromConfigs(JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')), existsSync(pre) ? JSON.parse(readFileSync(pre, 'utf8')) : null, dir);
}

// ───────────────────────────── printing ─────────────────────────────

function pad(s: string | number, n: number, left = false): string {
  const t = String(s);
  return left ? t.padEnd(n) : t.padStart(n);
}

const noise = (x: number | null | undefined) =>
  x === null || x === undefined ? '' : `; other processes used ${x.toFixed(2)} cores meanwhile${x > 0.25 ? ' (noisy)' : ''}`;

function printOrt(o: Options, res: OrtResult): void {
  const s = res.spec;
  log(o, '');
  log(o, `── ${res.title}: ${res.model} — hidden ${s.hidden}, ${s.layers} layers, ${s.heads} heads, MLP ${s.mlp}, ${s.maxLength} frames → ${s.tokens} tokens, ${s.labels} labels`);
  log(
    o,
    `   onnxruntime-node ${res.ep} EP, ${res.threads} threads; graph build + session ${res.buildMs} ms; 1 warm-up per r, then ${res.rounds} round(s) over all r (median)${noise(res.othersCores)}`,
  );
  const withOracle = res.rows[0].oracleMs !== undefined;
  const oracleHead = withOracle ? ` ${pad('oracle ms', 10)} ${pad('merge cost', 11)} ${pad('oracle s/F', 11)}` : '';
  const withStatic = res.rows[0].staticMs !== undefined;
  const staticHead = withStatic ? ` ${pad('static ms', 10)} ${pad('static s/F', 11)} ${pad('static/app', 18)}` : '';
  log(o, `   ${pad('r', 4)} ${pad('ms/window', 10)} ${pad('speed-up', 9)} ${pad('FLOPs ratio', 12)} ${pad('speed/FLOPs', 12)} ${pad('GFLOPs', 7)} ${pad('tokens out', 11)} ${pad('best ms', 8)} ${pad('best s/F', 9)}${oracleHead}${staticHead}   runs (ms)`);
  for (const row of res.rows) {
    const flag = row.r === 64 ? (row.efficiency >= TARGET_EFFICIENCY ? '  ✓ ≥ 0.90' : '  ✗ < 0.90 target') : '';
    const tok = row.tokensAfterLast === row.tokensExpected ? String(row.tokensAfterLast) : `${row.tokensAfterLast}≠${row.tokensExpected}!`;
    log(
      o,
      `   ${pad(row.r, 4)} ${pad(row.msPerWindow.toFixed(1), 10)} ${pad(row.speedup.toFixed(2) + '×', 9)} ${pad(row.flopsRatio.toFixed(2) + '×', 12)} ${pad(row.efficiency.toFixed(2), 12)} ${pad(row.gflops.toFixed(1), 7)} ${pad(tok, 11)} ${pad(row.msBest.toFixed(1), 8)} ${pad(row.efficiencyBest.toFixed(2), 9)}${withOracle ? oracleCells(row) : ''}${withStatic ? staticCells(row) : ''}   ${row.msRuns.join(' ')}${flag}`,
    );
  }
  log(o, `   speed-up = median ms at r = 0 / median ms at r; FLOPs ratio = FLOPs at r = 0 / FLOPs at r (app/tome/flops.ts); speed/FLOPs = their quotient (target ≥ ${TARGET_EFFICIENCY} at r = 64); best = the same from the fastest runs`);
  if (withOracle) {
    log(
      o,
      '   oracle = the same graph with a merge that costs nothing (keeps the first N − r tokens: same token counts, no matching; bench/oracle-merge.ts), timed in the same rounds; ' +
        'merge cost = ms/window ÷ oracle ms − 1; oracle s/F = the oracle\'s own speed/FLOPs, the most any merge could reach on this machine',
    );
  }
  if (withStatic) {
    const cpu = res.rows.map((row) => `r = ${row.r} ${row.staticVsAppCpu!.toFixed(2)} [${row.staticVsAppCpuRange![0].toFixed(2)}–${row.staticVsAppCpuRange![1].toFixed(2)}]`);
    log(o, `   static/app in CPU time (both threads of the static child, same requests): ${cpu.join(', ')}`);
    log(
      o,
      '   static = a graph per r with the schedule baked in (GraphOptions.staticSchedule: token counts are constants, no If node, no merge nodes at r = 0), timed in the same rounds; ' +
        'static s/F = its speed/FLOPs against the static r = 0 graph; static/app = static ms ÷ the app graph\'s ms timed back to back in the static child (app, static, static, app), median over rounds (< 1: static is faster) [lowest–highest round]',
    );
  }
  const f = res.fit;
  const fit = `   fit over r (fastest runs): ms ≈ ${f.fixedMs.toFixed(1)} + ${f.msPerGflop.toFixed(2)} × GFLOPs`;
  log(
    o,
    f.fixedMs < 0
      ? `${fit} — a negative intercept: no fixed cost visible (time falls at least as fast as FLOPs), or too noisy to say`
      : `${fit} — a fixed ${f.fixedMs.toFixed(1)} ms per window (${(100 * f.fixedShare).toFixed(0)} % of r = 0) that merging cannot remove; ` +
          `r = 64 meets ${TARGET_EFFICIENCY} while it stays ≤ ${f.maxFixedMsForTarget.toFixed(1)} ms`,
  );
  log(
    o,
    `   peak RSS of the engine's process: ${res.peakBuildRssMb} MB by the end of graph build + session creation + warm-up` +
      (res.peakRunRssMb !== null ? `; ${res.peakRunRssMb} MB while running windows` : ''),
  );
}

function oracleCells(row: RRow): string {
  const cost = `${row.mergeCost! >= 0 ? '+' : ''}${(100 * row.mergeCost!).toFixed(0)} %`;
  return ` ${pad(row.oracleMs!.toFixed(1), 10)} ${pad(cost, 11)} ${pad(row.oracleEfficiency!.toFixed(2), 11)}`;
}

function staticCells(row: RRow): string {
  const range = `${row.staticVsApp!.toFixed(2)} [${row.staticVsAppRange![0].toFixed(2)}–${row.staticVsAppRange![1].toFixed(2)}]`;
  return ` ${pad(row.staticMs!.toFixed(1), 10)} ${pad(row.staticEfficiency!.toFixed(2), 11)} ${pad(range, 18)}`;
}

function printPytorch(o: Options, res: OrtResult | undefined, pts: PytorchResult[]): void {
  const ok = pts.filter((p) => p.ok);
  for (const pt of pts) {
    if (!pt.ok) {
      log(o, `   PyTorch eager baseline: not measured — ${pt.reason}`);
      if (pt.install) log(o, `   to compare against PyTorch, install: ${pt.install}`);
      continue;
    }
    const b = pt.blas;
    const threads = pt.torchThreads === res?.threads ? `torch.set_num_threads(${pt.torchThreads})` : `torch.set_num_threads(${pt.torchThreads}), OpenBLAS ${res?.threads} threads`;
    log(
      o,
      `   PyTorch ${pt.torch} eager, r = 0, fp32, ${threads}, BLAS ${b ? `${b.internal_api} ${b.version ?? ''} ${b.architecture ?? ''}`.trim() : 'unknown'}${pt.glibcTunables ? ', huge pages' : ''}: ${pt.msPerWindow} ms/window (runs ${pt.msRuns!.join(' ')}; peak RSS ${pt.peakRssMb} MB)`,
    );
    if (pt.warning) log(o, `   warning: ${pt.warning}`);
  }
  if (!res || ok.length === 0) return;
  const ort0 = res.rows[0].msPerWindow;
  const verdict = (ratio: number) => (ratio >= AIM_VS_PYTORCH ? `✓ ≥ ${AIM_VS_PYTORCH}× aim` : ratio >= TARGET_VS_PYTORCH ? `✓ ≥ ${TARGET_VS_PYTORCH}× target` : `✗ < ${TARGET_VS_PYTORCH}× target`);
  const main = ok[0];
  const ratio = main.msPerWindow! / ort0;
  log(
    o,
    `   ORT r = 0 vs PyTorch eager (torch.set_num_threads(${main.torchThreads}) = ORT threads): ${ratio.toFixed(2)}× faster (median/median; paired per round ${main.pairedRatio!.toFixed(2)}×)  ${verdict(ratio)}`,
  );
  const fastest = ok.reduce((a, b) => (b.msPerWindow! < a.msPerWindow! ? b : a));
  if (fastest !== main) {
    const rf = fastest.msPerWindow! / ort0;
    log(o, `   ORT r = 0 vs the faster PyTorch thread split (torch.set_num_threads(${fastest.torchThreads})): ${rf.toFixed(2)}× faster (paired ${fastest.pairedRatio!.toFixed(2)}×)  ${verdict(rf)}`);
  }
  const ortBest = res.rows[0].msBest;
  const ptBest = Math.min(...ok.flatMap((p) => p.msRuns!));
  log(o, `   fastest run vs fastest run (ORT r = 0 ${ortBest} ms, PyTorch ${ptBest} ms, any split): ${(ptBest / ortBest).toFixed(2)}× faster  ${verdict(ptBest / ortBest)}`);
}

// ───────────────────────────── main ─────────────────────────────

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const childIdx = argv.indexOf('--child');
  if (childIdx >= 0) {
    const what = argv[childIdx + 1];
    const threads = Number(argv[argv.indexOf('--threads') + 1]);
    const runs = Number(argv[argv.indexOf('--runs') + 1]);
    if (what === 'build-start') {
      const [kind, ckpt, cache] = argv.slice(childIdx + 2, childIdx + 5);
      const res = await childBuildStart(kind as 'inmemory' | 'cold' | 'cached', ckpt, cache, argv.includes('--demo'), threads);
      process.stdout.write(JSON.stringify(res) + '\n');
      process.exit(0); // onnxruntime's thread pool must not keep the child alive
    }
    if (what === 'long') {
      const { childLong } = await import('./long.bench.js');
      process.stdout.write(JSON.stringify(await childLong(argv[childIdx + 2] as 'file' | 'folder', argv[childIdx + 3], threads)) + '\n');
      process.exit(0); // onnxruntime's thread pool must not keep the child alive
    }
    if (what === 'ort') {
      const variant = argv.includes('--variant') ? (argv[argv.indexOf('--variant') + 1] as OrtVariant) : 'app';
      await childOrtServer(argv[childIdx + 2] as ModelKey, threads, variant);
      process.exit(0); // onnxruntime's thread pool must not keep the child alive
    }
    const out =
      what === 'fbank'
        ? await childFbank(runs)
        : await (await import('./profile-ops.js')).profileOps(await loadModel(what.slice('profile-'.length) as ModelKey), threads, PROFILE_R, runs, argv.includes('--static') ? 'static' : 'dynamic', argv.includes('--int8') ? 'int8' : 'float32');
    process.stdout.write(JSON.stringify(out) + '\n');
    return;
  }

  const o = parseArgs(argv);
  const machine = {
    cpu: `${cpus()[0]?.model ?? 'unknown CPU'}${cpuDetail()}`,
    cores: availableParallelism(),
    memGb: round(totalmem() / 2 ** 30, 0),
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    ort: ortVersion(),
    loadAvgAtStart: loadavg().map((x) => round(x, 2)),
  };
  const started = performance.now();
  log(o, `FastAST engine bench — ${machine.cpu}, ${machine.cores} cores, ${machine.memGb} GB, Node ${machine.node}, onnxruntime-node ${machine.ort}${o.quick ? ' (--quick)' : ''}`);
  log(o, `load average at start: ${machine.loadAvgAtStart.join(' ')} (a shared machine makes timings noisy: each section says how much CPU other processes took)`);

  if (o.profile) return runProfile(o);

  const results: {
    ort: Partial<Record<ModelKey, OrtResult>>;
    pytorch: Partial<Record<ModelKey, PytorchResult[]>>;
    pytorchVerify?: Awaited<ReturnType<typeof pytorchVerify>>;
    fbank?: FbankResult;
    build?: BuildBenchResult;
    long?: LongCase[];
  } = { ort: {}, pytorch: {} };
  let failed = false;
  const quiet = async () => {
    if (!o.waitQuiet) return;
    const w = await waitQuiet(o.waitQuiet);
    if (w < 0) log(o, `   (machine still busy after ${o.waitQuiet} s; measuring anyway)`);
    else if (w > 3) log(o, `   (waited ${w} s for other processes to quieten)`);
  };

  if (o.pytorch && o.only.length && existsSync(PYTHON) && existsSync(join(ROOT, 'test/fixtures/tome_cases.safetensors'))) {
    const v = await pytorchVerify();
    results.pytorchVerify = v;
    log(
      o,
      v.maxAbsLogitDiff !== undefined
        ? `PyTorch baseline forward (bench/pytorch_ast.py) vs transformers' logits on the ${v.inputs} fixture inputs (tiny AST, r = 0): max |Δ| = ${v.maxAbsLogitDiff.toExponential(1)} ${v.ok ? '✓ same model' : '✗ DIFFERS'}`
        : `PyTorch baseline forward not checked against the fixtures: ${v.reason}`,
    );
  }

  for (const key of o.only) {
    const splits = !o.pytorch ? '' : o.pytorchOtherSplit ? ' + PyTorch eager (2 thread splits)' : ' + PyTorch eager';
    log(o, `\n… ${MODELS[key].title}: onnxruntime${splits}, ${o.runs[key]} round(s)`);
    await quiet();
    const m = await measureModel(o, key);
    if (m.ort) {
      results.ort[key] = m.ort;
      printOrt(o, m.ort);
    } else {
      failed = true;
      log(o, `   onnxruntime: FAILED — ${m.ortError}`);
    }
    if (o.pytorch) {
      results.pytorch[key] = m.pytorch;
      printPytorch(o, m.ort, m.pytorch);
    }
  }

  if (o.build) {
    const rounds = o.quick ? 1 : 3;
    log(o, `\n… AST-base checkpoint → engine: no cache vs cold build into the graph cache vs cached start, ${rounds} round(s)`);
    await quiet();
    try {
      const before = cpuSnap();
      results.build = await runBuildBench(fileURLToPath(import.meta.url), rounds, o.threads, (line) => log(o, line));
      results.build.othersCores = othersLoad(before, cpuSnap());
      printBuildBench(results.build, (line) => log(o, line));
      log(o, `   ${o.threads} intra-op threads${noise(results.build.othersCores)}`);
      if (results.build.demo && !results.build.demo.mapsOk) failed = true;
    } catch (e) {
      failed = true;
      log(o, `   build: FAILED — ${(e as Error).message}`);
    }
  }

  if (o.speed.length) {
    const { runSpeedBench } = await import('./speed.bench.js');
    await runSpeedBench(ROOT, { threads: o.threads, quick: o.quick, rounds: o.speedRounds, models: o.speed, log: (line) => log(o, line) });
    if (o.speed.includes('tiny')) {
      // What int8 costs in fidelity, next to what it buys: the bundled models, as merging's cost is reported.
      const { runInt8Fidelity } = await import('./int8-fidelity.js');
      log(o, `\n… int8's cost in fidelity (bench/int8-fidelity.ts): both bundled models, r = 0 / 16 / 48, ${o.quick ? 'the first 20 fold-5 clips' : 'all 80 fold-5 clips'} and the demo clips`);
      await runInt8Fidelity({ threads: o.threads, models: ['cmkd', 'plain'], rs: [0, 16, 48], limit: o.quick ? 20 : Infinity, log: (line) => log(o, line) });
    }
  }

  if (o.long) {
    const { runLongBench } = await import('./long.bench.js');
    log(o, `\n… long files and a folder through the host (file.open → analysis.run → file.close), bundled model, ${o.threads} intra-op threads${o.quick ? ' (--quick: 20 min file, 100 files)' : ''}`);
    await quiet();
    try {
      const before = cpuSnap();
      results.long = await runLongBench(fileURLToPath(import.meta.url), { quick: o.quick, threads: o.threads, log: (line) => log(o, line) });
      log(o, `   bundled model, hop = one window, batch as the host runs it${noise(othersLoad(before, cpuSnap()))}`);
    } catch (e) {
      failed = true;
      log(o, `   long: FAILED — ${(e as Error).message}`);
    }
  }

  if (o.fbank && o.only.length) {
    log(o, `\n… Kaldi fbank on ${FBANK_SECONDS} s of 16 kHz audio`);
    await quiet();
    const before = cpuSnap();
    const res = await runOnce(['--child', 'fbank', '--threads', '1', '--runs', String(o.quick ? 3 : 7)]);
    if (res.ok) {
      const fb = res.value as FbankResult;
      fb.othersCores = othersLoad(before, cpuSnap());
      results.fbank = fb;
      log(
        o,
        `   fbank (app/audio/fbank.ts, 128 mel bins, 1 thread): ${fb.ms} ms for ${FBANK_SECONDS} s (${fb.frames} frames) = ${fb.xRealTime}× real time (median; runs ${fb.msRuns.join(' ')}${noise(fb.othersCores)})`,
      );
    } else {
      failed = true;
      log(o, `   fbank: FAILED — ${res.error}`);
    }
  }

  const pts = Object.values(results.pytorch).flat().filter((p): p is PytorchResult => !!p?.ok);
  const unset = pts.find((p) => p.envUnset && Object.keys(p.envUnset).length)?.envUnset;
  if (pts.length) {
    log(o, '');
    if (unset) log(o, `note: for the PyTorch children only, unset ${Object.entries(unset).map(([k, v]) => `${k}=${v}`).join(' ')} (OpenBLAS then detects the CPU itself); the ORT runs are unaffected.`);
    log(
      o,
      o.pytorchPlainMalloc
        ? `note: PyTorch ran with glibc's default malloc (--pytorch-plain-malloc): its fresh large tensors pay first-touch page faults on every op.`
        : `note: PyTorch ran with GLIBC_TUNABLES=${PYTORCH_GLIBC_TUNABLES} (huge pages for its large per-op tensors; without it, slow page faults on this VM made it 3–6× slower — see bench/README.md); --pytorch-plain-malloc drops it.`,
    );
  }
  const totalS = round((performance.now() - started) / 1000, 0);
  log(o, `bench finished in ${totalS} s; load average at end: ${loadavg().map((x) => round(x, 2)).join(' ')}`);
  if (o.json) {
    const options = { quick: o.quick, threads: o.threads, rounds: o.runs, pytorchOtherSplit: o.pytorchOtherSplit, pytorchGlibcTunables: o.pytorchPlainMalloc ? null : PYTORCH_GLIBC_TUNABLES };
    process.stdout.write(JSON.stringify({ machine, options, totalS, ...results }, null, 1) + '\n');
  }
  if (failed) process.exitCode = 1;
}

/** Runs a one-shot child of this script and parses its last stdout line. */
function runOnce(args: string[]): Promise<{ ok: true; value: unknown } | { ok: false; error: string }> {
  const child = new LineChild(process.execPath, selfArgs(args), process.env);
  return child.next<unknown>().then(
    (value) => ({ ok: true as const, value }),
    (e: Error) => ({ ok: false as const, error: e.message }),
  );
}

async function runProfile(o: Options): Promise<void> {
  const out: Record<string, ProfileResult> = {};
  const forms = o.staticForm ? (['dynamic', 'static'] as const) : (['dynamic'] as const);
  for (const key of o.only) for (const form of forms) {
    const runs = o.runs[key];
    log(o, `\n… ${MODELS[key].title}${o.int8 ? ', int8 weights' : ''}, ${form === 'static' ? 'static graphs (one per r, schedule baked in)' : 'the app\'s graph (r as an input)'}: onnxruntime profiler, ${runs} run(s) per r`);
    const res = await runOnce(['--child', `profile-${key}`, '--threads', String(o.threads), '--runs', String(runs), ...(form === 'static' ? ['--static'] : []), ...(o.int8 ? ['--int8'] : [])]);
    if (!res.ok) {
      log(o, `   profile FAILED — ${res.error}`);
      process.exitCode = 1;
      continue;
    }
    const p = res.value as ProfileResult;
    out[`${key}-${form}`] = p;
    const rs = p.rValues;
    const cell = (x: number | undefined) => pad(x === undefined ? '–' : x.toFixed(1), 9);
    log(o, `── ${MODELS[key].title}: ms per window by op type (sum of kernel times; ${p.threads} threads; the profiler itself adds per-kernel overhead)`);
    log(o, `   ${pad('op type', 28, true)} ${rs.map((r) => pad(`r=${r}`, 9)).join(' ')}   kernels per window at r = ${rs.join(' / ')}`);
    for (const row of p.ops.filter((x) => Math.max(...rs.map((r) => x.ms[r] ?? 0)) >= 0.005 * p.totalMs[rs[0]])) {
      log(o, `   ${pad(row.op, 28, true)} ${rs.map((r) => cell(row.ms[r])).join(' ')}   ${rs.map((r) => Math.round(row.calls[r] ?? 0)).join(' / ')}`);
    }
    log(o, `   ${pad('sum of kernels', 28, true)} ${rs.map((r) => cell(p.totalMs[r])).join(' ')}   ${rs.map((r) => p.kernels[r]).join(' / ')}`);
    log(o, `   ${pad('  of which merge/shape ops', 28, true)} ${rs.map((r) => cell(p.mergeOpsMs[r])).join(' ')}`);
    log(o, `   ${pad('  + similarity MatMul A×Bᵀ', 28, true)} ${rs.map((r) => cell(p.similarityMatMulMs[r])).join(' ')}`);
    log(o, `   ${pad('wall (session.run, median)', 28, true)} ${rs.map((r) => cell(p.wallMs[r])).join(' ')}`);
  }
  log(o, `\n"merge/shape ops" = op types only the merge and shape bookkeeping use (TopK, ScatterElements/ScatterND, CumSum, Where, shape ops …); layers with r = 0 skip the matching, so at r = 0 they are the shape bookkeeping of the transformer itself (and, in the app's graph, the If nodes' branches).`);
  if (o.json) process.stdout.write(JSON.stringify({ profile: out }, null, 1) + '\n');
}

/** Linux: family/model and the widest SIMD from /proc/cpuinfo (the model name of a VM is often generic). */
function cpuDetail(): string {
  try {
    const info = readFileSync('/proc/cpuinfo', 'utf8');
    const field = (k: string) => new RegExp(`^${k}\\s*: (.*)$`, 'm').exec(info)?.[1];
    const simd = /\bavx512f\b/.test(info) ? 'AVX-512' : /\bavx2\b/.test(info) ? 'AVX2' : /\bneon\b|\basimd\b/.test(info) ? 'NEON' : 'no AVX2';
    return ` (family ${field('cpu family')} model ${field('model')}, ${simd})`;
  } catch {
    return '';
  }
}

function ortVersion(): string {
  try {
    return (JSON.parse(readFileSync(join(ROOT, 'node_modules/onnxruntime-node/package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

main().catch((e) => {
  process.stderr.write(`bench: ${(e as Error).stack ?? String(e)}\n`);
  process.exit(1);
});
