/** What both hosts share to serve the page: CSP, content types, UI paths, media names. */
import { join, sep } from 'node:path';
import { describe, expect, test } from 'vitest';
import { contentSecurityPolicy } from '../main/http/csp.js';
import { isMediaName, mediaName } from '../main/http/media-name.js';
import { mimeType } from '../main/http/mime.js';
import { rendererFile } from '../main/http/renderer-file.js';

describe('contentSecurityPolicy', () => {
  const csp = contentSecurityPolicy({ connect: ['ws://127.0.0.1:8765'], media: ["'self'", 'blob:'] });
  const directives = new Map(csp.split('; ').map((d) => [d.split(' ')[0], d.split(' ').slice(1)]));

  test('scripts from the app only; no plugins, base, framing or forms', () => {
    expect(directives.get('script-src')).toEqual(["'self'"]);
    expect(directives.get('default-src')).toEqual(["'self'"]);
    expect(directives.get('object-src')).toEqual(["'none'"]);
    expect(directives.get('base-uri')).toEqual(["'none'"]);
    expect(directives.get('frame-ancestors')).toEqual(["'none'"]);
    expect(directives.get('form-action')).toEqual(["'none'"]);
  });

  test("the host's own sources for connections and media", () => {
    expect(directives.get('connect-src')).toEqual(["'self'", 'ws://127.0.0.1:8765']);
    expect(directives.get('media-src')).toEqual(["'self'", 'blob:']);
    expect(contentSecurityPolicy({ connect: [], media: ['fastast-media:'] })).toContain("connect-src 'self'; ");
  });
});

describe('mimeType', () => {
  test('the UI build’s file types, bytes for anything else', () => {
    expect(mimeType('/ui/index.html')).toBe('text/html; charset=utf-8');
    expect(mimeType('/ui/assets/a.JS')).toBe('text/javascript; charset=utf-8');
    expect(mimeType('/ui/ort.wasm')).toBe('application/wasm');
    expect(mimeType('/ui/font.woff2')).toBe('font/woff2');
    expect(mimeType('/ui/x.exe')).toBe('application/octet-stream');
    expect(mimeType('/ui/Makefile')).toBe('application/octet-stream');
  });
});

describe('rendererFile', () => {
  const ui = join(sep, 'srv', 'ui');
  test('paths inside the UI folder, "/" as index.html', () => {
    expect(rendererFile(ui, '/')).toBe(join(ui, 'index.html'));
    expect(rendererFile(ui, '/assets/a%20b.js')).toBe(join(ui, 'assets', 'a b.js'));
  });
  test('nothing outside it, however spelled', () => {
    expect(rendererFile(ui, '/..%2F..%2Fetc%2Fpasswd')).toBeNull();
    expect(rendererFile(ui, '/../ui-other/x')).toBeNull();
    expect(rendererFile(ui, '/%2E%2E/x')).toBeNull();
  });
});

describe('media names', () => {
  test('only f<n>.wav', () => {
    expect(mediaName('f12')).toBe('f12.wav');
    expect(isMediaName('f12.wav')).toBe(true);
    for (const bad of ['../f1.wav', 'f1.wav/x', 'x.wav', 'f.wav', 'f1.WAV', 'f1.wav\n']) expect(isMediaName(bad), bad).toBe(false);
  });
});
