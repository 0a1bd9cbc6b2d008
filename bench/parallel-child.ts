/**
 * One worker of the parallel-layout part of `npm run bench -- --only speed` (speed.bench.ts):
 * `tsx bench/parallel-child.ts <base|tiny> <threads> <windows> <batch> <r,r,…>`. It opens a
 * float32 engine with that many intra-op threads, runs one warm-up per r, prints "ready", waits
 * for a line on stdin (the parent starts every worker of a layout at once), then runs `windows`
 * windows, `batch` per run, at each r and prints {"ms": {r: total ms}} as its last line.
 *
 * Processes, not sessions in one thread: onnxruntime-node 1.30 runs one thread's sessions one
 * after the other (two concurrent 4-window runs of the bundled model took 889–943 ms against
 * 897–914 ms in sequence). The app's pool puts its extra sessions in worker threads
 * (app/engine/worker-engine.ts); processes measure the same layout without needing a checkpoint
 * on disk for AST-base's random weights.
 */
import { createInterface } from 'node:readline';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createNodeEngine } from '../app/engine/node-engine.js';
import { constantSchedule } from '../app/tome/schedule.js';
import { demoWindows, loadModel, type ModelKey } from './speed.bench.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const [key, threadsArg, windowsArg, batchArg, rArg] = process.argv.slice(2);
const threads = Number(threadsArg);
const count = Number(windowsArg);
const batch = Number(batchArg);
const rs = rArg.split(',').map(Number);

const model = await loadModel(ROOT, key as ModelKey);
const { spec } = model;
const engine = await createNodeEngine(model, { providers: ['cpu'], threads, graph: { attention: 'mha' } });
model.weights.clear();
const per = spec.maxLength * spec.numMelBins;
const windows = await demoWindows(ROOT, spec, count);
const settings = (r: number) => ({ schedule: constantSchedule(r, spec.numLayers), propAttn: true, protectDistillation: true });
for (const r of rs) await engine.run(windows.subarray(0, batch * per), batch, settings(r));
process.stdout.write('ready\n');
await new Promise<void>((go) => createInterface({ input: process.stdin }).once('line', () => go()));
const ms: Record<number, number> = {};
for (const r of rs) {
  const t0 = performance.now();
  for (let i = 0; i < count; i += batch) await engine.run(windows.subarray(i * per, (i + batch) * per), batch, settings(r));
  ms[r] = performance.now() - t0;
}
process.stdout.write(JSON.stringify({ ms }) + '\n');
process.exit(0); // onnxruntime's thread pool must not keep the process alive
