/**
 * serve's host child: the Host (onnxruntime, decoding, files) in a process of its own, so that
 * an engine crash or an out-of-memory kill ends this process, not serve (the parent restarts it,
 * main/serve/host-link.ts). Started by the parent with its config as the one argument (JSON);
 * frames arrive and leave over the IPC channel, one ClientConnection per parent socket.
 */
import { parseProviders } from '../../app/engine/providers.js';
import { Host } from '../host/host.js';
import { ClientConnection } from '../host/rpc.js';
import { READY_MESSAGE } from '../process/forked-child.js';
import type { FromHostChild, HostChildConfig, ToHostChild } from './host-wire.js';

function reply(message: FromHostChild): void {
  if (process.connected) process.send!(message, undefined, {}, () => {});
}

async function run(): Promise<void> {
  if (!process.send) throw new Error('host-child must be started by serve (it needs an IPC channel)');
  const cfg = JSON.parse(process.argv[2] ?? '{}') as HostChildConfig;
  const log = cfg.quiet ? () => {} : (line: string) => console.error(`[host] ${line}`);
  const host = new Host({
    kind: 'serve',
    appVersion: cfg.appVersion,
    modelsDir: cfg.modelsDir,
    defaultModel: cfg.defaultModel,
    stateDir: cfg.stateDir,
    mediaDir: cfg.mediaDir,
    demoDir: cfg.demoDir,
    homeDir: cfg.homeDir,
    root: cfg.root,
    threads: cfg.threads,
    providers: cfg.providers ? parseProviders(cfg.providers) : undefined,
    log,
  });
  await host.start();

  const conns = new Map<number, ClientConnection>();
  process.on('message', (m: ToHostChild) => {
    if (m.t === 'open') {
      const conn = m.conn;
      conns.set(conn, new ClientConnection((frame) => reply({ t: 'frame', conn, data: new Uint8Array(frame) }), host.handle, log));
    } else if (m.t === 'frame') {
      conns.get(m.conn)?.receive(m.data);
    } else if (m.t === 'close') {
      conns.get(m.conn)?.close();
      conns.delete(m.conn);
    }
  });

  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    for (const c of conns.values()) c.close();
    void host.dispose().finally(() => process.exit(0));
  };
  process.on('SIGTERM', stop);
  // Ctrl-C in a terminal reaches the whole process group: the parent handles it and ends us.
  process.on('SIGINT', () => {});
  // The parent went away (even by kill -9): no one is left to serve, and no orphan should stay.
  process.on('disconnect', stop);
  process.send(READY_MESSAGE);
}

run().catch((e) => {
  console.error(`[host] failed to start: ${(e as Error).stack ?? e}`);
  process.exit(70);
});
