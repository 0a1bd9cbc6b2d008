import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { parseCsv } from '../analysis/csv.js';
import { FastAstError } from '../errors.js';

/** data/labels/ of this package (found from this file, not the working directory). */
export const LABELS_DIR = fileURLToPath(new URL('../../data/labels/', import.meta.url));

/**
 * The label lists and input statistics of the AST recipes, by class count: an original AST /
 * FastAST checkpoint carries neither, and its class count is the only hint of its recipe.
 * mean / std are the recipes' fbank normalisation (`dataset_mean` / `dataset_std` in their run scripts).
 */
export interface Recipe {
  name: string;
  classes: number;
  labelFile: string;
  mean: number;
  std: number;
}

export const RECIPES: Recipe[] = [
  { name: 'AudioSet', classes: 527, labelFile: 'audioset_class_labels_indices.csv', mean: -4.2677393, std: 4.5689974 },
  { name: 'ESC-50', classes: 50, labelFile: 'esc50_class_labels_indices.csv', mean: -6.6268077, std: 5.358466 },
  { name: 'Speech Commands v2', classes: 35, labelFile: 'speech_commands_v2_class_labels_indices.csv', mean: -6.845978, std: 5.5654526 },
];

/**
 * Reads a label CSV: a header with a `display_name` (or `label`, `name`) column and optionally an
 * `index` column (the AST code's class_labels_indices.csv layout); rows in index order.
 */
export async function readLabelCsv(path: string): Promise<string[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    throw new FastAstError('FILE_NOT_FOUND', `${path}: no such label file`);
  }
  const [header, ...rows] = parseCsv(text);
  const cols = (header ?? []).map((h) => h.trim().toLowerCase());
  const nameCol = ['display_name', 'label', 'name'].map((c) => cols.indexOf(c)).find((i) => i >= 0);
  if (nameCol === undefined) {
    throw new FastAstError('USAGE', `${path}: a label CSV needs a header with a display_name (or label, name) column, e.g. "index,mid,display_name"`);
  }
  const indexCol = cols.indexOf('index');
  const labels: string[] = new Array(rows.length);
  rows.forEach((row, r) => {
    const i = indexCol >= 0 ? Number(row[indexCol]) : r;
    if (!Number.isInteger(i) || i < 0 || i >= rows.length || labels[i] !== undefined) {
      throw new FastAstError('USAGE', `${path}: line ${r + 2}: the index column must hold a whole number 0…${rows.length - 1}, each once`);
    }
    labels[i] = (row[nameCol] ?? '').trim();
  });
  return labels;
}
