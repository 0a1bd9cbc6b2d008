/**
 * The weights switch (issue 13) in the real UI against `serve`: the workstation's float32 / int8
 * switch beside r runs the focused window on the model's int8 engine (the Speed panel and the
 * comparison say int8 against float32 r = 0, and the scores change), survives a reload, and the
 * Lab sweeps weights as an axis: both weights give two curves per model on the chart (int8
 * dashed) with a legend. Screenshots of both at 1024×640, 1280×800 and 1920×1080 under e2e/artifacts/.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { openStudioPage, screenshotsAtSizes, type StudioPage } from './studio-page.js';

const ROOT = resolve(import.meta.dirname, '..');
const ARTIFACTS = resolve(import.meta.dirname, 'artifacts');
mkdirSync(ARTIFACTS, { recursive: true });
const AUDIO = join(ROOT, 'data', 'esc10', 'audio_16k');
const tmp = mkdtempSync(join(tmpdir(), 'fastast-e2e-weights-'));
const CSV = join(tmp, 'two.csv');
const MODELS = ['ast-tiny-esc10-cmkd', 'ast-tiny-esc10-plain'];

let studio: StudioPage;
let page: Page;
const text = (id: string) => page.getByTestId(id).innerText();

const shots = (name: string) => screenshotsAtSizes(page, ARTIFACTS, name);

beforeAll(async () => {
  // Two clips of fold 5 (the file's serve is its own since file-serve.ts, so no other file's sweep cache is met).
  writeFileSync(CSV, `path,category\n${join(AUDIO, '5-177957-A-40.flac')},helicopter\n${join(AUDIO, '5-181766-A-10.flac')},rain\n`);
  studio = await openStudioPage();
  page = studio.page;
});

afterAll(async () => {
  await studio?.close();
  rmSync(tmp, { recursive: true, force: true });
});

describe('weights in the browser', () => {
  test('the int8 switch beside r runs the window on the int8 engine, against float32 r = 0', async () => {
    await expect.poll(() => text('ep-badge'), { timeout: 60_000 }).toMatch(/EP \w+/);
    await page.getByTestId('demo-file').filter({ hasText: 'church_bells' }).click();
    await page.getByTestId('comparison').waitFor({ timeout: 60_000 });
    await expect.poll(() => page.getByTestId('speed').getAttribute('data-weights'), { timeout: 30_000 }).toBe('float32');
    expect(await page.getByTestId('int8-badge').count()).toBe(0);
    // r = 0 at float32 is the baseline itself: no change in any class.
    await page.getByTestId('r-input').fill('0');
    const kl = async () => Number((await text('kl')).replace('KL ', ''));
    await expect.poll(kl, { timeout: 30_000 }).toBe(0);

    await page.getByTestId('weights-int8').click();
    expect(await page.getByTestId('weights-int8').getAttribute('aria-checked')).toBe('true');
    // The serve's graph cache is new for this run: the first int8 run builds, and says how far it got.
    const building = page.getByTestId('weights-load-progress');
    await building.waitFor({ timeout: 30_000 });
    expect(await building.innerText()).toMatch(/^int8: /);
    await page.screenshot({ path: join(ARTIFACTS, 'weights-00-building-1280x800.png') });
    // The host builds the int8 graph once; the panels then say what they compare.
    await expect.poll(() => page.getByTestId('speed').getAttribute('data-weights'), { timeout: 120_000 }).toBe('int8');
    expect(await text('int8-badge')).toBe('int8');
    expect(await text('speed-against')).toBe('(int8 vs float32 r = 0)');
    expect(await text('comparison-baseline')).toBe('(float32, r = 0)');
    // 8-bit weights move the scores at r = 0: the comparison is no longer against itself.
    await expect.poll(kl, { timeout: 30_000 }).toBeGreaterThan(0);
    expect(await page.getByTestId('weights-load-progress').count()).toBe(0);
    // The Speed panel times int8 in pairs against float32 r = 0.
    await expect.poll(() => page.getByTestId('speed-ratio').getAttribute('data-state'), { timeout: 60_000 }).toBe('ready');
    expect(Number(await page.getByTestId('speed-ratio').getAttribute('data-pairs'))).toBeGreaterThanOrEqual(3);
    await page.getByTestId('r-input').fill('16');
    await expect.poll(() => page.getByTestId('speed-ratio').getAttribute('data-state'), { timeout: 60_000 }).toBe('ready');
    await shots('weights-01-workstation-int8');
  });

  test('the setting persists like r does: a reload comes back at int8', async () => {
    await page.waitForTimeout(800); // the settings are saved half a second after the change
    await page.reload();
    // The page starts on the welcome screen (session=new): the merge controls come with a file.
    await page.getByTestId('demo-file').filter({ hasText: 'church_bells' }).click();
    await page.getByTestId('comparison').waitFor({ timeout: 60_000 });
    await expect.poll(() => page.getByTestId('weights-int8').getAttribute('aria-checked'), { timeout: 60_000 }).toBe('true');
    expect(await page.getByTestId('r-input').inputValue()).toBe('16');
    await expect.poll(() => page.getByTestId('speed').getAttribute('data-weights'), { timeout: 60_000 }).toBe('int8');
  });

  test('the lab sweeps both weights: two curves per model, int8 dashed, with a legend', async () => {
    await page.getByTestId('view-lab').click();
    await page.getByTestId('lab-view').waitFor();
    await page.getByTestId('lab-set').fill(CSV);
    await page.getByTestId('lab-rs').fill('0, 48');
    for (const m of MODELS) {
      const box = page.locator(`[data-testid="lab-models"] input[data-model="${m}"]`);
      if (!(await box.isChecked())) await box.check();
    }
    await page.locator('[data-testid="lab-weights"] button[data-weights="both"]').click();
    await page.getByTestId('lab-run').click();
    await expect.poll(() => page.getByTestId('lab-row').count(), { timeout: 180_000 }).toBe(8);
    const rows = await page.getByTestId('lab-row').evaluateAll((trs) => trs.map((tr) => `${(tr as HTMLElement).dataset.model}|${(tr as HTMLElement).dataset.weights}@${(tr as HTMLElement).dataset.r}`));
    expect(rows).toEqual(MODELS.flatMap((m) => ['float32', 'int8'].flatMap((w) => [`${m}|${w}@0`, `${m}|${w}@48`])));
    expect(await page.getByTestId('lab-row-int8').count()).toBe(4);
    // Two curves per model: a solid float32 one and a dashed int8 one.
    const curves = await page.getByTestId('chart-curve').evaluateAll((gs) =>
      gs.map((g) => ({ model: (g as SVGElement).dataset.model, weights: (g as SVGElement).dataset.weights, dash: g.querySelector('polyline')?.getAttribute('stroke-dasharray') ?? '' })),
    );
    for (const m of MODELS) {
      const mine = curves.filter((c) => c.model === m);
      expect(mine.map((c) => c.weights).sort()).toEqual(['float32', 'int8']);
      expect(mine.find((c) => c.weights === 'float32')!.dash).toBe('');
      expect(mine.find((c) => c.weights === 'int8')!.dash).not.toBe('');
    }
    expect(await page.getByTestId('chart-point').count()).toBe(8);
    const legend = await text('chart-legend').catch(async () => page.getByTestId('chart-legend').textContent());
    expect(legend).toContain('float32');
    expect(legend).toContain('int8');
    // The workstation's current setting (cmkd, r 16, int8) is not in this sweep: the note says int8.
    await shots('weights-02-lab-both');
  });

  test('back to float32 (the serve is shared with the other e2e files)', async () => {
    await page.getByTestId('view-workstation').click();
    await page.getByTestId('weights-float32').click();
    await page.getByTestId('r-input').fill('0');
    await expect.poll(() => page.getByTestId('speed').getAttribute('data-weights'), { timeout: 60_000 }).toBe('float32');
    await page.waitForTimeout(800);
  });

  test('no page errors', () => {
    expect(studio.problems).toEqual([]);
  });
});
