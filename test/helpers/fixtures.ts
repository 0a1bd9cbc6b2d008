import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { openSafetensors, type SafetensorsFile } from '../../app/checkpoint/safetensors.js';

export const FIXTURES = fileURLToPath(new URL('../fixtures/', import.meta.url));
export const REPO = fileURLToPath(new URL('../../', import.meta.url));

export interface ToMeCase {
  key: string;
  input: string;
  schedule: number[];
  prop_attn: boolean;
  protect_distillation: boolean;
  tokens_in_per_layer: number[];
  r_applied: number[];
  final_tokens: number;
  decision_margin: number | null;
}

export interface Manifest {
  inputs: { name: string; samples: number; fbank_frames: number }[];
  cases: ToMeCase[];
}

export async function manifest(): Promise<Manifest> {
  return JSON.parse(await readFile(FIXTURES + 'manifest.json', 'utf8'));
}

let features: { syn: SafetensorsFile; real: SafetensorsFile } | undefined;

/** The fixture file holding an input's tensors (synthetic waves or the real demo clips). */
export async function featureFile(input: string): Promise<SafetensorsFile> {
  features ??= {
    syn: await openSafetensors(FIXTURES + 'features_synthetic.safetensors'),
    real: await openSafetensors(FIXTURES + 'features_real.safetensors'),
  };
  return input.startsWith('real_') ? features.real : features.syn;
}

/** Near-ties: below this decision margin two correct float32 implementations may merge differently. */
export const CLEAR_MARGIN = 1e-5;

export function isClearCut(c: ToMeCase): boolean {
  return c.decision_margin === null || c.decision_margin >= CLEAR_MARGIN;
}
