import { pathToFileURL } from 'node:url';
import { parseCli } from './args.js';
import { runClassify } from './classify-command.js';
import { runEval } from './eval-command.js';
import { runExportCommand } from './export-command.js';
import { runModelsCommand } from './models-command.js';
import { CLASSIFY_HELP, EVAL_HELP, MAIN_HELP } from './help.js';
import { errorLine, exitCodeFor, EXIT_OK, type CliIo } from './io.js';

/** Runs one fastast command; returns the exit code instead of exiting, so callers can embed it. */
export async function main(argv: string[], io?: CliIo): Promise<number> {
  const out = io ?? { out: (s: string) => void process.stdout.write(s), err: (s: string) => void process.stderr.write(s) };
  try {
    if (argv[0] === 'export') return await runExportCommand(argv.slice(1), out);
    if (argv[0] === 'models') return await runModelsCommand(argv.slice(1), out);
    const args = parseCli(argv);
    switch (args.command) {
      case 'help':
        out.out(args.topic === 'classify' ? CLASSIFY_HELP : args.topic === 'eval' ? EVAL_HELP : MAIN_HELP);
        return EXIT_OK;
      case 'classify':
        return await runClassify(args, out);
      case 'eval':
        return await runEval(args, out);
    }
  } catch (e) {
    out.err(errorLine(e) + '\n');
    return exitCodeFor(e);
  }
}

/**
 * Process entry (bin/fastast.js, or `tsx app/cli/main.ts`): Ctrl-C cancels the current file
 * cleanly; a second Ctrl-C exits at once.
 */
export async function runAsProcess(argv: string[]): Promise<void> {
  const controller = new AbortController();
  const onSigint = () => {
    if (controller.signal.aborted) process.exit(130);
    controller.abort();
  };
  process.on('SIGINT', onSigint);
  const code = await main(argv, {
    out: (s) => void process.stdout.write(s),
    err: (s) => void process.stderr.write(s),
    signal: controller.signal,
  });
  process.off('SIGINT', onSigint);
  process.exitCode = code;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await runAsProcess(process.argv.slice(2));
}
