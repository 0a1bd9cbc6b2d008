import { parentPort, workerData } from 'node:worker_threads';
import { FastAstError } from '../errors.js';
import { checkpointOnDisk, createCachedNodeEngine } from './cached-engine.js';
import { GraphCache } from './graph-cache.js';
import type { Engine } from './types.js';
import type { FromWorker, ToWorker, WorkerEngineOptions } from './worker-engine.js';

/** The worker side of worker-engine.ts: opens the model as the CLI does, then runs what it is sent, in order. */
const port = parentPort!;
const { opts } = workerData as { opts: WorkerEngineOptions };
const send = (m: FromWorker) => port.postMessage(m);
const described = (e: unknown) => ({ code: e instanceof FastAstError ? e.code : undefined, message: e instanceof Error ? e.message : String(e) });

let engine: Engine;
try {
  const notice = (message: string) => send({ notice: message });
  const ck = await checkpointOnDisk(opts.checkpoint);
  const cache = await GraphCache.open({ notice });
  ({ engine } = await createCachedNodeEngine(ck, { cache, providers: opts.providers, threads: opts.threads, weights: opts.weights, notice }));
} catch (e) {
  send({ failed: described(e) });
  process.exit(1);
}
port.on('message', async (m: ToWorker) => {
  if ('dispose' in m) {
    await engine.dispose();
    process.exit(0); // ends this thread only; onnxruntime's pool would otherwise keep it alive

  }
  try {
    send({ id: m.id, result: await engine.run(m.input, m.batch, m.settings) });
  } catch (e) {
    send({ id: m.id, error: described(e) });
  }
});
send({ ready: { spec: engine.spec, ep: engine.ep, attempts: engine.attempts, weights: engine.weights ?? 'float32' } });
