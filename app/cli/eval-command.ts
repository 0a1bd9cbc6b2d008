import { existsSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { audiosetAliases, openLabelledSet } from '../analysis/labelled-set.js';
import { defaultBatchSize } from '../analysis/run-windows.js';
import { settingsGrid, sweep, type SweepModel, type SweepProgress } from '../analysis/sweep.js';
import { SweepCache } from '../analysis/sweep-cache.js';
import { FastAstError } from '../errors.js';
import { writeFilesAtomically } from '../export/atomic-write.js';
import type { EvalArgs } from './args.js';
import { evalCsv, evalJson, evalJsonFile, evalTable } from './format.js';
import { EXIT_OK, type CliIo } from './io.js';
import { DEFAULT_MODEL_DIR, openModel, PACKAGE_ROOT } from './model.js';

/** AudioSet ids (/m/09x0r) are accepted wherever the display name is. */
const AUDIOSET_LABELS = join(PACKAGE_ROOT, 'data', 'labels', 'audioset_class_labels_indices.csv');

/** Fails before minutes of inference, not after: the folder of --out must exist. */
async function checkOutFile(path: string): Promise<void> {
  const dir = dirname(resolve(path));
  const info = await stat(dir).catch(() => null);
  if (!info?.isDirectory()) throw new FastAstError('EXPORT_FAILED', `${path}: the folder ${dir} does not exist; create it first`);
}

function sameLabels(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((l, i) => l === b[i]);
}

function progressLine(p: SweepProgress): string {
  const what = p.setting ? ` · ${p.model} r ${p.setting.r} ${p.setting.shape}${p.setting.propAttn ? '' : ' no-prop-attn'}` : p.model ? ` · ${p.model} features` : '';
  return `\r\x1b[K${p.done}/${p.total} runs${p.cached ? ` (${p.cached} cached)` : ''}${what}`;
}

/**
 * Accuracy (or mAP), agreement with r = 0, speed, tokens and FLOPs per model × merge setting
 * on a labelled set. Any unreadable clip stops the run (a partial set would mislead).
 */
export async function runEval(args: EvalArgs, io: CliIo): Promise<number> {
  if (args.out !== undefined) await checkOutFile(args.out);
  const dirs = args.models.length > 0 ? args.models : [args.model ?? DEFAULT_MODEL_DIR];
  const opened: Awaited<ReturnType<typeof openModel>>[] = [];
  // --weights int8: each model's int8 engine runs the rows, its float32 engine the r = 0 baseline
  // they are compared with (as the Lab does), so agreement is what merging and 8-bit weights cost together.
  const int8 = args.weights === 'int8';
  const int8Engines: Awaited<ReturnType<typeof openModel>>['engine'][] = [];
  try {
    for (const dir of dirs) {
      opened.push(await openModel({ ...args, model: dir, weights: 'float32' }, (line) => io.err(line + '\n')));
      if (int8) int8Engines.push((await openModel({ ...args, model: dir }, (line) => io.err(line + '\n'))).engine);
    }
    const labels = opened[0].engine.spec.labels;
    const odd = opened.find((o) => !sameLabels(o.engine.spec.labels, labels));
    if (odd) {
      throw new FastAstError('USAGE', `${odd.checkpoint.dir} has other classes than ${opened[0].checkpoint.dir}; models swept together must share their labels (run them separately)`);
    }
    // Two checkpoints in folders of the same name are told apart by their paths.
    const ids = opened.map((o) => o.checkpoint.id);
    const models: SweepModel[] = opened.map((o, i) => ({
      id: ids.indexOf(ids[i]) === ids.lastIndexOf(ids[i]) ? ids[i] : relative(process.cwd(), o.checkpoint.dir) || o.checkpoint.dir,
      sha256: o.checkpoint.sha256,
      engine: o.engine,
      ...(int8 ? { int8: int8Engines[i] } : {}),
    }));
    const aliases = existsSync(AUDIOSET_LABELS) ? await audiosetAliases(AUDIOSET_LABELS) : undefined;
    const set = await openLabelledSet(args.set, labels, { fold: args.fold, audioRoot: args.audioRoot, aliases });
    const showProgress = !args.json && process.stderr.isTTY;
    const res = await sweep(models, set, {
      settings: settingsGrid({ rs: args.rs, shapes: args.shapes, propAttn: args.propAttnModes, protectDistillation: args.protectDistillation, weights: [args.weights] }),
      cache: new SweepCache(args.cache),
      // One batch size for the sweep: the smallest default of its models (the larger model's memory cap).
      batchSize: args.batch ?? Math.min(...opened.map((o) => defaultBatchSize(o.engine.spec, o.engine.ep))),
      signal: io.signal,
      onProgress: showProgress ? (p) => io.err(progressLine(p)) : undefined,
    });
    if (showProgress) io.err('\r\x1b[K');
    if (args.out !== undefined) {
      await writeFilesAtomically([{ path: args.out, data: /\.json$/i.test(args.out) ? evalJsonFile(res) : evalCsv(res) }]);
    }
    const what = `${args.set}, ${res.set.clips} clips${args.fold !== undefined ? ` (fold ${args.fold})` : ''}${set.multiLabel ? ', multi-label' : ''}`;
    io.out(args.json ? evalJson(res).map((o) => JSON.stringify(o) + '\n').join('') : evalTable(res, what));
    return EXIT_OK;
  } finally {
    for (const e of [...opened.map((o) => o.engine), ...int8Engines]) await e.dispose();
  }
}
