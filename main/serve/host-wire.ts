/**
 * What crosses between serve's parent (the HTTP/WebSocket front, main/serve/serve.ts) and its
 * host child (main/serve/host-child.ts) over the child's IPC channel, and the socket interfaces
 * the front hands the host link. Types only.
 *
 * The parent is a pipe for contract frames: it never decodes them, so a frame the host has not
 * seen cannot hurt the parent, and per-connection state stays in the host (one connection in
 * the child per WebSocket in the parent, numbered by the parent).
 */
import type { HostConfig } from '../host/host-config.js';

/**
 * The host's settings that are plain data (the one command-line argument of the child, as JSON):
 * HostConfig's fields, less what cannot cross a process boundary (functions, env), with the EP
 * list as typed on the command line (parsed in the child).
 */
export type HostChildConfig = Pick<HostConfig, 'appVersion' | 'modelsDir' | 'defaultModel' | 'stateDir' | 'mediaDir' | 'demoDir' | 'homeDir' | 'threads'> & {
  root: string | null;
  providers?: string;
  quiet?: boolean;
};

/** Parent → child. */
export type ToHostChild = { t: 'open'; conn: number } | { t: 'frame'; conn: number; data: Uint8Array } | { t: 'close'; conn: number };

/** Child → parent (besides forked-child.ts's ready message). */
export type FromHostChild = { t: 'frame'; conn: number; data: Uint8Array };

/** One WebSocket, as the host link sees it. */
export interface FrontSocket {
  send(frame: Uint8Array): void;
  close(code: number, reason: string): void;
}

/** What the front feeds a socket's frames into. */
export interface HostConnection {
  receive(frame: Uint8Array): void;
  /** The socket closed. */
  close(): void;
}

export type ConnectHost = (socket: FrontSocket) => HostConnection;
