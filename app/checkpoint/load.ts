import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { access, readFile, stat } from 'node:fs/promises';
import { basename, extname, join, resolve } from 'node:path';
import { FastAstError } from '../errors.js';
import { importOriginalAst, type OriginalImportOptions } from './ast-original.js';
import { openSafetensors } from './safetensors.js';
import { specFromConfigs, type ModelSpec } from './spec.js';
import { openTorchStateDict } from './torch-state-dict.js';
import { expectedTensors, type Weights } from './weights.js';
import { jsonSyntaxAt, valueKind } from '../common/describe-content.js';

export interface Checkpoint {
  /** Folder name, e.g. `ast-tiny-esc10-cmkd` (a .pth: its file name without the extension). */
  id: string;
  /** The folder, or the .pth file of an original AST / FastAST checkpoint. */
  dir: string;
  spec: ModelSpec;
  weights: Weights;
  /** sha256 (hex) of the weights file (a .pth: of the file and the config inferred from it): identifies results and cached graphs. */
  sha256: string;
}

/** The weights files of an HF folder, in the order they are preferred (transformers prefers safetensors too). */
export const WEIGHT_FILES = ['model.safetensors', 'pytorch_model.bin'] as const;

async function readJson(path: string, required: boolean): Promise<Record<string, unknown> | null> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    if (!required) return null;
    throw new FastAstError('CHECKPOINT_INVALID', `${path}: missing; an AST checkpoint folder needs config.json and model.safetensors (or pytorch_model.bin)`);
  }
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    throw new FastAstError('CONFIG_INVALID', `${path}: not a JSON object (invalid JSON ${jsonSyntaxAt(text) || 'somewhere in the file'})`);
  }
  if (!v || typeof v !== 'object' || Array.isArray(v)) throw new FastAstError('CONFIG_INVALID', `${path}: not a JSON object (the file holds ${valueKind(v)})`);
  return v as Record<string, unknown>;
}

export async function sha256File(path: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(path)) h.update(chunk as Buffer);
  return h.digest('hex');
}

/** A weights file's tensors by name: shapes known up front, each read on demand. */
interface TensorSource {
  shapeOf(name: string): number[] | undefined;
  readFloat(name: string): Promise<Float32Array>;
  close?(): Promise<void>;
}

/** Checks every tensor the spec needs by name and shape before reading any, then reads them. */
async function readCheckedWeights(path: string, spec: ModelSpec, src: TensorSource): Promise<Weights> {
  const expected = expectedTensors(spec);
  for (const [name, shape] of expected) {
    const actual = src.shapeOf(name);
    if (!actual) {
      throw new FastAstError('CHECKPOINT_TENSOR', `${path}: tensor ${name} is missing (expected shape [${shape.join(', ')}])`);
    }
    if (actual.length !== shape.length || actual.some((d, i) => d !== shape[i])) {
      throw new FastAstError('CHECKPOINT_TENSOR', `${path}: tensor ${name} has shape [${actual.join(', ')}], expected [${shape.join(', ')}] from config.json`);
    }
  }
  const weights: Weights = new Map();
  for (const name of expected.keys()) weights.set(name, await src.readFloat(name));
  return weights;
}

async function openWeights(path: string): Promise<TensorSource> {
  if (path.endsWith('.safetensors')) {
    const st = await openSafetensors(path);
    return { shapeOf: (n) => st.tensors.get(n)?.shape, readFloat: (n) => st.readFloat(n) };
  }
  const sd = await openTorchStateDict(path);
  return { shapeOf: (n) => sd.tensors.get(n)?.shape, readFloat: (n) => sd.readFloat(n), close: () => sd.close() };
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

/**
 * Loads a checkpoint: an HF AST folder (config.json + model.safetensors or pytorch_model.bin,
 * every tensor checked by name and shape), or a `.pth` / `.bin` file of the original AST /
 * FastAST code, imported in memory with its geometry inferred (see ast-original.ts).
 */
export async function loadCheckpoint(pathIn: string, importOptions: OriginalImportOptions = {}): Promise<Checkpoint> {
  const dir = resolve(pathIn);
  let isFile = false;
  try {
    const s = await stat(dir);
    if (!s.isDirectory() && !s.isFile()) throw new Error();
    isFile = s.isFile();
  } catch {
    throw new FastAstError('FILE_NOT_FOUND', `${dir}: not a checkpoint folder (expected config.json and model.safetensors inside) or .pth file`);
  }
  if (isFile) return loadOriginalAstFile(dir, importOptions);
  const config = (await readJson(join(dir, 'config.json'), true))!;
  const pre = await readJson(join(dir, 'preprocessor_config.json'), false);
  const spec = specFromConfigs(config, pre, dir);
  const found: string[] = [];
  for (const f of WEIGHT_FILES) if (await exists(join(dir, f))) found.push(f);
  if (found.length === 0) throw new FastAstError('CHECKPOINT_INVALID', `${join(dir, WEIGHT_FILES[0])}: missing; an AST checkpoint folder needs model.safetensors or pytorch_model.bin`);
  const weightsPath = join(dir, found[0]);
  const src = await openWeights(weightsPath);
  try {
    const weights = await readCheckedWeights(weightsPath, spec, src);
    return { id: basename(dir), dir, spec, weights, sha256: await sha256File(weightsPath) };
  } finally {
    await src.close?.();
  }
}

/** A `.pth` of the original AST / FastAST code, converted in memory (nothing is written). */
async function loadOriginalAstFile(path: string, options: OriginalImportOptions): Promise<Checkpoint> {
  const sd = await openTorchStateDict(path);
  try {
    const imported = await importOriginalAst(sd, options);
    // The spec comes from the file and the assumptions together: both identify the model.
    const sha256 = createHash('sha256')
      .update(await sha256File(path))
      .update(JSON.stringify([imported.config, imported.preprocessor]))
      .digest('hex');
    return { id: basename(path, extname(path)), dir: path, spec: imported.spec, weights: imported.weights, sha256 };
  } finally {
    await sd.close();
  }
}
