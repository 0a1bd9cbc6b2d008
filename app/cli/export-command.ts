import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { classifyFile } from '../analysis/classify.js';
import { DEFAULT_EXPORT_INCLUDE, SEGMENT_EXPORT_INCLUDES, type SegmentExportInclude } from '../common/export-formats.js';
import { FastAstError, isFastAstError } from '../errors.js';
import { COMBINABLE, EXPORT_FORMATS, exportSegments, type ExportFormat } from '../export/export.js';
import { segmentsFromWindows } from '../segments/from-windows.js';
import type { Provenance, RecordingSegments } from '../segments/types.js';
import { applySchedule } from '../tome/schedule.js';
import { parseCli, type ClassifyArgs } from './args.js';
import { schedulePerLayer } from './classify-command.js';
import { eachFile, EXIT_CANCELLED, EXIT_FAILED, EXIT_OK, reportFailures, type CliIo } from './io.js';
import { openModel } from './model.js';

export const DEFAULT_THRESHOLD = 0.5;

export const EXPORT_HELP = `Usage: fastast export FILE... --format FORMAT [options]

Classifies each file (as fastast classify does), turns windows scoring at or above the
threshold into segments (consecutive or overlapping windows of one label merge into one) and
writes them, with a sidecar <exported file>.fastast.json (model and hash, schedule, flags,
window, hop, threshold, app version) beside each exported file.

Formats:
  audacity      Audacity labels, one <stem>.labels.txt per file
  raven         Raven selection table, <stem>.Table.1.selections.txt (or one combined table)
  csv           BirdNET-style CSV, <stem>.BirdNET.results.csv (or combined)
  textgrid      Praat TextGrid, one tier per label, <stem>.TextGrid
  sv            Sonic Visualiser region CSV, <stem>.regions.csv
  labelstudio   Label Studio tasks with predictions, <stem>.labelstudio.json (or combined)
  json          FastAST segments JSON (reads back exactly), <stem>.segments.json (or combined)
  clips         one 16-bit WAV per segment, {label}_{confidence}_{stem}_{start}s_{end}s.wav
                (mono, at the file's own sample rate)

Options:
  --format FORMAT           one of ${EXPORT_FORMATS.join(', ')} (required)
  --threshold X             lowest window score that makes a segment, 0…1 (default ${DEFAULT_THRESHOLD})
  --labels a,b              only these labels (names as the model has them)
  --out DIR                 existing folder to write to (default: the current folder)
  --combined                one file for all FILEs (${COMBINABLE.join(', ')}); the Raven table runs
                            Begin Time on across files, with Begin Path and File Offset (s)
  --name NAME               file name of a combined export (default: segments)
  --include WHICH           which review states to write: not-rejected (accepted and unreviewed,
                            the default), accepted, or all. A fresh analysis is all unreviewed;
                            the choice matters for reviewed segments (the app's export)
  --audacity-review         audacity: add the review and score to each label, "dog [unreviewed 0.9123]"
  --r N, --inflection X, --schedule a,b,c, --hop SECONDS, --model DIR, --no-prop-attn,
  --unprotect-distillation, --ep EP, --threads N
                            model, merge and window options as in fastast classify --help
  --overwrite               replace files that exist (without it, an existing file is an
                            error that names it, and nothing is written)
  --json                    print {"format","segments","files":[…]} instead of one path per line
  -h, --help                this help

Writes are atomic: a failed export names the path and the reason and leaves no partial file.
Existing files are never replaced without --overwrite.
A file that cannot be classified is reported on stderr and left out; the exit code is then 1.
`;

interface ExportArgs {
  classify: ClassifyArgs;
  format: ExportFormat;
  threshold: number;
  /** As typed; split against the model's labels once they are known (AudioSet labels hold commas). */
  labels?: string;
  outDir: string;
  combined: boolean;
  name?: string;
  overwrite: boolean;
  include: SegmentExportInclude;
  audacityReview: boolean;
}

/** Flags of export itself; everything else is classify's and is parsed by classify's parser. */
const OWN = { format: 'value', threshold: 'value', labels: 'value', out: 'value', name: 'value', combined: 'flag', overwrite: 'flag', include: 'value', 'audacity-review': 'flag' } as const;
/** Classify flags that have no meaning for an export. */
const NOT_FOR_EXPORT = ['top', 'logits'];

/** "--flag=value" → flag and value; "--flag" → flag; anything else → neither. */
function splitFlag(arg: string): { flag?: string; inline?: string } {
  if (!arg.startsWith('--')) return {};
  const eq = arg.indexOf('=');
  return eq < 0 ? { flag: arg.slice(2) } : { flag: arg.slice(2, eq), inline: arg.slice(eq + 1) };
}

function usage(message: string): FastAstError {
  return new FastAstError('USAGE', `${message} (see: fastast export --help)`);
}

/** Splits export's own flags off and hands the rest to classify's parser, so both commands read model and merge options alike. */
export function parseExportArgs(argv: string[]): ExportArgs | 'help' {
  const own: Record<string, string | true> = {};
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '-h' || arg === '--help') return 'help';
    const { flag, inline } = splitFlag(arg);
    const kind = flag === undefined ? undefined : OWN[flag as keyof typeof OWN];
    if (flag !== undefined && NOT_FOR_EXPORT.includes(flag)) throw usage(`--${flag} is an option of fastast classify, not of export`);
    if (kind === 'flag') {
      if (inline !== undefined) throw usage(`option --${flag} takes no value`);
      own[flag!] = true;
    } else if (kind === 'value') {
      const value = inline ?? argv[++i];
      if (value === undefined || (inline === undefined && value.startsWith('--'))) throw usage(`option --${flag} needs a value`);
      own[flag!] = value;
    } else rest.push(arg);
  }
  let parsed;
  try {
    parsed = parseCli(['classify', ...rest]);
  } catch (e) {
    // classify's parser speaks of itself; the user typed "export".
    if (isFastAstError(e)) throw new FastAstError(e.code, e.message.replace(/fastast classify/g, 'fastast export'));
    throw e;
  }
  if (parsed.command !== 'classify') return 'help';
  const format = own.format;
  if (typeof format !== 'string') throw usage(`--format is required: one of ${EXPORT_FORMATS.join(', ')}`);
  if (!EXPORT_FORMATS.includes(format as ExportFormat)) throw usage(`--format must be one of ${EXPORT_FORMATS.join(', ')}, got "${format}"`);
  const threshold = own.threshold === undefined ? DEFAULT_THRESHOLD : Number(own.threshold);
  if (typeof own.threshold === 'string' && (own.threshold.trim() === '' || !(threshold >= 0 && threshold <= 1))) {
    throw usage(`--threshold must be a number from 0 to 1, got "${own.threshold}"`);
  }
  const combined = own.combined === true;
  if (combined && !COMBINABLE.includes(format as ExportFormat)) throw usage(`--combined works with ${COMBINABLE.join(', ')}; ${format} is one file per recording`);
  if (own.name !== undefined && !combined) throw usage('--name names a combined export; add --combined');
  const include = own.include ?? DEFAULT_EXPORT_INCLUDE;
  if (!SEGMENT_EXPORT_INCLUDES.includes(include as SegmentExportInclude)) throw usage(`--include must be one of ${SEGMENT_EXPORT_INCLUDES.join(', ')}, got "${String(include)}"`);
  if (own['audacity-review'] && format !== 'audacity') throw usage('--audacity-review works with --format audacity only');
  return {
    classify: parsed,
    format: format as ExportFormat,
    threshold,
    labels: typeof own.labels === 'string' ? own.labels : undefined,
    outDir: typeof own.out === 'string' ? own.out : '.',
    combined,
    name: typeof own.name === 'string' ? own.name : undefined,
    overwrite: own.overwrite === true,
    include: include as SegmentExportInclude,
    audacityReview: own['audacity-review'] === true,
  };
}

/**
 * "dog,rain" → ["dog", "rain"]; AudioSet labels hold commas ("Child speech, kid speaking"), so
 * the longest run of comma-separated pieces that names a model label is taken first.
 */
export function splitLabels(raw: string, modelLabels: readonly string[]): string[] {
  const pieces = raw.split(',').map((p) => p.trim());
  const known = new Set(modelLabels);
  const out: string[] = [];
  for (let i = 0; i < pieces.length; ) {
    let j = pieces.length;
    while (j > i && !known.has(pieces.slice(i, j).join(', '))) j--;
    if (j === i) {
      if (pieces[i] === '') {
        i++;
        continue;
      }
      throw usage(`--labels: "${pieces[i]}" is not one of the model's labels (${modelLabels.slice(0, 12).join(', ')}${modelLabels.length > 12 ? ', …' : ''})`);
    }
    out.push(pieces.slice(i, j).join(', '));
    i = j;
  }
  return out;
}

/** Fails before minutes of inference, not after: the folder must exist (export never creates one). */
async function checkOutDir(dir: string): Promise<void> {
  const info = await stat(dir).catch(() => null);
  if (!info) throw new FastAstError('EXPORT_FAILED', `${dir}: the output folder does not exist; create it first`);
  if (!info.isDirectory()) throw new FastAstError('EXPORT_FAILED', `${dir}: --out must be a folder, and this is a file`);
}

/** `fastast export …`: the dispatcher passes the arguments after "export". */
export async function runExportCommand(argv: string[], io: CliIo): Promise<number> {
  const args = parseExportArgs(argv);
  if (args === 'help') {
    io.out(EXPORT_HELP);
    return EXIT_OK;
  }
  await checkOutDir(args.outDir);
  const { checkpoint, engine } = await openModel(args.classify, (line) => io.err(line + '\n'));
  try {
    const { spec } = engine;
    const labels = args.labels === undefined ? undefined : splitLabels(args.labels, spec.labels);
    const requested = schedulePerLayer(args.classify.schedule, spec.numLayers);
    const settings = { schedule: requested, propAttn: args.classify.propAttn, protectDistillation: args.classify.protectDistillation };
    const provenance = (hopFrames: number): Provenance => ({
      modelId: checkpoint.id,
      modelSha256: checkpoint.sha256,
      schedule: applySchedule(spec.numTokens, requested, args.classify.protectDistillation).rApplied,
      propAttn: settings.propAttn,
      protectDistillation: settings.protectDistillation,
      windowS: spec.maxLength / 100,
      hopS: hopFrames / 100,
      threshold: args.threshold,
    });
    const recordings: RecordingSegments[] = [];
    let prov: Provenance | undefined;
    // Absolute, so that Raven's Begin Path and Label Studio's audio find the file from anywhere.
    const failed = await eachFile(args.classify.files.map((given) => resolve(given)), io, async (file) => {
      const c = await classifyFile(engine, file, { settings, hopS: args.classify.hopS, topK: 1, signal: io.signal });
      prov = provenance(c.hopFrames);
      recordings.push({ file, durationS: c.durationS, segments: segmentsFromWindows(file, c.windows, spec.labels, prov, labels) });
    });
    if (failed === 'cancelled') return EXIT_CANCELLED;
    if (prov) {
      const result = await exportSegments({
        format: args.format,
        recordings,
        outDir: args.outDir,
        provenance: prov,
        combined: args.combined,
        combinedName: args.name,
        overwrite: args.overwrite,
        include: args.include,
        audacityReview: args.audacityReview,
      });
      io.out(args.classify.json ? JSON.stringify({ format: args.format, segments: result.segments, files: result.files }) + '\n' : result.files.map((f) => f + '\n').join(''));
    }
    reportFailures(io, failed, args.classify.files.length);
    return failed > 0 ? EXIT_FAILED : EXIT_OK;
  } finally {
    await engine.dispose();
  }
}
