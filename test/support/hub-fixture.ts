/** The repos the model-store tests serve: the tiny-ast fixture checkpoint in hub layout. */
import { readFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FakeRepo } from './hub-server.js';

const TINY = join(import.meta.dirname, '..', 'fixtures', 'tiny-ast');

export const CONFIG = readFileSync(join(TINY, 'config.json'));
export const WEIGHTS = readFileSync(join(TINY, 'model.safetensors'));
/** Consistent with the tiny model's config (1024 frames, 128 mel bins); AudioSet's normalisation. */
export const PREPROCESSOR = Buffer.from(
  JSON.stringify({ feature_extractor_type: 'ASTFeatureExtractor', feature_size: 1, sampling_rate: 16000, num_mel_bins: 128, max_length: 1024, do_normalize: true, mean: -4.2677393, std: 4.5689974 }),
);

export const TINY_REPO: FakeRepo = {
  repoId: 'test-org/tiny-ast',
  commit: '0123456789abcdef0123456789abcdef01234567',
  files: {
    'config.json': CONFIG,
    'preprocessor_config.json': PREPROCESSOR,
    'model.safetensors': WEIGHTS,
    // Present in the repo, not needed by the studio: a pull must not fetch them.
    'pytorch_model.bin': Buffer.alloc(4096, 7),
    'README.md': Buffer.from('# tiny AST\n'),
  },
};

export const GATED_REPO: FakeRepo = {
  repoId: 'test-org/gated-ast',
  commit: 'fedcba9876543210fedcba9876543210fedcba98',
  files: { 'config.json': CONFIG, 'model.safetensors': WEIGHTS },
  token: 'hf_testtoken0123456789',
};

export async function tempDir(prefix: string): Promise<string> {
  return mkdtemp(join(tmpdir(), prefix));
}
