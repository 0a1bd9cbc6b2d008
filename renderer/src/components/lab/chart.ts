/**
 * The trade-off chart's arithmetic, apart from React: series per model × weights (and schedule
 * shape and prop-attn flag when the sweep has several), nice axis ticks, number formats, and turning the
 * drawn SVG into a file (self-contained SVG text, PNG bytes).
 */
import type { LabResult, LabRow, WeightsPrecision } from '../../../../app/contract/index.js';

/** One colour per model, in the order the sweep lists them (distinct on the dark panel and on white). */
export const MODEL_COLOURS = ['#6f9cff', '#ffb547', '#4fc38a', '#ff6b6b', '#c490ff', '#4dd0e1', '#f78fb3', '#a3d65c'];
/** Line dash per schedule shape (float32 weights). */
export const SHAPE_DASH: Record<string, string> = { constant: '', decreasing: '7 4', increasing: '2 4' };
/** Line dash per schedule shape for int8 weights: dashed where float32 is solid, and apart from every float32 dash. */
export const INT8_DASH: Record<string, string> = { constant: '4 3', decreasing: '12 3 3 3', increasing: '1 3 5 3' };

export interface ChartPoint {
  /** Index into result.rows. */
  row: number;
  /** Throughput, clips/s. */
  x: number;
  /** Accuracy or mAP, in %. */
  y: number;
  /** 95 % interval of y, in % (Wilson for accuracy; mAP has none: equal to y). */
  yLow: number;
  yHigh: number;
  /** 95 % bootstrap interval of x, clips/s. */
  xLow: number;
  xHigh: number;
}

export interface Series {
  key: string;
  model: string;
  colour: string;
  shape: string;
  propAttn: boolean;
  weights: WeightsPrecision;
  dash: string;
  /** In the order of r (the curve runs from r = smallest to largest). */
  points: ChartPoint[];
}

export interface ChartModel {
  series: Series[];
  models: { id: string; colour: string }[];
  /** Rows without a timing (cannot be placed on the x axis). */
  unplaced: number[];
  /** Several shapes, prop-attn flags or weights in the sweep: the legend explains line styles too. */
  styles: { label: string; propAttn: boolean; dash: string }[];
  metric: string;
}

export function colourOf(result: LabResult, model: string): string {
  const i = result.models.findIndex((m) => m.id === model);
  return MODEL_COLOURS[(i < 0 ? 0 : i) % MODEL_COLOURS.length];
}

export function metricName(result: LabResult): string {
  const kinds = new Set(result.rows.map((r) => r.metric));
  return kinds.size === 1 ? (kinds.has('mAP') ? 'mAP' : 'accuracy') : 'accuracy / mAP';
}

export function chartModel(result: LabResult): ChartModel {
  const byKey = new Map<string, Series>();
  const unplaced: number[] = [];
  result.rows.forEach((row, i) => {
    if (!row.timing || !Number.isFinite(row.score)) {
      unplaced.push(i);
      return;
    }
    const weights = row.setting.weights ?? 'float32';
    const key = `${row.model}|${row.setting.shape}|${row.setting.propAttn}|${weights}`;
    let s = byKey.get(key);
    if (!s) {
      const dash = (weights === 'int8' ? INT8_DASH : SHAPE_DASH)[row.setting.shape] ?? '';
      s = { key, model: row.model, colour: colourOf(result, row.model), shape: row.setting.shape, propAttn: row.setting.propAttn, weights, dash, points: [] };
      byKey.set(key, s);
    }
    // Only accuracy has an interval from the host (Wilson); mAP's point stands alone.
    const interval = row.metric === 'accuracy';
    s.points.push({
      row: i,
      x: row.timing.clipsPerS,
      y: row.score * 100,
      yLow: interval ? Math.min(row.accuracyLow, row.score) * 100 : row.score * 100,
      yHigh: interval ? Math.max(row.accuracyHigh, row.score) * 100 : row.score * 100,
      xLow: Math.min(row.timing.clipsPerSLow, row.timing.clipsPerS),
      xHigh: Math.max(row.timing.clipsPerSHigh, row.timing.clipsPerS),
    });
  });
  const series = [...byKey.values()];
  for (const s of series) s.points.sort((a, b) => result.rows[a.row].setting.r - result.rows[b.row].setting.r);
  // A style's label names only what varies in this sweep ("int8", "decreasing, int8", "constant, no prop-attn").
  const varies = (f: (s: Series) => unknown) => new Set(series.map(f)).size > 1;
  const [shapes, weights] = [varies((s) => s.shape), varies((s) => s.weights)];
  const styleKeys = new Map<string, { label: string; propAttn: boolean; dash: string }>();
  for (const s of series) {
    const label = [shapes || !weights ? s.shape : '', weights ? s.weights : '', s.propAttn ? '' : 'no prop-attn'].filter(Boolean).join(', ');
    styleKeys.set(`${s.shape}|${s.propAttn}|${s.weights}`, { label, propAttn: s.propAttn, dash: s.dash });
  }
  return {
    series,
    models: result.models.map((m) => ({ id: m.id, colour: colourOf(result, m.id) })),
    unplaced,
    styles: styleKeys.size > 1 ? [...styleKeys.values()] : [],
    metric: metricName(result),
  };
}

/** About `count` round tick values covering [lo, hi] (1, 2, 2.5, 5 × 10^k steps). */
export function niceTicks(lo: number, hi: number, count = 5): { ticks: number[]; lo: number; hi: number; step: number } {
  if (!(hi > lo)) {
    const pad = Math.abs(lo) > 0 ? Math.abs(lo) * 0.05 : 1;
    lo -= pad;
    hi += pad;
  }
  const raw = (hi - lo) / Math.max(1, count);
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  const a = Math.floor(lo / step + 1e-9) * step;
  const b = Math.ceil(hi / step - 1e-9) * step;
  const ticks: number[] = [];
  for (let v = a; v <= b + step * 1e-6; v += step) ticks.push(Number(v.toFixed(10)));
  return { ticks, lo: a, hi: b, step };
}

/**
 * The smallest span of the accuracy axis, in percentage points. With few clips every point sits
 * at the same few values (10 clips: multiples of 10 %) and an axis fitted to the points alone
 * zoomed to 89–91 %, so noise looked like a result. 10 points is wide enough that a 1-point
 * difference between settings reads as small, narrow enough that a real 3–5 point drop shows.
 */
export const MIN_Y_SPAN = 10;

/**
 * Axis domains that never zoom into noise:
 * - y (accuracy, %): covers every point's 95 % interval (the union of the whiskers) and at least
 *   MIN_Y_SPAN points, centred on the data, within 0…100 %;
 * - x (clips/s): starts at 0, so the eye reads ratios of throughput as ratios of length (9.6 vs
 *   15 clips/s must not look like 1 vs 10), and reaches past every interval's upper end.
 */
export function domains(points: ChartPoint[]): { x: ReturnType<typeof niceTicks>; y: ReturnType<typeof niceTicks> } {
  const xMax = Math.max(...points.map((p) => Math.max(p.x, p.xHigh)));
  let lo = Math.min(...points.map((p) => Math.min(p.y, p.yLow)));
  let hi = Math.max(...points.map((p) => Math.max(p.y, p.yHigh)));
  if (hi - lo < MIN_Y_SPAN) {
    const mid = (lo + hi) / 2;
    lo = mid - MIN_Y_SPAN / 2;
    hi = mid + MIN_Y_SPAN / 2;
    // Against a wall (0 % or 100 %), the span goes to the other side instead of past the wall.
    if (hi > 100) [lo, hi] = [lo - (hi - 100), 100];
    if (lo < 0) [lo, hi] = [0, hi - lo];
  }
  // A little room so that whiskers and point labels do not sit on the frame.
  const pad = (hi - lo) * 0.04;
  return {
    x: niceTicks(0, Math.max(xMax * 1.06, 0.1), 6),
    y: niceTicks(Math.max(0, lo - pad), Math.min(100, hi + pad), 5),
  };
}

export const pct = (x: number, digits = 2) => (Number.isFinite(x) ? `${(x * 100).toFixed(digits)} %` : '—');
export const fixed = (x: number | undefined | null, digits = 1) => (x !== undefined && x !== null && Number.isFinite(x) ? x.toFixed(digits) : '—');
/** A row's speed-up against r = 0, paired per clip: "1.84× (IQR 1.71–1.95, 80 pairs)". */
export function speedupText(s: { median: number; q1: number; q3: number; pairs: number }): string {
  return `${s.median.toFixed(2)}× (IQR ${s.q1.toFixed(2)}–${s.q3.toFixed(2)}, ${s.pairs} pair${s.pairs === 1 ? '' : 's'})`;
}

/** A tick value with as many decimals as its step needs (2.5 → one, 20 → none). */
export function tickText(v: number, step: number): string {
  let d = 0;
  while (d < 4 && Math.abs(Math.round(step * 10 ** d) - step * 10 ** d) > 1e-6 * 10 ** d) d++;
  return v.toFixed(d);
}

/** "r 16 · constant · int8" — how a setting reads in the table, chart and tooltips (float32 and prop-attn go unsaid). */
export function settingText(row: LabRow): string {
  return `r ${row.setting.r} · ${row.setting.shape}${row.setting.propAttn ? '' : ' · no prop-attn'}${row.setting.weights === 'int8' ? ' · int8' : ''}`;
}

/** Model ids without the shared prefix ("ast-tiny-esc10-cmkd" → "cmkd" beside "…-plain"), for narrow places. */
export function shortNames(ids: string[]): Map<string, string> {
  if (ids.length < 2) return new Map(ids.map((id) => [id, id]));
  let prefix = ids[0];
  for (const id of ids) while (!id.startsWith(prefix)) prefix = prefix.slice(0, -1);
  const cut = prefix.lastIndexOf('-') + 1;
  return new Map(ids.map((id) => [id, id.slice(cut) || id]));
}

/** The drawn chart as a standalone SVG file (interactive-only parts left out). */
export function svgText(svg: SVGSVGElement): string {
  const copy = svg.cloneNode(true) as SVGSVGElement;
  copy.querySelectorAll('[data-export="skip"]').forEach((el) => el.remove());
  copy.removeAttribute('class');
  copy.removeAttribute('style');
  copy.setAttribute('xmlns', 'http://www.w3.org/2000/svg');
  return `<?xml version="1.0" encoding="UTF-8"?>\n${new XMLSerializer().serializeToString(copy)}\n`;
}

/** The SVG rendered to PNG bytes at `scale` × its size. */
export async function pngBytes(svg: string, width: number, height: number, scale = 2): Promise<Uint8Array> {
  const url = URL.createObjectURL(new Blob([svg], { type: 'image/svg+xml' }));
  try {
    const img = new Image();
    img.src = url;
    await img.decode();
    const canvas = document.createElement('canvas');
    canvas.width = Math.round(width * scale);
    canvas.height = Math.round(height * scale);
    const ctx = canvas.getContext('2d')!;
    ctx.drawImage(img, 0, 0, canvas.width, canvas.height);
    const blob = await new Promise<Blob>((res, rej) => canvas.toBlob((b) => (b ? res(b) : rej(new Error('the browser could not encode the PNG'))), 'image/png'));
    return new Uint8Array(await blob.arrayBuffer());
  } finally {
    URL.revokeObjectURL(url);
  }
}
