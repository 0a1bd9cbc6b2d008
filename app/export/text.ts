/** Small text rules shared by the writers and readers. */

/** Seconds as Audacity and Raven write them: 6 decimals (µs), so times survive a round trip to far below 1 ms. */
export function sec(x: number): string {
  return x.toFixed(6);
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
