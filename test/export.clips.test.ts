import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { decodeAudioFile } from '../app/audio/decode.js';
import { clipName, exportSegments } from '../app/export/index.js';
import type { RecordingSegments, Segment } from '../app/segments/index.js';
import { parseWavHeader, PROV, tempDir } from './export.fixtures.js';

const CORPUS = fileURLToPath(new URL('./corpus/', import.meta.url));
const DEMO = fileURLToPath(new URL('../data/demo/', import.meta.url));

function seg(file: string, label: string, startS: number, endS: number, maxScore: number | null): Segment {
  return { id: `${label}@${startS}`, file, label, startS, endS, maxScore, meanScore: maxScore, source: maxScore === null ? 'user' : 'model', review: 'unreviewed' };
}

/** FORMATS.md: `{label}_{confidence}_{file stem}_{start}s_{end}s.wav`. */
const NAME = /^([\p{L}\p{N}._-]+)_(\d\.\d{3}|user)_([\p{L}\p{N}._-]+)_(\d+\.\d{3})s_(\d+\.\d{3})s\.wav$/u;

describe('WAV clips', () => {
  it('16-bit PCM mono at the file’s own rate (16 kHz source): header fields, duration, samples bit for bit, names that sort and locate', async () => {
    const file = join(CORPUS, 'speech_16k_s16.wav');
    const audio = await decodeAudioFile(file);
    const rec: RecordingSegments = {
      file,
      durationS: audio.durationS,
      segments: [seg(file, 'speech', 0.1, 0.6, 0.8765), seg(file, 'speech', 0.9, 1.5, 0.42), seg(file, 'cough', 0.25, 0.3125, null)],
    };
    const dir = await tempDir();
    const result = await exportSegments({ format: 'clips', recordings: [rec], outDir: dir, provenance: PROV });
    const names = (await readdir(dir)).sort();
    expect(names).toEqual([
      'cough_user_speech_16k_s16_0.250s_0.313s.wav',
      'speech_0.420_speech_16k_s16_0.900s_1.500s.wav',
      'speech_0.876_speech_16k_s16_0.100s_0.600s.wav',
      'speech_16k_s16.clips.fastast.json',
    ]);
    expect(result.files.map((f) => f.slice(dir.length + 1)).sort()).toEqual(names);
    for (const name of names.filter((n) => n.endsWith('.wav'))) {
      const m = NAME.exec(name)!;
      expect(m, name).not.toBeNull();
      const s = rec.segments.find((x) => x.label === m[1] && Math.abs(x.startS - Number(m[4])) < 0.001)!;
      const buf = await readFile(join(dir, name));
      const h = parseWavHeader(buf);
      expect(h).toEqual({
        riffSize: buf.length - 8,
        format: 1,
        channels: 1,
        sampleRate: 16000,
        byteRate: 32000,
        blockAlign: 2,
        bits: 16,
        dataBytes: buf.length - 44,
      });
      const n = h.dataBytes / 2;
      expect(n / h.sampleRate).toBeCloseTo(s.endS - s.startS, 3);
      // The source is 16-bit: each clip sample is the source's integer, unchanged.
      const first = Math.round(s.startS * 16000);
      for (let i = 0; i < n; i++) expect(buf.readInt16LE(44 + 2 * i)).toBe(Math.round(audio.samples[first + i] * 32768));
    }
    const sidecar = JSON.parse(await readFile(join(dir, 'speech_16k_s16.clips.fastast.json'), 'utf8'));
    expect(sidecar.export.format).toBe('clips');
    expect([...sidecar.export.files].sort()).toEqual(names.filter((n) => n.endsWith('.wav')));
    expect(sidecar.clips).toEqual({ sampleRate: 16000, channels: 1, note: 'mono 16000 Hz, the file\'s own rate' });
    expect(sidecar.model).toEqual({ id: PROV.modelId, sha256: PROV.modelSha256 });
  });

  it('a file at another rate (48 kHz): the clip keeps 48 kHz, and the sidecar says so', async () => {
    const file = join(CORPUS, 'sine_3000hz_48k.wav');
    const dir = await tempDir();
    await exportSegments({ format: 'clips', recordings: [{ file, durationS: 1, segments: [seg(file, 'tone', 0, 0.5, 0.99)] }], outDir: dir, provenance: PROV });
    const buf = await readFile(join(dir, 'tone_0.990_sine_3000hz_48k_0.000s_0.500s.wav'));
    expect(parseWavHeader(buf)).toMatchObject({ sampleRate: 48000, dataBytes: 48000 });
    const sidecar = JSON.parse(await readFile(join(dir, 'sine_3000hz_48k.clips.fastast.json'), 'utf8'));
    expect(sidecar.clips).toEqual({ sampleRate: 48000, channels: 1, note: "mono 48000 Hz, the file's own rate" });
  });

  it('audio given at its own rate (44.1 kHz) is written at that rate', async () => {
    const dir = await tempDir();
    const samples = new Float32Array(44100 * 2).map((_, i) => Math.sin(i / 10) * 0.5);
    await exportSegments({
      format: 'clips',
      recordings: [{ file: '/x/dawn.wav', durationS: 2, segments: [seg('/x/dawn.wav', 'bird', 0.5, 1.25, 0.5)] }],
      outDir: dir,
      provenance: PROV,
      loadAudio: async () => ({ samples, sampleRate: 44100 }),
    });
    const h = parseWavHeader(await readFile(join(dir, 'bird_0.500_dawn_0.500s_1.250s.wav')));
    expect(h).toMatchObject({ sampleRate: 44100, byteRate: 88200, dataBytes: Math.round(0.75 * 44100) * 2 });
  });

  it('names: unsafe characters replaced, times padded to the recording’s length so they sort in time order, long labels cut', () => {
    const s = seg('/a/My Field Recording #3.flac', 'Child speech, kid speaking', 7.5, 12.25, 0.5);
    expect(clipName(s, 125)).toBe('Child-speech-kid-speaking_0.500_My-Field-Recording-3_007.500s_012.250s.wav');
    const long = clipName({ ...s, label: 'l'.repeat(400), file: 'f'.repeat(400) + '.wav' }, 10);
    expect(Buffer.byteLength(long)).toBeLessThan(255);
  });

  it('a demo recording: clips from the default decoder', async () => {
    const file = join(DEMO, 'church_bells_inspectorj_371267.flac');
    const dir = await tempDir();
    await exportSegments({ format: 'clips', recordings: [{ file, durationS: 8.74, segments: [seg(file, 'church_bells', 1, 3.5, 0.93)] }], outDir: dir, provenance: PROV });
    const h = parseWavHeader(await readFile(join(dir, 'church_bells_0.930_church_bells_inspectorj_371267_1.000s_3.500s.wav')));
    expect(h.dataBytes).toBe(2.5 * 16000 * 2);
  });
});
