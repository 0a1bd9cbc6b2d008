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
