/**
 * The Models view: what is installed (bundled, hub cache, imported, added folders) with size,
 * source, revision, classes and window; removal with a confirmation; what the scan skipped and
 * why; downloads from the hub; the import of a .pth of the original AST / FastAST code.
 */
import { useEffect, useState } from 'react';
import type { ModelInfo } from '../../../../app/contract';
import { switchModel } from '../../actions';
import { useLab } from '../../stores/lab';
import { formatBytes, useModelStore } from '../../stores/model-store';
import { useModels } from '../../stores/models';
import { HubDownloads } from './HubDownloads';
import { ImportPthForm } from './ImportPthForm';

const SOURCE_TEXT: Record<ModelInfo['source'], string> = {
  bundled: 'bundled',
  hub: 'hub cache',
  imported: 'imported .pth',
  folder: 'added folder',
};

export function formatParams(n: number): string {
  return n >= 1e6 ? `${(n / 1e6).toFixed(1)} M` : `${(n / 1e3).toFixed(0)} k`;
}

export function ModelsView() {
  const models = useModelStore((s) => s.models);
  const skipped = useModelStore((s) => s.skipped);
  const listing = useModelStore((s) => s.listing);
  const refresh = useModelStore((s) => s.refresh);
  useEffect(() => void refresh(), [refresh]);
  return (
    <main className="models-view" data-testid="models-view">
      <section className="panel models-installed">
        <div className="models-head">
          <span className="panel-title">Installed models</span>
          <span className="muted small-text">{listing ? 'reading…' : `${models.length} installed`}</span>
          <span className="grow" />
          <button className="small" onClick={() => void refresh()} disabled={listing} title="Scan the bundled models, the hub cache and the imported ones again">
            Rescan
          </button>
        </div>
        <table className="models-table" data-testid="models-table">
          <thead>
            <tr>
              <th>model</th>
              <th>source</th>
              <th className="num">classes</th>
              <th className="num">window</th>
              <th className="num">params</th>
              <th className="num">size</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {models.map((m) => (
              <ModelRow key={m.id} m={m} />
            ))}
          </tbody>
        </table>
        {skipped.length > 0 && (
          <div className="models-skipped" data-testid="models-skipped">
            <div className="panel-title">Skipped ({skipped.length})</div>
            {skipped.map((s) => (
              <div key={s.path} className="skipped-row">
                <span className="path" title={s.path}>
                  {s.path}
                </span>
                <span className="muted"> · {SOURCE_TEXT[s.source]} · </span>
                <span className="bad-text">{s.reason}</span>
                {s.source === 'folder' || s.source === 'imported' ? (
                  <button className="small" onClick={() => void useModelStore.getState().forgetSkipped(s.path)} title="Forget this folder (its files stay)">
                    Forget
                  </button>
                ) : null}
              </div>
            ))}
          </div>
        )}
      </section>
      <div className="models-side">
        <HubDownloads />
        <ImportPthForm />
      </div>
    </main>
  );
}

function ModelRow({ m }: { m: ModelInfo }) {
  const active = useModels((s) => s.active?.id === m.id);
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);
  const use = async () => {
    await switchModel(m.id);
    useLab.getState().setView('workstation');
  };
  const remove = async () => {
    setBusy(true);
    await useModelStore.getState().remove(m.id);
    setBusy(false);
    setConfirming(false);
  };
  const what = m.source === 'hub' ? `every revision of ${m.hub!.repoId} from the hub cache` : m.source === 'imported' ? `its converted folder` : 'it from the list (the folder stays)';
  return (
    <tr data-testid="model-row" data-model={m.id} className={active ? 'active' : ''}>
      <td title={m.dir}>
        <b>{m.name}</b>
        {active && <span className="badge">active</span>}
        <div className="muted small-text">{m.note}</div>
      </td>
      <td>
        {SOURCE_TEXT[m.source]}
        {m.hub && (
          <div className="muted small-text" title={`commit ${m.hub.commit}`}>
            {m.hub.repoId}@{m.hub.revision === m.hub.commit ? m.hub.commit.slice(0, 10) : m.hub.revision}
          </div>
        )}
      </td>
      <td className="num" data-testid="model-classes">
        {m.classes}
        <div className="muted small-text">{m.multiLabel ? 'sigmoid' : 'softmax'}</div>
      </td>
      <td className="num">{m.windowS.toFixed(2)} s</td>
      <td className="num">{formatParams(m.params)}</td>
      <td className="num">{formatBytes(m.bytes)}</td>
      <td className="actions">
        {confirming ? (
          <span className="confirm">
            Remove {what}?
            <button className="small danger" onClick={() => void remove()} disabled={busy} data-testid="model-remove-confirm">
              {busy ? 'Removing…' : m.source === 'folder' ? 'Forget' : `Remove ${formatBytes(m.bytes)}`}
            </button>
            <button className="small" onClick={() => setConfirming(false)} disabled={busy}>
              Keep
            </button>
          </span>
        ) : (
          <>
            <button className="small" onClick={() => void use()} disabled={active} data-testid="model-use">
              Use
            </button>
            {!m.bundled && (
              <button className="small" onClick={() => setConfirming(true)} data-testid="model-remove">
                Remove…
              </button>
            )}
          </>
        )}
      </td>
    </tr>
  );
}
