// Errors about a file's contents say where and what was expected, never what is there: serve
// opens any file its client names, so an error that quoted a line (as JSON.parse's own message
// does) would read that file out to whoever asked.

/**
 * Where JSON text that JSON.parse refused goes wrong and what was expected there, as
 * "at line L, column C: expected …" ('' where the scan finds nothing, e.g. a bad escape).
 */
export function jsonSyntaxAt(text: string): string {
  const fault = firstJsonFault(text);
  if (!fault) return '';
  const before = text.slice(0, fault.at);
  const line = before.split('\n').length;
  return `at line ${line}, column ${fault.at - before.lastIndexOf('\n')}: expected ${fault.expected}`;
}

/** What kind of value a field holds, in words, without its value. */
export function valueKind(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (v === null) return 'null';
  if (typeof v === 'string') return `a string (${v.length} character${v.length === 1 ? '' : 's'})`;
  if (typeof v === 'boolean') return 'true or false';
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) return 'a non-finite number';
    if (!Number.isInteger(v)) return 'a fractional number';
    return v <= 0 ? 'a number ≤ 0' : 'a positive integer';
  }
  if (Array.isArray(v)) return `a list (${v.length} item${v.length === 1 ? '' : 's'})`;
  return 'an object';
}

interface Fault {
  at: number;
  expected: string;
}

/** A small JSON scanner that only finds the first place the grammar breaks. */
function firstJsonFault(text: string): Fault | null {
  let i = 0;
  const fail = (expected: string): never => {
    throw { at: i, expected } satisfies Fault;
  };
  const space = () => {
    while (i < text.length && ' \t\n\r'.includes(text[i])) i++;
  };
  const string = () => {
    for (i++; i < text.length; i++) {
      if (text[i] === '"') return void i++;
      if (text[i] === '\\') i++;
      else if (text[i] < ' ') fail('a closing quote before the line ends');
    }
    fail('a closing quote');
  };
  const members = (close: string, member: () => void) => {
    i++;
    space();
    if (text[i] === close) return void i++;
    for (;;) {
      member();
      space();
      if (text[i] === ',') i++;
      else if (text[i] === close) return void i++;
      else fail(`"," or "${close}"`);
    }
  };
  const value = (): void => {
    space();
    const c = text[i];
    if (c === '{') {
      return members('}', () => {
        space();
        if (text[i] !== '"') fail('a "quoted" property name');
        string();
        space();
        if (text[i] !== ':') fail('":"');
        i++;
        value();
      });
    }
    if (c === '[') return members(']', value);
    if (c === '"') return string();
    const number = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i, i + 64));
    if (number) return void (i += number[0].length);
    const word = ['true', 'false', 'null'].find((w) => text.startsWith(w, i));
    if (word) return void (i += word.length);
    fail(i >= text.length ? 'more (the text stops short)' : 'a value (object, list, "string", number, true, false or null)');
  };
  try {
    value();
    space();
    if (i < text.length) fail('the end of the text');
    return null;
  } catch (e) {
    if (typeof e === 'object' && e !== null && 'at' in e) return e as Fault;
    return null; // nesting too deep for the stack: no place to name
  }
}
