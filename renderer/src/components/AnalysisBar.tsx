import { openExportDialog, runAnalysis } from '../actions';
import { useAnalysis } from '../stores/analysis';
import { useFile } from '../stores/file';
import { plural } from '../lib/format';
import { useSegments } from '../stores/segments';
import { BranchFilter } from './models/BranchFilter';
import { ReachNotice } from './ReachNotice';

/** Analysis controls: hop, run / cancel with progress, threshold, label filter, segments export. */
export function AnalysisBar() {
  const a = useAnalysis();
  const file = useFile((s) => s.file);
  const segments = useSegments((s) => s.edit.segments);
  const pct = a.progress ? Math.round((a.progress.done / Math.max(1, a.progress.total)) * 100) : 0;
  return (
    <section className="panel analysis-bar" data-testid="analysis-bar">
      <span className="group">
        <span className="panel-title">Analysis</span>
        <label title="Hop between model windows (0 = one window length, no overlap)">
          hop
          <input type="number" min={0} step={0.5} value={a.hopS} onChange={(e) => a.setHop(Number(e.target.value))} className="num" data-testid="hop-input" />s
        </label>
        <label className="check" title="Analyse with the merge settings on the right instead of r = 0">
          <input type="checkbox" checked={a.useMerge} onChange={(e) => a.setUseMerge(e.target.checked)} /> merged
        </label>
        {a.running ? (
          <>
            <button onClick={a.cancel} data-testid="analysis-cancel">
              Cancel
            </button>
            <progress max={100} value={pct} data-testid="analysis-progress" />
            <span className="muted small-text">
              {a.progress?.done ?? 0}/{a.progress?.total ?? 0}
            </span>
          </>
        ) : (
          <button className="primary" onClick={() => void runAnalysis()} disabled={!file} data-testid="analysis-run">
            Run analysis
          </button>
        )}
        {a.result && !a.running && (
          <span className="muted small-text" data-testid="analysis-summary">
            {a.result.starts.length} windows · {a.result.msPerWindow.toFixed(0)} ms/window
          </span>
        )}
      </span>
      <span className="group">
        <label title="Minimum score for a label to show">
          threshold
          <input type="range" min={0} max={1} step={0.01} value={a.threshold} onChange={(e) => a.setThreshold(Number(e.target.value))} data-testid="threshold" />
          <span className="num-readout">{a.threshold.toFixed(2)}</span>
        </label>
        <input className="filter" placeholder="filter labels…" value={a.filter} onChange={(e) => a.setFilter(e.target.value)} data-testid="label-filter" />
        <label className="check" title="Class × time heatmap instead of the top label per window">
          <input type="checkbox" checked={a.heatmap} onChange={(e) => a.setHeatmap(e.target.checked)} /> heatmap
        </label>
      </span>
      {/* Its own group: with AudioSet's branch names it wraps to the next line on a narrow window, instead of clipping. */}
      <BranchFilter />
      <span className="grow" />
      <span className="group">
        <span className="muted small-text" data-testid="segment-count">
          {plural(segments.length, 'segment')}
        </span>
        <button
          className="small"
          disabled={!file || segments.length === 0}
          onClick={() => openExportDialog()}
          title="Export the segments: Audacity, Raven, BirdNET CSV, TextGrid, Sonic Visualiser, Label Studio, JSON or WAV clips (Ctrl+E)"
          data-testid="analysis-export"
        >
          Export…
        </button>
      </span>
      <ReachNotice />
    </section>
  );
}
