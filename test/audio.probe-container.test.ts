import { open } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { probeAudioFile, type Probe } from '../app/audio/probe.js';

const corpus = (name: string) => fileURLToPath(new URL(`./corpus/${name}`, import.meta.url));

async function probe(name: string): Promise<Probe> {
  const path = corpus(name);
  const fh = await open(path, 'r');
  try {
    return await probeAudioFile(path, fh, (await fh.stat()).size);
  } finally {
    await fh.close();
  }
}

// `ogg` (not the display label) tells decode to verify Ogg pages.
describe('probe: the container is a field, not a display string', () => {
  it.each([
    ['speech_44k_stereo.ogg', 'ogg', true],
    ['speech_48k_stereo.opus', 'opus', true],
    ['speech_16k_s16.flac', 'flac', false],
    ['speech_48k_stereo.webm', 'webm', false],
    ['speech_16k_s16.wav', 'wav', false],
  ])('%s', async (name, format, ogg) => {
    const p = await probe(name);
    expect(p.format).toBe(format);
    expect(p.ogg === true).toBe(ogg);
  });
});
