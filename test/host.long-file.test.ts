/**
 * Long files in the host (issue 13.6, issue 12 "Load"): an open file's samples live in its sample
 * file on disk (main/host/sample-file.ts), not in the host's memory, and everything computed
 * from them is bit-identical to computing it from the decoded samples in memory (the path the
 * host took before): the model's windows, the analysis scores on the same real onnxruntime
 * session, the waveform peaks and the spectrogram.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runInNewContext } from 'node:vm';
import { setFlagsFromString } from 'node:v8';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { scoreWindows } from '../app/analysis/classify.js';
import { decodeAudioFile } from '../app/audio/decode.js';
import type { Engine } from '../app/engine/types.js';
import { constantSchedule } from '../app/tome/schedule.js';
import { modelWindow, windowStartFrames } from '../main/host/audio-io.js';
import { defaultEngine } from '../main/host/host-config.js';
import type { Host } from '../main/host/host.js';
import { decodeToSampleFile, memorySamples } from '../main/host/sample-file.js';
import { displaySpectrogram, peaks } from '../main/host/spectrogram.js';
import { writeLongWav } from './corpus/long-wav.js';
import { testHost } from './support/host.js';
import { observedEngine } from './support/observed-engine.js';
import { rpcClient, type RpcTestClient } from './support/rpc-client.js';

const tmp = mkdtempSync(join(tmpdir(), 'fastast-long-file-'));
/** Stereo at 44.1 kHz: the samples the model sees went through the mono mix and the resampler. */
const STEREO = join(tmp, 'stereo-44k.wav');
/** Ten minutes at 16 kHz: 38 MB as float32, which the host used to hold while the file was open. */
const LONG = join(tmp, 'ten-minutes.wav');
const MERGE = { r: 16, shape: 'constant', propAttn: true, protectDistillation: true } as const;

let host: Host;
let client: RpcTestClient;
let engine: Engine | undefined;
/** Windows per run of the host's engine: analysis batches grow with the machine's pace (app/analysis/adaptive-batch.ts), and the in-memory path replays them. */
const batches: number[] = [];

beforeAll(async () => {
  writeLongWav(STEREO, { seconds: 40, sampleRate: 44100, channels: 2, seed: 3 });
  writeLongWav(LONG, { seconds: 600, seed: 4 });
  // The host's own engine (the real cached onnxruntime one), kept so the in-memory path runs on the same session.
  host = testHost(tmp, undefined, async (dir, opts) => {
    const built = await defaultEngine(dir, opts);
    const own = built.engine;
    engine = own;
    const recorded = observedEngine(own, (batch, settings) => {
      // The analysis runs at r = 16; the engine's warm-up at r = 0 is no batch of it.
      if (settings.schedule.some((r) => r > 0)) batches.push(batch);
    });
    return { ...built, engine: recorded };
  });
  await host.start();
  client = rpcClient(host);
});

afterAll(async () => {
  client?.close();
  await host?.dispose();
  rmSync(tmp, { recursive: true, force: true });
});

/** A full collection, so what is measured next is what is still referenced. */
function collect(): void {
  setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as () => void)();
}

describe('long files', () => {
  test('the sample file reads back every window exactly as decoded in memory', async () => {
    const decoded = await decodeAudioFile(STEREO);
    const onDisk = await decodeToSampleFile(STEREO, join(tmp, 'check.f32'), join(tmp, 'check.wav'), {});
    try {
      expect(onDisk.length).toBe(decoded.samples.length);
      expect(onDisk.read(0, onDisk.length)).toEqual(decoded.samples);
      // Past either end the range reads as silence, as the in-memory source does.
      expect(onDisk.read(-5, 5)).toEqual(memorySamples(decoded.samples, 16000).read(-5, 5));
      expect(onDisk.read(onDisk.length - 3, onDisk.length + 3)).toEqual(memorySamples(decoded.samples, 16000).read(onDisk.length - 3, onDisk.length + 3));
    } finally {
      onDisk.close();
    }
  });

  test('analysis.run gives the scores of the in-memory path on the same onnxruntime session, bit for bit', async () => {
    const f = await client.ok('file.open', { path: STEREO });
    batches.length = 0;
    const a = await client.ok('analysis.run', { fileId: f.fileId, hopS: 2.56, merge: MERGE });
    const hostBatches = batches.splice(0);
    expect(engine).toBeDefined();
    const spec = engine!.spec;
    const memory = memorySamples((await decodeAudioFile(STEREO)).samples, 16000);
    const starts = windowStartFrames(memory.length, spec, 2.56);
    expect(a.starts.length).toBe(starts.length);
    expect(starts.length).toBeGreaterThan(12);
    const settings = { schedule: constantSchedule(16, spec.numLayers), propAttn: true, protectDistillation: true };
    const run = await scoreWindows(engine!, starts.length, (k) => modelWindow(memory, spec, starts[k]).input, settings, { batchSize: () => hostBatches.shift() ?? 1 });
    expect(hostBatches).toEqual([]);
    const expected = new Float32Array(starts.length * spec.labels.length);
    run.scores.forEach((s, k) => expected.set(s, k * spec.labels.length));
    expect(a.scores).toEqual(expected);
    await client.ok('file.close', { fileId: f.fileId });
  });

  test('an open ten-minute file holds no whole-file buffer; its peaks and spectrogram are the in-memory ones', async () => {
    collect();
    const before = process.memoryUsage().arrayBuffers;
    const f = await client.ok('file.open', { path: LONG });
    collect();
    const held = process.memoryUsage().arrayBuffers - before;
    const wholeFile = f.numSamples * 4;
    console.log(`ten minutes open: ${(held / 2 ** 20).toFixed(1)} MB of array buffers held; the samples alone are ${(wholeFile / 2 ** 20).toFixed(1)} MB`);
    // Before the sample file the host held all of them (and the 16-bit copy while writing it).
    expect(held).toBeLessThan(wholeFile / 2);

    const memory = memorySamples((await decodeAudioFile(LONG)).samples, 16000);
    const p = await client.ok('file.peaks', { fileId: f.fileId, startS: 0, endS: f.durationS, count: 3000 });
    expect(p.peaks).toEqual(peaks(memory, 0, f.durationS, 3000));
    const s = await client.ok('file.spectrogram', { fileId: f.fileId, startS: 0, endS: f.durationS, cols: 512 });
    expect(s.data).toEqual(displaySpectrogram(memory, 0, f.durationS, 512, s.bins).data);
    await client.ok('file.close', { fileId: f.fileId });
  });
});
