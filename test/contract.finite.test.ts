/**
 * Every numeric field of every method's params (and result, and event) schema refuses NaN,
 * Infinity and −Infinity, found by walking the schemas generically, so a method added later is
 * covered without a line here. The schemas expose only `kind` and `parse`, so the walk learns
 * them from parse itself: it starts from a probe value, reads each error (the field's path and
 * what it expected) and fixes that field until the whole value parses; optional fields are found
 * by parsing through a Proxy that records every key the schema reads, and array items by
 * offering one item to each empty array. Fields declared as numberOrNaN (JSON null = NaN, used
 * for "undefined" statistics) are the one intended exception; they are told apart by their own
 * error message ("a number or null").
 */
import { describe, expect, it } from 'vitest';
import { ContractError, events, methods, type Schema } from '../app/contract/index.js';

type Tok = string | number;
type Tree = unknown;

/** A value no schema accepts except `unknown`; its error message names the kind that was expected. */
const PROBE = Symbol('probe');
/** Strings tried in turn against a pattern (ids, file names, sweep ids). */
const STRINGS = ['a', 'a.wav', 'a1', 'abc-1', 'org/name', '0123456789abcdef0123456789abcdef01234567'];

/** A deep copy that keeps PROBE (structuredClone cannot copy a symbol, and an opaque JSON field like session's `view` accepts one). */
function cloneTree(v: Tree): Tree {
  if (ArrayBuffer.isView(v)) return (v as unknown as { slice(): unknown }).slice();
  if (Array.isArray(v)) return v.map(cloneTree);
  if (typeof v === 'object' && v !== null) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, cloneTree(x)]));
  return v;
}

function toks(path: string): Tok[] {
  if (path === '') return [];
  const out: Tok[] = [];
  for (const part of path.matchAll(/([^.[\]]+)|\[(\d+)\]/g)) out.push(part[2] !== undefined ? Number(part[2]) : part[1]);
  return out;
}
function pathString(t: readonly Tok[]): string {
  return t.map((k, i) => (typeof k === 'number' ? `[${k}]` : i === 0 ? k : `.${k}`)).join('');
}
function getAt(root: Tree, t: readonly Tok[]): unknown {
  return t.reduce<unknown>((v, k) => (v as Record<Tok, unknown>)[k], root);
}
/** Sets (or with `undefined`, deletes) the value at `t`; the root is the one cell of `box`. */
function setAt(box: { v: Tree }, t: readonly Tok[], value: unknown): void {
  if (t.length === 0) {
    box.v = value;
    return;
  }
  const parent = getAt(box.v, t.slice(0, -1)) as Record<Tok, unknown>;
  if (value === undefined) delete parent[t.at(-1)!];
  else parent[t.at(-1)!] = value;
}

interface Walk {
  value: Tree;
  /** Path → 'number' (must be finite) or 'numberOrNaN', for every numeric field in `value`. */
  numeric: Map<string, 'number' | 'numberOrNaN'>;
}

function parseError(schema: Schema<unknown>, value: Tree): ContractError | null {
  try {
    schema.parse(value);
    return null;
  } catch (e) {
    if (!(e instanceof ContractError)) throw e;
    return e;
  }
}

/** Fixes `box.v` one reported field at a time until `schema` accepts it; false if it cannot. */
function solve(schema: Schema<unknown>, box: { v: Tree }, numeric: Walk['numeric']): boolean {
  const tries = new Map<string, number>();
  for (let step = 0; step < 5000; step++) {
    const err = parseError(schema, box.v);
    if (!err) return true;
    const m = /^(.*?): (.*)$/s.exec(err.message);
    if (!m) return false;
    // A root error reads "message: …" (the schemas' name for an empty path); once the root is an
    // object, "message" is a field of that name (the notice event has one).
    const rootIsObject = typeof box.v === 'object' && box.v !== null && !Array.isArray(box.v);
    const t = m[1] === 'message' && !rootIsObject ? [] : toks(m[1]);
    const key = pathString(t);
    const msg = m[2];
    const cur = getAt(box.v, t);
    let g: RegExpExecArray | null;
    if (msg === 'missing') setAt(box, t, PROBE);
    else if (msg === 'unexpected field') setAt(box, t, undefined);
    else if (msg.startsWith('expected a number or null,')) {
      numeric.set(key, 'numberOrNaN');
      setAt(box, t, 0);
    } else if (msg.startsWith('expected a number,')) {
      numeric.set(key, 'number');
      setAt(box, t, 0);
    }
    else if (msg.startsWith('expected an integer,')) setAt(box, t, Math.ceil(cur as number));
    else if ((g = /^(\S+) is (below|above) (\S+)$/.exec(msg))) setAt(box, t, Number(g[3]));
    else if (msg.startsWith('expected a string,')) setAt(box, t, STRINGS[0]);
    else if ((g = /^shorter than (\d+) characters$/.exec(msg))) setAt(box, t, 'a'.repeat(Number(g[1])));
    else if (/ does not match /.test(msg)) {
      const n = (tries.get(key) ?? 0) + 1;
      if (n >= STRINGS.length) return false;
      tries.set(key, n);
      setAt(box, t, STRINGS[n]);
    } else if (msg.startsWith('expected true or false,')) setAt(box, t, true);
    else if ((g = /^expected one of (.*?), got /.exec(msg))) setAt(box, t, g[1].split(', ')[0]);
    else if (msg.startsWith('expected an array,')) setAt(box, t, []);
    else if ((g = /^fewer than (\d+) items$/.exec(msg))) setAt(box, t, [...(cur as unknown[]), ...Array(Number(g[1]) - (cur as unknown[]).length).fill(PROBE)]);
    else if (msg.startsWith('expected an object,') || msg === 'expected a JSON object') setAt(box, t, {});
    else if ((g = /^expected (Float32Array|Int32Array|Uint8Array),/.exec(msg))) setAt(box, t, new globalThis[g[1] as 'Float32Array'](1));
    else if ((g = /^expected (".*"|-?\d+(?:\.\d+)?|true|false), got /.exec(msg))) setAt(box, t, JSON.parse(g[1]));
    else return false;
  }
  return false;
}

/** Keys the schema read from objects in `value` that `value` does not have: its optional fields. */
function unreadKeys(schema: Schema<unknown>, value: Tree): Tok[][] {
  const found: Tok[][] = [];
  const wrap = (v: unknown, at: Tok[]): unknown => {
    if (Array.isArray(v)) return v.map((x, i) => wrap(x, [...at, i]));
    if (typeof v !== 'object' || v === null || ArrayBuffer.isView(v)) return v;
    const target = Object.fromEntries(Object.entries(v).map(([k, x]) => [k, wrap(x, [...at, k])]));
    return new Proxy(target, {
      get(o, k) {
        if (typeof k === 'string' && !(k in o)) found.push([...at, k]);
        return Reflect.get(o, k);
      },
    });
  };
  schema.parse(wrap(value, []));
  return found;
}

/** Every empty array in `value`, by path. */
function emptyArrays(v: unknown, at: Tok[] = []): Tok[][] {
  if (Array.isArray(v)) return v.length === 0 ? [at] : v.flatMap((x, i) => emptyArrays(x, [...at, i]));
  if (typeof v !== 'object' || v === null || ArrayBuffer.isView(v)) return [];
  return Object.entries(v).flatMap(([k, x]) => emptyArrays(x, [...at, k]));
}

/** A value `schema` accepts with every optional field present and one item in every array that can hold one. */
function walk(schema: Schema<unknown>): Walk {
  const numeric: Walk['numeric'] = new Map();
  const box = { v: PROBE as Tree };
  if (!solve(schema, box, numeric)) throw new Error(`no valid value found: ${parseError(schema, box.v)?.message}`);
  const refused = new Set<string>();
  for (let round = 0; round < 20; round++) {
    const open = [...unreadKeys(schema, box.v), ...emptyArrays(box.v)].filter((t) => !refused.has(pathString(t)));
    if (open.length === 0) break;
    for (const t of open) {
      const before = cloneTree(box.v);
      const isArray = Array.isArray(getAt(box.v, t));
      setAt(box, t, isArray ? [PROBE] : PROBE);
      if (!solve(schema, box, numeric)) {
        // An array that must stay empty (or a field that cannot be filled): leave it as it was.
        box.v = before;
        refused.add(pathString(t));
      }
    }
  }
  for (const key of [...numeric.keys()]) if (typeof getAt(box.v, toks(key)) !== 'number') numeric.delete(key);
  return { value: box.v, numeric };
}

const SCHEMAS: [string, Schema<unknown>][] = [
  ...Object.entries(methods).flatMap(([name, m]): [string, Schema<unknown>][] => [
    [`${name} params`, m.params],
    [`${name} result`, m.result],
  ]),
  ...Object.entries(events).map(([name, e]): [string, Schema<unknown>] => [`${name} event`, e]),
];

const walks = new Map(SCHEMAS.map(([name, schema]) => [name, walk(schema)]));

describe('the generic schema walk finds the fields (so the NaN checks below are not vacuous)', () => {
  it('finds required, optional, nested, nullable and array-item numeric fields of known methods', () => {
    const finite = (name: string) => [...walks.get(name)!.numeric].filter(([, k]) => k === 'number').map(([p]) => p).sort();
    expect(finite('file.peaks params')).toEqual(['count', 'endS', 'startS']);
    expect(finite('analysis.run params')).toEqual(['hopS', 'merge.r']);
    expect(finite('lab.sweep params')).toEqual(['fold', 'maxClips', 'rs[0]']);
    expect(finite('segments.export params')).toEqual([
      'provenance.hopS', 'provenance.schedule[0]', 'provenance.threshold', 'provenance.windowS',
      'recordings[0].durationS',
      'recordings[0].segments[0].endS', 'recordings[0].segments[0].highHz', 'recordings[0].segments[0].lowHz',
      'recordings[0].segments[0].maxScore', 'recordings[0].segments[0].meanScore',
      'recordings[0].segments[0].provenance.hopS', 'recordings[0].segments[0].provenance.schedule[0]',
      'recordings[0].segments[0].provenance.threshold', 'recordings[0].segments[0].provenance.windowS',
      'recordings[0].segments[0].startS',
      'selection.minScore',
    ]);
    // numberOrNaN fields are found as such, not as finite ones.
    expect(walks.get('lab.sweep result')!.numeric.get('rows[0].map')).toBe('numberOrNaN');
  });

  it('every walked value parses as it is', () => {
    for (const [name, schema] of SCHEMAS) expect(parseError(schema, walks.get(name)!.value), name).toBeNull();
  });
});

describe('NaN, Infinity and −Infinity are refused in every finite numeric field, with the field named', () => {
  it.each(SCHEMAS.map(([name]) => name))('%s', (name) => {
    const schema = SCHEMAS.find(([n]) => n === name)![1];
    const { value, numeric } = walks.get(name)!;
    for (const [path, kind] of numeric) {
      if (kind !== 'number') continue;
      for (const bad of [NaN, Infinity, -Infinity]) {
        const box = { v: cloneTree(value) };
        setAt(box, toks(path), bad);
        const err = parseError(schema, box.v);
        expect(err?.message, `${name}: ${path} = ${bad}`).toBe(`${path}: expected a finite number, got ${bad}`);
      }
    }
  });

  it('numeric fields were found in all methods that have them: at least 60 across the contract', () => {
    const total = [...walks.values()].reduce((n, w) => n + [...w.numeric.values()].filter((k) => k === 'number').length, 0);
    expect(total).toBeGreaterThanOrEqual(60);
  });
});
