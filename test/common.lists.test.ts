import { describe, expect, test } from 'vitest';
import { AUDIO_EXTENSIONS, extensionOf, isAudioFileName } from '../app/common/audio-extensions.js';
import { SEGMENT_EXPORT_FORMATS, SEGMENT_IMPORT_FORMATS } from '../app/common/export-formats.js';
import { SCHEDULE_SHAPES } from '../app/common/schedule.js';
import { framesToSeconds, FRAMES_PER_SECOND } from '../app/common/units.js';
import { methods } from '../app/contract/index.js';
import { EXPORT_FORMATS } from '../app/export/export.js';
import { SHAPE_INFLECTION } from '../app/tome/schedule.js';

describe('app/common audio extensions', () => {
  test('the extension is the lower-cased ending after the last dot of the name', () => {
    expect(extensionOf('/data/Birds/Dawn.Chorus.OGA')).toBe('oga');
    expect(extensionOf('C:\\rec\\take1.Wav')).toBe('wav');
    expect(extensionOf('/data/v1.2/readme')).toBe('');
    expect(extensionOf('.wav')).toBe('');
    expect(extensionOf('noext')).toBe('');
  });

  test('every format the decoder reads counts as audio, .oga included', () => {
    for (const name of ['a.wav', 'a.wave', 'a.flac', 'a.mp3', 'a.ogg', 'a.oga', 'a.opus', 'a.m4a', 'a.mp4', 'a.aac', 'a.webm', 'a.mka']) expect(isAudioFileName(name), name).toBe(true);
    expect(AUDIO_EXTENSIONS).toHaveLength(12);
  });

  test('other files and hidden files do not', () => {
    for (const name of ['notes.txt', 'labels.json', 'model.safetensors', '.wav', 'wav', 'clip.wav.part', '/music.flac/cover.jpg']) expect(isAudioFileName(name), name).toBe(false);
  });
});

describe('app/common lists are the ones the app and the contract use', () => {
  test('segment export formats: app/export and the contract hold the very same list', () => {
    expect(EXPORT_FORMATS).toBe(SEGMENT_EXPORT_FORMATS);
    const format = (f: string) =>
      methods['segments.export'].params.parse({ format: f, outDir: '/tmp', recordings: [{ file: '/x.wav', durationS: 1, segments: [] }], provenance: null, selection: { kind: 'all' } }).format;
    for (const f of SEGMENT_EXPORT_FORMATS) expect(format(f)).toBe(f);
    expect(() => format('wav')).toThrow(/expected one of audacity/);
  });

  test('segment import formats are what segments.import accepts', () => {
    for (const f of SEGMENT_IMPORT_FORMATS) expect(methods['segments.import'].params.parse({ path: '/x.txt', format: f }).format).toBe(f);
    expect(() => methods['segments.import'].params.parse({ path: '/x.txt', format: 'csv' })).toThrow(/expected one of audacity, raven, json/);
  });

  test('every schedule shape has its ToMe inflection', () => {
    expect(Object.keys(SHAPE_INFLECTION).sort()).toEqual([...SCHEDULE_SHAPES].sort());
  });

  test('frames to seconds divides by 100 frames per second, exactly', () => {
    expect(FRAMES_PER_SECOND).toBe(100);
    expect(framesToSeconds(1024)).toBe(10.24);
    expect(framesToSeconds(998)).toBe(9.98);
  });
});
