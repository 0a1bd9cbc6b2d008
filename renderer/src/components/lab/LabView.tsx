import { useEffect, useRef, type RefObject } from 'react';
import { useMerge } from '../../stores/merge';
import { useModels } from '../../stores/models';
import { currentRowIndex, useLab } from '../../stores/lab';
import { useUi } from '../../stores/ui';
import { pngBytes, svgText } from './chart';
import { Confusions } from './Confusions';
import { ResultsTable } from './ResultsTable';
import { SweepForm } from './SweepForm';
import { TradeoffChart } from './TradeoffChart';
import './lab.css';

/**
 * The accuracy and speed lab: sweep a labelled set over models × merge settings on this
 * machine, then read the trade-off (chart and table) and the confusions of any setting.
 */
export function LabView() {
  const result = useLab((s) => s.result);
  const running = useLab((s) => s.running);
  // The current setting follows the workstation's merge controls and model.
  const params = useMerge((s) => s.params);
  const activeId = useModels((s) => s.active?.id);
  const current = currentRowIndex(result, activeId, params);
  const svgRef = useRef<SVGSVGElement>(null);

  useEffect(() => {
    if (useLab.getState().cacheDir === null) void useLab.getState().loadDefaults();
  }, []);

  const setName = result ? (result.set.source.split(/[\\/]/).filter(Boolean).pop() ?? result.set.source) : '';
  const title = result
    ? `${result.rows[0]?.metric === 'mAP' ? 'mAP' : 'Accuracy'} vs throughput · ${setName}${result.set.fold !== null ? ` fold ${result.set.fold}` : ''} · ${result.set.clips} clips`
    : '';

  return (
    <main className="lab" data-testid="lab-view">
      <aside className="lab-side">
        <SweepForm />
        {result && <ExportBox svgRef={svgRef} />}
      </aside>
      <div className="lab-main">
        {result ? (
          <>
            <section className="panel lab-chart-panel">
              <TradeoffChart ref={svgRef} result={result} current={current} title={title} />
            </section>
            <section className="panel lab-results">
              <div className="toolbar">
                <span className="panel-title">Results</span>
                <span className="muted small-text" data-testid="lab-summary">
                  {result.set.clips}
                  {result.set.clips < result.set.totalClips ? ` of ${result.set.totalClips}` : ''} clips · {result.rows.length} rows · {result.computed} runs computed, {result.cached} from the cache ·{' '}
                  {(result.elapsedMs / 1000).toFixed(1)} s · {result.models[0]?.ep ?? ''} EP
                </span>
                {current < 0 && <CurrentNote />}
              </div>
              <ResultsTable result={result} current={current} />
            </section>
          </>
        ) : (
          <section className="panel lab-empty">
            <h2>Accuracy and speed lab</h2>
            <p>
              Run a labelled set through one or more models at several merge settings. Each setting gets its accuracy (or mAP for multi-label sets), its agreement with the unmerged model,
              and its throughput measured on this machine; the chart shows the trade-off, one curve per model.
            </p>
            <p className="muted">
              Results are kept per model, setting and file: a repeated sweep, an added r or added clips compute only what is new.
              {running ? '' : ' Pick the set and the settings on the left, then Run sweep.'}
            </p>
          </section>
        )}
      </div>
      <aside className="lab-right">{result ? <Confusions result={result} /> : null}</aside>
    </main>
  );
}

function CurrentNote() {
  const p = useMerge((s) => s.params);
  const model = useModels((s) => s.active);
  if (!model) return null;
  return (
    <span className="muted small-text lab-current-note" title="The workstation's merge setting is marked on the chart when the sweep has it">
      current ({model.id}, r {p.r} {p.shape}
      {p.propAttn ? '' : ' no prop-attn'}
      {p.weights === 'int8' ? ' int8' : ''}) not in this sweep
    </span>
  );
}

function ExportBox({ svgRef }: { svgRef: RefObject<SVGSVGElement | null> }) {
  const dir = useLab((s) => s.exportDir);
  const setDir = useLab((s) => s.setExportDir);
  const exporting = useLab((s) => s.exporting);
  const note = useLab((s) => s.exportNote);
  const hostKind = useUi((s) => s.hostKind);
  const exportAs = useLab((s) => s.exportAs);

  const chart = async (format: 'svg' | 'png') => {
    const svg = svgRef.current;
    if (!svg) return;
    const text = svgText(svg);
    if (format === 'svg') return exportAs('svg', { svg: text });
    try {
      const png = await pngBytes(text, svg.width.baseVal.value, svg.height.baseVal.value, 2);
      await exportAs('png', { png });
    } catch (e) {
      useLab.setState({ exportNote: { ok: false, text: `PNG: ${(e as Error).message}` } });
    }
  };
  const pick = async () => {
    const d = await window.fastast?.pickFolder();
    if (d) setDir(d);
  };

  return (
    <section className="panel lab-export" data-testid="lab-export">
      <div className="panel-title">Export</div>
      <label className="field">
        <span>
          Folder <span className="muted">{hostKind === 'serve' ? '(on the host)' : ''}</span>
        </span>
        <input type="text" className="path" value={dir} onChange={(e) => setDir(e.target.value)} spellCheck={false} data-testid="lab-export-dir" placeholder="/path/to/folder" />
      </label>
      {window.fastast && (
        <div className="field-row">
          <button className="small" onClick={() => void pick()}>
            Folder…
          </button>
        </div>
      )}
      <div className="export-row">
        <span>Table</span>
        <button className="small" onClick={() => void exportAs('csv')} disabled={exporting} data-testid="lab-export-csv" title="One row per model × setting, the columns of fastast eval --out">
          CSV
        </button>
        <button className="small" onClick={() => void exportAs('json')} disabled={exporting} data-testid="lab-export-json" title="Everything, per-class results and changed clips too (fastast eval --out FILE.json)">
          JSON
        </button>
      </div>
      <div className="export-row">
        <span>Chart</span>
        <button className="small" onClick={() => void chart('svg')} disabled={exporting} data-testid="lab-export-svg" title="The chart as drawn, as an SVG file">
          SVG
        </button>
        <button className="small" onClick={() => void chart('png')} disabled={exporting} data-testid="lab-export-png" title="The chart as drawn, at twice its size on screen">
          PNG
        </button>
      </div>
      {note && (
        <div className={`small-text ${note.ok ? 'ok-text' : 'bad-text'}`} data-testid="lab-export-note">
          {note.text}
        </div>
      )}
    </section>
  );
}
