// The entry of worker-engine.ts's threads: registers tsx's loader when the engine runs from
// TypeScript sources (a worker does not inherit it), then loads the worker itself.
import { workerData } from 'node:worker_threads';

if (workerData.entry.endsWith('.ts')) (await import('tsx/esm/api')).register();
await import(workerData.entry);
