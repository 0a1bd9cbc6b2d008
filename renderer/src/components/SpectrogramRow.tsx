import { useEffect, useRef } from 'react';
import { fitCanvas } from '../lib/canvas';
import { MAGMA } from '../lib/color';
import { useElementSize } from '../lib/hooks';
import { AXIS_W, SPEC_H } from '../lib/layout';
import { hzAt, hzTicks } from '../lib/mel';
import { onTimeWheel, seekTo } from '../lib/player';
import { useFile, type Spectrogram } from '../stores/file';
import { useMerge } from '../stores/merge';
import { useSegments } from '../stores/segments';
import { useUi } from '../stores/ui';
/** Spectrogram on the waveform's time axis, Hz axis at the left. */
export function SpectrogramRow() {
  const view = useUi((s) => s.view);
  const overview = useFile((s) => s.overview);
  const detail = useFile((s) => s.detail);
  const loadDetail = useFile((s) => s.loadDetail);
  const canvasRef = useRef<HTMLCanvasElement>(null);
  const axisRef = useRef<HTMLCanvasElement>(null);
  const hoverRef = useRef<HTMLDivElement>(null);
  const [boxRef, box] = useElementSize<HTMLDivElement>();

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
      const img = specImage(sp);
      const sx = ((view.startS - sp.startS) / (sp.endS - sp.startS)) * sp.cols;
      const sw = (span / (sp.endS - sp.startS)) * sp.cols;
      ctx.imageSmoothingEnabled = sw < box.width;
      ctx.drawImage(img, sx, 0, sw, sp.bins, 0, 0, box.width, SPEC_H);
    };
    if (overview) draw(overview);
    if (detail && detail.startS <= view.startS + 1e-6 && detail.endS >= view.endS - 1e-6) draw(detail);
  }, [view, overview, detail, box.width]);

  useEffect(() => {
    const axis = axisRef.current;
    const edges = (detail ?? overview)?.melEdgesHz;
    if (!axis || !edges) return;
    const ctx = fitCanvas(axis, AXIS_W, SPEC_H);
    ctx.clearRect(0, 0, AXIS_W, SPEC_H);
    ctx.fillStyle = '#9aa4b8';
    ctx.strokeStyle = '#5a6478';
    ctx.font = '10px system-ui, sans-serif';
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

  const onMove = (e: React.MouseEvent) => {
    const el = hoverRef.current;
    const edges = (detail ?? overview)?.melEdgesHz;
    if (!el || !edges) return;
    const r = (e.currentTarget as HTMLElement).getBoundingClientRect();
    const fx = (e.clientX - r.left) / r.width;
    const fy = 1 - (e.clientY - r.top) / r.height;
    const t = view.startS + fx * (view.endS - view.startS);
    el.textContent = `${t.toFixed(2)} s · ${Math.round(hzAt(edges, fy))} Hz`;
    el.style.display = 'block';
  };

  return (
    <div className="spec-row">
      <canvas ref={axisRef} className="axis-canvas" />
      <div
        className="spec"
        ref={boxRef}
        data-testid="spectrogram"
        onMouseMove={onMove}
        onMouseLeave={() => hoverRef.current && (hoverRef.current.style.display = 'none')}
        onClick={(e) => {
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
        title="Click: seek · double-click: put the model window here · wheel: zoom · shift+wheel: scroll"
      >
        <canvas ref={canvasRef} />
        <SegmentBand />
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


const imageCache = new WeakMap<Spectrogram, HTMLCanvasElement>();

/** Column-major u8 spectrogram → an offscreen canvas (cols × bins, low bins at the bottom). */
function specImage(sp: Spectrogram): HTMLCanvasElement {
  let c = imageCache.get(sp);
  if (c) return c;
  c = document.createElement('canvas');
  c.width = sp.cols;
  c.height = sp.bins;
  const ctx = c.getContext('2d')!;
  const img = ctx.createImageData(sp.cols, sp.bins);
  for (let col = 0; col < sp.cols; col++) {
    for (let b = 0; b < sp.bins; b++) {
      const v = sp.data[col * sp.bins + b];
      const o = ((sp.bins - 1 - b) * sp.cols + col) * 4;
      img.data[o] = MAGMA[v * 3];
      img.data[o + 1] = MAGMA[v * 3 + 1];
      img.data[o + 2] = MAGMA[v * 3 + 2];
      img.data[o + 3] = 255;
    }
  }
  ctx.putImageData(img, 0, 0);
  imageCache.set(sp, c);
  return c;
}
