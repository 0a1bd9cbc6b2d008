/**
 * Issue 12, item 3: serve's token outlives serve (kept in the state folder), so a page left open
 * reconnects after serve restarts instead of retrying a dead token forever; `--token` must be
 * usable as a cookie value.
 */
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { serve } from '../main/serve/serve.js';
import { isValidToken, persistentToken, TOKEN_FILE } from '../main/serve/token-file.js';

const tmp = mkdtempSync(join(tmpdir(), 'fastast-token-test-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('serve token', () => {
  test('is made once, kept 0600 in the state folder, and the same at the next start', async () => {
    const state = join(tmp, 'state');
    const first = await persistentToken(state);
    expect(isValidToken(first)).toBe(true);
    expect(statSync(join(state, TOKEN_FILE)).mode & 0o777).toBe(0o600);
    expect(await persistentToken(state)).toBe(first);
    expect(readFileSync(join(state, TOKEN_FILE), 'utf8').trim()).toBe(first);
  });

  test('an unusable token file is replaced', async () => {
    const state = join(tmp, 'state2');
    await persistentToken(state);
    writeFileSync(join(state, TOKEN_FILE), 'not a token; x=1', { mode: 0o644 });
    chmodSync(join(state, TOKEN_FILE), 0o644);
    const token = await persistentToken(state);
    expect(isValidToken(token)).toBe(true);
    expect(statSync(join(state, TOKEN_FILE)).mode & 0o777).toBe(0o600);
  });

  test('--token must be long hex', async () => {
    await expect(serve({ token: 'short', stateDir: join(tmp, 's3'), quiet: true })).rejects.toThrow(/--token must be 32 to 128 hex digits/);
    expect(isValidToken('ab'.repeat(16))).toBe(true);
    expect(isValidToken('AB'.repeat(16))).toBe(false);
  });
});
