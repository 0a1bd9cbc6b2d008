import type { ModelSpec } from '../checkpoint/spec.js';
import type { Weights } from '../checkpoint/weights.js';
import { buildTomeAstGraph, graphOptionsFor, type GraphOptions } from '../graph/tome-ast.js';
import type { ExecutionProvider } from './types.js';

/** Builds each attention variant at most once, and only when an EP that needs it is tried. */
export function graphCache(model: { spec: ModelSpec; weights: Weights }, opts: { graph?: GraphOptions; graphBytes?: Uint8Array }) {
  const built = new Map<string, Uint8Array>();
  return (ep: ExecutionProvider): Uint8Array => {
    if (opts.graphBytes) return opts.graphBytes;
    const graph = opts.graph ?? graphOptionsFor(ep);
    if (!built.has(graph.attention)) built.set(graph.attention, buildTomeAstGraph(model.spec, model.weights, graph));
    return built.get(graph.attention)!;
  };
}
