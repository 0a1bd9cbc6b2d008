import { HEAT_MAX_ROWS, heatGradient } from '../lib/heatmap';
import { useAnalysis } from '../stores/analysis';
import { useUi } from '../stores/ui';
import { SpectrogramScale } from './AudioAxes';

/**
 * Under the time axis: the label lane's layout (stacked, or one track per class as in
 * Audacity), the spectrogram's colour map and dB bar, and, while the heatmap shows, its score
 * colour scale with the threshold marked.
 */
export function LaneFoot() {
  const mode = useUi((s) => s.laneMode);
  const heatmap = useAnalysis((s) => s.heatmap && !!s.result);
  const threshold = useAnalysis((s) => s.threshold);
  const classes = useAnalysis((s) => s.result?.classes ?? 0);
  return (
    <div className="lane-foot">
      <div className="axis-gutter" />
      <span className="segmented" role="radiogroup" aria-label="label lane layout">
        <button role="radio" aria-checked={mode === 'stacked'} className={mode === 'stacked' ? 'on' : ''} onClick={() => useUi.getState().setLaneMode('stacked')} data-testid="lane-stacked" title="Overlapping segments stacked in as few rows as fit">
          stacked
        </button>
        <button role="radio" aria-checked={mode === 'tracks'} className={mode === 'tracks' ? 'on' : ''} onClick={() => useUi.getState().setLaneMode('tracks')} data-testid="lane-tracks" title="One row per class, as Audacity's label tracks">
          per-class tracks
        </button>
      </span>
      <span className="grow" />
      <SpectrogramScale />
      {heatmap && (
        <span className="heat-scale muted" data-testid="heat-scale" title="Heatmap colour: the class's score in each window; from the threshold up the colours brighten">
          heatmap score 0
          <span className="heat-bar" style={{ background: heatGradient(threshold) }}>
            <span className="heat-threshold" style={{ left: `${threshold * 100}%` }} />
          </span>
          1 · threshold {threshold.toFixed(2)}
          {classes > HEAT_MAX_ROWS && ` · the ${HEAT_MAX_ROWS} classes scoring highest, of ${classes}`}
        </span>
      )}
    </div>
  );
}
