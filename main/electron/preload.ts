/**
 * Preload (sandboxed, bundled to CommonJS): exposes the DesktopBridge of electron/bridge.ts on
 * `window.fastast` through contextBridge. The page never sees ipcRenderer or the port itself.
 *
 * Frames from the host are checked to be well-formed contract frames before the page gets them
 * (the page validates each payload against its method again); commands from the main process are
 * validated against the contract's `command` event and forwarded as event frames.
 */
import { contextBridge, ipcRenderer, webUtils } from 'electron';
import { decodeFrame, encodeFrame, events } from '../../app/contract/index.js';
import { DialogResult, IPC, type BridgeDialogKind, type DesktopBridge } from './bridge.js';
import { isMediaName } from '../http/media-name.js';

type FrameListener = (frame: ArrayBuffer) => void;
type StatusListener = (up: boolean, why?: string, gaveUp?: boolean) => void;

const frameListeners = new Set<FrameListener>();
const statusListeners = new Set<StatusListener>();
let port: MessagePort | null = null;
let connectedOnce = false;
const outbox: ArrayBuffer[] = [];

function deliver(frame: ArrayBuffer): void {
  for (const l of frameListeners) l(frame);
}

ipcRenderer.on(IPC.port, (event) => {
  const next = event.ports[0];
  if (!next) return;
  const reconnect = connectedOnce;
  connectedOnce = true;
  port?.close();
  port = next;
  port.onmessage = (m: MessageEvent) => {
    const data = m.data;
    const buf = data instanceof ArrayBuffer ? data : ArrayBuffer.isView(data) ? (data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength) as ArrayBuffer) : null;
    if (!buf) return;
    try {
      decodeFrame(buf);
    } catch (e) {
      console.error('fastast: dropped a malformed frame from the engine', e);
      return;
    }
    deliver(buf);
  };
  port.start();
  for (const f of outbox.splice(0)) port.postMessage(f);
  if (reconnect) for (const l of statusListeners) l(true);
});

ipcRenderer.on(IPC.hostStatus, (_e, msg: unknown) => {
  const m = msg as { up?: unknown; why?: unknown; gaveUp?: unknown } | null;
  if (!m || typeof m.up !== 'boolean') return;
  const why = typeof m.why === 'string' ? m.why.slice(0, 4096) : undefined;
  if (!m.up) {
    port?.close();
    port = null;
    for (const l of statusListeners) l(false, why, m.gaveUp === true);
  }
});

ipcRenderer.on(IPC.command, (_e, msg: unknown) => {
  try {
    const data = events.command.parse(msg, 'command');
    deliver(encodeFrame({ t: 'evt', event: 'command', data }));
  } catch (e) {
    console.error('fastast: dropped an invalid command from the main process', e);
  }
});

async function dialog(kind: BridgeDialogKind): Promise<string[]> {
  const res = await ipcRenderer.invoke(IPC.dialog, kind);
  return DialogResult.parse(res, 'dialog result');
}

const bridge: DesktopBridge = {
  send(frame) {
    if (!(frame instanceof ArrayBuffer)) throw new TypeError('fastast.send takes an ArrayBuffer frame');
    if (port) port.postMessage(frame);
    else outbox.push(frame);
  },
  onFrame(cb) {
    frameListeners.add(cb);
    return () => frameListeners.delete(cb);
  },
  onHostStatus(cb) {
    statusListeners.add(cb);
    return () => statusListeners.delete(cb);
  },
  mediaUrl(name) {
    if (!isMediaName(name)) throw new TypeError(`bad media name ${name}`);
    return `fastast-media://media/${name}`;
  },
  retryEngine: () => ipcRenderer.send(IPC.retryEngine),
  pickFiles: () => dialog('files'),
  pickFolder: async () => (await dialog('folder'))[0] ?? null,
  pickLabelFile: async () => (await dialog('labels'))[0] ?? null,
  pathForFile: (file) => webUtils.getPathForFile(file),
  noteOpened: (path) => {
    if (typeof path === 'string' && path.length > 0 && path.length <= 4096) ipcRenderer.send(IPC.opened, path);
  },
};

contextBridge.exposeInMainWorld('fastast', bridge);
ipcRenderer.send(IPC.ready);
