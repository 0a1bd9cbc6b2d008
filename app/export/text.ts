/** Small text rules shared by the writers and readers. */

/**
 * A time in whole milliseconds. Segment times are frame indices × 10 ms, but they reach the
 * export as float32 seconds (the wire's Float32Array of window starts): 51.2 s arrives as
 * 51.20000076… and printed with 6 decimals became "51.200001", so one segment's end overlapped
 * the next one's start by 1 µs. Rounding every time to the millisecond, the one way for all
 * formats, gives back the exact value, and, being monotonic, never makes touching segments overlap.
 */
export function ms(seconds: number): number {
  return Math.round(seconds * 1000);
}

/** Whole microseconds as seconds with 6 decimals, built from the integer: no float digits can creep in. */
export function secFromUs(t: number): string {
  const sign = t < 0 ? '-' : '';
  const a = Math.abs(t);
  return `${sign}${Math.floor(a / 1e6)}.${String(a % 1e6).padStart(6, '0')}`;
}

/** Whole milliseconds as seconds with 6 decimals. */
export function secFromMs(t: number): string {
  return secFromUs(t * 1000);
}

/** Seconds as the text formats write them: exact milliseconds, 6 decimals (the column width Audacity and Raven use). */
export function sec(x: number): string {
  return secFromMs(ms(x));
}

/** Seconds rounded to the millisecond, as a number (JSON formats): 51.200000762939453 → 51.2. */
export function exactSeconds(x: number): number {
  return ms(x) / 1000;
}

/** A score with 4 decimals, or '' where the segment has none (drawn by hand). */
export function score(x: number | null): string {
  return x === null ? '' : x.toFixed(4);
}

/** Tab- and line-based formats cannot hold a tab or a line break inside a field. */
export function oneLine(text: string): string {
  return text.replace(/[\t\r\n]+/g, ' ');
}

/** RFC 4180: quote a field holding a comma, a quote or a line break; double the quotes. */
export function csvField(text: string): string {
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** Text lines without the trailing empty one; accepts \n and \r\n (Windows tools) and a UTF-8 BOM. */
export function lines(text: string): string[] {
  const out = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  if (out.length > 0 && out[out.length - 1] === '') out.pop();
  return out;
}

/** A finite number from a field, or undefined (empty or not a number). */
export function num(field: string | undefined): number | undefined {
  if (field === undefined || field.trim() === '') return undefined;
  const v = Number(field.trim());
  return Number.isFinite(v) ? v : undefined;
}
