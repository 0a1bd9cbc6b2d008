/** Cross-store actions (each store owns its own state; these sequence several). */
import { useAnalysis } from './stores/analysis';
import { useFile } from './stores/file';
import { useMerge } from './stores/merge';
import { useModels } from './stores/models';
import { segmentsCsv, useSegments } from './stores/segments';
import { useUi } from './stores/ui';
import { api } from './api/client';
import { AUDIO_EXTENSIONS } from '../../app/contract';

const isAudio = (p: string) => (AUDIO_EXTENSIONS as readonly string[]).includes(p.split('.').pop()?.toLowerCase() ?? '');

/** Opens a file: resets analysis and merge state, focuses the first window. */
export async function openFile(path: string): Promise<void> {
  useUi.getState().setBrowserOpen(false);
  const file = await useFile.getState().open(path);
  if (!file) return;
  useAnalysis.getState().clear();
  useSegments.getState().setSegments([]);
  useMerge.getState().clear();
  useMerge.getState().focus(0);
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
  const p = useMerge.getState().params;
  const max = p.protectDistillation ? m.maxR.protect : m.maxR.noProtect;
  if (p.r > max) useMerge.setState({ params: { ...p, r: max } });
  await useMerge.getState().loadTable();
  useAnalysis.getState().clear();
  useSegments.getState().setSegments([]);
  const f = useFile.getState().file;
  if (f) {
    // The decoded file stays open on the host; only the window length may differ between models.
    useFile.setState({ file: { ...f, windowS: m.maxLength / 100 } });
    const focusS = useMerge.getState().focusS;
    useMerge.getState().clear();
    useMerge.getState().focus(focusS);
  }
}

export function pickAndOpen(): void {
  const bridge = window.fastast;
  if (bridge) {
    void bridge.pickFiles().then((paths) => openPaths(paths));
  } else {
    useUi.getState().setBrowserOpen(!useUi.getState().browserOpen);
  }
}

export function exportSegments(format: 'csv' | 'json'): void {
  const file = useFile.getState().file;
  const { segments } = useSegments.getState();
  const result = useAnalysis.getState().result;
  if (!file || !result) {
    useUi.getState().notify('warning', 'Run the analysis first: export writes its labelled segments');
    return;
  }
  let text: string;
  if (format === 'csv') {
    text = segmentsCsv(segments);
  } else {
    text = JSON.stringify(
      {
        file: file.path,
        model: result.modelId,
        windowS: result.windowS,
        hopS: result.hopS,
        merge: result.merge,
        threshold: useAnalysis.getState().threshold,
        segments,
      },
      null,
      2,
    );
  }
  const blob = new Blob([text], { type: format === 'csv' ? 'text/csv' : 'application/json' });
  const a = document.createElement('a');
  a.href = URL.createObjectURL(blob);
  a.download = `${file.name.replace(/\.[^.]+$/, '')}.segments.${format}`;
  a.click();
  setTimeout(() => URL.revokeObjectURL(a.href), 5000);
}

export { api };
