/**
 * Folder analysis (issue 11): every audio file of a host folder in turn, with the workstation's
 * model, merge and analysis settings — file.open → analysis.run → segments (the same
 * segmentsFromAnalysis the workstation uses) → file.close — then one combined export of all
 * files' segments. State lives in stores/folder.ts; this module sequences the calls.
 */
import { api, isCancelled, openFile, segmentsFromAnalysis } from './actions';
import { useAnalysis } from './stores/analysis';
import { useFile } from './stores/file';
import { useFolder, type FolderFile } from './stores/folder';
import { useLab } from './stores/lab';
import { useMerge } from './stores/merge';
import { useModels } from './stores/models';
import { useSegments } from './stores/segments';
import { useUi } from './stores/ui';
import { COMBINABLE_EXPORT_FORMATS, type MergeParams } from '../../app/contract';


/** A walk that runs away (a home folder, recursively) stops here rather than queueing forever. */
const MAX_FILES = 5000;

/** Decoding is the first tenth of a file's bar; the model's windows are the rest. */
const DECODE_SHARE = 0.1;

let ctl: AbortController | null = null;

/** Audio files of `dir` (name order, as fs.list gives them), and of its sub-folders when `recursive`. */
async function listAudio(dir: string, recursive: boolean, signal: AbortSignal): Promise<string[]> {
  const out: string[] = [];
  const pending = [dir];
  while (pending.length > 0 && out.length < MAX_FILES) {
    const res = await api().call('fs.list', { dir: pending.shift()! }, { signal });
    for (const e of res.entries) {
      if (e.kind === 'audio') out.push(e.path);
      else if (e.kind === 'dir' && recursive) pending.push(e.path);
    }
  }
  return out.slice(0, MAX_FILES);
}

const nameOf = (path: string) => path.split(/[\\/]/).pop() ?? path;

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
  const mine = (ctl = new AbortController());
  const signal = mine.signal;
  const settings = `${model.name} · ${merge ? `r = ${merge.r} ${merge.shape}` : 'r = 0'} · hop ${hopS > 0 ? `${hopS} s` : 'one window'} · threshold ${threshold}${filter ? ` · labels "${filter}"` : ''}`;
  useFolder.setState({ running: true, files: [], settings, exportNote: null });
  try {
    const paths = await listAudio(dir, folder.recursive, signal);
    useFolder.setState({ files: paths.map((path): FolderFile => ({ path, name: nameOf(path), state: 'queued', progress: 0 })) });
    if (paths.length === 0) useUi.getState().notify('info', `No audio files in ${dir}${folder.recursive ? ' or its sub-folders' : ''}`);
    for (let i = 0; i < paths.length && !signal.aborted; i++) {
      await analyseOne(i, paths[i], { hopS, threshold, filter, merge, labels: model.labels }, signal);
    }
  } catch (e) {
    if (!isCancelled(e)) useUi.getState().notify('error', `Folder analysis: ${(e as Error).message}`);
  } finally {
    // Whatever did not finish says so; finished files keep their results.
    useFolder.setState((s) => ({
      running: false,
      files: s.files.map((f) => (f.state === 'queued' || f.state === 'running' ? { ...f, state: 'cancelled', progress: 0 } : f)),
    }));
    if (ctl === mine) ctl = null;
  }
}

interface RunSettings {
  hopS: number;
  threshold: number;
  filter: string;
  merge: MergeParams | null;
  labels: readonly string[];
}

/** One file: open (decode), analyse, make segments, close. A failure marks the file and the run goes on. */
async function analyseOne(i: number, path: string, run: RunSettings, signal: AbortSignal): Promise<void> {
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
    const segments = segmentsFromAnalysis(result, info, run.labels, run.threshold, run.filter);
    patch(i, { state: 'done', progress: 1, info, result, segments });
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

/**
 * Reviews and edits made in the workstation on a file of the list go back into the list, so the
 * combined export carries them (its default include leaves rejected segments out).
 */
function takeBackWorkstationEdits(): void {
  const open = useFile.getState().file;
  const seg = useSegments.getState();
  if (!open || seg.origin !== 'analysis') return;
  const files = useFolder.getState().files;
  const i = files.findIndex((f) => f.state === 'done' && f.path === open.path);
  if (i >= 0) useFolder.getState().patchFile(i, { segments: [...seg.edit.segments] });
}

/**
 * Opens a finished file in the workstation with its folder analysis (no second run): the
 * analysis store takes the result under the newly opened file's id, and the segments follow.
 */
export async function openFolderFile(path: string): Promise<void> {
  takeBackWorkstationEdits();
  const entry = useFolder.getState().files.find((f) => f.path === path);
  useLab.getState().setView('workstation');
  await openFile(path);
  const file = useFile.getState().file;
  if (!file || file.path !== path || !entry?.result) return;
  useAnalysis.setState({ result: { ...entry.result, fileId: file.fileId } });
  // Reviews made earlier in this list's copy (the workstation's analysis starts unreviewed).
  if (entry.segments) useSegments.getState().reset(entry.segments, 'analysis');
}

/** One export of every finished file's segments: one combined file where the format allows, else one per recording. */
export async function exportFolder(): Promise<void> {
  takeBackWorkstationEdits();
  const { files, exportForm } = useFolder.getState();
  const done = files.filter((f) => f.state === 'done' && f.info);
  if (done.length === 0) return;
  const combined = COMBINABLE_EXPORT_FORMATS.includes(exportForm.format);
  useFolder.setState({ exporting: true, exportNote: null });
  try {
    const res = await api().call('segments.export', {
      format: exportForm.format,
      outDir: exportForm.outDir.trim(),
      recordings: done.map((f) => ({ file: f.path, durationS: f.info!.durationS, segments: f.segments ?? [] })),
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
