import { classifyFile } from '../analysis/classify.js';
import { isFastAstError } from '../errors.js';
import { applySchedule, constantSchedule, explicitSchedule, inflectionSchedule } from '../tome/schedule.js';
import type { ClassifyArgs, ScheduleRequest } from './args.js';
import { classifyJson, classifyTable } from './format.js';
import { errorLine, EXIT_CANCELLED, EXIT_FAILED, EXIT_OK, type CliIo } from './io.js';
import { openModel } from './model.js';

export function schedulePerLayer(req: ScheduleRequest, numLayers: number): number[] {
  switch (req.kind) {
    case 'constant':
      return constantSchedule(req.r, numLayers);
    case 'inflection':
      return inflectionSchedule(req.r, req.inflection, numLayers);
    case 'explicit':
      return explicitSchedule(req.list, numLayers);
  }
}

/**
 * Classifies each file in turn. A file that fails is reported and skipped, so one bad file
 * in a batch of hundreds costs that file only; the exit code still says something failed.
 */
export async function runClassify(args: ClassifyArgs, io: CliIo): Promise<number> {
  const { checkpoint, engine } = await openModel(args, (line) => io.err(line + '\n'));
  try {
    const { spec } = engine;
    const requested = schedulePerLayer(args.schedule, spec.numLayers);
    const settings = { schedule: requested, propAttn: args.propAttn, protectDistillation: args.protectDistillation };
    const ctx = { model: checkpoint.id, ep: engine.ep, schedule: applySchedule(spec.numTokens, requested, args.protectDistillation).rApplied };
    let failed = 0;
    for (const file of args.files) {
      try {
        const c = await classifyFile(engine, file, { settings, hopS: args.hopS, topK: args.top, signal: io.signal });
        io.out(args.json ? JSON.stringify(classifyJson(file, c, ctx, args.logits)) + '\n' : classifyTable(file, c, ctx, args.logits));
      } catch (e) {
        if (isFastAstError(e) && e.code === 'CANCELLED') {
          io.err(errorLine(e) + '\n');
          return EXIT_CANCELLED;
        }
        failed++;
        io.err(errorLine(e) + '\n');
      }
    }
    if (failed > 0 && args.files.length > 1) io.err(`fastast: ${failed} of ${args.files.length} files failed\n`);
    return failed > 0 ? EXIT_FAILED : EXIT_OK;
  } finally {
    await engine.dispose();
  }
}
