import { create } from 'zustand';
import { isColorMapName, type ColorMapName } from '../lib/color';
import { loadText, saveText } from '../lib/storage';

export interface Notice {
  id: number;
  level: 'info' | 'warning' | 'error';
  message: string;
  /** How many times the same message came in a row (shown as ×n instead of a new toast). */
  repeats: number;
}

/**
 * A selection on the time axis (drag on the waveform), or a time-frequency box (shift-drag on
 * the spectrogram, as in Raven) when lowHz and highHz are set.
 */
export interface Selection {
  startS: number;
  endS: number;
  lowHz?: number;
  highHz?: number;
}

/** The label lane: overlapping segments stacked, or one row per class (Audacity's label tracks). */
export type LaneMode = 'stacked' | 'tracks';

/** Info and warnings go away by themselves; errors stay until closed (✕), as they need reading. */
export const NOTICE_MS = 6000;

interface UiState {
  connected: boolean;
  hostKind: 'serve' | 'electron' | null;
  notices: Notice[];
  browserOpen: boolean;
  /** Visible time range of the audio view (shared by waveform, spectrogram and label lane). */
  view: { startS: number; endS: number; widthPx: number };
  currentTime: number;
  playing: boolean;
  /** Selection (drag on the waveform, or a box on the spectrogram) and whether playback loops over it. */
  selection: Selection | null;
  /** Colour map of both spectrograms (the audio view's and the merge view's input). */
  colorMap: ColorMapName;
  laneMode: LaneMode;
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
  setSelection(sel: Selection | null): void;
  setColorMap(m: ColorMapName): void;
  setLaneMode(m: LaneMode): void;
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
  colorMap: ((v) => (isColorMapName(v) ? v : 'magma'))(loadText('colorMap')),
  laneMode: loadText('laneMode') === 'tracks' ? 'tracks' : 'stacked',
  loop: false,
  lowerTab: 'merge',
  exportDialog: null,
  importDialog: null,
  setConnected: (connected) => set({ connected }),
  setHostKind: (hostKind) => set({ hostKind }),
  notify(level, message) {
    const notices = get().notices;
    const last = notices.at(-1);
    if (last && last.level === level && last.message === message) {
      set({ notices: [...notices.slice(0, -1), { ...last, repeats: last.repeats + 1 }] });
      return;
    }
    const id = nextNotice++;
    set({ notices: [...notices.slice(-3), { id, level, message, repeats: 1 }] });
    if (level !== 'error') setTimeout(() => get().dismiss(id), NOTICE_MS);
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
  setColorMap(colorMap) {
    set({ colorMap });
    saveText('colorMap', colorMap);
  },
  setLaneMode(laneMode) {
    set({ laneMode });
    saveText('laneMode', laneMode);
  },
  setLoop: (loop) => set({ loop }),
  setLowerTab: (lowerTab) => set({ lowerTab }),
  openExport: (folder) => set({ exportDialog: { folder, opening: nextOpening++ } }),
  closeExport: () => set({ exportDialog: null }),
  openImport: (startPath) => set({ importDialog: { startPath, opening: nextOpening++ } }),
  closeImport: () => set({ importDialog: null }),
}));
