import { isFastAstError } from '../errors.js';

/** Where the CLI writes; tests and embedding callers may pass their own. */
export interface CliIo {
  out: (text: string) => void;
  err: (text: string) => void;
  signal?: AbortSignal;
}

export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;
export const EXIT_CANCELLED = 130;

/** One line a user can act on: FastAstErrors carry their own wording; anything else is labelled a bug. */
export function errorLine(e: unknown): string {
  if (isFastAstError(e)) return `fastast: ${e.message}`;
  const err = e as Error;
  return `fastast: unexpected error: ${err?.message ?? String(e)} (this is a bug in FastAST; please report it with the command you ran)`;
}

export function exitCodeFor(e: unknown): number {
  if (isFastAstError(e) && e.code === 'USAGE') return EXIT_USAGE;
  if (isFastAstError(e) && e.code === 'CANCELLED') return EXIT_CANCELLED;
  return EXIT_FAILED;
}

/**
 * Runs `work` on each file in turn. A file that fails is reported on stderr and skipped, so one
 * bad file in a batch of hundreds costs that file only; a cancel stops at once. Returns how many
 * files failed, or 'cancelled'.
 */
export async function eachFile(files: readonly string[], io: CliIo, work: (file: string) => Promise<void>): Promise<number | 'cancelled'> {
  let failed = 0;
  for (const file of files) {
    try {
      await work(file);
    } catch (e) {
      io.err(errorLine(e) + '\n');
      if (isFastAstError(e) && e.code === 'CANCELLED') return 'cancelled';
      failed++;
    }
  }
  return failed;
}

/** The batch summary line, when more than one file was given and some failed. */
export function reportFailures(io: CliIo, failed: number, total: number): void {
  if (failed > 0 && total > 1) io.err(`fastast: ${failed} of ${total} files failed\n`);
}
