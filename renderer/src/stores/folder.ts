/**
 * Folder analysis (issue 11): the chosen folder, the per-file list with each file's state, and
 * the finished files' results. Pure state: the run itself (file.open → analysis.run →
 * segments → file.close, one file at a time) is folder-run.ts, which sets these fields.
 */
import { create } from 'zustand';
import type { AnalysisResult, FileInfo, Segment, SegmentExportFormat, SegmentExportInclude } from '../../../app/contract';

export type FolderFileState = 'queued' | 'running' | 'done' | 'failed' | 'cancelled';

export interface FolderFile {
  path: string;
  name: string;
  state: FolderFileState;
  /** 0…1 while running (decode is the first tenth, the analysis the rest). */
  progress: number;
  /** Set when done: the analysis (to open the file in the workstation without running it again) and its segments. */
  info?: FileInfo;
  result?: AnalysisResult;
  segments?: Segment[];
  error?: string;
}

export interface FolderExportForm {
  format: SegmentExportFormat;
  outDir: string;
  include: SegmentExportInclude;
  overwrite: boolean;
}

interface FolderState {
  dir: string;
  recursive: boolean;
  files: FolderFile[];
  running: boolean;
  /** What the run was made with, shown above the list (model, merge, hop, threshold). */
  settings: string | null;
  exportForm: FolderExportForm;
  exporting: boolean;
  exportNote: { ok: boolean; text: string; files?: string[] } | null;
  setDir(dir: string): void;
  setRecursive(v: boolean): void;
  setExportForm(p: Partial<FolderExportForm>): void;
  /** Replaces one file's entry (by index) with `patch` merged in. */
  patchFile(i: number, patch: Partial<FolderFile>): void;
}

export const useFolder = create<FolderState>((set) => ({
  dir: '',
  recursive: false,
  files: [],
  running: false,
  settings: null,
  exportForm: { format: 'raven', outDir: '', include: 'not-rejected', overwrite: false },
  exporting: false,
  exportNote: null,
  setDir: (dir) => set({ dir }),
  setRecursive: (recursive) => set({ recursive }),
  setExportForm: (p) => set((s) => ({ exportForm: { ...s.exportForm, ...p } })),
  patchFile: (i, patch) => set((s) => ({ files: s.files.map((f, j) => (j === i ? { ...f, ...patch } : f)) })),
}));

/** Done files, failed files, segments and the overall share finished (0…1; the running file counts by its progress). */
export function folderSummary(files: readonly FolderFile[]) {
  const done = files.filter((f) => f.state === 'done').length;
  const failed = files.filter((f) => f.state === 'failed').length;
  const segments = files.reduce((n, f) => n + (f.segments?.length ?? 0), 0);
  // Done and failed files are finished; a cancelled one is not (the bar then says how far the run came).
  const finished = files.reduce((n, f) => n + (f.state === 'running' ? f.progress : f.state === 'done' || f.state === 'failed' ? 1 : 0), 0);
  return { done, failed, segments, share: files.length ? finished / files.length : 0 };
}
