import type { ModelSpec } from './spec.js';

/** HF ASTForAudioClassification tensor names. */
export const PREFIX = 'audio_spectrogram_transformer';

export interface LayerWeightNames {
  ln1W: string; ln1B: string;
  qW: string; qB: string; kW: string; kB: string; vW: string; vB: string;
  oW: string; oB: string;
  ln2W: string; ln2B: string;
  fc1W: string; fc1B: string; fc2W: string; fc2B: string;
}

export function layerWeightNames(i: number): LayerWeightNames {
  const p = `${PREFIX}.encoder.layer.${i}`;
  return {
    ln1W: `${p}.layernorm_before.weight`, ln1B: `${p}.layernorm_before.bias`,
    qW: `${p}.attention.attention.query.weight`, qB: `${p}.attention.attention.query.bias`,
    kW: `${p}.attention.attention.key.weight`, kB: `${p}.attention.attention.key.bias`,
    vW: `${p}.attention.attention.value.weight`, vB: `${p}.attention.attention.value.bias`,
    oW: `${p}.attention.output.dense.weight`, oB: `${p}.attention.output.dense.bias`,
    ln2W: `${p}.layernorm_after.weight`, ln2B: `${p}.layernorm_after.bias`,
    fc1W: `${p}.intermediate.dense.weight`, fc1B: `${p}.intermediate.dense.bias`,
    fc2W: `${p}.output.dense.weight`, fc2B: `${p}.output.dense.bias`,
  };
}

export const EMBEDDING_NAMES = {
  cls: `${PREFIX}.embeddings.cls_token`,
  dist: `${PREFIX}.embeddings.distillation_token`,
  pos: `${PREFIX}.embeddings.position_embeddings`,
  patchW: `${PREFIX}.embeddings.patch_embeddings.projection.weight`,
  patchB: `${PREFIX}.embeddings.patch_embeddings.projection.bias`,
  lnW: `${PREFIX}.layernorm.weight`,
  lnB: `${PREFIX}.layernorm.bias`,
  headLnW: 'classifier.layernorm.weight',
  headLnB: 'classifier.layernorm.bias',
  headW: 'classifier.dense.weight',
  headB: 'classifier.dense.bias',
} as const;

/** Every tensor an AST classifier checkpoint must hold, with its shape. */
export function expectedTensors(spec: ModelSpec): Map<string, number[]> {
  const D = spec.hiddenSize;
  const M = spec.intermediateSize;
  const C = spec.labels.length;
  const e = EMBEDDING_NAMES;
  const out = new Map<string, number[]>([
    [e.cls, [1, 1, D]],
    [e.dist, [1, 1, D]],
    [e.pos, [1, spec.numTokens, D]],
    [e.patchW, [D, 1, spec.patchSize, spec.patchSize]],
    [e.patchB, [D]],
  ]);
  for (let i = 0; i < spec.numLayers; i++) {
    const n = layerWeightNames(i);
    for (const k of [n.ln1W, n.ln1B, n.qB, n.kB, n.vB, n.oB, n.ln2W, n.ln2B, n.fc2B]) out.set(k, [D]);
    for (const k of [n.qW, n.kW, n.vW, n.oW]) out.set(k, [D, D]);
    out.set(n.fc1W, [M, D]);
    out.set(n.fc1B, [M]);
    out.set(n.fc2W, [D, M]);
  }
  out.set(e.lnW, [D]);
  out.set(e.lnB, [D]);
  out.set(e.headLnW, [D]);
  out.set(e.headLnB, [D]);
  out.set(e.headW, [C, D]);
  out.set(e.headB, [C]);
  return out;
}

/** Weights by HF name, float32. */
export type Weights = Map<string, Float32Array>;

/** Deterministic random weights of the right shapes (benchmarks of AST-base-sized models). */
export function randomWeights(spec: ModelSpec, seed = 1): Weights {
  let s = seed >>> 0 || 1;
  const w: Weights = new Map();
  for (const [name, shape] of expectedTensors(spec)) {
    const n = shape.reduce((a, b) => a * b, 1);
    const t = new Float32Array(n);
    const [base, scale] = /layernorm(_before|_after)?\.weight$/.test(name) ? [1, 0.1] : [0, 0.04];
    for (let i = 0; i < n; i++) {
      // xorshift32, inlined: deterministic and fast enough for 87 M weights
      s ^= s << 13;
      s ^= s >>> 17;
      s ^= s << 5;
      t[i] = base + scale * ((s >>> 0) / 4294967296 - 0.5);
    }
    w.set(name, t);
  }
  return w;
}
