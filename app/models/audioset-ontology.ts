/**
 * The AudioSet ontology (data/labels/audioset_ontology.json, CC BY-SA 4.0, Google) as each
 * label's ancestors, so that a label search for "Animal" finds "Dog" and "Bark". A model's labels
 * are AudioSet's when every one of them is a display name of the AudioSet class list; the list's
 * AudioSet ids (mids) lead into the ontology, whose nodes name their children only.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { LABELS_DIR, RECIPES } from '../checkpoint/label-lists.js';
import { parseCsv } from '../analysis/csv.js';

export interface LabelAncestry {
  name: string;
  /** Ancestor names, root first, each once (a node may have several parents). */
  ancestors: string[];
}

interface OntologyNode {
  id: string;
  name: string;
  child_ids?: string[];
}

interface Ontology {
  /** display name of the AudioSet class list → mid */
  midByName: Map<string, string>;
  nameById: Map<string, string>;
  parentsById: Map<string, string[]>;
}

let loaded: Promise<Ontology> | undefined;

async function readOntology(): Promise<Ontology> {
  const nodes = JSON.parse(await readFile(join(LABELS_DIR, 'audioset_ontology.json'), 'utf8')) as OntologyNode[];
  const nameById = new Map(nodes.map((n) => [n.id, n.name]));
  const parentsById = new Map<string, string[]>();
  for (const n of nodes) {
    for (const child of n.child_ids ?? []) parentsById.set(child, [...(parentsById.get(child) ?? []), n.id]);
  }
  const audioset = RECIPES.find((r) => r.classes === 527)!;
  const [header, ...rows] = parseCsv(await readFile(join(LABELS_DIR, audioset.labelFile), 'utf8'));
  const midCol = (header ?? []).indexOf('mid');
  const nameCol = (header ?? []).indexOf('display_name');
  const midByName = new Map(rows.filter((r) => r.length > nameCol).map((r) => [r[nameCol].trim(), r[midCol].trim()]));
  return { midByName, nameById, parentsById };
}

/** Read once per process (about 1 MB), on the first request for labels. */
function ontology(): Promise<Ontology> {
  loaded ??= readOntology().catch((e) => {
    loaded = undefined; // a later call may try again
    throw e;
  });
  return loaded;
}

function ancestorIds(o: Ontology, id: string, seen: Set<string>): string[] {
  const out: string[] = [];
  for (const parent of o.parentsById.get(id) ?? []) {
    if (seen.has(parent)) continue; // the ontology is a DAG; a shared ancestor is listed once
    seen.add(parent);
    out.push(...ancestorIds(o, parent, seen), parent);
  }
  return out;
}

/** Each label with its ontology ancestors, or undefined when the labels are not AudioSet's. */
export async function audiosetAncestry(labels: readonly string[]): Promise<LabelAncestry[] | undefined> {
  if (labels.length === 0) return undefined;
  const o = await ontology();
  if (!labels.every((l) => o.midByName.has(l))) return undefined;
  return labels.map((name) => ({
    name,
    ancestors: ancestorIds(o, o.midByName.get(name)!, new Set()).map((id) => o.nameById.get(id) ?? id),
  }));
}
