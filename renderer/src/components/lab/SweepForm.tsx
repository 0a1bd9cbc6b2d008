import { LAB_WEIGHTS, SCHEDULE_SHAPES, type ScheduleShapeName } from '../../../../app/contract';
import { useModels } from '../../stores/models';
import { DEFAULT_RS, formModels, parseRs, useLab, type PropAttnChoice } from '../../stores/lab';
import { useMerge } from '../../stores/merge';

/** What to sweep: the set, the models, the merge settings; Run with progress, Cancel. */
export function SweepForm() {
  const form = useLab((s) => s.form);
  const setForm = useLab((s) => s.setForm);
  const running = useLab((s) => s.running);
  const error = useLab((s) => s.error);
  const defaultSet = useLab((s) => s.defaultSet);
  const models = useModels((s) => s.models);
  const currentR = useMerge((s) => s.params.r);
  const protect = useMerge((s) => s.params.protectDistillation);
  const chosen = formModels(form, models);
  const rs = parseRs(form.rs);
  const settings = typeof rs === 'string' ? 0 : rs.length * form.shapes.length * (form.propAttn === 'both' ? 2 : 1) * (form.weights === 'both' ? 2 : 1);
  const busy = !!running;

  const toggleModel = (id: string, on: boolean) => setForm({ models: on ? [...chosen, id] : chosen.filter((m) => m !== id) });
  const toggleShape = (shape: ScheduleShapeName, on: boolean) =>
    setForm({ shapes: on ? SCHEDULE_SHAPES.filter((s) => s === shape || form.shapes.includes(s)) : form.shapes.filter((s) => s !== shape) });
  const pickFolder = async () => {
    const dir = await window.fastast?.pickFolder();
    if (dir) setForm({ set: dir });
  };

  return (
    <section className="panel lab-form" data-testid="lab-form">
      <div className="panel-title">Sweep</div>
      <label className="field">
        <span>Labelled set</span>
        <input
          type="text"
          className="path"
          value={form.set}
          onChange={(e) => setForm({ set: e.target.value })}
          placeholder="/path/to/set.csv or a folder of class folders"
          spellCheck={false}
          disabled={busy}
          data-testid="lab-set"
          title="On the host: a CSV (path, optional fold, category/label — or labels for multi-label sets), or a folder with one sub-folder per class"
        />
      </label>
      <div className="field-row">
        {window.fastast && (
          <button className="small" onClick={() => void pickFolder()} disabled={busy}>
            Folder…
          </button>
        )}
        {defaultSet && form.set !== defaultSet && (
          <button className="small link" onClick={() => setForm({ set: defaultSet })} disabled={busy} title={defaultSet}>
            bundled ESC-10 fold 5
          </button>
        )}
      </div>
      <div className="field-row">
        <label className="inline" title="Only this fold (the CSV needs a fold column)">
          fold
          <input type="text" className="num" value={form.fold} onChange={(e) => setForm({ fold: e.target.value })} placeholder="all" disabled={busy} data-testid="lab-fold" />
        </label>
        <label className="inline" title="At most this many clips, taken from the classes in turn — a quick look at a large set">
          max clips
          <input type="text" className="num" value={form.maxClips} onChange={(e) => setForm({ maxClips: e.target.value })} placeholder="all" disabled={busy} data-testid="lab-max-clips" />
        </label>
      </div>

      <div className="field">
        <span>Models</span>
        <div className="checks" data-testid="lab-models">
          {models.map((m) => (
            <label key={m.id} className="check" title={`${m.name} · ${m.note}`}>
              <input type="checkbox" checked={chosen.includes(m.id)} onChange={(e) => toggleModel(m.id, e.target.checked)} disabled={busy} data-model={m.id} />
              {m.id}
              {m.bundled ? '' : <span className="muted"> · imported</span>}
            </label>
          ))}
        </div>
      </div>

      <label className="field">
        <span>
          r per layer <span className="muted">(comma-separated)</span>
        </span>
        <input type="text" value={form.rs} onChange={(e) => setForm({ rs: e.target.value })} placeholder={DEFAULT_RS} spellCheck={false} disabled={busy} data-testid="lab-rs" />
      </label>
      <div className="field-row">
        {typeof rs !== 'string' && !rs.includes(currentR) && (
          <button className="small link" onClick={() => setForm({ rs: [...rs, currentR].sort((a, b) => a - b).join(', ') })} disabled={busy} title="Add the merge controls' r to the sweep, to see it on the chart">
            + current r ({currentR})
          </button>
        )}
        {typeof rs === 'string' && <span className="bad-text small-text">{rs}</span>}
      </div>

      <div className="field">
        <span>Schedule shape</span>
        <div className="checks row">
          {SCHEDULE_SHAPES.map((shape) => (
            <label key={shape} className="check" title={shape === 'constant' ? 'r in every layer' : shape === 'decreasing' ? '2r at the first layer down to 0' : '0 at the first layer up to 2r'}>
              <input type="checkbox" checked={form.shapes.includes(shape)} onChange={(e) => toggleShape(shape, e.target.checked)} disabled={busy} data-shape={shape} />
              {shape}
            </label>
          ))}
        </div>
      </div>
      <div className="field">
        <span>Proportional attention</span>
        <span className="segmented" role="radiogroup" data-testid="lab-prop-attn">
          {(['on', 'off', 'both'] as PropAttnChoice[]).map((v) => (
            <button key={v} role="radio" aria-checked={form.propAttn === v} className={form.propAttn === v ? 'on' : ''} onClick={() => setForm({ propAttn: v })} disabled={busy}>
              {v}
            </button>
          ))}
        </span>
      </div>
      <div className="field">
        <span title="int8: 8-bit Linear weights (each model's int8 graph is built once, then cached); every row is compared with the float32 model at r = 0">Weights</span>
        <span className="segmented" role="radiogroup" data-testid="lab-weights">
          {LAB_WEIGHTS.map((v) => (
            <button key={v} role="radio" aria-checked={form.weights === v} className={form.weights === v ? 'on' : ''} onClick={() => setForm({ weights: v })} disabled={busy} data-weights={v}>
              {v}
            </button>
          ))}
        </span>
      </div>

      <div className="muted small-text" title="Follows the merge controls' 'protect distillation token'">
        distillation token {protect ? 'kept out of merges' : 'merged like the others'} (as in the merge controls)
      </div>
      <div className="lab-run">
        {running ? (
          <button onClick={() => useLab.getState().cancel()} data-testid="lab-cancel">
            Cancel
          </button>
        ) : (
          <button className="primary" onClick={() => void useLab.getState().run(models, protect)} disabled={chosen.length === 0 || settings === 0 || !form.set.trim()} data-testid="lab-run">
            Run sweep
          </button>
        )}
        <span className="muted small-text">
          {chosen.length} model{chosen.length === 1 ? '' : 's'} × {settings} setting{settings === 1 ? '' : 's'}
        </span>
      </div>
      <Progress />
      {error && (
        <div className="lab-error" data-testid="lab-error">
          {error}
        </div>
      )}
    </section>
  );
}

function Progress() {
  const running = useLab((s) => s.running);
  if (!running) return null;
  const p = running.progress;
  const elapsedS = running.elapsedMs / 1000;
  let text = 'starting…';
  let value = 0;
  let max = 1;
  if (p) {
    if (p.stage === 'open') text = p.message ?? 'opening';
    else {
      value = p.done;
      max = Math.max(1, p.total);
      const computedDone = p.done - p.cached;
      const left = p.total - p.done;
      const eta = computedDone > 3 && elapsedS > 2 ? (left * elapsedS) / computedDone : null;
      const what = p.setting ? `${p.model} · r ${p.setting.r} ${p.setting.shape}${p.setting.propAttn ? '' : ' no-prop-attn'}${p.setting.weights === 'int8' ? ' int8' : ''}` : p.model ? `${p.model} · decoding` : 'decoding';
      text = `${p.done}/${p.total} runs${p.cached ? ` (${p.cached} cached)` : ''} · ${what}${eta !== null ? ` · ~${Math.ceil(eta)} s left` : ''}`;
    }
  }
  return (
    <div className="lab-progress" data-testid="lab-progress">
      <progress max={max} value={value} />
      <span className="small-text">{text}</span>
    </div>
  );
}
