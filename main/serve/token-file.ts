/**
 * serve's token, kept in the state folder so that it survives a restart of serve: a page left
 * open reconnects by itself instead of being locked out (it cannot learn a new token). `--token`
 * overrides it; deleting the file makes a new one at the next start.
 */
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { newToken } from './access.js';

export const TOKEN_FILE = 'serve-token';

/** A token must be long hex: the cookie carries it as such (access.ts). */
export function isValidToken(token: string): boolean {
  return /^[0-9a-f]{32,128}$/.test(token);
}

/** The token in `<stateDir>/serve-token`, made (0600) when missing or unusable. */
export async function persistentToken(stateDir: string): Promise<string> {
  const path = join(stateDir, TOKEN_FILE);
  const kept = (await readFile(path, 'utf8').catch(() => '')).trim();
  if (isValidToken(kept)) return kept;
  await mkdir(stateDir, { recursive: true, mode: 0o700 });
  const token = newToken();
  // Not 'wx': an unusable file (empty, truncated) is replaced. Mode 0600: the token is a key.
  await writeFile(path, `${token}\n`, { mode: 0o600 });
  await chmod(path, 0o600); // the mode above applies only to a new file
  return token;
}
