import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { importOriginalAst, type OriginalImportOptions } from '../checkpoint/ast-original.js';
import { writeHfFolder } from '../checkpoint/hf-folder-writer.js';
import { openTorchStateDict } from '../checkpoint/torch-state-dict.js';
import { framesToSeconds } from '../common/units.js';
import { FastAstError } from '../errors.js';
import { glueNegativeNumbers } from './args.js';
import { EXIT_OK, type CliIo } from './io.js';

export const MODELS_IMPORT_HELP = `Usage: fastast models import FILE.pth --out DIR [options]

Converts a checkpoint of the original AST code or the FastAST release (torch.save of the
model's state dict: timm DeiT names, optionally under module.) into an HF-layout folder:
config.json (ASTForAudioClassification), model.safetensors and preprocessor_config.json
(ASTFeatureExtractor), which transformers and fastast --model DIR read. The file is read
without Python and nothing in it is executed.

No config travels with such a file: hidden size, layers, MLP size, label count and patch count
are read from the weights; the rest is the AST recipes' default, printed as an assumption,
and overridden by:
  --heads N                 attention heads (default hidden / 64, as in every DeiT size)
  --fstride N, --tstride N  patch strides (default 10 and 10)
  --input-tdim N            input frames (default by time patches: 101 → 1024, 50 → 512, 12 → 128)
  --labels CSV              label names: a CSV with index,mid,display_name (default by count:
                            527 AudioSet, 50 ESC-50, 35 Speech Commands v2, from data/labels/)
  --mean X, --std X         fbank normalisation (default: the matching recipe's)
  -h, --help                this help

A .pth also opens directly with --model FILE.pth in classify and eval (the defaults above).
`;

const OPTIONS = {
  out: { type: 'string' },
  heads: { type: 'string' },
  fstride: { type: 'string' },
  tstride: { type: 'string' },
  'input-tdim': { type: 'string' },
  labels: { type: 'string' },
  mean: { type: 'string' },
  std: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

function usage(message: string): FastAstError {
  return new FastAstError('USAGE', `${message} (see: fastast models import --help)`);
}

function positiveInt(flag: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const v = Number(text);
  if (text.trim() === '' || !Number.isInteger(v) || v < 1) throw usage(`--${flag} must be a positive integer, got "${text}"`);
  return v;
}

function number(flag: string, text: string | undefined, positive: boolean): number | undefined {
  if (text === undefined) return undefined;
  const v = Number(text);
  if (text.trim() === '' || !Number.isFinite(v) || (positive && v <= 0)) throw usage(`--${flag} must be a ${positive ? 'positive ' : ''}number, got "${text}"`);
  return v;
}

/** `fastast models import …` (argv after `models import`). */
export async function runModelsImport(argv: string[], io: CliIo): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args: glueNegativeNumbers(argv, OPTIONS), options: OPTIONS, strict: true, allowPositionals: true });
  } catch (e) {
    throw usage((e as Error).message.split('\n')[0]);
  }
  const { values: v, positionals } = parsed;
  if (v.help) {
    io.out(MODELS_IMPORT_HELP);
    return EXIT_OK;
  }
  if (positionals.length !== 1) throw usage(positionals.length === 0 ? 'no checkpoint given; e.g. fastast models import audio_model.pth --out models/my-ast' : `one checkpoint at a time, got ${positionals.length}`);
  if (v.out === undefined) throw usage('--out DIR is required: the folder to write the HF-layout checkpoint into');
  const options: OriginalImportOptions = {
    heads: positiveInt('heads', v.heads),
    fstride: positiveInt('fstride', v.fstride),
    tstride: positiveInt('tstride', v.tstride),
    inputTdim: positiveInt('input-tdim', v['input-tdim']),
    labelsCsv: v.labels,
    mean: number('mean', v.mean, false),
    std: number('std', v.std, true),
  };
  const file = resolve(positionals[0]);
  const out = resolve(v.out);
  const sd = await openTorchStateDict(file);
  let imported;
  try {
    imported = await importOriginalAst(sd, options);
  } finally {
    await sd.close();
  }
  const written = await writeHfFolder(out, imported, imported.spec, imported.weights);
  const s = imported.spec;
  const lines = [
    `${file}: an original AST / FastAST checkpoint`,
    'inferred from the weights:',
    ...imported.inferred.map((l) => `  ${l}`),
    'assumed (not in the file; override with the flag named):',
    ...(imported.assumed.length > 0 ? imported.assumed.map((l) => `  ${l}`) : ['  nothing']),
    `model: ${s.numLayers} layers × ${s.numHeads} heads, ${s.freqPatches} × ${s.timePatches} patches, ${s.maxLength} frames (${framesToSeconds(s.maxLength)} s), ${s.labels.length} labels${s.multiLabel ? ' (sigmoid)' : ''}`,
    `wrote ${written.join(', ')}`,
    `open it with: fastast classify FILE --model ${out}`,
  ];
  io.out(lines.join('\n') + '\n');
  return EXIT_OK;
}
