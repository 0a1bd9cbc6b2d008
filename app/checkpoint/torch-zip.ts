import { open, type FileHandle } from 'node:fs/promises';
import yauzl from 'yauzl';
import { FastAstError } from '../errors.js';

/**
 * The zip container of `torch.save` (torch ≥ 1.6): `<archive>/data.pkl`, `<archive>/data/<key>`,
 * `<archive>/version`. Torch stores every entry uncompressed, so a storage is read straight
 * from its byte range in the file into the array it becomes (no stream, no intermediate copy).
 */
export interface TorchZip {
  path: string;
  /** The folder every entry sits in (torch names it after the file, e.g. `archive`, `pytorch_model`). */
  archive: string;
  /** Entry names relative to the archive folder (`data.pkl`, `data/0`, …) → entry. */
  entries: Map<string, yauzl.Entry>;
  /** Reads a whole (small) entry, e.g. data.pkl. */
  readEntry(name: string): Promise<Buffer>;
  /** Fills `target` with `target.byteLength` bytes of entry `name`, from byte `offset` of the entry. */
  readInto(name: string, target: Uint8Array, offset: number): Promise<void>;
  close(): Promise<void>;
}

const ZIP_MAGIC = 0x04034b50; // "PK\3\4"
const PICKLE_PROTO = 0x80;

/** Refuses what is not a torch zip with a message that says what it is instead. */
async function checkMagic(path: string, fh: FileHandle): Promise<void> {
  const head = Buffer.alloc(4);
  const { bytesRead } = await fh.read(head, 0, 4, 0);
  if (bytesRead === 4 && head.readUInt32LE(0) === ZIP_MAGIC) return;
  if (bytesRead >= 1 && head[0] === PICKLE_PROTO) {
    throw new FastAstError(
      'CHECKPOINT_INVALID',
      `${path}: a legacy (pre-1.6, non-zip) PyTorch file; re-save it with torch ≥ 1.6 (torch.save(torch.load(f), f) writes the zip format)`,
    );
  }
  throw new FastAstError('CHECKPOINT_INVALID', `${path}: not a PyTorch checkpoint (no zip signature; ${bytesRead} bytes read)`);
}

function invalid(path: string, why: string): FastAstError {
  return new FastAstError('CHECKPOINT_INVALID', `${path}: not a readable PyTorch zip (${why})`);
}

export async function openTorchZip(path: string): Promise<TorchZip> {
  let fh: FileHandle;
  try {
    fh = await open(path, 'r');
  } catch {
    throw new FastAstError('FILE_NOT_FOUND', `${path}: no such file`);
  }
  let zip: yauzl.ZipFile | undefined;
  try {
    await checkMagic(path, fh);
    try {
      zip = await yauzl.openPromise(path, { lazyEntries: true, autoClose: false });
    } catch (e) {
      throw invalid(path, `${(e as Error).message}; truncated download?`);
    }
    const all = await listEntries(path, zip);
    // A central directory that promises more than the file holds: refuse before any allocation.
    const fileSize = (await fh.stat()).size;
    for (const e of all.values()) {
      if (e.relativeOffsetOfLocalHeader + e.compressedSize > fileSize) throw invalid(path, `entry ${e.fileName} lies past the end of the file; truncated download?`);
    }
    const pkl = [...all.keys()].find((n) => /^[^/]+\/data\.pkl$/.test(n));
    if (!pkl) throw invalid(path, 'no <archive>/data.pkl entry');
    const archive = pkl.slice(0, pkl.indexOf('/'));
    const entries = new Map<string, yauzl.Entry>();
    for (const [name, entry] of all) if (name.startsWith(archive + '/')) entries.set(name.slice(archive.length + 1), entry);
    return makeTorchZip(path, archive, entries, zip, fh);
  } catch (e) {
    zip?.close();
    await fh.close();
    throw e;
  }
}

function listEntries(path: string, zip: yauzl.ZipFile): Promise<Map<string, yauzl.Entry>> {
  return new Promise((resolve, reject) => {
    const entries = new Map<string, yauzl.Entry>();
    zip.on('entry', (entry: yauzl.Entry) => {
      entries.set(entry.fileName, entry);
      zip.readEntry();
    });
    zip.on('end', () => resolve(entries));
    zip.on('error', (e: Error) => reject(invalid(path, `${e.message}; truncated download?`)));
    zip.readEntry();
  });
}

function makeTorchZip(path: string, archive: string, entries: Map<string, yauzl.Entry>, zip: yauzl.ZipFile, fh: FileHandle): TorchZip {
  const entryOf = (name: string) => {
    const e = entries.get(name);
    if (!e) throw invalid(path, `entry ${archive}/${name} is missing`);
    if (e.compressionMethod !== 0) throw invalid(path, `entry ${archive}/${name} is compressed (method ${e.compressionMethod}); torch.save stores entries uncompressed`);
    return e;
  };
  const dataStart = new Map<string, number>();
  const startOf = async (name: string, entry: yauzl.Entry) => {
    let start = dataStart.get(name);
    if (start === undefined) {
      try {
        start = (await zip.readLocalFileHeaderPromise(entry, { minimal: true })).fileDataStart;
      } catch (e) {
        throw invalid(path, `entry ${archive}/${name}: ${(e as Error).message}`);
      }
      dataStart.set(name, start);
    }
    return start;
  };
  const readInto = async (name: string, target: Uint8Array, offset: number) => {
    const entry = entryOf(name);
    if (offset + target.byteLength > entry.uncompressedSize) {
      throw invalid(path, `entry ${archive}/${name} holds ${entry.uncompressedSize} bytes; ${offset + target.byteLength} needed`);
    }
    const start = await startOf(name, entry);
    let done = 0;
    while (done < target.byteLength) {
      const { bytesRead } = await fh.read(target, done, target.byteLength - done, start + offset + done);
      if (bytesRead === 0) throw invalid(path, `entry ${archive}/${name} ends past the end of the file; truncated download?`);
      done += bytesRead;
    }
  };
  return {
    path,
    archive,
    entries,
    async readEntry(name) {
      const buf = Buffer.alloc(entryOf(name).uncompressedSize);
      await readInto(name, buf, 0);
      return buf;
    },
    readInto,
    async close() {
      zip.close();
      await fh.close();
    },
  };
}
