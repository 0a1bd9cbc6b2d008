/**
 * Composes per-layer merge maps into groups: `groups[l][j]` is the token index, after layer l,
 * that original token j (0 = cls, 1 = distillation, 2 + p = patch p) belongs to.
 * `maps[l]` maps each token entering layer l to its index after that layer's merge.
 */
export function composeGroups(maps: Int32Array[], numTokens: number): Int32Array[] {
  const groups: Int32Array[] = [];
  let current = new Int32Array(numTokens);
  for (let j = 0; j < numTokens; j++) current[j] = j;
  for (const map of maps) {
    const next = new Int32Array(numTokens);
    for (let j = 0; j < numTokens; j++) next[j] = map[current[j]];
    groups.push(next);
    current = next;
  }
  return groups;
}

/**
 * Canonical form of a partition, for comparing two labelings of the same groups:
 * each element gets the smallest element index of its group.
 */
export function canonicalPartition(labels: ArrayLike<number>): Int32Array {
  const first = new Map<number, number>();
  const out = new Int32Array(labels.length);
  for (let j = 0; j < labels.length; j++) {
    const g = labels[j];
    if (!first.has(g)) first.set(g, j);
    out[j] = first.get(g)!;
  }
  return out;
}

export function samePartition(a: ArrayLike<number>, b: ArrayLike<number>): boolean {
  if (a.length !== b.length) return false;
  const ca = canonicalPartition(a);
  const cb = canonicalPartition(b);
  for (let j = 0; j < ca.length; j++) if (ca[j] !== cb[j]) return false;
  return true;
}
