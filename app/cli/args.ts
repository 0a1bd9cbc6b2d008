import { parseArgs } from 'node:util';
import { FastAstError } from '../errors.js';
import type { ExecutionProvider } from '../engine/types.js';
import type { WeightsPrecision } from '../graph/tome-ast.js';
import { parseScheduleList, SHAPE_INFLECTION, type ScheduleShape } from '../tome/schedule.js';

/** How the user asked for the merge schedule; turned into r per layer once the model's depth is known. */
export type ScheduleRequest =
  | { kind: 'constant'; r: number }
  | { kind: 'inflection'; r: number; inflection: number }
  | { kind: 'explicit'; list: number[] };

/** Flags shared by both commands: which model, how to run it, how to merge. */
export interface CommonArgs {
  /** Checkpoint folder; undefined = the bundled default. */
  model?: string;
  json: boolean;
  propAttn: boolean;
  protectDistillation: boolean;
  threads?: number;
  ep?: ExecutionProvider;
  /** --weights int8: 8-bit Linear weights (default float32). */
  weights: WeightsPrecision;
  /** Windows per engine run; undefined = the measured default (app/analysis/run-windows.ts). */
  batch?: number;
}

export interface ClassifyArgs extends CommonArgs {
  command: 'classify';
  files: string[];
  schedule: ScheduleRequest;
  /** Hop between windows in seconds; undefined = one window length (no overlap). */
  hopS?: number;
  top: number;
  logits: boolean;
}

export interface EvalArgs extends CommonArgs {
  command: 'eval';
  /** The labelled set: a CSV file or a folder with one sub-folder per class (--set, or --csv). */
  set: string;
  /** The CSV, when given as --csv. */
  csv?: string;
  /** Folder the CSV paths are relative to; undefined = the CSV's own folder. */
  audioRoot?: string;
  fold?: number;
  /** Checkpoint folders of --models (empty: the one of --model, or the bundled default). */
  models: string[];
  /** r values to sweep. */
  rs: number[];
  /** Schedule shapes to sweep (default constant). */
  shapes: ScheduleShape[];
  /** Proportional attention settings to sweep: [true], [false] or both. */
  propAttnModes: boolean[];
  /** Where to write the table: *.csv (one row per model × setting) or *.json (everything). */
  out?: string;
  /** Folder of the on-disk result cache. */
  cache?: string;
  /** Sessions per model, each with --threads threads; a batch is split across them (default 1). */
  sessions?: number;
}

export type CliArgs = ClassifyArgs | EvalArgs | { command: 'help'; topic?: 'classify' | 'eval' };

const EPS: readonly ExecutionProvider[] = ['cpu', 'webgpu', 'dml', 'coreml', 'wasm'];

const COMMON = {
  model: { type: 'string' },
  json: { type: 'boolean' },
  'no-prop-attn': { type: 'boolean' },
  'unprotect-distillation': { type: 'boolean' },
  threads: { type: 'string' },
  ep: { type: 'string' },
  weights: { type: 'string' },
  batch: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

const CLASSIFY = {
  ...COMMON,
  r: { type: 'string' },
  schedule: { type: 'string' },
  inflection: { type: 'string' },
  hop: { type: 'string' },
  top: { type: 'string' },
  logits: { type: 'boolean' },
} as const;

const EVAL = {
  ...COMMON,
  csv: { type: 'string' },
  set: { type: 'string' },
  'audio-root': { type: 'string' },
  fold: { type: 'string' },
  r: { type: 'string' },
  models: { type: 'string' },
  shape: { type: 'string' },
  'prop-attn': { type: 'string' },
  out: { type: 'string' },
  cache: { type: 'string' },
  sessions: { type: 'string' },
} as const;

const SHAPES = Object.keys(SHAPE_INFLECTION) as ScheduleShape[];

function usage(command: string, message: string): FastAstError {
  return new FastAstError('USAGE', `${message} (see: fastast ${command} --help)`);
}

/**
 * parseArgs reads "-1" after a flag as another option, yet "--inflection -1" is ToMe's
 * decreasing schedule: glue a negative number to its flag ("--inflection=-1") first.
 */
export function glueNegativeNumbers(args: string[], options: Record<string, { type: string }>): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const name = args[i].startsWith('--') ? args[i].slice(2) : undefined;
    if (name && options[name]?.type === 'string' && /^-\d|^-\.\d/.test(args[i + 1] ?? '')) {
      out.push(`${args[i]}=${args[i + 1]}`);
      i++;
    } else out.push(args[i]);
  }
  return out;
}

/** parseArgs' own messages suggest "--" tricks; say plainly what was wrong instead. */
function parse<T extends typeof CLASSIFY | typeof EVAL>(command: string, args: string[], options: T) {
  try {
    return parseArgs({ args: glueNegativeNumbers(args, options), options, strict: true, allowPositionals: true });
  } catch (e) {
    const err = e as { code?: string; message: string };
    const flag = /'(-[^' ]+)/.exec(err.message)?.[1];
    if (err.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') throw usage(command, `unknown option ${flag ?? err.message} for "fastast ${command}"`);
    if (err.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
      throw usage(command, /does not take/.test(err.message) ? `option ${flag} takes no value` : `option ${flag} needs a value`);
    }
    throw usage(command, err.message);
  }
}

function int(command: string, flag: string, text: string, min: number): number {
  const v = Number(text);
  if (text.trim() === '' || !Number.isInteger(v) || v < min) {
    throw usage(command, `--${flag} must be an integer ≥ ${min}, got "${text}"`);
  }
  return v;
}

function float(command: string, flag: string, text: string, positive: boolean): number {
  const v = Number(text);
  if (text.trim() === '' || !Number.isFinite(v) || (positive && v <= 0)) {
    throw usage(command, `--${flag} must be a ${positive ? 'positive ' : ''}number, got "${text}"`);
  }
  return v;
}

function common(command: string, v: Record<string, string | boolean | undefined>): CommonArgs {
  const ep = v.ep as string | undefined;
  if (ep !== undefined && !EPS.includes(ep as ExecutionProvider)) {
    throw usage(command, `--ep must be one of ${EPS.join(', ')}, got "${ep}"`);
  }
  const weights = (v.weights as string | undefined) ?? 'float32';
  if (weights !== 'float32' && weights !== 'int8') throw usage(command, `--weights takes float32 or int8, got "${weights}"`);
  return {
    model: v.model as string | undefined,
    json: Boolean(v.json),
    propAttn: !v['no-prop-attn'],
    protectDistillation: !v['unprotect-distillation'],
    threads: v.threads === undefined ? undefined : int(command, 'threads', v.threads as string, 0),
    ep: ep as ExecutionProvider | undefined,
    weights,
    batch: v.batch === undefined ? undefined : int(command, 'batch', v.batch as string, 1),
  };
}

function scheduleRequest(v: Record<string, string | boolean | undefined>): ScheduleRequest {
  const { r, schedule, inflection } = v as Record<string, string | undefined>;
  if (schedule !== undefined) {
    if (r !== undefined || inflection !== undefined) throw usage('classify', '--schedule cannot be combined with --r or --inflection');
    try {
      return { kind: 'explicit', list: parseScheduleList(schedule) };
    } catch (e) {
      throw usage('classify', `--schedule: ${(e as Error).message}`);
    }
  }
  if (inflection !== undefined) {
    if (r === undefined) throw usage('classify', '--inflection needs --r (ToMe schedule: r with an inflection, e.g. --r 16 --inflection -1)');
    return { kind: 'inflection', r: int('classify', 'r', r, 0), inflection: float('classify', 'inflection', inflection, false) };
  }
  return { kind: 'constant', r: r === undefined ? 0 : int('classify', 'r', r, 0) };
}

function parseClassify(args: string[]): CliArgs {
  const { values: v, positionals } = parse('classify', args, CLASSIFY);
  if (v.help) return { command: 'help', topic: 'classify' };
  if (positionals.length === 0) throw usage('classify', 'no audio file given; e.g. fastast classify data/demo/church_bells_inspectorj_371267.flac');
  return {
    command: 'classify',
    ...common('classify', v),
    files: positionals,
    schedule: scheduleRequest(v),
    hopS: v.hop === undefined ? undefined : float('classify', 'hop', v.hop, true),
    top: v.top === undefined ? 3 : int('classify', 'top', v.top, 1),
    logits: Boolean(v.logits),
  };
}

function parseEval(args: string[]): CliArgs {
  const { values: v, positionals } = parse('eval', args, EVAL);
  if (v.help) return { command: 'help', topic: 'eval' };
  if (positionals.length > 0) throw usage('eval', `unexpected argument "${positionals[0]}"; eval reads its files from --csv or --set`);
  if (v.csv !== undefined && v.set !== undefined) throw usage('eval', '--csv and --set both name the labelled set; give one');
  const set = v.set ?? v.csv;
  if (set === undefined) throw usage('eval', '--csv FILE or --set CSV_OR_FOLDER is required (a CSV with path, fold, category or label columns, or a folder with one sub-folder per class)');
  let rs = [0];
  if (v.r !== undefined) {
    try {
      rs = parseScheduleList(v.r);
    } catch {
      throw usage('eval', `--r must be comma-separated non-negative integers, e.g. 0,8,16; got "${v.r}"`);
    }
  }
  if (v.model !== undefined && v.models !== undefined) throw usage('eval', '--model and --models both name the model; use --models DIR,DIR for several');
  const models = v.models === undefined ? [] : v.models.split(',').map((m) => m.trim());
  if (v.models !== undefined && models.some((m) => m === '')) throw usage('eval', `--models must be comma-separated checkpoint folders, got "${v.models}"`);
  const shapes = (v.shape ?? 'constant').split(',').map((x) => x.trim()) as ScheduleShape[];
  const badShape = shapes.find((x) => !SHAPES.includes(x));
  if (badShape !== undefined) throw usage('eval', `--shape takes ${SHAPES.join(', ')} (or several, comma-separated), got "${badShape}"`);
  const pa = v['prop-attn'];
  if (pa !== undefined && !['on', 'off', 'both'].includes(pa)) throw usage('eval', `--prop-attn takes on, off or both, got "${pa}"`);
  if (pa !== undefined && v['no-prop-attn'] && pa !== 'off') throw usage('eval', `--no-prop-attn contradicts --prop-attn ${pa}`);
  const propAttnModes = pa === 'both' ? [true, false] : pa === 'off' || v['no-prop-attn'] ? [false] : [true];
  if (v.out !== undefined && !/\.(csv|json)$/i.test(v.out)) throw usage('eval', `--out must name a .csv or .json file, got "${v.out}"`);
  const c = common('eval', v);
  return {
    command: 'eval',
    ...c,
    propAttn: propAttnModes[0],
    set,
    ...(v.csv !== undefined ? { csv: v.csv } : {}),
    audioRoot: v['audio-root'],
    fold: v.fold === undefined ? undefined : int('eval', 'fold', v.fold, 0),
    models,
    rs: [...new Set(rs)],
    shapes: [...new Set(shapes)],
    propAttnModes,
    out: v.out,
    cache: v.cache,
    sessions: v.sessions === undefined ? undefined : int('eval', 'sessions', v.sessions, 1),
  };
}

/** Parses argv (without node and the script). Throws FastAstError('USAGE') with a fix-it message. */
export function parseCli(argv: string[]): CliArgs {
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    const topic = rest[0];
    return { command: 'help', topic: topic === 'classify' || topic === 'eval' ? topic : undefined };
  }
  if (command === 'classify') return parseClassify(rest);
  if (command === 'eval') return parseEval(rest);
  throw new FastAstError('USAGE', `unknown command "${command}"; use "fastast classify FILE..." or "fastast eval --csv FILE" (fastast --help)`);
}
