import { execFile } from 'node:child_process';
import { chmod, copyFile, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const BIN = join(ROOT, 'bin', 'fastast.js');
export const MODELS = join(ROOT, 'models');
export const DEMO = join(ROOT, 'data', 'demo');

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the real CLI (bin/fastast.js → tsx → app/cli/main.ts) in a child process. */
export function fastast(args: string[], opts: { cwd?: string; timeoutMs?: number } = {}): Promise<CliRun> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [BIN, ...args],
      { cwd: opts.cwd ?? ROOT, timeout: opts.timeoutMs ?? 280_000, maxBuffer: 64 * 1024 * 1024 },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/** A writable copy of a bundled checkpoint in a fresh temp dir (the bundled files are read-only). */
export async function copyModel(name = 'ast-tiny-esc10-cmkd'): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'fastast-ckpt-'));
  for (const f of ['config.json', 'preprocessor_config.json', 'model.safetensors']) {
    await copyFile(join(MODELS, name, f), join(dir, f));
    await chmod(join(dir, f), 0o644);
  }
  return dir;
}

/** Rewrites the JSON header of a safetensors file, keeping the data bytes as they are. */
export async function editSafetensorsHeader(path: string, edit: (header: Record<string, any>) => void): Promise<void> {
  const bytes = await readFile(path);
  const len = Number(bytes.readBigUInt64LE(0));
  const header = JSON.parse(bytes.subarray(8, 8 + len).toString('utf8'));
  edit(header);
  // Pad with spaces to the old length so the data section stays where the offsets expect it.
  const text = JSON.stringify(header).padEnd(len, ' ');
  if (Buffer.byteLength(text) !== len) throw new Error('edited header grew; shorten the edit');
  const out = Buffer.from(bytes);
  out.write(text, 8, 'utf8');
  await writeFile(path, out);
}
