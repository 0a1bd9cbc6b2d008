/**
 * `tsx bench/analysis-batch.bench.ts [--pairs N] [--minutes M] [--r R]`
 *
 * The workstation's analysis batch (main/host/analysis.ts): one window per run (main before
 * issue 13.1) against adaptive batches (app/analysis/adaptive-batch.ts, ANALYSIS_BATCH_MS),
 * on the bundled model, over a generated WAV (test/corpus/long-wav.ts, default 10 minutes,
 * hop = one window), in interleaved pairs whose order alternates. Each analysis is the host's
 * call (scoreWindows on the engine wrapped by an EngineQueue at background priority) while
 * "slider moves" arrive every 250–350 ms: one interactive window run at r = 16 each, whose
 * wait in the queue (submitted → started) is what a slider move pays for the analysis.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { adaptiveBatch } from '../app/analysis/adaptive-batch.js';
import { scoreWindows } from '../app/analysis/classify.js';
import { defaultBatchSize, type BatchSizer } from '../app/analysis/run-windows.js';
import { decodeAudioFile } from '../app/audio/decode.js';
import { loadCheckpoint } from '../app/checkpoint/load.js';
import { createNodeEngine } from '../app/engine/node-engine.js';
import { constantSchedule } from '../app/tome/schedule.js';
import { ANALYSIS_BATCH_MS } from '../main/host/analysis.js';
import { modelWindow, windowStartFrames } from '../main/host/audio-io.js';
import { EngineQueue } from '../main/host/engine-queue.js';
import { memorySamples } from '../main/host/sample-file.js';
import { writeLongWav } from '../test/corpus/long-wav.js';

const ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));

interface Arm {
  name: string;
  msPerWindow: number;
  sessionMsPerWindow: number;
  waits: number[];
  batches: number[];
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
const max = (xs: number[]) => xs.reduce((m, x) => Math.max(m, x), 0);

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { pairs: { type: 'string' }, minutes: { type: 'string' }, r: { type: 'string' } } });
  const pairs = Number(values.pairs ?? 3);
  const r = Number(values.r ?? 0);
  const tmp = mkdtempSync(join(tmpdir(), 'fastast-bench-analysis-batch-'));
  const wav = join(tmp, 'long.wav');
  writeLongWav(wav, { seconds: Number(values.minutes ?? 10) * 60, seed: 11 });
  const engine = await createNodeEngine(await loadCheckpoint(join(ROOT, 'models', 'ast-tiny-esc10-cmkd')), { providers: ['cpu'] });
  const spec = engine.spec;
  const samples = memorySamples((await decodeAudioFile(wav)).samples, 16000);
  const starts = windowStartFrames(samples.length, spec, spec.maxLength / 100);
  const settings = { schedule: constantSchedule(r, spec.numLayers), propAttn: true, protectDistillation: true };
  const slider = { schedule: constantSchedule(16, spec.numLayers), propAttn: true, protectDistillation: true };
  const probe = modelWindow(samples, spec, starts[0]).input;
  const never = new AbortController().signal;
  await engine.run(probe, 1, slider);
  await engine.run(probe, 1, settings);

  async function arm(name: string, batchSize: number | BatchSizer): Promise<Arm> {
    const queue = new EngineQueue();
    const batches: number[] = [];
    let sessionMs = 0;
    const background = queue.wrap(engine, 'background', never);
    const counted = { ...background, spec, ep: engine.ep, run: async (...a: Parameters<typeof engine.run>) => {
      batches.push(a[1]);
      const res = await background.run(...a);
      sessionMs += res.inferMs;
      return res;
    } };
    const waits: number[] = [];
    let running = true;
    const moves = (async () => {
      while (running) {
        await new Promise((res) => setTimeout(res, 250 + Math.random() * 100));
        if (!running) break;
        const t = performance.now();
        await queue.submit('interactive', never, () => {
          waits.push(performance.now() - t);
          return engine.run(probe, 1, slider);
        });
      }
    })();
    const t0 = performance.now();
    await scoreWindows(counted, starts.length, (k) => modelWindow(samples, spec, starts[k]).input, settings, { batchSize });
    const wall = performance.now() - t0;
    running = false;
    await moves;
    return { name, msPerWindow: wall / starts.length, sessionMsPerWindow: sessionMs / starts.length, waits, batches };
  }

  const max16 = defaultBatchSize(spec, engine.ep);
  console.log(`analysis batch: ${starts.length} windows (${Number(values.minutes ?? 10)} min, r = ${r}), ${pairs} interleaved pairs, budget ${ANALYSIS_BATCH_MS} ms, max ${max16}; load ${loadavg()[0].toFixed(1)}`);
  const rows: { one: Arm; adaptive: Arm }[] = [];
  for (let p = 0; p < pairs; p++) {
    const runOne = () => arm('batch 1', 1);
    const runAdaptive = () => arm('adaptive', adaptiveBatch({ budgetMs: ANALYSIS_BATCH_MS, max: max16 }));
    const [a, b] = p % 2 === 0 ? [await runOne(), await runAdaptive()] : [await runAdaptive(), await runOne()];
    const row = a.name === 'batch 1' ? { one: a, adaptive: b } : { one: b, adaptive: a };
    rows.push(row);
    for (const x of [row.one, row.adaptive]) {
      console.log(
        `  pair ${p + 1} ${x.name.padEnd(8)}: ${x.msPerWindow.toFixed(1)} ms/window wall, ${x.sessionMsPerWindow.toFixed(1)} in session.run; ` +
          `${x.waits.length} slider runs waited median ${median(x.waits).toFixed(0)} ms, worst ${max(x.waits).toFixed(0)} ms; batches median ${median(x.batches)}, max ${max(x.batches)}`,
      );
    }
    console.log(`  pair ${p + 1} speed-up (batch-1 wall / adaptive wall): ${(row.one.msPerWindow / row.adaptive.msPerWindow).toFixed(2)}×; load ${loadavg()[0].toFixed(1)}`);
  }
  const ratios = rows.map((x) => x.one.msPerWindow / x.adaptive.msPerWindow);
  console.log(`speed-up over pairs: median ${median(ratios).toFixed(2)}× (${Math.min(...ratios).toFixed(2)}–${Math.max(...ratios).toFixed(2)})`);
  console.log(`worst slider wait: batch 1 ${max(rows.flatMap((x) => x.one.waits)).toFixed(0)} ms, adaptive ${max(rows.flatMap((x) => x.adaptive.waits)).toFixed(0)} ms`);
  await engine.dispose();
  rmSync(tmp, { recursive: true, force: true });
}

await main();
