/**
 * Import a .pth of the original AST / FastAST code: no config travels with it, so the host reads
 * what the weights determine and assumes the rest from the AST recipes. The form shows both
 * (models.inspect), lets each assumption be overridden, inspects again, and only then imports
 * (models.import converts it into an HF folder under the host's state folder).
 */
import { useState } from 'react';
import type { ImportOverrides, ImportReport, ModelInfo } from '../../../../app/contract';
import { switchModel } from '../../actions';
import { useLab } from '../../stores/lab';
import { useModelStore } from '../../stores/model-store';
import { useUi } from '../../stores/ui';

type Field = keyof ImportOverrides;

/** The overridable values, their labels, and what the report says each is now. */
const FIELDS: { key: Field; label: string; now: (r: ImportReport) => string; title: string }[] = [
  { key: 'heads', label: 'heads', now: (r) => String(r.numHeads), title: 'Attention heads (the AST recipes: hidden size / 64)' },
  { key: 'fstride', label: 'freq. stride', now: (r) => String(r.frequencyStride), title: 'Patch stride along frequency (the recipes: 10)' },
  { key: 'tstride', label: 'time stride', now: (r) => String(r.timeStride), title: 'Patch stride along time (the recipes: 10)' },
  { key: 'inputTdim', label: 'input frames', now: (r) => String(r.maxLength), title: 'Frames per window, 10 ms each (from the patch count where it matches a recipe)' },
  { key: 'mean', label: 'mean', now: (r) => String(r.mean), title: 'Feature normalisation mean of the training recipe' },
  { key: 'std', label: 'std', now: (r) => String(r.std), title: 'Feature normalisation std of the training recipe' },
  { key: 'labelsCsv', label: 'labels CSV', now: () => '', title: 'A label CSV on the host (index,mid,display_name); empty: the list that matches the class count' },
];

/** The overrides the user typed (fields left as the report has them are not overrides). */
function overridesFrom(values: Partial<Record<Field, string>>): ImportOverrides {
  const o: ImportOverrides = {};
  for (const [k, v] of Object.entries(values) as [Field, string][]) {
    const t = v.trim();
    if (!t) continue;
    if (k === 'labelsCsv') o.labelsCsv = t;
    else if (k === 'mean' || k === 'std') o[k] = Number(t);
    else o[k] = Math.round(Number(t));
  }
  return o;
}

export function ImportPthForm() {
  const [path, setPath] = useState('');
  const [name, setName] = useState('');
  const [values, setValues] = useState<Partial<Record<Field, string>>>({});
  const [report, setReport] = useState<ImportReport | null>(null);
  const [busy, setBusy] = useState<'inspect' | 'import' | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [imported, setImported] = useState<ModelInfo | null>(null);
  const hostKind = useUi((s) => s.hostKind);

  const bad = Object.entries(values).find(([k, v]) => k !== 'labelsCsv' && v.trim() !== '' && !Number.isFinite(Number(v)));
  const run = async (what: 'inspect' | 'import') => {
    setBusy(what);
    setError(null);
    try {
      const overrides = overridesFrom(values);
      if (what === 'inspect') setReport(await useModelStore.getState().inspect(path.trim(), overrides));
      else setImported(await useModelStore.getState().importPth(path.trim(), overrides, name.trim() || undefined));
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setBusy(null);
    }
  };
  const reset = () => {
    setReport(null);
    setValues({});
    setImported(null);
    setError(null);
  };

  return (
    <section className="panel models-import" data-testid="models-import">
      <div className="panel-title">Import .pth…</div>
      <div className="muted small-text">A checkpoint of the original AST or FastAST code (torch.save of the state dict){hostKind === 'serve' ? ', as a path on the host' : ''}.</div>
      <form
        className="import-path"
        onSubmit={(e) => {
          e.preventDefault();
          if (path.trim()) void run('inspect');
        }}
      >
        <input
          type="text"
          className="path"
          placeholder="/path/to/audioset_10_10_0.4593.pth"
          value={path}
          onChange={(e) => {
            setPath(e.target.value);
            reset();
          }}
          spellCheck={false}
          data-testid="import-path"
        />
        <button className="small" type="submit" disabled={!path.trim() || !!busy || !!bad} data-testid="import-inspect">
          {busy === 'inspect' ? 'Reading…' : report ? 'Inspect again' : 'Inspect'}
        </button>
      </form>
      {error && (
        <div className="bad-text" data-testid="import-error">
          {error}
        </div>
      )}
      {report && (
        <div className="import-report" data-testid="import-report">
          <div className="report-cols">
            <div>
              <div className="report-head ok-text">Read from the weights</div>
              <ul data-testid="import-inferred">
                {report.inferred.map((l) => (
                  <li key={l}>{l}</li>
                ))}
              </ul>
            </div>
            <div>
              <div className="report-head warn-text">Assumed (override below)</div>
              <ul data-testid="import-assumed">
                {report.assumed.length ? report.assumed.map((l) => <li key={l}>{l}</li>) : <li className="muted">nothing</li>}
              </ul>
            </div>
          </div>
          <div className="report-summary muted small-text">
            {report.classes} classes ({report.multiLabel ? 'sigmoid' : 'softmax'}) · {report.numLayers} layers · hidden {report.hiddenSize} · {report.freqPatches} × {report.timePatches} patches ·{' '}
            {report.windowS.toFixed(2)} s windows · labels: {report.labelsPreview.slice(0, 5).join(', ')}…
          </div>
          <div className="overrides">
            {FIELDS.map((f) => (
              <label key={f.key} title={f.title}>
                {f.label}
                <input
                  type="text"
                  className={f.key === 'labelsCsv' ? 'path' : 'num'}
                  placeholder={f.now(report) || 'by class count'}
                  value={values[f.key] ?? ''}
                  onChange={(e) => setValues({ ...values, [f.key]: e.target.value })}
                  spellCheck={false}
                  data-testid={`override-${f.key}`}
                />
              </label>
            ))}
            <label title="Folder name under the host's state folder (default: the file's name)">
              name
              <input type="text" value={name} placeholder="(file name)" onChange={(e) => setName(e.target.value)} spellCheck={false} data-testid="import-name" />
            </label>
          </div>
          {bad && <div className="bad-text">{bad[0]}: not a number</div>}
          <div className="import-actions">
            <span className="muted small-text">Changed a value? Inspect again to see what it gives.</span>
            <span className="grow" />
            <button className="primary" onClick={() => void run('import')} disabled={!!busy || !!bad} data-testid="import-confirm">
              {busy === 'import' ? 'Converting…' : 'Import'}
            </button>
          </div>
        </div>
      )}
      {imported && (
        <div className="import-done" data-testid="import-done">
          <span className="ok-text">
            Imported <b>{imported.name}</b>: {imported.classes} classes, {imported.windowS.toFixed(2)} s windows.
          </span>
          <button
            className="small"
            onClick={() => {
              void switchModel(imported.id);
              useLab.getState().setView('workstation');
            }}
            data-testid="import-use"
          >
            Use it
          </button>
        </div>
      )}
    </section>
  );
}
