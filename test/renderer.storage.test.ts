// The renderer's saved preferences (renderer/src/lib/storage.ts): the keys and stored text must
// stay those of earlier versions, or users lose their recent files, export folder and lab form.
import { afterEach, describe, expect, it } from 'vitest';
import { loadJson, loadText, saveJson, saveText, STORAGE_KEYS } from '../renderer/src/lib/storage.js';

/** A localStorage stand-in (vitest runs in node, which has none). */
function memoryStorage(): Storage & { data: Map<string, string> } {
  const data = new Map<string, string>();
  return {
    data,
    get length() {
      return data.size;
    },
    clear: () => data.clear(),
    getItem: (k: string) => data.get(k) ?? null,
    key: (i: number) => [...data.keys()][i] ?? null,
    removeItem: (k: string) => void data.delete(k),
    setItem: (k: string, v: string) => void data.set(k, String(v)),
  };
}

const g = globalThis as { localStorage?: Storage };
const original = g.localStorage;
afterEach(() => {
  if (original === undefined) delete g.localStorage;
  else g.localStorage = original;
});

describe('renderer preferences', () => {
  it('keep the keys earlier versions wrote', () => {
    expect(STORAGE_KEYS).toEqual({
      recentFiles: 'fastast.recent',
      exportDir: 'fastast.exportDir',
      exportFormat: 'fastast.exportFormat',
      exportInclude: 'fastast.exportInclude',
      exportAudacityReview: 'fastast.exportAudacityReview',
      labForm: 'fastast.lab.form',
      labExportDir: 'fastast.lab.exportDir',
      mergeLayer: 'fastast.merge.layer',
      mergeTint: 'fastast.merge.tint',
      colorMap: 'fastast.colorMap',
      laneMode: 'fastast.laneMode',
    });
  });

  it('read what earlier versions stored: plain text for folders and format, JSON for lists and the form', () => {
    const s = memoryStorage();
    g.localStorage = s;
    s.setItem('fastast.exportDir', '/data/out');
    s.setItem('fastast.recent', JSON.stringify(['/a.wav', '/b.flac']));
    expect(loadText('exportDir')).toBe('/data/out');
    expect(loadJson('recentFiles')).toEqual(['/a.wav', '/b.flac']);
  });

  it('write text as it is and JSON as JSON, under the same keys', () => {
    const s = memoryStorage();
    g.localStorage = s;
    saveText('labExportDir', 'C:\\out');
    saveJson('labForm', { rs: '0, 16' });
    expect(s.data.get('fastast.lab.exportDir')).toBe('C:\\out');
    expect(s.data.get('fastast.lab.form')).toBe('{"rs":"0, 16"}');
  });

  it('give null for a missing or broken value', () => {
    const s = memoryStorage();
    g.localStorage = s;
    expect(loadText('exportFormat')).toBeNull();
    expect(loadJson('labForm')).toBeNull();
    s.setItem('fastast.lab.form', '{not json');
    expect(loadJson('labForm')).toBeNull();
  });

  it('neither throw nor keep anything where storage refuses (private mode) or is missing', () => {
    g.localStorage = {
      ...memoryStorage(),
      getItem: () => {
        throw new Error('SecurityError');
      },
      setItem: () => {
        throw new Error('QuotaExceededError');
      },
    };
    expect(() => saveText('exportDir', '/x')).not.toThrow();
    expect(loadText('exportDir')).toBeNull();
    delete g.localStorage;
    expect(() => saveJson('recentFiles', [])).not.toThrow();
    expect(loadJson('recentFiles')).toBeNull();
  });
});
