import { useEffect, useMemo, useRef, useState } from 'react';
import type { ModelInfo, RunView, WindowInput } from '../../../app/contract';
import { fitCanvas } from '../lib/canvas';
import { formatMargin, GROUP_HUES, groupFill, MAGMA, marginFill, marginGradient, marginT, marginWord } from '../lib/color';
import { useElementSize } from '../lib/hooks';
import { hzAt, hzTicks, timeTicks } from '../lib/mel';
import { useFile } from '../stores/file';
import { useMerge } from '../stores/merge';
import { useModels } from '../stores/models';
import { LowerTabs } from './LowerTabs';

const M = { left: 50, right: 10, top: 8, bottom: 22 };

/** Geometry of the patch grid: patch p owns a stride × stride cell; the last row / column runs to the edge. */
interface Grid {
  F: number;
  T: number;
  fs: number;
  ts: number;
  bins: number;
  frames: number;
}

function gridOf(m: ModelInfo): Grid {
  return { F: m.freqPatches, T: m.timePatches, fs: m.frequencyStride, ts: m.timeStride, bins: m.numMelBins, frames: m.maxLength };
}

function cellBins(g: Grid, row: number): [number, number] {
  return [row * g.fs, row === g.F - 1 ? g.bins : (row + 1) * g.fs];
}
function cellFrames(g: Grid, col: number): [number, number] {
  return [col * g.ts, col === g.T - 1 ? g.frames : (col + 1) * g.ts];
}

interface WindowStats {
  /** Per patch: mean normalised level 0…1 over its cell. */
  level: Float32Array;
  image: HTMLCanvasElement;
}

function windowStats(w: WindowInput, g: Grid): WindowStats {
  const { input, melBins: B, validFrames } = w;
  // Level range from the audio part (padding is constant and would stretch the scale).
  const sample: number[] = [];
  const stepN = Math.max(1, Math.floor((Math.max(validFrames, 1) * B) / 20000));
  for (let i = 0; i < Math.max(validFrames, 1) * B; i += stepN) sample.push(input[i]);
  sample.sort((a, b) => a - b);
  const lo = sample[Math.floor(sample.length * 0.02)] ?? -1;
  const hi = sample[Math.floor(sample.length * 0.995)] ?? 1;
  const norm = (v: number) => Math.max(0, Math.min(1, (v - lo) / (hi - lo || 1)));
  const image = document.createElement('canvas');
  image.width = w.frames;
  image.height = B;
  const ctx = image.getContext('2d')!;
  const img = ctx.createImageData(w.frames, B);
  for (let t = 0; t < w.frames; t++) {
    for (let b = 0; b < B; b++) {
      const v = Math.round(norm(input[t * B + b]) * 255);
      const o = ((B - 1 - b) * w.frames + t) * 4;
      img.data[o] = MAGMA[v * 3];
      img.data[o + 1] = MAGMA[v * 3 + 1];
      img.data[o + 2] = MAGMA[v * 3 + 2];
      img.data[o + 3] = 255;
    }
  }
  ctx.putImageData(img, 0, 0);
  const level = new Float32Array(g.F * g.T);
  for (let row = 0; row < g.F; row++) {
    const [b0, b1] = cellBins(g, row);
    for (let col = 0; col < g.T; col++) {
      const [t0, t1] = cellFrames(g, col);
      let s = 0;
      for (let t = t0; t < t1; t++) for (let b = b0; b < b1; b++) s += norm(input[t * B + b]);
      level[row * g.T + col] = s / ((t1 - t0) * (b1 - b0));
    }
  }
  // Stretch the patch levels over their own range so that groups read apart.
  const sorted = Array.from(level).sort((a, b) => a - b);
  const pl = sorted[Math.floor(sorted.length * 0.03)];
  const ph = sorted[Math.floor(sorted.length * 0.97)];
  for (let i = 0; i < level.length; i++) level[i] = Math.max(0, Math.min(1, (level[i] - pl) / (ph - pl || 1)));
  return { level, image };
}

interface LayerGroups {
  /** Per patch: group id (token index after the layer). */
  group: Int32Array;
  size: Map<number, number>;
  members: Map<number, number[]>;
  meanLevel: Map<number, number>;
  /** Tint per merged group (null = a lone patch). */
  hue: Map<number, number | null>;
  /** Groups that hold the cls / distillation token. */
  special: Map<number, 'cls' | 'dist'>;
  /** Per patch: the latest merge up to this layer in which its token was the source. */
  lastLayer: Int32Array;
  lastScore: Float32Array;
  /** Margin of the decision behind that merge (cosine units). */
  lastMargin: Float32Array;
  /**
   * Per patch: the smallest margin of all the decisions (to merge, or not) taken up to this layer
   * by the tokens that now form its group; NaN where none of them had a decision to make.
   */
  groupMargin: Float32Array;
  tokens: number;
}

function layerGroups(run: RunView, layer: number, g: Grid, N: number, level: Float32Array): LayerGroups {
  const P = g.F * g.T;
  const group = new Int32Array(P);
  const lastLayer = new Int32Array(P).fill(-1);
  const lastScore = new Float32Array(P).fill(NaN);
  const lastMargin = new Float32Array(P).fill(NaN);
  const groupMargin = new Float32Array(P).fill(NaN);
  const minMargin = new Map<number, number>();
  const special = new Map<number, 'cls' | 'dist'>();
  if (layer === 0) {
    for (let p = 0; p < P; p++) group[p] = p + 2;
  } else {
    const off = (layer - 1) * N;
    for (let p = 0; p < P; p++) group[p] = run.groups[off + 2 + p];
    special.set(run.groups[off + 0], 'cls');
    special.set(run.groups[off + 1], 'dist');
    for (let l = 0; l < layer; l++) {
      for (let p = 0; p < P; p++) {
        const s = run.sourceScores[l * N + 2 + p];
        if (Number.isFinite(s)) {
          lastLayer[p] = l + 1;
          lastScore[p] = s;
          lastMargin[p] = run.margins[l * N + 2 + p];
        }
      }
      // Every decision taken at layer l by a token that now belongs to group k counts for k.
      for (let j = 0; j < N; j++) {
        const m = run.margins[l * N + j];
        if (!Number.isFinite(m)) continue;
        const k = run.groups[off + j];
        const cur = minMargin.get(k);
        if (cur === undefined || m < cur) minMargin.set(k, m);
      }
    }
    for (let p = 0; p < P; p++) groupMargin[p] = minMargin.get(group[p]) ?? NaN;
  }
  const size = new Map<number, number>();
  const members = new Map<number, number[]>();
  const sum = new Map<number, number>();
  for (let p = 0; p < P; p++) {
    const k = group[p];
    size.set(k, (size.get(k) ?? 0) + 1);
    sum.set(k, (sum.get(k) ?? 0) + level[p]);
    let list = members.get(k);
    if (!list) members.set(k, (list = []));
    list.push(p);
  }
  const meanLevel = new Map<number, number>();
  for (const [k, s] of sum) meanLevel.set(k, s / size.get(k)!);
  // Greedy colouring: merged groups that touch never share a hue; a hue sticks to a group's first patch.
  const hue = new Map<number, number | null>();
  const neighbours = new Map<number, Set<number>>();
  const link = (a: number, b: number) => {
    if (a === b) return;
    let s = neighbours.get(a);
    if (!s) neighbours.set(a, (s = new Set()));
    s.add(b);
  };
  for (let row = 0; row < g.F; row++) {
    for (let col = 0; col < g.T; col++) {
      const a = group[row * g.T + col];
      for (const [dr, dc] of [
        [0, 1],
        [1, 0],
        [1, 1],
        [1, -1],
      ]) {
        const r2 = row + dr;
        const c2 = col + dc;
        if (r2 >= g.F || c2 < 0 || c2 >= g.T) continue;
        const b = group[r2 * g.T + c2];
        link(a, b);
        link(b, a);
      }
    }
  }
  const order = [...members.keys()].sort((a, b) => members.get(a)![0] - members.get(b)![0]);
  for (const k of order) {
    if ((size.get(k) ?? 0) < 2 && !special.has(k)) {
      hue.set(k, null);
      continue;
    }
    const used = new Set<number>();
    for (const n of neighbours.get(k) ?? []) {
      const h = hue.get(n);
      if (h !== undefined && h !== null) used.add(h);
    }
    const start = members.get(k)![0] * 7;
    let chosen = GROUP_HUES[start % GROUP_HUES.length];
    for (let i = 0; i < GROUP_HUES.length; i++) {
      const h = GROUP_HUES[(start + i) % GROUP_HUES.length];
      if (!used.has(h)) {
        chosen = h;
        break;
      }
    }
    hue.set(k, chosen);
  }
  const tokens = run.tokensPerLayer[layer] ?? run.tokensPerLayer[run.tokensPerLayer.length - 1];
  return { group, size, members, meanLevel, hue, special, lastLayer, lastScore, lastMargin, groupMargin, tokens };
}

export function MergeView() {
  const model = useModels((s) => s.active);
  const win = useMerge((s) => s.window);
  const run = useMerge((s) => s.merged);
  const layer = useMerge((s) => s.layer);
  const shading = useMerge((s) => s.shading);
  const running = useMerge((s) => s.running);
  const error = useMerge((s) => s.error);
  const focusS = useMerge((s) => s.focusS);
  const file = useFile((s) => s.file);
  const canvasRef = useRef<HTMLCanvasElement>(null);
  const [boxRef, box] = useElementSize<HTMLDivElement>();
  const [hover, setHover] = useState<{ p: number; x: number; y: number } | null>(null);

  const grid = model ? gridOf(model) : null;
  const stats = useMemo(() => (win && grid && win.melBins === grid.bins && win.frames === grid.frames ? windowStats(win, grid) : null), [win, model]); // eslint-disable-line react-hooks/exhaustive-deps
  const L = model?.numLayers ?? 0;
  const groups = useMemo(
    () => (run && grid && stats && model && run.groups.length === L * model.numTokens ? layerGroups(run, Math.min(layer, L), grid, model.numTokens, stats.level) : null),
    [run, layer, stats], // eslint-disable-line react-hooks/exhaustive-deps
  );

  const W = Math.max(0, box.width);
  const plotW = Math.max(50, W - M.left - M.right);
  const plotH = Math.max(120, Math.min(Math.max(box.height, 200) - M.top - M.bottom, plotW * 0.42));
  const H = plotH + M.top + M.bottom;

  useEffect(() => {
    const c = canvasRef.current;
    if (!c || W <= 0 || !grid) return;
    const ctx = fitCanvas(c, W, H);
    ctx.clearRect(0, 0, W, H);
    ctx.fillStyle = '#0e1117';
    ctx.fillRect(M.left, M.top, plotW, plotH);
    if (!win || !stats) return;
    const X = (frame: number) => M.left + (frame / grid.frames) * plotW;
    const Y = (bin: number) => M.top + plotH - (bin / grid.bins) * plotH;
    const cell = (p: number) => {
      const row = Math.floor(p / grid.T);
      const col = p % grid.T;
      const [b0, b1] = cellBins(grid, row);
      const [t0, t1] = cellFrames(grid, col);
      return { x: X(t0), y: Y(b1), w: X(t1) - X(t0), h: Y(b0) - Y(b1), row, col };
    };
    const P = grid.F * grid.T;
    const hoverGroup = hover && groups ? groups.group[hover.p] : null;

    if (!groups || layer === 0) {
      // Model input as the AST sees it, with the patch grid.
      ctx.imageSmoothingEnabled = false;
      ctx.drawImage(stats.image, 0, 0, grid.frames, grid.bins, M.left, M.top, plotW, plotH);
      ctx.strokeStyle = 'rgba(255,255,255,0.18)';
      ctx.lineWidth = 1;
      ctx.beginPath();
      for (let col = 1; col < grid.T; col++) {
        const x = Math.round(X(col * grid.ts)) + 0.5;
        ctx.moveTo(x, M.top);
        ctx.lineTo(x, M.top + plotH);
      }
      for (let row = 1; row < grid.F; row++) {
        const y = Math.round(Y(row * grid.fs)) + 0.5;
        ctx.moveTo(M.left, y);
        ctx.lineTo(M.left + plotW, y);
      }
      ctx.stroke();
    } else {
      // Each group filled with its mean level; merged groups tinted, one tint per token.
      // With the near-tie shading on, merged patches are coloured by how clear-cut their merge was instead.
      for (let p = 0; p < P; p++) {
        const k = groups.group[p];
        const r = cell(p);
        if (shading) {
          const m = groups.groupMargin[p];
          ctx.fillStyle = Number.isFinite(m) ? marginFill(m) : `hsl(220, 8%, ${(20 + 22 * groups.meanLevel.get(k)!).toFixed(1)}%)`;
        } else {
          const sp = groups.special.get(k);
          const hue = sp === 'dist' ? 48 : sp === 'cls' ? 0 : groups.hue.get(k)!;
          ctx.fillStyle = groupFill(hue ?? null, groups.meanLevel.get(k)!);
        }
        ctx.fillRect(r.x, r.y, r.w + 0.5, r.h + 0.5);
      }
      // Faint lines inside groups, strong borders between groups.
      ctx.lineWidth = 1;
      ctx.strokeStyle = 'rgba(0,0,0,0.22)';
      ctx.beginPath();
      const strong = new Path2D();
      for (let row = 0; row < grid.F; row++) {
        for (let col = 0; col < grid.T; col++) {
          const p = row * grid.T + col;
          const r = cell(p);
          if (col + 1 < grid.T) {
            const x = Math.round(r.x + r.w) + 0.5;
            const same = groups.group[p] === groups.group[p + 1];
            (same ? ctx : strong).moveTo(x, r.y);
            (same ? ctx : strong).lineTo(x, r.y + r.h);
          }
          if (row + 1 < grid.F) {
            const y = Math.round(r.y) + 0.5;
            const same = groups.group[p] === groups.group[p + grid.T];
            (same ? ctx : strong).moveTo(r.x, y);
            (same ? ctx : strong).lineTo(r.x + r.w, y);
          }
        }
      }
      ctx.stroke();
      ctx.strokeStyle = 'rgba(8,10,14,0.95)';
      ctx.lineWidth = 2;
      ctx.stroke(strong);

      if (shading) {
        // Near-ties (≤ 1e-4) also get hatching, so they read without colour too.
        for (let p = 0; p < P; p++) {
          const t = marginT(groups.groupMargin[p]);
          if (!(t < 1 / 3)) continue;
          const r = cell(p);
          {
            ctx.save();
            ctx.beginPath();
            ctx.rect(r.x, r.y, r.w, r.h);
            ctx.clip();
            ctx.strokeStyle = 'rgba(60,16,0,0.5)';
            ctx.lineWidth = 1;
            ctx.beginPath();
            for (let d = -r.h; d < r.w; d += 5) {
              ctx.moveTo(r.x + d, r.y + r.h);
              ctx.lineTo(r.x + d + r.h, r.y);
            }
            ctx.stroke();
            ctx.restore();
          }
        }
      }
    }

    // Padding past the end of the file.
    if (win.validFrames < grid.frames) {
      const x0 = X(win.validFrames);
      ctx.save();
      ctx.beginPath();
      ctx.rect(x0, M.top, M.left + plotW - x0, plotH);
      ctx.clip();
      // With the shading on, the colours under the padding are the point: no veil, only its edge and label.
      if (!(shading && layer > 0)) {
        ctx.fillStyle = 'rgba(10,12,16,0.3)';
        ctx.fillRect(x0, M.top, M.left + plotW - x0, plotH);
        ctx.strokeStyle = 'rgba(220,228,245,0.3)';
        ctx.lineWidth = 1;
        ctx.beginPath();
        for (let d = -plotH; d < plotW; d += 9) {
          ctx.moveTo(x0 + d, M.top + plotH);
          ctx.lineTo(x0 + d + plotH, M.top);
        }
        ctx.stroke();
      }
      ctx.restore();
      ctx.strokeStyle = '#e8eefc';
      ctx.setLineDash([4, 3]);
      ctx.beginPath();
      ctx.moveTo(Math.round(x0) + 0.5, M.top);
      ctx.lineTo(Math.round(x0) + 0.5, M.top + plotH);
      ctx.stroke();
      ctx.setLineDash([]);
      const label = 'padding (past end of file)';
      ctx.font = '11px system-ui, sans-serif';
      const tw = ctx.measureText(label).width;
      if (M.left + plotW - x0 > tw + 12) {
        ctx.fillStyle = 'rgba(10,12,16,0.85)';
        ctx.fillRect(x0 + 4, M.top + 4, tw + 8, 16);
        ctx.fillStyle = '#e8eefc';
        ctx.textBaseline = 'middle';
        ctx.fillText(label, x0 + 8, M.top + 12);
      }
    }

    // Hover: the token's patches lit, the rest dimmed, similarity of each merge written in.
    if (hoverGroup !== null && groups) {
      const members = groups.members.get(hoverGroup) ?? [];
      const inGroup = new Uint8Array(P);
      for (const p of members) inGroup[p] = 1;
      ctx.fillStyle = 'rgba(0,0,0,0.55)';
      for (let p = 0; p < P; p++) {
        if (inGroup[p]) continue;
        const r = cell(p);
        ctx.fillRect(r.x, r.y, r.w + 0.5, r.h + 0.5);
      }
      ctx.strokeStyle = '#ffffff';
      ctx.lineWidth = 2;
      for (const p of members) {
        const r = cell(p);
        ctx.strokeRect(r.x + 1, r.y + 1, r.w - 2, r.h - 2);
      }
      const first = cell(members[0]);
      const fontPx = Math.max(8, Math.min(11, Math.floor(first.w / 3.2)));
      if (first.w >= 26 && first.h >= 12) {
        ctx.font = `${fontPx}px system-ui, sans-serif`;
        ctx.textAlign = 'center';
        ctx.textBaseline = 'middle';
        for (const p of members) {
          const r = cell(p);
          const s = groups.lastScore[p];
          const text = Number.isFinite(s) ? s.toFixed(4).replace(/^0/, '') : layer > 0 ? '●' : '';
          if (!text) continue;
          ctx.fillStyle = 'rgba(0,0,0,0.65)';
          const tw = ctx.measureText(text).width;
          ctx.fillRect(r.x + r.w / 2 - tw / 2 - 2, r.y + r.h / 2 - fontPx / 2 - 1, tw + 4, fontPx + 2);
          ctx.fillStyle = '#fff';
          ctx.fillText(text, r.x + r.w / 2, r.y + r.h / 2);
        }
        ctx.textAlign = 'left';
      }
    }

    // Axes: Hz (mel-spaced) and seconds.
    ctx.strokeStyle = '#5a6478';
    ctx.fillStyle = '#9aa4b8';
    ctx.lineWidth = 1;
    ctx.font = '10px system-ui, sans-serif';
    ctx.textAlign = 'right';
    ctx.textBaseline = 'middle';
    for (const t of hzTicks(win.melEdgesHz, 13 / plotH)) {
      const y = M.top + plotH - t.frac * plotH;
      ctx.beginPath();
      ctx.moveTo(M.left - 4, Math.round(y) + 0.5);
      ctx.lineTo(M.left, Math.round(y) + 0.5);
      ctx.stroke();
      ctx.fillText(t.label, M.left - 6, Math.max(M.top + 5, Math.min(M.top + plotH - 5, y)));
    }
    ctx.save();
    ctx.translate(10, M.top + plotH / 2);
    ctx.rotate(-Math.PI / 2);
    ctx.textAlign = 'center';
    ctx.fillText('Hz (mel scale)', 0, 0);
    ctx.restore();
    ctx.textAlign = 'center';
    ctx.textBaseline = 'top';
    const start = win.startS;
    const end = start + grid.frames / 100;
    for (const t of timeTicks(start, end, plotW, 80)) {
      const x = M.left + ((t.t - start) / (end - start)) * plotW;
      ctx.beginPath();
      ctx.moveTo(Math.round(x) + 0.5, M.top + plotH);
      ctx.lineTo(Math.round(x) + 0.5, M.top + plotH + 4);
      ctx.stroke();
      ctx.textAlign = x < M.left + 14 ? 'left' : x > M.left + plotW - 14 ? 'right' : 'center';
      ctx.fillText(t.label, x, M.top + plotH + 6);
    }
  }, [W, H, plotW, plotH, win, stats, groups, layer, shading, hover, model]); // eslint-disable-line react-hooks/exhaustive-deps

  const onMove = (e: React.MouseEvent<HTMLCanvasElement>) => {
    if (!grid) return;
    const r = e.currentTarget.getBoundingClientRect();
    const x = e.clientX - r.left;
    const y = e.clientY - r.top;
    const frame = ((x - M.left) / plotW) * grid.frames;
    const bin = ((M.top + plotH - y) / plotH) * grid.bins;
    if (frame < 0 || frame >= grid.frames || bin < 0 || bin >= grid.bins) return setHover(null);
    const col = Math.min(grid.T - 1, Math.floor(frame / grid.ts));
    const row = Math.min(grid.F - 1, Math.floor(bin / grid.fs));
    const p = row * grid.T + col;
    if (!hover || hover.p !== p || Math.abs(hover.x - x) > 4 || Math.abs(hover.y - y) > 4) setHover({ p, x, y });
  };

  const tokensNow = groups?.tokens ?? run?.tokensPerLayer[Math.min(layer, L)] ?? model?.numTokens ?? 0;
  // Median group margin over the padded patches and over the audio (tests and the curious read these).
  const marginMedians = useMemo(() => {
    if (!groups || !grid || !win || layer === 0) return { pad: '', audio: '' };
    const pad: number[] = [];
    const audio: number[] = [];
    groups.groupMargin.forEach((m, p) => {
      if (Number.isFinite(m)) (cellFrames(grid, p % grid.T)[0] >= win.validFrames ? pad : audio).push(m);
    });
    const median = (a: number[]) => (a.length ? a.sort((x, y) => x - y)[a.length >> 1].toExponential(2) : '');
    return { pad: median(pad), audio: median(audio) };
  }, [groups, win, layer]); // eslint-disable-line react-hooks/exhaustive-deps
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
          data-focus={focusS}
          data-valid-frames={win?.validFrames ?? ''}
          data-margin-pad={marginMedians.pad}
          data-margin-audio={marginMedians.audio}
          onMouseMove={onMove}
          onMouseLeave={() => setHover(null)}
        />
        {hover && groups && grid && win && <HoverCard hover={hover} groups={groups} grid={grid} win={win} layer={layer} boxW={W} plotH={plotH} model={model!} />}
      </div>
      {shading ? (
        <div className="legend muted" data-testid="clarity-legend">
          <span>smallest margin of the merge decisions that formed each token (cosine units, up to this layer):</span>
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
            <i className="sw none" /> no decision (r = 0, or only merged into)
          </span>
          <span>hover: the margin of each merge</span>
        </div>
      ) : (
        <div className="legend muted">
          <span>
            <i className="sw grey" /> patch on its own
          </span>
          <span>
            <i className="sw tint" /> merged: one tint per token, borders between tokens
          </span>
          <span>
            <i className="sw gold" /> merged into the distillation token
          </span>
          <span>
            <i className="sw pad" /> padding
          </span>
          <span>hover a patch: its token's patches light up, with the similarity of the merge each joined by</span>
        </div>
      )}
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
  const layer = useMerge((s) => s.layer);
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

function HoverCard(props: { hover: { p: number; x: number; y: number }; groups: LayerGroups; grid: Grid; win: WindowInput; layer: number; boxW: number; plotH: number; model: ModelInfo }) {
  const { hover, groups, grid, win, layer, boxW, model } = props;
  const k = groups.group[hover.p];
  const members = groups.members.get(k) ?? [];
  const row = Math.floor(hover.p / grid.T);
  const col = hover.p % grid.T;
  let tMin = Infinity;
  let tMax = -Infinity;
  let fMin = Infinity;
  let fMax = -Infinity;
  for (const p of members) {
    const [t0, t1] = cellFrames(grid, p % grid.T);
    const [b0, b1] = cellBins(grid, Math.floor(p / grid.T));
    tMin = Math.min(tMin, t0);
    tMax = Math.max(tMax, t1);
    fMin = Math.min(fMin, b0);
    fMax = Math.max(fMax, b1);
  }
  const hz = (b: number) => Math.round(hzAt(win.melEdgesHz, b / grid.bins));
  // Merges that formed this token, grouped by layer and similarity.
  const merges = new Map<string, { layer: number; score: number; margin: number; n: number }>();
  for (const p of members) {
    const s = groups.lastScore[p];
    if (!Number.isFinite(s)) continue;
    const key = `${groups.lastLayer[p]}|${s.toFixed(6)}`;
    const m = merges.get(key) ?? { layer: groups.lastLayer[p], score: s, margin: groups.lastMargin[p], n: 0 };
    m.n++;
    merges.set(key, m);
  }
  const list = [...merges.values()].sort((a, b) => a.layer - b.layer || b.score - a.score).slice(0, 8);
  const sp = groups.special.get(k);
  const padded = members.every((p) => cellFrames(grid, p % grid.T)[0] >= win.validFrames);
  // The card sits in the top corner away from the cursor, so it hides as little of the group as it can.
  const left = hover.x < boxW / 2 ? Math.max(0, boxW - 340) : 56;
  const own = groups.lastScore[hover.p];
  return (
    <div className="hover-card" style={{ left, top: 12 }} data-testid="hover-card">
      <div>
        <b>
          patch {hover.p} (row {row}, col {col})
        </b>
        {layer > 0 ? (
          <>
            {' '}
            → token {k} after layer {layer}
          </>
        ) : (
          ' · model input'
        )}
      </div>
      <div className="muted">
        {members.length} patch{members.length === 1 ? '' : 'es'} · {(win.startS + tMin / 100).toFixed(2)}–{(win.startS + tMax / 100).toFixed(2)} s · {hz(fMin)}–{hz(fMax)} Hz
        {sp === 'dist' ? ' · merged into the distillation token' : sp === 'cls' ? ' · merged into the class token' : ''}
        {padded ? ' · padding only' : ''}
      </div>
      {layer > 0 && (
        <div>
          this patch:{' '}
          {Number.isFinite(own)
            ? `joined at layer ${groups.lastLayer[hover.p]}, similarity ${own.toFixed(5)}, margin ${formatMargin(groups.lastMargin[hover.p])}`
            : 'never the source of a merge (● in the view)'}
        </div>
      )}
      {layer > 0 && (
        <div data-testid="hover-margin">
          token's decisions: smallest margin <b>{formatMargin(groups.groupMargin[hover.p])}</b> <span className="muted">({marginWord(groups.groupMargin[hover.p])})</span>
        </div>
      )}
      {list.length > 0 && (
        <table className="merges">
          <tbody>
            {list.map((m) => (
              <tr key={`${m.layer}|${m.score}`}>
                <td>layer {m.layer}</td>
                <td>sim {m.score.toFixed(5)}</td>
                <td className="muted">margin {formatMargin(m.margin)}</td>
                <td className="muted">
                  {m.n} patch{m.n === 1 ? '' : 'es'}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {merges.size > list.length && <div className="muted">… {merges.size - list.length} more merges</div>}
      {layer === 0 && <div className="muted">scrub to a layer to see the groups; {model.numTokens} tokens enter layer 1</div>}
    </div>
  );
}
