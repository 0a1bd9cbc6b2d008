/**
 * A folder run is work that may have taken an hour, so none of it lives only in this page: each
 * finished file's segments go into that recording's saved state (file.state.save, where the
 * workstation finds them), and the list itself (folder, settings, each file's state and count)
 * into the session (session.folder.save), saved as the run goes and put back on reload
 * (session.ts' loadSession → stores/folder's restore).
 *
 * The rule for a recording that already has edited segments (edits or reviews made in the
 * workstation): the run never saves over them. Its row says "kept your edits", and its count,
 * the workstation and the combined export all use the edited list.
 */
import { api } from './api/client';
import { analysedFileState, flushFileSave, SAVE_DEBOUNCE_MS } from './session';
import { savedFolderRun, useFolder, type FolderFile } from './stores/folder';
import type { FolderRunSettings, Segment } from '../../app/contract';

/** Saved-state reads in flight at once while collecting an export. */
const READS_IN_FLIGHT = 8;

let timer: ReturnType<typeof setTimeout> | null = null;
/** The last run text the host has (a progress tick changes nothing saved, so it writes nothing). */
let lastSaved = '';
let dirty = false;

async function saveFolderRun(): Promise<void> {
  if (timer) clearTimeout(timer);
  timer = null;
  const run = savedFolderRun(useFolder.getState());
  const text = JSON.stringify(run);
  if (text === lastSaved) return;
  try {
    await api().call('session.folder.save', { run });
    lastSaved = text;
    dirty = false;
  } catch (e) {
    dirty = true;
    console.warn('session.folder.save', (e as Error).message);
  }
}

/** Saves at most once per debounce period while a run goes (not postponed by every progress tick). */
function scheduleFolderSave(): void {
  timer ??= setTimeout(() => void saveFolderRun(), SAVE_DEBOUNCE_MS);
}

/** Saves the folder run as it changes; bootstrap() calls this once. */
export function linkFolderSession(): () => void {
  const unsubscribe = [
    useFolder.subscribe((s, p) => {
      if (s.files !== p.files || s.status !== p.status || s.runDir !== p.runDir) scheduleFolderSave();
    }),
    api().onStatus((up) => {
      if (up && dirty) scheduleFolderSave();
    }),
  ];
  // A reload within the debounce: the pending save goes out now.
  const leave = () => {
    if (timer) void saveFolderRun();
  };
  window.addEventListener('pagehide', leave);
  return () => {
    unsubscribe.forEach((u) => u());
    window.removeEventListener('pagehide', leave);
  };
}

/**
 * Stores one finished file's segments as its recording's saved state, unless the user already
 * edited that recording's segments: then those stay, and are what the row counts and exports.
 */
export async function keepFolderSegments(path: string, segments: Segment[], run: FolderRunSettings, windowS: number): Promise<{ segments: Segment[]; kept: boolean }> {
  const saved = await api().call('file.state.get', { path });
  if (saved.state?.edited) return { segments: saved.state.segments, kept: true };
  await api().call('file.state.save', analysedFileState(path, segments, run, windowS));
  return { segments, kept: false };
}

/**
 * The segments of each file to export, read from their recordings' saved states: the one place
 * they live, so an export after a reload writes the same rows as before it, edits made in the
 * workstation included. A file whose state is gone falls back to this page's copy of the run's.
 */
export async function folderSegments(files: readonly FolderFile[]): Promise<Segment[][]> {
  await flushFileSave();
  const out: Segment[][] = new Array(files.length);
  for (let at = 0; at < files.length; at += READS_IN_FLIGHT) {
    const batch = files.slice(at, at + READS_IN_FLIGHT);
    const states = await Promise.all(batch.map((f) => api().call('file.state.get', { path: f.path })));
    states.forEach((res, j) => {
      const f = batch[j];
      const segments = res.state?.segments ?? f.segments;
      if (!segments) throw new Error(`${f.path}: its segments are no longer saved (the state folder was cleared?); run the folder again`);
      out[at + j] = segments;
    });
  }
  return out;
}
