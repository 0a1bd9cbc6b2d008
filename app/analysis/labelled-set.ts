import { readdir, readFile, stat } from 'node:fs/promises';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { AUDIO_EXTENSIONS, isAudioFileName } from '../common/audio-extensions.js';
import { FastAstError } from '../errors.js';
import { parseCsv } from './csv.js';

/** One clip of a labelled set, with its labels already mapped onto the model's classes. */
export interface LabelledClip {
  /** Absolute path of the audio file. */
  path: string;
  /** The ESC-50 fold, when the set has a fold column. */
  fold?: number;
  /** The label field as written in the CSV (or the class folder's name). */
  label: string;
  /** Index in the model's id2label of the (first) label. */
  target: number;
  /** Every label of the clip as model indices, in the order written, without repeats (one for single-label sets). */
  targets: number[];
}

export interface LabelledSet {
  /** The CSV file or the folder the set was read from. */
  source: string;
  kind: 'csv' | 'folder';
  /** Folder the CSV paths are relative to (the folder itself for a folder set). */
  audioRoot: string;
  /** Which CSV column held the labels (`category`, `label`, `labels`, `positive_labels`); undefined for folders. */
  labelColumn?: string;
  /**
   * More than one label per clip is possible: the label column is `labels` or `positive_labels`,
   * or some clip has several labels. Such a set is scored by mAP, not accuracy.
   */
  multiLabel: boolean;
  clips: LabelledClip[];
}

export interface ReadSetOptions {
  /** Keep only this fold (the ESC-50 folds 1–5); the CSV must have a fold column. */
  fold?: number;
  /**
   * Other names of the model's labels, e.g. AudioSet ids (`/m/09x0r` → `Speech`, see
   * audiosetAliases). Consulted only for names the model does not have itself.
   */
  aliases?: ReadonlyMap<string, string>;
  /** Fail before any inference when a clip's file is missing (default true for openLabelledSet, false for readLabelledSet). */
  checkFiles?: boolean;
  /** Reads the CSV (default: by its path); serve --root reads it through a handle checked against the root. */
  readText?: (path: string) => Promise<string>;
}

/** Label columns accepted, in order of preference (ESC-10's csv has `category` with names). */
const SINGLE_LABEL_COLUMNS = ['category', 'label'];
/** AudioSet-style columns: several labels in one (quoted) field, separated by `;` or `,`. */
const MULTI_LABEL_COLUMNS = ['labels', 'positive_labels'];
const PATH_COLUMNS = ['path', 'filename'];

/**
 * Label names are compared loosely: case, spaces, hyphens and underscores do not matter, so
 * "Crying baby", "crying-baby" and "crying_baby" all find the model's "crying_baby".
 */
export function normaliseLabel(name: string): string {
  return name.trim().toLowerCase().replace(/[\s_-]+/g, '_');
}

/** Maps written label names onto model indices (loosely, then through aliases). */
export class LabelMatcher {
  private readonly byName: Map<string, number>;

  constructor(
    readonly modelLabels: readonly string[],
    aliases?: ReadonlyMap<string, string>,
  ) {
    this.byName = new Map(modelLabels.map((l, i) => [normaliseLabel(l), i]));
    for (const [alias, name] of aliases ?? []) {
      const i = this.byName.get(normaliseLabel(name));
      const key = normaliseLabel(alias);
      if (i !== undefined && !this.byName.has(key)) this.byName.set(key, i);
    }
  }

  find(name: string): number | undefined {
    return this.byName.get(normaliseLabel(name));
  }

  /**
   * Splits one label field into model indices. The whole field is tried first (AudioSet names
   * hold commas: "Male speech, man speaking"); then `;` separates labels; within a `;`-free
   * part, `,` separates them, and neighbouring pieces are joined back where the joined name is
   * a label (longest first). Returns the indices and the pieces no label matched.
   */
  split(field: string): { targets: number[]; unknown: string[] } {
    const targets: number[] = [];
    const unknown: string[] = [];
    const add = (i: number) => {
      if (!targets.includes(i)) targets.push(i);
    };
    const whole = this.find(field);
    if (whole !== undefined) return { targets: [whole], unknown };
    for (const part of field.split(';')) {
      if (part.trim() === '') continue;
      const direct = this.find(part);
      if (direct !== undefined) {
        add(direct);
        continue;
      }
      const pieces = part.split(',');
      for (let i = 0; i < pieces.length; ) {
        if (pieces[i].trim() === '') {
          i++;
          continue;
        }
        let j = pieces.length;
        while (j > i && this.find(pieces.slice(i, j).join(',')) === undefined) j--;
        if (j === i) {
          unknown.push(pieces[i].trim());
          i++;
        } else {
          add(this.find(pieces.slice(i, j).join(','))!);
          i = j;
        }
      }
    }
    return { targets, unknown };
  }
}

/** AudioSet's `class_labels_indices.csv` (index, mid, display_name) as aliases mid → display name. */
export async function audiosetAliases(csvPath: string): Promise<Map<string, string>> {
  const rows = parseCsv(await readFile(csvPath, 'utf8'));
  const header = rows[0]?.map((h) => h.trim()) ?? [];
  const mid = header.indexOf('mid');
  const name = header.indexOf('display_name');
  if (mid < 0 || name < 0) throw new FastAstError('USAGE', `${csvPath}: expected columns mid and display_name`);
  return new Map(rows.slice(1).map((r) => [r[mid].trim(), r[name].trim()]));
}

function quoteList(xs: Iterable<string>, max = 10): string {
  const all = [...xs];
  return all.slice(0, max).map((x) => JSON.stringify(x)).join(', ') + (all.length > max ? `, … (${all.length} in all)` : '');
}

function unknownLabelsError(where: string, modelLabels: readonly string[], one = false): FastAstError {
  const shown = modelLabels.length > 30 ? `${modelLabels.slice(0, 30).join(', ')}, … (${modelLabels.length} classes)` : modelLabels.join(', ');
  return new FastAstError('USAGE', `${where} ${one ? 'is not one of the classes' : 'are not classes'} of the model (${shown})`);
}

/** Every clip's file must exist before minutes of inference start; names the first few missing. */
export async function checkClipFiles(set: LabelledSet): Promise<void> {
  const missing: string[] = [];
  await Promise.all(
    set.clips.map(async (c) => {
      const info = await stat(c.path).catch(() => null);
      if (!info?.isFile()) missing.push(c.path);
    }),
  );
  if (missing.length > 0) {
    missing.sort();
    const more = missing.length > 5 ? ` and ${missing.length - 5} more` : '';
    throw new FastAstError(
      'FILE_NOT_FOUND',
      `${set.source}: ${missing.length} of ${set.clips.length} clips not found: ${missing.slice(0, 5).join(', ')}${more}` +
        (set.kind === 'csv' ? ` (paths are relative to ${set.audioRoot}; check --audio-root)` : ''),
    );
  }
}

/**
 * Reads a CSV with a path column (`path`, or ESC-50's `filename`; relative to `audioRoot`, or
 * absolute), an optional `fold` column and a label column, and maps each label onto
 * `modelLabels`. The label column is `category` or `label` (one label per clip), or `labels` /
 * `positive_labels` (AudioSet style: several labels in one quoted field, separated by `;` or
 * `,`). Any label the model does not know is an error naming it and the model's labels:
 * evaluating on classes the model cannot output would silently count as misses.
 */
export async function readLabelledSet(
  csvPath: string,
  audioRoot: string,
  modelLabels: readonly string[],
  opts: ReadSetOptions = {},
): Promise<LabelledSet> {
  let text: string;
  try {
    text = await (opts.readText ?? ((p: string) => readFile(p, 'utf8')))(csvPath);
  } catch (e) {
    if (e instanceof FastAstError) throw e;
    throw new FastAstError('FILE_NOT_FOUND', `${csvPath}: cannot read the CSV file`);
  }
  // Lines starting with # are comments (AudioSet's segment lists open with some).
  const rows = parseCsv(text).filter((r) => !r[0]?.trimStart().startsWith('#'));
  if (rows.length === 0) {
    throw new FastAstError('USAGE', `${csvPath}: the CSV is empty; expected a header with path, fold and category (or label, or labels)`);
  }
  const header = rows[0].map((h) => h.trim());
  const col = (name: string) => header.indexOf(name);
  const pathColumn = PATH_COLUMNS.find((c) => col(c) >= 0);
  const labelColumn = [...SINGLE_LABEL_COLUMNS, ...MULTI_LABEL_COLUMNS].find((c) => col(c) >= 0);
  if (!pathColumn || !labelColumn) {
    // The header found is not quoted: an error must not show a file's contents (serve opens any file it is pointed at).
    throw new FastAstError(
      'USAGE',
      `${csvPath}: needs columns "path", "fold" (optional) and "category" or "label" (one label per clip) or "labels" / "positive_labels" (several, separated by ; or ,); its first row has ${header.length} field${header.length === 1 ? '' : 's'} and lacks them`,
    );
  }
  const foldCol = col('fold');
  if (opts.fold !== undefined && foldCol < 0) throw new FastAstError('USAGE', `${csvPath}: has no "fold" column, so --fold ${opts.fold} cannot select clips`);
  const matcher = new LabelMatcher(modelLabels, opts.aliases);
  const unknown = new Set<string>();
  const unknownLines: number[] = [];
  const clips: LabelledClip[] = [];
  rows.slice(1).forEach((r, i) => {
    const line = i + 2;
    let fold: number | undefined;
    if (foldCol >= 0) {
      fold = Number(r[foldCol]);
      if ((r[foldCol] ?? '').trim() === '' || !Number.isInteger(fold)) throw new FastAstError('USAGE', `${csvPath}:${line}: the fold column must hold a whole number`);
      if (opts.fold !== undefined && fold !== opts.fold) return;
    }
    const rel = (r[col(pathColumn)] ?? '').trim();
    if (!rel) throw new FastAstError('USAGE', `${csvPath}:${line}: empty path`);
    const label = (r[col(labelColumn)] ?? '').trim();
    if (!label) throw new FastAstError('USAGE', `${csvPath}:${line}: empty label in column "${labelColumn}"`);
    const { targets, unknown: bad } = matcher.split(label);
    bad.forEach((b) => unknown.add(b));
    if (bad.length > 0) unknownLines.push(line);
    if (bad.length > 0 || targets.length === 0) return;
    const path = isAbsolute(rel) ? rel : resolve(audioRoot, rel);
    clips.push({ path, ...(fold !== undefined ? { fold } : {}), label, target: targets[0], targets });
  });
  if (unknown.size > 0) {
    // Lines, not the labels: the labels are the file's contents (serve opens any file it is pointed at).
    const lines = unknownLines.slice(0, 10).join(', ') + (unknownLines.length > 10 ? `, … (${unknownLines.length} lines)` : '');
    throw unknownLabelsError(`${csvPath}: ${unknown.size} label${unknown.size === 1 ? '' : 's'} in column "${labelColumn}" (line${unknownLines.length === 1 ? '' : 's'} ${lines})`, modelLabels, unknown.size === 1);
  }
  if (clips.length === 0) {
    throw new FastAstError('USAGE', `${csvPath}: no clips${opts.fold !== undefined ? ` in fold ${opts.fold}` : ''}`);
  }
  const set: LabelledSet = {
    source: csvPath,
    kind: 'csv',
    audioRoot,
    labelColumn,
    multiLabel: MULTI_LABEL_COLUMNS.includes(labelColumn) || clips.some((c) => c.targets.length > 1),
    clips,
  };
  if (opts.checkFiles) await checkClipFiles(set);
  return set;
}

async function audioFilesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    if (e.name.startsWith('.')) continue;
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await audioFilesUnder(p)));
    else if (isAudioFileName(e.name)) out.push(p);
  }
  return out;
}

/**
 * A folder with one sub-folder per class (`dog/`, `rain/`, …; names matched as CSV labels
 * are), audio files anywhere below each. Files directly in the folder and hidden entries are
 * ignored; a sub-folder the model has no class for is an error.
 */
export async function readFolderSet(dirIn: string, modelLabels: readonly string[], opts: Omit<ReadSetOptions, 'fold'> = {}): Promise<LabelledSet> {
  const dir = resolve(dirIn);
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch {
    throw new FastAstError('FILE_NOT_FOUND', `${dir}: cannot read the folder`);
  }
  const classDirs = entries.filter((e) => e.isDirectory() && !e.name.startsWith('.')).map((e) => e.name).sort();
  if (classDirs.length === 0) {
    throw new FastAstError('USAGE', `${dir}: no class sub-folders; a folder set holds one sub-folder per class (e.g. dog/, rain/) with the audio files inside`);
  }
  const matcher = new LabelMatcher(modelLabels, opts.aliases);
  const unknown = classDirs.filter((d) => matcher.find(d) === undefined);
  if (unknown.length > 0) throw unknownLabelsError(`${dir}: class folder(s) ${quoteList(unknown)}`, modelLabels);
  const clips: LabelledClip[] = [];
  for (const name of classDirs) {
    const target = matcher.find(name)!;
    for (const path of (await audioFilesUnder(join(dir, name))).sort()) clips.push({ path, label: name, target, targets: [target] });
  }
  if (clips.length === 0) {
    throw new FastAstError('USAGE', `${dir}: the class folders (${classDirs.join(', ')}) hold no audio files (${AUDIO_EXTENSIONS.map((x) => `.${x}`).join(' ')})`);
  }
  return { source: dir, kind: 'folder', audioRoot: dir, multiLabel: false, clips };
}

/**
 * A labelled set from a path: a folder → readFolderSet; a file → readLabelledSet with paths
 * relative to `audioRoot` (default: the CSV's folder). Checks that every clip's file exists
 * unless `checkFiles` is false.
 */
export async function openLabelledSet(
  source: string,
  modelLabels: readonly string[],
  opts: ReadSetOptions & { audioRoot?: string } = {},
): Promise<LabelledSet> {
  const info = await stat(source).catch(() => null);
  if (!info) throw new FastAstError('FILE_NOT_FOUND', `${source}: no such CSV file or folder`);
  const checkFiles = opts.checkFiles ?? true;
  if (info.isDirectory()) {
    if (opts.fold !== undefined) throw new FastAstError('USAGE', `${source}: a folder set has no folds; --fold needs a CSV with a fold column`);
    return readFolderSet(source, modelLabels, opts); // listed from disk: the files exist
  }
  return readLabelledSet(source, opts.audioRoot ?? dirname(resolve(source)), modelLabels, { ...opts, checkFiles });
}
