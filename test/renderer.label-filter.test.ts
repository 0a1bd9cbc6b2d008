/** The renderer's label search, ontology branches and low-score rule (pure: lib/label-filter, lib/reach). */
import { describe, expect, test } from 'vitest';
import { allowedLabels, branchMembers, ontologyBranches, searchLabels } from '../renderer/src/lib/label-filter.js';
import { LOW_TOP_SIGMOID, LOW_TOP_SOFTMAX, reachOf, windowTop } from '../renderer/src/lib/reach.js';

const ENTRIES = [
  { name: 'Animal', ancestors: [] },
  { name: 'Dog', ancestors: ['Animal', 'Domestic animals, pets'] },
  { name: 'Bark', ancestors: ['Animal', 'Domestic animals, pets', 'Dog'] },
  { name: 'Music', ancestors: [] },
  { name: 'Guitar', ancestors: ['Music', 'Musical instrument', 'Plucked string instrument'] },
  { name: 'Speech', ancestors: ['Human sounds', 'Human voice'] },
];

describe('label search and branches', () => {
  test('"Animal" finds Dog and Bark through their ancestors; case does not matter', () => {
    expect(searchLabels(ENTRIES, 'animal').map((e) => e.name)).toEqual(['Animal', 'Dog', 'Bark']);
    expect(searchLabels(ENTRIES, '  ').length).toBe(ENTRIES.length);
    expect(searchLabels(ENTRIES, 'harp')).toEqual([]);
  });

  test('branches: roots first, each with its labels counted (a node that is a label counts itself)', () => {
    const b = ontologyBranches(ENTRIES);
    expect(b.filter((x) => x.root).map((x) => x.name)).toEqual(['Animal', 'Human sounds', 'Music']);
    expect(b.find((x) => x.name === 'Animal')!.members).toBe(3);
    expect(b.find((x) => x.name === 'Dog')).toMatchObject({ members: 2, root: false });
  });

  test('the mask combines the text filter and the branch', () => {
    const labels = ENTRIES.map((e) => e.name);
    const animal = branchMembers(ENTRIES, 'Animal');
    expect(allowedLabels(labels, '', animal)).toEqual([true, true, true, false, false, false]);
    expect(allowedLabels(labels, 'ar', animal)).toEqual([false, false, true, false, false, false]);
    expect(allowedLabels(labels, '', branchMembers(ENTRIES, null))).toEqual(labels.map(() => true));
  });
});

describe('reach: low top scores per kind of score', () => {
  const labels = ['a', 'b', 'c'];
  test('softmax: windows under 0.5 are low; half of them or more make the file mostly low', () => {
    const scores = Float32Array.from([0.44, 0.3, 0.26, 0.1, 0.57, 0.33]);
    const r = reachOf(scores, 2, labels, false);
    expect(r).toMatchObject({ windows: 2, lowWindows: 1, bestLabel: 'b', mostlyLow: true, line: LOW_TOP_SOFTMAX });
    expect(r.bestTop).toBeCloseTo(0.57, 5);
    expect(windowTop(scores, 0, labels)).toMatchObject({ label: 'a' });
    expect(reachOf(Float32Array.from([0.9, 0.05, 0.05, 0.2, 0.7, 0.1, 0.3, 0.3, 0.4]), 3, labels, false).mostlyLow).toBe(false);
  });

  test('sigmoid: the line is lower, since each class scores alone', () => {
    const scores = Float32Array.from([0.35, 0.1, 0.02]);
    expect(reachOf(scores, 1, labels, true)).toMatchObject({ lowWindows: 0, mostlyLow: false, line: LOW_TOP_SIGMOID });
    expect(reachOf(scores, 1, labels, false).mostlyLow).toBe(true);
  });
});
