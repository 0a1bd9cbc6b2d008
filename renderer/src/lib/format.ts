/**
 * Number and text formatting the panels share, pure (test/renderer.format.test.ts): no negative
 * zero, plurals, short reasons for long error texts.
 */

/** `v.toFixed(digits)`, but a value that rounds to zero prints as 0 (never "-0.0"). */
export function fixed(v: number, digits: number): string {
  const text = v.toFixed(digits);
  return Number(text) === 0 ? (0).toFixed(digits) : text;
}

/**
 * A signed difference with a true minus sign: "+1.2", "−0.4", and "0.0" (no sign) for anything
 * that rounds to zero, so a tiny negative change does not read as "−0.0".
 */
export function signed(v: number, digits: number): string {
  const text = fixed(Math.abs(v), digits);
  if (Number(text) === 0) return text;
  return `${v > 0 ? '+' : '−'}${text}`;
}

/** "1 segment", "2 segments", "0 segments"; `many` for irregular plurals. */
export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

/**
 * The first sentence or line of a long technical message (an execution provider's C++ error),
 * cut at `max` characters: what a tooltip or badge shows; the full text stays one click away.
 */
export function shortReason(text: string, max = 90): string {
  const first = text.trim().split(/\r?\n/)[0] ?? '';
  // onnxruntime wraps the reason: "[ErrorCode:…] Exception during initialization: file.cc:123
  // void ns::Class::Method <reason>". Each step peels one of those layers off when it is there.
  const reason =
    first
      .replace(/^(\[[^\]]*\]\s*)+/, '')
      .replace(/^[^:]*?(?:exception|error)[^:]*:\s*/i, '')
      .replace(/^\S+\.(?:cc|cpp|c|h|hpp):\d+\s+/, '')
      .replace(/^(?:[\w<>*&]+\s+)?\w+(?:::\w+)+\s+/, '')
      .trim() || first;
  return reason.length > max ? `${reason.slice(0, max - 1).trimEnd()}…` : reason;
}

/** A frequency for labels: "850 Hz", "2.4 kHz". */
export function hz(v: number): string {
  return v >= 1000 ? `${fixed(v / 1000, v >= 10000 ? 0 : 1)} kHz` : `${Math.round(v)} Hz`;
}

/**
 * A message that names a file once: "Cannot open x.wav: ENOENT …/x.wav" repeats the path,
 * so the path is replaced by the file's name, and dropped from the reason when it is there.
 */
export function fileMessage(prefix: string, path: string, reason: string): string {
  const name = path.split(/[\\/]/).filter(Boolean).pop() ?? path;
  const why = path ? reason.split(path).join('').replace(/\s*[:,]\s*$/, '').replace(/\s{2,}/g, ' ').trim() : reason;
  return `${prefix} ${name}: ${why || 'failed'}`;
}

/**
 * The folder of a labelled set: the set itself when it is a folder, the list file's folder when
 * it is a file (a name with an extension: CSV…). The Lab exports there until the user picks one.
 */
export function folderOf(setPath: string): string {
  const trimmed = setPath.replace(/[\\/]+$/, '');
  const name = trimmed.split(/[\\/]/).pop() ?? '';
  if (!/\.[a-z0-9]{1,5}$/i.test(name)) return trimmed;
  return trimmed.slice(0, trimmed.length - name.length).replace(/[\\/]+$/, '') || trimmed;
}
