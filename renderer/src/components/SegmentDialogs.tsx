import { useState } from 'react';
import { SEGMENT_EXPORT_FORMATS, SEGMENT_EXPORT_INCLUDES, type SegmentExportFormat, type SegmentExportInclude } from '../../../app/contract';
import { ApiError } from '../api/client';
import { exportSegmentsTo, importSegmentsFrom, type ExportScope } from '../actions';
import { loadText, saveText } from '../lib/storage';
import { useFile } from '../stores/file';
import { useSegments, visibleSegments } from '../stores/segments';
import { useUi } from '../stores/ui';

const FORMAT_NAMES: Record<SegmentExportFormat, string> = {
  audacity: 'Audacity labels (.labels.txt)',
  raven: 'Raven selection table (.selections.txt)',
  csv: 'BirdNET-style CSV',
  textgrid: 'Praat TextGrid',
  sv: 'Sonic Visualiser regions (CSV)',
  labelstudio: 'Label Studio JSON',
  json: 'FastAST JSON (reads back exactly)',
  clips: 'WAV clips (one per segment)',
};

const INCLUDE_NAMES: Record<SegmentExportInclude, string> = {
  'not-rejected': 'accepted + unreviewed',
  accepted: 'accepted only',
  all: 'all, rejected too',
};

function storedInclude(): SegmentExportInclude {
  const v = loadText('exportInclude') ?? '';
  return (SEGMENT_EXPORT_INCLUDES as readonly string[]).includes(v) ? (v as SegmentExportInclude) : 'not-rejected';
}

/** The format of the last export, if it is one we still write. */
function storedFormat(): SegmentExportFormat {
  const f = loadText('exportFormat') ?? '';
  return (SEGMENT_EXPORT_FORMATS as readonly string[]).includes(f) ? (f as SegmentExportFormat) : 'audacity';
}

/** Export: format, which segments, and the folder on the host; written by app/export through the host. */
export function ExportDialog() {
  const dialog = useUi((s) => s.exportDialog);
  // The format stays from one opening to the next; the rest of the form starts afresh on each.
  const [format, setFormat] = useState<SegmentExportFormat>(storedFormat);
  if (!dialog) return null;
  return <ExportForm key={dialog.opening} initialFolder={dialog.folder} format={format} setFormat={setFormat} />;
}

function ExportForm(props: { initialFolder: string; format: SegmentExportFormat; setFormat(f: SegmentExportFormat): void }) {
  const { format, setFormat } = props;
  const file = useFile((s) => s.file);
  const hostKind = useUi((s) => s.hostKind);
  const edit = useSegments((s) => s.edit);
  const selectedId = useSegments((s) => s.selectedId);
  const filter = useSegments((s) => s.filter);
  const sort = useSegments((s) => s.sort);
  const [scope, setScope] = useState<ExportScope>('all');
  const [folder, setFolder] = useState(props.initialFolder);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState<{ files: string[]; segments: number; outDir: string } | null>(null);
  const [include, setInclude] = useState<SegmentExportInclude>(storedInclude);
  const [audacityReview, setAudacityReview] = useState(() => loadText('exportAudacityReview') === '1');
  /** Files an export would replace (the host said EXISTS): the user confirms before they go. */
  const [existing, setExisting] = useState<readonly string[] | null>(null);

  const filtered = visibleSegments(edit.segments, filter, sort).length;
  const counts: Record<ExportScope, number> = { all: edit.segments.length, selected: selectedId ? 1 : 0, filtered };
  const close = () => useUi.getState().closeExport();
  const run = async (overwrite = false) => {
    setBusy(true);
    setError(null);
    setDone(null);
    setExisting(null);
    saveText('exportFormat', format);
    saveText('exportInclude', include);
    saveText('exportAudacityReview', audacityReview ? '1' : '0');
    try {
      const res = await exportSegmentsTo(format, folder.trim(), scope, { include, audacityReview, overwrite });
      setDone(res);
    } catch (e) {
      // Nothing was written: the host names the files that are in the way; replacing them is the user's call.
      if (e instanceof ApiError && e.code === 'EXISTS' && e.paths?.length) setExisting(e.paths);
      else setError((e as Error).message);
    } finally {
      setBusy(false);
    }
  };
  const choose = async () => {
    const dir = await window.fastast?.pickFolder();
    if (dir) setFolder(dir);
  };
  return (
    <div className="browser-backdrop" onClick={close}>
      <div className="dialog" onClick={(e) => e.stopPropagation()} data-testid="export-dialog" role="dialog" aria-label="Export segments">
        <div className="dialog-head">
          <span className="panel-title">Export segments</span>
          <span className="muted small-text">{file?.name}</span>
          <span className="grow" />
          <button className="small" onClick={close} title="Close (Esc)">
            ✕
          </button>
        </div>
        <div className="dialog-body">
          <label className="row">
            <span className="key">format</span>
            <select value={format} onChange={(e) => setFormat(e.target.value as SegmentExportFormat)} data-testid="export-format">
              {SEGMENT_EXPORT_FORMATS.map((f) => (
                <option key={f} value={f}>
                  {FORMAT_NAMES[f]}
                </option>
              ))}
            </select>
          </label>
          <div className="row">
            <span className="key">segments</span>
            {(['all', 'selected', 'filtered'] as const).map((k) => (
              <label key={k} className="check" title={k === 'filtered' ? 'The rows the table shows (its label and score filter)' : undefined}>
                <input type="radio" name="export-scope" checked={scope === k} onChange={() => setScope(k)} disabled={counts[k] === 0} data-testid={`export-scope-${k}`} /> {k} ({counts[k]})
              </label>
            ))}
          </div>
          <div className="row">
            <span className="key">include</span>
            {SEGMENT_EXPORT_INCLUDES.map((k) => (
              <label key={k} className="check">
                <input type="radio" name="export-include" checked={include === k} onChange={() => setInclude(k)} data-testid={`export-include-${k}`} /> {INCLUDE_NAMES[k]}
              </label>
            ))}
          </div>
          {format === 'audacity' && (
            <label className="row check" title='Each label ends with its review and score, e.g. "dog [accepted 0.9123]"'>
              <span className="key" />
              <input type="checkbox" checked={audacityReview} onChange={(e) => setAudacityReview(e.target.checked)} data-testid="export-audacity-review" /> review and
              score in the label text
            </label>
          )}
          <label className="row">
            <span className="key">folder</span>
            <input
              type="text"
              className="path"
              value={folder}
              onChange={(e) => setFolder(e.target.value)}
              onKeyDown={(e) => e.key === 'Enter' && !busy && void run()}
              placeholder={hostKind === 'serve' ? 'an existing folder on the host machine, e.g. /home/me/labels' : 'an existing folder'}
              spellCheck={false}
              data-testid="export-folder"
            />
            {window.fastast && (
              <button className="small" onClick={() => void choose()}>
                Choose…
              </button>
            )}
          </label>
          <div className="muted small-text hint">
            {hostKind === 'serve' ? 'The host writes the files (on the machine that runs serve). ' : ''}Each export also writes a sidecar (.fastast.json) with the model, merge settings, window,
            hop and threshold. Writes are all-or-nothing: an export that fails leaves no file behind.
          </div>
          {error && (
            <div className="error-box" data-testid="export-error" role="alert">
              {error}
            </div>
          )}
          {existing && (
            <div className="error-box" data-testid="export-exists" role="alert">
              {existing.length === 1 ? 'This file exists' : `These ${existing.length} files exist`}; replace {existing.length === 1 ? 'it' : 'them'}?
              <ul>
                {existing.slice(0, 8).map((f) => (
                  <li key={f}>{f}</li>
                ))}
                {existing.length > 8 && <li>… {existing.length - 8} more</li>}
              </ul>
              <button onClick={() => setExisting(null)} data-testid="export-keep">
                Keep them
              </button>{' '}
              <button className="primary" onClick={() => void run(true)} disabled={busy} data-testid="export-replace">
                Replace
              </button>
            </div>
          )}
          {done && (
            <div className="ok-box" data-testid="export-done">
              Wrote {done.segments} segment{done.segments === 1 ? '' : 's'} into {done.outDir}:
              <ul>
                {done.files.slice(0, 8).map((f) => (
                  <li key={f}>{f.slice(done.outDir.length + 1) || f}</li>
                ))}
                {done.files.length > 8 && <li>… {done.files.length - 8} more</li>}
              </ul>
            </div>
          )}
        </div>
        <div className="dialog-foot">
          <button onClick={close}>{done ? 'Close' : 'Cancel'}</button>
          <button className="primary" onClick={() => void run()} disabled={busy || !folder.trim() || counts[scope] === 0} data-testid="export-run">
            {busy ? 'Exporting…' : 'Export'}
          </button>
        </div>
      </div>
    </div>
  );
}

/** Import: a label file on the host replaces the segments of the open recording. */
export function ImportDialog() {
  const open = useUi((s) => s.importDialog);
  const [path, setPath] = useState('');
  const [format, setFormat] = useState<ImportFormat>('auto');
  const [opening, setOpening] = useState(0);
  // A new opening: a path typed before stays, an empty one starts where the opener says. Set while
  // rendering (React's way to adjust state to a changed prop), so the first paint shows it.
  if (open && open.opening !== opening) {
    setOpening(open.opening);
    setPath(path || open.startPath);
  }
  if (!open) return null;
  // Path and format stay from one opening to the next; the form's error and busy state start afresh.
  return <ImportForm key={open.opening} path={path} setPath={setPath} format={format} setFormat={setFormat} />;
}

type ImportFormat = 'auto' | 'audacity' | 'raven' | 'json';

function ImportForm(props: { path: string; setPath(path: string): void; format: ImportFormat; setFormat(f: ImportFormat): void }) {
  const { path, setPath, format, setFormat } = props;
  const file = useFile((s) => s.file);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const close = () => useUi.getState().closeImport();
  const run = async () => {
    setBusy(true);
    setError(null);
    try {
      const n = await importSegmentsFrom(path.trim(), format === 'auto' ? null : format);
      useUi.getState().notify('info', `Imported ${n} segment${n === 1 ? '' : 's'} (the list was replaced; undo starts afresh)`);
      close();
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setBusy(false);
    }
  };
  const choose = async () => {
    const p = await window.fastast?.pickLabelFile();
    if (p) setPath(p);
  };
  return (
    <div className="browser-backdrop" onClick={close}>
      <div className="dialog" onClick={(e) => e.stopPropagation()} data-testid="import-dialog" role="dialog" aria-label="Import segments">
        <div className="dialog-head">
          <span className="panel-title">Import segments</span>
          <span className="muted small-text">into {file?.name}</span>
          <span className="grow" />
          <button className="small" onClick={close}>
            ✕
          </button>
        </div>
        <div className="dialog-body">
          <label className="row">
            <span className="key">file</span>
            <input
              type="text"
              className="path"
              value={path}
              onChange={(e) => setPath(e.target.value)}
              onKeyDown={(e) => e.key === 'Enter' && !busy && void run()}
              placeholder="Audacity labels, a Raven selection table or FastAST JSON, on the host"
              spellCheck={false}
              data-testid="import-path"
            />
            {window.fastast && (
              <button className="small" onClick={() => void choose()}>
                Choose…
              </button>
            )}
          </label>
          <label className="row">
            <span className="key">format</span>
            <select value={format} onChange={(e) => setFormat(e.target.value as typeof format)} data-testid="import-format">
              <option value="auto">tell from the content</option>
              <option value="audacity">Audacity labels</option>
              <option value="raven">Raven selection table</option>
              <option value="json">FastAST JSON</option>
            </select>
          </label>
          <div className="muted small-text hint">The imported segments replace the list (undo history starts again). A sidecar beside the file restores the model and settings.</div>
          {error && (
            <div className="error-box" data-testid="import-error" role="alert">
              {error}
            </div>
          )}
        </div>
        <div className="dialog-foot">
          <button onClick={close}>Cancel</button>
          <button className="primary" onClick={() => void run()} disabled={busy || !path.trim()} data-testid="import-run">
            {busy ? 'Importing…' : 'Import'}
          </button>
        </div>
      </div>
    </div>
  );
}
