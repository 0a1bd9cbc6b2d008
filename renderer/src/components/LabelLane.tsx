import { useEffect, useMemo, useRef, useState } from 'react';
import type { Segment } from '../../../app/contract';
import { addSegment, focusSegment } from '../actions';
import { fitCanvas } from '../lib/canvas';
import { textOnClass } from '../lib/color';
import { drawHeatmap, heatCell, heatLayout, windowAt as heatWindowAt } from '../lib/heatmap';
import { useElementSize } from '../lib/hooks';
import { labelColor, labelIndex, laneGeometry, MAX_STACKED_ROWS, stackRows, trackRows } from '../lib/lane-rows';
import { useAnalysis } from '../stores/analysis';
import { useLabelMask } from './models/use-labels';
import { useFile } from '../stores/file';
import { useMerge } from '../stores/merge';
import { useModels } from '../stores/models';
import { useSegments, visibleSegments } from '../stores/segments';
import { useUi } from '../stores/ui';
import { UI_FONT } from '../lib/font';

/** How close (px) to a segment's edge a press grabs the edge. */
const EDGE_PX = 6;
/** A press that moves less than this (px) is a click, not a drag. */
const CLICK_PX = 4;

type Drag =
  | { kind: 'create'; x0: number; t0: number; t1: number; moved: boolean }
  | { kind: 'resize'; id: string; edge: 'start' | 'end'; startS: number; endS: number; moved: boolean }
  /** A press on a segment: a click selects it; dragging from it draws a new segment (overlaps are fine). */
  | { kind: 'press'; id: string; x0: number; t0: number };

/**
 * The label lane on the audio view's time axis: the segments (editable — drag on empty space to
 * add one, drag an edge to resize, click to select), with the class × time heatmap above when
 * it is switched on.
 */
export function LabelLane() {
  const result = useAnalysis((s) => s.result);
  const threshold = useAnalysis((s) => s.threshold);
  const filter = useAnalysis((s) => s.filter);
  const heatmap = useAnalysis((s) => s.heatmap);
  const laneMode = useUi((s) => s.laneMode);
  const tracks = laneMode === 'tracks';
  const progress = useAnalysis((s) => s.progress);
  const labels = useModels((s) => s.active?.labels ?? []);
  const file = useFile((s) => s.file);
  const view = useUi((s) => s.view);
  const focusS = useMerge((s) => s.focusS);
  const segments = useSegments((s) => s.edit.segments);
  const selectedId = useSegments((s) => s.selectedId);
  const tableFilter = useSegments((s) => s.filter);
  const sort = useSegments((s) => s.sort);
  const canvasRef = useRef<HTMLCanvasElement>(null);
  const [boxRef, box] = useElementSize<HTMLDivElement>();
  const [hover, setHover] = useState<{ x: number; text: string } | null>(null);
  const [drag, setDrag] = useState<Drag | null>(null);
  const [cursor, setCursor] = useState('crosshair');

  const { row, rows, overflow, names } = useMemo(() => (tracks ? trackRows(segments, labels) : stackRows(segments)), [segments, labels, tracks]);
  const { rowH, height: segH } = laneGeometry(rows, tracks);
  const shown = useMemo(() => new Set(visibleSegments(segments, tableFilter, sort).map((s) => s.id)), [segments, tableFilter, sort]);

  const allowed = useLabelMask(labels, filter);

  const heatRows = useMemo(() => {
    if (!result) return [] as number[];
    const C = result.classes;
    const max = new Float32Array(C);
    for (let w = 0; w < result.starts.length; w++) for (let c = 0; c < C; c++) max[c] = Math.max(max[c], result.scores[w * C + c]);
    return [...Array(C).keys()].filter((c) => allowed[c]).sort((a, b) => max[b] - max[a]);
  }, [result, allowed]);
  const heat = useMemo(() => heatLayout(heatRows), [heatRows]);
  const heatH = heatmap && result ? heat.height : 0;
  const H = heatH + segH;

  const span = view.endS - view.startS;
  const W = box.width;
  const xOf = (t: number) => ((t - view.startS) / span) * W;
  const tOf = (x: number) => view.startS + (x / W) * span;

  useEffect(() => {
    const c = canvasRef.current;
    if (!c || W <= 0) return;
    const ctx = fitCanvas(c, W, H);
    ctx.fillStyle = '#141821';
    ctx.fillRect(0, 0, W, H);
    ctx.font = `11px ${UI_FONT}`;
    ctx.textBaseline = 'middle';
    if (span <= 0) return;
    const x = (t: number) => ((t - view.startS) / span) * W;
    if (result && heatH > 0) drawHeatmap(ctx, result, { rows: heat.rows, labels, threshold, durationS: file?.durationS ?? Infinity, W, x, view });
    ctx.font = `11px ${UI_FONT}`;
    const y0 = heatH + 2;
    if (segments.length === 0 && !drag) {
      ctx.fillStyle = '#6b7488';
      const msg = progress
        ? 'analysing…'
        : result
          ? `no segments at threshold ${threshold.toFixed(2)} · drag here to add one`
          : 'segments: run the analysis, or drag here to add one';
      ctx.fillText(msg, 8, y0 + segH / 2 - 2);
    }
    const plateW = (r: number) => {
      ctx.font = `10px ${UI_FONT}`;
      return names[r] ? Math.min(ctx.measureText(names[r]).width, 160) + 8 : 0;
    };
    const drawSeg = (s: Segment, a: number, b: number) => {
      const r = row.get(s.id) ?? 0;
      const x0 = x(a);
      const x1 = x(b);
      if (x1 < -2 || x0 > W + 2) return;
      const y = y0 + r * rowH;
      const h = rowH - 2;
      const dim = s.review === 'rejected' || !shown.has(s.id);
      const score = s.maxScore ?? 1;
      const alpha = dim ? 0.28 : 0.45 + 0.5 * score;
      ctx.fillStyle = labelColor(s.label, labels, alpha);
      ctx.fillRect(x0, y, Math.max(2, x1 - x0 - 1), h);
      if (s.source === 'user') {
        ctx.strokeStyle = 'rgba(255,255,255,0.55)';
        ctx.setLineDash([3, 2]);
        ctx.lineWidth = 1;
        ctx.strokeRect(x0 + 0.5, y + 0.5, Math.max(1, x1 - x0 - 2), h - 1);
        ctx.setLineDash([]);
      }
      // On a class's own track the row names the label: the segment says only its review and score.
      const name = tracks ? '' : s.label;
      const text = `${s.review === 'accepted' ? '✓ ' : s.review === 'rejected' ? '✗ ' : ''}${name}${s.maxScore !== null ? ` ${(s.maxScore * 100).toFixed(0)}%` : ''}`.trim();
      // Text starts past the track's name plate, so the two never overlap.
      const textX = Math.max(x0, tracks ? plateW(r) : 0) + 4;
      const avail = x1 - x0 - 8;
      if (avail > 14 && (!overflow.has(s.id) || s.id === selectedId)) {
        ctx.save();
        ctx.beginPath();
        ctx.rect(x0, y, x1 - x0, h);
        ctx.clip();
        ctx.fillStyle = dim ? 'rgba(225,230,240,0.75)' : textOnClass(labelIndex(s.label, labels), alpha);
        ctx.font = `${rowH >= 20 ? 11 : 10}px ${UI_FONT}`;
        ctx.fillText(text, textX, y + h / 2 + 0.5);
        ctx.restore();
      }
      if (s.id === selectedId) {
        ctx.strokeStyle = '#ffffff';
        ctx.lineWidth = 2;
        ctx.strokeRect(x0 + 1, y + 1, Math.max(1, x1 - x0 - 3), h - 2);
        // Edge handles.
        ctx.fillStyle = '#ffffff';
        ctx.fillRect(x0, y - 1, 3, h + 2);
        ctx.fillRect(x1 - 4, y - 1, 3, h + 2);
      }
    };
    for (const s of segments) {
      if (drag?.kind === 'resize' && drag.id === s.id) continue;
      if (s.id !== selectedId) drawSeg(s, s.startS, s.endS);
    }
    if (overflow.size > 0 && !tracks) {
      const label = `+${overflow.size} more overlapping (see the table)`;
      ctx.font = `10px ${UI_FONT}`;
      const tw = ctx.measureText(label).width;
      const y = y0 + (MAX_STACKED_ROWS - 1) * rowH;
      ctx.fillStyle = 'rgba(10,12,16,0.85)';
      ctx.fillRect(W - tw - 10, y, tw + 8, rowH - 2);
      ctx.fillStyle = '#dfe5f1';
      ctx.fillText(label, W - tw - 6, y + (rowH - 2) / 2 + 0.5);
      ctx.font = `11px ${UI_FONT}`;
    }
    const sel = segments.find((s) => s.id === selectedId);
    if (sel && !(drag?.kind === 'resize' && drag.id === sel.id)) drawSeg(sel, sel.startS, sel.endS);
    if (drag?.kind === 'resize') {
      const s = segments.find((q) => q.id === drag.id);
      if (s) drawSeg(s, Math.min(drag.startS, drag.endS), Math.max(drag.startS, drag.endS));
    }
    if (drag?.kind === 'create' && drag.moved) {
      const a = x(Math.min(drag.t0, drag.t1));
      const b = x(Math.max(drag.t0, drag.t1));
      ctx.fillStyle = 'rgba(120, 200, 255, 0.3)';
      ctx.fillRect(a, y0, b - a, segH - 4);
      ctx.strokeStyle = 'rgba(160, 220, 255, 0.95)';
      ctx.lineWidth = 1;
      ctx.strokeRect(a + 0.5, y0 + 0.5, b - a - 1, segH - 5);
    }
    if (tracks) drawTrackNames(ctx, names, y0, rowH);
    if (file) {
      ctx.strokeStyle = 'rgba(255, 200, 80, 0.9)';
      ctx.lineWidth = 1.5;
      ctx.strokeRect(x(focusS), 1, x(focusS + file.windowS) - x(focusS), H - 2);
    }
  }, [result, view, W, H, heatH, segH, rowH, threshold, heat.rows, labels, focusS, file, progress, segments, selectedId, row, overflow, shown, drag, span, tracks, names]);

  /** The segment under (x, y), and which edge if the press is on one. */
  const hit = (x: number, y: number): { s: Segment; edge: 'start' | 'end' | null } | null => {
    if (y < heatH) return null;
    const r = Math.min(rows - 1, Math.max(0, Math.floor((y - heatH - 2) / rowH)));
    let best: { s: Segment; edge: 'start' | 'end' | null; d: number } | null = null;
    for (const s of segments) {
      if ((row.get(s.id) ?? 0) !== r) continue;
      const x0 = xOf(s.startS);
      const x1 = xOf(s.endS);
      if (x < x0 - EDGE_PX || x > x1 + EDGE_PX) continue;
      const d0 = Math.abs(x - x0);
      const d1 = Math.abs(x - x1);
      const edge = Math.min(d0, d1) <= EDGE_PX ? (d0 <= d1 ? 'start' : 'end') : null;
      const d = edge ? Math.min(d0, d1) : 0;
      // The selected segment wins ties, so its handles are always reachable.
      const rank = d - (s.id === selectedId ? 0.5 : 0);
      if (!best || rank < best.d) best = { s, edge, d: rank };
    }
    return best && { s: best.s, edge: best.edge };
  };

  const local = (e: React.PointerEvent | React.MouseEvent) => {
    const r = (e.currentTarget as HTMLElement).getBoundingClientRect();
    return { x: e.clientX - r.left, y: e.clientY - r.top };
  };

  const windowAt = (t: number) => (result ? heatWindowAt(result, t) : -1);

  const onPointerDown = (e: React.PointerEvent<HTMLDivElement>) => {
    if (e.button !== 0 || !file || span <= 0) return;
    const { x, y } = local(e);
    setHover(null);
    e.currentTarget.setPointerCapture(e.pointerId);
    const h = hit(x, y);
    if (h?.edge) {
      focusSegment(h.s.id, { seek: false });
      setDrag({ kind: 'resize', id: h.s.id, edge: h.edge, startS: h.s.startS, endS: h.s.endS, moved: false });
    } else if (h) {
      setDrag({ kind: 'press', id: h.s.id, x0: x, t0: tOf(x) });
    } else if (y >= heatH) {
      const t = tOf(x);
      setDrag({ kind: 'create', x0: x, t0: t, t1: t, moved: false });
    } else {
      setDrag(null);
      const w = windowAt(tOf(x));
      if (result && w >= 0) useMerge.getState().focus(result.starts[w]);
    }
  };

  const onPointerMove = (e: React.PointerEvent<HTMLDivElement>) => {
    const { x, y } = local(e);
    const dur = file?.durationS ?? 0;
    const t = Math.max(0, Math.min(dur, tOf(x)));
    if (drag?.kind === 'resize') {
      setDrag({ ...drag, [drag.edge === 'start' ? 'startS' : 'endS']: t, moved: true });
      return;
    }
    if (drag?.kind === 'create') {
      setDrag({ ...drag, t1: t, moved: drag.moved || Math.abs(x - drag.x0) > CLICK_PX });
      return;
    }
    if (drag?.kind === 'press') {
      if (Math.abs(x - drag.x0) > CLICK_PX) setDrag({ kind: 'create', x0: drag.x0, t0: drag.t0, t1: t, moved: true });
      return;
    }
    const h = hit(x, y);
    setCursor(h?.edge ? 'ew-resize' : h ? 'pointer' : y >= heatH ? 'crosshair' : 'pointer');
    setHover(h ? { x, text: segmentTip(h.s) } : y < heatH ? heatTip(t, x, y) : windowTip(t, x));
  };

  const onPointerUp = (e: React.PointerEvent<HTMLDivElement>) => {
    const d = drag;
    setDrag(null);
    if (!d) return;
    if (e.currentTarget.hasPointerCapture(e.pointerId)) e.currentTarget.releasePointerCapture(e.pointerId);
    const seg = useSegments.getState();
    if (d.kind === 'resize') {
      const s = seg.edit.segments.find((q) => q.id === d.id);
      if (d.moved && s && (Math.abs(d.startS - s.startS) > 1e-3 || Math.abs(d.endS - s.endS) > 1e-3)) {
        seg.dispatch({ type: 'resize', id: d.id, startS: Math.min(d.startS, d.endS), endS: Math.max(d.startS, d.endS) });
      }
    } else if (d.kind === 'create') {
      if (d.moved) addSegment(d.t0, d.t1);
      else {
        // A click on empty lane: nothing selected; the model window moves there.
        seg.select(null);
        const w = windowAt(d.t0);
        if (result && w >= 0) useMerge.getState().focus(result.starts[w]);
      }
    } else if (d.kind === 'press') {
      focusSegment(d.id);
      useUi.getState().setLowerTab('segments');
    }
  };

  const heatTip = (t: number, x: number, y: number) => {
    const c = result ? heatCell(result, heat.rows, t, y) : null;
    if (!result || !c) return null;
    const a = result.starts[c.w];
    return { x, text: `${labels[c.cls] ?? `class ${c.cls}`} · window ${a.toFixed(2)}–${(a + result.windowS).toFixed(2)} s · score ${(c.score * 100).toFixed(0)}%` };
  };

  const windowTip = (t: number, x: number) => {
    const w = windowAt(t);
    if (!result || w < 0) return null;
    const C = result.classes;
    const top = [...Array(C).keys()].sort((a, b) => result.scores[w * C + b] - result.scores[w * C + a]).slice(0, 3);
    return { x, text: `window ${result.starts[w].toFixed(2)} s: ${top.map((k) => `${labels[k]} ${(result.scores[w * C + k] * 100).toFixed(0)}%`).join(' · ')}` };
  };

  return (
    <div className="lane-row">
      <div className="axis-gutter muted" style={{ height: H }}>
        {heatH > 0 && <div style={{ height: heatH }}>classes</div>}
        segments
      </div>
      <div
        className="lane"
        ref={boxRef}
        data-testid="label-lane"
        data-segments={segments.length}
        data-mode={laneMode}
        data-rows={rows}
        data-heat-h={heatH}
        data-row-h={rowH}
        data-selected-row={selectedId ? (row.get(selectedId) ?? '') : ''}
        style={{ height: H, cursor: drag?.kind === 'resize' ? 'ew-resize' : cursor }}
        onPointerDown={onPointerDown}
        onPointerMove={onPointerMove}
        onPointerUp={onPointerUp}
        onPointerCancel={() => setDrag(null)}
        onMouseLeave={() => setHover(null)}
        title="Drag: add a segment · drag a segment's edge: resize it · click a segment: select it · click empty space: inspect that window in the merge view"
      >
        <canvas ref={canvasRef} />
        {hover && !drag && (
          <div className="lane-tip" data-testid="lane-tip" style={{ left: Math.min(hover.x + 8, Math.max(0, W - 320)) }}>
            {hover.text}
          </div>
        )}
      </div>
    </div>
  );
}

/** Per-class tracks: each row's label on a plate at the left edge. */
function drawTrackNames(ctx: CanvasRenderingContext2D, names: readonly string[], y0: number, rowH: number): void {
  ctx.font = `10px ${UI_FONT}`;
  names.forEach((name, r) => {
    const y = y0 + r * rowH;
    const tw = Math.min(ctx.measureText(name).width, 160);
    ctx.fillStyle = 'rgba(10,12,16,0.7)';
    ctx.fillRect(0, y, tw + 8, rowH - 2);
    ctx.fillStyle = '#dfe5f1';
    ctx.fillText(name, 4, y + (rowH - 2) / 2 + 0.5, 160);
    ctx.strokeStyle = 'rgba(255,255,255,0.06)';
    ctx.beginPath();
    ctx.moveTo(0, y + rowH - 1.5);
    ctx.lineTo(ctx.canvas.width, y + rowH - 1.5);
    ctx.stroke();
  });
}

function segmentTip(s: Segment): string {
  const score = s.maxScore !== null ? ` · max ${(s.maxScore * 100).toFixed(0)}%` : ' · by hand';
  return `${s.label}: ${s.startS.toFixed(2)}–${s.endS.toFixed(2)} s${score} · ${s.review}`;
}
