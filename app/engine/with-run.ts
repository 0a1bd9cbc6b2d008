import type { Engine } from './types.js';

/**
 * `engine` in every respect but how its runs are made: `run` stands in for them (the host's
 * queue, an observer in tests and benches). One place forwards the fields, so that no wrapper
 * drops one (the queue's had lost `weights`). `dispose` defaults to the engine's own.
 */
export function withRun(engine: Engine, run: Engine['run'], dispose: Engine['dispose'] = () => engine.dispose()): Engine {
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
    run,
    dispose,
  };
}
