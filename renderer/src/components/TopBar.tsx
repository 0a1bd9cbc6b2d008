import { openFile, pickAndOpen, switchModel } from '../actions';
import { useFile } from '../stores/file';
import { useModels } from '../stores/models';
import { useUi } from '../stores/ui';
import { formatClock } from '../lib/mel';
import { shortReason } from '../lib/format';
import { ViewSwitch } from './lab/ViewSwitch';
import { ClassesButton } from './models/ClassList';

export function TopBar() {
  const file = useFile((s) => s.file);
  const opening = useFile((s) => s.opening);
  const queue = useFile((s) => s.queue);
  const connected = useUi((s) => s.connected);
  return (
    <header className="topbar">
      <div className="brand">
        Fast<b>AST</b> Studio
      </div>
      <ViewSwitch />
      <button onClick={pickAndOpen} data-testid="open-button" title="Open an audio file (Ctrl+O)">
        Open…
      </button>
      <div className="file-title" data-testid="file-title">
        {opening ? (
          <span>
            Decoding {opening.path.split(/[\\/]/).pop()} … {Math.round((opening.done / Math.max(opening.total, 1e-9)) * 100)}%
            <progress max={opening.total} value={opening.done} />
          </span>
        ) : file ? (
          <span title={file.path}>
            <b>{file.name}</b> <span className="muted">· {formatClock(file.durationS)} · 16 kHz</span>
            {queue.length > 1 && <QueueNav />}
          </span>
        ) : (
          <span className="muted">no file</span>
        )}
      </div>
      <ModelPicker />
      <span className={`dot ${connected ? 'up' : 'down'}`} title={connected ? 'engine host connected' : 'engine host not connected'} />
    </header>
  );
}

function QueueNav() {
  const queue = useFile((s) => s.queue);
  const file = useFile((s) => s.file);
  const i = queue.indexOf(file?.path ?? '');
  const go = (d: number) => {
    const next = queue[i + d];
    if (next) void openFile(next);
  };
  return (
    <span className="queue">
      <button className="small" disabled={i <= 0} onClick={() => go(-1)}>
        ‹
      </button>
      {i + 1}/{queue.length}
      <button className="small" disabled={i >= queue.length - 1} onClick={() => go(1)}>
        ›
      </button>
    </span>
  );
}

function ModelPicker() {
  const models = useModels((s) => s.models);
  const active = useModels((s) => s.active);
  const engine = useModels((s) => s.engine);
  const loading = useModels((s) => s.loading);
  const importDir = useModels((s) => s.importDir);
  const hostKind = useUi((s) => s.hostKind);
  const onImport = async () => {
    let dir: string | null = null;
    if (window.fastast) dir = await window.fastast.pickFolder();
    else dir = window.prompt('Folder of an HF AST checkpoint on the host (config.json + model.safetensors):');
    if (dir) await importDir(dir);
  };
  const failed = engine?.attempts.filter((a) => !a.ok) ?? [];
  return (
    <div className="model-picker">
      <label>
        Model
        <select
          value={active?.id ?? ''}
          onChange={(e) => void switchModel(e.target.value)}
          disabled={!!loading}
          data-testid="model-select"
          title={active?.note}
        >
          {models.map((m) => (
            <option key={m.id} value={m.id}>
              {m.name} · {m.classes} classes
              {m.bundled ? '' : ` · ${m.source === 'hub' ? 'hub' : 'imported'}`}
            </option>
          ))}
        </select>
      </label>
      <ClassesButton />
      <LoadProgress />
      <button className="small" onClick={() => void onImport()} title={`Import an HF AST checkpoint folder${hostKind === 'serve' ? ' (a path on the host)' : ''}`}>
        Import…
      </button>
      <span
        className="badge"
        data-testid="ep-badge"
        title={failed.length ? `Tried first: ${failed.map((a) => `${a.ep} (${shortReason(a.reason ?? '')})`).join('; ')}` : 'execution provider'}
      >
        {loading ? 'loading…' : engine ? `EP ${engine.ep}` : 'no engine'}
      </span>
    </div>
  );
}

/** A model's first start builds its graph (seconds to a minute for AST-base): how far it is. */
function LoadProgress() {
  const p = useModels((s) => s.loadProgress);
  if (!p) return null;
  return (
    <span className="load-progress small-text" data-testid="model-load-progress" title="The first start of a model builds its ONNX graph; later starts open it from the cache">
      <progress max={100} value={p.done} /> {p.message}
      <button className="small" onClick={() => useModels.getState().cancelLoad()} title="Keep the current model; a graph being built is still finished and cached" data-testid="model-load-cancel">
        Cancel
      </button>
    </span>
  );
}
