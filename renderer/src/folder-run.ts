/**
 * Folder analysis (issue 11): every audio file of a host folder in turn, with the workstation's
 * model, merge and analysis settings — file.open → analysis.run → segments (the same
 * segmentsFromAnalysis the workstation uses) → saved as the recording's state → file.close —
 * then one combined export of all files' segments. State lives in stores/folder.ts, what is
 * saved of it in folder-session.ts; this module sequences the calls.
 */
import { api, isCancelled, openFile, segmentsFromAnalysis } from './actions';
import { folderSegments, keepFolderSegments } from './folder-session';
import { flushFileSave, withoutAutosave } from './session';
import { useAnalysis } from './stores/analysis';
import { useFile } from './stores/file';
import { nameOf, useFolder, type FolderFile } from './stores/folder';
import { useLab } from './stores/lab';
import { useMerge } from './stores/merge';
import { useModels } from './stores/models';
import { useSegments } from './stores/segments';
import { useUi } from './stores/ui';
import { COMBINABLE_EXPORT_FORMATS, MAX_FOLDER_FILES, type FolderRunSettings } from '../../app/contract';

let ctl: AbortController | null = null;

/** Decoding is the first tenth of a file's bar; the model's windows are the rest. */
const DECODE_SHARE = 0.1;

/** Audio files of `dir` (name order, as fs.list gives them), and of its sub-folders when `recursive`. */
async function listAudio(dir: string, recursive: boolean, signal: AbortSignal): Promise<string[]> {
  const out: string[] = [];
  const pending = [dir];
  while (pending.length > 0 && out.length < MAX_FOLDER_FILES) {
    const res = await api().call('fs.list', { dir: pending.shift()! }, { signal });
    for (const e of res.entries) {
      if (e.kind === 'audio') out.push(e.path);
      else if (e.kind === 'dir' && recursive) pending.push(e.path);
    }
  }
  return out.slice(0, MAX_FOLDER_FILES);
}

/** Runs the folder: lists it, then analyses each file in turn. Cancel (cancelFolder) keeps what finished. */
export async function runFolder(): Promise<void> {
  const folder = useFolder.getState();
  const dir = folder.dir.trim();
  const model = useModels.getState().active;
  if (folder.running || !dir) return;
  if (!model) return useUi.getState().notify('warning', 'No model is loaded yet');
  // The settings are read once: a change in the workstation during the run does not mix two settings in one export.
  const { hopS, threshold, filter, useMerge: withMerge } = useAnalysis.getState();
  const merge = withMerge ? useMerge.getState().params : null;
  const run: FolderRunSettings = { modelId: model.id, hopS, threshold, filter, merge };
  const settings = `${model.name} · ${merge ? `r = ${merge.r} ${merge.shape}` : 'r = 0'} · hop ${hopS > 0 ? `${hopS} s` : 'one window'} · threshold ${threshold}${filter ? ` · labels "${filter}"` : ''}`;
  useFolder.setState({ running: true, status: 'running', files: [], settings, run, runDir: dir, exportNote: null });
  await runFiles(run, async (signal) => {
    const paths = await listAudio(dir, folder.recursive, signal);
    useFolder.setState({ files: paths.map((path): FolderFile => ({ path, name: nameOf(path), state: 'queued', progress: 0, count: 0 })) });
    if (paths.length === 0) useUi.getState().notify('info', `No audio files in ${dir}${folder.recursive ? ' or its sub-folders' : ''}`);
    return paths.map((_, i) => i);
  });
}

/** Goes on with a stopped run (cancelled, or cut short by a reload or crash): the files not done, with the run's settings. */
export async function resumeFolder(): Promise<void> {
  const { run, running, files } = useFolder.getState();
  if (running || !run) return;
  const model = useModels.getState().active;
  if (model?.id !== run.modelId) {
    return useUi.getState().notify('warning', `This run used the model ${run.modelId}; choose it in the workstation to resume with the same settings`);
  }
  const todo = files.flatMap((f, i) => (f.state === 'done' ? [] : [i]));
  useFolder.setState((s) => ({
    running: true,
    status: 'running',
    exportNote: null,
    files: s.files.map((f) => (f.state === 'done' ? f : { ...f, state: 'queued', progress: 0, error: undefined })),
  }));
  await runFiles(run, () => Promise.resolve(todo));
}

/** Analyses the files `pick` returns (indices into the list) in turn; the run's end marks what did not finish. */
async function runFiles(run: FolderRunSettings, pick: (signal: AbortSignal) => Promise<number[]>): Promise<void> {
  const mine = (ctl = new AbortController());
  const signal = mine.signal;
  const labels = useModels.getState().active?.labels ?? [];
  let completed = false;
  try {
    await flushFileSave(); // the workstation's pending edits reach the host before the run looks for them
    const todo = await pick(signal);
    for (const i of todo) {
      if (signal.aborted) break;
      await analyseOne(i, useFolder.getState().files[i].path, run, labels, signal);
    }
    completed = !signal.aborted;
  } catch (e) {
    if (!isCancelled(e)) useUi.getState().notify('error', `Folder analysis: ${(e as Error).message}`);
  } finally {
    // Whatever did not finish says so; finished files keep their results.
    useFolder.setState((s) => ({
      running: false,
      status: completed ? 'finished' : 'cancelled',
      files: s.files.map((f) => (f.state === 'queued' || f.state === 'running' ? { ...f, state: 'cancelled', progress: 0 } : f)),
    }));
    if (ctl === mine) ctl = null;
  }
}

/** One file: open (decode), analyse, make and save segments, close. A failure marks the file and the run goes on. */
async function analyseOne(i: number, path: string, run: FolderRunSettings, labels: readonly string[], signal: AbortSignal): Promise<void> {
  const patch = useFolder.getState().patchFile;
  patch(i, { state: 'running', progress: 0 });
  let fileId: string | null = null;
  try {
    const info = await api().call('file.open', { path }, { signal, onProgress: (p) => patch(i, { progress: (DECODE_SHARE * p.done) / Math.max(1, p.total) }) });
    fileId = info.fileId;
    const hop = run.hopS > 0 ? run.hopS : info.windowS;
    const result = await api().call(
      'analysis.run',
      { fileId: info.fileId, hopS: hop, merge: run.merge },
      { signal, onProgress: (p) => patch(i, { progress: DECODE_SHARE + ((1 - DECODE_SHARE) * p.done) / Math.max(1, p.total) }) },
    );
    const made = segmentsFromAnalysis(result, info, labels, run.threshold, run.filter);
    const { segments, kept } = await keepFolderSegments(path, made, run, info.windowS);
    patch(i, { state: 'done', progress: 1, info, result, segments, count: segments.length, kept, durationS: info.durationS });
  } catch (e) {
    // A cancel is not the file's failure: the run's end marks it cancelled.
    if (isCancelled(e) || signal.aborted) return;
    patch(i, { state: 'failed', progress: 0, error: (e as Error).message });
  } finally {
    if (fileId) void api().call('file.close', { fileId }).catch(() => {});
  }
}

/** Aborts the running call (the contract's cancel) and stops the run; finished files keep their results. */
export function cancelFolder(): void {
  ctl?.abort();
  ctl = null;
}

/** Edits made in the workstation on a file of the list show in its count (the export reads them from the saved state). */
function takeBackWorkstationEdits(): void {
  const open = useFile.getState().file;
  const seg = useSegments.getState();
  if (!open || seg.origin !== 'analysis') return;
  const files = useFolder.getState().files;
  const i = files.findIndex((f) => f.state === 'done' && f.path === open.path);
  if (i >= 0) useFolder.getState().patchFile(i, { segments: [...seg.edit.segments], count: seg.edit.segments.length });
}

/**
 * Opens a finished file in the workstation: its saved state (the run's segments, or the user's
 * kept edits) comes back as for any file, and the run's analysis, when this page still has it,
 * goes under the newly opened file's id so that nothing runs twice.
 */
export async function openFolderFile(path: string): Promise<void> {
  takeBackWorkstationEdits();
  const entry = useFolder.getState().files.find((f) => f.path === path);
  useLab.getState().setView('workstation');
  await openFile(path);
  const file = useFile.getState().file;
  if (!file || file.path !== path || !entry?.result) return;
  const result = { ...entry.result, fileId: file.fileId };
  // A new result rebuilds the segments (store-links): the restored list, edits and undo included, goes back.
  const { edit, origin, importedFrom } = useSegments.getState();
  await withoutAutosave(() => {
    useAnalysis.setState({ result });
    useSegments.setState({ edit, origin, importedFrom });
  });
}

/** One export of every finished file's segments: one combined file where the format allows, else one per recording. */
export async function exportFolder(): Promise<void> {
  takeBackWorkstationEdits();
  const { files, exportForm } = useFolder.getState();
  const done = files.filter((f) => f.state === 'done' && (f.info || f.durationS !== undefined));
  if (done.length === 0) return;
  const combined = COMBINABLE_EXPORT_FORMATS.includes(exportForm.format);
  useFolder.setState({ exporting: true, exportNote: null });
  try {
    const segments = await folderSegments(done);
    // The counts follow what was read (edits made in the workstation since the run).
    const patch = useFolder.getState().patchFile;
    done.forEach((f, i) => f.count !== segments[i].length && patch(files.indexOf(f), { count: segments[i].length }));
    const res = await api().call('segments.export', {
      format: exportForm.format,
      outDir: exportForm.outDir.trim(),
      recordings: done.map((f, i) => ({ file: f.path, durationS: f.durationS ?? f.info!.durationS, segments: segments[i] })),
      provenance: null,
      selection: { kind: 'all' },
      ...(combined ? { combined: true } : {}),
      include: exportForm.include,
      overwrite: exportForm.overwrite,
    });
    const text = `Wrote ${res.segments} segment${res.segments === 1 ? '' : 's'} of ${done.length} file${done.length === 1 ? '' : 's'} into ${res.outDir}`;
    useFolder.setState({ exportNote: { ok: true, text, files: res.files } });
  } catch (e) {
    useFolder.setState({ exportNote: { ok: false, text: (e as Error).message } });
  } finally {
    useFolder.setState({ exporting: false });
  }
}
