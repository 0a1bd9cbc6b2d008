import { describe, expect, it } from 'vitest';
import { RunTimings, timingKey } from '../main/host/run-timings.js';

describe('RunTimings: the Speed panel compares medians of recent runs, not single runs', () => {
  const key = timingKey('m', 'cpu', { schedule: [16, 16], propAttn: true, protectDistillation: true });

  it('a single slow run (the machine busy for a moment) does not move the median far', () => {
    const t = new RunTimings();
    expect(t.record(key, 60)).toBe(60);
    expect(t.record(key, 240)).toBe(150);
    expect(t.record(key, 62)).toBe(62);
    expect(t.record(key, 61)).toBe(61.5);
  });

  it('keeps the last 7 runs, so the median follows a lasting change of load', () => {
    const t = new RunTimings();
    for (let i = 0; i < 7; i++) t.record(key, 50);
    for (let i = 0; i < 3; i++) expect(t.record(key, 100)).toBe(50);
    expect(t.record(key, 100)).toBe(100); // 4 of the last 7 runs are slow now
  });

  it('keeps settings apart, and falls back to the given time for a setting never run', () => {
    const t = new RunTimings();
    const other = timingKey('m', 'cpu', { schedule: [0, 0], propAttn: true, protectDistillation: true });
    const otherFlags = timingKey('m', 'cpu', { schedule: [16, 16], propAttn: false, protectDistillation: true });
    t.record(key, 30);
    t.record(other, 70);
    expect(t.typical(key, -1)).toBe(30);
    expect(t.typical(other, -1)).toBe(70);
    expect(t.typical(otherFlags, 123)).toBe(123);
  });

  it('forgets the least recently used settings beyond 256', () => {
    const t = new RunTimings();
    const k = (i: number) => timingKey('m', 'cpu', { schedule: [i], propAttn: true, protectDistillation: true });
    for (let i = 0; i < 300; i++) t.record(k(i), i);
    t.record(k(10), 10); // used again: kept
    t.record(k(400), 400);
    expect(t.typical(k(0), -1)).toBe(-1);
    expect(t.typical(k(10), -1)).toBe(10);
    expect(t.typical(k(299), -1)).toBe(299);
  });
});
