/**
 * The contract's validators: a small schema DSL (`s`) whose schemas parse untrusted values and
 * whose static types (`Infer`) are the types both sides program against, so that a message's
 * fields are written once. A value that breaks a schema throws FastAstError BAD_REQUEST naming
 * the path of the field at fault.
 */
import { FastAstError } from '../common/errors.js';

export function invalid(message: string): FastAstError {
  return new FastAstError('BAD_REQUEST', message);
}

export interface Schema<T> {
  readonly kind: string;
  readonly optional?: boolean;
  parse(value: unknown, path?: string): T;
}

export type Infer<S> = S extends Schema<infer T> ? T : never;

/** An object schema keeps its fields: `s.object({ ...Base.shape, more })` extends it without restating them. */
export interface ObjectSchema<S extends Record<string, Schema<unknown>>> extends Schema<Simplify<ObjectOut<S>>> {
  readonly shape: S;
}

type OptionalKeys<S> = { [K in keyof S]: S[K] extends { optional: true } ? K : never }[keyof S];
type ObjectOut<S extends Record<string, Schema<unknown>>> = {
  [K in Exclude<keyof S, OptionalKeys<S>>]: Infer<S[K]>;
} & { [K in OptionalKeys<S>]?: Infer<S[K]> };
type Simplify<T> = { [K in keyof T]: T[K] } & {};

export function fail(path: string, expected: string, got: unknown): never {
  const shown = got === null ? 'null' : Array.isArray(got) ? 'array' : ArrayBuffer.isView(got) ? got.constructor.name : typeof got;
  throw invalid(`${path || 'message'}: expected ${expected}, got ${shown}`);
}

interface NumberOpts {
  min?: number;
  max?: number;
  int?: boolean;
  /** Allow NaN / ±Infinity (default false). */
  nonFinite?: boolean;
}

export const s = {
  string(opts: { max?: number; min?: number; pattern?: RegExp } = {}): Schema<string> {
    return {
      kind: 'string',
      parse(v, path = '') {
        if (typeof v !== 'string') fail(path, 'a string', v);
        if (opts.max !== undefined && v.length > opts.max) throw invalid(`${path}: longer than ${opts.max} characters`);
        if (opts.min !== undefined && v.length < opts.min) throw invalid(`${path}: shorter than ${opts.min} characters`);
        if (opts.pattern && !opts.pattern.test(v)) throw invalid(`${path}: ${JSON.stringify(v.slice(0, 80))} does not match ${opts.pattern}`);
        return v;
      },
    };
  },
  number(opts: NumberOpts = {}): Schema<number> {
    return {
      kind: 'number',
      parse(v, path = '') {
        if (typeof v !== 'number') fail(path, 'a number', v);
        if (!opts.nonFinite && !Number.isFinite(v)) throw invalid(`${path}: expected a finite number, got ${v}`);
        if (opts.int && !Number.isInteger(v)) throw invalid(`${path}: expected an integer, got ${v}`);
        if (opts.min !== undefined && v < opts.min) throw invalid(`${path}: ${v} is below ${opts.min}`);
        if (opts.max !== undefined && v > opts.max) throw invalid(`${path}: ${v} is above ${opts.max}`);
        return v;
      },
    };
  },
  /** JSON has no NaN: a number or null (null read as NaN). */
  numberOrNaN(): Schema<number> {
    return {
      kind: 'number',
      parse(v, path = '') {
        if (v === null) return NaN;
        if (typeof v !== 'number') fail(path, 'a number or null', v);
        return v;
      },
    };
  },
  boolean(): Schema<boolean> {
    return {
      kind: 'boolean',
      parse(v, path = '') {
        if (typeof v !== 'boolean') fail(path, 'true or false', v);
        return v;
      },
    };
  },
  literal<const T extends string | number | boolean>(value: T): Schema<T> {
    return {
      kind: 'literal',
      parse(v, path = '') {
        if (v !== value) fail(path, JSON.stringify(value), v);
        return v as T;
      },
    };
  },
  enum<const T extends readonly string[]>(values: T): Schema<T[number]> {
    return {
      kind: 'enum',
      parse(v, path = '') {
        if (typeof v !== 'string' || !values.includes(v)) throw invalid(`${path}: expected one of ${values.join(', ')}, got ${JSON.stringify(v)}`);
        return v as T[number];
      },
    };
  },
  array<T>(item: Schema<T>, opts: { max?: number; min?: number } = {}): Schema<T[]> {
    return {
      kind: 'array',
      parse(v, path = '') {
        if (!Array.isArray(v)) fail(path, 'an array', v);
        if (opts.max !== undefined && v.length > opts.max) throw invalid(`${path}: more than ${opts.max} items`);
        if (opts.min !== undefined && v.length < opts.min) throw invalid(`${path}: fewer than ${opts.min} items`);
        return v.map((x, i) => item.parse(x, `${path}[${i}]`));
      },
    };
  },
  object<S extends Record<string, Schema<unknown>>>(shape: S): ObjectSchema<S> {
    return {
      kind: 'object',
      shape,
      parse(v, path = '') {
        if (typeof v !== 'object' || v === null || Array.isArray(v) || ArrayBuffer.isView(v)) fail(path, 'an object', v);
        const out: Record<string, unknown> = {};
        const obj = v as Record<string, unknown>;
        for (const key of Object.keys(obj)) {
          // Own keys only: `in` would let "constructor", "__proto__" or "toString" through as if declared.
          if (!Object.prototype.hasOwnProperty.call(shape, key)) throw invalid(`${path ? path + '.' : ''}${key}: unexpected field`);
        }
        for (const [key, schema] of Object.entries(shape)) {
          const value = obj[key];
          if (value === undefined) {
            if (schema.optional) continue;
            throw invalid(`${path ? path + '.' : ''}${key}: missing`);
          }
          out[key] = schema.parse(value, path ? `${path}.${key}` : key);
        }
        return out as Simplify<ObjectOut<S>>;
      },
    };
  },
  optional<T>(inner: Schema<T>): Schema<T> & { optional: true } {
    return { kind: inner.kind, optional: true, parse: (v, path) => inner.parse(v, path) };
  },
  nullable<T>(inner: Schema<T>): Schema<T | null> {
    return { kind: inner.kind, parse: (v, path) => (v === null ? null : inner.parse(v, path)) };
  },
  f32(opts: { max?: number } = {}): Schema<Float32Array> {
    return typed('f32', Float32Array, opts.max);
  },
  i32(opts: { max?: number } = {}): Schema<Int32Array> {
    return typed('i32', Int32Array, opts.max);
  },
  u8(opts: { max?: number } = {}): Schema<Uint8Array> {
    return typed('u8', Uint8Array, opts.max);
  },
  /** Any JSON-able value, for opaque payloads (kept small by the caller). */
  unknown(): Schema<unknown> {
    return { kind: 'unknown', parse: (v) => v };
  },
};

function typed<T extends ArrayBufferView>(name: string, ctor: { new (...a: never[]): T; name: string }, max?: number): Schema<T> {
  return {
    kind: name,
    parse(v, path = '') {
      if (!(v instanceof (ctor as unknown as typeof Float32Array))) fail(path, ctor.name, v);
      if (max !== undefined && (v as unknown as Float32Array).length > max) throw invalid(`${path}: more than ${max} elements`);
      return v as unknown as T;
    },
  };
}

/** A group of the contract's requests: per method, the schemas of its params and its result. */
export type MethodTable = Record<string, { params: Schema<unknown>; result: Schema<unknown> }>;
