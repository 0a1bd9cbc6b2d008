import { open, type FileHandle } from 'node:fs/promises';
import type { SegmentImportFormat as ImportFormat } from '../common/export-formats.js';
import { FastAstError } from '../errors.js';
import type { RecordingSegments, Segment } from '../segments/types.js';
import { readAudacityLabels } from './audacity.js';
import { importError, segmentsFromRows, type ImportedRow } from './imported.js';
import { readRavenTable } from './raven.js';
import { readProvenance, readSegmentsJson } from './segments-json.js';
import { SIDECAR_SUFFIX, sidecarProvenance, type Sidecar } from './sidecar.js';

export type { ImportFormat };

export interface ImportOptions {
  /** Default: told apart by content (our JSON, a header with "Begin Time (s)", else Audacity labels). */
  format?: ImportFormat;
  /**
   * The recording the segments belong to, where the file does not say (Audacity labels, a
   * single-file Raven table). Default: the one recording named by the sidecar beside the file.
   */
  file?: string;
  /**
   * Opens a file to read (default: by its name). serve --root passes one that refuses files
   * outside the root, the sidecar beside the file included (a link there is not followed).
   */
  openFile?: (path: string) => Promise<FileHandle>;
}

/**
 * Reads segments back from Audacity labels, a Raven selection table or our JSON. The sidecar
 * beside an Audacity or Raven file (written by export) restores provenance, the recording's
 * name and its length; without one, the segments have no provenance and the recording is
 * as long as its last segment.
 */
export async function importSegments(path: string, opts: ImportOptions = {}): Promise<RecordingSegments[]> {
  const openFile = opts.openFile ?? ((p: string) => open(p, 'r'));
  const text = await readText(path, openFile);
  const format = opts.format ?? sniff(text);
  if (format === 'json') return readSegmentsJson(text, path);
  const sidecar = await readSidecar(path + SIDECAR_SUFFIX, openFile);
  const file = opts.file ?? (sidecar?.recordings.length === 1 ? sidecar.recordings[0].file : undefined);
  let rows: ImportedRow[];
  if (format === 'raven') {
    rows = readRavenTable(text, path, file);
  } else {
    if (file === undefined) throw importError(path, null, 'Audacity labels do not name their recording; say which recording they belong to');
    rows = readAudacityLabels(text, path, file);
  }
  const segments = segmentsFromRows(rows, sidecar ? sidecarProvenance(sidecar) : undefined);
  return groupByFile(segments, sidecar);
}

function sniff(text: string): ImportFormat {
  const start = text.replace(/^\uFEFF/, '').trimStart();
  if (start.startsWith('{')) return 'json';
  const header = start.split(/\r?\n/, 1)[0];
  return header.split('\t').some((h) => h.trim() === 'Begin Time (s)') ? 'raven' : 'audacity';
}

async function readWith(path: string, openFile: (path: string) => Promise<FileHandle>): Promise<string> {
  const fh = await openFile(path);
  try {
    return await fh.readFile('utf8');
  } finally {
    await fh.close();
  }
}

async function readText(path: string, openFile: (path: string) => Promise<FileHandle>): Promise<string> {
  try {
    return await readWith(path, openFile);
  } catch (e) {
    if (e instanceof FastAstError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') throw new FastAstError('FILE_NOT_FOUND', `${path}: no such file`);
    throw new FastAstError('IMPORT_INVALID', `${path}: cannot be read (${(e as Error).message})`);
  }
}

/** The sidecar, if there is a readable one; a broken sidecar only costs provenance, never the import. */
async function readSidecar(path: string, openFile: (path: string) => Promise<FileHandle>): Promise<Sidecar | undefined> {
  try {
    const s = JSON.parse(await readWith(path, openFile)) as Sidecar;
    if (s?.format !== 'fastast-sidecar' || !Array.isArray(s.recordings)) return undefined;
    readProvenance(sidecarProvenance(s), path, 'sidecar');
    return s;
  } catch {
    return undefined;
  }
}

/** Recordings in order of first appearance; lengths from the sidecar, else the last segment's end. */
function groupByFile(segments: Segment[], sidecar: Sidecar | undefined): RecordingSegments[] {
  const byFile = new Map<string, Segment[]>();
  for (const file of sidecar?.recordings.map((r) => r.file) ?? []) byFile.set(file, []);
  for (const s of segments) byFile.set(s.file, [...(byFile.get(s.file) ?? []), s]);
  return [...byFile].map(([file, segs]) => ({
    file,
    durationS: sidecar?.recordings.find((r) => r.file === file)?.durationS ?? Math.max(0, ...segs.map((s) => s.endS)),
    segments: segs,
  }));
}
