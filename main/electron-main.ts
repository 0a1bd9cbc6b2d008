/**
 * Electron main process: one window, native menus, drag and drop, remembered window state, and
 * the engine host in a utilityProcess that is respawned when it dies (the user is told).
 *
 * Security: contextIsolation + sandbox + no nodeIntegration; the page is served from app:// with
 * a strict CSP; navigation, new windows, webviews and permission requests are refused; every IPC
 * message from the page is validated against app/contract before it is acted on.
 */
import { app, BrowserWindow, dialog, ipcMain, Menu, MessageChannelMain, protocol, session, utilityProcess, type MenuItemConstructorOptions, type UtilityProcess, type WebContents } from 'electron';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { open as openFile, readFile, stat } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AUDIO_EXTENSIONS, events, s } from '../app/contract/index.js';
import { BridgeDialogKind, IPC } from './electron/bridge.js';
import type { EngineProcessConfig } from './engine-process.js';

const HERE = fileURLToPath(new URL('.', import.meta.url)); // dist/electron/
const ROOT = resolve(HERE, '..', '..');
const RENDERER_DIR = join(ROOT, 'dist', 'renderer');
const MODELS_DIR = app.isPackaged ? join(process.resourcesPath, 'models') : join(ROOT, 'models');
const DEMO_DIR = [join(ROOT, 'data', 'demo'), join(process.resourcesPath ?? '', 'demo')].find((d) => existsSync(d)) ?? null;
const DEFAULT_MODEL = 'ast-tiny-esc10-cmkd';
const MEDIA_DIR = join(tmpdir(), `fastast-media-${process.pid}`);
const PAGE_ORIGIN = 'app://studio';

const CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'", // wavesurfer.js puts a <style> into its shadow root
  "img-src 'self' data: blob:",
  'media-src fastast-media:',
  "connect-src 'self'",
  "worker-src 'self' blob:",
  "object-src 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
  "form-action 'none'",
].join('; ');

protocol.registerSchemesAsPrivileged([
  { scheme: 'app', privileges: { standard: true, secure: true, supportFetchAPI: true } },
  { scheme: 'fastast-media', privileges: { standard: true, secure: true, stream: true, supportFetchAPI: true } },
]);

// ───────────── small persistent state: window bounds, recent files ─────────────

interface WindowState {
  x?: number;
  y?: number;
  width: number;
  height: number;
  maximized: boolean;
}

function statePath(name: string): string {
  return join(app.getPath('userData'), name);
}

function readJson<T>(name: string, fallback: T): T {
  try {
    return JSON.parse(readFileSync(statePath(name), 'utf8')) as T;
  } catch {
    return fallback;
  }
}

function writeJson(name: string, value: unknown): void {
  try {
    mkdirSync(app.getPath('userData'), { recursive: true });
    writeFileSync(statePath(name), JSON.stringify(value, null, 2));
  } catch (e) {
    console.error(`cannot save ${name}: ${(e as Error).message}`);
  }
}

const WindowStateSchema = s.object({
  x: s.optional(s.number({ int: true })),
  y: s.optional(s.number({ int: true })),
  width: s.number({ int: true, min: 640, max: 20000 }),
  height: s.number({ int: true, min: 480, max: 20000 }),
  maximized: s.boolean(),
});

function loadWindowState(): WindowState {
  try {
    return WindowStateSchema.parse(readJson<unknown>('window-state.json', null));
  } catch {
    return { width: 1440, height: 900, maximized: false };
  }
}

let recent: string[] = readRecent();
function readRecent(): string[] {
  const v = readJson<unknown>('recent.json', []);
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string').slice(0, 12) : [];
}
function noteRecent(path: string): void {
  recent = [path, ...recent.filter((p) => p !== path)].slice(0, 12);
  writeJson('recent.json', recent);
  app.addRecentDocument(path);
  buildMenu();
}

// ───────────── the engine in a utility process ─────────────

class EngineSupervisor {
  private child: UtilityProcess | null = null;
  private ready = false;
  private waiting = new Set<WebContents>();
  private readonly restarts: number[] = [];
  private quitting = false;

  start(): void {
    const cfg: EngineProcessConfig = {
      appVersion: app.getVersion(),
      modelsDir: MODELS_DIR,
      defaultModel: DEFAULT_MODEL,
      stateDir: app.getPath('userData'),
      mediaDir: MEDIA_DIR,
      demoDir: DEMO_DIR,
      homeDir: DEMO_DIR ?? homedir(),
    };
    this.ready = false;
    const child = utilityProcess.fork(join(HERE, 'engine.mjs'), [JSON.stringify(cfg)], {
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
      while (this.restarts.length && now - this.restarts[0] > 60_000) this.restarts.shift();
      if (this.restarts.length > 4) {
        dialog.showErrorBox('FastAST Studio', 'The engine process keeps stopping (5 times in a minute). Check the model you picked, then restart the app.');
        return;
      }
      setTimeout(() => this.start(), 400);
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

const engine = new EngineSupervisor();

// ───────────── protocols: the page and the decoded media ─────────────

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.wasm': 'application/wasm',
  '.json': 'application/json',
};

function registerProtocols(): void {
  protocol.handle('app', async (req) => {
    const url = new URL(req.url);
    if (url.host !== 'studio') return new Response('not found', { status: 404 });
    const rel = url.pathname === '/' ? 'index.html' : decodeURIComponent(url.pathname.slice(1));
    const file = normalize(join(RENDERER_DIR, rel));
    if (!file.startsWith(RENDERER_DIR + sep)) return new Response('not found', { status: 404 });
    try {
      const body = await readFile(file);
      const headers: Record<string, string> = { 'content-type': MIME[extname(file)] ?? 'application/octet-stream', 'x-content-type-options': 'nosniff' };
      if (extname(file) === '.html') headers['content-security-policy'] = CSP;
      return new Response(body, { headers });
    } catch {
      return new Response('not found', { status: 404 });
    }
  });

  // Decoded audio for playback, with byte ranges so seeking works.
  protocol.handle('fastast-media', async (req) => {
    const url = new URL(req.url);
    const name = decodeURIComponent(url.pathname.slice(1));
    if (url.host !== 'media' || !/^f\d+\.wav$/.test(name)) return new Response('not found', { status: 404 });
    const path = join(MEDIA_DIR, name);
    let size: number;
    try {
      size = (await stat(path)).size;
    } catch {
      return new Response('not found', { status: 404 });
    }
    const m = /^bytes=(\d*)-(\d*)$/.exec(req.headers.get('range') ?? '');
    let start = 0;
    let end = size - 1;
    if (m) {
      if (m[1]) start = Number(m[1]);
      if (m[2]) end = Math.min(Number(m[2]), size - 1);
      if (!m[1] && m[2]) [start, end] = [Math.max(0, size - Number(m[2])), size - 1];
      if (start > end) return new Response(null, { status: 416, headers: { 'content-range': `bytes */${size}` } });
    }
    const fh = await openFile(path, 'r');
    try {
      const buf = Buffer.alloc(end - start + 1);
      await fh.read(buf, 0, buf.length, start);
      return new Response(buf, {
        status: m ? 206 : 200,
        headers: {
          'content-type': 'audio/wav',
          'accept-ranges': 'bytes',
          'content-length': String(buf.length),
          ...(m ? { 'content-range': `bytes ${start}-${end}/${size}` } : {}),
        },
      });
    } finally {
      await fh.close();
    }
  });
}

// ───────────── window, menus, IPC ─────────────

let win: BrowserWindow | null = null;
/** Paths given on the command line or by a second instance, opened once the page is up. */
let pendingPaths: string[] = process.argv.slice(app.isPackaged ? 1 : 2).filter(isAudioPath);

function isAudioPath(p: string): boolean {
  return (AUDIO_EXTENSIONS as readonly string[]).includes(extname(p).slice(1).toLowerCase()) && existsSync(p);
}

function sendCommand(command: 'open-files' | 'open-folder' | 'export' | 'open-model', paths: string[] = []): void {
  if (!win) return;
  const data = events.command.parse({ command, paths }, 'command');
  win.webContents.send(IPC.command, data);
  if (command === 'open-files') paths.forEach(noteRecent);
}

async function openFilesDialog(): Promise<void> {
  if (!win) return;
  const r = await dialog.showOpenDialog(win, {
    title: 'Open audio files',
    properties: ['openFile', 'multiSelections'],
    filters: [{ name: 'Audio', extensions: [...AUDIO_EXTENSIONS] }],
  });
  if (!r.canceled && r.filePaths.length) sendCommand('open-files', r.filePaths);
}

async function openFolderDialog(): Promise<void> {
  if (!win) return;
  const r = await dialog.showOpenDialog(win, { title: 'Open a folder of recordings', properties: ['openDirectory'] });
  if (!r.canceled && r.filePaths[0]) sendCommand('open-folder', [r.filePaths[0]]);
}

async function importModelDialog(): Promise<void> {
  if (!win) return;
  const r = await dialog.showOpenDialog(win, { title: 'Import an HF AST checkpoint folder (config.json + model.safetensors)', properties: ['openDirectory'] });
  if (!r.canceled && r.filePaths[0]) sendCommand('open-model', [r.filePaths[0]]);
}

/** Export: the native folder dialog first, then the page's export panel (format, which segments) opens on that folder. */
async function exportDialog(): Promise<void> {
  if (!win) return;
  const r = await dialog.showOpenDialog(win, {
    title: 'Export segments into a folder',
    buttonLabel: 'Export here',
    properties: ['openDirectory', 'createDirectory'],
  });
  if (!r.canceled && r.filePaths[0]) sendCommand('export', [r.filePaths[0]]);
}

function buildMenu(): void {
  const isMac = process.platform === 'darwin';
  const template: MenuItemConstructorOptions[] = [
    ...(isMac ? [{ role: 'appMenu' as const }] : []),
    {
      label: '&File',
      submenu: [
        { label: 'Open File(s)…', accelerator: 'CmdOrCtrl+O', click: () => void openFilesDialog() },
        { label: 'Open Folder…', accelerator: 'CmdOrCtrl+Shift+O', click: () => void openFolderDialog() },
        {
          label: 'Open Recent',
          submenu: recent.length
            ? [
                ...recent.map((p) => ({ label: p, click: () => sendCommand('open-files', [p]) })),
                { type: 'separator' as const },
                {
                  label: 'Clear Recent',
                  click: () => {
                    recent = [];
                    writeJson('recent.json', recent);
                    app.clearRecentDocuments();
                    buildMenu();
                  },
                },
              ]
            : [{ label: 'No recent files', enabled: false }],
        },
        { type: 'separator' },
        { label: 'Import Model Folder…', click: () => void importModelDialog() },
        { label: 'Export Segments…', accelerator: 'CmdOrCtrl+E', click: () => void exportDialog() },
        { type: 'separator' },
        isMac ? { role: 'close' } : { role: 'quit', label: 'Quit' },
      ],
    },
    { role: 'editMenu' },
    {
      label: '&View',
      submenu: [
        { role: 'resetZoom' },
        { role: 'zoomIn' },
        { role: 'zoomOut' },
        { type: 'separator' },
        { role: 'togglefullscreen' },
        ...(app.isPackaged ? [] : [{ type: 'separator' as const }, { role: 'reload' as const }, { role: 'toggleDevTools' as const }]),
      ],
    },
    { role: 'windowMenu' },
    {
      role: 'help',
      submenu: [
        {
          label: 'About FastAST Studio',
          click: () =>
            void dialog.showMessageBox({
              type: 'info',
              title: 'FastAST Studio',
              message: `FastAST Studio ${app.getVersion()}`,
              detail: 'See which spectrogram patches an Audio Spectrogram Transformer merges with ToMe, and what it costs.',
            }),
        },
      ],
    },
  ];
  Menu.setApplicationMenu(Menu.buildFromTemplate(template));
}

function fromOurPage(wc: WebContents | null | undefined, frameUrl?: string): boolean {
  return !!win && wc === win.webContents && (frameUrl ?? wc.getURL()).startsWith(`${PAGE_ORIGIN}/`);
}

function registerIpc(): void {
  ipcMain.handle(IPC.dialog, async (e, rawKind: unknown) => {
    if (!fromOurPage(e.sender, e.senderFrame?.url)) throw new Error('refused: not the app page');
    const kind = BridgeDialogKind.parse(rawKind, 'dialog kind');
    if (!win) return [];
    const opts =
      kind === 'files'
        ? { properties: ['openFile', 'multiSelections'] as ('openFile' | 'multiSelections')[], filters: [{ name: 'Audio', extensions: [...AUDIO_EXTENSIONS] }] }
        : kind === 'labels'
          ? {
              title: 'Import segments (Audacity labels, Raven selection table, FastAST JSON)',
              properties: ['openFile'] as 'openFile'[],
              filters: [
                { name: 'Labels and tables', extensions: ['txt', 'tsv', 'json'] },
                { name: 'All files', extensions: ['*'] },
              ],
            }
          : { properties: ['openDirectory', 'createDirectory'] as ('openDirectory' | 'createDirectory')[] };
    const r = await dialog.showOpenDialog(win, opts);
    if (r.canceled) return [];
    if (kind === 'files') r.filePaths.forEach(noteRecent);
    return r.filePaths;
  });
  ipcMain.on(IPC.opened, (e, raw: unknown) => {
    if (!fromOurPage(e.sender, e.senderFrame?.url)) return;
    try {
      const path = s.string({ min: 1, max: 4096 }).parse(raw, 'opened');
      if (isAudioPath(path)) noteRecent(path);
    } catch {
      /* ignore a malformed note */
    }
  });
  ipcMain.on(IPC.ready, (e) => {
    if (!fromOurPage(e.sender, e.senderFrame?.url)) return;
    engine.connect(e.sender);
    if (pendingPaths.length) {
      const paths = pendingPaths;
      pendingPaths = [];
      setTimeout(() => sendCommand('open-files', paths), 300);
    }
  });
}

function createWindow(): void {
  const state = loadWindowState();
  win = new BrowserWindow({
    ...state,
    minWidth: 1024,
    minHeight: 680,
    show: false,
    backgroundColor: '#0b0d12',
    title: 'FastAST Studio',
    webPreferences: {
      preload: join(HERE, 'preload.cjs'),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
      spellcheck: false,
    },
  });
  if (state.maximized) win.maximize();
  win.once('ready-to-show', () => win?.show());
  const save = () => {
    if (!win || win.isDestroyed()) return;
    const b = win.getNormalBounds();
    writeJson('window-state.json', { x: b.x, y: b.y, width: b.width, height: b.height, maximized: win.isMaximized() });
  };
  let timer: ReturnType<typeof setTimeout> | null = null;
  const saveSoon = () => {
    if (timer) clearTimeout(timer);
    timer = setTimeout(save, 500);
  };
  win.on('resize', saveSoon);
  win.on('move', saveSoon);
  win.on('close', save);
  win.on('closed', () => (win = null));
  void win.loadURL(`${PAGE_ORIGIN}/index.html`);
}

// ───────────── lifecycle ─────────────

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  app.on('second-instance', (_e, argv) => {
    const paths = argv.filter(isAudioPath);
    if (win) {
      if (win.isMinimized()) win.restore();
      win.focus();
      if (paths.length) sendCommand('open-files', paths);
    }
  });

  app.on('web-contents-created', (_e, contents) => {
    contents.on('will-navigate', (ev) => ev.preventDefault());
    contents.on('will-attach-webview', (ev) => ev.preventDefault());
    contents.setWindowOpenHandler(() => ({ action: 'deny' }));
  });

  app.whenReady().then(() => {
    mkdirSync(MEDIA_DIR, { recursive: true });
    session.defaultSession.setPermissionRequestHandler((_wc, _permission, cb) => cb(false));
    registerProtocols();
    registerIpc();
    buildMenu();
    engine.start();
    createWindow();
  });

  app.on('window-all-closed', () => {
    engine.stop();
    app.quit();
  });
  app.on('before-quit', () => engine.stop());
}
