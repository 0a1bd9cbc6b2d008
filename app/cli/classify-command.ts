import { classifyFile } from '../analysis/classify.js';
import { applySchedule, constantSchedule, explicitSchedule, inflectionSchedule } from '../tome/schedule.js';
import type { ClassifyArgs, ScheduleRequest } from './args.js';
import { classifyJson, classifyTable } from './format.js';
import { eachFile, EXIT_CANCELLED, EXIT_FAILED, EXIT_OK, reportFailures, type CliIo } from './io.js';
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
    const failed = await eachFile(args.files, io, async (file) => {
      const c = await classifyFile(engine, file, { settings, hopS: args.hopS, topK: args.top, batchSize: args.batch, signal: io.signal });
      io.out(args.json ? JSON.stringify(classifyJson(file, c, ctx, args.logits)) + '\n' : classifyTable(file, c, ctx, args.logits));
    });
    if (failed === 'cancelled') return EXIT_CANCELLED;
    reportFailures(io, failed, args.files.length);
    return failed > 0 ? EXIT_FAILED : EXIT_OK;
  } finally {
    await engine.dispose();
  }
}
