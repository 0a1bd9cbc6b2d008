import type { LabResult } from '../../../../app/contract';
import { openInWorkstation } from '../../actions';
import { useLab } from '../../stores/lab';
import { signed } from '../../lib/format';
import { colourOf, pct, settingText } from './chart';

const name = (path: string) => path.split(/[\\/]/).pop() ?? path;

/**
 * The selected row up close: per-class accuracy (and AP), beside the same model at r = 0 when
 * the sweep has it, and the clips whose top-1 changed against r = 0 — each opens in the
 * workstation with this row's model and merge setting.
 */
export function Confusions({ result }: { result: LabResult }) {
  const selected = useLab((s) => s.selected);
  const row = selected !== null ? result.rows[selected] : undefined;
  if (!row) {
    return (
      <section className="panel lab-confusions">
        <div className="panel-title">Confusions</div>
        <p className="muted">Click a row of the table or a point of the chart.</p>
      </section>
    );
  }
  const base = result.rows.find(
    // Every row's baseline is float32 r = 0 (int8 rows too: their changes are what merging and 8-bit weights do together).
    (r) =>
      r.model === row.model &&
      r.setting.r === 0 &&
      (r.setting.weights ?? 'float32') === 'float32' &&
      r.setting.propAttn === row.setting.propAttn &&
      r.setting.protectDistillation === row.setting.protectDistillation,
  );
  const baseOf = new Map(base?.perClass.map((c) => [c.index, c]) ?? []);
  const multi = row.metric === 'mAP';
  const colour = colourOf(result, row.model);
  return (
    <section className="panel lab-confusions" data-testid="lab-confusions">
      <div className="panel-title">Confusions</div>
      <div className="lab-selected" data-testid="lab-selected">
        <span className="swatch" style={{ background: colourOf(result, row.model) }} />
        <b>{row.model}</b> <span className="muted">· {settingText(row)}</span>
      </div>
      <div className="subhead">
        Per class{multi ? ': AP' : ': accuracy'}
        {base && base !== row ? <span className="muted"> (Δ vs float32 r = 0)</span> : null}
      </div>
      <table className="lab-classes" data-testid="lab-classes">
        <tbody>
          {row.perClass.map((c) => {
            const v = multi ? c.ap : c.accuracy;
            const b = baseOf.get(c.index);
            const bv = b ? (multi ? b.ap : b.accuracy) : NaN;
            const d = base && base !== row && Number.isFinite(bv) && Number.isFinite(v) ? v - bv : null;
            return (
              <tr key={c.index}>
                <td className="cls" title={c.label}>
                  {c.label}
                </td>
                <td className="barcell">
                  <div className="bar">
                    <div className="fill" style={{ width: `${Math.max(0, Math.min(1, Number.isFinite(v) ? v : 0)) * 100}%`, background: colour }} />
                  </div>
                </td>
                <td className="num">{multi ? pct(c.ap, 1) : `${c.correct}/${c.clips}`}</td>
                <td title="percentage points against the same model at r = 0" className={`num delta ${d === null || Math.abs(d) < 1e-9 ? '' : d > 0 ? 'up' : 'down'}`}>{d === null ? '' : Math.abs(d) < 1e-9 ? '=' : signed(d * 100, 1)}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
      <div className="subhead">
        Changed against float32 r = 0: {row.changedTotal} clip{row.changedTotal === 1 ? '' : 's'}
        {row.changedTotal > row.changed.length ? <span className="muted"> (first {row.changed.length} shown)</span> : null}
      </div>
      {row.changed.length === 0 ? (
        <p className="muted small-text">{row.setting.r === 0 ? 'This is the baseline.' : 'Every clip keeps its top-1 class.'}</p>
      ) : (
        <ul className="lab-changed" data-testid="lab-changed">
          {row.changed.map((c) => (
            <li key={c.path}>
              <button
                className="changed-clip"
                onClick={() => void openInWorkstation(row, c)}
                title={`Open ${c.path} in the workstation with ${row.model} at ${settingText(row)}`}
                data-testid="changed-clip"
                data-path={c.path}
              >
                <span className={`effect ${c.effect}`}>{c.effect}</span>
                <span className="clip-name">{name(c.path)}</span>
                <span className="muted clip-label">{c.label}</span>
                <span className="clip-change">
                  {c.baseline.label} <span className="muted">{c.baseline.score.toFixed(2)}</span> → {c.merged.label} <span className="muted">{c.merged.score.toFixed(2)}</span>
                </span>
              </button>
            </li>
          ))}
        </ul>
      )}
      {row.confusion && row.confusion.length <= 20 && <ConfusionMatrix labels={result.models.find((m) => m.id === row.model)?.labels ?? []} matrix={row.confusion} />}
    </section>
  );
}

/** Targets down, predictions across; the diagonal is what was right. */
function ConfusionMatrix({ labels, matrix }: { labels: string[]; matrix: number[][] }) {
  const present = matrix.map((r, i) => (r.some((v) => v > 0) ? i : -1)).filter((i) => i >= 0);
  if (present.length === 0) return null;
  const cols = matrix[0].map((_, j) => j).filter((j) => present.includes(j) || matrix.some((r) => r[j] > 0));
  const max = Math.max(1, ...matrix.flat());
  return (
    <>
      <div className="subhead">Confusion matrix (target ↓, predicted →)</div>
      <table className="lab-matrix">
        <thead>
          <tr>
            <th />
            {cols.map((j) => (
              <th key={j} title={labels[j]}>
                {j}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {present.map((i) => (
            <tr key={i}>
              <th title={labels[i]}>
                {i} <span className="muted">{labels[i]}</span>
              </th>
              {cols.map((j) => {
                const v = matrix[i][j];
                const a = v / max;
                return (
                  <td key={j} className={i === j ? 'diag' : ''} style={{ background: v ? (i === j ? `rgba(79,195,138,${0.15 + 0.6 * a})` : `rgba(255,107,107,${0.2 + 0.6 * a})`) : undefined }} title={`${labels[i]} → ${labels[j]}: ${v}`}>
                    {v || ''}
                  </td>
                );
              })}
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}
