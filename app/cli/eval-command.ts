import { evaluate } from '../analysis/evaluate.js';
import { readLabelledSet } from '../analysis/labelled-set.js';
import type { EvalArgs } from './args.js';
import { evalJson, evalTable } from './format.js';
import { EXIT_OK, type CliIo } from './io.js';
import { openModel } from './model.js';

/** Accuracy per r on a labelled CSV; any unreadable clip stops the run (a partial set would mislead). */
export async function runEval(args: EvalArgs, io: CliIo): Promise<number> {
  const { checkpoint, engine } = await openModel(args, (line) => io.err(line + '\n'));
  try {
    const set = await readLabelledSet(args.csv, args.audioRoot, engine.spec.labels, { fold: args.fold });
    const showProgress = !args.json && process.stderr.isTTY;
    const res = await evaluate(engine, set, {
      rs: args.rs,
      propAttn: args.propAttn,
      protectDistillation: args.protectDistillation,
      signal: io.signal,
      onProgress: showProgress ? (done, total) => io.err(`\r${done}/${total} clips`) : undefined,
    });
    if (showProgress) io.err('\r\x1b[K');
    const what = `${args.csv}, ${res.clips} clips${args.fold !== undefined ? ` (fold ${args.fold})` : ''}, prop. attn ${args.propAttn ? 'on' : 'off'}`;
    io.out(args.json ? JSON.stringify(evalJson(checkpoint.id, res)) + '\n' : evalTable(checkpoint.id, engine.ep, what, res));
    return EXIT_OK;
  } finally {
    await engine.dispose();
  }
}
