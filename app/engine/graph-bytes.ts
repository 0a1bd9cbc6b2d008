import type { ModelSpec } from '../checkpoint/spec.js';
import type { Weights } from '../checkpoint/weights.js';
import { buildTomeAstGraph, graphOptionsOf, type GraphOptions, type WeightsPrecision } from '../graph/tome-ast.js';
import type { ExecutionProvider } from './types.js';

/**
 * The graph as bytes in memory, for engines that take a model as bytes (onnxruntime-web; the
 * node engine without the disk cache): each attention variant is built at most once per engine,
 * and only when an EP that needs it is tried. The persistent cache is graph-cache.ts.
 */
export function graphBytesPerForm(model: { spec: ModelSpec; weights: Weights }, opts: { graph?: GraphOptions; graphBytes?: Uint8Array; weights?: WeightsPrecision }) {
  const built = new Map<string, Uint8Array>();
  return (ep: ExecutionProvider): Uint8Array => {
    if (opts.graphBytes) return opts.graphBytes;
    const graph = graphOptionsOf(ep, opts);
    const form = JSON.stringify(graph);
    if (!built.has(form)) built.set(form, buildTomeAstGraph(model.spec, model.weights, graph));
    return built.get(form)!;
  };
}
