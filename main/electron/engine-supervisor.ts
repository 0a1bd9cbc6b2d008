/**
 * The engine host in a utilityProcess (onnxruntime's native code runs there, so a crash takes
 * that process down, not the window), kept running by the shared Supervisor
 * (main/process/supervisor.ts: restarts with backoff, gives up after 5 deaths in a minute);
 * each renderer gets a fresh MessagePort to it on start and after a restart.
 *
 * After it gave up, File → Retry Engine, the give-up dialog's Retry button, or the page's
 * bridge call (retryEngine) start it again.
 */
import { BrowserWindow, dialog, MessageChannelMain, utilityProcess, type UtilityProcess, type WebContents } from 'electron';
import { join } from 'node:path';
import type { MediaFolder } from '../process/media-folder.js';
import { Supervisor, type SupervisedChild } from '../process/supervisor.js';
import { IPC } from './bridge.js';
import type { EngineProcessConfig } from './engine-process.js';

/** A utilityProcess as the supervisor sees it: ready on the engine's { type: 'ready' } message. */
class EngineChild implements SupervisedChild {
  constructor(readonly proc: UtilityProcess) {}

  onReady(cb: () => void): void {
    this.proc.on('message', (m: { type?: string } | null) => {
      if (m?.type === 'ready') cb();
    });
  }

  onExit(cb: (why: string) => void): void {
    this.proc.once('exit', (code) => cb(`exit code ${code}`));
  }

  kill(): void {
    this.proc.kill();
  }
}

export class EngineSupervisor {
  private readonly supervisor: Supervisor<EngineChild>;
  /** Renderers that asked for a port while the engine was not ready. */
  private readonly waiting = new Set<WebContents>();

  /** `bundleDir` holds engine.mjs; `config` is passed to it as its one argument. */
  constructor(
    private readonly bundleDir: string,
    private readonly config: EngineProcessConfig,
    private readonly media: MediaFolder,
  ) {
    this.supervisor = new Supervisor(() => this.spawn(), { up: () => this.up(), down: (why, inMs) => this.down(why, inMs) });
  }

  start(): void {
    this.supervisor.start();
  }

  /** Starts the engine again after the supervisor gave up (and forgets the deaths so far). */
  retry(): void {
    this.supervisor.retry();
  }

  /** Gives a renderer a fresh port to the engine (now, or once the engine is ready). */
  connect(wc: WebContents): void {
    const child = this.supervisor.current;
    if (!child) {
      this.waiting.add(wc);
      return;
    }
    const { port1, port2 } = new MessageChannelMain();
    child.proc.postMessage({ type: 'connect' }, [port1]);
    wc.postMessage(IPC.port, null, [port2]);
  }

  stop(): void {
    this.supervisor.stop();
  }

  private spawn(): EngineChild {
    // The dead engine's media files are of no use to the new one (it numbers files from f1 again).
    this.media.reset();
    const proc = utilityProcess.fork(join(this.bundleDir, 'engine.mjs'), [JSON.stringify(this.config)], {
      serviceName: 'FastAST engine',
      stdio: 'inherit',
    });
    return new EngineChild(proc);
  }

  private up(): void {
    for (const wc of this.waiting) if (!wc.isDestroyed()) this.connect(wc);
    this.waiting.clear();
  }

  private down(why: string, restartInMs: number | null): void {
    const gaveUp = restartInMs === null;
    const message = gaveUp
      ? `The engine process keeps stopping (${why}, 5 times in a minute). Check the model you picked, then use File → Retry Engine.`
      : `The engine process stopped (${why}); restarting it.`;
    for (const w of BrowserWindow.getAllWindows()) {
      w.webContents.send(IPC.hostStatus, { up: false, why: message, gaveUp });
      this.waiting.add(w.webContents);
    }
    if (!gaveUp) return;
    void dialog
      .showMessageBox({ type: 'error', title: 'FastAST Studio', message: 'The engine process keeps stopping.', detail: message, buttons: ['Retry', 'Close'], defaultId: 0, cancelId: 1 })
      .then(({ response }) => {
        if (response === 0) this.retry();
      });
  }
}
