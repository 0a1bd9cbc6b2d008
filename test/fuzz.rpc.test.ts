/**
 * RPC fuzzing (issue 12): generated payloads for every method in the contract's registry, sent
 * over a real serve WebSocket. The generator walks each method's params schema (object shapes
 * and field kinds) and builds plausible requests, then breaks them one field at a time: wrong
 * types, empty and huge strings and arrays, deep nesting, prototype keys (__proto__,
 * constructor, prototype), NaN, ±Infinity (written into the JSON text as ±1e999, which the
 * parser reads as ±Infinity), and non-objects in place of the params.
 *
 * Every request must be answered: a result the contract accepts, or a coded error other than
 * INTERNAL (mostly BAD_REQUEST; a well-formed request about a missing file or model gets that
 * error's code). serve must be alive at the end. serve runs with --root on a temp folder, so no
 * generated path can read or write anything else. The seed is fixed (FUZZ_SEED overrides it)
 * and printed with the counts.
 */
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import WebSocket from 'ws';
import { decodeFrame, methods, parseResult, type Envelope, type Method } from '../app/contract/index.js';
import type { Schema } from '../app/contract/schema.js';
import { startServeProcess, type ServeProcess } from './support/serve-process.js';
import { seededRandom } from '../app/common/random.js';

const SEED = Number(process.env.FUZZ_SEED ?? 0x5eed);
const CASES_PER_METHOD = 40;
const tmp = mkdtempSync(join(tmpdir(), 'fastast-fuzz-'));
const root = join(tmp, 'root');
let served: ServeProcess;

const rng = seededRandom;
const rand = rng(SEED);
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)];

// Stand-ins the JSON text gets instead of values JSON cannot hold or that must be written raw.
const RAW = { inf: '"\u0001INF"', ninf: '"\u0001NINF"', deep: '"\u0001DEEP"' };
const INF = '\u0001INF';
const NINF = '\u0001NINF';
const DEEP = '\u0001DEEP';

/** Values that fit a field's kind: enough to get past the validator now and then. */
function plausible(schema: Schema<unknown>): unknown {
  const shape = (schema as { shape?: Record<string, Schema<unknown>> }).shape;
  switch (schema.kind) {
    case 'object': {
      const out: Record<string, unknown> = {};
      for (const [k, sub] of Object.entries(shape ?? {})) if (!sub.optional || rand() < 0.5) out[k] = plausible(sub);
      return out;
    }
    case 'string':
    case 'enum':
    case 'literal':
      return pick(['f1', 'x', 'ast-tiny-esc10-cmkd', 'dog', 'constant', 'all', 'audacity', 'json', 'svg', 'on', 'w1', join(root, 'clip.flac'), root, join(root, 'sub')]);
    case 'number':
      return pick([0, 1, 0.5, 2, 3, 8, 100]);
    case 'boolean':
      return rand() < 0.5;
    case 'array':
      return pick([[], ['dog'], [0], [1, 2], [{}]]);
    case 'f32':
      return new Float32Array(4);
    case 'i32':
      return new Int32Array(4);
    case 'u8':
      return new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    default:
      return {};
  }
}

/** Values that break a field: wrong types, extremes of size and number, nesting. */
const HOSTILE: (() => unknown)[] = [
  () => null,
  () => true,
  () => -1,
  () => -0,
  () => 1e308,
  () => 2 ** 53 + 2,
  () => NaN, // JSON writes null
  () => INF,
  () => NINF,
  () => '',
  () => 'a'.repeat(1 << 20),
  () => '\u0000',
  () => '\ud800',
  () => '../'.repeat(40) + 'etc/passwd',
  () => '%ZZ%00',
  () => '__proto__',
  () => [],
  () => new Array(100_000).fill(0),
  () => new Array(2_000).fill('x'.repeat(100)),
  () => DEEP,
  () => ({}),
  () => ({ toString: 1, valueOf: 2 }),
  () => new Float32Array([NaN, Infinity, -Infinity]),
  () => new Uint8Array(0),
  () => new Int32Array(1 << 16),
];

const PROTO_KEYS = ['__proto__', 'constructor', 'prototype'];

interface Case {
  method: Method;
  params: unknown;
  /** Keys added to the params' JSON text as is (prototype keys JSON.stringify would not write from a plain object). */
  protoKey?: string;
}

function cases(method: Method): Case[] {
  const schema = methods[method].params as Schema<unknown>;
  const out: Case[] = [];
  for (let i = 0; i < CASES_PER_METHOD; i++) {
    const base = plausible(schema);
    const r = rand();
    if (r < 0.15) out.push({ method, params: pick(HOSTILE)() });
    else if (r < 0.3) out.push({ method, params: base, protoKey: pick(PROTO_KEYS) });
    else if (r < 0.4 || typeof base !== 'object' || base === null) out.push({ method, params: base });
    else {
      const keys = Object.keys(base);
      const obj = base as Record<string, unknown>;
      if (keys.length) obj[pick(keys)] = pick(HOSTILE)();
      out.push({ method, params: obj });
    }
  }
  return out;
}

/** The request frame, laid out as app/contract/codec.ts does, with the raw stand-ins written in. */
function frame(id: number, c: Case): Buffer {
  const blobs: Buffer[] = [];
  let json = JSON.stringify({ t: 'req', id, method: c.method, params: c.params }, (_k, v) => {
    if (v instanceof Float32Array || v instanceof Int32Array || v instanceof Uint8Array) {
      blobs.push(Buffer.from(v.buffer, v.byteOffset, v.byteLength));
      return { $b: blobs.length - 1, $t: v instanceof Float32Array ? 'f32' : v instanceof Int32Array ? 'i32' : 'u8' };
    }
    return v;
  });
  json = json.replaceAll(RAW.inf, '1e999').replaceAll(RAW.ninf, '-1e999').replaceAll(RAW.deep, '['.repeat(20_000) + ']'.repeat(20_000));
  if (c.protoKey) json = json.replace(/"params":\{(\}?)/, (_m, empty: string) => `"params":{"${c.protoKey}":{"polluted":true,"fileId":"f1"}${empty ? '}' : ','}`);
  json = json.slice(0, -1) + `,"$bins":[${blobs.map((b) => b.length).join(',')}]}`;
  const header = Buffer.from(json);
  const pad = (n: number) => (n + 7) & ~7;
  const parts: Buffer[] = [Buffer.alloc(4), header, Buffer.alloc(pad(4 + header.length) - 4 - header.length)];
  parts[0].writeUInt32LE(header.length, 0);
  for (const b of blobs) parts.push(b, Buffer.alloc(pad(b.length) - b.length));
  return Buffer.concat(parts);
}

beforeAll(async () => {
  mkdirSync(join(root, 'sub'), { recursive: true });
  copyFileSync(resolve(import.meta.dirname, '..', 'data', 'demo', 'car_horn_dj997_493751.flac'), join(root, 'clip.flac'));
  served = await startServeProcess(['--root', root]);
});

afterAll(async () => {
  await served?.stop();
  rmSync(tmp, { recursive: true, force: true });
});

describe('RPC fuzzing over a real serve WebSocket', () => {
  test('every generated request is answered, never INTERNAL, and serve stays up', { timeout: 600_000 }, async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${served.port}/ws?token=${served.token}`, { maxPayload: 256 * 1024 * 1024 });
    await new Promise<void>((res, rej) => (ws.once('open', () => res()), ws.once('error', rej)));
    const replies = new Map<number, (m: Envelope) => void>();
    ws.on('message', (d) => {
      const m = decodeFrame(d as Buffer);
      if (m.t === 'res') replies.get(m.id)?.(m);
    });
    const send = (id: number, c: Case) =>
      new Promise<Envelope & { t: 'res' }>((res, rej) => {
        const timer = setTimeout(() => rej(new Error(`${c.method}: no reply within 120 s to ${JSON.stringify(c.params)?.slice(0, 200)}`)), 120_000);
        replies.set(id, (m) => (clearTimeout(timer), res(m as Envelope & { t: 'res' })));
        ws.send(frame(id, c));
      });

    // A real open file, so that requests naming "f1" reach the handlers.
    let id = 0;
    const opened = await send(++id, { method: 'file.open', params: { path: join(root, 'clip.flac') } });
    expect(opened.ok && (opened.result as { fileId: string }).fileId).toBe('f1');

    const counts = { requests: 0, ok: 0 } as Record<string, number>;
    const internal: string[] = [];
    for (const method of Object.keys(methods) as Method[]) {
      for (const c of cases(method)) {
        const r = await send(++id, c);
        counts.requests++;
        // A prototype key is an unexpected field like any other.
        if (c.protoKey) expect(r.ok ? 'ok' : r.error.code, `${method} with ${c.protoKey}`).toBe('BAD_REQUEST');
        if (r.ok) {
          counts.ok++;
          expect(() => parseResult(method, r.result), method).not.toThrow();
        } else {
          counts[r.error.code] = (counts[r.error.code] ?? 0) + 1;
          if (r.error.code === 'INTERNAL') internal.push(`${method}: ${r.error.message.slice(0, 300)}`);
        }
      }
    }
    ws.close();
    console.log(`fuzz.rpc seed=${SEED} methods=${Object.keys(methods).length} ${Object.entries(counts).map(([k, v]) => `${k}=${v}`).join(' ')}`);
    expect(internal).toEqual([]);
    expect(served.exitCode()).toBeNull();
    expect(await served.authedStatus()).toBe(200);
  });
});
