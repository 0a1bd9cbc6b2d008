import { describe, expect, it } from 'vitest';
import { readFile } from 'node:fs/promises';
import { specFromConfigs } from '../app/checkpoint/spec.js';
import { forwardFlops } from '../app/tome/flops.js';
import { canonicalPartition, composeGroups, samePartition } from '../app/tome/groups.js';
import {
  applySchedule,
  constantSchedule,
  explicitSchedule,
  inflectionSchedule,
  maxR,
  mergeRatio,
  parseScheduleList,
  rForMergeRatio,
} from '../app/tome/schedule.js';
import { FIXTURES, manifest } from './helpers/fixtures.js';

async function tinySpec() {
  return specFromConfigs(JSON.parse(await readFile(FIXTURES + 'tiny-ast/config.json', 'utf8')), null, 'tiny');
}

describe('merge schedules', () => {
  it('clamps exactly as the reference in all 165 fixture cases', async () => {
    for (const c of (await manifest()).cases) {
      const applied = applySchedule(1214, c.schedule, c.protect_distillation);
      expect(applied.rApplied, c.key).toEqual(c.r_applied);
      expect(applied.tokens, c.key).toEqual([...c.tokens_in_per_layer, c.final_tokens]);
    }
  });

  it('follows ToMe parse_r for (r, inflection)', () => {
    expect(constantSchedule(8, 4)).toEqual([8, 8, 8, 8]);
    expect(inflectionSchedule(8, 0, 4)).toEqual([8, 8, 8, 8]);
    expect(inflectionSchedule(8, 1, 5)).toEqual([0, 4, 8, 12, 16]);
    expect(inflectionSchedule(8, -1, 5)).toEqual([16, 12, 8, 4, 0]);
    expect(inflectionSchedule(10, 0.5, 3)).toEqual([5, 10, 15]);
  });

  it('pads explicit lists and rejects bad ones', () => {
    expect(explicitSchedule([4, 2], 4)).toEqual([4, 2, 0, 0]);
    expect(() => explicitSchedule([1, 2, 3, 4, 5], 4)).toThrow(/5 entries but the model has 4 layers/);
    expect(parseScheduleList('8, 4,0')).toEqual([8, 4, 0]);
    expect(() => parseScheduleList('8,-1')).toThrow(/non-negative integers/);
    expect(() => parseScheduleList('8,,2')).toThrow();
    expect(() => constantSchedule(1.5, 2)).toThrow(/non-negative integer/);
  });

  it('maps a merge ratio to r and back', async () => {
    const spec = await tinySpec();
    expect(maxR(spec, true)).toBe(606);
    const r = rForMergeRatio(spec, 0.5, true);
    const ratio = mergeRatio(applySchedule(spec.numTokens, constantSchedule(r, 4), true));
    expect(Math.abs(ratio - 0.5)).toBeLessThan(2 / spec.numTokens);
    expect(rForMergeRatio(spec, 0, true)).toBe(0);
  });

  it('counts fewer FLOPs as tokens go, about linearly for a small model', async () => {
    const spec = await tinySpec();
    const full = forwardFlops(spec, applySchedule(1214, [0, 0, 0, 0], true)).total;
    const merged = forwardFlops(spec, applySchedule(1214, [300, 300, 0, 0], true)).total;
    expect(merged).toBeLessThan(full);
    expect(full).toBeGreaterThan(1e9);
  });
});

describe('merge groups', () => {
  it('composes per-layer maps into groups of original tokens', () => {
    // 5 tokens; layer 0 merges token 4 into 3 and swaps order; layer 1 merges tokens now at 1 and 2.
    const maps = [Int32Array.from([0, 2, 1, 3, 3]), Int32Array.from([0, 1, 1, 2])];
    const groups = composeGroups(maps, 5);
    expect(Array.from(groups[0])).toEqual([0, 2, 1, 3, 3]);
    expect(Array.from(groups[1])).toEqual([0, 1, 1, 2, 2]);
  });

  it('compares partitions, not labels', () => {
    expect(samePartition([5, 5, 7, 9], [0, 0, 1, 2])).toBe(true);
    expect(samePartition([5, 5, 7, 9], [0, 1, 1, 2])).toBe(false);
    expect(Array.from(canonicalPartition([3, 1, 3, 1]))).toEqual([0, 1, 0, 1]);
  });
});
