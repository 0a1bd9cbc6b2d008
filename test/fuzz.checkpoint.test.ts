import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32, deflateRawSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { openSafetensors } from '../app/checkpoint/safetensors.js';
import { openTorchStateDict } from '../app/checkpoint/torch-state-dict.js';
import { FastAstError, type FastAstErrorCode } from '../app/errors.js';
import { FIXTURES } from './helpers/fixtures.js';
import { FUZZ_SEED, newTally, Rng, runCase, summary } from './support/fuzz.js';

/**
 * Generated checkpoints: safetensors files with wrong types, offsets, dtypes, shapes, header
 * lengths and JSON garbage; torch zips truncated, with wrong entries, and with pickles of
 * random opcodes. Each must be read (every tensor then has the length its shape says) or
 * refused with CHECKPOINT_INVALID / CHECKPOINT_TENSOR: never another error, a hang or a huge
 * allocation. The seed and the counts are printed.
 */

const tmp = mkdtempSync(join(tmpdir(), 'fastast-fuzz-ckpt-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const ALLOWED: FastAstErrorCode[] = ['CHECKPOINT_INVALID', 'CHECKPOINT_TENSOR'];
const CAP_MS = 5000;
let fileNo = 0;
const write = (bytes: Uint8Array, ext: string) => {
  const path = join(tmp, `case-${fileNo++}${ext}`);
  writeFileSync(path, bytes);
  return path;
};
const product = (shape: number[]) => shape.reduce((a, b) => a * b, 1);

// ------------------------------------------------------------------ safetensors

type Header = Record<string, unknown>;
const BASE_HEADER = (): Header => ({
  __metadata__: { format: 'pt' },
  a: { dtype: 'F32', shape: [2, 3], data_offsets: [0, 24] },
  b: { dtype: 'F16', shape: [4], data_offsets: [24, 32] },
  c: { dtype: 'I64', shape: [2], data_offsets: [32, 48] },
});
const BASE_DATA = new Uint8Array(48).map((_, i) => (i * 37) & 0x3f); // small finite values

function safetensors(header: Header | string, data: Uint8Array = BASE_DATA, headerLen?: bigint): Uint8Array {
  const json = Buffer.from(typeof header === 'string' ? header : JSON.stringify(header), 'utf8');
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(headerLen ?? BigInt(json.length));
  return Buffer.concat([len, json, data]);
}

/**
 * Opens the file and reads every tensor it lists. A file that opens must keep the format's
 * promises (whole byte offsets, tensors back to back over the whole data section), since a
 * reader that lets a broken file through scores NaN instead of failing.
 */
async function readSafetensors(path: string): Promise<void> {
  const st = await openSafetensors(path);
  const ranges = [...st.tensors.values()].sort((x, y) => x.begin - y.begin || x.end - y.end);
  let at = 0;
  for (const t of ranges) {
    if (!Number.isSafeInteger(t.begin) || !Number.isSafeInteger(t.end) || t.begin !== at) throw new Error(`accepted tensor ${t.name} at [${t.begin}, ${t.end}] after byte ${at}`);
    at = t.end;
  }
  for (const [name, t] of st.tensors) {
    const x = await st.read(name);
    if (x.length !== product(t.shape)) throw new Error(`tensor ${name}: ${x.length} values for shape [${t.shape}]`);
  }
}

async function refusal(bytes: Uint8Array): Promise<FastAstError> {
  const err = await readSafetensors(write(bytes, '.safetensors')).then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(FastAstError);
  return err as FastAstError;
}

describe('safetensors: data_offsets and header types are checked before any read', () => {
  const withEntry = (name: string, patch: Record<string, unknown>) => {
    const h = BASE_HEADER();
    h[name] = { ...(h[name] as object), ...patch };
    return safetensors(h);
  };
  it.each([
    ['string offsets', 'a', { data_offsets: ['0', '24'] }, /tensor a has data_offsets \["0","24"\]; they must be two whole byte positions/],
    ['fractional offsets', 'a', { data_offsets: [0.5, 24.5] }, /tensor a has data_offsets \[0\.5,24\.5\]/],
    ['a fractional shape', 'a', { shape: [2, 1.5] }, /tensor a has an invalid shape/],
    ['overlapping tensors', 'b', { data_offsets: [16, 24] }, /tensor b starts at byte 16 but the tensor before it ends at byte 24/],
    ['a dtype named after an Object method', 'a', { dtype: 'toString' }, /tensor a has dtype toString; supported: F32/],
  ])('%s', async (_what, name, patch, message) => {
    const e = await refusal(withEntry(name, patch));
    expect(e.code).toBe('CHECKPOINT_INVALID');
    expect(e.message).toMatch(message);
  });

  it('a gap between tensors', async () => {
    const h = BASE_HEADER();
    (h.c as Header).data_offsets = [36, 52];
    const e = await refusal(safetensors(h, new Uint8Array(52)));
    expect(e.message).toMatch(/tensor c starts at byte 36 but the tensor before it ends at byte 32/);
  });

  it('bytes after the last tensor', async () => {
    const e = await refusal(safetensors(BASE_HEADER(), new Uint8Array(64)));
    expect(e.message).toMatch(/16 bytes after the last tensor/);
  });

  it.each(['null', '[]', '7', '"x"'])('a header that is JSON but not an object: %s', async (json) => {
    const e = await refusal(safetensors(json));
    expect(e.message).toMatch(/header is not a JSON object/);
  });

  it('metadata that is not a map of strings', async () => {
    const e = await refusal(safetensors({ ...BASE_HEADER(), __metadata__: { format: 1 } }));
    expect(e.message).toMatch(/__metadata__ is not a map of strings/);
  });

  it('the well-formed base file reads', async () => {
    await readSafetensors(write(safetensors(BASE_HEADER()), '.safetensors'));
  });
});

/** Values a JSON field can take that a careless or hostile writer might put there. */
const ODD_VALUES: unknown[] = [
  null, true, 0, -1, 1.5, 2 ** 53, 1e308, '', '0', 'F32', [], [0], [0, 24, 48], [-8, 16], [24, 0], [0, 2 ** 60], ['0', '24'],
  [0.5, 24.5], [[0], [24]], {}, { a: 1 }, [2 ** 32, 2 ** 32 + 24], [1e308, 1e308], [0, 48],
];
const ODD_DTYPES = ['F64', 'U8', 'f32', 'toString', '__proto__', 'constructor', '', 'BOOL', 'F8_E4M3'];
const ODD_SHAPES: unknown[] = [[-1, 6], [6.5], ['6'], [2 ** 53, 2 ** 53], [0, 2 ** 40], [1, 1, 1, 1, 1, 1, 6], [null], 6, [[6]], [2 ** 31, 2 ** 31, 0]];

function safetensorsCases(rng: Rng): [string, Uint8Array][] {
  const cases: [string, Uint8Array][] = [];
  const names = ['a', 'b', 'c'];
  for (const name of names) {
    for (const field of ['dtype', 'shape', 'data_offsets']) {
      for (const v of ODD_VALUES) {
        const h = BASE_HEADER();
        (h[name] as Header)[field] = v;
        cases.push([`safetensors ${name}.${field} = ${JSON.stringify(v)}`, safetensors(h)]);
      }
    }
    for (const d of ODD_DTYPES) cases.push([`safetensors ${name}.dtype = ${d}`, safetensors({ ...BASE_HEADER(), [name]: { ...(BASE_HEADER()[name] as Header), dtype: d } })]);
    for (const s of ODD_SHAPES) cases.push([`safetensors ${name}.shape = ${JSON.stringify(s)}`, safetensors({ ...BASE_HEADER(), [name]: { ...(BASE_HEADER()[name] as Header), shape: s } })]);
    for (const v of [null, 1, 'x', [], [1, 2]]) cases.push([`safetensors entry ${name} = ${JSON.stringify(v)}`, safetensors({ ...BASE_HEADER(), [name]: v })]);
  }
  for (const m of [null, 1, 'x', [], [1], { a: null }, { a: { b: 1 } }]) cases.push([`safetensors __metadata__ = ${JSON.stringify(m)}`, safetensors({ ...BASE_HEADER(), __metadata__: m })]);
  const json = JSON.stringify(BASE_HEADER());
  for (const len of [0n, 1n, 7n, BigInt(json.length - 1), BigInt(json.length + 1), BigInt(json.length + 48), 100n * 1024n * 1024n + 1n, 2n ** 53n, 2n ** 64n - 1n]) {
    cases.push([`safetensors header length ${len}`, safetensors(BASE_HEADER(), BASE_DATA, len)]);
  }
  for (const text of ['', 'null', '[]', '{}', '{', '{"a":', 'nul', '[[[[[[', '{"a":{"dtype":"F32","shape":[2,3],"data_offsets":[0,24]}', '\u0000\u0000', '{"__proto__":{"dtype":"F32","shape":[12],"data_offsets":[0,48]}}']) {
    cases.push([`safetensors header ${JSON.stringify(text.slice(0, 30))}`, safetensors(text)]);
  }
  cases.push(['safetensors header nested 100000 deep', safetensors('['.repeat(100_000) + ']'.repeat(100_000))]);
  const whole = safetensors(BASE_HEADER());
  for (let i = 0; i < 20; i++) {
    const cut = rng.int(0, whole.length - 1);
    cases.push([`safetensors truncated at ${cut}`, whole.subarray(0, cut)]);
  }
  for (let i = 0; i < 40; i++) {
    const b = whole.slice();
    const flips = rng.int(1, 4);
    for (let k = 0; k < flips; k++) b[rng.int(0, 8 + json.length - 1)] = rng.int(0, 255);
    cases.push([`safetensors header bytes flipped #${i}`, b]);
  }
  for (let i = 0; i < 20; i++) cases.push([`safetensors random header #${i}`, safetensors(Buffer.from(rng.bytes(rng.int(1, 200))).toString('latin1'))]);
  return cases;
}

// ------------------------------------------------------------------ torch zips

interface ZipEntry {
  name: string;
  data: Uint8Array;
  deflate?: boolean;
  /** Overrides the uncompressed size written in the central directory (a lying archive). */
  claimSize?: number;
}

/** A zip as torch.save writes one (stored entries), or with the faults the cases ask for. */
function zip(entries: ZipEntry[]): Uint8Array {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const e of entries) {
    const name = Buffer.from(e.name, 'utf8');
    const body = e.deflate ? deflateRawSync(e.data) : Buffer.from(e.data);
    const crc = crc32(e.data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(e.deflate ? 8 : 0, 8);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(body.length, 18);
    local.writeUInt32LE(e.data.length, 22);
    local.writeUInt16LE(name.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(e.deflate ? 8 : 0, 10);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(body.length, 20);
    central.writeUInt32LE(e.claimSize ?? e.data.length, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, name, body);
    centrals.push(central, name);
    offset += 30 + name.length + body.length;
  }
  const dir = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(dir.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, dir, end]);
}

/** The entries of the small fixture, read with a plain zip reader of our own (stored entries only). */
function fixtureEntries(): ZipEntry[] {
  const b = readFileSync(join(FIXTURES, 'torch-checkpoints', 'views-f16-bf16.pth'));
  const out: ZipEntry[] = [];
  for (let p = 0; b.readUInt32LE(p) === 0x04034b50; ) {
    const size = b.readUInt32LE(p + 18);
    const nameLen = b.readUInt16LE(p + 26);
    const extra = b.readUInt16LE(p + 28);
    const name = b.toString('utf8', p + 30, p + 30 + nameLen);
    const start = p + 30 + nameLen + extra;
    out.push({ name, data: b.subarray(start, start + size) });
    p = start + size;
  }
  return out;
}

const PICKLE_OPS = [0x80, 0x2e, 0x28, 0x7d, 0x73, 0x75, 0x29, 0x74, 0x85, 0x86, 0x87, 0x71, 0x72, 0x68, 0x6a, 0x4a, 0x4b, 0x4d, 0x8a, 0x58, 0x4e, 0x88, 0x89, 0x63, 0x52, 0x62, 0x51];

/** A run of opcodes the reader knows, with random (often wrong) arguments. */
function randomPickle(rng: Rng): Uint8Array {
  const out: number[] = [0x80, 2];
  const n = rng.int(1, 60);
  for (let i = 0; i < n; i++) {
    const op = rng.pick(PICKLE_OPS);
    out.push(op);
    if (op === 0x63) out.push(...Buffer.from(rng.pick(['torch._utils\n_rebuild_tensor_v2\n', 'collections\nOrderedDict\n', 'torch\nFloatStorage\n', 'os\nsystem\n', 'x'])));
    else if (op === 0x58) out.push(...[rng.pick([0, 1, 5, 0xffffffff]), 0, 0, 0].flatMap((v) => (v > 255 ? [255, 255, 255, 255] : [v])).slice(0, 4), ...rng.bytes(rng.int(0, 6)));
    else if (op === 0x8a) out.push(rng.int(0, 12), ...rng.bytes(rng.int(0, 12)));
    else if ([0x4a, 0x72, 0x6a].includes(op)) out.push(...rng.bytes(4));
    else if ([0x4b, 0x71, 0x68, 0x80].includes(op)) out.push(rng.int(0, 5));
    else if (op === 0x4d) out.push(...rng.bytes(2));
  }
  if (rng.next() < 0.7) out.push(0x2e);
  return Uint8Array.from(out);
}

function torchCases(rng: Rng): [string, Uint8Array][] {
  const base = fixtureEntries();
  const pkl = base.find((e) => e.name.endsWith('/data.pkl'))!;
  const withPickle = (p: Uint8Array) => zip(base.map((e) => (e === pkl ? { ...e, data: p } : e)));
  const whole = zip(base);
  const cases: [string, Uint8Array][] = [['torch zip as torch.save writes it', whole]];
  for (const cut of [0, 1, 3, 4, 30, whole.length - 22, whole.length - 1, ...Array.from({ length: 16 }, () => rng.int(5, whole.length - 2))]) {
    cases.push([`torch zip truncated at ${cut}`, whole.subarray(0, cut)]);
  }
  for (let i = 0; i < 30; i++) {
    const b = whole.slice();
    for (let k = rng.int(1, 6); k > 0; k--) b[rng.int(0, b.length - 1)] = rng.int(0, 255);
    cases.push([`torch zip bytes flipped #${i}`, b]);
  }
  cases.push(['torch zip without data.pkl', zip(base.filter((e) => e !== pkl))]);
  cases.push(['torch zip without data/0', zip(base.filter((e) => !e.name.endsWith('/data/0')))]);
  cases.push(['torch zip with a deflated storage', zip(base.map((e) => ({ ...e, deflate: e.name.endsWith('/data/0') })))]);
  cases.push(['torch zip with a deflated data.pkl', zip(base.map((e) => ({ ...e, deflate: e === pkl })))]);
  cases.push(['torch zip whose storage claims 4 GB', zip(base.map((e) => (e.name.endsWith('/data/0') ? { ...e, claimSize: 0xfffffff0 } : e)))]);
  cases.push(['torch zip whose data.pkl claims 4 GB', zip(base.map((e) => (e === pkl ? { ...e, claimSize: 0xfffffff0 } : e)))]);
  cases.push(['torch zip with entries in two folders', zip([...base, ...base.map((e) => ({ ...e, name: e.name.replace(/^[^/]+/, 'other') }))])]);
  cases.push(['torch zip with no folder', zip(base.map((e) => ({ ...e, name: e.name.replace(/^[^/]+\//, '') })))]);
  cases.push(['torch zip with nothing in it', zip([])]);
  cases.push(['a legacy (non-zip) pickle', Uint8Array.from([0x80, 2, 0x8a, 0x0a])]);
  for (let i = 0; i < 60; i++) cases.push([`torch pickle of random opcodes #${i}`, withPickle(randomPickle(rng))]);
  for (let i = 0; i < 60; i++) {
    const p = Array.from(pkl.data);
    const what = rng.int(0, 2);
    const at = rng.int(0, p.length - 1);
    if (what === 0) p[at] = rng.pick([...PICKLE_OPS, rng.int(0, 255)]);
    else if (what === 1) p.splice(at, 0, ...randomPickle(rng).subarray(2, 8));
    else p.splice(at, rng.int(1, 16));
    cases.push([`torch pickle mutated (${['byte', 'insert', 'delete'][what]} at ${at}) #${i}`, withPickle(Uint8Array.from(p))]);
  }
  for (let i = 0; i < 20; i++) cases.push([`torch pickle of random bytes #${i}`, withPickle(Uint8Array.from([0x80, 2, ...rng.bytes(rng.int(1, 300))]))]);
  return cases;
}

/** The pickle of a one-tensor state dict {w: tensor}, from a storage of `numel` floats (key "0"). */
function onePickle(numel: number, shape: number[], stride: number[]): Uint8Array {
  const str = (s: string) => {
    const b = Buffer.from(s, 'utf8');
    return [0x58, b.length, 0, 0, 0, ...b];
  };
  // LONG1 of 8 bytes, little-endian two's complement: any size a fuzzed header might claim.
  const long = (v: number) => [0x8a, 8, ...Array.from({ length: 8 }, (_, i) => Math.floor(v / 2 ** (8 * i)) & 0xff)];
  const glob = (m: string, n: string) => [0x63, ...Buffer.from(`${m}\n${n}\n`)];
  return Uint8Array.from([
    0x80, 2, 0x7d, ...str('w'),
    ...glob('torch._utils', '_rebuild_tensor_v2'), 0x28,
    0x28, ...str('storage'), ...glob('torch', 'FloatStorage'), ...str('0'), ...str('cpu'), ...long(numel), 0x74, 0x51,
    0x4b, 0, 0x28, ...shape.flatMap(long), 0x74, 0x28, ...stride.flatMap(long), 0x74, 0x89, 0x4e,
    0x74, 0x52, 0x73, 0x2e,
  ]);
}

describe('torch zips: sizes are checked before anything is allocated', () => {
  const refusal = async (bytes: Uint8Array) => {
    const err = await readTorch(write(bytes, '.pth')).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(FastAstError);
    expect((err as FastAstError).code).toBe('CHECKPOINT_INVALID');
    return (err as FastAstError).message;
  };

  it('a one-tensor pickle reads (the builder is right)', async () => {
    const bytes = zip([{ name: 'a/data.pkl', data: onePickle(6, [2, 3], [3, 1]) }, { name: 'a/data/0', data: new Uint8Array(24) }]);
    await readTorch(write(bytes, '.pth'));
  });

  it('a view of 2^33 elements over a 1-element storage (stride 0)', async () => {
    const bytes = zip([{ name: 'a/data.pkl', data: onePickle(1, [2 ** 33], [0]) }, { name: 'a/data/0', data: new Uint8Array(4) }]);
    expect(await refusal(bytes)).toMatch(/tensor w has shape \[8589934592\]: 8589934592 elements from a storage of 1/);
  });

  // A guard, not a fix: yauzl already compares a stored entry's two sizes.
  it('a stored entry whose directory claims more bytes than it stores', async () => {
    const bytes = zip([{ name: 'a/data.pkl', data: onePickle(2 ** 28, [2 ** 28], [1]) }, { name: 'a/data/0', data: new Uint8Array(4), claimSize: 2 ** 30 }]);
    expect(await refusal(bytes)).toMatch(/size mismatch for stored file: 4 != 1073741824/);
  });
});

async function readTorch(path: string): Promise<void> {
  const sd = await openTorchStateDict(path);
  try {
    for (const [name, t] of sd.tensors) {
      const x = await sd.readFloat(name);
      if (x.length !== product(t.shape)) throw new Error(`tensor ${name}: ${x.length} values for shape [${t.shape}]`);
    }
  } finally {
    await sd.close();
  }
}

describe('fuzz: generated checkpoints', () => {
  it(`every case is read or refused with a checkpoint error (seed ${FUZZ_SEED})`, async () => {
    const started = performance.now();
    const rng = new Rng(FUZZ_SEED);
    const tally = newTally();
    const rssBefore = process.memoryUsage().rss / 2 ** 20;
    for (const [name, bytes] of safetensorsCases(rng)) {
      const path = write(bytes, '.safetensors');
      await runCase(tally, name, ALLOWED, CAP_MS, () => readSafetensors(path));
    }
    for (const [name, bytes] of torchCases(rng)) {
      const path = write(bytes, '.pth');
      await runCase(tally, name, ALLOWED, CAP_MS, () => readTorch(path));
    }
    console.log(summary('checkpoint', tally, (performance.now() - started) / 1000));
    for (const f of tally.findings) console.log(`  finding: ${f}`);
    expect(tally.findings).toEqual([]);
    expect(tally.cases).toBeGreaterThan(400);
    // Every file here is under a few KB: any allocation that shows in RSS is one a header asked for.
    expect(tally.peakRssMb - rssBefore).toBeLessThan(256);
  });
});
