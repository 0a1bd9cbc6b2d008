// Precisions of the Linear weights, named once for the graph, the engine, the CLI, the contract and the UI. No imports.

/** float32: the checkpoint as it is; int8: 8-bit Linear weights quantized when the graph is built (app/graph/quantize.ts). */
export const WEIGHTS_PRECISIONS = ['float32', 'int8'] as const;
export type WeightsPrecision = (typeof WEIGHTS_PRECISIONS)[number];
