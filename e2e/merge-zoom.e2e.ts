/**
 * The merge view and the audio view's zoom, in the real UI against its own `serve` (file-serve.ts).
 * At fit the merge view shows the whole window (padding included); zoomed in closer than the
 * window, its patch columns (data-first-col / data-last-col on the canvas) are the ones under
 * the audio view's seconds, and shift+wheel over it scrolls both. Playback does not redraw it.
 * A slider move shows "re-running r = N…" until the new numbers land. Then AST-base's grid
 * (12 × 101 patches: the micro .pth fixture, imported through the form) at fit and zoomed at
 * three sizes, and the renderer's heap and the host's RSS before and after 40 slider moves.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { fileServe } from './file-serve.js';
import { openStudioPage, type StudioPage } from './studio-page.js';

const ARTIFACTS = resolve(import.meta.dirname, 'artifacts');
mkdirSync(ARTIFACTS, { recursive: true });
const PTH = resolve(import.meta.dirname, '..', 'test', 'fixtures', 'torch-checkpoints', 'ast-repo-micro.pth');
const MICRO = 'zoom-micro';
const SIZES = [
  [1024, 640],
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

async function cols(): Promise<{ first: number; last: number; px: number; whole: string }> {
  const c = canvas();
  const n = async (a: string) => Number(await c.getAttribute(a));
  return { first: await n('data-first-col'), last: await n('data-last-col'), px: await n('data-col-px'), whole: (await c.getAttribute('data-whole')) ?? '' };
}

/** The canvas columns are the ones under the audio view's seconds (window at 0 s; the readout rounds to 0.01 s: one column of slack). */
async function expectFollows(colsPerSecond: number, lastCol: number): Promise<void> {
  await expect
    .poll(async () => {
      const [[a, b], c] = [await viewRange(), await cols()];
      const e = { first: Math.max(0, Math.floor(a * colsPerSecond)), last: Math.min(lastCol, Math.ceil(b * colsPerSecond) - 1) };
      return c.whole === 'false' && Math.abs(c.first - e.first) <= 1 && Math.abs(c.last - e.last) <= 1;
    })
    .toBe(true);
}

async function zoomIn(times: number): Promise<void> {
  for (let i = 0; i < times; i++) {
    const before = await text('view-range');
    await page.getByTestId('zoom-in').click();
    await expect.poll(() => text('view-range')).not.toBe(before);
  }
}

async function shots(name: string): Promise<void> {
  for (const [w, h] of SIZES) {
    await page.setViewportSize({ width: w, height: h });
    await page.waitForTimeout(300);
    await page.screenshot({ path: join(ARTIFACTS, `merge-zoom-${name}-${w}x${h}.png`) });
  }
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.waitForTimeout(300);
}

/** Counts the merge canvas's redraws (drawMergeView starts with clearRect) from now on. */
async function countRedraws(): Promise<void> {
  await page.evaluate(() => {
    const w = window as unknown as { __mergeDraws: number; __countingDraws?: boolean };
    w.__mergeDraws = 0;
    if (w.__countingDraws) return;
    w.__countingDraws = true;
    const clear = CanvasRenderingContext2D.prototype.clearRect;
    CanvasRenderingContext2D.prototype.clearRect = function (...args: [number, number, number, number]) {
      if ((this.canvas as HTMLCanvasElement).dataset.testid === 'merge-canvas') w.__mergeDraws++;
      return clear.apply(this, args);
    };
  });
}
const redraws = () => page.evaluate(() => (window as unknown as { __mergeDraws: number }).__mergeDraws);

/** Moves the r slider and waits for the run it starts to land. */
async function setR(r: string): Promise<void> {
  const rev = Number(await page.getByTestId('comparison').getAttribute('data-revision'));
  await page.getByTestId('r-slider').fill(r);
  await expect.poll(async () => Number(await page.getByTestId('comparison').getAttribute('data-revision')), { timeout: 60_000 }).toBeGreaterThan(rev);
  await expect.poll(() => page.getByTestId('comparison').getAttribute('data-running')).toBe('false');
}

/** Resident memory of this file's serve's process tree (serve and the host it forks), MB. */
async function serveTreeRssMb(): Promise<{ serve: number; host: number }> {
  const { pid } = await fileServe();
  const rss = (p: number) => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${p}/status`, 'utf8'))?.[1] ?? 0) / 1024;
  const children = (p: number): number[] =>
    readFileSync(`/proc/${p}/task/${p}/children`, 'utf8')
      .split(' ')
      .filter(Boolean)
      .map(Number);
  const below = (p: number): number[] => children(p).flatMap((c) => [c, ...below(c)]);
  return { serve: rss(pid), host: below(pid).reduce((s, c) => s + rss(c), 0) };
}

/** The renderer's JS heap after a full GC, MB. */
async function heapMb(): Promise<number> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('HeapProfiler.collectGarbage');
  const { usedSize } = await cdp.send('Runtime.getHeapUsage');
  await cdp.detach();
  return usedSize / 2 ** 20;
}

beforeAll(async () => {
  studio = await openStudioPage();
  page = studio.page;
});

afterAll(async () => {
  await studio?.close();
});

describe('merge view zoom on the bundled model (12 × 50 patches, 5.12 s windows)', () => {
  test('at fit the merge view shows the whole window', async () => {
    // The machine is shared: the engine may take a while to load next to other runs.
    await expect.poll(() => text('ep-badge'), { timeout: 150_000, message: `page problems: ${studio.problems.join(' | ')}` }).toMatch(/EP \w+/);
    await page.getByTestId('demo-file').filter({ hasText: 'church_bells' }).click();
    await expect.poll(() => text('window-range'), { timeout: 60_000 }).toBe('0.00–5.12 s');
    await page.getByTestId('comparison').waitFor({ timeout: 60_000 });
    initialR = await page.getByTestId('r-input').inputValue();
    await expect.poll(async () => (await viewRange())[1], { timeout: 30_000 }).toBeGreaterThan(5.12);
    await expect.poll(cols).toMatchObject({ first: 0, last: 49, whole: 'true' });
    await shots('bundled-fit');
  });

  test('playing at fit does not redraw the merge view', async () => {
    await countRedraws();
    await page.getByTestId('play-button').click();
    await expect.poll(() => text('play-button'), { timeout: 10_000 }).toContain('Pause');
    await expect.poll(() => text('clock'), { timeout: 15_000 }).not.toBe('0:00.00');
    await page.waitForTimeout(1000);
    await page.getByTestId('play-button').click();
    await expect.poll(() => text('play-button')).toContain('Play');
    expect(await redraws()).toBe(0);
    await page.getByTestId('zoom-fit').click();
  });

  test('zooming the audio view in narrows the merge view to the same seconds', async () => {
    await zoomIn(4);
    const [a, b] = await viewRange();
    expect(b - a).toBeLessThan(4);
    await expectFollows(10, 49);
    const c = await cols();
    expect(c.last - c.first + 1).toBeLessThan(50);
    expect(c.px).toBeGreaterThan(20);
    await shots('bundled-zoomed');
  });

  test('shift+wheel over the merge view scrolls the audio view, and the columns follow; a plain wheel does not', async () => {
    const box = (await canvas().boundingBox())!;
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    // A plain wheel is the page's (the merge view sits in a scrolling column at small sizes).
    const view = await text('view-range');
    await page.mouse.wheel(0, -300);
    await page.waitForTimeout(300);
    expect(await text('view-range')).toBe(view);
    await page.keyboard.down('Shift');
    await page.mouse.wheel(0, -5000);
    await page.keyboard.up('Shift');
    await expect.poll(async () => (await viewRange())[0]).toBeLessThan(0.05);
    await expectFollows(10, 49);
    const before = await cols();
    await page.keyboard.down('Shift');
    await page.mouse.wheel(0, 300);
    await page.keyboard.up('Shift');
    await expect.poll(async () => (await viewRange())[0]).toBeGreaterThan(0.1);
    await expectFollows(10, 49);
    expect((await cols()).first).toBeGreaterThan(before.first);
  });

  test('back at fit: the whole window again', async () => {
    await page.getByTestId('zoom-fit').click();
    await expect.poll(cols).toMatchObject({ first: 0, last: 49, whole: 'true' });
  });

  test('a slider move shows "re-running r = N…" and dims the previous numbers until the new ones land', async () => {
    await page.evaluate(() => {
      const w = window as unknown as { __rerun: { text: string; dimmed: boolean }[] };
      w.__rerun = [];
      new MutationObserver(() => {
        const el = document.querySelector('[data-testid="rerunning"]');
        const table = document.querySelector('[data-testid="topk-table"]');
        if (el) w.__rerun.push({ text: el.textContent ?? '', dimmed: table ? getComputedStyle(table).opacity === '0.4' : false });
      }).observe(document.body, { childList: true, subtree: true, characterData: true, attributes: true });
    });
    const next = initialR === '20' ? '4' : '20';
    await setR(next);
    const seen = await page.evaluate(() => (window as unknown as { __rerun: { text: string; dimmed: boolean }[] }).__rerun);
    expect(seen.some((s) => s.text.includes(`re-running r = ${next}…`) && s.dimmed)).toBe(true);
    expect(await page.getByTestId('rerunning').count()).toBe(0);
    await setR(initialR);
  });
});

describe('AST-base’s grid (12 × 101 patches, 10.24 s windows)', () => {
  test('the micro .pth with AST-base’s input imports and opens', async () => {
    await page.getByTestId('view-models').click();
    await page.getByTestId('import-path').fill(PTH);
    await page.getByTestId('import-inspect').click();
    await page.getByTestId('import-report').waitFor({ timeout: 60_000 });
    await page.getByTestId('import-name').fill(MICRO);
    await page.getByTestId('import-confirm').click();
    await expect.poll(() => text('import-done'), { timeout: 60_000 }).toMatch(/527 classes/);
    await page.getByTestId('view-workstation').click();
    const select = page.getByTestId('model-select');
    await select.selectOption(MICRO);
    await expect.poll(() => select.inputValue(), { timeout: 90_000 }).toBe(MICRO);
    await expect.poll(() => text('ep-badge'), { timeout: 90_000 }).toBe('EP cpu');
    await expect.poll(() => text('window-range'), { timeout: 60_000 }).toBe('0.00–10.24 s');
    await expect.poll(() => text('tokens-left'), { timeout: 60_000 }).toMatch(/^\d+ tokens/);
  });

  test('at fit: all 101 columns, padding past the 8.74 s file included; ≥ 6 px wide from 1280 px up', async () => {
    await expect.poll(cols, { timeout: 30_000 }).toMatchObject({ first: 0, last: 100, whole: 'true' });
    const valid = Number(await canvas().getAttribute('data-valid-frames'));
    expect(valid).toBeGreaterThan(850);
    expect(valid).toBeLessThan(1024);
    // At fit the whole window is shown whatever the width (as before zooming existed): at 1024 px
    // that is 5.5 px a column; zooming in gives wider ones (next test).
    for (const [w, h] of SIZES) {
      await page.setViewportSize({ width: w, height: h });
      await expect.poll(async () => (await cols()).px).toBeGreaterThanOrEqual(w < 1280 ? 5 : 6);
    }
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.getByTestId('layer-slider').fill('2');
    await shots('astbase-fit');
  });

  test('zoomed in: the columns under the audio view, readable at each size', async () => {
    await zoomIn(3);
    await expectFollows(10, 100);
    expect((await cols()).px).toBeGreaterThan(15);
    await shots('astbase-zoomed');
  });

  test('memory stays bounded over 40 slider moves', async () => {
    await page.getByTestId('zoom-fit').click();
    await setR('20');
    const heap0 = await heapMb();
    const rss0 = await serveTreeRssMb();
    for (let i = 0; i < 40; i++) await setR(String(10 + (i % 4) * 10));
    const heap1 = await heapMb();
    const rss1 = await serveTreeRssMb();
    console.log(
      `memory over 40 moves on the 12 × 101 model: renderer heap ${heap0.toFixed(1)} → ${heap1.toFixed(1)} MB; ` +
        `serve RSS ${rss0.serve.toFixed(0)} → ${rss1.serve.toFixed(0)} MB; host RSS ${rss0.host.toFixed(0)} → ${rss1.host.toFixed(0)} MB`,
    );
    // Each move's run (two 1214-token results) is a few hundred kB: keeping them all would show.
    expect(heap1 - heap0).toBeLessThan(8);
    expect(rss1.host - rss0.host).toBeLessThan(100);
  });

  test('back on the bundled model, the imported one removed; no page errors', async () => {
    const select = page.getByTestId('model-select');
    await select.selectOption('ast-tiny-esc10-cmkd');
    await expect.poll(() => select.inputValue(), { timeout: 90_000 }).toBe('ast-tiny-esc10-cmkd');
    await page.getByTestId('comparison').waitFor({ timeout: 60_000 });
    await page.getByTestId('view-models').click();
    const row = page.locator(`[data-testid="model-row"][data-model="${MICRO}"]`);
    await row.getByTestId('model-remove').click();
    await row.getByTestId('model-remove-confirm').click();
    await expect.poll(() => row.count(), { timeout: 30_000 }).toBe(0);
    await page.getByTestId('view-workstation').click();
    expect(studio.problems).toEqual([]);
  });
});
