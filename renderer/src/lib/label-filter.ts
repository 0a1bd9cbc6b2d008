/**
 * A model's labels as users look for them: a search that also matches a label's ontology
 * ancestors ("Animal" finds "Dog" and "Bark" in AudioSet), ontology branches to filter by, and
 * the one mask the label lane, the heatmap and the segments share. Pure: no store, no DOM.
 */
import type { LabelEntry } from '../../../app/contract/index.js';

/** Labels whose name or any ancestor contains `query` (case-insensitive), in output order. */
export function searchLabels(entries: readonly LabelEntry[], query: string): LabelEntry[] {
  const q = query.trim().toLowerCase();
  if (!q) return [...entries];
  return entries.filter((e) => e.name.toLowerCase().includes(q) || e.ancestors.some((a) => a.toLowerCase().includes(q)));
}

export interface Branch {
  name: string;
  /** Labels in the branch: the node itself when it is a label, and everything under it. */
  members: number;
  /** A root of the ontology (Animal, Music, Human sounds …). */
  root: boolean;
}

/** The branches a filter can choose: every ontology node above some label, roots first, then by name. */
export function ontologyBranches(entries: readonly LabelEntry[]): Branch[] {
  const count = new Map<string, number>();
  const roots = new Set<string>();
  const names = new Set(entries.map((e) => e.name));
  for (const e of entries) {
    if (e.ancestors.length) roots.add(e.ancestors[0]);
    for (const a of e.ancestors) count.set(a, (count.get(a) ?? 0) + 1);
  }
  // A node that is a label itself counts once more (AudioSet's "Animal" is a class too).
  for (const [name, n] of count) if (names.has(name)) count.set(name, n + 1);
  return [...count]
    .map(([name, members]) => ({ name, members, root: roots.has(name) }))
    .sort((a, b) => Number(b.root) - Number(a.root) || a.name.localeCompare(b.name));
}

/** The label names in `branch` (null: no branch chosen, every label). */
export function branchMembers(entries: readonly LabelEntry[], branch: string | null): ReadonlySet<string> | null {
  if (!branch) return null;
  return new Set(entries.filter((e) => e.name === branch || e.ancestors.includes(branch)).map((e) => e.name));
}

/** Per label: does it pass the analysis bar's text filter (substring) and the branch (null: any)? */
export function allowedLabels(labels: readonly string[], filter: string, branch: ReadonlySet<string> | null): boolean[] {
  const f = filter.trim().toLowerCase();
  return labels.map((l) => (!f || l.toLowerCase().includes(f)) && (!branch || branch.has(l)));
}
