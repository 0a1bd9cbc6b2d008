/**
 * serve's parent side of the host: keeps the host child running (the shared Supervisor, restarts
 * with backoff, gives up after repeated deaths until retry()), and pipes each WebSocket's
 * frames to it and back.
 *
 * When the child dies, every open socket is closed with a code that says so (SOCKET_CLOSE in
 * app/contract): "restarting" (the page reconnects, with the same token, and says hello again)
 * or "stopped" (the page stops and offers retry). Sockets that connect while the child is
 * starting wait: their frames are queued until it is ready.
 */
import { fileURLToPath } from 'node:url';
import { closeReason, SOCKET_CLOSE } from '../../app/contract/socket-close.js';
import { ForkedChild } from '../process/forked-child.js';
import type { MediaFolder } from '../process/media-folder.js';
import { DEFAULT_POLICY, Supervisor, type SupervisorPolicy } from '../process/supervisor.js';
import type { FromHostChild, FrontSocket, HostChildConfig, HostConnection, ToHostChild } from './host-wire.js';

const CHILD_ENTRY = fileURLToPath(new URL('./host-child.ts', import.meta.url));
/** A child that ignores SIGTERM this long is killed. */
const STOP_GRACE_MS = 5_000;
/** A socket that queues more than this while the child starts is closed (1013, try again later). */
const MAX_QUEUED_BYTES = 64 * 1024 * 1024;

interface Linked {
  socket: FrontSocket;
  /** Frames that came before the child was ready, and their size. */
  queue: Uint8Array[];
  queued: number;
  /** Whether the current child knows this connection. */
  open: boolean;
}

export class HostLink {
  private readonly supervisor: Supervisor<ForkedChild>;
  private readonly linked = new Map<number, Linked>();
  private nextConn = 1;
  private firstStart: { resolve: () => void; reject: (e: Error) => void } | null = null;

  constructor(
    private readonly cfg: HostChildConfig,
    private readonly media: MediaFolder,
    private readonly log: (line: string) => void,
    policy: SupervisorPolicy = DEFAULT_POLICY,
  ) {
    this.supervisor = new Supervisor(() => this.spawn(), { up: () => this.up(), down: (why, inMs) => this.down(why, inMs) }, policy);
  }

  /** Resolves once the first child is ready; rejects (and stops) if it dies before that. */
  start(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.firstStart = { resolve, reject };
      this.supervisor.start();
    });
  }

  /** The running child's pid (for logs and tests). */
  get pid(): number | undefined {
    return this.supervisor.current?.pid;
  }

  /** Starts the child again after the supervisor gave up. False when it had not given up. */
  retry(): boolean {
    if (this.supervisor.state !== 'gave-up') return false;
    this.log('retry: starting the host again');
    this.supervisor.retry();
    return true;
  }

  /** A WebSocket joined; returns where its frames go. */
  connect(socket: FrontSocket): HostConnection {
    if (this.supervisor.state === 'gave-up') {
      socket.close(SOCKET_CLOSE.hostStopped, this.stoppedReason(this.supervisor.why));
      return { receive: () => {}, close: () => {} };
    }
    const conn = this.nextConn++;
    const entry: Linked = { socket, queue: [], queued: 0, open: false };
    this.linked.set(conn, entry);
    if (this.supervisor.current) this.open(conn, entry);
    return {
      receive: (frame) => {
        // Unlinked (its child died, or it sent too much): the socket is closing; drop what still comes.
        if (this.linked.get(conn) !== entry) return;
        if (entry.open) {
          this.send({ t: 'frame', conn, data: frame });
          return;
        }
        entry.queue.push(frame);
        entry.queued += frame.byteLength;
        if (entry.queued > MAX_QUEUED_BYTES) {
          this.linked.delete(conn);
          socket.close(1013, 'too much sent while the host was starting');
        }
      },
      close: () => {
        if (this.linked.get(conn) !== entry) return;
        this.linked.delete(conn);
        if (entry.open) this.send({ t: 'close', conn });
      },
    };
  }

  async stop(): Promise<void> {
    const child = this.supervisor.current;
    this.supervisor.stop();
    if (!child || child.proc.exitCode !== null || child.proc.signalCode !== null) return;
    await new Promise<void>((res) => {
      const timer = setTimeout(() => child.proc.kill('SIGKILL'), STOP_GRACE_MS);
      child.proc.once('exit', () => {
        clearTimeout(timer);
        res();
      });
    });
  }

  private spawn(): ForkedChild {
    // The dead child's media files are of no use to the new one (it numbers files from f1 again).
    this.media.reset();
    const child = new ForkedChild(CHILD_ENTRY, [JSON.stringify(this.cfg)]);
    child.proc.on('message', (m: FromHostChild | { t?: unknown }) => {
      if (m.t !== 'frame') return;
      const f = m as FromHostChild;
      this.linked.get(f.conn)?.socket.send(f.data);
    });
    return child;
  }

  private send(message: ToHostChild): void {
    this.supervisor.current?.send(message);
  }

  private open(conn: number, entry: Linked): void {
    entry.open = true;
    this.send({ t: 'open', conn });
    for (const frame of entry.queue.splice(0)) this.send({ t: 'frame', conn, data: frame });
    entry.queued = 0;
  }

  private up(): void {
    this.log(`host process ${this.pid} is ready`);
    this.firstStart?.resolve();
    this.firstStart = null;
    for (const [conn, entry] of this.linked) this.open(conn, entry);
  }

  private down(why: string, restartInMs: number | null): void {
    if (this.firstStart) {
      this.supervisor.stop();
      this.firstStart.reject(new Error(`the host process could not start (${why})`));
      this.firstStart = null;
      return;
    }
    this.log(restartInMs === null ? `host process stopped (${why}); giving up until retried` : `host process stopped (${why}); restarting in ${restartInMs} ms`);
    // The sockets' calls died with the child: close them so the page fails those calls, and
    // reconnects (or stops) by the close code.
    const [code, reason] =
      restartInMs === null ? [SOCKET_CLOSE.hostStopped, this.stoppedReason(why)] : [SOCKET_CLOSE.hostRestarting, closeReason(`host restarting: ${why}`)];
    const sockets = [...this.linked.values()].map((l) => l.socket);
    this.linked.clear();
    for (const s of sockets) s.close(code, reason);
  }

  private stoppedReason(why: string): string {
    return closeReason(`host stopped after repeated crashes (last: ${why}); retry`);
  }
}
