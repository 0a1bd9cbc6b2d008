import { useEffect, useMemo, useRef, useState } from 'react';
import { fitCanvas } from '../lib/canvas';
import { classColor, MAGMA } from '../lib/color';
import { useElementSize } from '../lib/hooks';
import { useAnalysis } from '../stores/analysis';
import { useFile } from '../stores/file';
import { useMerge } from '../stores/merge';
import { useModels } from '../stores/models';
import { segmentsFrom, useSegments } from '../stores/segments';
import { useUi } from '../stores/ui';
import { AXIS_W } from './AudioView';

const TOP_H = 30;
const HEAT_H = 84;

/** Labels over time on the audio view's time axis: the top label per window, or a class × time heatmap. */
export function LabelLane() {
  const result = useAnalysis((s) => s.result);
  const threshold = useAnalysis((s) => s.threshold);
  const filter = useAnalysis((s) => s.filter);
  const heatmap = useAnalysis((s) => s.heatmap);
  const progress = useAnalysis((s) => s.progress);
  const labels = useModels((s) => s.active?.labels ?? []);
  const file = useFile((s) => s.file);
  const view = useUi((s) => s.view);
  const focusS = useMerge((s) => s.focusS);
  const canvasRef = useRef<HTMLCanvasElement>(null);
  const [boxRef, box] = useElementSize<HTMLDivElement>();
  const [hover, setHover] = useState<{ x: number; text: string } | null>(null);
  const H = heatmap ? HEAT_H : TOP_H;

  const allowed = useMemo(() => {
    const f = filter.trim().toLowerCase();
    return labels.map((l) => !f || l.toLowerCase().includes(f));
  }, [labels, filter]);

  // Segments follow the analysis, threshold and filter.
  useEffect(() => {
    if (result && file) useSegments.getState().setSegments(segmentsFrom(result, labels, threshold, filter, file.durationS));
    else useSegments.getState().setSegments([]);
  }, [result, labels, threshold, filter, file]);

  const rows = useMemo(() => {
    if (!result) return [] as number[];
    const C = result.classes;
    const max = new Float32Array(C);
    for (let w = 0; w < result.starts.length; w++) for (let c = 0; c < C; c++) max[c] = Math.max(max[c], result.scores[w * C + c]);
    return [...Array(C).keys()].filter((c) => allowed[c]).sort((a, b) => max[b] - max[a]);
  }, [result, allowed]);

  useEffect(() => {
    const c = canvasRef.current;
    if (!c || box.width <= 0) return;
    const W = box.width;
    const ctx = fitCanvas(c, W, H);
    ctx.fillStyle = '#141821';
    ctx.fillRect(0, 0, W, H);
    const span = view.endS - view.startS;
    if (!result || span <= 0) {
      ctx.fillStyle = '#6b7488';
      ctx.font = '11px system-ui, sans-serif';
      ctx.textBaseline = 'middle';
      ctx.fillText(progress ? 'analysing…' : 'labels: run the analysis to see them over time', 8, H / 2);
      return;
    }
    const C = result.classes;
    const n = result.starts.length;
    const x = (t: number) => ((t - view.startS) / span) * W;
    const owned = (w: number) => [result.starts[w], w + 1 < n ? result.starts[w + 1] : Math.min(result.starts[w] + result.windowS, file?.durationS ?? Infinity)];
    ctx.font = '11px system-ui, sans-serif';
    ctx.textBaseline = 'middle';
    if (!heatmap) {
      for (let w = 0; w < n; w++) {
        const [a, b] = owned(w);
        if (b < view.startS || a > view.endS) continue;
        let best = -1;
        let score = -Infinity;
        for (let k = 0; k < C; k++) if (allowed[k] && result.scores[w * C + k] > score) [best, score] = [k, result.scores[w * C + k]];
        const x0 = x(a);
        const x1 = x(b);
        if (best < 0 || score < threshold) {
          ctx.fillStyle = '#1c212c';
          ctx.fillRect(x0, 4, x1 - x0 - 1, H - 8);
          continue;
        }
        ctx.fillStyle = classColor(best, 0.35 + 0.65 * score);
        ctx.fillRect(x0, 3, Math.max(1, x1 - x0 - 1), H - 6);
        const text = `${labels[best]} ${(score * 100).toFixed(0)}%`;
        const tw = ctx.measureText(text).width;
        if (x1 - x0 > tw + 8) {
          ctx.fillStyle = '#0b0d12';
          ctx.fillText(text, Math.max(x0, 0) + 4, H / 2);
        } else if (x1 - x0 > ctx.measureText(labels[best]).width + 8) {
          ctx.fillStyle = '#0b0d12';
          ctx.fillText(labels[best], Math.max(x0, 0) + 4, H / 2);
        }
      }
    } else {
      const shown = rows.slice(0, Math.floor(H / 7));
      const rh = H / Math.max(shown.length, 1);
      shown.forEach((k, i) => {
        for (let w = 0; w < n; w++) {
          const [a, b] = owned(w);
          if (b < view.startS || a > view.endS) continue;
          const v = result.scores[w * C + k];
          const idx = v >= threshold ? Math.round(80 + 175 * v) : Math.round(40 * v);
          ctx.fillStyle = `rgb(${MAGMA[idx * 3]},${MAGMA[idx * 3 + 1]},${MAGMA[idx * 3 + 2]})`;
          ctx.fillRect(x(a), i * rh, x(b) - x(a) + 0.5, rh - 0.5);
        }
        if (rh >= 9) {
          ctx.fillStyle = 'rgba(230,235,245,0.85)';
          ctx.font = `${Math.min(10, rh - 1)}px system-ui, sans-serif`;
          ctx.fillText(labels[k], 4, i * rh + rh / 2);
        }
      });
    }
    if (file) {
      ctx.strokeStyle = 'rgba(255, 200, 80, 0.9)';
      ctx.lineWidth = 1.5;
      ctx.strokeRect(x(focusS), 1, x(focusS + file.windowS) - x(focusS), H - 2);
    }
  }, [result, view, box.width, threshold, allowed, heatmap, rows, labels, focusS, file, H, progress]);

  const windowAt = (clientX: number, el: HTMLElement) => {
    if (!result) return -1;
    const r = el.getBoundingClientRect();
    const t = view.startS + ((clientX - r.left) / r.width) * (view.endS - view.startS);
    let w = -1;
    for (let i = 0; i < result.starts.length; i++) if (result.starts[i] <= t) w = i;
    return w;
  };

  return (
    <div className="lane-row">
      <div className="axis-gutter muted" style={{ height: H }}>
        labels
      </div>
      <div
        className="lane"
        ref={boxRef}
        data-testid="label-lane"
        style={{ height: H }}
        onMouseMove={(e) => {
          const w = windowAt(e.clientX, e.currentTarget);
          if (!result || w < 0) return setHover(null);
          const C = result.classes;
          const top = [...Array(C).keys()].sort((a, b) => result.scores[w * C + b] - result.scores[w * C + a]).slice(0, 3);
          const r = e.currentTarget.getBoundingClientRect();
          setHover({
            x: e.clientX - r.left,
            text: `${result.starts[w].toFixed(2)} s: ${top.map((k) => `${labels[k]} ${(result.scores[w * C + k] * 100).toFixed(0)}%`).join(' · ')}`,
          });
        }}
        onMouseLeave={() => setHover(null)}
        onClick={(e) => {
          const w = windowAt(e.clientX, e.currentTarget);
          if (result && w >= 0) useMerge.getState().focus(result.starts[w]);
        }}
        title="Click a window to inspect it in the merge view"
      >
        <canvas ref={canvasRef} />
        {hover && (
          <div className="lane-tip" style={{ left: Math.min(hover.x + 8, Math.max(0, box.width - 320)) }}>
            {hover.text}
          </div>
        )}
      </div>
    </div>
  );
}

export const LANE_GUTTER = AXIS_W;
