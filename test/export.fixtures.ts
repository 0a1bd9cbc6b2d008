/** Shared by the export tests: segments with every feature the formats must carry, and small parsers written from FORMATS.md. */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Provenance, RecordingSegments, Segment } from '../app/segments/index.js';

export const PROV: Provenance = {
  modelId: 'ast-tiny-esc10-cmkd',
  modelSha256: '0123456789abcdef'.repeat(4),
  schedule: [16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16],
  propAttn: true,
  protectDistillation: false,
  windowS: 10.24,
  hopS: 5.12,
  threshold: 0.4,
};

export function tempDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'fastast-export-'));
}

function seg(file: string, label: string, startS: number, endS: number, score: number | null, extra: Partial<Segment> = {}): Segment {
  return {
    id: `${file}#${label}@${Math.round(startS * 1000)}`,
    file,
    label,
    startS,
    endS,
    maxScore: score,
    meanScore: score === null ? null : score - 0.05,
    source: score === null ? 'user' : 'model',
    ...(score === null ? {} : { provenance: PROV }),
    review: 'unreviewed',
    ...extra,
  };
}

/** Two recordings: overlapping labels, a frequency band, a hand-drawn segment with a comma and quotes, a segment touching the end. */
export function recordings(dir = '/data/field'): RecordingSegments[] {
  const a = join(dir, 'forest dawn.wav');
  const b = join(dir, 'b.flac');
  return [
    {
      file: a,
      durationS: 30.5,
      segments: [
        seg(a, 'dog', 1.234, 4.5, 0.9123),
        seg(a, 'crying_baby', 2, 3.25, 0.61, { lowHz: 500, highHz: 4000, review: 'accepted' }),
        seg(a, 'bird, song "x"', 10, 12.002, null, { review: 'accepted' }),
        seg(a, 'dog', 20, 30.5, 0.45, { review: 'rejected' }),
      ],
    },
    { file: b, durationS: 12, segments: [seg(b, 'rain', 0, 12, 0.77)] },
  ];
}

/** RFC 4180, as far as the tests need: quoted fields with doubled quotes and commas. */
export function parseCsvLine(line: string): string[] {
  const out: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      out.push(field);
      field = '';
    } else field += c;
  }
  out.push(field);
  return out;
}

export interface TgInterval {
  xmin: number;
  xmax: number;
  text: string;
}
export interface TgTier {
  cls: string;
  name: string;
  xmin: number;
  xmax: number;
  intervals: TgInterval[];
}

/**
 * Praat long text form, from FORMATS.md: header lines, xmin, xmax, `tiers? <exists>`, `size = N`,
 * then `item [i]:` blocks (class, name, xmin, xmax, `intervals: size = K`, `intervals [k]:` with
 * xmin, xmax, text). Strict about order, so a missing or misplaced line fails.
 */
export function parseTextGrid(text: string): { xmin: number; xmax: number; tiers: TgTier[] } {
  const ls = text.split('\n').map((l) => l.trim()).filter((l) => l !== '');
  let i = 0;
  const expectLine = (re: RegExp): RegExpExecArray => {
    const m = re.exec(ls[i]);
    if (!m) throw new Error(`TextGrid line ${i + 1}: "${ls[i]}" does not match ${re}`);
    i++;
    return m;
  };
  const numLine = (key: string) => Number(expectLine(new RegExp(`^${key.replace(/[[\]]/g, '\\$&')} = (-?[\\d.]+(?:e-?\\d+)?)$`))[1]);
  const strLine = (key: string) => expectLine(new RegExp(`^${key} = "((?:[^"]|"")*)"$`))[1].replace(/""/g, '"');
  expectLine(/^File type = "ooTextFile"$/);
  expectLine(/^Object class = "TextGrid"$/);
  const xmin = numLine('xmin');
  const xmax = numLine('xmax');
  expectLine(/^tiers\? <exists>$/);
  const size = numLine('size');
  expectLine(/^item \[\]:$/);
  const tiers: TgTier[] = [];
  for (let t = 1; t <= size; t++) {
    expectLine(new RegExp(`^item \\[${t}\\]:$`));
    const cls = strLine('class');
    const name = strLine('name');
    const txmin = numLine('xmin');
    const txmax = numLine('xmax');
    const k = Number(expectLine(/^intervals: size = (\d+)$/)[1]);
    const intervals: TgInterval[] = [];
    for (let j = 1; j <= k; j++) {
      expectLine(new RegExp(`^intervals \\[${j}\\]:$`));
      intervals.push({ xmin: numLine('xmin'), xmax: numLine('xmax'), text: strLine('text') });
    }
    tiers.push({ cls, name, xmin: txmin, xmax: txmax, intervals });
  }
  if (i !== ls.length) throw new Error(`TextGrid: ${ls.length - i} unexpected lines after the last tier`);
  return { xmin, xmax, tiers };
}

export interface WavHeader {
  riffSize: number;
  format: number;
  channels: number;
  sampleRate: number;
  byteRate: number;
  blockAlign: number;
  bits: number;
  dataBytes: number;
}

/** The canonical 44-byte PCM header, field by field. */
export function parseWavHeader(buf: Buffer): WavHeader {
  if (buf.toString('ascii', 0, 4) !== 'RIFF' || buf.toString('ascii', 8, 12) !== 'WAVE') throw new Error('not RIFF/WAVE');
  if (buf.toString('ascii', 12, 16) !== 'fmt ' || buf.readUInt32LE(16) !== 16) throw new Error('fmt chunk is not 16-byte PCM');
  if (buf.toString('ascii', 36, 40) !== 'data') throw new Error('data chunk not at byte 36');
  return {
    riffSize: buf.readUInt32LE(4),
    format: buf.readUInt16LE(20),
    channels: buf.readUInt16LE(22),
    sampleRate: buf.readUInt32LE(24),
    byteRate: buf.readUInt32LE(28),
    blockAlign: buf.readUInt16LE(32),
    bits: buf.readUInt16LE(34),
    dataBytes: buf.readUInt32LE(40),
  };
}
