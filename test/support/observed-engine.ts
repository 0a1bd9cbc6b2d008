import type { Engine, MergeSettings, RunResult } from '../../app/engine/types.js';

/**
 * `engine` with each run's batch, settings and result passed to `onRun` (which may return the
 * result to hand back instead); the run itself is the engine's own. For tests and benches
 * that watch what the host asks of its engines.
 */
export function observedEngine(engine: Engine, onRun: (batch: number, settings: MergeSettings, result: RunResult) => RunResult | void): Engine {
  return {
    get spec() {
      return engine.spec;
    },
    get ep() {
      return engine.ep;
    },
    get attempts() {
      return engine.attempts;
    },
    get weights() {
      return engine.weights;
    },
    run: async (input, batch, settings) => {
      const result = await engine.run(input, batch, settings);
      return onRun(batch, settings, result) ?? result;
    },
    dispose: () => engine.dispose(),
  };
}
