/**
 * The Models view and what a model knows, in the real UI against the file's own `serve` (file-serve.ts):
 * the bundled models with their class counts; a download from the local stand-in hub with its
 * progress bar and Cancel, then to the end; the .pth import form (inferred vs assumed, then
 * import) giving a 527-class model in the picker whose class search for "Animal" lists "Dog";
 * the ontology branch filter on its analysis; the "outside this model's classes" notice for the
 * church bells on the bundled ESC-10 model; removal with its confirmation. Screens at
 * 1024×640, 1280×800 and 1920×1080 go to e2e/artifacts/.
 */
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { E2E_HUB_REPO } from './global-setup.js';
import { openStudioPage, type StudioPage } from './studio-page.js';

const ARTIFACTS = resolve(import.meta.dirname, 'artifacts');
mkdirSync(ARTIFACTS, { recursive: true });
const PTH = resolve(import.meta.dirname, '..', 'test', 'fixtures', 'torch-checkpoints', 'ast-repo-micro.pth');
const SIZES = [
  [1024, 640],
  [1280, 800],
  [1920, 1080],
] as const;

let studio: StudioPage;
let page: Page;
const text = (id: string) => page.getByTestId(id).innerText();

/** One screenshot per size, back at 1280×800 after. */
async function shots(name: string): Promise<void> {
  for (const [w, h] of SIZES) {
    await page.setViewportSize({ width: w, height: h });
    await page.waitForTimeout(150);
    await page.screenshot({ path: join(ARTIFACTS, `models-${name}-${w}x${h}.png`) });
  }
  await page.setViewportSize({ width: 1280, height: 800 });
}

const row = (id: string) => page.locator(`[data-testid="model-row"][data-model="${id}"]`);

beforeAll(async () => {
  studio = await openStudioPage();
  page = studio.page;
});

afterAll(async () => {
  await studio?.close();
});

describe('Models view', () => {
  test('lists the two bundled models with their class counts', async () => {
    await expect.poll(() => text('ep-badge'), { timeout: 90_000 }).toMatch(/EP \w+/);
    await page.getByTestId('view-models').click();
    await page.getByTestId('models-view').waitFor();
    for (const id of ['ast-tiny-esc10-cmkd', 'ast-tiny-esc10-plain']) {
      await expect.poll(() => row(id).count(), { timeout: 30_000 }).toBe(1);
      expect(await row(id).getByTestId('model-classes').innerText()).toMatch(/^10\s+softmax/);
      expect(await row(id).innerText()).toContain('bundled');
      // Bundled models cannot be removed.
      expect(await row(id).getByTestId('model-remove').count()).toBe(0);
    }
    await shots('1-list');
  });

  test('downloads from the hub with progress; Cancel stops it; a second Download finishes it', async () => {
    const entry = page.locator(`[data-testid="hub-entry"][data-repo="${E2E_HUB_REPO}"]`);
    await entry.getByTestId('hub-download').click();
    const bar = entry.getByTestId('pull-progress');
    await expect.poll(() => bar.innerText(), { timeout: 30_000 }).toMatch(/\d+ % · [\d.]+ \w?B of 1\.8 MB · [\d.]+ \w?B\/s · .+ left/);
    await shots('2-download');
    await bar.getByTestId('pull-cancel').click();
    await expect.poll(() => bar.count()).toBe(0);
    await expect.poll(() => entry.getByTestId('hub-download').count()).toBe(1);
    await entry.getByTestId('hub-download').click();
    await expect.poll(() => entry.innerText(), { timeout: 60_000 }).toContain('in the hub cache');
    const hubRow = page.locator('[data-testid="model-row"]').filter({ hasText: E2E_HUB_REPO });
    await expect.poll(() => hubRow.count()).toBe(1);
    expect(await hubRow.innerText()).toContain('hub cache');
  });

  test('imports a .pth: the form shows what was read and what was assumed, then the model is listed with 527 classes', async () => {
    await page.getByTestId('import-path').fill(PTH);
    await page.getByTestId('import-inspect').click();
    await page.getByTestId('import-report').waitFor({ timeout: 60_000 });
    expect(await text('import-inferred')).toMatch(/hidden/i);
    expect((await text('import-assumed')).length).toBeGreaterThan(5);
    expect(await text('import-report')).toContain('527 classes');
    // An override shows up as a placeholder's value until typed: heads = hidden / 64.
    expect(await page.getByTestId('override-heads').getAttribute('placeholder')).toMatch(/^\d+$/);
    await shots('3-import-form');
    await page.getByTestId('import-name').fill('e2e-micro');
    await page.getByTestId('import-confirm').click();
    await expect.poll(() => text('import-done'), { timeout: 60_000 }).toMatch(/527 classes/);
    await expect.poll(() => row('e2e-micro').count()).toBe(1);
    expect(await row('e2e-micro').getByTestId('model-classes').innerText()).toMatch(/^527\s+sigmoid/);
  });
});

describe('what the model knows', () => {
  test('church bells on the bundled ESC-10 model: the analysis says it is outside its classes', async () => {
    await page.getByTestId('view-workstation').click();
    await page.getByTestId('demo-file').filter({ hasText: 'church_bells' }).click();
    await expect.poll(() => text('file-title'), { timeout: 60_000 }).toMatch(/^church_bells/);
    expect(await page.getByTestId('model-select').inputValue()).toBe('ast-tiny-esc10-cmkd');
    await page.getByTestId('analysis-run').click();
    await expect.poll(() => text('analysis-summary'), { timeout: 90_000 }).toMatch(/^\d+ windows/);
    await expect.poll(() => text('reach-notice'), { timeout: 10_000 }).toMatch(/^Outside this model's classes\? top score \d+ %/);
    expect(await text('reach-notice')).toMatch(/knows 10 classes: chainsaw, clock_tick, .*sneezing/);
    await shots('4-outside-classes');
    // The notice opens the class list.
    await page.getByTestId('reach-classes').click();
    await expect.poll(() => page.getByTestId('class-row').count()).toBe(10);
    await page.keyboard.press('Escape');
  });

  test('the imported AudioSet model: picker says 527 classes, "Animal" finds "Dog", branch filter narrows the labels', async () => {
    const select = page.getByTestId('model-select');
    expect(await select.locator('option').allInnerTexts()).toContain('e2e micro · 527 classes · imported');
    // Its first start builds the graph: the top bar says how far ("building graph 40 %"). The
    // lines are recorded as they show, since a small model's build is over in a second or two.
    await page.evaluate(() => {
      const seen: string[] = ((window as unknown as { loadLines: string[] }).loadLines = []);
      new MutationObserver(() => {
        const el = document.querySelector('[data-testid="model-load-progress"]');
        if (el?.textContent) seen.push(el.textContent);
      }).observe(document.body, { subtree: true, childList: true, characterData: true });
    });
    await select.selectOption('e2e-micro');
    await expect.poll(() => select.inputValue(), { timeout: 90_000 }).toBe('e2e-micro');
    const lines = await page.evaluate(() => (window as unknown as { loadLines: string[] }).loadLines);
    expect(lines.some((l) => /(reading weights|building graph|starting the session) \d+ %/.test(l))).toBe(true);
    await expect.poll(() => text('ep-badge'), { timeout: 90_000 }).toBe('EP cpu');
    expect(await text('classes-button')).toBe('527 classes ▾');
    await page.getByTestId('classes-button').click();
    await expect.poll(() => page.getByTestId('class-row').count(), { timeout: 30_000 }).toBe(527);
    await page.getByTestId('class-search').fill('Animal');
    const names = await page.getByTestId('class-row').locator('.class-name').allInnerTexts();
    expect(names).toContain('Dog');
    expect(names).toContain('Bark');
    expect(names).not.toContain('Guitar');
    expect(await text('class-count')).toMatch(/^\d+ of 527 · AudioSet ontology$/);
    await shots('5-class-search');
    await page.keyboard.press('Escape');

    // Analysis on the AudioSet model, then only the Animal branch's labels.
    await page.getByTestId('threshold').fill('0');
    await page.getByTestId('analysis-run').click();
    await expect.poll(() => text('analysis-summary'), { timeout: 90_000 }).toMatch(/^\d+ windows/);
    const all = Number((await text('segment-count')).split(' ')[0]);
    expect(all).toBeGreaterThan(0);
    await page.getByTestId('branch-filter').selectOption('Animal');
    await expect.poll(async () => Number((await text('segment-count')).split(' ')[0])).toBeLessThan(all);
    await page.getByLabel('heatmap').check();
    await shots('6-branch-filter');
    await page.getByTestId('branch-filter').selectOption('');
    await page.getByTestId('threshold').fill('0.3');
  });

  test('back on the bundled model, the imported one is removed after its confirmation', async () => {
    const select = page.getByTestId('model-select');
    await select.selectOption('ast-tiny-esc10-cmkd');
    await expect.poll(() => select.inputValue(), { timeout: 90_000 }).toBe('ast-tiny-esc10-cmkd');
    await expect.poll(() => text('ep-badge'), { timeout: 90_000 }).toBe('EP cpu');
    await page.getByTestId('view-models').click();
    await row('e2e-micro').getByTestId('model-remove').click();
    await shots('7-remove-confirm');
    await row('e2e-micro').getByTestId('model-remove-confirm').click();
    await expect.poll(() => row('e2e-micro').count(), { timeout: 30_000 }).toBe(0);
    // The downloaded stand-in goes too (every revision of its repo from the hub cache).
    const hubRow = page.locator('[data-testid="model-row"]').filter({ hasText: E2E_HUB_REPO });
    await hubRow.getByTestId('model-remove').click();
    await hubRow.getByTestId('model-remove-confirm').click();
    await expect.poll(() => hubRow.count(), { timeout: 30_000 }).toBe(0);
    expect(await select.locator('option').allInnerTexts()).not.toContain('e2e micro · 527 classes · imported');
    await page.getByTestId('view-workstation').click();
    expect(studio.problems).toEqual([]);
  });
});
