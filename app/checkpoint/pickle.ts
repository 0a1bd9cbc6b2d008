import { FastAstError } from '../errors.js';

/**
 * A strict reader for the pickle of a PyTorch state dict (`data.pkl` of a torch zip, protocol 2).
 * It is not an unpickler: it never calls, imports or constructs anything named by the file. It
 * knows the handful of opcodes `torch.save(state_dict)` writes and a fixed allowlist of globals,
 * each with a meaning written here (rebuild a tensor descriptor, make a dict, name a storage
 * dtype). Any other global (e.g. `builtins.print`, `os.system`) stops the read at the GLOBAL
 * opcode itself, before any REDUCE could apply it, with an error that names it.
 */

export type StorageDtype = 'f32' | 'f16' | 'bf16';

/** A storage named by a persistent id ('storage', torch.XStorage, key, location, numel): bytes at data/<key>. */
export interface StorageRef {
  kind: 'storage';
  dtype: StorageDtype;
  key: string;
  location: string;
  /** Elements in the storage. */
  numel: number;
}

/** What torch._utils._rebuild_tensor_v2 would build: a strided view into a storage. */
export interface TensorRecord {
  kind: 'tensor';
  storage: StorageRef;
  /** In elements. */
  offset: number;
  shape: number[];
  stride: number[];
}

/** A dict or an OrderedDict (their difference does not matter to a reader). */
export interface DictRecord {
  kind: 'dict';
  entries: Map<string | number, PickleValue>;
}

interface GlobalRef {
  kind: 'global';
  name: string;
}

export type PickleValue = null | boolean | number | string | PickleValue[] | StorageRef | TensorRecord | DictRecord | GlobalRef;

/** The globals a state dict needs, by their Python 3 name. Storage classes are only ever a persistent id's dtype tag. */
const ALLOWED_GLOBALS = new Set([
  'collections.OrderedDict',
  'torch._utils._rebuild_tensor_v2',
  'torch._utils._rebuild_parameter',
  'torch.FloatStorage',
  'torch.HalfStorage',
  'torch.BFloat16Storage',
]);
const STORAGE_DTYPES: Record<string, StorageDtype> = { 'torch.FloatStorage': 'f32', 'torch.HalfStorage': 'f16', 'torch.BFloat16Storage': 'bf16' };
/** Protocol-2 pickles spell Python 3 modules the Python 2 way (pickle's fix_imports). */
const PY2_MODULES: Record<string, string> = { __builtin__: 'builtins', copy_reg: 'copyreg' };

const OP = {
  PROTO: 0x80, STOP: 0x2e, MARK: 0x28,
  EMPTY_DICT: 0x7d, SETITEM: 0x73, SETITEMS: 0x75,
  EMPTY_TUPLE: 0x29, TUPLE: 0x74, TUPLE1: 0x85, TUPLE2: 0x86, TUPLE3: 0x87,
  BINPUT: 0x71, LONG_BINPUT: 0x72, BINGET: 0x68, LONG_BINGET: 0x6a,
  BININT: 0x4a, BININT1: 0x4b, BININT2: 0x4d, LONG1: 0x8a,
  BINUNICODE: 0x58, NONE: 0x4e, NEWTRUE: 0x88, NEWFALSE: 0x89,
  GLOBAL: 0x63, REDUCE: 0x52, BUILD: 0x62, BINPERSID: 0x51,
} as const;
const OP_NAMES = new Map<number, string>(Object.entries(OP).map(([k, v]) => [v, k]));

/** Names of the opcodes this reader accepts (for the report and the error message). */
export const ALLOWED_OPCODES = [...OP_NAMES.values()];
export const ALLOWED_GLOBAL_NAMES = [...ALLOWED_GLOBALS];

/** Reads the pickle; `where` names the file in every error. */
export function readStateDictPickle(bytes: Uint8Array, where: string): PickleValue {
  const bad = (why: string) => new FastAstError('CHECKPOINT_INVALID', `${where}: ${why}`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let pos = 0;
  const need = (n: number) => {
    if (pos + n > bytes.length) throw bad(`the pickle ends early (byte ${bytes.length}); truncated file?`);
    const at = pos;
    pos += n;
    return at;
  };
  const stack: PickleValue[] = [];
  const marks: number[] = [];
  const memo = new Map<number, PickleValue>();
  const pop = (): PickleValue => {
    if (stack.length === 0 || stack.length === marks[marks.length - 1]) throw bad(`malformed pickle: stack underflow at byte ${pos - 1}`);
    return stack.pop()!;
  };
  const popMark = (): PickleValue[] => {
    const m = marks.pop();
    if (m === undefined) throw bad(`malformed pickle: no MARK before byte ${pos - 1}`);
    return stack.splice(m);
  };
  const top = () => {
    if (stack.length === 0) throw bad(`malformed pickle: empty stack at byte ${pos - 1}`);
    return stack[stack.length - 1];
  };
  const readLine = () => {
    const end = bytes.indexOf(0x0a, pos);
    if (end < 0) throw bad('the pickle ends early inside a GLOBAL; truncated file?');
    const s = Buffer.from(bytes.subarray(pos, end)).toString('utf8');
    pos = end + 1;
    return s;
  };
  const dictOf = (v: PickleValue, op: string): DictRecord => {
    if (v === null || typeof v !== 'object' || Array.isArray(v) || v.kind !== 'dict') throw bad(`malformed pickle: ${op} on something other than a dict`);
    return v;
  };
  const setItems = (d: DictRecord, kv: PickleValue[]) => {
    for (let i = 0; i + 1 < kv.length; i += 2) {
      const k = kv[i];
      if (typeof k !== 'string' && typeof k !== 'number') throw bad('malformed pickle: a dict key that is not a string or number');
      d.entries.set(k, kv[i + 1]);
    }
  };

  for (;;) {
    const at = need(1);
    const op = bytes[at];
    switch (op) {
      case OP.PROTO: {
        const proto = bytes[need(1)];
        if (proto > 2) throw bad(`pickle protocol ${proto}; torch.save writes protocol 2 unless told otherwise: re-save with the default`);
        break;
      }
      case OP.STOP: {
        if (stack.length !== 1) throw bad(`malformed pickle: ${stack.length} values left at STOP`);
        return stack[0];
      }
      case OP.MARK: marks.push(stack.length); break;
      case OP.EMPTY_DICT: stack.push({ kind: 'dict', entries: new Map() }); break;
      case OP.SETITEM: { const v = pop(); const k = pop(); setItems(dictOf(top(), 'SETITEM'), [k, v]); break; }
      case OP.SETITEMS: { const kv = popMark(); setItems(dictOf(top(), 'SETITEMS'), kv); break; }
      case OP.EMPTY_TUPLE: stack.push([]); break;
      case OP.TUPLE: stack.push(popMark()); break;
      case OP.TUPLE1: stack.push([pop()]); break;
      case OP.TUPLE2: { const b = pop(); stack.push([pop(), b]); break; }
      case OP.TUPLE3: { const c = pop(); const b = pop(); stack.push([pop(), b, c]); break; }
      case OP.BINPUT: memo.set(bytes[need(1)], top()); break;
      case OP.LONG_BINPUT: memo.set(view.getUint32(need(4), true), top()); break;
      case OP.BINGET:
      case OP.LONG_BINGET: {
        const i = op === OP.BINGET ? bytes[need(1)] : view.getUint32(need(4), true);
        if (!memo.has(i)) throw bad(`malformed pickle: memo entry ${i} read before it was written`);
        stack.push(memo.get(i)!);
        break;
      }
      case OP.BININT: stack.push(view.getInt32(need(4), true)); break;
      case OP.BININT1: stack.push(bytes[need(1)]); break;
      case OP.BININT2: stack.push(view.getUint16(need(2), true)); break;
      case OP.LONG1: {
        const n = bytes[need(1)];
        const start = need(n);
        let v = 0n;
        for (let i = n - 1; i >= 0; i--) v = (v << 8n) | BigInt(bytes[start + i]);
        if (n > 0 && bytes[start + n - 1] & 0x80) v -= 1n << BigInt(8 * n);
        if (v > BigInt(Number.MAX_SAFE_INTEGER) || v < BigInt(Number.MIN_SAFE_INTEGER)) throw bad(`an integer (${v}) too large for a tensor size or offset`);
        stack.push(Number(v));
        break;
      }
      case OP.BINUNICODE: {
        const n = view.getUint32(need(4), true);
        const start = need(n);
        stack.push(Buffer.from(bytes.subarray(start, start + n)).toString('utf8'));
        break;
      }
      case OP.NONE: stack.push(null); break;
      case OP.NEWTRUE: stack.push(true); break;
      case OP.NEWFALSE: stack.push(false); break;
      case OP.GLOBAL: {
        const module = readLine();
        const name = readLine();
        const full = `${PY2_MODULES[module] ?? module}.${name}`;
        if (!ALLOWED_GLOBALS.has(full)) {
          const spelled = full === `${module}.${name}` ? '' : ` (written as ${module}.${name})`;
          throw new FastAstError(
            'CHECKPOINT_INVALID',
            `${where}: refused: the pickle references ${full}${spelled}, which a state dict never needs; ` +
              `a general unpickler (torch.load without weights_only) would call it. Nothing was run. ` +
              `Allowed: ${ALLOWED_GLOBAL_NAMES.join(', ')}`,
          );
        }
        stack.push({ kind: 'global', name: full });
        break;
      }
      case OP.BINPERSID: stack.push(storageRef(pop(), bad)); break;
      case OP.REDUCE: { const args = pop(); stack.push(reduce(pop(), args, bad)); break; }
      case OP.BUILD: {
        // OrderedDict.__reduce__ sets its attributes (state_dict()'s `_metadata`) by BUILD: a
        // dict's attributes say nothing about its tensors, so they are checked and dropped.
        dictOf(pop(), 'BUILD');
        dictOf(top(), 'BUILD');
        break;
      }
      default:
        throw bad(
          `refused: pickle opcode 0x${op.toString(16).padStart(2, '0')} at byte ${at} is not one that torch.save writes for a state dict ` +
            `(allowed: ${ALLOWED_OPCODES.join(', ')})`,
        );
    }
  }
}

function storageRef(pid: PickleValue, bad: (why: string) => FastAstError): StorageRef {
  if (!Array.isArray(pid) || pid.length !== 5 || pid[0] !== 'storage') throw bad(`a persistent id that is not ('storage', type, key, location, numel)`);
  const [, type, key, location, numel] = pid;
  const dtype = type !== null && typeof type === 'object' && !Array.isArray(type) && type.kind === 'global' ? STORAGE_DTYPES[type.name] : undefined;
  if (!dtype) throw bad(`a storage whose type is not FloatStorage, HalfStorage or BFloat16Storage`);
  if (typeof key !== 'string' || typeof location !== 'string' || typeof numel !== 'number' || !Number.isInteger(numel) || numel < 0) {
    throw bad(`a malformed storage reference (key ${JSON.stringify(key)}, numel ${JSON.stringify(numel)})`);
  }
  return { kind: 'storage', dtype, key, location, numel };
}

const isIntList = (v: PickleValue): v is number[] => Array.isArray(v) && v.every((d) => typeof d === 'number' && Number.isInteger(d) && d >= 0);

/** What REDUCE means for each allowed callable; anything else was already refused at GLOBAL or is refused here. */
function reduce(callable: PickleValue, args: PickleValue, bad: (why: string) => FastAstError): PickleValue {
  const name = callable !== null && typeof callable === 'object' && !Array.isArray(callable) && callable.kind === 'global' ? callable.name : undefined;
  if (!Array.isArray(args)) throw bad('malformed pickle: REDUCE without an argument tuple');
  if (name === 'collections.OrderedDict') {
    if (args.length !== 0) throw bad('OrderedDict built from arguments; torch.save writes OrderedDict() and then its items');
    return { kind: 'dict', entries: new Map() };
  }
  if (name === 'torch._utils._rebuild_tensor_v2') {
    // (storage, storage_offset, size, stride, requires_grad, backward_hooks[, metadata])
    const [storage, offset, shape, stride] = args;
    if (storage === null || typeof storage !== 'object' || Array.isArray(storage) || storage.kind !== 'storage') throw bad('a tensor rebuilt from something other than a storage');
    if (typeof offset !== 'number' || !Number.isInteger(offset) || offset < 0 || !isIntList(shape) || !isIntList(stride) || shape.length !== stride.length) {
      throw bad(`a tensor with a malformed offset, size or stride (${JSON.stringify([offset, shape, stride])})`);
    }
    return { kind: 'tensor', storage, offset, shape, stride };
  }
  if (name === 'torch._utils._rebuild_parameter') {
    // (data, requires_grad, backward_hooks): a Parameter is its data for reading weights.
    const data = args[0];
    if (data === null || typeof data !== 'object' || Array.isArray(data) || data.kind !== 'tensor') throw bad('a Parameter rebuilt from something other than a tensor');
    return data;
  }
  throw bad(`refused: the pickle calls ${name ?? 'a value that is not a global'}, which is not a tensor or dict constructor`);
}
