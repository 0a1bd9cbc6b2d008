import type { Engine, MergeSettings, RunResult } from '../../app/engine/types.js';
import { withRun } from '../../app/engine/with-run.js';

/**
 * `engine` with each run's batch, settings and result passed to `onRun` (which may return the
 * result to hand back instead); the run itself is the engine's own. For tests and benches
 * that watch what the host asks of its engines.
 */
export function observedEngine(engine: Engine, onRun: (batch: number, settings: MergeSettings, result: RunResult) => RunResult | void): Engine {
  return withRun(engine, async (input, batch, settings) => {
    const result = await engine.run(input, batch, settings);
    return onRun(batch, settings, result) ?? result;
  });
}
