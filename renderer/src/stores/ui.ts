import { create } from 'zustand';

export interface Notice {
  id: number;
  level: 'info' | 'warning' | 'error';
  message: string;
}

interface UiState {
  connected: boolean;
  hostKind: 'serve' | 'electron' | null;
  notices: Notice[];
  browserOpen: boolean;
  /** Visible time range of the audio view (shared by waveform, spectrogram and label lane). */
  view: { startS: number; endS: number; widthPx: number };
  currentTime: number;
  playing: boolean;
  /** Selection (drag on the waveform) and whether playback loops over it. */
  selection: { startS: number; endS: number } | null;
  loop: boolean;
  /** What the lower half shows: the merge view, or the segments table. */
  lowerTab: 'merge' | 'segments';
  /**
   * The export dialog, open on a folder (actions.openExportDialog chooses it). `opening` counts
   * the openings: the dialog's form starts afresh on each.
   */
  exportDialog: { folder: string; opening: number } | null;
  /** The import dialog, with where its path field starts when it is empty (actions.openImportDialog). */
  importDialog: { startPath: string; opening: number } | null;
  setConnected(up: boolean): void;
  setHostKind(k: 'serve' | 'electron'): void;
  notify(level: Notice['level'], message: string): void;
  dismiss(id: number): void;
  setBrowserOpen(open: boolean): void;
  setView(v: { startS: number; endS: number; widthPx: number }): void;
  setTime(t: number): void;
  setPlaying(p: boolean): void;
  setSelection(sel: { startS: number; endS: number } | null): void;
  setLoop(loop: boolean): void;
  setLowerTab(tab: 'merge' | 'segments'): void;
  openExport(folder: string): void;
  closeExport(): void;
  openImport(startPath: string): void;
  closeImport(): void;
}

let nextNotice = 1;
let nextOpening = 1;

export const useUi = create<UiState>((set, get) => ({
  connected: false,
  hostKind: null,
  notices: [],
  browserOpen: false,
  view: { startS: 0, endS: 0, widthPx: 0 },
  currentTime: 0,
  playing: false,
  selection: null,
  loop: false,
  lowerTab: 'merge',
  exportDialog: null,
  importDialog: null,
  setConnected: (connected) => set({ connected }),
  setHostKind: (hostKind) => set({ hostKind }),
  notify(level, message) {
    const id = nextNotice++;
    set({ notices: [...get().notices.slice(-3), { id, level, message }] });
    if (level !== 'error') setTimeout(() => get().dismiss(id), 6000);
  },
  dismiss: (id) => set({ notices: get().notices.filter((n) => n.id !== id) }),
  setBrowserOpen: (browserOpen) => set({ browserOpen }),
  setView(v) {
    const cur = get().view;
    if (Math.abs(cur.startS - v.startS) < 1e-4 && Math.abs(cur.endS - v.endS) < 1e-4 && cur.widthPx === v.widthPx) return;
    set({ view: v });
  },
  setTime: (currentTime) => set({ currentTime }),
  setPlaying: (playing) => set({ playing }),
  setSelection: (selection) => set({ selection }),
  setLoop: (loop) => set({ loop }),
  setLowerTab: (lowerTab) => set({ lowerTab }),
  openExport: (folder) => set({ exportDialog: { folder, opening: nextOpening++ } }),
  closeExport: () => set({ exportDialog: null }),
  openImport: (startPath) => set({ importDialog: { startPath, opening: nextOpening++ } }),
  closeImport: () => set({ importDialog: null }),
}));
