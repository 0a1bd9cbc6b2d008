/**
 * Sessions, the renderer's half: what the user did to a recording (segments, reviews, undo
 * history, analysis and view settings) is saved on the host continuously, debounced, so that a
 * reload, a file switch or a host crash loses nothing; and it is put back when the file opens
 * again. The host keeps it atomically in its state folder (app/contract/methods-session.ts).
 * There is no "save?" step anywhere: the last edit is on disk ~300 ms later.
 */
import {
  DEFAULT_MERGE,
  editSegments,
  initialEditState,
  type FileState,
  type FileStateInput,
  type FolderRunSettings,
  type Segment,
  type SessionInput,
} from '../../app/contract';
import { api } from './api/client';
import { isColorMapName } from './lib/color';
import { useAnalysis } from './stores/analysis';
import { useFile } from './stores/file';
import { useFolder } from './stores/folder';
import { LAST_LAYER, useMerge } from './stores/merge';
import { isEdited, useSegments, type Origin } from './stores/segments';
import { useSession } from './stores/session';
import { useUi } from './stores/ui';

/** Quiet time after the last change before it is written (a slider drag writes once). */
export const SAVE_DEBOUNCE_MS = 300;
const MAX_UNDO_SAVED = 100;
const MAX_OPEN_FILES = 64;

/** Per-file view state kept in FileState.view (opaque to the host). */
interface FileView {
  origin?: Origin;
  importedFrom?: string | null;
  /** The analysis bar's label filter text. */
  filter?: string;
  /** The hop was "one window" (0 in the store; the contract wants a positive number). */
  hopAuto?: boolean;
}

let suspended = 0;
let fileTimer: ReturnType<typeof setTimeout> | null = null;
let sessionTimer: ReturnType<typeof setTimeout> | null = null;
/** The recording whose state has changes not yet on the host (null = nothing to write). */
let dirtyPath: string | null = null;
let sessionDirty = false;
/** Files opened in this session, in the order they were first opened. */
let openFiles: string[] = [];

/** The stores' state of the open recording, as file.state.save takes it. */
export function snapshotFileState(path: string): FileStateInput {
  const seg = useSegments.getState();
  const { hopS, threshold, filter } = useAnalysis.getState();
  const windowS = useFile.getState().file?.windowS ?? 10;
  const { params, layer } = useMerge.getState();
  const steps = (list: typeof seg.edit.past) => list.slice(-MAX_UNDO_SAVED).map((s) => ({ what: s.what, segments: [...s.segments] }));
  const view: FileView = { origin: seg.origin, importedFrom: seg.importedFrom, filter, hopAuto: hopS <= 0 };
  return {
    path,
    segments: [...seg.edit.segments],
    edited: isEdited(seg),
    undo: { past: steps(seg.edit.past), future: steps(seg.edit.future), nextUserId: seg.edit.nextUserId },
    settings: { hopS: Math.max(0.1, hopS > 0 ? hopS : windowS), threshold, merge: params, layer, colourMap: useUi.getState().colorMap },
    view: { ...view },
  };
}

/**
 * A folder run's segments as a recording's saved state, as if the workstation had analysed it
 * with the run's settings: not edited, no undo history (opening it restores the run's settings).
 */
export function analysedFileState(path: string, segments: Segment[], run: FolderRunSettings, windowS: number): FileStateInput {
  const view: FileView = { origin: 'analysis', importedFrom: null, filter: run.filter, hopAuto: run.hopS <= 0 };
  return {
    path,
    segments,
    edited: false,
    // Merging off made the segments with r = 0: the state says so rather than the slider's r.
    settings: { hopS: Math.max(0.1, run.hopS > 0 ? run.hopS : windowS), threshold: run.threshold, merge: run.merge ?? { ...DEFAULT_MERGE } },
    view: { ...view },
  };
}

/** Puts a saved state into the stores (settings first: a threshold change must not rebuild the restored list). */
export function applyFileState(state: FileState): void {
  suspended++;
  try {
    const view = (state.view ?? {}) as FileView;
    const st = state.settings;
    if (st) {
      useAnalysis.getState().setHop(view.hopAuto ? 0 : st.hopS);
      useAnalysis.getState().setThreshold(st.threshold);
      useAnalysis.getState().setFilter(typeof view.filter === 'string' ? view.filter : '');
      useMerge.getState().setParams(st.merge, 'save');
      if (st.layer !== undefined) useMerge.getState().setLayer(Math.min(st.layer, LAST_LAYER));
      if (isColorMapName(st.colourMap)) useUi.getState().setColorMap(st.colourMap);
    }
    const fresh = editSegments(initialEditState(), { type: 'reset', segments: state.segments });
    const undo = state.undo;
    useSegments.setState({
      edit: {
        segments: fresh.segments,
        past: undo?.past ?? [],
        future: undo?.future ?? [],
        nextUserId: Math.max(fresh.nextUserId, undo?.nextUserId ?? 1),
      },
      origin: view.origin === 'import' || view.origin === 'analysis' ? view.origin : state.segments.length ? 'analysis' : null,
      importedFrom: typeof view.importedFrom === 'string' ? view.importedFrom : null,
      selectedId: null,
      editingId: null,
    });
  } finally {
    suspended--;
  }
}

/** Runs `fn` with autosave off: what it does to the stores is a restore or a reset, not an edit. */
export async function withoutAutosave<T>(fn: () => Promise<T> | T): Promise<T> {
  suspended++;
  try {
    return await fn();
  } finally {
    suspended--;
  }
}

/** Saves the open recording's state ~300 ms after the last change. */
export function scheduleFileSave(): void {
  const file = useFile.getState().file;
  if (!file || suspended > 0) return;
  dirtyPath = file.path;
  if (fileTimer) clearTimeout(fileTimer);
  fileTimer = setTimeout(() => void flushFileSave(), SAVE_DEBOUNCE_MS);
}

/** Writes pending changes now (before a switch to another file). A failure keeps them pending for the reconnect. */
export async function flushFileSave(): Promise<void> {
  if (fileTimer) clearTimeout(fileTimer);
  fileTimer = null;
  const path = dirtyPath;
  // The stores hold the open file's state only: a pending save for another file has nothing left to write.
  if (!path || useFile.getState().file?.path !== path) return;
  dirtyPath = null;
  try {
    await api().call('file.state.save', snapshotFileState(path));
  } catch (e) {
    dirtyPath ??= path;
    console.warn('file.state.save', (e as Error).message);
  }
}

function sessionInput(): SessionInput {
  const file = useFile.getState().file;
  return { openFiles, activePath: file?.path ?? null, view: { lowerTab: useUi.getState().lowerTab } };
}

export function scheduleSessionSave(): void {
  if (suspended > 0) return;
  sessionDirty = true;
  if (sessionTimer) clearTimeout(sessionTimer);
  sessionTimer = setTimeout(() => {
    sessionTimer = null;
    sessionDirty = false;
    api()
      .call('session.save', sessionInput())
      .catch((e: Error) => {
        sessionDirty = true;
        console.warn('session.save', e.message);
      });
  }, SAVE_DEBOUNCE_MS);
}

/** A file was opened: it joins the session's open files. */
export function noteOpenFile(path: string): void {
  if (!openFiles.includes(path)) openFiles = [...openFiles, path].slice(-MAX_OPEN_FILES);
  scheduleSessionSave();
}

/**
 * The saved state of `path`, when it should come back: as saved when the file is unchanged; when
 * the file changed since, only if the user says so (the question waits for an answer).
 */
export async function savedStateFor(path: string): Promise<FileState | null> {
  let res;
  try {
    res = await api().call('file.state.get', { path });
  } catch (e) {
    useUi.getState().notify('warning', `Could not read the saved work for ${path}: ${(e as Error).message}`);
    return null;
  }
  if (res.notice) useUi.getState().notify('warning', res.notice);
  if (!res.state || res.match === 'none') return null;
  if (res.match === 'same') return res.state;
  const state = res.state;
  const restore = await new Promise<boolean>((answer) => useSession.getState().setQuestion({ path, state, answer }));
  useSession.getState().setQuestion(null);
  return restore ? state : null;
}

/** What session.get says: kept for the welcome screen; its notices shown. */
export async function loadSession(): Promise<SessionInput | null> {
  try {
    const s = await api().call('session.get', {});
    for (const n of s.notices) useUi.getState().notify('warning', n);
    const last = { openFiles: s.openFiles, activePath: s.activePath, view: s.view };
    openFiles = [...s.openFiles];
    useSession.getState().setLast(last);
    useSession.getState().setRecent(s.recent);
    if (s.folder && !useFolder.getState().running) useFolder.getState().restore(s.folder);
    return last;
  } catch (e) {
    useUi.getState().notify('warning', `Could not read the last session: ${(e as Error).message}`);
    return null;
  }
}

/** The session's own view state back (the lower tab); only when the session is restored. */
export function applySessionView(view: Record<string, unknown> | null): void {
  const tab = view?.lowerTab;
  if (tab === 'merge' || tab === 'segments') useUi.getState().setLowerTab(tab);
}

export async function refreshRecent(): Promise<void> {
  try {
    useSession.getState().setRecent((await api().call('recent.list', {})).files);
  } catch (e) {
    console.warn('recent.list', (e as Error).message);
  }
}

/** Every change worth keeping schedules a save; bootstrap() calls this once. */
export function linkSession(): () => void {
  const unsubscribe = [
    useSegments.subscribe((s, p) => {
      if (s.edit !== p.edit || s.origin !== p.origin) scheduleFileSave();
    }),
    useAnalysis.subscribe((s, p) => {
      if (s.hopS !== p.hopS || s.threshold !== p.threshold || s.filter !== p.filter) scheduleFileSave();
    }),
    useMerge.subscribe((s, p) => {
      if (s.params !== p.params || s.layer !== p.layer) scheduleFileSave();
    }),
    useUi.subscribe((s, p) => {
      if (s.colorMap !== p.colorMap) scheduleFileSave();
      if (s.lowerTab !== p.lowerTab) scheduleSessionSave();
    }),
    useFile.subscribe((s, p) => {
      if (s.file?.path !== p.file?.path) scheduleSessionSave();
    }),
    // Saves that failed while the host was away go out once it is back.
    api().onStatus((up) => {
      if (!up) return;
      if (dirtyPath) scheduleFileSave();
      if (sessionDirty) scheduleSessionSave();
    }),
  ];
  // A reload or close within the debounce: the pending saves go out now (the socket sends at once).
  const leave = () => {
    void flushFileSave();
    if (sessionTimer) {
      clearTimeout(sessionTimer);
      sessionTimer = null;
      void api().call('session.save', sessionInput()).catch(() => {});
    }
  };
  window.addEventListener('pagehide', leave);
  return () => {
    unsubscribe.forEach((u) => u());
    window.removeEventListener('pagehide', leave);
  };
}
