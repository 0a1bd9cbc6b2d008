/**
 * The engine host in a utilityProcess (onnxruntime's native code runs there, so a crash takes
 * that process down, not the window), respawned when it dies; each renderer gets a fresh
 * MessagePort to it on start and after a respawn.
 */
import { BrowserWindow, dialog, MessageChannelMain, utilityProcess, type UtilityProcess, type WebContents } from 'electron';
import { join } from 'node:path';
import { IPC } from './bridge.js';
import type { EngineProcessConfig } from './engine-process.js';

/** Respawns within this window that make the supervisor give up. */
const RESTART_WINDOW_MS = 60_000;
const MAX_RESTARTS = 4;
const RESTART_DELAY_MS = 400;

export class EngineSupervisor {
  private child: UtilityProcess | null = null;
  private ready = false;
  private readonly waiting = new Set<WebContents>();
  private readonly restarts: number[] = [];
  private quitting = false;

  /** `bundleDir` holds engine.mjs; `config` is passed to it as its one argument. */
  constructor(
    private readonly bundleDir: string,
    private readonly config: EngineProcessConfig,
  ) {}

  start(): void {
    this.ready = false;
    const child = utilityProcess.fork(join(this.bundleDir, 'engine.mjs'), [JSON.stringify(this.config)], {
      serviceName: 'FastAST engine',
      stdio: 'inherit',
    });
    this.child = child;
    child.on('message', (m: { type?: string } | null) => {
      if (m?.type !== 'ready') return;
      this.ready = true;
      for (const wc of this.waiting) this.connect(wc);
      this.waiting.clear();
    });
    child.on('exit', (code) => {
      if (this.child !== child) return;
      this.child = null;
      this.ready = false;
      if (this.quitting) return;
      const why = `The engine process stopped (exit code ${code}); restarting it.`;
      for (const w of BrowserWindow.getAllWindows()) {
        w.webContents.send(IPC.hostStatus, { up: false, why });
        this.waiting.add(w.webContents);
      }
      const now = Date.now();
      this.restarts.push(now);
      while (this.restarts.length && now - this.restarts[0] > RESTART_WINDOW_MS) this.restarts.shift();
      if (this.restarts.length > MAX_RESTARTS) {
        dialog.showErrorBox('FastAST Studio', 'The engine process keeps stopping (5 times in a minute). Check the model you picked, then restart the app.');
        return;
      }
      setTimeout(() => this.start(), RESTART_DELAY_MS);
    });
  }

  /** Gives a renderer a fresh port to the engine (now, or once the engine is ready). */
  connect(wc: WebContents): void {
    if (!this.child || !this.ready) {
      this.waiting.add(wc);
      return;
    }
    const { port1, port2 } = new MessageChannelMain();
    this.child.postMessage({ type: 'connect' }, [port1]);
    wc.postMessage(IPC.port, null, [port2]);
  }

  stop(): void {
    this.quitting = true;
    this.child?.kill();
  }
}
