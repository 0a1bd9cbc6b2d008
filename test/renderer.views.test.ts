// The analyst views' pure math (issue 11): colour maps, number formats, the box selection's
// frequencies, the amplitude axis, the label lane's rows and the heatmap's scale and hover.
import { describe, expect, it } from 'vitest';
import { COLOR_MAP_NAMES, COLOR_MAPS, GREY, isColorMapName, mapGradient, VIRIDIS } from '../renderer/src/lib/color.js';
import { fileMessage, fixed, folderOf, hz, plural, shortReason, signed } from '../renderer/src/lib/format.js';
import { heatCell, heatGradient, heatIndex, heatLayout, HEAT_MAX_ROWS, HEAT_ROW_H, ownedSpan, windowAt } from '../renderer/src/lib/heatmap.js';
import { labelIndex, laneGeometry, MAX_STACKED_ROWS, stackRows, trackRows } from '../renderer/src/lib/lane-rows.js';
import { amplitudeTicks, boxSelection, hzAt, hzFrac } from '../renderer/src/lib/mel.js';

/** Kaldi mel edges from 20 Hz to 8 kHz, as the host sends them. */
const EDGES = (() => {
  const mel = (f: number) => 1127 * Math.log(1 + f / 700);
  const inv = (m: number) => 700 * (Math.exp(m / 1127) - 1);
  const lo = mel(20);
  const hi = mel(8000);
  return Float32Array.from({ length: 129 }, (_, i) => inv(lo + ((hi - lo) * i) / 128));
})();

describe('colour maps', () => {
  it('offer a perceptual map and grey, 256 entries each, dark to bright', () => {
    expect(COLOR_MAP_NAMES).toEqual(expect.arrayContaining(['magma', 'viridis', 'grey']));
    for (const name of COLOR_MAP_NAMES) {
      const lut = COLOR_MAPS[name];
      expect(lut.length).toBe(256 * 3);
      const lum = (i: number) => 0.2126 * lut[i * 3] + 0.7152 * lut[i * 3 + 1] + 0.0722 * lut[i * 3 + 2];
      expect(lum(255)).toBeGreaterThan(lum(0) + 150);
    }
    expect([GREY[0], GREY[1], GREY[2]]).toEqual([0, 0, 0]);
    expect([GREY[128 * 3], GREY[128 * 3 + 1], GREY[128 * 3 + 2]]).toEqual([128, 128, 128]);
    expect([VIRIDIS[255 * 3], VIRIDIS[255 * 3 + 1], VIRIDIS[255 * 3 + 2]]).toEqual([253, 231, 37]);
  });

  it('check names and draw a gradient', () => {
    expect(isColorMapName('viridis')).toBe(true);
    expect(isColorMapName('jet')).toBe(false);
    expect(isColorMapName(null)).toBe(false);
    expect(mapGradient('grey')).toBe(
      'linear-gradient(90deg, rgb(0,0,0) 0.0%, rgb(32,32,32) 12.5%, rgb(64,64,64) 25.0%, rgb(96,96,96) 37.5%, rgb(128,128,128) 50.0%, rgb(159,159,159) 62.5%, rgb(191,191,191) 75.0%, rgb(223,223,223) 87.5%, rgb(255,255,255) 100.0%)',
    );
  });
});

describe('number formats', () => {
  it('never print a negative zero', () => {
    expect(fixed(-0.04, 1)).toBe('0.0');
    expect(fixed(-0.05, 1)).toBe('-0.1');
    expect(fixed(-0, 2)).toBe('0.00');
    expect(signed(-0.0004, 1)).toBe('0.0');
    expect(signed(-0.26, 1)).toBe('−0.3');
    expect(signed(1.25, 2)).toBe('+1.25');
    expect(signed(0, 1)).toBe('0.0');
  });

  it('say 1 segment and 2 segments', () => {
    expect(plural(1, 'segment')).toBe('1 segment');
    expect(plural(0, 'segment')).toBe('0 segments');
    expect(plural(2, 'patch', 'patches')).toBe('2 patches');
  });

  it('give a short reason for a provider error, the full text kept by the caller', () => {
    const raw =
      '[ErrorCode:RuntimeException] Exception during initialization: /onnxruntime/core/providers/webgpu/webgpu_context.cc:123 void onnxruntime::webgpu::WebGpuContext::Initialize No suitable adapter found\nstack…';
    const short = shortReason(raw);
    expect(short.length).toBeLessThanOrEqual(90);
    expect(short).not.toContain('\n');
    expect(short).toBe('No suitable adapter found');
    expect(shortReason('x'.repeat(200), 40)).toHaveLength(40);
    expect(shortReason('library not found')).toBe('library not found');
  });

  it('name a file once in a message', () => {
    expect(fileMessage('Cannot open', '/data/demo/x.wav', 'ENOENT: no such file: /data/demo/x.wav')).toBe('Cannot open x.wav: ENOENT: no such file');
    expect(fileMessage('Cannot open', 'C:\\a\\y.flac', 'unsupported codec')).toBe('Cannot open y.flac: unsupported codec');
  });

  it('take a labelled set\'s folder for the Lab export', () => {
    expect(folderOf('/data/esc50/meta/esc50.csv')).toBe('/data/esc50/meta');
    expect(folderOf('/data/esc10/')).toBe('/data/esc10');
    expect(folderOf('C:\\sets\\birds\\list.csv')).toBe('C:\\sets\\birds');
  });

  it('write frequencies in Hz and kHz', () => {
    expect(hz(821.4)).toBe('821 Hz');
    expect(hz(3400)).toBe('3.4 kHz');
    expect(hz(12000)).toBe('12 kHz');
  });
});

describe('box selection on a mel axis', () => {
  it('maps fractions to Hz and back', () => {
    for (const f of [0, 0.25, 0.5, 1]) expect(hzFrac(EDGES, hzAt(EDGES, f))).toBeCloseTo(f, 5);
    expect(hzFrac(EDGES, 0)).toBe(0);
    expect(hzFrac(EDGES, 20_000)).toBe(1);
  });

  it('orders the corners and rounds the band to whole Hz', () => {
    const b = boxSelection(EDGES, 3.5, 1.75, 0.7, 0.3);
    expect(b.startS).toBe(1.75);
    expect(b.endS).toBe(3.5);
    expect(b.lowHz).toBe(Math.round(hzAt(EDGES, 0.3)));
    expect(b.highHz).toBe(Math.round(hzAt(EDGES, 0.7)));
    expect(b.lowHz).toBeLessThan(b.highHz);
    expect(Number.isInteger(b.lowHz)).toBe(true);
  });
});

describe('amplitude axis', () => {
  it('labels the normalised waveform with the real peak', () => {
    expect(amplitudeTicks(0.48).map((t) => t.label)).toEqual(['0.48', '0.24', '0', '−0.24', '−0.48']);
    expect(amplitudeTicks(0.012).map((t) => t.label)).toEqual(['0.012', '0.0060', '0', '−0.0060', '−0.012']);
    expect(amplitudeTicks(0)).toEqual([]);
  });
});

describe('label lane rows', () => {
  const seg = (id: string, label: string, startS: number, endS: number) => ({ id, label, startS, endS });

  it('stack overlapping segments, the overflow in the last row', () => {
    const r = stackRows([seg('a', 'x', 0, 2), seg('b', 'y', 1, 3), seg('c', 'x', 2, 4)]);
    expect([r.row.get('a'), r.row.get('b'), r.row.get('c')]).toEqual([0, 1, 0]);
    expect(r.rows).toBe(2);
    const many = stackRows(Array.from({ length: 6 }, (_, i) => seg(`s${i}`, 'x', 0, 1)));
    expect(many.rows).toBe(MAX_STACKED_ROWS);
    expect(many.overflow.size).toBe(6 - MAX_STACKED_ROWS + 1);
  });

  it('give each class one track, in the model order, free labels after', () => {
    const labels = ['dog', 'rain', 'sea_waves'];
    const r = trackRows([seg('a', 'sea_waves', 0, 1), seg('b', 'dog', 0, 1), seg('c', 'my bird', 2, 3), seg('d', 'dog', 3, 4)], labels);
    expect(r.names).toEqual(['dog', 'sea_waves', 'my bird']);
    expect([r.row.get('a'), r.row.get('b'), r.row.get('c'), r.row.get('d')]).toEqual([1, 0, 2, 0]);
    expect(r.rows).toBe(3);
    const wide = trackRows(Array.from({ length: 5 }, (_, i) => seg(`s${i}`, `l${i}`, 0, 1)), [], 3);
    expect(wide.names).toEqual(['l0', 'l1', '+3 more']);
    expect(wide.overflow.size).toBe(3);
  });

  it('size the rows and colour free labels apart from the model classes', () => {
    expect(laneGeometry(3, true)).toEqual({ rowH: 16, height: 52 });
    expect(laneGeometry(1, false)).toEqual({ rowH: 26, height: 30 });
    expect(labelIndex('rain', ['dog', 'rain'])).toBe(1);
    expect(labelIndex('my bird', ['dog'])).toBeGreaterThanOrEqual(1000);
  });
});

describe('heatmap', () => {
  const h = { starts: [0, 1, 2], scores: [0.1, 0.9, 0.5, 0.2, 0.0, 0.7], classes: 2, windowS: 5.12 };

  it('brightens from the threshold up, and draws the step in its legend', () => {
    expect(heatIndex(0.29, 0.3)).toBe(12);
    expect(heatIndex(0.3, 0.3)).toBe(133);
    expect(heatIndex(1, 0.3)).toBe(255);
    expect(heatGradient(0.3)).toMatch(/^linear-gradient\(90deg, /);
    expect(heatGradient(0.3).match(/ 30\.0%/g)).toHaveLength(2);
  });

  it('finds the class, window and score under the mouse', () => {
    const { rows, height } = heatLayout([1, 0]);
    expect(height).toBe(2 * HEAT_ROW_H);
    expect(heatCell(h, rows, 1.5, 2)).toEqual({ cls: 1, w: 1, score: 0.2 });
    expect(heatCell(h, rows, 2.5, HEAT_ROW_H + 1)).toEqual({ cls: 0, w: 2, score: 0 });
    expect(heatCell(h, rows, 1, 3 * HEAT_ROW_H)).toBeNull();
    expect(heatLayout([...Array(40).keys()]).rows).toHaveLength(HEAT_MAX_ROWS);
    expect(windowAt(h, -1)).toBe(-1);
    expect(ownedSpan(h, 2, 4)).toEqual([2, 4]);
    expect(ownedSpan(h, 0, 4)).toEqual([0, 1]);
  });
});
