import { create } from 'zustand';
import type { AnalysisResult, FileInfo, MergeParams } from '../../../app/contract';
import { api, isCancelled } from '../api/client';
import { useUi } from './ui';

interface AnalysisState {
  /** Hop between windows, seconds (0 = one window length). */
  hopS: number;
  /** Analyse with the current merge settings instead of r = 0. */
  useMerge: boolean;
  running: boolean;
  progress: { done: number; total: number } | null;
  result: AnalysisResult | null;
  /** Minimum score for a label to show in the lane and in segments. */
  threshold: number;
  /** Case-insensitive label filter ('' = all). */
  filter: string;
  /** Class × time heatmap instead of top labels. */
  heatmap: boolean;
  /** Only the labels under this ontology node (AudioSet labels; null = all). */
  branch: string | null;
  setHop(h: number): void;
  setUseMerge(v: boolean): void;
  setThreshold(t: number): void;
  setFilter(f: string): void;
  setHeatmap(v: boolean): void;
  setBranch(b: string | null): void;
  /** Analyses `file` with `merge` (null = r = 0); actions.runAnalysis passes what is open and set. */
  run(file: FileInfo, merge: MergeParams | null): Promise<void>;
  cancel(): void;
  clear(): void;
}

let ctl: AbortController | null = null;

export const useAnalysis = create<AnalysisState>((set, get) => ({
  hopS: 0,
  useMerge: false,
  running: false,
  progress: null,
  result: null,
  threshold: 0.3,
  filter: '',
  heatmap: false,
  branch: null,
  setHop: (hopS) => set({ hopS: Math.max(0, hopS) }),
  setUseMerge: (useMerge) => set({ useMerge }),
  setThreshold: (threshold) => set({ threshold }),
  setFilter: (filter) => set({ filter }),
  setHeatmap: (heatmap) => set({ heatmap }),
  setBranch: (branch) => set({ branch }),
  async run(file, merge) {
    ctl?.abort();
    const mine = (ctl = new AbortController());
    const hop = get().hopS > 0 ? get().hopS : file.windowS;
    set({ running: true, progress: { done: 0, total: 1 } });
    try {
      const result = await api().call(
        'analysis.run',
        { fileId: file.fileId, hopS: hop, merge },
        { signal: mine.signal, onProgress: (p) => set({ progress: { done: p.done, total: p.total } }) },
      );
      if (mine === ctl) set({ result, running: false, progress: null });
    } catch (e) {
      if (mine === ctl) set({ running: false, progress: null });
      if (!isCancelled(e)) useUi.getState().notify('error', `Analysis failed: ${(e as Error).message}`);
    }
  },
  cancel() {
    ctl?.abort();
    ctl = null;
    set({ running: false, progress: null });
    useUi.getState().notify('info', 'Analysis cancelled');
  },
  clear() {
    ctl?.abort();
    ctl = null;
    set({ result: null, running: false, progress: null });
  },
}));
