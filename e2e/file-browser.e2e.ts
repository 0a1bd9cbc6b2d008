/**
 * The file browser's path box on a slow host: a path typed before the first folder listing
 * arrives is what Enter opens. The listing's reply is held back on the page's WebSocket
 * (Playwright routes the socket; every other message passes as it is), so the race that made a
 * loaded CI machine list the home folder instead of opening the typed file happens every time.
 */
import { resolve } from 'node:path';
import { type WebSocketRoute } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { openStudioPage, type StudioPage } from './studio-page.js';

const CLIP = resolve(import.meta.dirname, '../data/demo/car_horn_dj997_493751.flac');
const HOLD_MS = 2500;

let studio: StudioPage;

/** The JSON header of a wire frame (app/contract/codec.ts: u32 LE length, then the header). */
function header(frame: string | Buffer): { t?: string; id?: number; method?: string } {
  if (typeof frame === 'string') return {};
  return JSON.parse(frame.subarray(4, 4 + frame.readUInt32LE(0)).toString('utf8')) as { t?: string; id?: number; method?: string };
}

beforeAll(async () => {
  studio = await openStudioPage({
    route: async (ws: WebSocketRoute) => {
      const server = ws.connectToServer();
      const listIds = new Set<number>();
      ws.onMessage((m) => {
        const h = header(m);
        if (h.t === 'req' && h.method === 'fs.list' && h.id !== undefined) listIds.add(h.id);
        server.send(m);
      });
      server.onMessage((m) => {
        const h = header(m);
        if (h.t === 'res' && h.id !== undefined && listIds.delete(h.id)) setTimeout(() => ws.send(m), HOLD_MS);
        else ws.send(m);
      });
    },
  });
});

afterAll(async () => {
  await studio?.close();
});

describe('file browser on a slow host', () => {
  test('a path typed before the folder listing arrives is the file Enter opens', async () => {
    const { page } = studio;
    await expect.poll(() => page.getByTestId('ep-badge').innerText(), { timeout: 120_000 }).toMatch(/EP \w+/);
    await page.getByTestId('open-button').click();
    await page.getByTestId('browser-path').fill(CLIP);
    // The held listing lands while the typed path waits in the box.
    await page.waitForTimeout(HOLD_MS + 500);
    expect(await page.getByTestId('browser-path').inputValue()).toBe(CLIP);
    await page.getByTestId('browser-path').press('Enter');
    await expect.poll(() => page.getByTestId('file-title').innerText(), { timeout: 60_000 }).toMatch(/^car_horn/);
    expect(studio.problems).toEqual([]);
  });
});
