import * as ort from 'onnxruntime-node';
import type { ModelSpec } from '../checkpoint/spec.js';
import type { Weights } from '../checkpoint/weights.js';
import { FastAstError } from '../errors.js';
import { buildTomeAstGraph, type GraphOptions } from '../graph/tome-ast.js';
import { makeFeeds, outputNames, readOutputs, type TensorFactory } from './graph-io.js';
import { defaultProviders } from './providers.js';
import type { Engine, EngineOptions, EpAttempt, ExecutionProvider, MergeSettings, RunResult } from './types.js';

const tensor: TensorFactory = (type, data, dims) => new ort.Tensor(type, data, dims);

function sessionOptions(ep: ExecutionProvider, threads: number): ort.InferenceSession.SessionOptions {
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

/**
 * Builds the ToMe-AST graph once and opens it on the first EP that initialises, trying each in its
 * own session (onnxruntime throws instead of falling back) and recording why the others failed.
 */
export async function createNodeEngine(
  model: { spec: ModelSpec; weights: Weights },
  opts: EngineOptions & { graph?: GraphOptions; graphBytes?: Uint8Array } = {},
): Promise<Engine> {
  const { spec } = model;
  const bytes = opts.graphBytes ?? buildTomeAstGraph(spec, model.weights, opts.graph);
  const providers = opts.providers ?? defaultProviders();
  const attempts: EpAttempt[] = [];
  let session: ort.InferenceSession | undefined;
  let ep: ExecutionProvider | undefined;
  for (const candidate of providers) {
    try {
      session = await ort.InferenceSession.create(bytes, sessionOptions(candidate, opts.threads ?? 0));
      ep = candidate;
      attempts.push({ ep: candidate, ok: true });
      break;
    } catch (e) {
      attempts.push({ ep: candidate, ok: false, reason: firstLine((e as Error).message) });
    }
  }
  if (!session || !ep) {
    throw new FastAstError('ENGINE_FAILED', `no execution provider could run the model: ${attempts.map((a) => `${a.ep}: ${a.reason}`).join('; ')}`);
  }
  const names = outputNames(spec);
  const s = session;
  return {
    spec,
    ep,
    attempts,
    async run(input: Float32Array, batch: number, settings: MergeSettings): Promise<RunResult> {
      const feeds = makeFeeds(spec, input, batch, settings, tensor) as Record<string, ort.Tensor>;
      const t0 = performance.now();
      const out = await s.run(feeds, names);
      return readOutputs(spec, batch, out, performance.now() - t0);
    },
    async dispose() {
      await s.release();
    },
  };
}

function firstLine(text: string): string {
  return text.split('\n')[0].slice(0, 300);
}
