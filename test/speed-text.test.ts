/** The Speed panel's wording (renderer/src/lib/speed-text.ts): only the paired median decides "faster" or "slower". */
import { describe, expect, test } from 'vitest';
import type { SpeedView } from '../app/contract/index.js';
import { MIN_PAIRS, speedView } from '../main/host/run-timings.js';
import { SPEED_MIN_PAIRS, speedText } from '../renderer/src/lib/speed-text.js';

const pair = (baseMs: number, mergedMs: number) => ({ baseMs, mergedMs });

describe('Speed panel text', () => {
  test('measuring until the host has 3 pairs, with the count so far and no ratio', () => {
    expect(SPEED_MIN_PAIRS).toBe(MIN_PAIRS);
    expect(speedText(speedView([]), false)).toMatchObject({ headline: 'measuring… (0/3 pairs)', verdict: 'measuring', spread: '' });
    expect(speedText(speedView([pair(50, 25), pair(52, 26)]), false).headline).toBe('measuring… (2/3 pairs)');
  });

  test('the median of the pair ratios, its IQR and the pair count', () => {
    const t = speedText(speedView([pair(50, 25), pair(52, 28), pair(48, 27), pair(51, 27), pair(60, 30)]), false);
    expect(t.verdict).toBe('faster');
    expect(t.headline).toBe('1.89× faster');
    expect(t.spread).toMatch(/^IQR 1\.8\d–2\.00× · 5 pairs$/);
    expect(t.withinNoise).toBe(false);
  });

  test('one pair caught by a burst of load does not make merging look slower', () => {
    const v = speedView([pair(50, 26), pair(50, 27), pair(20, 90), pair(49, 25), pair(51, 26)]);
    expect(speedText(v, false).verdict).toBe('faster');
  });

  test('slower only when the paired median says so; a spread across 1× is called within the noise', () => {
    const slower = speedText(speedView([pair(50, 56), pair(50, 55), pair(50, 54)]), false);
    expect(slower).toMatchObject({ verdict: 'slower', headline: '1.10× slower', withinNoise: false });
    const noisy = speedText(speedView([pair(50, 45), pair(50, 52), pair(50, 47), pair(50, 51)]), false);
    expect(noisy.verdict).toBe('faster');
    expect(noisy.withinNoise).toBe(true);
    const same: SpeedView = { ...speedView([pair(50, 50), pair(50, 50), pair(50, 50)]) };
    expect(speedText(same, false).verdict).toBe('same');
  });

  test('r = 0 is the baseline itself', () => {
    expect(speedText(speedView([]), true).verdict).toBe('same');
  });
});
