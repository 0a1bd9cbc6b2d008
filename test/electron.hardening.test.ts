/**
 * Issue 12, item 10: the packaged Electron binary has its fuses set (electron-builder.yml, checked
 * against electron-builder's own schema so a misspelt key cannot pass silently), and the page is
 * denied every permission check, request and device request. Electron cannot run here: the
 * policy module is Electron-free and driven with a recording session.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, test } from 'vitest';
import { applyPermissionPolicy, type PermissionSession } from '../main/electron/permissions.js';

const ROOT = resolve(import.meta.dirname, '..');

/** The `electronFuses:` block of electron-builder.yml as key → boolean (a flat block of two-space keys). */
function fusesInConfig(): Record<string, boolean> {
  const lines = readFileSync(join(ROOT, 'electron-builder.yml'), 'utf8').split('\n');
  const start = lines.indexOf('electronFuses:');
  expect(start, 'electron-builder.yml has an electronFuses block').toBeGreaterThanOrEqual(0);
  const out: Record<string, boolean> = {};
  for (const line of lines.slice(start + 1)) {
    const m = /^ {2}(\w+): (true|false)\s*$/.exec(line);
    if (!m) break;
    out[m[1]] = m[2] === 'true';
  }
  return out;
}

describe('Electron hardening', () => {
  test('fuses: no run-as-node, NODE_OPTIONS or --inspect; app.asar only, integrity-checked', () => {
    expect(fusesInConfig()).toMatchObject({
      runAsNode: false,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      enableEmbeddedAsarIntegrityValidation: true,
      onlyLoadAppFromAsar: true,
    });
  });

  test("every fuse key is one electron-builder's schema knows", () => {
    const schema = JSON.parse(readFileSync(join(ROOT, 'node_modules', 'app-builder-lib', 'scheme.json'), 'utf8'));
    const known = Object.keys(schema.definitions.FuseOptionsV1.properties);
    for (const key of Object.keys(fusesInConfig())) expect(known).toContain(key);
  });

  test('the page is denied every permission check, request and device request', () => {
    let check: ((wc: unknown, p: string) => boolean) | null = null;
    let request: ((wc: unknown, p: string, cb: (granted: boolean) => void) => void) | null = null;
    let device: ((d: unknown) => boolean) | null = null;
    const session: PermissionSession = {
      setPermissionCheckHandler: (h) => (check = h),
      setPermissionRequestHandler: (h) => (request = h),
      setDevicePermissionHandler: (h) => (device = h),
    };
    applyPermissionPolicy(session);
    for (const p of ['media', 'notifications', 'clipboard-read', 'clipboard-sanitized-write', 'geolocation', 'fullscreen', 'openExternal', 'hid', 'serial', 'usb']) {
      expect(check!(null, p)).toBe(false);
      const answers: boolean[] = [];
      request!(null, p, (granted) => answers.push(granted));
      expect(answers).toEqual([false]);
    }
    expect(device!({ deviceType: 'usb' })).toBe(false);
  });

  test('the main process applies the policy to its session', () => {
    const main = readFileSync(join(ROOT, 'main', 'electron', 'main.ts'), 'utf8');
    expect(main).toContain('applyPermissionPolicy(session.defaultSession)');
  });
});
