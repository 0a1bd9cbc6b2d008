import { mkdir, open, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { FastAstError } from '../errors.js';
import type { ModelSpec } from './spec.js';
import { expectedTensors, type Weights } from './weights.js';

/**
 * Writes an HF-layout AST folder (config.json, model.safetensors, preprocessor_config.json) that
 * transformers' ASTForAudioClassification / ASTFeatureExtractor and this app's loader read.
 * All or nothing: the files are written under temporary names and renamed at the end.
 */
export async function writeHfFolder(
  dir: string,
  files: { config: Record<string, unknown>; preprocessor: Record<string, unknown> },
  spec: ModelSpec,
  weights: Weights,
): Promise<string[]> {
  await mkdir(dir, { recursive: true }).catch((e: Error) => {
    throw new FastAstError('EXPORT_FAILED', `${dir}: cannot create the folder (${e.message})`);
  });
  const present = new Set(await readdir(dir));
  const clash = ['config.json', 'model.safetensors', 'pytorch_model.bin', 'preprocessor_config.json'].filter((f) => present.has(f));
  if (clash.length > 0) throw new FastAstError('EXPORT_FAILED', `${dir}: already holds ${clash.join(', ')}; give an empty or new folder`);

  const outputs: [string, (tmp: string) => Promise<void>][] = [
    ['model.safetensors', (tmp) => writeSafetensors(tmp, spec, weights)],
    ['config.json', (tmp) => writeFile(tmp, JSON.stringify(files.config, null, 2) + '\n')],
    ['preprocessor_config.json', (tmp) => writeFile(tmp, JSON.stringify(files.preprocessor, null, 2) + '\n')],
  ];
  const tmpOf = (name: string) => join(dir, `.${name}.partial`);
  try {
    for (const [name, write] of outputs) await write(tmpOf(name));
    for (const [name] of outputs) await rename(tmpOf(name), join(dir, name));
  } catch (e) {
    for (const [name] of outputs) await rm(tmpOf(name), { force: true });
    throw new FastAstError('EXPORT_FAILED', `${dir}: writing the checkpoint failed (${(e as Error).message})`);
  }
  return outputs.map(([name]) => join(dir, name));
}

/** safetensors: 8-byte little-endian header length, JSON header (space-padded to 8 bytes), raw F32 data. */
async function writeSafetensors(path: string, spec: ModelSpec, weights: Weights): Promise<void> {
  const tensors = [...expectedTensors(spec)];
  const header: Record<string, unknown> = { __metadata__: { format: 'pt' } };
  let offset = 0;
  for (const [name, shape] of tensors) {
    const w = weights.get(name);
    const count = shape.reduce((a, b) => a * b, 1);
    if (!w || w.length !== count) throw new Error(`weight ${name} has ${w?.length ?? 0} values, shape [${shape.join(', ')}] needs ${count}`);
    header[name] = { dtype: 'F32', shape, data_offsets: [offset, offset + 4 * count] };
    offset += 4 * count;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - (Buffer.byteLength(json) % 8)) % 8);
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(Buffer.byteLength(json)));
  const fh = await open(path, 'w');
  try {
    await fh.write(Buffer.concat([len, Buffer.from(json)]));
    // Weights are float32 in host order; safetensors is little-endian, as are the platforms this app ships for.
    for (const [name] of tensors) {
      const w = weights.get(name)!;
      await fh.write(new Uint8Array(w.buffer, w.byteOffset, w.byteLength));
    }
  } finally {
    await fh.close();
  }
}
