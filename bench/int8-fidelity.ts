/**
 * `npx tsx bench/int8-fidelity.ts [--threads N] [--models cmkd,plain] [--r 0,16,48] [--limit N]`,
 * and the last part of `npm run bench`'s speed section (runInt8Fidelity).
 *
 * What 8-bit weights cost in fidelity, reported as merging's cost is: for each bundled model,
 * float32 and int8 (the CPU default kernel) engines run the same windows at each r, and this prints
 *  - top-1 agreement with float32 per window, on the demo clips (data/demo) and on ESC-10 fold 5;
 *  - accuracy on fold 5 (mean score over a clip's windows, as `fastast eval` scores a clip), both;
 *  - ToMe merge decisions that change, as partitions of the original tokens (app/tome/groups.ts):
 *    after each layer, the share of tokens whose group (the set of tokens merged with it) differs
 *    from float32's; the windows whose final partition is identical; and the first layer where a
 *    window's partition departs. The keys come out of the int8 key projection, so layer 0's
 *    merges can change too, and later layers also see the other int8 layers' outputs.
 */
import { readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { openLabelledSet } from '../app/analysis/labelled-set.js';
import { scoresFromLogits } from '../app/analysis/scores.js';
import { featuresForFile } from '../app/audio/features.js';
import { windowCount, windowInput } from '../app/audio/windows.js';
import { loadCheckpoint } from '../app/checkpoint/load.js';
import { createNodeEngine } from '../app/engine/node-engine.js';
import type { Engine, ItemResult } from '../app/engine/types.js';
import { canonicalPartition, composeGroups } from '../app/tome/groups.js';
import { constantSchedule } from '../app/tome/schedule.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

export interface FidelityOptions {
  threads: number;
  /** Bundled model suffixes: 'cmkd', 'plain'. */
  models: string[];
  rs: number[];
  /** Fold-5 clips to use (all 80 by default). */
  limit: number;
  log: (line: string) => void;
}

const argmax = (a: Float32Array) => a.reduce((best, v, i) => (v > a[best] ? i : best), 0);

interface Tally {
  windows: number;
  agree: number;
  maxLogitDiff: number;
  /** Tokens × layers compared, and those whose group differs from float32's. */
  tokens: number;
  changedTokens: number;
  /** Windows whose partition after the last layer is float32's. */
  sameFinal: number;
  /** Per window whose partition departs: the first layer where it does (count per layer). */
  firstDiff: number[];
}
const tally = (): Tally => ({ windows: 0, agree: 0, maxLogitDiff: 0, tokens: 0, changedTokens: 0, sameFinal: 0, firstDiff: [] });

function compare(t: Tally, f: ItemResult, q: ItemResult, r: number): void {
  t.windows++;
  if (argmax(f.logits) === argmax(q.logits)) t.agree++;
  f.logits.forEach((v, i) => (t.maxLogitDiff = Math.max(t.maxLogitDiff, Math.abs(v - q.logits[i]))));
  if (r === 0) return;
  const n = f.maps[0].length;
  const gf = composeGroups(f.maps, n);
  const gq = composeGroups(q.maps, n);
  let first = -1;
  gf.forEach((groups, l) => {
    const a = canonicalPartition(groups);
    const b = canonicalPartition(gq[l]);
    let changed = 0;
    for (let j = 0; j < n; j++) if (a[j] !== b[j]) changed++;
    t.tokens += n;
    t.changedTokens += changed;
    if (changed && first < 0) first = l;
  });
  if (first < 0) t.sameFinal++;
  else t.firstDiff[first] = (t.firstDiff[first] ?? 0) + 1;
}

async function windowsOf(path: string, engine: Engine): Promise<Float32Array[]> {
  const { spec } = engine;
  const f = await featuresForFile(path, spec.features);
  return Array.from({ length: windowCount(f.frames, spec.maxLength) }, (_, k) => windowInput(f.fbank, f.frames, f.numMelBins, k, spec.maxLength, spec.features));
}

export async function runInt8Fidelity({ threads, models, rs, limit, log }: FidelityOptions): Promise<void> {
  for (const name of models) {
    const checkpoint = await loadCheckpoint(join(ROOT, 'models', `ast-tiny-esc10-${name}`));
    const f32 = await createNodeEngine(checkpoint, { providers: ['cpu'], threads });
    const int8 = await createNodeEngine(checkpoint, { providers: ['cpu'], threads, weights: 'int8' });
    const { spec } = f32;
    const demo = readdirSync(join(ROOT, 'data/demo')).filter((f) => f.endsWith('.flac')).map((f) => join(ROOT, 'data/demo', f));
    const set = await openLabelledSet(join(ROOT, 'data/esc10/esc10_fold5.csv'), spec.labels, { fold: 5 });
    const clips = set.clips.slice(0, limit);
    const demoT = rs.map(tally);
    const foldT = rs.map(tally);
    const correct = rs.map(() => ({ f32: 0, int8: 0 }));
    const run = async (e: Engine, w: Float32Array, r: number) =>
      (await e.run(w, 1, { schedule: constantSchedule(r, spec.numLayers), propAttn: true, protectDistillation: true })).items[0];
    for (const path of demo) {
      for (const w of await windowsOf(path, f32)) for (const [i, r] of rs.entries()) compare(demoT[i], await run(f32, w, r), await run(int8, w, r), r);
    }
    for (const clip of clips) {
      const ws = await windowsOf(clip.path, f32);
      for (const [i, r] of rs.entries()) {
        const mean = { f32: new Float32Array(spec.labels.length), int8: new Float32Array(spec.labels.length) };
        for (const w of ws) {
          const a = await run(f32, w, r);
          const b = await run(int8, w, r);
          compare(foldT[i], a, b, r);
          scoresFromLogits(a.logits, spec.multiLabel).forEach((s, c) => (mean.f32[c] += s));
          scoresFromLogits(b.logits, spec.multiLabel).forEach((s, c) => (mean.int8[c] += s));
        }
        if (clip.targets.includes(argmax(mean.f32))) correct[i].f32++;
        if (clip.targets.includes(argmax(mean.int8))) correct[i].int8++;
      }
    }
    log(`\nast-tiny-esc10-${name}: float32 vs int8 (${int8.weights}), ${threads} threads, CPU EP`);
    for (const [i, r] of rs.entries()) {
      const d = demoT[i];
      const f = foldT[i];
      const firsts = (t: Tally) => t.firstDiff.map((c, l) => (c ? `layer ${l}: ${c}` : '')).filter(Boolean).join(', ');
      const maps = (t: Tally) =>
        r === 0
          ? 'no merges at r = 0'
          : `tokens in another group than float32's, over all layers: ${((100 * t.changedTokens) / t.tokens).toFixed(2)} %; final partition identical in ${t.sameFinal}/${t.windows} windows; first departure ${firsts(t) || 'none'}`;
      log(`  r = ${r}: top-1 agreement per window: demo ${d.agree}/${d.windows}, fold 5 ${f.agree}/${f.windows}; max |Δlogit| ${Math.max(d.maxLogitDiff, f.maxLogitDiff).toFixed(4)}`);
      log(`          fold-5 accuracy (${clips.length} clips): float32 ${correct[i].f32}, int8 ${correct[i].int8}`);
      log(`          demo: ${maps(d)}`);
      log(`          fold 5: ${maps(f)}`);
    }
    await f32.dispose();
    await int8.dispose();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const arg = (name: string) => {
    const i = process.argv.indexOf(name);
    return i >= 0 ? process.argv[i + 1] : undefined;
  };
  await runInt8Fidelity({
    threads: Number(arg('--threads') ?? 2),
    models: (arg('--models') ?? 'cmkd,plain').split(','),
    rs: (arg('--r') ?? '0,16,48').split(',').map(Number),
    limit: Number(arg('--limit') ?? Infinity),
    log: (line) => console.log(line),
  });
  process.exit(0); // onnxruntime's thread pool must not keep the process alive
}
