import { useEffect, useRef, useState } from 'react';
import { fitCanvas } from '../lib/canvas';
import { COLOR_MAPS, type ColorMapName } from '../lib/color';
import { hz } from '../lib/format';
import { useElementSize } from '../lib/hooks';
import { AXIS_W, SPEC_H } from '../lib/layout';
import { boxSelection, hzAt, hzFrac, hzTicks } from '../lib/mel';
import { onTimeWheel, seekTo } from '../lib/player';
import { useFile, type Spectrogram } from '../stores/file';
import { useMerge } from '../stores/merge';
import { useSegments } from '../stores/segments';
import { useUi } from '../stores/ui';
import { UI_FONT } from '../lib/font';
/** A press that moves less than this (px) is a click, not a box. */
const CLICK_PX = 4;

/** A box being drawn: times and mel-axis fractions (0 = bottom) of its corners. */
interface BoxDrag {
  t0: number;
  t1: number;
  f0: number;
  f1: number;
  x0: number;
  y0: number;
  moved: boolean;
}

/**
 * Spectrogram on the waveform's time axis, Hz axis at the left. Shift-drag draws a
 * time-frequency box (Raven's selection), which the toolbar can turn into a segment with a band.
 */
export function SpectrogramRow() {
  const view = useUi((s) => s.view);
  const colorMap = useUi((s) => s.colorMap);
  const overview = useFile((s) => s.overview);
  const detail = useFile((s) => s.detail);
  const loadDetail = useFile((s) => s.loadDetail);
  const canvasRef = useRef<HTMLCanvasElement>(null);
  const axisRef = useRef<HTMLCanvasElement>(null);
  const hoverRef = useRef<HTMLDivElement>(null);
  const [boxRef, box] = useElementSize<HTMLDivElement>();
  const [drag, setDrag] = useState<BoxDrag | null>(null);
  // A shift-drag ends in a click event too: that click must not seek.
  const swallowClick = useRef(false);

  useEffect(() => {
    if (view.endS > view.startS && view.widthPx > 0) loadDetail(view.startS, view.endS, Math.round(view.widthPx));
  }, [view, loadDetail]);

  useEffect(() => {
    const el = boxRef.current;
    if (!el) return;
    el.addEventListener('wheel', onTimeWheel, { passive: false });
    return () => el.removeEventListener('wheel', onTimeWheel);
  }, [boxRef]);

  useEffect(() => {
    const canvas = canvasRef.current;
    if (!canvas || box.width <= 0) return;
    const ctx = fitCanvas(canvas, box.width, SPEC_H);
    ctx.fillStyle = '#000';
    ctx.fillRect(0, 0, box.width, SPEC_H);
    const span = view.endS - view.startS;
    if (span <= 0) return;
    const draw = (sp: Spectrogram) => {
      const img = specImage(sp, colorMap);
      const sx = ((view.startS - sp.startS) / (sp.endS - sp.startS)) * sp.cols;
      const sw = (span / (sp.endS - sp.startS)) * sp.cols;
      ctx.imageSmoothingEnabled = sw < box.width;
      ctx.drawImage(img, sx, 0, sw, sp.bins, 0, 0, box.width, SPEC_H);
    };
    if (overview) draw(overview);
    if (detail && detail.startS <= view.startS + 1e-6 && detail.endS >= view.endS - 1e-6) draw(detail);
  }, [view, overview, detail, box.width, colorMap]);

  useEffect(() => {
    const axis = axisRef.current;
    const edges = (detail ?? overview)?.melEdgesHz;
    if (!axis || !edges) return;
    const ctx = fitCanvas(axis, AXIS_W, SPEC_H);
    ctx.clearRect(0, 0, AXIS_W, SPEC_H);
    ctx.fillStyle = '#9aa4b8';
    ctx.strokeStyle = '#5a6478';
    ctx.font = `10px ${UI_FONT}`;
    ctx.textAlign = 'right';
    ctx.textBaseline = 'middle';
    for (const t of hzTicks(edges, 14 / SPEC_H)) {
      const y = SPEC_H - t.frac * SPEC_H;
      ctx.beginPath();
      ctx.moveTo(AXIS_W - 4, y);
      ctx.lineTo(AXIS_W, y);
      ctx.stroke();
      ctx.fillText(t.label, AXIS_W - 6, Math.max(6, Math.min(SPEC_H - 6, y)));
    }
    ctx.save();
    ctx.translate(8, SPEC_H / 2);
    ctx.rotate(-Math.PI / 2);
    ctx.textAlign = 'center';
    ctx.fillText('Hz', 0, 0);
    ctx.restore();
  }, [detail, overview]);

  const edges = (detail ?? overview)?.melEdgesHz ?? null;
  /** Time, mel fraction and pixel position of a pointer event over the spectrogram. */
  const at = (e: React.PointerEvent | React.MouseEvent) => {
    const r = (e.currentTarget as HTMLElement).getBoundingClientRect();
    const x = e.clientX - r.left;
    const y = e.clientY - r.top;
    const dur = useFile.getState().file?.durationS ?? view.endS;
    const t = Math.max(0, Math.min(dur, view.startS + (x / r.width) * (view.endS - view.startS)));
    return { x, y, t, f: Math.max(0, Math.min(1, 1 - y / r.height)) };
  };

  const onPointerMove = (e: React.PointerEvent) => {
    const p = at(e);
    if (drag) setDrag({ ...drag, t1: p.t, f1: p.f, moved: drag.moved || Math.hypot(p.x - drag.x0, p.y - drag.y0) > CLICK_PX });
    const el = hoverRef.current;
    if (!el || !edges) return;
    el.textContent = `${p.t.toFixed(2)} s · ${Math.round(hzAt(edges, p.f))} Hz`;
    el.style.display = 'block';
  };

  const onPointerDown = (e: React.PointerEvent) => {
    if (e.button !== 0 || !e.shiftKey || !edges) return;
    e.preventDefault();
    e.currentTarget.setPointerCapture(e.pointerId);
    const p = at(e);
    setDrag({ t0: p.t, t1: p.t, f0: p.f, f1: p.f, x0: p.x, y0: p.y, moved: false });
    swallowClick.current = true;
  };

  const onPointerUp = (e: React.PointerEvent) => {
    const d = drag;
    setDrag(null);
    if (!d) return;
    if (e.currentTarget.hasPointerCapture(e.pointerId)) e.currentTarget.releasePointerCapture(e.pointerId);
    if (d.moved && edges) useUi.getState().setSelection(boxSelection(edges, d.t0, d.t1, d.f0, d.f1));
  };

  return (
    <div className="spec-row">
      <canvas ref={axisRef} className="axis-canvas" />
      <div
        className="spec"
        ref={boxRef}
        data-testid="spectrogram"
        data-color-map={colorMap}
        onPointerDown={onPointerDown}
        onPointerMove={onPointerMove}
        onPointerUp={onPointerUp}
        onPointerCancel={() => setDrag(null)}
        onMouseLeave={() => hoverRef.current && (hoverRef.current.style.display = 'none')}
        onClick={(e) => {
          if (swallowClick.current) {
            swallowClick.current = false;
            return;
          }
          const r = e.currentTarget.getBoundingClientRect();
          const t = view.startS + ((e.clientX - r.left) / r.width) * (view.endS - view.startS);
          seekTo(t);
        }}
        onDoubleClick={(e) => {
          const r = e.currentTarget.getBoundingClientRect();
          const t = view.startS + ((e.clientX - r.left) / r.width) * (view.endS - view.startS);
          const w = useFile.getState().file?.windowS ?? 0;
          useMerge.getState().focus(t - w / 2);
        }}
        title="Click: seek · shift-drag: select a time-frequency box · double-click: put the model window here · wheel: zoom · shift+wheel: scroll"
      >
        <canvas ref={canvasRef} />
        <SegmentBand />
        {edges && <SelectionBox edges={edges} drag={drag} />}
        <PlayheadLine />
        <FocusBand />
        <div className="hover-readout" ref={hoverRef} />
      </div>
    </div>
  );
}

function PlayheadLine() {
  const t = useUi((s) => s.currentTime);
  const view = useUi((s) => s.view);
  const span = view.endS - view.startS;
  if (span <= 0 || t < view.startS || t > view.endS) return null;
  return <div className="playhead" style={{ left: `${((t - view.startS) / span) * 100}%` }} />;
}

/** The selected segment's span, over the spectrogram (the table and the lane select it). */
function SegmentBand() {
  const sel = useSegments((s) => s.edit.segments.find((q) => q.id === s.selectedId) ?? null);
  const view = useUi((s) => s.view);
  const span = view.endS - view.startS;
  if (!sel || span <= 0) return null;
  const a = Math.max(sel.startS, view.startS);
  const b = Math.min(sel.endS, view.endS);
  if (b <= a) return null;
  return (
    <div
      className="segment-band"
      data-testid="segment-band"
      style={{ left: `${((a - view.startS) / span) * 100}%`, width: `${((b - a) / span) * 100}%` }}
      title={`${sel.label}: ${sel.startS.toFixed(2)}–${sel.endS.toFixed(2)} s`}
    />
  );
}

/**
 * The selection over the spectrogram: the box being drawn, else the current selection (a band
 * when it has one, the full height when it is a time span from the waveform).
 */
function SelectionBox({ edges, drag }: { edges: Float32Array; drag: BoxDrag | null }) {
  const sel = useUi((s) => s.selection);
  const view = useUi((s) => s.view);
  const span = view.endS - view.startS;
  const shown = drag?.moved ? boxSelection(edges, drag.t0, drag.t1, drag.f0, drag.f1) : drag ? null : sel;
  if (!shown || span <= 0) return null;
  const a = Math.max(shown.startS, view.startS);
  const b = Math.min(shown.endS, view.endS);
  if (b <= a) return null;
  const band = shown.lowHz !== undefined && shown.highHz !== undefined;
  const top = band ? (1 - hzFrac(edges, shown.highHz!)) * 100 : 0;
  const bottom = band ? hzFrac(edges, shown.lowHz!) * 100 : 0;
  return (
    <div
      className={`selection-box ${band ? 'band' : ''}`}
      data-testid="spec-selection"
      style={{ left: `${((a - view.startS) / span) * 100}%`, width: `${((b - a) / span) * 100}%`, top: `${top}%`, bottom: `${bottom}%` }}
    >
      {band && (
        <span className="selection-label">
          {hz(shown.lowHz!)}–{hz(shown.highHz!)}
        </span>
      )}
    </div>
  );
}

function FocusBand() {
  const focusS = useMerge((s) => s.focusS);
  const hasWindow = useMerge((s) => !!s.window);
  const file = useFile((s) => s.file);
  const view = useUi((s) => s.view);
  const span = view.endS - view.startS;
  if (!file || !hasWindow || span <= 0) return null;
  const a = Math.max(focusS, view.startS);
  const b = Math.min(focusS + file.windowS, view.endS);
  if (b <= a) return null;
  return <div className="focus-band" style={{ left: `${((a - view.startS) / span) * 100}%`, width: `${((b - a) / span) * 100}%` }} />;
}


const imageCache = new WeakMap<Spectrogram, Map<ColorMapName, HTMLCanvasElement>>();

/** Column-major u8 spectrogram → an offscreen canvas (cols × bins, low bins at the bottom) in colour map `name`. */
function specImage(sp: Spectrogram, name: ColorMapName): HTMLCanvasElement {
  let byMap = imageCache.get(sp);
  if (!byMap) imageCache.set(sp, (byMap = new Map()));
  let c = byMap.get(name);
  if (c) return c;
  const lut = COLOR_MAPS[name];
  c = document.createElement('canvas');
  c.width = sp.cols;
  c.height = sp.bins;
  const ctx = c.getContext('2d')!;
  const img = ctx.createImageData(sp.cols, sp.bins);
  for (let col = 0; col < sp.cols; col++) {
    for (let b = 0; b < sp.bins; b++) {
      const v = sp.data[col * sp.bins + b];
      const o = ((sp.bins - 1 - b) * sp.cols + col) * 4;
      img.data[o] = lut[v * 3];
      img.data[o + 1] = lut[v * 3 + 1];
      img.data[o + 2] = lut[v * 3 + 2];
      img.data[o + 3] = 255;
    }
  }
  ctx.putImageData(img, 0, 0);
  byMap.set(name, c);
  return c;
}
