import { existsSync } from 'node:fs';
import { chmod, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { exportSegments, writeFilesAtomically, type ExportRequest } from '../app/export/index.js';
import { FastAstError } from '../app/errors.js';
import { PROV, recordings, tempDir } from './export.fixtures.js';

/** Runs an export that must fail; returns its FastAstError. */
async function failing(req: Partial<ExportRequest> & { outDir: string }): Promise<FastAstError> {
  const e = await exportSegments({ format: 'raven', recordings: recordings(), provenance: PROV, combined: true, ...req }).then(
    () => null,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(FastAstError);
  expect((e as FastAstError).code).toBe('EXPORT_FAILED');
  return e as FastAstError;
}

const isRoot = process.getuid?.() === 0;
// Root writes through chmod 0555, so a read-only folder needs one the kernel refuses: sysfs (Linux).
const readOnlyDir = async (): Promise<string | null> => {
  if (process.platform === 'win32') return null;
  if (!isRoot) {
    const d = await tempDir();
    await chmod(d, 0o555);
    return d;
  }
  return existsSync('/sys/kernel') ? '/sys' : null;
};

describe('a failed export names the path and the reason and leaves no file behind', () => {
  it('read-only folder', async () => {
    const dir = await readOnlyDir();
    if (!dir) return;
    const before = await readdir(dir);
    const e = await failing({ outDir: dir });
    expect(e.message).toBe(`${join(dir, 'segments.Table.1.selections.txt')}: cannot write the export: permission denied: the folder ${dir} is read-only for this user. No partial file was left.`);
    expect(await readdir(dir)).toEqual(before);
  });

  it('a folder that takes no new files (/proc)', async () => {
    if (process.platform !== 'linux' || !existsSync('/proc/self')) return;
    const e = await failing({ outDir: '/proc' });
    expect(e.message).toMatch(/^\/proc\/segments\.Table\.1\.selections\.txt: cannot write the export: the folder \/proc does not accept new files/);
    expect(existsSync('/proc/segments.Table.1.selections.txt')).toBe(false);
  });

  it('missing folder (export creates no folders)', async () => {
    const root = await tempDir();
    const dir = join(root, 'no', 'such');
    const e = await failing({ outDir: dir });
    expect(e.message).toBe(`${join(dir, 'segments.Table.1.selections.txt')}: cannot write the export: the folder ${dir} does not exist. No partial file was left.`);
    expect(await readdir(root)).toEqual([]);
  });

  it('a file where a folder should be', async () => {
    const root = await tempDir();
    await writeFile(join(root, 'notes.txt'), 'x');
    const dir = join(root, 'notes.txt', 'out');
    const e = await failing({ outDir: dir });
    expect(e.message).toContain(`${join(dir, 'segments.Table.1.selections.txt')}: cannot write the export: part of the folder path ${dir} is a file, not a folder`);
    expect(await readdir(root)).toEqual(['notes.txt']);
  });

  it('a NUL byte in the name', async () => {
    const dir = await tempDir();
    const e = await failing({ outDir: dir, combinedName: 'dawn\0chorus' });
    expect(e.message).toBe(`${join(dir, 'dawn\\0chorus.Table.1.selections.txt')}: cannot write the export: the name contains a NUL byte (\\0), which no file system accepts in a file name. No partial file was left.`);
    expect(await readdir(dir)).toEqual([]);
  });

  it('a 300-character name', async () => {
    const dir = await tempDir();
    const long = 'x'.repeat(300);
    const e = await failing({ outDir: dir, combinedName: long });
    expect(e.message).toBe(`${join(dir, long + '.Table.1.selections.txt')}: cannot write the export: the file name is too long for the file system (323 bytes; most allow 255). No partial file was left.`);
    // The table's temp file was written, then refused at the rename: it is gone, and so is the sidecar's.
    expect(await readdir(dir)).toEqual([]);
  });

  it('clips into a missing folder', async () => {
    const root = await tempDir();
    const dir = join(root, 'clips');
    const loadAudio = async () => ({ samples: new Float32Array(16000 * 31), sampleRate: 16000 });
    const e = await failing({ format: 'clips', combined: false, outDir: dir, loadAudio });
    expect(e.message).toMatch(new RegExp(`^${join(dir, 'dog_0.912_forest-dawn_01.234s_04.500s.wav').replace(/[.]/g, '\\.')}: cannot write the export: the folder ${dir} does not exist`));
    expect(await readdir(root)).toEqual([]);
  });
});

describe('all or nothing', () => {
  it('a set whose last file fails leaves none of its files, nor temp files', async () => {
    const dir = await tempDir();
    const e = await writeFilesAtomically([
      { path: join(dir, 'a.txt'), data: 'a' },
      { path: join(dir, 'b.txt'), data: 'b' },
      { path: join(dir, 'c'.repeat(260)), data: 'c' },
    ]).catch((err: unknown) => err);
    expect((e as FastAstError).code).toBe('EXPORT_FAILED');
    expect(await readdir(dir)).toEqual([]);
  });

  it('a failed export keeps the file it would have replaced intact', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'b.labels.txt'), 'old labels\n');
    const recs = recordings();
    recs[0].file = '/data/bad\0name.wav';
    await exportSegments({ format: 'audacity', recordings: [recs[1], recs[0]], outDir: dir, provenance: PROV }).catch(() => undefined);
    expect(await readFile(join(dir, 'b.labels.txt'), 'utf8')).toBe('old labels\n');
    expect(await readdir(dir)).toEqual(['b.labels.txt']);
  });

  it('a successful export with overwrite replaces an older one and leaves no temp file', async () => {
    const dir = await tempDir();
    await mkdir(join(dir, 'sub'));
    await writeFile(join(dir, 'b.labels.txt'), 'old labels\n');
    await exportSegments({ format: 'audacity', recordings: recordings().slice(1), outDir: dir, provenance: PROV, overwrite: true });
    expect(await readFile(join(dir, 'b.labels.txt'), 'utf8')).toBe('0.000000\t12.000000\train\n');
    expect((await readdir(dir)).sort()).toEqual(['b.labels.txt', 'b.labels.txt.fastast.json', 'sub']);
  });
});
