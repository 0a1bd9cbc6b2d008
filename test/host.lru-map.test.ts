/** LruMap: the bound every host cache (engines, files, windows, lab results, timings) relies on. */
import { describe, expect, test } from 'vitest';
import { LruMap } from '../main/host/lru-map.js';

describe('LruMap', () => {
  test('drops the least recently set or got entry first, and says what it dropped', () => {
    const m = new LruMap<string, number>(2);
    expect(m.set('a', 1)).toEqual([]);
    expect(m.set('b', 2)).toEqual([]);
    expect(m.get('a')).toBe(1); // a is now the most recent
    expect(m.set('c', 3)).toEqual([['b', 2]]);
    expect([...m.keys()]).toEqual(['a', 'c']);
    expect(m.size).toBe(2);
  });

  test('peek and has do not count as use', () => {
    const m = new LruMap<string, number>(2);
    m.set('a', 1);
    m.set('b', 2);
    expect(m.peek('a')).toBe(1);
    expect(m.has('a')).toBe(true);
    expect(m.set('c', 3)).toEqual([['a', 1]]);
  });

  test('setting an existing key replaces it and makes it the most recent', () => {
    const m = new LruMap<string, number>(2);
    m.set('a', 1);
    m.set('b', 2);
    expect(m.set('a', 10)).toEqual([]);
    expect(m.set('c', 3)).toEqual([['b', 2]]);
    expect(m.get('a')).toBe(10);
  });

  test('deleteIf removes only the value it was given', () => {
    const m = new LruMap<string, object>(3);
    const first = {};
    const second = {};
    m.set('k', first);
    m.set('k', second);
    expect(m.deleteIf('k', first)).toBe(false);
    expect(m.peek('k')).toBe(second);
    expect(m.deleteIf('k', second)).toBe(true);
    expect(m.has('k')).toBe(false);
  });

  test('a missing key is undefined and a capacity below 1 is refused', () => {
    expect(new LruMap<string, number>(1).get('x')).toBeUndefined();
    expect(() => new LruMap(0)).toThrow(RangeError);
  });
});
