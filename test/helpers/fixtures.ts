import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { openSafetensors, type SafetensorsFile } from '../../app/checkpoint/safetensors.js';

export const FIXTURES = fileURLToPath(new URL('../fixtures/', import.meta.url));
export const REPO = fileURLToPath(new URL('../../', import.meta.url));

/** The fixtures' 15 inputs: 5 synthetic waves, and the 10 demo clips (keys `real_<stem>`, files data/demo/<stem>.flac). */
export const SYNTHETIC_INPUTS = ['sine_440', 'chirp_100_7000', 'white_noise', 'silence', 'short_burst_1s'];
export const DEMO_CLIP_STEMS = [
  'birds_inspectorj_339326',
  'car_horn_dj997_493751',
  'church_bells_inspectorj_371267',
  'doorbell_kwahmah02_275072',
  'music_orchestra_brahms_hungarian_dance5',
  'music_trumpet_sorohan',
  'speech_female_librispeech_198-209-0000',
  'speech_male_librispeech_5703-47212-0000',
  'train_markedit_157873',
  'typing_rodzuz_393902',
];

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
