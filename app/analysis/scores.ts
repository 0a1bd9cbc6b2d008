/**
 * Logits → scores. Single-label checkpoints (ESC-10) get softmax, so scores sum to 1;
 * multi-label ones (AudioSet, 527 classes) get an independent sigmoid per class, because
 * several sounds can be present at once and a softmax would make them compete.
 */

export interface LabelScore {
  /** Class index in the model's id2label order. */
  index: number;
  label: string;
  score: number;
}

export function softmax(logits: ArrayLike<number>): Float32Array {
  let max = -Infinity;
  for (let i = 0; i < logits.length; i++) max = Math.max(max, logits[i]);
  const out = new Float32Array(logits.length);
  let sum = 0;
  // Subtracting the max keeps exp() finite for large logits.
  for (let i = 0; i < logits.length; i++) sum += out[i] = Math.exp(logits[i] - max);
  for (let i = 0; i < out.length; i++) out[i] /= sum;
  return out;
}

export function sigmoid(logits: ArrayLike<number>): Float32Array {
  const out = new Float32Array(logits.length);
  for (let i = 0; i < logits.length; i++) out[i] = 1 / (1 + Math.exp(-logits[i]));
  return out;
}

/** The scoring rule the checkpoint was trained with. */
export function scoresFromLogits(logits: ArrayLike<number>, multiLabel: boolean): Float32Array {
  return multiLabel ? sigmoid(logits) : softmax(logits);
}

/** The k best classes, highest score first; equal scores keep the lower class index first. */
export function topK(scores: ArrayLike<number>, labels: readonly string[], k: number): LabelScore[] {
  const order = Array.from({ length: scores.length }, (_, i) => i);
  order.sort((a, b) => scores[b] - scores[a] || a - b);
  return order.slice(0, Math.max(0, k)).map((index) => ({ index, label: labels[index], score: scores[index] }));
}

/** Index of the highest score (lowest index on ties). */
export function argmax(scores: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < scores.length; i++) if (scores[i] > scores[best]) best = i;
  return best;
}
