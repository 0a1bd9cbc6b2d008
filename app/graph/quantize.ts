import { DataType, MS_DOMAIN, type GraphBuilder } from './onnx-builder.js';

/**
 * 8-bit Linear layers, quantized once when the graph is built. Two forms, both onnxruntime
 * contrib ops (com.microsoft), kept side by side because which is faster depends on the EP and
 * the CPU (bench/README.md, "Speed levers"):
 *
 *  - 'nbits': MatMulNBits with bits = 8, symmetric blocks of BLOCK weights along the input axis,
 *    one float scale per block, and accuracy_level 4 (onnxruntime quantizes the activations to
 *    int8 per block of each row and multiplies in int8). Each row of each batch item is
 *    quantized on its own, so a window's result does not depend on what it is batched with.
 *  - 'dynamic': DynamicQuantizeMatMul, int8 weights with one scale per output column; the
 *    activations are quantized to uint8 with ONE scale for the whole [B, N, D] tensor, so a
 *    loud window in the batch coarsens the others' quantization: results depend on the batch.
 *
 * The weights are HF's [out, in] = [N, K] row-major, which is already MatMulNBits' layout (for
 * each output, its K inputs), so nothing is transposed.
 */
export type Int8Kernel = 'nbits' | 'dynamic';

/** Weights per MatMulNBits block: small blocks follow the weights' range closely (AST-base: K = 768 or 3072). */
export const BLOCK = 32;

/**
 * Symmetric 8-bit blocks as MatMulNBits stores them: q = round(w / scale) + 128 in [1, 255],
 * scale = max|w| / 127 per block of BLOCK inputs of one output (MatMulNBits' default zero point
 * for 8 bits is 128, so no zero-point tensor is needed). K must be a multiple of BLOCK.
 */
export function quantizeBlocks(w: Float32Array, n: number, k: number): { q: Uint8Array; scales: Float32Array } {
  if (k % BLOCK !== 0) throw new Error(`MatMulNBits blocks: K = ${k} is not a multiple of ${BLOCK}`);
  const blocks = k / BLOCK;
  const q = new Uint8Array(n * k);
  const scales = new Float32Array(n * blocks);
  for (let row = 0; row < n; row++) {
    for (let b = 0; b < blocks; b++) {
      const at = row * k + b * BLOCK;
      let max = 0;
      for (let i = 0; i < BLOCK; i++) max = Math.max(max, Math.abs(w[at + i]));
      const scale = max / 127 || 1; // an all-zero block: any scale gives zeros
      scales[row * blocks + b] = scale;
      for (let i = 0; i < BLOCK; i++) q[at + i] = Math.round(w[at + i] / scale) + 128;
    }
  }
  return { q, scales };
}

/**
 * Symmetric int8 per output column, transposed to [K, N] as MatMul's B: q = round(w / scale),
 * scale = max|w| / 127 over the column's K weights.
 */
export function quantizeColumns(w: Float32Array, n: number, k: number): { q: Int8Array; scales: Float32Array } {
  const q = new Int8Array(n * k);
  const scales = new Float32Array(n);
  for (let col = 0; col < n; col++) {
    let max = 0;
    for (let i = 0; i < k; i++) max = Math.max(max, Math.abs(w[col * k + i]));
    const scale = max / 127 || 1;
    scales[col] = scale;
    for (let i = 0; i < k; i++) q[i * n + col] = Math.round(w[col * k + i] / scale);
  }
  return { q, scales };
}

/** x · wᵀ + b with w ([n, k], HF layout) quantized to 8 bits at build time. */
export function linearInt8(g: GraphBuilder, kernel: Int8Kernel, x: string, w: Float32Array, b: Float32Array, n: number, k: number): string {
  const bias = g.floatTensor(b, [n]);
  if (kernel === 'dynamic') {
    const { q, scales } = quantizeColumns(w, n, k);
    const qw = g.rawTensor(DataType.INT8, new Uint8Array(q.buffer), [k, n], 'w8');
    const zeros = g.rawTensor(DataType.INT8, new Uint8Array(n), [n], 'zp');
    return g.op('DynamicQuantizeMatMul', [x, qw, g.floatTensor(scales, [n]), zeros, bias], {}, { domain: MS_DOMAIN });
  }
  const { q, scales } = quantizeBlocks(w, n, k);
  const blocks = k / BLOCK;
  const qw = g.rawTensor(DataType.UINT8, q, [n, blocks, BLOCK], 'w8');
  const y = g.op('MatMulNBits', [x, qw, g.floatTensor(scales, [n * blocks])], {
    K: { i: k },
    N: { i: n },
    bits: { i: 8 },
    block_size: { i: BLOCK },
    accuracy_level: { i: 4 },
  }, { domain: MS_DOMAIN });
  return g.op('Add', [y, bias]);
}
