/**
 * Folder analysis (issue 11): the chosen folder, the per-file list with each file's state, and
 * the finished files' results. Pure state: the run itself (file.open → analysis.run →
 * segments → file.close, one file at a time) is folder-run.ts, which sets these fields;
 * folder-session.ts saves them with the session and `restore` puts a saved run back.
 */
import { create } from 'zustand';
import type { AnalysisResult, FileInfo, FolderRun, FolderRunSettings, Segment, SegmentExportFormat, SegmentExportInclude } from '../../../app/contract';

export type FolderFileState = 'queued' | 'running' | 'done' | 'failed' | 'cancelled';

export interface FolderFile {
  path: string;
  name: string;
  state: FolderFileState;
  /** 0…1 while running (decode is the first tenth, the analysis the rest). */
  progress: number;
  /** Segments of a done file (its saved list's length). */
  count: number;
  /** The recording already had edited segments: the run kept them rather than save its own. */
  kept?: boolean;
  durationS?: number;
  /** Set when done in this page (a restored run has none): the analysis, to open the file without running it again, and its segments. */
  info?: FileInfo;
  result?: AnalysisResult;
  segments?: Segment[];
  error?: string;
}

export const nameOf = (path: string) => path.split(/[\\/]/).pop() ?? path;

/** idle: nothing run yet; cancelled: stopped before the end (Cancel, or a reload or crash mid-run). */
export type FolderStatus = 'idle' | 'running' | 'cancelled' | 'finished';

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
  status: FolderStatus;
  /** What the run was made with, shown above the list (model, merge, hop, threshold). */
  settings: string | null;
  /** The same, as Resume needs it, and the folder it ran on (the form's folder may have been edited since). */
  run: FolderRunSettings | null;
  runDir: string;
  exportForm: FolderExportForm;
  exporting: boolean;
  exportNote: { ok: boolean; text: string; files?: string[] } | null;
  setDir(dir: string): void;
  setRecursive(v: boolean): void;
  setExportForm(p: Partial<FolderExportForm>): void;
  /** Replaces one file's entry (by index) with `patch` merged in. */
  patchFile(i: number, patch: Partial<FolderFile>): void;
  /** A saved run back (session.get): a run saved mid-way comes back stopped, its unfinished files cancelled. */
  restore(saved: FolderRun): void;
}

export const useFolder = create<FolderState>((set) => ({
  dir: '',
  recursive: false,
  files: [],
  running: false,
  status: 'idle',
  settings: null,
  run: null,
  runDir: '',
  exportForm: { format: 'raven', outDir: '', include: 'not-rejected', overwrite: false },
  exporting: false,
  exportNote: null,
  setDir: (dir) => set({ dir }),
  setRecursive: (recursive) => set({ recursive }),
  setExportForm: (p) => set((s) => ({ exportForm: { ...s.exportForm, ...p } })),
  patchFile: (i, patch) => set((s) => ({ files: s.files.map((f, j) => (j === i ? { ...f, ...patch } : f)) })),
  restore: (saved) =>
    set({
      dir: saved.dir,
      runDir: saved.dir,
      recursive: saved.recursive,
      status: saved.status === 'running' ? 'cancelled' : saved.status,
      settings: saved.settingsLine,
      run: saved.settings,
      files: saved.files.map(
        (f): FolderFile => ({
          path: f.path,
          name: nameOf(f.path),
          state: f.state === 'queued' ? 'cancelled' : f.state,
          progress: 0,
          count: f.segments,
          ...(f.kept ? { kept: true } : {}),
          ...(f.durationS !== undefined ? { durationS: f.durationS } : {}),
          ...(f.error !== undefined ? { error: f.error } : {}),
        }),
      ),
    }),
}));

/** The store's run as the session keeps it (null: nothing run yet). Progress is not kept: a restore shows the run stopped. */
export function savedFolderRun(s: Pick<FolderState, 'runDir' | 'recursive' | 'status' | 'settings' | 'run' | 'files'>): FolderRun | null {
  if (s.status === 'idle' || !s.run || !s.runDir) return null;
  return {
    dir: s.runDir,
    recursive: s.recursive,
    status: s.status,
    settingsLine: s.settings ?? '',
    settings: s.run,
    files: s.files.map((f) => ({
      path: f.path,
      state: f.state === 'running' ? 'queued' : f.state,
      segments: f.count,
      ...(f.kept ? { kept: true } : {}),
      ...(f.durationS !== undefined ? { durationS: f.durationS } : {}),
      ...(f.error !== undefined ? { error: f.error.slice(0, 4096) } : {}),
    })),
  };
}

/** Done files, failed files, segments and the overall share finished (0…1; the running file counts by its progress). */
export function folderSummary(files: readonly FolderFile[]) {
  const done = files.filter((f) => f.state === 'done').length;
  const failed = files.filter((f) => f.state === 'failed').length;
  const segments = files.reduce((n, f) => n + (f.state === 'done' ? f.count : 0), 0);
  // Done and failed files are finished; a cancelled one is not (the bar then says how far the run came).
  const finished = files.reduce((n, f) => n + (f.state === 'running' ? f.progress : f.state === 'done' || f.state === 'failed' ? 1 : 0), 0);
  return { done, failed, segments, share: files.length ? finished / files.length : 0 };
}
