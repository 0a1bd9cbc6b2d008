import { SCHEDULE_SHAPES } from '../../../app/contract';
import { framesToSeconds } from '../../../app/common/units';
import { fixed, shortReason, signed } from '../lib/format';
import { maxRFor, shownLayer, useMerge } from '../stores/merge';
import { useModels } from '../stores/models';

/** Merge controls and the live comparison with the cached r = 0 baseline. */
export function MergePanel() {
  return (
    <div className="merge-panel">
      <MergeControls />
      <Comparison />
      <Speed />
      <ScoreChange />
    </div>
  );
}

function MergeControls() {
  const params = useMerge((s) => s.params);
  const table = useMerge((s) => s.table);
  const setParams = useMerge((s) => s.setParams);
  const setRatio = useMerge((s) => s.setRatio);
  const model = useModels((s) => s.active);
  const max = maxRFor(params.protectDistillation);
  const ratio = table && table.ratios.length > params.r ? table.ratios[params.r] : 0;
  const maxRatio = table ? table.ratios[table.ratios.length - 1] : 1;
  const finalTokens = table && table.finalTokens.length > params.r ? table.finalTokens[params.r] : model?.numTokens;
  return (
    <section className="panel controls" data-testid="merge-controls">
      <div className="panel-title">Token merging</div>
      <div className="control">
        <label htmlFor="r-slider" title="Tokens merged per layer (ToMe's r); the schedule shape spreads it over the layers">
          r per layer
        </label>
        <input
          id="r-slider"
          type="range"
          min={0}
          max={max}
          step={1}
          value={params.r}
          onChange={(e) => setParams({ r: Number(e.target.value) })}
          data-testid="r-slider"
        />
        <input
          type="number"
          className="num"
          min={0}
          max={max}
          value={params.r}
          onChange={(e) => setParams({ r: Number(e.target.value) })}
          data-testid="r-input"
          aria-label="r"
        />
      </div>
      <div className="control">
        <label htmlFor="ratio-slider" title="Share of the input tokens merged away by the last layer">
          merge ratio
        </label>
        <input
          id="ratio-slider"
          type="range"
          min={0}
          max={Math.round(maxRatio * 1000)}
          step={1}
          value={Math.round(ratio * 1000)}
          onChange={(e) => setRatio(Number(e.target.value) / 1000)}
          data-testid="ratio-slider"
        />
        <span className="num-input">
          <input
            type="number"
            className="num"
            min={0}
            max={Math.floor(maxRatio * 100)}
            step={1}
            value={Math.round(ratio * 1000) / 10}
            onChange={(e) => setRatio(Number(e.target.value) / 100)}
            data-testid="ratio-input"
            aria-label="merge ratio in percent"
          />
          %
        </span>
      </div>
      <div className="muted small-text" data-testid="final-tokens">
        {model ? `${model.numTokens} → ${finalTokens ?? '…'} tokens by layer ${model.numLayers}` : ''}
      </div>
      <div className="control">
        <span className="label">schedule</span>
        <div className="segmented" role="radiogroup" aria-label="schedule shape">
          {SCHEDULE_SHAPES.map((s) => (
            <button
              key={s}
              role="radio"
              aria-checked={params.shape === s}
              className={params.shape === s ? 'on' : ''}
              onClick={() => setParams({ shape: s })}
              data-testid={`shape-${s}`}
              title={s === 'constant' ? 'the same r at every layer' : s === 'decreasing' ? '2r at the first layer down to 0' : '0 at the first layer up to 2r'}
            >
              {s}
            </button>
          ))}
        </div>
      </div>
      <label className="check block" title="Add log(token size) to the attention logits, so a merged token weighs as much as the patches it stands for">
        <input type="checkbox" checked={params.propAttn} onChange={(e) => setParams({ propAttn: e.target.checked })} data-testid="prop-attn" /> proportional attention
      </label>
      <label className="check block" title="Keep the distillation token out of merges (off = the FastAST code release's behaviour)">
        <input
          type="checkbox"
          checked={params.protectDistillation}
          onChange={(e) => setParams({ protectDistillation: e.target.checked })}
          data-testid="protect-dist"
        />{' '}
        protect distillation token
      </label>
    </section>
  );
}

function pct(v: number): string {
  return `${(v * 100).toFixed(1)}%`;
}

function Comparison() {
  const base = useMerge((s) => s.baseline);
  const run = useMerge((s) => s.merged);
  const cmp = useMerge((s) => s.comparison);
  const revision = useMerge((s) => s.revision);
  const labels = useModels((s) => s.active?.labels ?? []);
  // While a re-run is in flight the numbers are the previous setting's: say so and dim them (AST-base takes ~1 s a window on CPU).
  const running = useMerge((s) => s.running);
  const r = useMerge((s) => s.params.r);
  const dim = running ? { opacity: 0.4 } : undefined;
  if (!base || !run || !cmp) {
    return (
      <section className="panel comparison">
        <div className="panel-title">Merged vs baseline</div>
        <div className="muted">waiting for the focused window…</div>
      </section>
    );
  }
  const rows = [...new Set([...base.topk.map((t) => t.index), ...run.topk.map((t) => t.index)])]
    .sort((a, b) => base.scores[b] - base.scores[a])
    .slice(0, 6);
  return (
    <section className="panel comparison" data-testid="comparison" data-revision={revision} data-running={running}>
      <div className="panel-title">
        Merged vs baseline <span className="muted lower">(r = 0, cached)</span>
        {running && (
          <span className="lower" data-testid="rerunning" style={{ color: 'var(--accent-2)', animation: 'pulse 0.9s ease-in-out infinite alternate' }}>
            {' '}● re-running r = {r}…
          </span>
        )}
      </div>
      <div className="kpis" style={dim}>
        <span className={`pill ${cmp.top1Agree ? 'ok' : 'bad'}`} data-testid="top1-agreement">
          top-1 {cmp.top1Agree ? 'agrees ✓' : 'changed ✗'}
        </span>
        <span className="kpi" title="KL(baseline ‖ merged), nats" data-testid="kl">
          KL <b>{cmp.kl < 1e-4 ? cmp.kl.toExponential(1) : cmp.kl.toFixed(4)}</b>
        </span>
        <span className="kpi" title={`top-${cmp.k} overlap`}>
          top-{cmp.k} overlap <b>{pct(cmp.topKOverlap)}</b>
        </span>
      </div>
      <table className="topk" data-testid="topk-table" style={dim}>
        <thead>
          <tr>
            <th>class</th>
            <th>baseline</th>
            <th>merged</th>
            <th>Δ</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((c) => {
            const d = run.scores[c] - base.scores[c];
            return (
              <tr key={c} className={c === run.topk[0]?.index ? 'top' : ''}>
                <td className="cls" title={labels[c]}>
                  {labels[c] ?? c}
                </td>
                <td>
                  <Bar v={base.scores[c]} /> {pct(base.scores[c])}
                </td>
                <td>
                  <Bar v={run.scores[c]} merged /> {pct(run.scores[c])}
                </td>
                <td className={d > 0.0005 ? 'up' : d < -0.0005 ? 'down' : 'muted'}>{signed(d * 100, 1)}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </section>
  );
}

function ScoreChange() {
  const cmp = useMerge((s) => s.comparison);
  const labels = useModels((s) => s.active?.labels ?? []);
  if (!cmp) return null;
  const deltas = [...cmp.scoreChange.keys()];
  const shownDeltas = labels.length <= 12 ? deltas : deltas.sort((a, b) => Math.abs(cmp.scoreChange[b]) - Math.abs(cmp.scoreChange[a])).slice(0, 10);
  const maxAbs = Math.max(1e-6, ...shownDeltas.map((c) => Math.abs(cmp.scoreChange[c])));
  return (
    <section className="panel">
      <div className="panel-title" title="merged − baseline, in percentage points">Score change per class</div>
      <div className="deltas" data-testid="score-change">
        {shownDeltas.map((c) => {
          const d = cmp.scoreChange[c];
          const w = (Math.abs(d) / maxAbs) * 50;
          return (
            <div className="delta-row" key={c} title={`${labels[c]}: ${fixed(d * 100, 2)} points`}>
              <span className="cls">{labels[c]}</span>
              <span className="delta-track">
                <span className={`delta-bar ${d >= 0 ? 'pos' : 'neg'}`} style={d >= 0 ? { left: '50%', width: `${w}%` } : { right: '50%', width: `${w}%` }} />
              </span>
              <span className="delta-num">{signed(d * 100, 2)}</span>
            </div>
          );
        })}
      </div>
    </section>
  );
}

function Bar({ v, merged }: { v: number; merged?: boolean }) {
  return (
    <span className="bar">
      <span className={merged ? 'fill merged' : 'fill'} style={{ width: `${Math.max(0, Math.min(1, v)) * 100}%` }} />
    </span>
  );
}

function Speed() {
  const base = useMerge((s) => s.baseline);
  const run = useMerge((s) => s.merged);
  const latency = useMerge((s) => s.latencyMs);
  const engine = useModels((s) => s.engine);
  const model = useModels((s) => s.active);
  if (!base || !run || !model) return null;
  const windowMs = framesToSeconds(model.maxLength) * 1000;
  return (
    <section className="panel speed" data-testid="speed">
      <div className="panel-title">Speed</div>
      <table className="speed-table">
        <tbody>
          <tr>
            <td title="median of the last runs (up to 7) of each setting on this model and EP, so one run disturbed by other work does not skew the comparison">ms / window</td>
            <td data-testid="ms-per-window">
              <b>{run.inferMs.toFixed(0)}</b> <span className="muted">vs {base.inferMs.toFixed(0)}</span>
            </td>
          </tr>
          <tr>
            <td>× real time</td>
            <td data-testid="x-realtime">
              <b>{(windowMs / Math.max(run.inferMs, 0.01)).toFixed(0)}×</b> <span className="muted">vs {(windowMs / Math.max(base.inferMs, 0.01)).toFixed(0)}×</span>
            </td>
          </tr>
          <tr>
            <td>GFLOPs</td>
            <td>
              <b>{run.gflops.toFixed(2)}</b> <span className="muted">vs {base.gflops.toFixed(2)}</span>
            </td>
          </tr>
          <tr>
            <td>EP</td>
            <td data-testid="ep-used" title={engine?.attempts.map((a) => `${a.ep}: ${a.ok ? 'ok' : shortReason(a.reason ?? '')}`).join('\n')}>
              {run.ep}
              {engine && engine.attempts.some((a) => !a.ok) ? <span className="muted"> (after {engine.attempts.filter((a) => !a.ok).map((a) => a.ep).join(', ')})</span> : null}
            </td>
          </tr>
          {engine && engine.attempts.some((a) => !a.ok) && (
            <tr>
              <td />
              <td>
                <EpFailures attempts={engine.attempts.filter((a) => !a.ok)} />
              </td>
            </tr>
          )}
          {latency !== null && (
            <tr>
              <td>last update</td>
              <td className="muted" data-testid="latency">
                {latency.toFixed(0)} ms after the change
              </td>
            </tr>
          )}
        </tbody>
      </table>
      <TokensChart tokens={run.tokensPerLayer} base={base.tokensPerLayer} />
    </section>
  );
}

/** Why faster providers were not used: one short line each, the provider's full message on demand. */
function EpFailures({ attempts }: { attempts: { ep: string; reason?: string }[] }) {
  return (
    <details className="ep-failures" data-testid="ep-failures">
      <summary className="muted small-text">why not {attempts.map((a) => a.ep).join(', ')}?</summary>
      {attempts.map((a) => (
        <div key={a.ep} className="small-text">
          <b>{a.ep}</b>: {shortReason(a.reason ?? '')}
          <pre className="full-reason">{a.reason}</pre>
        </div>
      ))}
    </details>
  );
}

function TokensChart({ tokens, base }: { tokens: number[]; base: number[] }) {
  const setLayer = useMerge((s) => s.setLayer);
  const layer = useMerge((s) => shownLayer(s.layer, tokens.length - 1));
  const W = 300;
  const H = 84;
  const pad = { l: 30, r: 6, t: 6, b: 16 };
  const n = tokens.length;
  const max = Math.max(...base, 1);
  const x = (i: number) => pad.l + (i / Math.max(n - 1, 1)) * (W - pad.l - pad.r);
  const y = (v: number) => pad.t + (1 - v / max) * (H - pad.t - pad.b);
  const bw = ((W - pad.l - pad.r) / Math.max(n - 1, 1)) * 0.7;
  return (
    <div className="tokens-chart">
      <div className="subhead muted">
        tokens per layer <span data-testid="tokens-per-layer">{tokens.join(' · ')}</span>
      </div>
      <svg viewBox={`0 0 ${W} ${H}`} width="100%" height={H} data-testid="tokens-chart" preserveAspectRatio="none">
        <line x1={pad.l} x2={W - pad.r} y1={y(max)} y2={y(max)} className="base-line" />
        {tokens.map((v, i) => (
          <rect
            key={i}
            x={x(i) - bw / 2}
            y={y(v)}
            width={bw}
            height={H - pad.b - y(v)}
            className={i === layer ? 'tok-bar on' : 'tok-bar'}
            onClick={() => setLayer(i)}
          >
            <title>{i === 0 ? `input: ${v} tokens` : `after layer ${i}: ${v} tokens`}</title>
          </rect>
        ))}
        <text x={pad.l - 4} y={y(max) + 3} className="axis-text" textAnchor="end">
          {max}
        </text>
        <text x={pad.l - 4} y={H - pad.b} className="axis-text" textAnchor="end">
          0
        </text>
        <text x={x(0)} y={H - 3} className="axis-text" textAnchor="middle">
          in
        </text>
        <text x={x(n - 1)} y={H - 3} className="axis-text" textAnchor="middle">
          {n - 1}
        </text>
      </svg>
    </div>
  );
}
