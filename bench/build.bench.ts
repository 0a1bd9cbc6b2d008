/**
 * `npm run bench -- --only build`: an AST-base-sized checkpoint from nothing to a running engine.
 *
 * The bench writes an HF-layout checkpoint (config.json + model.safetensors, random weights,
 * 527 labels, ~350 MB) into a temp folder and then, each start in a fresh child process:
 *   - `inmemory`: today's path without a cache (loadCheckpoint, graph built as bytes in JS,
 *     session from the bytes): the baseline the other figures are compared with;
 *   - `cold`: createCachedNodeEngine with an empty graph cache (weights read, graph streamed into
 *     the cache, session from the file);
 *   - `cached`: the same again: the graph comes from the cache and the weights are never read.
 * Each child reports its start time and its peak RSS (getrusage maxRSS: the whole process,
 * onnxruntime included). Rounds interleave the three, so load drift hits them alike. The last
 * cached child also classifies a demo clip and checks the merge maps of its 12 × 101 patches.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { median } from '../app/analysis/metrics.js';
import { writeAstBaseCheckpoint } from './ast-base-checkpoint.js';
import { runJsonChild } from './json-child.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(HERE, '..');
const CONFIG = join(ROOT, 'test/fixtures/ast-base-config.json');
const DEMO_CLIP = join(ROOT, 'data/demo/church_bells_inspectorj_371267.flac');
const TARGET_CACHED_RATIO = 1 / 3;
const TARGET_PEAK_MB = 1200;
const MAPS_R = 16;

type StartKind = 'inmemory' | 'cold' | 'cached';

export interface StartResult {
  kind: StartKind;
  ms: number;
  peakRssMb: number;
  fromCache: boolean;
  /** Only the checked cached start: top-1 of the demo clip and the merge-map check. */
  demo?: { file: string; top: string; score: number; grid: string; r: number; tokensAfter: number; mapsOk: boolean; why?: string };
}

export interface BuildBenchResult {
  rounds: number;
  medianMs: Record<StartKind, number>;
  peakRssMb: Record<StartKind, number>;
  runs: StartResult[];
  cachedOverCold: number;
  coldOverInMemory: number;
  targets: { cachedOverColdMax: number; peakRssMbMax: number };
  demo?: StartResult['demo'];
  /** Cores' worth of CPU other processes used meanwhile (set by the caller, which measures it). */
  othersCores?: number | null;
}

// ───────────────────────────── child ─────────────────────────────

/** `--child build-start KIND CKPT_DIR CACHE_DIR [--demo]`: one start, then one JSON line. */
export async function childBuildStart(kind: StartKind, ckptDir: string, cacheDir: string, demo: boolean, threads: number): Promise<StartResult> {
  // Modules (and onnxruntime's native library) are loaded before the clock starts: their cost is
  // the same for every kind of start and has nothing to do with the graph.
  const { loadCheckpoint } = await import('../app/checkpoint/load.js');
  const { createNodeEngine } = await import('../app/engine/node-engine.js');
  const { GraphCache } = await import('../app/engine/graph-cache.js');
  const { checkpointOnDisk, createCachedNodeEngine } = await import('../app/engine/cached-engine.js');
  const t0 = performance.now();
  let engine;
  let fromCache = false;
  if (kind === 'inmemory') {
    engine = await createNodeEngine(await loadCheckpoint(ckptDir), { providers: ['cpu'], threads });
  } else {
    const cache = await GraphCache.open({ dir: cacheDir, notice: (m) => process.stderr.write(`${m}\n`) });
    const opened = await createCachedNodeEngine(await checkpointOnDisk(ckptDir), { cache, providers: ['cpu'], threads });
    engine = opened.engine;
    fromCache = opened.fromCache;
  }
  const ms = performance.now() - t0;
  const peakRssMb = Math.round(process.resourceUsage().maxRSS / 1024);
  const out: StartResult = { kind, ms: Math.round(ms), peakRssMb, fromCache };
  if (demo) out.demo = await classifyDemo(engine);
  await engine.dispose();
  return out;
}

/** Classifies the demo clip's first window and checks that its merge maps group the 12 × 101 patch grid consistently. */
async function classifyDemo(engine: import('../app/engine/types.js').Engine): Promise<NonNullable<StartResult['demo']>> {
  const { featuresForFile, windowInput } = await import('../app/audio/index.js');
  const { scoresFromLogits, topK } = await import('../app/analysis/scores.js');
  const { composeGroups } = await import('../app/tome/groups.js');
  const { constantSchedule } = await import('../app/tome/schedule.js');
  const { spec } = engine;
  const feats = await featuresForFile(DEMO_CLIP, spec.features);
  const input = windowInput(feats.fbank, feats.frames, feats.numMelBins, 0, spec.maxLength, spec.features);
  const res = await engine.run(input, 1, { schedule: constantSchedule(MAPS_R, spec.numLayers), propAttn: true, protectDistillation: true });
  const item = res.items[0];
  const [best] = topK(scoresFromLogits(item.logits, spec.multiLabel), spec.labels, 1);
  const groups = composeGroups(item.maps, spec.numTokens);
  const last = groups[groups.length - 1];
  const tokensAfter = res.tokensPerLayer[res.tokensPerLayer.length - 1];
  // Every patch lands in a token that exists after the last layer, cls and the protected
  // distillation token stay alone, and the groups account for exactly the tokens left.
  let why: string | undefined;
  if (spec.freqPatches * spec.timePatches !== 1212 || spec.numTokens !== 1214) why = `grid ${spec.freqPatches} × ${spec.timePatches}, not 12 × 101`;
  else if (last.some((g) => g < 0 || g >= tokensAfter)) why = 'a patch maps past the last layer\'s tokens';
  else if (last[0] !== 0 || last[1] !== 1 || last.slice(2).some((g) => g < 2)) why = 'cls or the distillation token merged';
  else if (new Set(last).size !== tokensAfter) why = `${new Set(last).size} groups for ${tokensAfter} tokens`;
  return {
    file: DEMO_CLIP.slice(ROOT.length + 1),
    top: best.label,
    score: Math.round(best.score * 1000) / 1000,
    grid: `${spec.freqPatches} × ${spec.timePatches}`,
    r: MAPS_R,
    tokensAfter,
    mapsOk: why === undefined,
    why,
  };
}

// ───────────────────────────── parent ─────────────────────────────

/**
 * Runs the section. `script` is the bench entry (engine.bench.ts), which dispatches
 * `--child build-start` back to childBuildStart.
 */
export async function runBuildBench(script: string, rounds: number, threads: number, log: (line: string) => void): Promise<BuildBenchResult> {
  const work = await mkdtemp(join(tmpdir(), 'fastast-bench-build-'));
  try {
    const ckpt = join(work, 'ast-base-random');
    const t = performance.now();
    await writeAstBaseCheckpoint(CONFIG, ckpt);
    log(`   checkpoint: ${ckpt} (HF layout, F32, 527 labels, random weights) written in ${Math.round(performance.now() - t)} ms`);
    const runs: StartResult[] = [];
    for (let i = 0; i < rounds; i++) {
      const cache = join(work, `cache-${i}`); // empty: the cold start builds
      const start = (kind: StartKind, demo = false) =>
        runJsonChild<StartResult>(script, ['--child', 'build-start', kind, ckpt, cache, '--threads', String(threads), ...(demo ? ['--demo'] : [])]);
      runs.push(await start('inmemory'));
      runs.push(await start('cold'));
      runs.push(await start('cached', i === rounds - 1));
      await rm(cache, { recursive: true, force: true });
    }
    const kinds: StartKind[] = ['inmemory', 'cold', 'cached'];
    const of = (k: StartKind) => runs.filter((r) => r.kind === k);
    const medianMs = Object.fromEntries(kinds.map((k) => [k, median(of(k).map((r) => r.ms))])) as Record<StartKind, number>;
    const peakRssMb = Object.fromEntries(kinds.map((k) => [k, Math.max(...of(k).map((r) => r.peakRssMb))])) as Record<StartKind, number>;
    const bad = of('cold').find((r) => r.fromCache) ?? of('cached').find((r) => !r.fromCache);
    if (bad) throw new Error(`a ${bad.kind} start ${bad.fromCache ? 'found' : 'missed'} the cache`);
    const demo = of('cached').find((r) => r.demo)?.demo;
    return {
      rounds,
      medianMs,
      peakRssMb,
      runs,
      cachedOverCold: medianMs.cached / medianMs.cold,
      coldOverInMemory: medianMs.cold / medianMs.inmemory,
      targets: { cachedOverColdMax: TARGET_CACHED_RATIO, peakRssMbMax: TARGET_PEAK_MB },
      demo,
    };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

export function printBuildBench(r: BuildBenchResult, log: (line: string) => void): void {
  const mark = (ok: boolean) => (ok ? '✓' : '✗');
  const ms = (k: StartKind) => r.runs.filter((x) => x.kind === k).map((x) => x.ms).join(' ');
  log(`   start to a ready engine (median of ${r.rounds}; each start a fresh process)        ms    runs (ms)            peak RSS`);
  log(`   no cache, graph as bytes in JS (today's path, baseline)  ${String(r.medianMs.inmemory).padStart(8)}    ${ms('inmemory').padEnd(20)} ${r.peakRssMb.inmemory} MB`);
  log(`   cold: weights read, graph streamed into the cache         ${String(r.medianMs.cold).padStart(8)}    ${ms('cold').padEnd(20)} ${r.peakRssMb.cold} MB  ${mark(r.peakRssMb.cold <= TARGET_PEAK_MB)} target ≤ ${TARGET_PEAK_MB} MB`);
  log(`   cached: graph from the cache, weights not read            ${String(r.medianMs.cached).padStart(8)}    ${ms('cached').padEnd(20)} ${r.peakRssMb.cached} MB`);
  log(`   cached / cold = ${r.cachedOverCold.toFixed(2)}  ${mark(r.cachedOverCold <= TARGET_CACHED_RATIO)} target ≤ 0.33;  cold / baseline = ${r.coldOverInMemory.toFixed(2)};  peak RSS cold / baseline = ${(r.peakRssMb.cold / r.peakRssMb.inmemory).toFixed(2)}`);
  if (r.demo) {
    const d = r.demo;
    log(`   demo clip ${d.file} (cached engine, r = ${d.r}): top-1 "${d.top}" ${d.score} (random weights: the label means nothing); merge maps on the ${d.grid} patch grid → ${d.tokensAfter} tokens after layer 12  ${d.mapsOk ? '✓ consistent' : `✗ ${d.why}`}`);
  }
}
