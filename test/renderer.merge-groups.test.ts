// The merge view's math (renderer/src/lib/merge-groups.ts) on synthetic merge runs: the groups
// drawn after each layer must be the tokens the run says are left, and their colours must follow
// the patches, not the token numbering.
import { describe, expect, it } from 'vitest';
import { composeGroups } from '../app/tome/groups.js';
import { GROUP_HUES } from '../renderer/src/lib/color.js';
import { seededRandom } from '../app/common/random.js';
import {
  cellBins,
  cellFrames,
  gridOf,
  groupHues,
  layerGroups,
  levelRange,
  marginMedians,
  patchAt,
  patchLevels,
  type Grid,
  type RunGroups,
} from '../renderer/src/lib/merge-groups.js';

const rng = seededRandom;

/**
 * A ToMe-like run over `N` tokens (0 = cls, 1 = distillation, 2 + p = patch p): at each layer
 * r[l] tokens are merged away into others. cls never merges; the distillation token may take
 * patches only when `intoDist` (ToMe without protection).
 */
function syntheticRun(N: number, r: number[], seed: number, intoDist = false): RunGroups {
  const rand = rng(seed);
  const maps: Int32Array[] = [];
  const sourceScores = new Float32Array(r.length * N).fill(NaN);
  const margins = new Float32Array(r.length * N).fill(NaN);
  const tokensPerLayer = [N];
  let alive = N;
  // carrier[j]: the token index, entering the current layer, that carries original token j.
  let carrier = Int32Array.from({ length: N }, (_, j) => j);
  r.forEach((rl, l) => {
    const firstSource = 2;
    const candidates = [...Array(alive - firstSource).keys()].map((i) => i + firstSource);
    const sources = new Set<number>();
    while (sources.size < rl) sources.add(candidates[Math.floor(rand() * candidates.length)]);
    const lowestDest = intoDist ? 1 : 2;
    const map = new Int32Array(alive);
    const kept = [...Array(alive).keys()].filter((t) => !sources.has(t));
    kept.forEach((t, i) => (map[t] = i));
    for (const s of sources) {
      const dests = kept.filter((t) => t >= lowestDest);
      map[s] = map[dests[Math.floor(rand() * dests.length)]];
    }
    for (let j = 0; j < N; j++) {
      if (sources.has(carrier[j])) {
        sourceScores[l * N + j] = 0.9 + 0.1 * rand();
        margins[l * N + j] = 1e-6 + rand() * 1e-2;
      }
      carrier[j] = map[carrier[j]];
    }
    maps.push(map);
    alive -= rl;
    tokensPerLayer.push(alive);
    carrier = Int32Array.from(carrier);
  });
  const groups = composeGroups(
    maps.map((m) => m),
    N,
  );
  const flat = new Int32Array(r.length * N);
  groups.forEach((layerGroup: Int32Array, l: number) => flat.set(layerGroup, l * N));
  return { groups: flat, sourceScores, margins, tokensPerLayer };
}

// A small model: 4 frequency rows × 6 time columns of patches over 40 bins × 100 frames.
const grid: Grid = gridOf({ freqPatches: 4, timePatches: 6, frequencyStride: 10, timeStride: 16, numMelBins: 40, maxLength: 100 });
const P = grid.F * grid.T;
const N = P + 2;
const flatLevel = new Float32Array(P).fill(0.5);

describe('patch grid geometry', () => {
  it('tiles the input exactly: cells abut, the last row and column run to the edge', () => {
    expect(cellBins(grid, 0)).toEqual([0, 10]);
    expect(cellBins(grid, grid.F - 1)).toEqual([30, 40]);
    expect(cellFrames(grid, 0)).toEqual([0, 16]);
    // 6 × 16 = 96 frames: the last column takes the 4 left over.
    expect(cellFrames(grid, grid.T - 1)).toEqual([80, 100]);
    for (let c = 1; c < grid.T; c++) expect(cellFrames(grid, c)[0]).toBe(cellFrames(grid, c - 1)[1]);
  });

  it('patchAt finds the cell that holds a point, and nothing outside the input', () => {
    for (let p = 0; p < P; p++) {
      const [b0, b1] = cellBins(grid, Math.floor(p / grid.T));
      const [t0, t1] = cellFrames(grid, p % grid.T);
      expect(patchAt(grid, t0, b0)).toBe(p);
      expect(patchAt(grid, t1 - 0.01, b1 - 0.01)).toBe(p);
    }
    expect(patchAt(grid, 99.5, 39.5)).toBe(P - 1);
    expect(patchAt(grid, -0.1, 5)).toBeNull();
    expect(patchAt(grid, 100, 5)).toBeNull();
    expect(patchAt(grid, 5, 40)).toBeNull();
  });
});

describe('patch levels', () => {
  it('are 0…1 and rank the cells by their input level', () => {
    // Input level rises with the patch column; one loud cell at row 2, column 1.
    const input = new Float32Array(grid.frames * grid.bins);
    for (let t = 0; t < grid.frames; t++) for (let b = 0; b < grid.bins; b++) input[t * grid.bins + b] = t / 10 + (t >= 16 && t < 32 && b >= 20 && b < 30 ? 50 : 0);
    const w = { input, melBins: grid.bins, validFrames: grid.frames };
    const level = patchLevels(w, grid, levelRange(w));
    for (const v of level) expect(v >= 0 && v <= 1).toBe(true);
    expect(level[2 * grid.T + 1]).toBe(Math.max(...level));
    expect(level[0 * grid.T + 0]).toBeLessThan(level[0 * grid.T + 4]);
  });
});

describe('layer groups', () => {
  it.each([
    { r: [3, 3, 2, 2], seed: 1 },
    { r: [6, 4, 0, 5], seed: 7 },
    { r: [1, 1, 1, 1, 1, 1], seed: 42 },
  ])('one group per patch token left after each layer (r = $r)', ({ r, seed }) => {
    const run = syntheticRun(N, r, seed);
    expect(layerGroups(run, 0, grid, N, flatLevel).members.size).toBe(P);
    for (let l = 1; l <= r.length; l++) {
      const g = layerGroups(run, l, grid, N, flatLevel);
      // cls and the distillation token hold no patch here: every other token is one group.
      expect(g.members.size).toBe(run.tokensPerLayer[l] - 2);
      expect(g.tokens).toBe(run.tokensPerLayer[l]);
      let patches = 0;
      for (const [k, list] of g.members) {
        expect(g.size.get(k)).toBe(list.length);
        patches += list.length;
      }
      expect(patches).toBe(P);
    }
  });

  it('marks a group that holds the distillation token and tints it even when it is one patch', () => {
    const run = syntheticRun(N, [8, 6], 3, true);
    const g = layerGroups(run, 2, grid, N, flatLevel);
    const dist = run.groups[1 * N + 1];
    expect(g.special.get(dist)).toBe('dist');
    expect(g.special.get(run.groups[1 * N + 0])).toBe('cls');
    // Groups are the tokens left, less cls, less the distillation token when no patch joined it.
    expect(g.members.size).toBe(run.tokensPerLayer[2] - 1 - (g.members.has(dist) ? 0 : 1));
    if (g.members.has(dist)) expect(g.hue.get(dist)).not.toBeNull();
  });

  it('remembers the last merge of each patch and the smallest margin of its group', () => {
    const run = syntheticRun(N, [5, 5, 5], 11);
    const g = layerGroups(run, 3, grid, N, flatLevel);
    for (let p = 0; p < P; p++) {
      const last = g.lastLayer[p];
      if (last < 0) {
        expect(Number.isNaN(g.lastScore[p])).toBe(true);
        continue;
      }
      expect(g.lastScore[p]).toBe(run.sourceScores[(last - 1) * N + 2 + p]);
      // No later merge of this patch's token.
      for (let l = last; l < 3; l++) expect(Number.isNaN(run.sourceScores[l * N + 2 + p])).toBe(true);
      // Its own decision counts for its group, so the group's margin is at most that one.
      expect(g.groupMargin[p]).toBeLessThanOrEqual(g.lastMargin[p]);
    }
  });
});

describe('group colours', () => {
  /** Patch-grid neighbours (right, down, both diagonals down), as the colouring sees them. */
  function touching(g: Grid, group: Int32Array): [number, number][] {
    const pairs: [number, number][] = [];
    for (let row = 0; row < g.F; row++)
      for (let col = 0; col < g.T; col++)
        for (const [dr, dc] of [
          [0, 1],
          [1, 0],
          [1, 1],
          [1, -1],
        ]) {
          const r2 = row + dr;
          const c2 = col + dc;
          if (r2 < g.F && c2 >= 0 && c2 < g.T) pairs.push([group[row * g.T + col], group[r2 * g.T + c2]]);
        }
    return pairs;
  }

  it('lone patches get none; merged groups get a palette hue; touching merged groups differ', () => {
    const run = syntheticRun(N, [4, 4], 5);
    const g = layerGroups(run, 2, grid, N, flatLevel);
    for (const [k, list] of g.members) {
      if (list.length < 2) expect(g.hue.get(k)).toBeNull();
      else expect(GROUP_HUES).toContain(g.hue.get(k));
    }
    // 8 merges over 24 patches: far fewer merged groups than hues, so no two touching ones share.
    for (const [a, b] of touching(grid, g.group)) {
      if (a === b) continue;
      const ha = g.hue.get(a);
      const hb = g.hue.get(b);
      if (ha != null && hb != null) expect(ha).not.toBe(hb);
    }
  });

  it('follow the patches, not the token numbers: renumbering the tokens keeps every patch its colour', () => {
    const run = syntheticRun(N, [5, 3], 9);
    const g = layerGroups(run, 2, grid, N, flatLevel);
    const renumber = (k: number) => 1000 - k;
    const group = g.group.map(renumber);
    const members = new Map([...g.members].map(([k, v]) => [renumber(k), v]));
    const special = new Map([...g.special].map(([k, v]) => [renumber(k), v]));
    const hue = groupHues(grid, group, members, special);
    for (let p = 0; p < P; p++) expect(hue.get(group[p])).toBe(g.hue.get(g.group[p]));
  });

  it('are the same on every call (a redraw does not recolour)', () => {
    const run = syntheticRun(N, [6, 2, 2], 13);
    const a = layerGroups(run, 3, grid, N, flatLevel);
    const b = layerGroups(run, 3, grid, N, flatLevel);
    expect([...b.hue]).toEqual([...a.hue]);
  });
});

describe('margin medians', () => {
  it('split the patches at the end of the audio and take the median of each side', () => {
    const groupMargin = new Float32Array(P).fill(NaN);
    // Columns 0–3 are audio (frames < 64), 4–5 padding; three margins on each side.
    groupMargin[0] = 1e-3;
    groupMargin[1] = 3e-3;
    groupMargin[2] = 2e-3;
    groupMargin[4] = 1e-6;
    groupMargin[5] = 5e-6;
    groupMargin[grid.T + 5] = 3e-6;
    expect(marginMedians({ groupMargin }, grid, 64)).toEqual({ pad: (3e-6).toExponential(2), audio: (2e-3).toExponential(2) });
    expect(marginMedians({ groupMargin: new Float32Array(P).fill(NaN) }, grid, 64)).toEqual({ pad: '', audio: '' });
  });
});
