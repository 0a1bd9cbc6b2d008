/**
 * The real UI in Debian's Chromium against this file's own `serve` (file-serve.ts):
 * open a demo clip, see waveform and spectrogram, analyse, move the merge slider, scrub
 * layers, hover a token, play and pause. Every step asserts on what is on screen and saves
 * a screenshot under e2e/artifacts/.
 */
import { cpSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { type Browser, type BrowserContext, type Locator, type Page } from 'playwright-core';
import { openStudioPage, overlaps, type StudioPage } from './studio-page.js';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';

const ARTIFACTS = resolve(import.meta.dirname, 'artifacts');
mkdirSync(ARTIFACTS, { recursive: true });

let browser: Browser;
let context: BrowserContext;
let page: Page;
let studio: StudioPage;

async function shot(name: string, p: Page = page): Promise<void> {
  await p.screenshot({ path: join(ARTIFACTS, `${name}.png`) });
}

/** A cheap fingerprint of a canvas' pixels, and how much they vary (0 = blank). */
async function canvasStats(loc: Locator): Promise<{ hash: number; spread: number; w: number; h: number }> {
  return loc.evaluate((el) => {
    const c = el as HTMLCanvasElement;
    const ctx = c.getContext('2d')!;
    const { data } = ctx.getImageData(0, 0, c.width, c.height);
    let hash = 0;
    let min = 255;
    let max = 0;
    for (let i = 0; i < data.length; i += 4 * 7) {
      const v = (data[i] + data[i + 1] + data[i + 2]) / 3;
      hash = (hash * 31 + data[i] * 3 + data[i + 1] * 5 + data[i + 2] * 7) >>> 0;
      if (v < min) min = v;
      if (v > max) max = v;
    }
    return { hash, spread: max - min, w: c.width, h: c.height };
  });
}

const text = (id: string) => page.getByTestId(id).innerText();

beforeAll(async () => {
  studio = await openStudioPage();
  ({ browser, context, page } = studio);
});

afterAll(async () => {
  await context?.close();
  await browser?.close();
});

describe('FastAST Studio in the browser', () => {
  test('opens a demo clip and shows waveform and spectrogram on one time axis', async () => {
    await expect.poll(() => page.getByTestId('ep-badge').innerText(), { timeout: 60_000 }).toMatch(/EP \w+/);
    const clip = page.getByTestId('demo-file').filter({ hasText: 'church_bells' });
    await clip.click();
    await expect.poll(() => text('file-title'), { timeout: 60_000 }).toMatch(/^church_bells_inspectorj_371267\.flac · 0:08\.74/);
    // wavesurfer draws into canvases inside its shadow root; Playwright's CSS pierces it.
    const waveCanvas = page.getByTestId('waveform').locator('canvas').first();
    await waveCanvas.waitFor({ timeout: 30_000 });
    await expect.poll(async () => (await canvasStats(waveCanvas)).spread, { timeout: 30_000 }).toBeGreaterThan(40);
    const spec = page.getByTestId('spectrogram').locator('canvas');
    await expect.poll(async () => (await canvasStats(spec)).spread, { timeout: 30_000 }).toBeGreaterThan(80);
    await expect.poll(() => text('view-range')).toMatch(/view 0\.00–8\.7\d s/);
    // The merge view fills in for the first window (model input + baseline).
    await expect.poll(() => text('window-range'), { timeout: 60_000 }).toBe('0.00–5.12 s');
    await expect.poll(async () => (await canvasStats(page.getByTestId('merge-canvas'))).spread, { timeout: 60_000 }).toBeGreaterThan(60);
    await page.getByTestId('comparison').waitFor({ timeout: 60_000 });
    // Zoom in: the visible range shrinks, and the spectrogram follows.
    const before = await canvasStats(spec);
    await page.getByTestId('zoom-in').click();
    await page.getByTestId('zoom-in').click();
    await expect.poll(async () => {
      const m = /view ([\d.]+)–([\d.]+) s/.exec(await text('view-range'));
      return m ? Number(m[2]) - Number(m[1]) : 99;
    }).toBeLessThan(5);
    await expect.poll(async () => (await canvasStats(spec)).hash).not.toBe(before.hash);
    await page.getByTestId('zoom-fit').click();
    await expect.poll(() => text('view-range')).toMatch(/view 0\.00–8\.7\d s/);
    // The mouse wheel over the spectrogram zooms too.
    const sb = (await page.getByTestId('spectrogram').boundingBox())!;
    await page.mouse.move(sb.x + sb.width / 2, sb.y + sb.height / 2);
    await page.mouse.wheel(0, -400);
    await expect.poll(async () => {
      const m = /view ([\d.]+)–([\d.]+) s/.exec(await text('view-range'));
      return m ? Number(m[2]) - Number(m[1]) : 99;
    }).toBeLessThan(8);
    await page.getByTestId('zoom-fit').click();
    await expect.poll(() => text('view-range')).toMatch(/view 0\.00–8\.7\d s/);
    await shot('01-open-1280x800');
  });

  test('runs the analysis with progress and shows labels over time', async () => {
    const lane = page.getByTestId('label-lane').locator('canvas');
    // The file's own serve: nothing another e2e file analysed on this clip comes back.
    await expect.poll(() => text('segment-count')).toBe('0 segments');
    const blank = await canvasStats(lane);
    await page.getByTestId('hop-input').fill('1');
    await page.getByTestId('analysis-run').click();
    await expect.poll(() => text('analysis-summary'), { timeout: 90_000 }).toMatch(/^\d+ windows · \d+ ms\/window/);
    const summary = await text('analysis-summary');
    expect(Number(summary.split(' ')[0])).toBe(5); // 8.74 s, 5.12 s windows, 1 s hop
    await expect.poll(async () => (await canvasStats(lane)).hash).not.toBe(blank.hash);
    await page.getByTestId('threshold').fill('0');
    await expect.poll(() => text('segment-count')).toMatch(/^[1-9]\d* segments$/);
    await page.getByTestId('label-filter').fill('zzz-no-such-label');
    await expect.poll(() => text('segment-count')).toBe('0 segments');
    await page.getByTestId('label-filter').fill('');
    await shot('02-analysis-1280x800');
  });

  test('moving the r slider re-runs the window: tokens per layer and the merge view change', async () => {
    await page.getByTestId('layer-slider').fill('12');
    await expect.poll(() => text('layer-readout')).toBe('after 12/12');
    const canvas = page.getByTestId('merge-canvas');
    const tokensBefore = await text('tokens-per-layer');
    const revBefore = Number(await page.getByTestId('comparison').getAttribute('data-revision'));
    const pixelsBefore = await canvasStats(canvas);
    await page.getByTestId('r-slider').fill('16');
    await expect.poll(() => text('tokens-per-layer'), { timeout: 30_000 }).toBe('602 · 586 · 570 · 554 · 538 · 522 · 506 · 490 · 474 · 458 · 442 · 426 · 410');
    expect(tokensBefore).not.toBe(await text('tokens-per-layer'));
    await expect.poll(async () => Number(await page.getByTestId('comparison').getAttribute('data-revision'))).toBeGreaterThan(revBefore);
    await expect.poll(() => text('tokens-left')).toMatch(/^410 tokens/);
    await expect.poll(async () => Number(await canvas.getAttribute('data-groups'))).toBeGreaterThan(0);
    await expect.poll(async () => (await canvasStats(canvas)).hash).not.toBe(pixelsBefore.hash);
    expect(await text('final-tokens')).toContain('602 → 410 tokens');
    expect(await page.getByTestId('ratio-input').inputValue()).toBe('31.9');
    // The ratio is settable too: 50 % → the r that comes closest.
    await page.getByTestId('ratio-input').fill('50');
    await expect.poll(() => page.getByTestId('r-input').inputValue()).toBe('25');
    await expect.poll(() => text('tokens-left'), { timeout: 30_000 }).toMatch(/^302 tokens/);
    await expect.poll(() => text('top1-agreement')).toMatch(/top-1 (agrees|changed)/);
    expect(await text('kl')).toMatch(/^KL /);
    // ms per window are medians of the Speed panel's paired runs: "measuring…" until the first pair.
    await expect.poll(() => text('ms-per-window'), { timeout: 60_000 }).toMatch(/^\d+ vs \d+$/);
    expect(await text('x-realtime')).toMatch(/^\d+× vs \d+×$/);
    expect(await text('ep-used')).toMatch(/^cpu/);
    // Schedule shape: decreasing front-loads the merging.
    await page.getByTestId('shape-decreasing').click();
    await expect.poll(() => text('tokens-per-layer'), { timeout: 30_000 }).toMatch(/^602 · 552 · /);
    await page.getByTestId('shape-constant').click();
    await page.getByTestId('r-slider').fill('16');
    await expect.poll(() => text('tokens-left'), { timeout: 30_000 }).toMatch(/^410 tokens/);
    await shot('03-merge-r16-1280x800');
  });

  test('scrubbing layers changes the groups and the tokens left', async () => {
    const canvas = page.getByTestId('merge-canvas');
    await page.getByTestId('layer-slider').fill('0');
    await expect.poll(() => text('layer-readout')).toBe('input');
    await expect.poll(() => text('tokens-left')).toMatch(/^602 tokens/);
    const input = await canvasStats(canvas);
    await page.getByTestId('layer-slider').fill('4');
    await expect.poll(() => text('tokens-left')).toMatch(/^538 tokens/);
    const l4 = await canvasStats(canvas);
    expect(l4.hash).not.toBe(input.hash);
    await page.getByTestId('layer-slider').fill('12');
    await expect.poll(() => text('tokens-left')).toMatch(/^410 tokens/);
    expect((await canvasStats(canvas)).hash).not.toBe(l4.hash);
    // Keyboard: ',' steps a layer down.
    await page.locator('body').press(',');
    await expect.poll(() => text('layer-readout')).toBe('after 11/12');
    await page.locator('body').press('.');
    await expect.poll(() => text('layer-readout')).toBe('after 12/12');
  });

  test('hovering a token lights up its patches and shows merge similarities', async () => {
    const canvas = page.getByTestId('merge-canvas');
    const box = (await canvas.boundingBox())!;
    const before = await canvasStats(canvas);
    // Walk across the grid until the card shows a token made of several patches.
    let found = '';
    for (let fy = 0.15; fy < 0.9 && !found; fy += 0.11) {
      for (let fx = 0.08; fx < 0.95 && !found; fx += 0.035) {
        await page.mouse.move(box.x + 50 + (box.width - 60) * fx, box.y + 8 + (box.height - 30) * fy);
        const card = page.getByTestId('hover-card');
        if (await card.isVisible()) {
          const t = await card.innerText();
          if (/\d+ patches/.test(t) && /sim 0\.\d{5}/.test(t)) found = t;
        }
      }
    }
    expect(found).toMatch(/→ token \d+ after layer 12/);
    expect(found).toMatch(/layer \d+\s+sim 0\.\d{5}/);
    expect((await canvasStats(canvas)).hash).not.toBe(before.hash);
    await shot('04-hover-1280x800');
    // Near-tie shading toggles on.
    await page.getByTestId('shading-toggle').check();
    await page.mouse.move(box.x + 2, box.y + box.height + 40);
    await expect.poll(() => page.getByTestId('hover-card').count()).toBe(0);
    expect((await canvasStats(canvas)).hash).not.toBe(before.hash);
    await shot('05-near-ties-1280x800');
    await page.getByTestId('shading-toggle').uncheck();
  });

  test('a clip shorter than a window shows its padding, and the near-tie shading', async () => {
    await page.getByTestId('open-button').click();
    await page.getByTestId('browser-file').filter({ hasText: 'car_horn' }).click();
    await expect.poll(() => text('file-title'), { timeout: 60_000 }).toMatch(/^car_horn_dj997_493751\.flac · 0:01\.08/);
    const canvas = page.getByTestId('merge-canvas');
    await expect.poll(async () => Number(await canvas.getAttribute('data-valid-frames')), { timeout: 60_000 }).toBe(106);
    await expect.poll(() => text('tokens-left'), { timeout: 30_000 }).toMatch(/^410 tokens/);
    await page.getByTestId('shading-toggle').check();
    await expect.poll(() => page.getByTestId('clarity-legend').isVisible()).toBe(true);
    // Padding (90 % of this window) is made of identical frames: most of its merges are near-ties.
    const box = (await canvas.boundingBox())!;
    await page.mouse.move(box.x + 50 + (box.width - 60) * 0.8, box.y + 8 + (box.height - 30) * 0.5);
    await expect.poll(() => page.getByTestId('hover-card').innerText()).toMatch(/padding only/);
    // The engine's decision margins: the padding's merges are near-ties, the horn's are not.
    expect(await page.getByTestId('hover-margin').innerText()).toMatch(/smallest margin \S+ \((near-tie|almost a tie)\)/);
    const pad = Number(await canvas.getAttribute('data-margin-pad'));
    const audio = Number(await canvas.getAttribute('data-margin-audio'));
    expect(pad).toBeLessThan(1e-4);
    expect(audio).toBeGreaterThan(pad * 10);
    await shot('06-padding-near-ties-1280x800');
    await page.getByTestId('shading-toggle').uncheck();
    await page.getByTestId('open-button').click();
    await page.getByTestId('browser-file').filter({ hasText: 'church_bells' }).click();
    await expect.poll(() => text('file-title'), { timeout: 60_000 }).toMatch(/^church_bells_inspectorj_371267\.flac · 0:08\.74/);
    await expect.poll(() => text('window-range'), { timeout: 60_000 }).toBe('0.00–5.12 s');
  });

  test('plays and pauses with the button and the space bar', async () => {
    const clock = () => text('clock').then(toSeconds);
    expect(await text('play-button')).toContain('Play');
    await page.getByTestId('play-button').click();
    await expect.poll(() => text('play-button'), { timeout: 10_000 }).toContain('Pause');
    await expect.poll(clock, { timeout: 15_000 }).toBeGreaterThan(0.3);
    await shot('07-playing-1280x800');
    await page.locator('body').press(' ');
    await expect.poll(() => text('play-button')).toContain('Play');
    const stopped = await clock();
    await page.waitForTimeout(600);
    expect(await clock()).toBeCloseTo(stopped, 1);
    // Click on the spectrogram seeks.
    const spec = (await page.getByTestId('spectrogram').boundingBox())!;
    await page.mouse.click(spec.x + spec.width * 0.75, spec.y + spec.height / 2);
    await expect.poll(clock).toBeGreaterThan(6);
  });

  test('cancels a running analysis', async () => {
    await page.getByTestId('open-button').click();
    await page.getByTestId('browser-file').filter({ hasText: 'music_orchestra' }).click();
    await expect.poll(() => text('file-title'), { timeout: 60_000 }).toMatch(/^music_orchestra_brahms_hungarian_dance5\.flac · 0:45/);
    await expect.poll(() => text('window-range'), { timeout: 60_000 }).toBe('0.00–5.12 s');
    await page.getByTestId('hop-input').fill('0.25');
    await page.getByTestId('analysis-run').click();
    await expect.poll(async () => Number(await page.getByTestId('analysis-progress').getAttribute('value')), { timeout: 60_000 }).toBeGreaterThan(0);
    await page.getByTestId('analysis-cancel').click();
    await expect.poll(() => page.getByTestId('analysis-run').isVisible()).toBe(true);
    const leftover = await page.getByTestId('analysis-summary').allInnerTexts();
    expect(leftover, `analysis finished instead of cancelling: ${leftover.join()}`).toEqual([]);
    await expect.poll(() => page.locator('.notice').allInnerTexts()).toContain('Analysis cancelled');
    // The engine is free again: the merge view answers a slider move.
    await page.getByTestId('r-slider').fill('8');
    await expect.poll(() => text('tokens-left'), { timeout: 30_000 }).toMatch(/^506 tokens/);
    await page.getByTestId('hop-input').fill('0');
  });

  test('model picker: switch to the plain model, import a checkpoint folder, switch back', async () => {
    const select = page.getByTestId('model-select');
    await select.selectOption('ast-tiny-esc10-plain');
    await expect.poll(() => select.inputValue(), { timeout: 60_000 }).toBe('ast-tiny-esc10-plain');
    await expect.poll(() => text('ep-badge'), { timeout: 60_000 }).toBe('EP cpu');
    await expect.poll(() => text('window-range'), { timeout: 60_000 }).toBe('0.00–5.12 s');
    await expect.poll(() => text('tokens-left'), { timeout: 60_000 }).toMatch(/^506 tokens/);
    // Import: a copy of a checkpoint folder under another name (serve asks for a host path).
    const dir = join(mkdtempSync(join(tmpdir(), 'fastast-import-')), 'my-imported-ast');
    cpSync(resolve(import.meta.dirname, '..', 'models', 'ast-tiny-esc10-plain'), dir, { recursive: true });
    page.once('dialog', (d) => void d.accept(dir));
    await page.getByRole('button', { name: 'Import…' }).click();
    await expect.poll(() => select.inputValue(), { timeout: 60_000 }).toBe('my-imported-ast');
    await expect.poll(() => text('ep-badge'), { timeout: 60_000 }).toBe('EP cpu');
    expect(await select.locator('option').allInnerTexts()).toContain('my imported ast · 10 classes · imported');
    await expect.poll(() => text('tokens-left'), { timeout: 60_000 }).toMatch(/^506 tokens/);
    await select.selectOption('ast-tiny-esc10-cmkd');
    await expect.poll(() => select.inputValue(), { timeout: 60_000 }).toBe('ast-tiny-esc10-cmkd');
    await expect.poll(() => text('ep-badge'), { timeout: 60_000 }).toBe('EP cpu');
    await expect.poll(() => text('window-range'), { timeout: 60_000 }).toBe('0.00–5.12 s');
    await expect.poll(() => text('tokens-left'), { timeout: 60_000 }).toMatch(/^506 tokens/);
    rmSync(dirname(dir), { recursive: true, force: true });
  });

  test('lays out cleanly at 1920×1080', async () => {
    await page.setViewportSize({ width: 1920, height: 1080 });
    await page.getByTestId('r-slider').fill('16');
    await expect.poll(() => text('tokens-left'), { timeout: 30_000 }).toMatch(/^410 tokens/);
    await page.getByTestId('analysis-run').click();
    await expect.poll(() => text('analysis-summary'), { timeout: 90_000 }).toMatch(/windows/);
    const canvas = page.getByTestId('merge-canvas');
    const box = (await canvas.boundingBox())!;
    await page.mouse.move(box.x + box.width * 0.5, box.y + box.height * 0.45);
    await shot('09-full-1920x1080');
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.getByTestId('zoom-fit').click();
    await page.waitForTimeout(400); // wavesurfer re-renders after a resize
    await shot('10-full-1280x800');
    expect(await overlaps(page)).toEqual([]);
  });

  test('no page errors', () => {
    expect(studio.problems).toEqual([]);
  });
});

function toSeconds(clock: string): number {
  const m = /^(\d+):([\d.]+)/.exec(clock)!;
  return Number(m[1]) * 60 + Number(m[2]);
}

