import { useEffect } from 'react';
import { openExportDialog, openPaths, pickAndOpen } from '../actions';
import { HostBanner } from './HostBanner';
import { RestoreQuestion, Welcome } from './Welcome';
import { AnalysisBar } from './AnalysisBar';
import { AudioView } from './AudioView';
import { togglePlay, zoomBy, zoomFit } from '../lib/player';
import { FileBrowser } from './FileBrowser';
import { MergePanel } from './MergePanel';
import { MergeView } from './MergeView';
import { Notices } from './Notices';
import { ExportDialog, ImportDialog } from './SegmentDialogs';
import { segmentsKey, SegmentsPanel } from './SegmentsPanel';
import { useSegments } from '../stores/segments';
import { TopBar } from './TopBar';
import { useFile } from '../stores/file';
import { useUi } from '../stores/ui';
import { shownLayer, useMerge } from '../stores/merge';
import { useModels } from '../stores/models';
import { useLab } from '../stores/lab';
import { LabView } from './lab/LabView';
import { ModelsView } from './models/ModelsView';
import { FolderView } from './folder/FolderView';

const layers = () => useModels.getState().active?.numLayers ?? 0;

export function App() {
  const file = useFile((s) => s.file);
  const browserOpen = useUi((s) => s.browserOpen);
  const lowerTab = useUi((s) => s.lowerTab);
  const view = useLab((s) => s.view);

  // Drag and drop: in Electron, dropped files have paths; in a browser the host cannot read them.
  useEffect(() => {
    const over = (e: DragEvent) => e.preventDefault();
    const drop = (e: DragEvent) => {
      e.preventDefault();
      const files = [...(e.dataTransfer?.files ?? [])];
      const bridge = window.fastast;
      if (bridge) void openPaths(files.map((f) => bridge.pathForFile(f)).filter(Boolean));
      else if (files.length) useUi.getState().notify('info', 'In the browser, open files from the file browser (the host reads them from its own disk)');
    };
    const onKey = (e: KeyboardEvent) => {
      const target = e.target as HTMLElement | null;
      const tag = target?.tagName;
      const inputType = tag === 'INPUT' ? (target as HTMLInputElement).type : '';
      // Sliders and check boxes keep their own keys (arrows, space) but let the app's through.
      const typing = tag === 'SELECT' || tag === 'TEXTAREA' || (tag === 'INPUT' && !['range', 'checkbox', 'radio', 'button'].includes(inputType));
      const mod = e.ctrlKey || e.metaKey;
      if (mod && e.key.toLowerCase() === 'o') {
        e.preventDefault();
        pickAndOpen();
        return;
      }
      const ui = useUi.getState();
      if (ui.exportDialog || ui.importDialog) {
        if (e.key === 'Escape') {
          ui.closeExport();
          ui.closeImport();
        }
        return;
      }
      if (typing) return;
      if (useLab.getState().view !== 'workstation') return; // the workstation's keys stay with the workstation
      if (!useFile.getState().file) return;
      // Undo / redo of segment edits (text fields keep their own).
      if (mod && e.key.toLowerCase() === 'z') {
        e.preventDefault();
        if (e.shiftKey) useSegments.getState().redo();
        else useSegments.getState().undo();
        return;
      }
      if (mod && e.key.toLowerCase() === 'y') {
        e.preventDefault();
        useSegments.getState().redo();
        return;
      }
      if (mod && e.key.toLowerCase() === 'e') {
        e.preventDefault();
        openExportDialog();
        return;
      }
      if (mod || e.altKey) return;
      // Review keys on the segments tab; sliders keep their arrows.
      if (ui.lowerTab === 'segments' && !(tag === 'INPUT' && e.key.startsWith('Arrow')) && segmentsKey(e)) {
        e.preventDefault();
        return;
      }
      const merge = useMerge.getState();
      const w = useFile.getState().file!.windowS;
      if (e.key === ' ') {
        e.preventDefault();
        togglePlay();
      } else if (e.key === '+' || e.key === '=') zoomBy(1.6);
      else if (e.key === '-' || e.key === '_') zoomBy(1 / 1.6);
      else if (e.key === '0') zoomFit();
      else if (e.key === '[') merge.focus(merge.focusS - w / 2);
      else if (e.key === ']') merge.focus(merge.focusS + w / 2);
      else if (e.key === ',' || e.key === '<') merge.setLayer(Math.max(0, shownLayer(merge.layer, layers()) - 1));
      else if (e.key === '.' || e.key === '>') merge.setLayer(Math.min(layers(), shownLayer(merge.layer, layers()) + 1));
    };
    window.addEventListener('keydown', onKey);
    window.addEventListener('dragover', over);
    window.addEventListener('drop', drop);
    return () => {
      window.removeEventListener('dragover', over);
      window.removeEventListener('drop', drop);
      window.removeEventListener('keydown', onKey);
    };
  }, []);

  return (
    <div className="app">
      <TopBar />
      <HostBanner />
      {browserOpen && <FileBrowser />}
      {view === 'lab' ? (
        <LabView />
      ) : view === 'models' ? (
        <ModelsView />
      ) : view === 'folder' ? (
        <FolderView />
      ) : file ? (
        <main className="workspace">
          <div className="col-main">
            <AudioView />
            <AnalysisBar />
            {lowerTab === 'merge' ? <MergeView /> : <SegmentsPanel />}
          </div>
          <aside className="col-side">
            <MergePanel />
          </aside>
        </main>
      ) : (
        <Welcome />
      )}
      <ExportDialog />
      <ImportDialog />
      <RestoreQuestion />
      <Notices />
    </div>
  );
}
