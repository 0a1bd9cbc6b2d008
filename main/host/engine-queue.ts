/**
 * One engine run at a time, interactive work first. On a 2-core machine two concurrent session
 * runs only slow each other down; what matters is that a slider move never waits behind a
 * whole analysis. Analysis submits one batch at a time at background priority, so a focused
 * window run waits for at most one batch. A waiting job whose signal aborts leaves the queue.
 */
import type { Engine } from '../../app/engine/types.js';
import { withRun } from '../../app/engine/with-run.js';
import { cancelled } from './rpc.js';

export type Priority = 'interactive' | 'background';

interface Job {
  priority: Priority;
  signal: AbortSignal;
  run: () => Promise<void>;
  reject: (e: unknown) => void;
}

export class EngineQueue {
  private readonly waiting: Job[] = [];
  private busy = false;

  /** Runs `fn` when the engine is free (interactive jobs jump the background ones). */
  submit<T>(priority: Priority, signal: AbortSignal, fn: () => Promise<T>): Promise<T> {
    if (signal.aborted) return Promise.reject(cancelled());
    return new Promise<T>((resolve, reject) => {
      const onAbort = () => {
        const i = this.waiting.indexOf(job);
        if (i >= 0) {
          this.waiting.splice(i, 1);
          reject(cancelled());
        }
      };
      const job: Job = {
        priority,
        signal,
        reject: (e) => {
          signal.removeEventListener('abort', onAbort);
          reject(e);
        },
        run: async () => {
          signal.removeEventListener('abort', onAbort);
          try {
            resolve(await fn());
          } catch (e) {
            reject(e);
          }
        },
      };
      signal.addEventListener('abort', onAbort, { once: true });
      if (priority === 'interactive') {
        const firstBackground = this.waiting.findIndex((j) => j.priority === 'background');
        this.waiting.splice(firstBackground < 0 ? this.waiting.length : firstBackground, 0, job);
      } else this.waiting.push(job);
      void this.pump();
    });
  }

  private async pump(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      for (let job = this.waiting.shift(); job; job = this.waiting.shift()) {
        if (job.signal.aborted) {
          job.reject(cancelled());
          continue;
        }
        await job.run();
      }
    } finally {
      this.busy = false;
    }
  }

  /** An Engine whose runs go through this queue at `priority` (for code that takes an Engine). */
  wrap(engine: Engine, priority: Priority, signal: AbortSignal): Engine {
    // The queue does not own the engine: disposing the wrapper leaves it open.
    return withRun(engine, (input, batch, settings) => this.submit(priority, signal, () => engine.run(input, batch, settings)), () => Promise.resolve());
  }
}
