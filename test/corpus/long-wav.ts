import { closeSync, openSync, writeSync } from 'node:fs';
import { seededRandom } from '../../app/common/random.js';
import { wavBytes } from './wav.js';

/**
 * Long 16-bit PCM WAV files for load tests and the long-file bench, written a second at a time
 * (a 3-hour file is 345 MB; nothing here holds more than one second of it). Each second is a
 * seeded choice of tone, chirp, noise burst or quiet hiss, so windows differ and the model's
 * merges are not those of silence.
 */
export function writeLongWav(path: string, opts: { seconds: number; sampleRate?: number; channels?: number; seed?: number }): void {
  const rate = opts.sampleRate ?? 16000;
  const channels = opts.channels ?? 1;
  const random = seededRandom(opts.seed ?? 1);
  const frames = Math.round(opts.seconds * rate);
  const header = wavBytes({ sampleRate: rate, channels, samples: new Int16Array(0) });
  header.writeUInt32LE(36 + frames * channels * 2, 4);
  header.writeUInt32LE(frames * channels * 2, 40);
  const fd = openSync(path, 'w');
  try {
    writeSync(fd, header);
    let phase = 0;
    for (let at = 0; at < frames; at += rate) {
      const n = Math.min(rate, frames - at);
      const kind = Math.floor(random() * 4);
      const f0 = 150 + random() * 3500;
      const f1 = kind === 1 ? 150 + random() * 3500 : f0;
      const level = kind === 3 ? 0.01 : 0.1 + random() * 0.4;
      const pcm = new Int16Array(n * channels);
      for (let i = 0; i < n; i++) {
        phase += (2 * Math.PI * (f0 + ((f1 - f0) * i) / n)) / rate;
        const tone = kind <= 1 ? Math.sin(phase) : 0;
        const noise = kind >= 2 ? random() * 2 - 1 : 0;
        const v = Math.round(level * (tone + noise) * 32767 * 0.9);
        for (let c = 0; c < channels; c++) pcm[i * channels + c] = c === 0 ? v : Math.round(v * 0.8);
      }
      writeSync(fd, new Uint8Array(pcm.buffer));
    }
  } finally {
    closeSync(fd);
  }
}
