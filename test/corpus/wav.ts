import { writeFileSync } from 'node:fs';

/**
 * Test tooling, independent of app/audio: writes PCM WAV files for bad-input and resampling
 * cases made at test time, and reads a 16-bit PCM WAV's integers straight from its bytes.
 */

export interface WavSpec {
  sampleRate: number;
  channels: number;
  /** 16-bit integers, interleaved. */
  samples: Int16Array;
  /** Write a WAVE_FORMAT_EXTENSIBLE header instead of a plain PCM one. */
  extensible?: boolean;
}

export function wavBytes({ sampleRate, channels, samples, extensible }: WavSpec): Buffer {
  const fmtSize = extensible ? 40 : 16;
  const data = Buffer.from(samples.buffer, samples.byteOffset, samples.byteLength);
  const b = Buffer.alloc(12 + 8 + fmtSize + 8 + data.length);
  let p = 0;
  const str = (s: string) => {
    b.write(s, p, 'ascii');
    p += 4;
  };
  const u32 = (v: number) => {
    b.writeUInt32LE(v, p);
    p += 4;
  };
  const u16 = (v: number) => {
    b.writeUInt16LE(v, p);
    p += 2;
  };
  str('RIFF');
  u32(b.length - 8);
  str('WAVE');
  str('fmt ');
  u32(fmtSize);
  u16(extensible ? 0xfffe : 1);
  u16(channels);
  u32(sampleRate);
  u32(sampleRate * channels * 2);
  u16(channels * 2);
  u16(16);
  if (extensible) {
    u16(22); // cbSize
    u16(16); // valid bits
    u32(0); // channel mask: unspecified
    u16(1); // sub-format GUID: PCM, then the fixed KSDATAFORMAT suffix
    for (const x of [0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xaa, 0x00, 0x38, 0x9b, 0x71]) b[p++] = x;
  }
  str('data');
  u32(data.length);
  data.copy(b, p);
  return b;
}

export function writeWav(path: string, spec: WavSpec): void {
  writeFileSync(path, wavBytes(spec));
}

/** The integers of a 16-bit PCM WAV (plain or extensible), interleaved, read from the bytes. */
export function wavInt16(bytes: Buffer): { sampleRate: number; channels: number; samples: Int16Array } {
  let p = 12;
  let channels = 0;
  let sampleRate = 0;
  while (p + 8 <= bytes.length) {
    const id = bytes.toString('ascii', p, p + 4);
    const size = bytes.readUInt32LE(p + 4);
    if (id === 'fmt ') {
      channels = bytes.readUInt16LE(p + 10);
      sampleRate = bytes.readUInt32LE(p + 12);
      if (bytes.readUInt16LE(p + 22) !== 16) throw new Error('not 16-bit PCM');
    } else if (id === 'data') {
      const copy = Buffer.from(bytes.subarray(p + 8, p + 8 + size));
      return { sampleRate, channels, samples: new Int16Array(copy.buffer, copy.byteOffset, size / 2) };
    }
    p += 8 + size + (size & 1);
  }
  throw new Error('no data chunk');
}

export function sineInt16(frequency: number, sampleRate: number, seconds: number, amplitude = 0.5): Int16Array {
  const n = Math.round(sampleRate * seconds);
  const out = new Int16Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.round(amplitude * 32767 * Math.sin((2 * Math.PI * frequency * i) / sampleRate));
  return out;
}
