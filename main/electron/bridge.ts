/**
 * The Electron bridge: what the preload exposes to the page on `window.fastast`, and the few
 * ipcRenderer ↔ ipcMain channels beside the host port, with validators for what crosses them.
 * The preload, the main process and the renderer's client import it; it holds no Electron
 * import itself (the renderer needs only its types), and like the contract it stays Node-free.
 */
import { s, type Infer } from '../../app/contract/index.js';

/** What the Electron preload exposes on `window.fastast` (contextBridge). */
export interface DesktopBridge {
  /** Sends one encoded frame to the host. */
  send(frame: ArrayBuffer): void;
  /** Frames from the host. Returns an unsubscribe function. */
  onFrame(cb: (frame: ArrayBuffer) => void): () => void;
  /**
   * The engine process went down (false, with why) or is (back) up (true). `gaveUp`: it kept
   * dying and is not restarted until retryEngine().
   */
  onHostStatus(cb: (up: boolean, why?: string, gaveUp?: boolean) => void): () => void;
  /** Starts the engine again after it was given up on (as File → Retry Engine does). */
  retryEngine(): void;
  /** URL of a decoded media file served by the app protocol. */
  mediaUrl(name: string): string;
  /** Native dialogs. */
  pickFiles(): Promise<string[]>;
  pickFolder(): Promise<string | null>;
  /** A label file to import (Audacity .txt, Raven table, our JSON). */
  pickLabelFile(): Promise<string | null>;
  /** Path of a file dropped on the window (Electron's webUtils). */
  pathForFile(file: File): string;
  /** Tells the main process a file was opened (its Open Recent menu). */
  noteOpened(path: string): void;
}

export const BridgeDialogKind = s.enum(['files', 'folder', 'model', 'labels'] as const);
export type BridgeDialogKind = Infer<typeof BridgeDialogKind>;

/** Names of the few ipcRenderer ↔ ipcMain channels outside the host port (all validated). */
export const IPC = {
  /** Renderer → main (invoke): show an open dialog of a BridgeDialogKind; answers paths. */
  dialog: 'fastast:dialog',
  /** Renderer → main: the preload is listening (main then sends a port). */
  ready: 'fastast:ready',
  /** Main → renderer: here is the port to the engine host (on start and after a respawn). */
  port: 'fastast:port',
  /** Main → renderer: { up: false, why, gaveUp } when the engine process died (a new port follows unless gaveUp). */
  hostStatus: 'fastast:host-status',
  /** Renderer → main: start the engine again after it was given up on. */
  retryEngine: 'fastast:retry-engine',
  /** Renderer → main: a file was opened (for Open Recent). */
  opened: 'fastast:opened',
  /** Main → renderer: a menu or drop command, validated as the contract's `command` event. */
  command: 'fastast:command',
} as const;

export const DialogResult = s.array(s.string({ max: 4096, min: 1 }), { max: 10_000 });
