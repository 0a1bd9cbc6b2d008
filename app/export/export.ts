import { basename, extname, join } from 'node:path';
import {
  COMBINABLE_EXPORT_FORMATS,
  DEFAULT_EXPORT_INCLUDE,
  INCLUDED_REVIEWS,
  SEGMENT_EXPORT_FORMATS as EXPORT_FORMATS,
  type SegmentExportFormat as ExportFormat,
  type SegmentExportInclude,
} from '../common/export-formats.js';
import { decodeAudioFile } from '../audio/decode.js';
import { FastAstError } from '../errors.js';
import { ALL, selectSegments, type Selection } from '../segments/select.js';
import { byTime, type Provenance, type RecordingSegments } from '../segments/types.js';
import { refuseExisting, writeFilesAtomically, type OutputFile, type WriteOptions } from './atomic-write.js';
import { writeAudacityLabels } from './audacity.js';
import { writeBirdnetCsv } from './birdnet-csv.js';
import { writeLabelStudio } from './label-studio.js';
import { writeRavenTable } from './raven.js';
import { writeSegmentsJson } from './segments-json.js';
import { makeSidecar, SIDECAR_SUFFIX, type Sidecar } from './sidecar.js';
import { writeSonicVisualiserRegions } from './sonic-visualiser.js';
import { writeTextGrid } from './textgrid.js';
import { clipName, clipSamples, encodeWav16 } from './wav.js';

export { EXPORT_FORMATS, type ExportFormat };

export const COMBINABLE = COMBINABLE_EXPORT_FORMATS;

/** File name endings, after the recording's stem; Raven's and BirdNET's are the names those tools give their own files. */
const SUFFIX: Record<Exclude<ExportFormat, 'clips'>, string> = {
  audacity: '.labels.txt',
  raven: '.Table.1.selections.txt',
  csv: '.BirdNET.results.csv',
  textgrid: '.TextGrid',
  sv: '.regions.csv',
  labelstudio: '.labelstudio.json',
  json: '.segments.json',
};

/** Audio for clips: mono samples and their rate (and the rate the file had, when it was resampled). */
export interface ClipAudio {
  samples: Float32Array;
  sampleRate: number;
  sourceSampleRate?: number;
}

export interface ExportRequest {
  format: ExportFormat;
  recordings: readonly RecordingSegments[];
  /** Must exist: an export never creates folders, so a mistyped path fails instead of scattering files. */
  outDir: string;
  /** The analysis settings, written to every sidecar. */
  provenance: Provenance;
  selection?: Selection;
  /**
   * Which review states are written, after the selection: default 'not-rejected' (accepted and
   * unreviewed), 'accepted' only, or 'all'. Every format obeys it, so a rejected segment never
   * reaches a file unless asked for.
   */
  include?: SegmentExportInclude;
  /** Audacity only: the review and score as a label suffix, `dog [accepted 0.9123]` (Audacity has no column for them). */
  audacityReview?: boolean;
  /** One file for all recordings (raven, csv, labelstudio, json); default one file per recording. */
  combined?: boolean;
  /** Name (without ending) of a combined file; default "segments". */
  combinedName?: string;
  /** Replace existing files; without it an existing target fails EXISTS before anything is written. */
  overwrite?: boolean;
  /** Clips only: default decodes with app/audio at the file's own rate (mono). */
  loadAudio?: (file: string) => Promise<ClipAudio>;
  /** Checks each file as it is created, before it is written (serve --root: where it really is); see writeFilesAtomically. */
  checkCreated?: WriteOptions['checkCreated'];
}

export interface ExportResult {
  /** Every file written, sidecars included, in the order written. */
  files: string[];
  /** Segments exported (after the selection). */
  segments: number;
}

const stem = (file: string) => basename(file, extname(file));

/**
 * Writes the selected segments in one format, with a sidecar per exported file. All files of
 * a table export are written in one all-or-nothing step; clips are written recording by
 * recording (all clips of a long recording at once would not fit in memory), each recording's
 * clips and sidecar all-or-nothing.
 */
export async function exportSegments(req: ExportRequest): Promise<ExportResult> {
  const selection = req.selection ?? ALL;
  const include = req.include ?? DEFAULT_EXPORT_INCLUDE;
  const keep = new Set(INCLUDED_REVIEWS[include]);
  const recordings = req.recordings.map((r) => ({
    ...r,
    segments: selectSegments(r.segments, selection)
      .filter((s) => keep.has(s.review))
      .sort(byTime),
  }));
  const segments = recordings.reduce((n, r) => n + r.segments.length, 0);
  if (req.combined && !COMBINABLE.includes(req.format)) {
    throw new FastAstError('USAGE', `${req.format} is written one file per recording; a combined file is available for ${COMBINABLE.join(', ')}`);
  }
  const format = req.format;
  if (format === 'clips') return { files: await exportClips(req, recordings, selection, include), segments };
  const used = new Set<string>();
  const ending = SUFFIX[format];
  const names = req.combined ? [(req.combinedName ?? 'segments') + ending] : recordings.map((r) => uniqueName(stem(r.file), ending, used));
  const groups = req.combined ? [recordings] : recordings.map((r) => [r]);
  const files: OutputFile[] = [];
  groups.forEach((group, i) => {
    const path = join(req.outDir, names[i]);
    files.push({ path, data: render(format, group, req.provenance, Boolean(req.combined), Boolean(req.audacityReview)) });
    files.push(sidecarFile(path, makeSidecar(format, [names[i]], req.provenance, group, selection, include)));
  });
  if (!req.overwrite) await refuseExisting(files.map((f) => f.path));
  await writeFilesAtomically(files, { checkCreated: req.checkCreated });
  return { files: files.map((f) => f.path), segments };
}

function render(format: Exclude<ExportFormat, 'clips'>, group: RecordingSegments[], provenance: Provenance, combined: boolean, audacityReview: boolean): string {
  switch (format) {
    case 'audacity':
      return writeAudacityLabels(group[0].segments, audacityReview);
    case 'raven':
      return writeRavenTable(group, combined);
    case 'csv':
      return writeBirdnetCsv(group);
    case 'textgrid':
      return writeTextGrid(group[0]);
    case 'sv':
      return writeSonicVisualiserRegions(group[0].segments);
    case 'labelstudio':
      return writeLabelStudio(group, provenance);
    case 'json':
      return writeSegmentsJson(group);
  }
}

function sidecarFile(exported: string, sidecar: Sidecar): OutputFile {
  return { path: exported + SIDECAR_SUFFIX, data: JSON.stringify(sidecar, null, 2) + '\n' };
}

/**
 * `base + ending`, made unique within `used` (compared without case, as on Windows and macOS):
 * two recordings with one stem (a/rec.wav, b/rec.wav) exported to one folder become rec… and
 * rec-2…, never an overwrite of each other.
 */
function uniqueName(base: string, ending: string, used: Set<string>): string {
  let name = base + ending;
  for (let n = 2; used.has(name.toLowerCase()); n++) name = `${base}-${n}${ending}`;
  used.add(name.toLowerCase());
  return name;
}

async function defaultAudio(file: string): Promise<ClipAudio> {
  const a = await decodeAudioFile(file, { keepSourceRate: true });
  return { samples: a.samples, sampleRate: a.sampleRate, sourceSampleRate: a.sourceSampleRate };
}

async function exportClips(req: ExportRequest, recordings: RecordingSegments[], selection: Selection, include: SegmentExportInclude): Promise<string[]> {
  const load = req.loadAudio ?? defaultAudio;
  const written: string[] = [];
  const used = new Set<string>();
  const sidecarNames = recordings.map((r) => uniqueName(stem(r.file), '.clips' + SIDECAR_SUFFIX, used));
  // Every name first, so that an existing one fails before any recording is written.
  const clipNames = recordings.map((rec) => rec.segments.map((s) => uniqueName(clipName(s, rec.durationS).slice(0, -'.wav'.length), '.wav', used)));
  if (!req.overwrite) await refuseExisting([...sidecarNames, ...clipNames.flat()].map((n) => join(req.outDir, n)));
  for (const [i, rec] of recordings.entries()) {
    const audio = await load(rec.file);
    const files: OutputFile[] = [];
    for (const [k, s] of rec.segments.entries()) {
      files.push({ path: join(req.outDir, clipNames[i][k]), data: encodeWav16(clipSamples(audio.samples, audio.sampleRate, s.startS, s.endS), audio.sampleRate) });
    }
    const resampled = audio.sourceSampleRate !== undefined && audio.sourceSampleRate !== audio.sampleRate;
    const note = resampled
      ? `mono ${audio.sampleRate} Hz, resampled from the file's ${audio.sourceSampleRate} Hz`
      : `mono ${audio.sampleRate} Hz, the file's own rate`;
    const clipFiles = files.map((f) => basename(f.path));
    const sidecar = makeSidecar('clips', clipFiles, req.provenance, [rec], selection, include, { sampleRate: audio.sampleRate, channels: 1, note });
    files.push({ path: join(req.outDir, sidecarNames[i]), data: JSON.stringify(sidecar, null, 2) + '\n' });
    await writeFilesAtomically(files, { checkCreated: req.checkCreated });
    written.push(...files.map((f) => f.path));
  }
  return written;
}
