/**
 * The merge view draws the groups of the layer the slider names: at every layer, the number of
 * patch groups it drew (the canvas' data-groups, taken from the very groups the canvas is drawn
 * from) is the number of tokens left after that layer, as the engine reported it (tokens per
 * layer), less the cls and distillation tokens, which are tokens of their own and no patch's
 * (the distillation token is protected here, so it never merges). A view drawn from the
 * previous layer's groups shows the previous layer's count and fails.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Page } from 'playwright-core';
import { openStudioPage, type StudioPage } from './studio-page.js';

let studio: StudioPage;
let page: Page;
let initial: { r: string; shape: string; tokens: string };

const text = (id: string) => page.getByTestId(id).innerText();

/** "602 · 586 · …": tokens entering layer 1, then left after each layer. */
async function tokensPerLayer(): Promise<number[]> {
  return (await text('tokens-per-layer')).split(' · ').map(Number);
}

/** Moves the layer slider to `layer` and waits until the canvas shows it; returns the drawn group count. */
async function drawnGroupsAt(layer: number, layers: number): Promise<number> {
  await page.getByTestId('layer-slider').fill(String(layer));
  await expect.poll(() => text('layer-readout')).toBe(layer === 0 ? 'input' : `after ${layer}/${layers}`);
  const canvas = page.getByTestId('merge-canvas');
  await expect.poll(async () => Number(await canvas.getAttribute('data-layer'))).toBe(layer);
  return Number(await canvas.getAttribute('data-groups'));
}

beforeAll(async () => {
  studio = await openStudioPage();
  page = studio.page;
});

afterAll(async () => {
  await studio?.close();
});

describe('merge view: drawn groups = tokens left after the layer shown', () => {
  test('opens a clip and computes its first window', async () => {
    await expect.poll(() => page.getByTestId('ep-badge').innerText(), { timeout: 60_000 }).toMatch(/EP \w+/);
    await page.getByTestId('demo-file').filter({ hasText: 'church_bells' }).click();
    await expect.poll(() => text('window-range'), { timeout: 60_000 }).toBe('0.00–5.12 s');
    await page.getByTestId('comparison').waitFor({ timeout: 60_000 });
    expect(await page.getByTestId('protect-dist').isChecked()).toBe(true);
    // The host remembers merge settings across pages (settings.save): put them back at the end,
    // so that the e2e files after this one start where they would have.
    initial = {
      r: await page.getByTestId('r-input').inputValue(),
      shape: (await page.locator('[data-testid^="shape-"][aria-checked="true"]').getAttribute('data-testid'))!,
      tokens: await text('tokens-per-layer'),
    };
  });

  test('constant schedule, r = 16: layers 0, 1, 2, 5, 8, 12', async () => {
    await page.getByTestId('shape-constant').click();
    await page.getByTestId('r-slider').fill('16');
    await expect.poll(() => text('tokens-per-layer'), { timeout: 60_000 }).toBe('602 · 586 · 570 · 554 · 538 · 522 · 506 · 490 · 474 · 458 · 442 · 426 · 410');
    const tokens = await tokensPerLayer();
    const layers = tokens.length - 1;
    for (const layer of [0, 1, 2, 5, 8, 12]) {
      expect(await drawnGroupsAt(layer, layers), `layer ${layer}`).toBe(tokens[layer] - 2);
    }
  });

  test('decreasing schedule (uneven steps), r = 16: every layer', async () => {
    const constant = await text('tokens-per-layer');
    await page.getByTestId('shape-decreasing').click();
    // 2r at the first layer down to 0: 602 · 570 · 541 · … at r = 16.
    await expect.poll(() => text('tokens-per-layer'), { timeout: 60_000 }).not.toBe(constant);
    expect(await text('tokens-per-layer')).toMatch(/^602 · 570 · 541 · /);
    const tokens = await tokensPerLayer();
    const layers = tokens.length - 1;
    // Consecutive layers differ here, so the previous layer's groups could not pass for this one's.
    expect(new Set(tokens.slice(0, 4)).size).toBe(4);
    for (let layer = 1; layer <= layers; layer++) {
      expect(await drawnGroupsAt(layer, layers), `layer ${layer}`).toBe(tokens[layer] - 2);
    }
    await page.getByTestId('shape-constant').click();
  });

  test('settings restored; no page errors', async () => {
    await page.getByTestId(initial.shape).click();
    await page.getByTestId('r-slider').fill(initial.r);
    await expect.poll(() => text('tokens-per-layer'), { timeout: 60_000 }).toBe(initial.tokens);
    expect(studio.problems).toEqual([]);
  });
});
