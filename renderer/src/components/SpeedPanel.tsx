import type { SpeedView } from '../../../app/contract';
import { framesToSeconds } from '../../../app/common/units';
import { shortReason } from '../lib/format';
import { speedText } from '../lib/speed-text';
import { shownLayer, useMerge } from '../stores/merge';
import { useModels } from '../stores/models';

/**
 * The Speed panel: the current merge setting against the unmerged baseline, from the host's
 * interleaved (baseline, merged) pairs on the focused window (SpeedView). The headline is the
 * median of the pairs' ratios, with its spread and the number of pairs beside it; ms per window
 * are the medians of the same pairs. Until the host has 3 pairs it says "measuring…" and shows
 * no ratio: one run, or medians of separately timed runs, swung from 0.3× to 4× on a busy machine.
 */
export function Speed() {
  const base = useMerge((s) => s.baseline);
  const run = useMerge((s) => s.merged);
  const speed = useMerge((s) => s.speed);
  const latency = useMerge((s) => s.latencyMs);
  const engine = useModels((s) => s.engine);
  const model = useModels((s) => s.active);
  if (!base || !run || !model) return null;
  const windowMs = framesToSeconds(model.maxLength) * 1000;
  const isBaseline = run.weights === 'float32' && run.schedule.every((r) => r === 0);
  return (
    <section className="panel speed" data-testid="speed" data-weights={run.weights}>
      <div className="panel-title">
        Speed{' '}
        <span className="muted lower" data-testid="speed-against">
          {run.weights === 'float32' ? '(vs r = 0)' : `(${run.weights} vs float32 r = 0)`}
        </span>
      </div>
      <SpeedHeadline speed={speed} isBaseline={isBaseline} />
      <table className="speed-table">
        <tbody>
          <tr>
            <td title="medians of the paired runs: merged vs the r = 0 baseline, each pair timed back to back on this window">ms / window</td>
            {/* data-run-ms: the last merged run's own time (bench/ui-latency.bench.ts reads it). */}
            <td data-testid="ms-per-window" data-run-ms={run.inferMs}>
              {speed && Number.isFinite(speed.mergedMs) ? (
                <>
                  <b>{speed.mergedMs.toFixed(0)}</b> <span className="muted">vs {speed.baseMs.toFixed(0)}</span>
                </>
              ) : (
                <span className="muted">measuring…</span>
              )}
            </td>
          </tr>
          <tr>
            <td title="window length ÷ ms per window (paired medians)">× real time</td>
            <td data-testid="x-realtime">
              {speed && Number.isFinite(speed.mergedMs) ? (
                <>
                  <b>{(windowMs / Math.max(speed.mergedMs, 0.01)).toFixed(0)}×</b> <span className="muted">vs {(windowMs / Math.max(speed.baseMs, 0.01)).toFixed(0)}×</span>
                </>
              ) : (
                <span className="muted">measuring…</span>
              )}
            </td>
          </tr>
          <tr>
            <td>GFLOPs</td>
            <td title={`FLOPs ratio ${(base.gflops / Math.max(run.gflops, 1e-9)).toFixed(2)}×: what merging would buy if time followed FLOPs`}>
              <b>{run.gflops.toFixed(2)}</b> <span className="muted">vs {base.gflops.toFixed(2)}</span>
            </td>
          </tr>
          <tr>
            <td>EP</td>
            <td data-testid="ep-used" data-weights={run.weights} title={engine?.attempts.map((a) => `${a.ep}: ${a.ok ? 'ok' : shortReason(a.reason ?? '')}`).join('\n')}>
              {run.ep}
              {run.weights === 'int8' ? <span className="weights-tag" data-testid="int8-badge">int8</span> : null}
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

/** "1.84× faster" with "IQR 1.71–1.95× · 7 pairs" under it, or "measuring… (1/3 pairs)". */
function SpeedHeadline({ speed, isBaseline }: { speed: SpeedView | null; isBaseline: boolean }) {
  const t = speed ? speedText(speed, isBaseline) : speedText({ state: 'measuring', pairs: 0, speedup: NaN, speedupQ1: NaN, speedupQ3: NaN, speedupMin: NaN, speedupMax: NaN, baseMs: NaN, mergedMs: NaN }, isBaseline);
  const range = speed && Number.isFinite(speed.speedupMin) ? `; all pairs ${speed.speedupMin.toFixed(2)}–${speed.speedupMax.toFixed(2)}×` : '';
  return (
    <div
      className={`speed-headline ${t.verdict}`}
      data-testid="speed-ratio"
      data-state={t.verdict === 'measuring' ? 'measuring' : 'ready'}
      data-speedup={speed && t.verdict !== 'measuring' ? speed.speedup : ''}
      data-pairs={speed?.pairs ?? 0}
      title={`median over pairs of (r = 0 ms ÷ merged ms), each pair timed back to back on this window, order alternating${range}`}
    >
      <span className="speed-big">{t.headline}</span>
      {t.spread && (
        <span className="muted small-text" data-testid="speed-spread">
          {' '}
          {t.spread}
          {t.withinNoise ? ' · within the noise' : ''}
        </span>
      )}
    </div>
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
