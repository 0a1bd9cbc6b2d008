import { readFile } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';
import { FastAstError } from '../errors.js';
import { parseCsv } from './csv.js';

/** One clip of a labelled set, with its label already mapped onto the model's classes. */
export interface LabelledClip {
  /** Absolute path of the audio file. */
  path: string;
  fold: number;
  /** The label as written in the CSV. */
  label: string;
  /** Index in the model's id2label. */
  target: number;
}

export interface LabelledSet {
  csv: string;
  audioRoot: string;
  /** Which column held the labels: `category` or `label`. */
  labelColumn: string;
  clips: LabelledClip[];
}

export interface ReadSetOptions {
  /** Keep only this fold (the ESC-50 folds 1–5). */
  fold?: number;
}

/** Label columns accepted, in order of preference (ESC-10's csv has `category` with names). */
const LABEL_COLUMNS = ['category', 'label'];

/**
 * Label names are compared loosely: case, spaces, hyphens and underscores do not matter, so
 * "Crying baby", "crying-baby" and "crying_baby" all find the model's "crying_baby".
 */
export function normaliseLabel(name: string): string {
  return name.trim().toLowerCase().replace(/[\s_-]+/g, '_');
}

/**
 * Reads a CSV with columns `path` (relative to `audioRoot`, or absolute), `fold` and a label
 * column, and maps each label onto `modelLabels`. Any label the model does not know is an
 * error naming it and the model's labels: evaluating on classes the model cannot output
 * would silently count as misses.
 */
export async function readLabelledSet(
  csvPath: string,
  audioRoot: string,
  modelLabels: readonly string[],
  opts: ReadSetOptions = {},
): Promise<LabelledSet> {
  let text: string;
  try {
    text = await readFile(csvPath, 'utf8');
  } catch {
    throw new FastAstError('FILE_NOT_FOUND', `${csvPath}: cannot read the CSV file`);
  }
  const rows = parseCsv(text);
  if (rows.length === 0) throw new FastAstError('USAGE', `${csvPath}: the CSV is empty; expected a header with path, fold and category (or label)`);
  const header = rows[0].map((h) => h.trim());
  const col = (name: string) => header.indexOf(name);
  const labelColumn = LABEL_COLUMNS.find((c) => col(c) >= 0);
  if (col('path') < 0 || col('fold') < 0 || !labelColumn) {
    throw new FastAstError(
      'USAGE',
      `${csvPath}: needs columns "path", "fold" and "category" or "label"; found ${header.map((h) => JSON.stringify(h)).join(', ')}`,
    );
  }
  const byName = new Map(modelLabels.map((l, i) => [normaliseLabel(l), i]));
  const unknown = new Set<string>();
  const clips: LabelledClip[] = [];
  rows.slice(1).forEach((r, i) => {
    const line = i + 2;
    const fold = Number(r[col('fold')]);
    if (!Number.isInteger(fold)) throw new FastAstError('USAGE', `${csvPath}:${line}: fold "${r[col('fold')]}" is not an integer`);
    if (opts.fold !== undefined && fold !== opts.fold) return;
    const rel = (r[col('path')] ?? '').trim();
    if (!rel) throw new FastAstError('USAGE', `${csvPath}:${line}: empty path`);
    const label = (r[col(labelColumn)] ?? '').trim();
    const target = byName.get(normaliseLabel(label));
    if (target === undefined) {
      unknown.add(label);
      return;
    }
    clips.push({ path: isAbsolute(rel) ? rel : resolve(audioRoot, rel), fold, label, target });
  });
  if (unknown.size > 0) {
    throw new FastAstError(
      'USAGE',
      `${csvPath}: label(s) ${[...unknown].map((l) => JSON.stringify(l)).join(', ')} in column "${labelColumn}" are not classes of the model (${modelLabels.join(', ')})`,
    );
  }
  if (clips.length === 0) {
    throw new FastAstError('USAGE', `${csvPath}: no clips${opts.fold !== undefined ? ` in fold ${opts.fold}` : ''}`);
  }
  return { csv: csvPath, audioRoot, labelColumn, clips };
}
