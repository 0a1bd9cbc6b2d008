import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { FastAstError } from '../errors.js';
import { openSafetensors } from './safetensors.js';
import { specFromConfigs, type ModelSpec } from './spec.js';
import { expectedTensors, type Weights } from './weights.js';

export interface Checkpoint {
  /** Folder name, e.g. `ast-tiny-esc10-cmkd`. */
  id: string;
  dir: string;
  spec: ModelSpec;
  weights: Weights;
  /** sha256 of model.safetensors (hex): identifies results and cached graphs. */
  sha256: string;
}

async function readJson(path: string, required: boolean): Promise<Record<string, unknown> | null> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    if (!required) return null;
    throw new FastAstError('CHECKPOINT_INVALID', `${path}: missing; an AST checkpoint folder needs config.json and model.safetensors`);
  }
  try {
    const v = JSON.parse(text);
    if (!v || typeof v !== 'object' || Array.isArray(v)) throw new Error('not an object');
    return v as Record<string, unknown>;
  } catch (e) {
    throw new FastAstError('CONFIG_INVALID', `${path}: not a JSON object (${(e as Error).message})`);
  }
}

export async function sha256File(path: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(path)) h.update(chunk as Buffer);
  return h.digest('hex');
}

/** Reads config + weights of an HF AST checkpoint folder, checking every tensor by name and shape. */
export async function loadCheckpoint(dirIn: string): Promise<Checkpoint> {
  const dir = resolve(dirIn);
  try {
    if (!(await stat(dir)).isDirectory()) throw new Error();
  } catch {
    throw new FastAstError('FILE_NOT_FOUND', `${dir}: not a checkpoint folder (expected config.json and model.safetensors inside)`);
  }
  const config = (await readJson(join(dir, 'config.json'), true))!;
  const pre = await readJson(join(dir, 'preprocessor_config.json'), false);
  const spec = specFromConfigs(config, pre, dir);
  const stPath = join(dir, 'model.safetensors');
  const st = await openSafetensors(stPath);
  const weights: Weights = new Map();
  for (const [name, shape] of expectedTensors(spec)) {
    const info = st.tensors.get(name);
    if (!info) {
      throw new FastAstError('CHECKPOINT_TENSOR', `${stPath}: tensor ${name} is missing (expected shape [${shape.join(', ')}])`);
    }
    if (info.shape.length !== shape.length || info.shape.some((d, i) => d !== shape[i])) {
      throw new FastAstError(
        'CHECKPOINT_TENSOR',
        `${stPath}: tensor ${name} has shape [${info.shape.join(', ')}], expected [${shape.join(', ')}] from config.json`,
      );
    }
    weights.set(name, await st.readFloat(name));
  }
  return { id: basename(dir), dir, spec, weights, sha256: await sha256File(stPath) };
}
