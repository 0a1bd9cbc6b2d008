/** Colour maps and palettes for canvases. */

/** A perceptual dark-to-bright map (magma-like), 256 RGB entries. */
export const MAGMA: Uint8Array = (() => {
  const stops: [number, number, number, number][] = [
    [0.0, 0, 0, 4],
    [0.13, 28, 16, 68],
    [0.25, 79, 18, 123],
    [0.38, 129, 37, 129],
    [0.5, 181, 54, 122],
    [0.63, 229, 80, 100],
    [0.75, 251, 135, 97],
    [0.88, 254, 194, 135],
    [1.0, 252, 253, 191],
  ];
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
})();

/** Hues for token groups: spread around the wheel, neighbours far apart. */
// No yellows: gold marks the distillation token, red the class token.
export const GROUP_HUES = [205, 130, 320, 175, 265, 95, 295, 150, 235, 20, 340, 190];

/** Distinct colours for class labels in the label lane (index → colour). */
export function classColor(index: number, alpha = 1): string {
  const hue = (index * 137.508) % 360;
  return `hsla(${hue.toFixed(0)}, 65%, 55%, ${alpha})`;
}

export function groupFill(hue: number | null, level: number): string {
  const v = Math.max(0, Math.min(1, level));
  if (hue === null) return `hsl(0, 0%, ${(10 + 62 * v).toFixed(1)}%)`;
  return `hsl(${hue}, 75%, ${(28 + 44 * v).toFixed(1)}%)`;
}
