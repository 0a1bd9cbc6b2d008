/** Kaldi mel scale (what the model's fbank uses). */
export const hzToMel = (hz: number) => 1127 * Math.log(1 + hz / 700);
export const melToHz = (mel: number) => 700 * (Math.exp(mel / 1127) - 1);

const NICE_HZ = [50, 100, 200, 300, 500, 1000, 1500, 2000, 3000, 4000, 5000, 6000, 8000];

/**
 * Tick positions for a mel-scaled frequency axis with `edges` (bins + 1 band edges in Hz):
 * fraction 0 = bottom (lowest band), 1 = top. Ticks closer than `minGap` (fraction) are dropped.
 */
export function hzTicks(edges: ArrayLike<number>, minGap: number): { hz: number; frac: number; label: string }[] {
  const lo = hzToMel(edges[0]);
  const hi = hzToMel(edges[edges.length - 1]);
  const out: { hz: number; frac: number; label: string }[] = [];
  for (const hz of NICE_HZ) {
    if (hz < edges[0] || hz > edges[edges.length - 1]) continue;
    const frac = (hzToMel(hz) - lo) / (hi - lo);
    if (out.length && frac - out[out.length - 1].frac < minGap) continue;
    out.push({ hz, frac, label: hz >= 1000 ? `${hz / 1000}k` : `${hz}` });
  }
  return out;
}

/** Frequency (Hz) at a fraction of the mel axis. */
export function hzAt(edges: ArrayLike<number>, frac: number): number {
  const lo = hzToMel(edges[0]);
  const hi = hzToMel(edges[edges.length - 1]);
  return melToHz(lo + frac * (hi - lo));
}

/** Time ticks for [startS, endS] across `px` pixels, about one per `every` px. */
export function timeTicks(startS: number, endS: number, px: number, every = 90): { t: number; label: string }[] {
  const span = endS - startS;
  if (span <= 0 || px <= 0) return [];
  const raw = (span / px) * every;
  const steps = [0.01, 0.02, 0.05, 0.1, 0.2, 0.25, 0.5, 1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600];
  const step = steps.find((s) => s >= raw) ?? 3600;
  const out: { t: number; label: string }[] = [];
  for (let t = Math.ceil(startS / step - 1e-9) * step; t <= endS + 1e-9; t += step) out.push({ t, label: formatTime(t, step) });
  return out;
}

export function formatTime(t: number, step = 1): string {
  const digits = step < 0.1 ? 2 : step < 1 ? 1 : 0;
  if (t < 60) return `${t.toFixed(digits)}s`;
  const m = Math.floor(t / 60);
  const s = t - m * 60;
  return `${m}:${s.toFixed(digits).padStart(digits ? 3 + digits : 2, '0')}`;
}

export function formatClock(t: number): string {
  const m = Math.floor(t / 60);
  const s = t - m * 60;
  return `${m}:${s.toFixed(2).padStart(5, '0')}`;
}

/** Fraction of the mel axis (0 = bottom edge, 1 = top) at frequency `hz`, clamped to the axis. */
export function hzFrac(edges: ArrayLike<number>, hz: number): number {
  const lo = hzToMel(edges[0]);
  const hi = hzToMel(edges[edges.length - 1]);
  return Math.max(0, Math.min(1, (hzToMel(Math.max(0, hz)) - lo) / (hi - lo)));
}

/**
 * The box between two points of a mel-frequency plot, as a selection: times ordered, and the
 * band from the fractions' frequencies (rounded to whole Hz, low below high).
 */
export function boxSelection(edges: ArrayLike<number>, t0: number, t1: number, f0: number, f1: number): { startS: number; endS: number; lowHz: number; highHz: number } {
  const a = Math.round(hzAt(edges, Math.max(0, Math.min(1, Math.min(f0, f1)))));
  const b = Math.round(hzAt(edges, Math.max(0, Math.min(1, Math.max(f0, f1)))));
  return { startS: Math.max(0, Math.min(t0, t1)), endS: Math.max(t0, t1), lowHz: a, highHz: b };
}

/**
 * Ticks for a symmetric amplitude axis whose half-height is `peak` (fraction of full scale):
 * the peak itself, half of it, and 0, each labelled with two significant digits.
 */
export function amplitudeTicks(peak: number): { value: number; label: string }[] {
  if (!(peak > 0)) return [];
  const label = (v: number) => {
    if (v === 0) return '0';
    const text = Math.abs(v) >= 0.095 ? Math.abs(v).toFixed(2) : Math.abs(v).toPrecision(2);
    return `${v < 0 ? '−' : ''}${text}`;
  };
  return [peak, peak / 2, 0, -peak / 2, -peak].map((value) => ({ value, label: label(value) }));
}
