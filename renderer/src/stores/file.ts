import { create } from 'zustand';
import type { FileInfo, FsEntry } from '../../../app/contract';
import { api, isCancelled } from '../api/client';
import { fileMessage } from '../lib/format';
import { loadJson, saveJson } from '../lib/storage';
import { useUi } from './ui';

export interface Spectrogram {
  startS: number;
  endS: number;
  cols: number;
  bins: number;
  data: Uint8Array;
  melEdgesHz: Float32Array;
}

interface FileState {
  homeDir: string;
  demoDir: string | null;
  file: FileInfo | null;
  opening: { path: string; done: number; total: number } | null;
  peaks: Float32Array | null;
  /** Whole-file spectrogram at low resolution (overview, and shown while the visible range loads). */
  overview: Spectrogram | null;
  /** Spectrogram of the visible range. */
  detail: Spectrogram | null;
  browser: { dir: string; parent: string | null; entries: FsEntry[] } | null;
  recent: string[];
  /** Files queued by "Open files" (the first is opened; the rest are one click away). */
  queue: string[];
  setDirs(homeDir: string, demoDir: string | null): void;
  list(dir?: string): Promise<void>;
  open(path: string): Promise<FileInfo | null>;
  setQueue(paths: string[]): void;
  loadDetail(startS: number, endS: number, cols: number): void;
}

const loadRecent = (): string[] => {
  const v = loadJson('recentFiles');
  return Array.isArray(v) ? v.filter((x) => typeof x === 'string').slice(0, 12) : [];
};

let openCtl: AbortController | null = null;
let detailCtl: AbortController | null = null;
let detailTimer: ReturnType<typeof setTimeout> | null = null;

/** Peaks per second: fine for short files, capped at 300 000 points for long ones (wavesurfer draws them all). */
export function peaksCount(durationS: number): number {
  return Math.max(1, Math.min(Math.round(durationS * 400), 300_000));
}

export const useFile = create<FileState>((set, get) => ({
  homeDir: '',
  demoDir: null,
  file: null,
  opening: null,
  peaks: null,
  overview: null,
  detail: null,
  browser: null,
  recent: loadRecent(),
  queue: [],
  setDirs: (homeDir, demoDir) => set({ homeDir, demoDir }),
  async list(dir) {
    try {
      const res = await api().call('fs.list', dir ? { dir } : {});
      set({ browser: res });
    } catch (e) {
      useUi.getState().notify('error', dir ? fileMessage('Cannot list', dir, (e as Error).message) : `Cannot list the folder: ${(e as Error).message}`);
    }
  },
  setQueue: (queue) => set({ queue }),
  async open(path) {
    openCtl?.abort();
    const ctl = (openCtl = new AbortController());
    set({ opening: { path, done: 0, total: 1 } });
    try {
      const file = await api().call(
        'file.open',
        { path },
        { signal: ctl.signal, onProgress: (p) => set({ opening: { path, done: p.done, total: p.total } }) },
      );
      const [{ peaks }, overview] = await Promise.all([
        api().call('file.peaks', { fileId: file.fileId, startS: 0, endS: file.durationS, count: peaksCount(file.durationS) }, { signal: ctl.signal }),
        api().call('file.spectrogram', { fileId: file.fileId, startS: 0, endS: file.durationS, cols: 2048 }, { signal: ctl.signal }),
      ]);
      const prev = get().file;
      if (prev && prev.fileId !== file.fileId) void api().call('file.close', { fileId: prev.fileId }).catch(() => {});
      const recent = [path, ...get().recent.filter((p) => p !== path)].slice(0, 12);
      saveJson('recentFiles', recent);
      set({ file, peaks, overview, detail: null, opening: null, recent });
      window.fastast?.noteOpened(path);
      useUi.getState().setSelection(null);
      return file;
    } catch (e) {
      if (ctl === openCtl) set({ opening: null });
      if (!isCancelled(e)) useUi.getState().notify('error', fileMessage('Cannot open', path, (e as Error).message));
      return null;
    }
  },
  loadDetail(startS, endS, cols) {
    const file = get().file;
    if (!file || cols < 1 || endS <= startS) return;
    if (detailTimer) clearTimeout(detailTimer);
    detailTimer = setTimeout(async () => {
      detailCtl?.abort();
      const ctl = (detailCtl = new AbortController());
      try {
        const res = await api().call('file.spectrogram', { fileId: file.fileId, startS, endS, cols: Math.min(cols, 8192) }, { signal: ctl.signal });
        if (get().file?.fileId === file.fileId) set({ detail: res });
      } catch (e) {
        if (!isCancelled(e)) console.warn('spectrogram', e);
      }
    }, 80);
  },
}));
