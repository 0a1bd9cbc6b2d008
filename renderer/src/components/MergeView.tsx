import { useEffect, useMemo, useRef, useState } from 'react';
import { COLOR_MAPS, mapGradient, marginGradient } from '../lib/color';
import { drawMergeView, inputImage } from '../lib/draw-merge-view';
import { useElementSize, useVisibleSeconds } from '../lib/hooks';
import { MERGE_MARGIN as M } from '../lib/layout';
import { gridOf, layerGroups, levelRange, marginMedians, patchAt, patchLevels } from '../lib/merge-groups';
import { frameAtX, mergeSpan } from '../lib/merge-span';
import { onTimeWheel } from '../lib/player';
import { useFile } from '../stores/file';
import { fixed } from '../lib/format';
import { shownLayer, useMerge } from '../stores/merge';
import { useModels } from '../stores/models';
import { useUi } from '../stores/ui';
import { LowerTabs } from './LowerTabs';
import { MergeHoverCard } from './MergeHoverCard';

/**
 * The merge view: the focused window's model input with its patch grid, or, scrubbed to a layer,
 * the groups of patches that have become one token (lib/merge-groups.ts computes them,
 * lib/draw-merge-view.ts draws them).
 */
export function MergeView() {
  const model = useModels((s) => s.active);
  const win = useMerge((s) => s.window);
  const run = useMerge((s) => s.merged);
  const L = model?.numLayers ?? 0;
  const layer = useMerge((s) => shownLayer(s.layer, L));
  const shading = useMerge((s) => s.shading);
  const tint = useMerge((s) => s.tint);
  const colorMap = useUi((s) => s.colorMap);
  const running = useMerge((s) => s.running);
  const error = useMerge((s) => s.error);
  const focusS = useMerge((s) => s.focusS);
  const file = useFile((s) => s.file);
  const canvasRef = useRef<HTMLCanvasElement>(null);
  const [boxRef, box] = useElementSize<HTMLDivElement>();
  const [hover, setHover] = useState<{ p: number; x: number; y: number } | null>(null);

  // Memoised so that everything computed from the grid can name it as a dependency.
  const grid = useMemo(() => (model ? gridOf(model) : null), [model]);
  const N = model?.numTokens ?? 0;
  // The window only counts once it has the model's input size (after a model switch the old one stays until the new arrives).
  const input = win && grid && win.melBins === grid.bins && win.frames === grid.frames ? win : null;
  const stats = useMemo(() => {
    if (!input || !grid) return null;
    const range = levelRange(input);
    return { range, level: patchLevels(input, grid, range), image: inputImage(input, range, COLOR_MAPS[colorMap]) };
  }, [input, grid, colorMap]);
  const groups = useMemo(
    () => (run && grid && stats && run.groups.length === L * N ? layerGroups(run, Math.min(layer, L), grid, N, stats.level) : null),
    [run, layer, grid, stats, L, N],
  );

  const W = Math.max(0, box.width);
  const plotW = Math.max(50, W - M.left - M.right);
  const plotH = Math.max(120, Math.min(Math.max(box.height, 200) - M.top - M.bottom, plotW * 0.42));
  const H = plotH + M.top + M.bottom;
  const hoverPatch = hover?.p ?? null;
  // The whole window, or the audio view's seconds when it is zoomed in closer than the window.
  const seen = useVisibleSeconds();
  const winStartS = win?.startS ?? focusS;
  const validFrames = win?.validFrames ?? grid?.frames ?? 0;
  const span = useMemo(() => (grid ? mergeSpan(grid, { startS: winStartS, validFrames }, seen, plotW) : null), [grid, winStartS, validFrames, seen, plotW]);

  useEffect(() => {
    const c = canvasRef.current;
    if (!c || W <= 0 || !grid || !span) return;
    drawMergeView(c, { W, H, plotW, plotH, grid, win: stats ? win : null, image: stats?.image ?? null, groups, layer, shading, tint, hoverPatch, span });
  }, [W, H, plotW, plotH, grid, win, stats, groups, layer, shading, tint, hoverPatch, span]);

  // Shift / horizontal wheel scrolls the audio view and ctrl+wheel zooms it; the merge view
  // follows. A plain wheel is left to the page: at small sizes the merge view sits low in a
  // scrolling column. (A native listener: React's is passive and could not stop the page.)
  useEffect(() => {
    const c = canvasRef.current;
    if (!c) return;
    const onWheel = (e: WheelEvent) => {
      if (e.shiftKey || e.ctrlKey || Math.abs(e.deltaX) > Math.abs(e.deltaY)) onTimeWheel(e);
    };
    c.addEventListener('wheel', onWheel, { passive: false });
    return () => c.removeEventListener('wheel', onWheel);
  }, []);

  const onMove = (e: React.MouseEvent<HTMLCanvasElement>) => {
    if (!grid || !span) return;
    const r = e.currentTarget.getBoundingClientRect();
    const x = e.clientX - r.left;
    const y = e.clientY - r.top;
    if (x < M.left || x > M.left + plotW) return setHover(null);
    const frame = frameAtX(span, plotW, x - M.left);
    const bin = ((M.top + plotH - y) / plotH) * grid.bins;
    const p = patchAt(grid, frame, bin);
    if (p === null) return setHover(null);
    if (!hover || hover.p !== p || Math.abs(hover.x - x) > 4 || Math.abs(hover.y - y) > 4) setHover({ p, x, y });
  };

  const tokensNow = groups?.tokens ?? run?.tokensPerLayer[Math.min(layer, L)] ?? model?.numTokens ?? 0;
  // Median group margin over the padded patches and over the audio (tests and the curious read these).
  const medians = useMemo(() => (groups && grid && win && layer > 0 ? marginMedians(groups, grid, win.validFrames) : { pad: '', audio: '' }), [groups, grid, win, layer]);
  const tokens0 = run?.tokensPerLayer[0] ?? model?.numTokens ?? 0;

  return (
    <section className="panel merge-view" data-testid="merge-view">
      <div className="toolbar">
        <LowerTabs />
        <WindowNav />
        <LayerScrubber L={L} />
        <span className="tokens-left" data-testid="tokens-left">
          {tokensNow} tokens{' '}
          <span className="muted">{tokens0 ? `(${(((tokens0 - tokensNow) / tokens0) * 100).toFixed(1)}% merged)` : ''}</span>
        </span>
        <span className="grow" />
        <label className="tint-control" title="Opacity of the token tints over the spectrogram (0: outlines only, so the sound under a merge stays visible)">
          tint
          <input
            type="range"
            min={0}
            max={100}
            step={5}
            value={Math.round(tint * 100)}
            onChange={(e) => useMerge.getState().setTint(Number(e.target.value) / 100)}
            data-testid="tint-slider"
            aria-label="tint opacity"
          />
        </label>
        <label className="check" title="Shade each token by the smallest margin of the merge decisions that formed it: red-orange, hatched = a near-tie (the model's choice was arbitrary), blue = clear-cut">
          <input type="checkbox" checked={shading} onChange={(e) => useMerge.getState().setShading(e.target.checked)} data-testid="shading-toggle" /> near-ties
        </label>
        <span
          className={`status-dot ${running ? 'busy' : error ? 'failed' : ''}`}
          title={running ? 'running…' : error ? `error: ${error}` : 'up to date'}
          aria-label={running ? 'running' : error ? 'error' : 'up to date'}
          data-testid="merge-status"
        />
      </div>
      <div className="merge-canvas-box" ref={boxRef}>
        {!win && <div className="placeholder muted">{file ? 'computing the model input…' : 'open a file'}</div>}
        <canvas
          ref={canvasRef}
          data-testid="merge-canvas"
          data-layer={layer}
          data-groups={groups ? groups.members.size : 0}
          data-merged-groups={groups ? [...groups.members.values()].filter((m) => m.length > 1).length : 0}
          data-tint={tint}
          data-focus={focusS}
          data-first-col={span?.firstCol ?? ''}
          data-last-col={span?.lastCol ?? ''}
          data-col-px={span ? span.colPx.toFixed(1) : ''}
          data-whole={span?.whole ?? ''}
          data-valid-frames={win?.validFrames ?? ''}
          data-margin-pad={medians.pad}
          data-margin-audio={medians.audio}
          onMouseMove={onMove}
          onMouseLeave={() => setHover(null)}
        />
        {hover && groups && grid && win && model && <MergeHoverCard hover={hover} groups={groups} grid={grid} win={win} layer={layer} boxW={W} plotH={plotH} model={model} />}
      </div>
      <div className="legend muted" data-testid="merge-legend">
        {stats && (
          <span title="Colour of the model input: its normalised log-mel values (what the AST sees), from the window's 2nd to 99.5th percentile">
            input
            <span className="color-bar" style={{ background: mapGradient(colorMap) }} />
            <span className="num">{fixed(stats.range.lo, 2)}…{fixed(stats.range.hi, 2)}</span>
            <span>(normalised log-mel)</span>
          </span>
        )}
        {shading ? (
          <>
            <span data-testid="clarity-legend">tint: the smallest margin of the merges behind each token, cosine units, up to this layer:</span>
            <span className="margin-scale">
              <span className="margin-bar" style={{ background: marginGradient() }} />
              <span className="margin-ticks">
                <span>≤1e−5 near-tie</span>
                <span>1e−4</span>
                <span>1e−3</span>
                <span>≥1e−2 clear-cut</span>
              </span>
            </span>
            <span>
              <i className="sw hatch" /> hatched: ≤ 1e−4
            </span>
            <span>
              <i className="sw none" /> clear: no decision (r = 0, or only merged into)
            </span>
          </>
        ) : (
          <>
            <span>
              <i className="sw tint" /> merged: one tint per token, outlined
            </span>
            <span>
              <i className="sw clear" /> clear: a patch still on its own
            </span>
            <span>
              <i className="sw gold" /> merged into the distillation token
            </span>
            <span>
              <i className="sw pad" /> padding
            </span>
          </>
        )}
        <span>Hover a patch to light up its token and see each merge's similarity; shift+wheel scrolls and ctrl+wheel zooms, with the audio view.</span>
      </div>
    </section>
  );
}

function WindowNav() {
  const focusS = useMerge((s) => s.focusS);
  const file = useFile((s) => s.file);
  if (!file) return null;
  const step = file.windowS / 2;
  return (
    <span className="window-nav">
      <button className="small" onClick={() => useMerge.getState().focus(focusS - step)} disabled={focusS <= 0} title="Previous window ([)">
        ◀
      </button>
      <span data-testid="window-range">
        {focusS.toFixed(2)}–{(focusS + file.windowS).toFixed(2)} s
      </span>
      <button className="small" onClick={() => useMerge.getState().focus(focusS + step)} disabled={focusS + file.windowS >= file.durationS} title="Next window (])">
        ▶
      </button>
    </span>
  );
}

function LayerScrubber({ L }: { L: number }) {
  const layer = useMerge((s) => shownLayer(s.layer, L));
  const setLayer = useMerge((s) => s.setLayer);
  return (
    <span className="layer-scrubber">
      <label>
        layer
        <input
          type="range"
          min={0}
          max={L}
          step={1}
          value={layer}
          onChange={(e) => setLayer(Number(e.target.value))}
          data-testid="layer-slider"
          aria-label="layer"
        />
      </label>
      <span className="layer-readout" data-testid="layer-readout">
        {layer === 0 ? 'input' : `after ${layer}/${L}`}
      </span>
    </span>
  );
}
