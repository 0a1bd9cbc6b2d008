/** Cross-store actions (each store owns its own state; these sequence several). */
import { useAnalysis } from './stores/analysis';
import { useFile } from './stores/file';
import { useLab } from './stores/lab';
import { useMerge } from './stores/merge';
import { useModels } from './stores/models';
import { useModelStore } from './stores/model-store';
import { allowedLabels, branchMembers } from './lib/label-filter';
import { filterSelection, isEdited, selectedSegment, useSegments, visibleSegments } from './stores/segments';
import { useUi } from './stores/ui';
import { useSession } from './stores/session';
import { applyFileState, applySessionView, flushFileSave, noteOpenFile, savedStateFor, withoutAutosave } from './session';
import { api, isCancelled } from './api/client';
import {
  AUDIO_EXTENSIONS,
  segmentsFromWindows,
  type AnalysisResult,
  type FileInfo,
  type LabChangedClip,
  type LabRow,
  type Provenance,
  type SegmentExportFormat,
  type SegmentExportInclude,
  type SelectionWire,
} from '../../app/contract';
import { framesToSeconds } from '../../app/common/units';
import { playRange, revealRange, seekTo } from './lib/player';
import { loadText, saveText } from './lib/storage';

const isAudio = (p: string) => (AUDIO_EXTENSIONS as readonly string[]).includes(p.split('.').pop()?.toLowerCase() ?? '');

/**
 * Opens a file: the open one's work is saved first; analysis and merge state start afresh, and
 * what was saved for the new one (segments, reviews, undo, settings) comes back.
 */
export async function openFile(path: string): Promise<void> {
  useUi.getState().setBrowserOpen(false);
  await flushFileSave();
  const file = await useFile.getState().open(path);
  if (!file) return;
  await withoutAutosave(async () => {
    useAnalysis.getState().clear();
    useSegments.getState().reset([], null);
    useMerge.getState().clear();
    const saved = await savedStateFor(path);
    // Another file may have been opened while the question was open.
    if (saved && useFile.getState().file?.path === path) applyFileState(saved);
  });
  noteOpenFile(path);
  useMerge.getState().focus(0);
}

/**
 * The last session back: its open files queued and the active one opened. On start (`activeOnly`)
 * a missing active file leaves the welcome screen up, which shows what is gone; its button
 * (`activeOnly` false) opens the first open file that still exists.
 */
export async function restoreLastSession(activeOnly = false): Promise<void> {
  const last = useSession.getState().last;
  if (!last || last.openFiles.length === 0) return;
  const missing = new Set(useSession.getState().recent.filter((r) => !r.exists).map((r) => r.path));
  const candidates = [last.activePath, ...(activeOnly ? [] : last.openFiles)].filter((p): p is string => !!p && !missing.has(p));
  if (candidates.length === 0) return;
  const open = last.openFiles.filter((p) => !missing.has(p));
  if (open.length > 1) useFile.getState().setQueue(open);
  applySessionView(last.view);
  await openFile(candidates[0]);
}

/** Files open the first and queue the rest; a folder lists its audio in the browser. */
export async function openPaths(paths: string[]): Promise<void> {
  if (paths.length === 0) return;
  const files = paths.filter(isAudio);
  if (files.length === 0) {
    await useFile.getState().list(paths[0]);
    useUi.getState().setBrowserOpen(true);
    return;
  }
  useFile.getState().setQueue(files);
  await openFile(files[0]);
}

export async function switchModel(id: string): Promise<void> {
  const ok = await useModels.getState().select(id);
  if (!ok) return;
  const m = useModels.getState().active!;
  // Only r changes, when the new model allows less; the run comes with the refocus below.
  useMerge.getState().setParams({}, 'restore');
  await useMerge.getState().loadTable();
  useAnalysis.getState().clear();
  useAnalysis.getState().setBranch(null); // another model's ontology branch means nothing here
  useSegments.getState().reset([], null);
  const f = useFile.getState().file;
  if (f) {
    // The decoded file stays open on the host; only the window length may differ between models.
    useFile.setState({ file: { ...f, windowS: framesToSeconds(m.maxLength) } });
    const focusS = useMerge.getState().focusS;
    useMerge.getState().clear();
    useMerge.getState().focus(focusS);
  }
}

/** Runs the analysis on the open file, with the merge settings when the bar says so. */
export function runAnalysis(): Promise<void> {
  const file = useFile.getState().file;
  if (!file) return Promise.resolve();
  const analysis = useAnalysis.getState();
  return analysis.run(file, analysis.useMerge ? useMerge.getState().params : null);
}

export function pickAndOpen(): void {
  const bridge = window.fastast;
  if (bridge) {
    void bridge.pickFiles().then((paths) => openPaths(paths));
  } else {
    useUi.getState().setBrowserOpen(!useUi.getState().browserOpen);
  }
}

// ───────────── segments ─────────────

function provenanceOf(result: AnalysisResult, threshold: number): Provenance {
  return { ...result.provenance, threshold };
}

/**
 * Labels that the analysis bar lets through: its text filter (case-insensitive substring; '' =
 * all) and its ontology branch (the same mask as the label lane's, lib/label-filter).
 */
export function labelsMatching(labels: readonly string[], filter: string): string[] {
  const { branch } = useAnalysis.getState();
  const id = useModels.getState().active?.id;
  const entries = id ? useModelStore.getState().labels[id]?.labels : undefined;
  const mask = allowedLabels(labels, filter, branchMembers(entries ?? [], branch));
  return labels.filter((_, i) => mask[i]);
}

/**
 * Segments from the analysis: per label, windows at or above the threshold, neighbours of one
 * label merged (app/segments). Each window reaches to its end in the audio.
 */
export function segmentsFromAnalysis(result: AnalysisResult, file: FileInfo, labels: readonly string[], threshold: number, filter: string) {
  const C = result.classes;
  const windows = Array.from(result.starts, (startS, w) => ({
    startS,
    endS: Math.min(file.durationS, startS + result.windowS),
    scores: result.scores.subarray(w * C, (w + 1) * C),
  }));
  return segmentsFromWindows(file.path, windows, labels, provenanceOf(result, threshold), labelsMatching(labels, filter));
}

/**
 * Rebuilds the segments from the analysis; while the user has not edited them, threshold and
 * label filter rebuild them too (store-links.ts calls it when those change).
 */
export function rebuildSegments(force: boolean): void {
  const { result, threshold, filter } = useAnalysis.getState();
  const file = useFile.getState().file;
  const labels = useModels.getState().active?.labels ?? [];
  const seg = useSegments.getState();
  if (!force && (seg.origin === 'import' || isEdited(seg))) return;
  if (!result || !file || result.fileId !== file.fileId) {
    // Without an analysis there is nothing to rebuild from: a restored list stays until one is run.
    if (force && seg.origin !== 'import') seg.reset([], null);
    return;
  }
  seg.reset(segmentsFromAnalysis(result, file, labels, threshold, filter), 'analysis');
}

/** The analysis' segments again, dropping edits (the button says so). */
export function rebuildFromAnalysis(): void {
  rebuildSegments(true);
}

/** Selects a segment and brings it into view: the timeline scrolls to it and the playhead goes to its start. */
export function focusSegment(id: string | null, opts: { seek?: boolean } = {}): void {
  useSegments.getState().select(id);
  const s = selectedSegment();
  if (!s) return;
  revealRange(s.startS, s.endS);
  if (opts.seek !== false) seekTo(s.startS);
}

/** Padding around a segment when it is played for review. */
export const PLAY_PAD_S = 0.25;

export function playSegment(): void {
  const s = selectedSegment();
  if (s) playRange(s.startS - PLAY_PAD_S, s.endS + PLAY_PAD_S);
}

function visibleNow() {
  const { edit, filter, sort } = useSegments.getState();
  return visibleSegments(edit.segments, filter, sort);
}

/** Keyboard review: ↑ accept and go on, ↓ reject and go on, ← back, → skip. */
export function reviewKey(key: 'ArrowUp' | 'ArrowDown' | 'ArrowLeft' | 'ArrowRight'): void {
  const rows = visibleNow();
  if (rows.length === 0) return;
  const seg = useSegments.getState();
  const i = rows.findIndex((s) => s.id === seg.selectedId);
  if (i < 0) {
    focusSegment(rows[0].id);
    return;
  }
  if (key === 'ArrowUp' || key === 'ArrowDown') {
    seg.dispatch({ type: 'review', id: rows[i].id, review: key === 'ArrowUp' ? 'accepted' : 'rejected' });
  }
  if (key === 'ArrowLeft') focusSegment(rows[Math.max(0, i - 1)].id);
  else {
    // The rows may have moved (a review does not change them; filters do not look at review).
    const after = visibleNow();
    const j = after.findIndex((s) => s.id === rows[i].id);
    focusSegment(after[Math.min(after.length - 1, (j < 0 ? i : j) + 1)]?.id ?? null);
  }
}

/**
 * A new segment over [startS, endS): labelled with the model's best label there (or the selected
 * segment's); `band` (a box drawn on the spectrogram) gives it a frequency range.
 */
export function addSegment(startS: number, endS: number, label?: string, band?: { lowHz?: number; highHz?: number }): void {
  const file = useFile.getState().file;
  if (!file) return;
  const a = Math.max(0, Math.min(startS, endS));
  const b = Math.min(file.durationS, Math.max(startS, endS));
  if (b - a < 0.01) return;
  const name = label ?? bestLabelOver(a, b) ?? selectedSegment()?.label ?? 'label';
  const hasBand = band?.lowHz !== undefined && band.highHz !== undefined && band.highHz > band.lowHz;
  const freq = hasBand ? { lowHz: band.lowHz, highHz: band.highHz } : {};
  useSegments.getState().dispatch({ type: 'add', segment: { file: file.path, label: name, startS: a, endS: b, ...freq } });
  useUi.getState().setLowerTab('segments');
}

/** The label with the highest mean score over the windows that overlap [a, b). */
function bestLabelOver(a: number, b: number): string | null {
  const result = useAnalysis.getState().result;
  const labels = useModels.getState().active?.labels;
  if (!result || !labels) return null;
  const C = result.classes;
  const sum = new Float64Array(C);
  let n = 0;
  result.starts.forEach((s, w) => {
    if (s < b && s + result.windowS > a) {
      for (let c = 0; c < C; c++) sum[c] += result.scores[w * C + c];
      n++;
    }
  });
  if (n === 0) return null;
  let best = 0;
  for (let c = 1; c < C; c++) if (sum[c] > sum[best]) best = c;
  return labels[best] ?? null;
}

export function deleteSelected(): void {
  const s = selectedSegment();
  if (s) useSegments.getState().dispatch({ type: 'delete', id: s.id });
}

export type ExportScope = 'all' | 'selected' | 'filtered';

export function exportSelection(scope: ExportScope): SelectionWire {
  const seg = useSegments.getState();
  if (scope === 'selected') return { kind: 'ids', ids: seg.selectedId ? [seg.selectedId] : [] };
  if (scope === 'filtered') return filterSelection(seg.filter);
  return { kind: 'all' };
}

/** Writes the segments through the host (app/export). Throws the host's error (it names the path). */
export interface ExportOptions {
  /** Review states written: accepted + unreviewed (default), accepted only, or all. */
  include: SegmentExportInclude;
  /** Audacity: review and score as a label suffix. */
  audacityReview: boolean;
  /** Replace existing files (asked for after an EXISTS error). */
  overwrite: boolean;
}

export async function exportSegmentsTo(
  format: SegmentExportFormat,
  outDir: string,
  scope: ExportScope,
  opts: ExportOptions,
): Promise<{ outDir: string; files: string[]; segments: number }> {
  const file = useFile.getState().file;
  if (!file) throw new Error('open a recording first');
  const { result, threshold } = useAnalysis.getState();
  const res = await api().call('segments.export', {
    format,
    outDir,
    recordings: [{ file: file.path, durationS: file.durationS, segments: [...useSegments.getState().edit.segments] }],
    provenance: result && result.fileId === file.fileId ? provenanceOf(result, threshold) : null,
    selection: exportSelection(scope),
    include: opts.include,
    ...(format === 'audacity' && opts.audacityReview ? { audacityReview: true } : {}),
    ...(opts.overwrite ? { overwrite: true } : {}),
  });
  saveText('exportDir', res.outDir);
  return res;
}

function parentOf(path: string): string {
  const i = Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\'));
  return i > 0 ? path.slice(0, i) : path;
}

/**
 * Opens the export dialog on the segments tab: on `folder` (Electron's File → Export Segments…
 * chooses one first), else the folder of the last export, else the recording's.
 */
export function openExportDialog(folder: string | null = null): void {
  const file = useFile.getState().file;
  if (!file) return useUi.getState().notify('warning', 'Open a recording first: export writes its segments');
  useUi.getState().setLowerTab('segments');
  useUi.getState().openExport(folder ?? loadText('exportDir') ?? parentOf(file.path));
}

/** Opens the import dialog; a path not typed yet starts at the folder of the last export, else the recording's. */
export function openImportDialog(): void {
  const file = useFile.getState().file;
  useUi.getState().openImport(loadText('exportDir') || (file ? parentOf(file.path) : ''));
}

/** Reads segments back (Audacity labels, a Raven table, our JSON) for the open recording; replaces the list. */
export async function importSegmentsFrom(path: string, format: 'audacity' | 'raven' | 'json' | null): Promise<number> {
  const file = useFile.getState().file;
  if (!file) throw new Error('open a recording first');
  const { recordings } = await api().call('segments.import', { path, file: file.path, ...(format ? { format } : {}) });
  let rec = recordings.find((r) => r.file === file.path);
  if (!rec && recordings.length === 1) {
    rec = recordings[0];
    useUi.getState().notify('warning', `${path} was made for ${rec.file}; its segments are shown on ${file.name}`);
    rec = { ...rec, segments: rec.segments.map((s) => ({ ...s, file: file.path })) };
  }
  if (!rec) throw new Error(`${path} holds segments of ${recordings.length} recordings, none of them ${file.path}`);
  useSegments.getState().reset(rec.segments, 'import', path.split(/[\\/]/).pop() ?? path);
  useUi.getState().setLowerTab('segments');
  return rec.segments.length;
}

// ───────────── lab ─────────────

/**
 * Opens a changed clip in the workstation with the row's model and merge setting: the merge
 * view then shows the clip's window as that setting merges it.
 */
export async function openInWorkstation(row: LabRow, clip: LabChangedClip): Promise<void> {
  useLab.getState().setView('workstation');
  useUi.getState().setLowerTab('merge');
  if (useModels.getState().active?.id !== row.model) {
    const ok = await switchModel(row.model).then(
      () => useModels.getState().active?.id === row.model,
      () => false,
    );
    if (!ok) return;
  }
  const merge = useMerge.getState();
  const { r, shape, propAttn, protectDistillation, weights } = row.setting;
  merge.setParams({ r, shape, propAttn, protectDistillation, weights: weights ?? 'float32' }, 'save');
  if (!useMerge.getState().table) void merge.loadTable();
  // The merge view opens after the last layer: the groups this setting ends with.
  merge.setLayer(useModels.getState().active?.numLayers ?? merge.layer);
  await openFile(clip.path);
}

export { api, isCancelled };
