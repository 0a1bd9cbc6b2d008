/**
 * The engine host inside Electron's utilityProcess: onnxruntime's native code runs here, so a
 * crash takes this process down, not the window (main respawns it and tells the user).
 *
 * The main process hands over one MessagePort per renderer; frames on it are the contract's
 * binary frames (ArrayBuffers travel as structured clones, never as JSON).
 */
import { Host, type HostConfig } from '../host/host.js';
import { ClientConnection } from '../host/rpc.js';

interface PortLike {
  on(event: 'message', cb: (e: { data: unknown }) => void): void;
  on(event: 'close', cb: () => void): void;
  postMessage(message: unknown): void;
  start(): void;
}

interface ParentPortLike {
  on(event: 'message', cb: (e: { data: unknown; ports: PortLike[] }) => void): void;
  postMessage(message: unknown): void;
}

/** What main passes as the one command-line argument (JSON): the host's settings that are plain data. */
export type EngineProcessConfig = Pick<HostConfig, 'appVersion' | 'modelsDir' | 'defaultModel' | 'stateDir' | 'mediaDir' | 'demoDir' | 'homeDir' | 'threads'>;

async function run(): Promise<void> {
  const parentPort = (process as unknown as { parentPort?: ParentPortLike }).parentPort;
  if (!parentPort) throw new Error('engine-process must run in an Electron utilityProcess');
  const cfg = JSON.parse(process.argv[2] ?? '{}') as EngineProcessConfig;
  const host = new Host({ kind: 'electron', ...cfg, log: (line) => console.error(`[engine] ${line}`) });
  await host.start();
  parentPort.on('message', (e) => {
    const data = e.data as { type?: string } | null;
    if (data?.type !== 'connect' || !e.ports[0]) return;
    const port = e.ports[0];
    const conn = new ClientConnection(
      (frame) => port.postMessage(frame),
      host.handle,
      (line) => console.error(`[engine] ${line}`),
    );
    port.on('message', (m) => {
      if (m.data instanceof ArrayBuffer || ArrayBuffer.isView(m.data)) conn.receive(m.data as ArrayBuffer);
    });
    port.on('close', () => conn.close());
    port.start();
  });
  parentPort.postMessage({ type: 'ready' });
  const stop = () => void host.dispose().finally(() => process.exit(0));
  process.on('SIGTERM', stop);
}

run().catch((e) => {
  console.error(`[engine] failed to start: ${(e as Error).stack ?? e}`);
  process.exit(70);
});
