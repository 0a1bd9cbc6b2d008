import { SCHEDULE_SHAPES, WEIGHTS_PRECISIONS } from '../../../app/contract';
import { fixed, signed } from '../lib/format';
import { maxRFor, useMerge } from '../stores/merge';
import { useModels } from '../stores/models';
import { Speed } from './SpeedPanel';

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
      <WeightsSwitch />
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

/**
 * float32 / int8 weights beside r. int8 runs the focused window on the model's 8-bit engine (built
 * once, with its progress here, then cached); the comparison and the Speed panel stay against the
 * float32 model at r = 0, so what they show is what merging and 8-bit weights cost together.
 */
function WeightsSwitch() {
  const weights = useMerge((s) => s.params.weights ?? 'float32');
  const setParams = useMerge((s) => s.setParams);
  const load = useMerge((s) => s.weightsLoad);
  return (
    <>
      <div className="control">
        <span className="label" title="Precision of the Linear weights; the baseline stays the float32 model at r = 0">
          weights
        </span>
        <div className="segmented" role="radiogroup" aria-label="weights">
          {WEIGHTS_PRECISIONS.map((w) => (
            <button
              key={w}
              role="radio"
              aria-checked={weights === w}
              className={weights === w ? 'on' : ''}
              onClick={() => setParams({ weights: w })}
              data-testid={`weights-${w}`}
              title={w === 'float32' ? 'the checkpoint as it is' : '8-bit Linear weights (LayerNorm, softmax, the merge arithmetic and the head stay float32); built once per model, then cached'}
            >
              {w}
            </button>
          ))}
        </div>
      </div>
      {load && (
        <div className="load-progress weights-load small-text" data-testid="weights-load-progress" title="The first int8 run of a model builds its 8-bit graph; later runs open it from the cache">
          <progress max={100} value={load.done} /> {load.message}
          <button className="small" onClick={() => setParams({ weights: 'float32' })} title="Back to float32; a graph being built is still finished and cached" data-testid="weights-load-cancel">
            Cancel
          </button>
        </div>
      )}
    </>
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
  const stale = running ? ' stale' : '';
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
        {run.weights === 'int8' ? 'int8' : 'Merged'} vs baseline{' '}
        <span className="muted lower" data-testid="comparison-baseline">
          {run.weights === 'int8' ? '(float32, r = 0)' : '(r = 0, cached)'}
        </span>
        {running && (
          <span className="lower rerunning" data-testid="rerunning">
            {' '}● re-running r = {r}…
          </span>
        )}
      </div>
      <div className={`kpis${stale}`}>
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
      <table className={`topk${stale}`} data-testid="topk-table">
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
