import { endianness } from 'node:os';
import { FastAstError } from '../errors.js';
import { readStateDictPickle, type DictRecord, type PickleValue, type StorageRef, type TensorRecord } from './pickle.js';
import { decodeTensor } from './safetensors.js';
import { openTorchZip, type TorchZip } from './torch-zip.js';

/**
 * A state dict saved by `torch.save` (HF `pytorch_model.bin`, the AST code's `.pth`): tensor
 * names, shapes and where their bytes are, known before any weight is read; each storage is read
 * once (f32 straight into its Float32Array) and shared by the tensors that view it.
 */
export interface TorchStateDict {
  path: string;
  tensors: Map<string, TensorRecord>;
  /** The tensor as float32, row-major (a view into its storage where it is contiguous). */
  readFloat(name: string): Promise<Float32Array>;
  close(): Promise<void>;
}

const BYTES = { f32: 4, f16: 2, bf16: 2 } as const;
const LITTLE_ENDIAN = endianness() === 'LE';

const isDict = (v: PickleValue): v is DictRecord => v !== null && typeof v === 'object' && !Array.isArray(v) && v.kind === 'dict';
const isTensor = (v: PickleValue): v is TensorRecord => v !== null && typeof v === 'object' && !Array.isArray(v) && v.kind === 'tensor';

/** The dict of tensors: the top level, or a training checkpoint's `state_dict` / `model` entry. */
function stateDictOf(root: PickleValue, where: string): Map<string, TensorRecord> {
  if (!isDict(root)) throw new FastAstError('CHECKPOINT_INVALID', `${where}: the pickle holds no dict of tensors`);
  let dict = root;
  for (const key of ['state_dict', 'model']) {
    const inner = root.entries.get(key);
    if (inner !== undefined && isDict(inner) && ![...root.entries.values()].some(isTensor)) dict = inner;
  }
  const tensors = new Map<string, TensorRecord>();
  for (const [name, v] of dict.entries) if (typeof name === 'string' && isTensor(v)) tensors.set(name, v);
  if (tensors.size === 0) throw new FastAstError('CHECKPOINT_INVALID', `${where}: the pickle holds no tensors`);
  return tensors;
}

/**
 * A view may hold more elements than its storage (stride 0 broadcasts), but reading it makes a
 * row-major copy: past this many extra elements (64 MB of float32) a header is asking for an
 * absurd allocation, not describing a weight.
 */
const MAX_BROADCAST_ELEMENTS = 2 ** 24;

/** Refuses a tensor whose strided view reaches past its storage, or a storage past its zip entry. */
function checkBounds(zip: TorchZip, name: string, t: TensorRecord): void {
  const count = t.shape.reduce((a, b) => a * b, 1);
  if (count > Math.max(t.storage.numel, MAX_BROADCAST_ELEMENTS)) {
    throw new FastAstError('CHECKPOINT_INVALID', `${zip.path}: tensor ${name} has shape [${t.shape.join(', ')}]: ${count} elements from a storage of ${t.storage.numel}`);
  }
  const last = count === 0 ? t.offset : t.offset + t.shape.reduce((acc, d, i) => acc + (d - 1) * t.stride[i], 0);
  if (count > 0 && last >= t.storage.numel) {
    throw new FastAstError('CHECKPOINT_INVALID', `${zip.path}: tensor ${name} reaches element ${last} of a storage of ${t.storage.numel}`);
  }
  const entry = zip.entries.get(`data/${t.storage.key}`);
  if (!entry) throw new FastAstError('CHECKPOINT_INVALID', `${zip.path}: tensor ${name}: storage data/${t.storage.key} is missing from the archive`);
  if (entry.uncompressedSize < t.storage.numel * BYTES[t.storage.dtype]) {
    throw new FastAstError('CHECKPOINT_INVALID', `${zip.path}: storage data/${t.storage.key} holds ${entry.uncompressedSize} bytes, ${t.storage.numel} × ${t.storage.dtype} need more`);
  }
}

async function readStorage(zip: TorchZip, s: StorageRef): Promise<Float32Array> {
  const name = `data/${s.key}`;
  if (s.dtype === 'f32' && LITTLE_ENDIAN) {
    const out = new Float32Array(s.numel);
    await zip.readInto(name, new Uint8Array(out.buffer), 0);
    return out;
  }
  const bytes = new Uint8Array(s.numel * BYTES[s.dtype]);
  await zip.readInto(name, bytes, 0);
  return decodeTensor(s.dtype === 'f32' ? 'F32' : s.dtype === 'f16' ? 'F16' : 'BF16', bytes) as Float32Array;
}

/** Row-major copy of a strided view; a contiguous one is returned as a subarray (no copy). */
function materialise(storage: Float32Array, t: TensorRecord): Float32Array {
  const count = t.shape.reduce((a, b) => a * b, 1);
  let expected = 1;
  let contiguous = true;
  for (let i = t.shape.length - 1; i >= 0; i--) {
    if (t.shape[i] !== 1 && t.stride[i] !== expected) contiguous = false;
    expected *= t.shape[i];
  }
  if (contiguous) return storage.subarray(t.offset, t.offset + count);
  const out = new Float32Array(count);
  const index = new Array<number>(t.shape.length).fill(0);
  for (let k = 0; k < count; k++) {
    let src = t.offset;
    for (let i = 0; i < index.length; i++) src += index[i] * t.stride[i];
    out[k] = storage[src];
    for (let i = index.length - 1; i >= 0; i--) {
      if (++index[i] < t.shape[i]) break;
      index[i] = 0;
    }
  }
  return out;
}

export async function openTorchStateDict(path: string): Promise<TorchStateDict> {
  const zip = await openTorchZip(path);
  try {
    const root = readStateDictPickle(await zip.readEntry('data.pkl'), `${path} (${zip.archive}/data.pkl)`);
    const tensors = stateDictOf(root, path);
    for (const [name, t] of tensors) checkBounds(zip, name, t);
    const storages = new Map<string, Promise<Float32Array>>();
    return {
      path,
      tensors,
      async readFloat(name) {
        const t = tensors.get(name);
        if (!t) throw new FastAstError('CHECKPOINT_TENSOR', `${path}: tensor ${name} is missing`);
        let s = storages.get(t.storage.key);
        if (!s) {
          s = readStorage(zip, t.storage);
          storages.set(t.storage.key, s);
        }
        return materialise(await s, t);
      },
      async close() {
        storages.clear();
        await zip.close();
      },
    };
  } catch (e) {
    await zip.close();
    throw e;
  }
}
