import * as ort from 'onnxruntime-web';
import type { ModelSpec } from '../checkpoint/spec.js';
import type { Weights } from '../checkpoint/weights.js';
import { graphOptionsOf, type GraphOptions } from '../graph/tome-ast.js';
import { graphBytesPerForm } from './graph-bytes.js';
import type { TensorFactory } from './graph-io.js';
import { engineFromSession, openFirstWorking, type SessionLike } from './session-engine.js';
import type { Engine, EngineOptions } from './types.js';

const tensor: TensorFactory = (type, data, dims) => new ort.Tensor(type, data, dims);

export interface WebEngineOptions extends EngineOptions {
  graph?: GraphOptions;
  graphBytes?: Uint8Array;
}

/**
 * The same graph through onnxruntime-web (WebAssembly; WebGPU where the host has it). Used in
 * browsers and to check that a second runtime computes the same numbers.
 */
export async function createWebEngine(model: { spec: ModelSpec; weights: Weights }, opts: WebEngineOptions = {}): Promise<Engine> {
  const graphFor = graphBytesPerForm(model, opts);
  if (opts.threads && opts.threads > 0) ort.env.wasm.numThreads = opts.threads;
  const providers = (opts.providers ?? ['wasm']).filter((p) => p === 'wasm' || p === 'webgpu');
  const { session, ep, attempts } = await openFirstWorking(providers.length ? providers : ['wasm'], (candidate) =>
    ort.InferenceSession.create(graphFor(candidate), { executionProviders: [candidate], graphOptimizationLevel: 'all' }),
  );
  return engineFromSession(model.spec, session as unknown as SessionLike, ep, attempts, tensor, graphOptionsOf(ep, opts));
}
