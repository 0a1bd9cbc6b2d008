import { useEffect } from 'react';
import { SEGMENT_EXPORT_FORMATS, SEGMENT_EXPORT_INCLUDES, type SegmentExportFormat, type SegmentExportInclude } from '../../../../app/contract';
import { COMBINABLE_EXPORT_FORMATS } from '../../../../app/contract';
import { cancelFolder, exportFolder, openFolderFile, resumeFolder, runFolder } from '../../folder-run';
import { useAnalysis } from '../../stores/analysis';
import { useFile } from '../../stores/file';
import { folderSummary, useFolder, type FolderFile } from '../../stores/folder';
import { useMerge } from '../../stores/merge';
import { useModels } from '../../stores/models';
import { useUi } from '../../stores/ui';
import './folder.css';

const FORMAT_NAMES: Record<SegmentExportFormat, string> = {
  audacity: 'Audacity labels',
  raven: 'Raven selection table',
  csv: 'BirdNET-style CSV',
  textgrid: 'Praat TextGrid',
  sv: 'Sonic Visualiser regions',
  labelstudio: 'Label Studio JSON',
  json: 'FastAST JSON',
  clips: 'WAV clips',
};

const INCLUDE_NAMES: Record<SegmentExportInclude, string> = {
  'not-rejected': 'accepted + unreviewed',
  accepted: 'accepted only',
  all: 'all, rejected too',
};

/**
 * Folder analysis (issue 11, BirdNET's GUI has it): every audio file of a host folder with the
 * workstation's model and settings, a per-file progress list, and one combined export.
 */
export function FolderView() {
  // The folder starts at the file browser's, else the demo clips, else home (serve has no native picker).
  useEffect(() => {
    const f = useFolder.getState();
    const { browser, demoDir, homeDir } = useFile.getState();
    const start = browser?.dir ?? demoDir ?? homeDir;
    if (!f.dir && start) f.setDir(start);
    if (!f.exportForm.outDir && start) f.setExportForm({ outDir: start });
  }, []);
  return (
    <main className="folder-view" data-testid="folder-view">
      <aside className="folder-side">
        <RunForm />
        <ExportBox />
      </aside>
      <section className="panel folder-main">
        <FileList />
      </section>
    </main>
  );
}

function RunForm() {
  const dir = useFolder((s) => s.dir);
  const recursive = useFolder((s) => s.recursive);
  const running = useFolder((s) => s.running);
  const browserDir = useFile((s) => s.browser?.dir ?? null);
  const model = useModels((s) => s.active);
  const withMerge = useAnalysis((s) => s.useMerge);
  const r = useMerge((s) => s.params.r);
  const hopS = useAnalysis((s) => s.hopS);
  const threshold = useAnalysis((s) => s.threshold);
  const { setDir, setRecursive } = useFolder.getState();
  const pick = async () => {
    const d = await window.fastast?.pickFolder();
    if (d) setDir(d);
  };
  return (
    <section className="panel folder-form" data-testid="folder-form">
      <div className="panel-title">Analyse a folder</div>
      <label className="field">
        <span className="key">folder on the host</span>
        <input type="text" className="path" value={dir} onChange={(e) => setDir(e.target.value)} onKeyDown={(e) => e.key === 'Enter' && void runFolder()} disabled={running} spellCheck={false} data-testid="folder-dir" />
      </label>
      <div className="field-row">
        {window.fastast && (
          <button className="small" onClick={() => void pick()} disabled={running}>
            Choose…
          </button>
        )}
        {browserDir && browserDir !== dir && (
          <button className="small link" onClick={() => setDir(browserDir)} disabled={running} title={browserDir}>
            the file browser's folder
          </button>
        )}
      </div>
      <label className="check">
        <input type="checkbox" checked={recursive} onChange={(e) => setRecursive(e.target.checked)} disabled={running} data-testid="folder-recursive" /> include sub-folders
      </label>
      <div className="muted small-text" data-testid="folder-settings-now">
        With the workstation's settings: {model?.name ?? 'no model'} · {withMerge ? `r = ${r}` : 'r = 0 (merging off in the analysis bar)'} · hop {hopS > 0 ? `${hopS} s` : 'one window'} · threshold {threshold}
      </div>
      <div className="field-row">
        {running ? (
          <button onClick={cancelFolder} data-testid="folder-cancel">
            Cancel
          </button>
        ) : (
          <button className="primary" onClick={() => void runFolder()} disabled={!dir.trim() || !model} data-testid="folder-run">
            Run
          </button>
        )}
      </div>
    </section>
  );
}

function ExportBox() {
  const form = useFolder((s) => s.exportForm);
  const files = useFolder((s) => s.files);
  const running = useFolder((s) => s.running);
  const exporting = useFolder((s) => s.exporting);
  const note = useFolder((s) => s.exportNote);
  const hostKind = useUi((s) => s.hostKind);
  const set = useFolder.getState().setExportForm;
  const { done } = folderSummary(files);
  const combined = COMBINABLE_EXPORT_FORMATS.includes(form.format);
  return (
    <section className="panel folder-form" data-testid="folder-export">
      <div className="panel-title">Export all files' segments</div>
      <label className="field">
        <span className="key">format</span>
        <select value={form.format} onChange={(e) => set({ format: e.target.value as SegmentExportFormat })} data-testid="folder-export-format">
          {SEGMENT_EXPORT_FORMATS.map((f) => (
            <option key={f} value={f}>
              {FORMAT_NAMES[f]}
              {COMBINABLE_EXPORT_FORMATS.includes(f) ? ' · one file' : ' · per recording'}
            </option>
          ))}
        </select>
      </label>
      <label className="field">
        <span className="key">segments</span>
        <select value={form.include} onChange={(e) => set({ include: e.target.value as SegmentExportInclude })} data-testid="folder-export-include">
          {SEGMENT_EXPORT_INCLUDES.map((k) => (
            <option key={k} value={k}>
              {INCLUDE_NAMES[k]}
            </option>
          ))}
        </select>
      </label>
      <label className="field">
        <span className="key">into the folder{hostKind === 'serve' ? ' (on the host)' : ''}</span>
        <input type="text" className="path" value={form.outDir} onChange={(e) => set({ outDir: e.target.value })} spellCheck={false} data-testid="folder-export-dir" />
      </label>
      <label className="check">
        <input type="checkbox" checked={form.overwrite} onChange={(e) => set({ overwrite: e.target.checked })} data-testid="folder-export-overwrite" /> replace files that exist
      </label>
      <button onClick={() => void exportFolder()} disabled={done === 0 || running || exporting || !form.outDir.trim()} data-testid="folder-export-run">
        {exporting ? 'Exporting…' : `Export ${done} file${done === 1 ? '' : 's'}${combined ? ' as one file' : ''}`}
      </button>
      {note && (
        <div className={note.ok ? 'ok-box' : 'error-box'} role={note.ok ? undefined : 'alert'} data-testid={note.ok ? 'folder-export-done' : 'folder-export-error'}>
          {note.text}
          {note.files && (
            <ul>
              {note.files.map((f) => (
                <li key={f}>{f.split(/[\\/]/).pop()}</li>
              ))}
            </ul>
          )}
        </div>
      )}
    </section>
  );
}

function FileList() {
  const files = useFolder((s) => s.files);
  const running = useFolder((s) => s.running);
  const status = useFolder((s) => s.status);
  const settings = useFolder((s) => s.settings);
  const { done, failed, segments, share } = folderSummary(files);
  const stopped = !running && status === 'cancelled' && done < files.length;
  if (files.length === 0) {
    return <div className="muted folder-empty">{running ? 'Listing the folder…' : 'Choose a folder and press Run: each audio file is analysed in turn, and the list shows how far each has come.'}</div>;
  }
  return (
    <>
      <div className="toolbar">
        <span className="panel-title">Files</span>
        <span className="muted small-text" data-testid="folder-summary">
          {done} of {files.length} done{failed ? ` · ${failed} failed` : ''} · {segments} segment{segments === 1 ? '' : 's'}
          {settings ? ` · ${settings}` : ''}
        </span>
      </div>
      <div className="folder-overall" title={`${Math.floor(share * 100)} %`}>
        <progress max={1} value={share} data-testid="folder-progress" />
        <span className="small-text">{Math.floor(share * 100)} %</span>
      </div>
      {stopped && (
        <div className="folder-stopped" data-testid="folder-stopped">
          <span>
            Stopped at {done} of {files.length}
          </span>
          <button className="primary small" onClick={() => void resumeFolder()} title="Analyse the files not done yet, with this run's settings" data-testid="folder-resume">
            Resume
          </button>
        </div>
      )}
      <div className="folder-table-wrap">
        <table className="folder-table">
          <thead>
            <tr>
              <th>file</th>
              <th>state</th>
              <th className="num">segments</th>
            </tr>
          </thead>
          <tbody>
            {files.map((f) => (
              <FileRow key={f.path} f={f} />
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}

function FileRow({ f }: { f: FolderFile }) {
  return (
    <tr data-testid="folder-row" data-state={f.state} className={f.state}>
      <td title={f.path}>
        {f.state === 'done' ? (
          <button className="link" onClick={() => void openFolderFile(f.path)} title="Open in the workstation with this analysis" data-testid="folder-open">
            {f.name}
          </button>
        ) : (
          f.name
        )}
      </td>
      <td data-testid="folder-state">
        {f.state === 'running' ? (
          <span className="folder-running">
            <progress max={1} value={f.progress} /> running {Math.floor(f.progress * 100)} %
          </span>
        ) : f.state === 'failed' ? (
          <span className="bad-text" title={f.error}>
            failed: {f.error}
          </span>
        ) : f.kept ? (
          <span title="This recording already had edited segments: the run kept them and saved nothing over them" data-testid="folder-kept">
            done · kept your edits
          </span>
        ) : (
          f.state
        )}
      </td>
      <td className="num" data-testid="folder-segments">
        {f.state === 'done' ? f.count : ''}
      </td>
    </tr>
  );
}
