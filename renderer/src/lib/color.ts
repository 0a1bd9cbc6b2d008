/** Colour maps and palettes for canvases. */

type Stop = [t: number, r: number, g: number, b: number];

/** 256 RGB entries interpolated linearly between `stops` (t from 0 to 1). */
function lutFrom(stops: readonly Stop[]): Uint8Array {
  const lut = new Uint8Array(256 * 3);
  for (let i = 0; i < 256; i++) {
    const t = i / 255;
    let k = 0;
    while (k < stops.length - 2 && t > stops[k + 1][0]) k++;
    const [t0, r0, g0, b0] = stops[k];
    const [t1, r1, g1, b1] = stops[k + 1];
    const f = (t - t0) / (t1 - t0);
    lut[i * 3] = r0 + (r1 - r0) * f;
    lut[i * 3 + 1] = g0 + (g1 - g0) * f;
    lut[i * 3 + 2] = b0 + (b1 - b0) * f;
  }
  return lut;
}

/** A perceptual dark-to-bright map (magma-like), 256 RGB entries. */
export const MAGMA: Uint8Array = lutFrom([
  [0.0, 0, 0, 4],
  [0.13, 28, 16, 68],
  [0.25, 79, 18, 123],
  [0.38, 129, 37, 129],
  [0.5, 181, 54, 122],
  [0.63, 229, 80, 100],
  [0.75, 251, 135, 97],
  [0.88, 254, 194, 135],
  [1.0, 252, 253, 191],
]);

/** Viridis (matplotlib's default perceptual map, sampled at nine points). */
export const VIRIDIS: Uint8Array = lutFrom([
  [0.0, 68, 1, 84],
  [0.125, 71, 44, 122],
  [0.25, 59, 81, 139],
  [0.375, 44, 113, 142],
  [0.5, 33, 144, 141],
  [0.625, 39, 173, 129],
  [0.75, 92, 200, 99],
  [0.875, 170, 220, 50],
  [1.0, 253, 231, 37],
]);

/** Grey, black to white: what print and Raven's default look like. */
export const GREY: Uint8Array = lutFrom([
  [0, 0, 0, 0],
  [1, 255, 255, 255],
]);

/** The colour maps the spectrograms offer, by name. */
export const COLOR_MAPS = { magma: MAGMA, viridis: VIRIDIS, grey: GREY } as const;
export type ColorMapName = keyof typeof COLOR_MAPS;
export const COLOR_MAP_NAMES = Object.keys(COLOR_MAPS) as ColorMapName[];

export function isColorMapName(v: unknown): v is ColorMapName {
  return typeof v === 'string' && v in COLOR_MAPS;
}

/** CSS gradient of a map, low at the left (or the bottom with `to top`). */
export function mapGradient(name: ColorMapName, direction = '90deg'): string {
  const lut = COLOR_MAPS[name];
  const stops: string[] = [];
  for (let i = 0; i <= 8; i++) {
    const k = Math.round((i / 8) * 255) * 3;
    stops.push(`rgb(${lut[k]},${lut[k + 1]},${lut[k + 2]}) ${(i * 12.5).toFixed(1)}%`);
  }
  return `linear-gradient(${direction}, ${stops.join(', ')})`;
}

/** Hues for token groups: spread around the wheel, neighbours far apart. */
// No yellows: gold marks the distillation token, red the class token.
export const GROUP_HUES = [205, 130, 320, 175, 265, 95, 295, 150, 235, 20, 340, 190];

/** Distinct colours for class labels in the label lane (index → colour). */
export function classColor(index: number, alpha = 1): string {
  const hue = (index * 137.508) % 360;
  return `hsla(${hue.toFixed(0)}, 65%, 55%, ${alpha})`;
}

/** The RGB (0…255) of classColor(index) at full opacity. */
export function classRgb(index: number): [number, number, number] {
  const h = (index * 137.508) % 360;
  const s = 0.65;
  const l = 0.55;
  const k = (n: number) => (n + h / 30) % 12;
  const a = s * Math.min(l, 1 - l);
  const f = (n: number) => l - a * Math.max(-1, Math.min(k(n) - 3, 9 - k(n), 1));
  return [f(0) * 255, f(8) * 255, f(4) * 255];
}

/** Dark or light text, whichever reads on classColor(index, alpha) over the dark panel. */
export function textOnClass(index: number, alpha: number): string {
  const bg = [20, 24, 33];
  const rgb = classRgb(index).map((c, i) => c * alpha + bg[i] * (1 - alpha));
  const lin = rgb.map((c) => {
    const v = c / 255;
    return v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
  });
  const lum = 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2];
  // Contrast with black (lum + 0.05) / 0.05 against white 1.05 / (lum + 0.05): equal near 0.18.
  return lum > 0.18 ? '#0b0d12' : '#f4f6fb';
}

/** A token group's tint over the spectrogram: its hue at `alpha`. */
export function groupTint(hue: number, alpha: number): string {
  return `hsla(${hue}, 85%, 58%, ${alpha})`;
}

/**
 * Merge-decision margins (cosine units) on a log scale: ≤ 1e-5 is a near-tie (the model's
 * choice was arbitrary), ≥ 1e-2 clear-cut. Both ends are light enough to read on the dark UI.
 */
export const MARGIN_LOG_MIN = -5;
export const MARGIN_LOG_MAX = -2;
const MARGIN_STOPS: [number, number, number][] = [
  [255, 77, 61], // ≤ 1e-5: near-tie, red-orange
  [255, 165, 58], // 1e-4: orange
  [238, 221, 130], // 1e-3: pale yellow
  [95, 168, 232], // ≥ 1e-2: clear-cut, light blue
];

/** 0 = near-tie (≤ 1e-5) … 1 = clear-cut (≥ 1e-2); NaN stays NaN. */
export function marginT(m: number): number {
  if (!Number.isFinite(m)) return NaN;
  const lg = Math.log10(Math.max(m, 1e-12));
  return Math.max(0, Math.min(1, (lg - MARGIN_LOG_MIN) / (MARGIN_LOG_MAX - MARGIN_LOG_MIN)));
}

export function marginRgb(m: number): [number, number, number] {
  const t = marginT(m);
  const x = (Number.isNaN(t) ? 1 : t) * (MARGIN_STOPS.length - 1);
  const k = Math.min(MARGIN_STOPS.length - 2, Math.floor(x));
  const f = x - k;
  const a = MARGIN_STOPS[k];
  const b = MARGIN_STOPS[k + 1];
  return [0, 1, 2].map((i) => Math.round(a[i] + (b[i] - a[i]) * f)) as [number, number, number];
}

export function marginFill(m: number): string {
  const [r, g, b] = marginRgb(m);
  return `rgb(${r},${g},${b})`;
}

/** CSS gradient of the margin scale, near-tie at the left. */
export function marginGradient(): string {
  const stops = [];
  for (let i = 0; i <= 12; i++) {
    const lg = MARGIN_LOG_MIN + ((MARGIN_LOG_MAX - MARGIN_LOG_MIN) * i) / 12;
    stops.push(`${marginFill(10 ** lg)} ${((i / 12) * 100).toFixed(1)}%`);
  }
  return `linear-gradient(90deg, ${stops.join(', ')})`;
}

/** "3.2e-5" style, for margins. */
export function formatMargin(m: number): string {
  if (!Number.isFinite(m)) return '—';
  if (m === 0) return '0 (exact tie)';
  return m.toExponential(1).replace('e-', 'e−');
}

export function marginWord(m: number): string {
  if (!Number.isFinite(m)) return 'no decision';
  if (m <= 1e-5) return 'near-tie';
  if (m < 1e-4) return 'almost a tie';
  if (m < 1e-3) return 'close call';
  if (m < 1e-2) return 'fairly clear';
  return 'clear-cut';
}
