/**
 * The merge view follows the audio view's zoom and scroll: zoomed in on the waveform, its patch
 * columns (data-first-col / data-last-col on the canvas) are the ones under the seconds the audio
 * view shows, and the wheel over the merge view scrolls them both. While a re-run is in flight
 * after a slider move, the comparison says "re-running r = N…" instead of passing the previous
 * numbers off as current (a MutationObserver catches it: the bundled model re-runs in a few ms).
 */
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Page } from 'playwright-core';
import { openStudioPage, type StudioPage } from './studio-page.js';

const ARTIFACTS = resolve(import.meta.dirname, 'artifacts');
mkdirSync(ARTIFACTS, { recursive: true });
const SIZES = [
  [1280, 800],
  [1920, 1080],
] as const;

let studio: StudioPage;
let page: Page;
let initialR: string;
const text = (id: string) => page.getByTestId(id).innerText();
const canvas = () => page.getByTestId('merge-canvas');

/** The audio view's visible seconds, from its readout "view 1.23–4.56 s". */
async function viewRange(): Promise<[number, number]> {
  const m = /view ([\d.]+)–([\d.]+) s/.exec(await text('view-range'));
  if (!m) throw new Error('no view readout');
  return [Number(m[1]), Number(m[2])];
}

async function cols(): Promise<{ first: number; last: number; px: number }> {
  const c = canvas();
  return { first: Number(await c.getAttribute('data-first-col')), last: Number(await c.getAttribute('data-last-col')), px: Number(await c.getAttribute('data-col-px')) };
}

/** The columns of the bundled model (stride 10 frames = 0.1 s, 50 columns) under the audio view's seconds, window at 0 s. */
async function expectedCols(): Promise<{ first: number; last: number }> {
  const [a, b] = await viewRange();
  return { first: Math.max(0, Math.floor(a * 10)), last: Math.min(49, Math.ceil(b * 10) - 1) };
}

/** The canvas columns match the audio view's seconds (the readout rounds to 0.01 s: one column of slack). */
async function expectFollows(): Promise<void> {
  await expect
    .poll(async () => {
      const [c, e] = [await cols(), await expectedCols()];
      return Math.abs(c.first - e.first) <= 1 && Math.abs(c.last - e.last) <= 1;
    })
    .toBe(true);
}

async function shots(name: string): Promise<void> {
  for (const [w, h] of SIZES) {
    await page.setViewportSize({ width: w, height: h });
    await page.waitForTimeout(300);
    await page.screenshot({ path: join(ARTIFACTS, `merge-zoom-${name}-${w}x${h}.png`) });
  }
  await page.setViewportSize({ width: 1280, height: 800 });
}

beforeAll(async () => {
  studio = await openStudioPage();
  page = studio.page;
});

afterAll(async () => {
  await studio?.close();
});

describe('merge view zoom and the re-running indicator', () => {
  test('opens a clip: at fit the merge view shows all 50 columns', async () => {
    // The machine is shared: the engine may take a while to load next to other runs.
    await expect.poll(() => page.getByTestId('ep-badge').innerText(), { timeout: 150_000, message: `page problems: ${studio.problems.join(' | ')}` }).toMatch(/EP \w+/);
    await page.getByTestId('demo-file').filter({ hasText: 'church_bells' }).click();
    await expect.poll(() => text('window-range'), { timeout: 60_000 }).toBe('0.00–5.12 s');
    await page.getByTestId('comparison').waitFor({ timeout: 60_000 });
    initialR = await page.getByTestId('r-input').inputValue();
    await expect.poll(async () => (await viewRange())[1], { timeout: 30_000 }).toBeGreaterThan(5.12);
    await expect.poll(cols).toMatchObject({ first: 0, last: 49 });
    expect((await cols()).px).toBeGreaterThanOrEqual(6);
  });

  test('zooming the audio view in narrows the merge view to the same seconds', async () => {
    for (let i = 0; i < 4; i++) {
      const before = await text('view-range');
      await page.getByTestId('zoom-in').click();
      await expect.poll(() => text('view-range')).not.toBe(before);
    }
    const [a, b] = await viewRange();
    expect(b - a).toBeLessThan(4);
    await expectFollows();
    const c = await cols();
    expect(c.last - c.first + 1).toBeLessThan(50);
    expect(c.px).toBeGreaterThan(20);
    await shots('zoomed');
  });

  test('the wheel over the merge view scrolls the audio view, and the columns follow', async () => {
    // Scroll to the start first, then right with shift+wheel over the merge view.
    const box = (await canvas().boundingBox())!;
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await page.keyboard.down('Shift');
    await page.mouse.wheel(0, -5000);
    await page.keyboard.up('Shift');
    await expect.poll(async () => (await viewRange())[0]).toBeLessThan(0.05);
    await expectFollows();
    const before = await cols();
    await page.keyboard.down('Shift');
    await page.mouse.wheel(0, 300);
    await page.keyboard.up('Shift');
    await expect.poll(async () => (await viewRange())[0]).toBeGreaterThan(0.1);
    await expectFollows();
    expect((await cols()).first).toBeGreaterThan(before.first);
  });

  test('back at fit: all columns again', async () => {
    await page.getByTestId('zoom-fit').click();
    await expect.poll(cols).toMatchObject({ first: 0, last: 49 });
  });

  test('a slider move shows "re-running r = N…" until the new numbers arrive', async () => {
    await page.evaluate(() => {
      const w = window as unknown as { __rerun: string[] };
      w.__rerun = [];
      new MutationObserver(() => {
        const el = document.querySelector('[data-testid="rerunning"]');
        if (el) w.__rerun.push(el.textContent ?? '');
      }).observe(document.body, { childList: true, subtree: true, characterData: true });
    });
    const next = initialR === '20' ? '4' : '20';
    const rev = Number(await page.getByTestId('comparison').getAttribute('data-revision'));
    await page.getByTestId('r-slider').fill(next);
    await expect.poll(async () => Number(await page.getByTestId('comparison').getAttribute('data-revision')), { timeout: 60_000 }).toBeGreaterThan(rev);
    const seen = await page.evaluate(() => (window as unknown as { __rerun: string[] }).__rerun);
    expect(seen.length).toBeGreaterThan(0);
    expect(seen.some((t) => t.includes(`re-running r = ${next}…`))).toBe(true);
    // Settled: the indicator is gone and the numbers are current.
    await expect.poll(() => page.getByTestId('comparison').getAttribute('data-running')).toBe('false');
    expect(await page.getByTestId('rerunning').count()).toBe(0);
  });

  test('settings restored; no page errors', async () => {
    const rev = Number(await page.getByTestId('comparison').getAttribute('data-revision'));
    await page.getByTestId('r-slider').fill(initialR);
    await expect.poll(async () => Number(await page.getByTestId('comparison').getAttribute('data-revision')), { timeout: 60_000 }).toBeGreaterThan(rev);
    expect(studio.problems).toEqual([]);
  });
});
