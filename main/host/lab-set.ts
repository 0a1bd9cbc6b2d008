/** The labelled set of a sweep: found, opened with the models' labels, and thinned for a quick look. */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { LabSweepParams } from '../../app/contract/index.js';
import { audiosetAliases, checkClipFiles, openLabelledSet, type LabelledSet } from '../../app/analysis/labelled-set.js';
import { hostPath, PathRules } from './host-paths.js';

/** The bundled ESC-10 fold-5 set, next to the demo clips or the models (a source checkout). */
export function defaultSet(demoDir: string | null, modelsDir: string): string | null {
  const candidates = [...(demoDir ? [join(dirname(demoDir), 'esc10', 'esc10_fold5.csv')] : []), join(dirname(modelsDir), 'data', 'esc10', 'esc10_fold5.csv')];
  return candidates.find((p) => existsSync(p)) ?? null;
}

/** The set a sweep names, its classes mapped onto `labels` (AudioSet names through the alias table when there is one). */
export async function openSweepSet(params: LabSweepParams, labels: readonly string[], modelsDir: string, paths = new PathRules()): Promise<LabelledSet> {
  const source = await paths.confine(hostPath(params.set, 'labelled set (a CSV file or a folder)'), 'labelled set');
  const audioRoot = params.audioRoot !== undefined ? await paths.confine(hostPath(params.audioRoot, 'audio folder'), 'audio folder') : undefined;
  const aliasFile = join(dirname(modelsDir), 'data', 'labels', 'audioset_class_labels_indices.csv');
  const aliases = existsSync(aliasFile) ? await audiosetAliases(aliasFile) : undefined;
  const set = await openLabelledSet(source, labels, {
    ...(params.fold !== undefined ? { fold: params.fold } : {}),
    ...(audioRoot !== undefined ? { audioRoot } : {}),
    aliases,
    checkFiles: false,
    ...(paths.root ? { readText: (p: string) => readConfined(p, paths) } : {}),
  });
  // A CSV may name clips anywhere ("../", absolute paths, links): each one is a read, confined
  // before any is looked for, so "not found" never tells whether a file outside the root exists.
  if (paths.root) for (const c of set.clips) await paths.confine(c.path, 'clip of the labelled set');
  await checkClipFiles(set);
  return set;
}

/** A CSV under serve --root: read through a handle checked to lie inside the root. */
async function readConfined(path: string, paths: PathRules): Promise<string> {
  const { handle } = await paths.openRead(path, 'labelled set');
  try {
    return await handle.readFile('utf8');
  } finally {
    await handle.close();
  }
}

/** At most `n` clips, taken from the classes in turn (each class in set order), then in set order. */
export function spreadClips(set: LabelledSet, n: number): LabelledSet {
  if (set.clips.length <= n) return set;
  const byClass = new Map<number, number[]>();
  set.clips.forEach((c, i) => {
    const list = byClass.get(c.target);
    if (list) list.push(i);
    else byClass.set(c.target, [i]);
  });
  const queues = [...byClass.values()];
  const picked: number[] = [];
  for (let k = 0; picked.length < n; k++) for (const q of queues) if (k < q.length && picked.length < n) picked.push(q[k]);
  picked.sort((a, b) => a - b);
  return { ...set, clips: picked.map((i) => set.clips[i]) };
}
