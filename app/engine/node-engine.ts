import * as ort from 'onnxruntime-node';
import type { ModelSpec } from '../checkpoint/spec.js';
import type { Weights } from '../checkpoint/weights.js';
import { graphOptionsOf, type GraphOptions } from '../graph/tome-ast.js';
import { graphBytesPerForm } from './graph-bytes.js';
import type { TensorFactory } from './graph-io.js';
import { defaultProviders } from './providers.js';
import { engineFromSession, openFirstWorking, type SessionLike } from './session-engine.js';
import type { Engine, EngineOptions, ExecutionProvider } from './types.js';

export const tensor: TensorFactory = (type, data, dims) => new ort.Tensor(type, data, dims);

export function sessionOptions(ep: ExecutionProvider, threads: number): ort.InferenceSession.SessionOptions {
  const options: ort.InferenceSession.SessionOptions = {
    executionProviders: [ep],
    graphOptimizationLevel: 'all',
    interOpNumThreads: 1,
    executionMode: 'sequential',
  };
  // onnxruntime-node rejects an undefined thread count; leave the key out to get its default.
  if (threads > 0) options.intraOpNumThreads = threads;
  return options;
}

export interface NodeEngineOptions extends EngineOptions {
  graph?: GraphOptions;
  /** A graph built earlier (e.g. from the graph cache); skips building. */
  graphBytes?: Uint8Array;
}

/** The engine on onnxruntime-node: the graph is built once, then opened on the first EP that works. */
export async function createNodeEngine(model: { spec: ModelSpec; weights: Weights }, opts: NodeEngineOptions = {}): Promise<Engine> {
  const graphFor = graphBytesPerForm(model, opts);
  const { session, ep, attempts } = await openFirstWorking(opts.providers ?? defaultProviders(), (candidate) =>
    ort.InferenceSession.create(graphFor(candidate), sessionOptions(candidate, opts.threads ?? 0)),
  );
  return engineFromSession(model.spec, session as unknown as SessionLike, ep, attempts, tensor, graphOptionsOf(ep, opts));
}

