/**
 * A Node child process (child_process.fork) as a SupervisedChild: ready when it sends
 * `{ t: 'ready' }` over its IPC channel, gone when it exits or fails to start.
 *
 * TypeScript entries run through tsx's loader, found by path so the child does not depend on
 * the working directory or on how the parent itself was started (tsx, vitest, node).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import type { SupervisedChild } from './supervisor.js';

/** The message a child sends once it can take work. */
export const READY_MESSAGE = { t: 'ready' } as const;

function execArgvFor(entry: string): string[] {
  if (!entry.endsWith('.ts')) return [];
  const loader = createRequire(import.meta.url).resolve('tsx');
  return ['--import', pathToFileURL(loader).href];
}

export class ForkedChild implements SupervisedChild {
  readonly proc: ChildProcess;
  private readonly exited: Promise<string>;

  /** `args` follow the entry on the child's command line. */
  constructor(entry: string, args: string[] = []) {
    // 'advanced' serialization: binary frames cross as Uint8Arrays, not as JSON arrays of numbers.
    this.proc = fork(entry, args, { execArgv: execArgvFor(entry), serialization: 'advanced', stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    this.exited = new Promise((res) => {
      // 'error' without 'exit' when the process could not be spawned; 'exit' otherwise.
      this.proc.once('error', (e) => res(`could not start: ${e.message}`));
      this.proc.once('exit', (code, signal) => res(signal ? `killed by ${signal}` : `exit code ${code}`));
    });
  }

  get pid(): number | undefined {
    return this.proc.pid;
  }

  onReady(cb: () => void): void {
    this.proc.on('message', (m: unknown) => {
      if ((m as { t?: unknown } | null)?.t === READY_MESSAGE.t) cb();
    });
  }

  onExit(cb: (why: string) => void): void {
    void this.exited.then(cb);
  }

  kill(): void {
    this.proc.kill('SIGTERM');
  }

  /** Sends a message if the channel is still open (a dying child's channel closes under us). */
  send(message: unknown): void {
    if (this.proc.connected) this.proc.send(message as never, (e) => void e);
  }
}
