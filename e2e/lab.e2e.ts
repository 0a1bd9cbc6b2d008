/**
 * The lab in the real UI against the file's own `serve` (file-serve.ts; Chromium from global-setup.ts): a small sweep
 * (a CSV of six ESC-10 fold-5 clips made here, both bundled models, r = 0 and 48) with progress,
 * then the chart (one curve per model, a point per setting, hover → numbers), the table, the
 * exports (CSV, JSON, SVG, PNG into a temp folder), the confusions of a row whose clips changed,
 * and a click on a changed clip that lands in the workstation's merge view with that clip, that
 * model and that r. Screenshots at 1280×800, 1920×1080 and 1024×640 under e2e/artifacts/.
 *
 * It also runs the bundled fold-5 sweep (80 clips × 2 models × 3 r, about a minute on two
 * cores) and checks that the distilled model's curve lies above the plain one's.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { type Browser, type BrowserContext, type Page } from 'playwright-core';
import { openStudioPage, type StudioPage } from './studio-page.js';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';

const ROOT = resolve(import.meta.dirname, '..');
const ARTIFACTS = resolve(import.meta.dirname, 'artifacts');
mkdirSync(ARTIFACTS, { recursive: true });
const AUDIO = join(ROOT, 'data', 'esc10', 'audio_16k');
const tmp = mkdtempSync(join(tmpdir(), 'fastast-e2e-lab-'));
const CSV = join(tmp, 'six.csv');
const OUT = join(tmp, 'out');

/**
 * Three clips whose top-1 changes at r = 48 (`fastast eval --csv data/esc10/esc10_fold5.csv
 * --models …plain,…cmkd --r 0,48 --json`: plain 5-216370-B-41; cmkd 5-208810-B-11 and
 * 5-216370-A-41), and three that keep it.
 */
const CLIPS = [
  ['5-216370-A-41.flac', 'chainsaw'],
  ['5-216370-B-41.flac', 'chainsaw'],
  ['5-208810-B-11.flac', 'sea_waves'],
  ['5-151085-A-20.flac', 'crying_baby'],
  ['5-170338-A-41.flac', 'chainsaw'],
  ['5-171653-A-41.flac', 'chainsaw'],
];
/** In the host's order (its models folder, sorted). */
const MODELS = ['ast-tiny-esc10-cmkd', 'ast-tiny-esc10-plain'];

let browser: Browser;
let context: BrowserContext;
let page: Page;
let studio: StudioPage;

const text = (id: string) => page.getByTestId(id).innerText();
const shot = (name: string) => page.screenshot({ path: join(ARTIFACTS, `${name}.png`) });

interface RowData {
  model: string;
  r: number;
  score: number;
  changed: number;
  cells: string[];
}

async function tableRows(): Promise<RowData[]> {
  return page.getByTestId('lab-row').evaluateAll((trs) =>
    trs.map((tr) => {
      const d = (tr as HTMLElement).dataset;
      return {
        model: d.model!,
        r: Number(d.r),
        score: Number(d.score),
        changed: Number(d.changed),
        cells: [...tr.querySelectorAll('td')].map((td) => (td as HTMLElement).innerText.trim()),
      };
    }),
  );
}

/** Fills the form and runs a sweep; waits for the table to show `rows` rows. */
async function runSweep(set: string, rs: string, rows: number, timeout = 120_000): Promise<void> {
  await page.getByTestId('lab-set').fill(set);
  await page.getByTestId('lab-rs').fill(rs);
  for (const m of MODELS) {
    const box = page.locator(`[data-testid="lab-models"] input[data-model="${m}"]`);
    if (!(await box.isChecked())) await box.check();
  }
  const before = await page.getByTestId('lab-summary').count() ? await text('lab-summary') : '';
  await page.getByTestId('lab-run').click();
  await expect.poll(async () => (await page.getByTestId('lab-summary').count() ? await text('lab-summary') : ''), { timeout }).not.toBe(before);
  await expect.poll(() => page.getByTestId('lab-row').count()).toBe(rows);
}

beforeAll(async () => {
  writeFileSync(CSV, 'path,category\n' + CLIPS.map(([f, c]) => `${join(AUDIO, f)},${c}`).join('\n') + '\n');
  mkdirSync(OUT);
  studio = await openStudioPage();
  ({ browser, context, page } = studio);
});

afterAll(async () => {
  await context?.close();
  await browser?.close();
  rmSync(tmp, { recursive: true, force: true });
});

describe('the lab in the browser', () => {
  test('opens beside the workstation with the bundled set and both bundled models chosen', async () => {
    await expect.poll(() => text('ep-badge'), { timeout: 60_000 }).toMatch(/EP \w+/);
    await page.getByTestId('view-lab').click();
    await page.getByTestId('lab-view').waitFor();
    await expect.poll(() => page.getByTestId('lab-set').inputValue(), { timeout: 10_000 }).toBe(join(ROOT, 'data', 'esc10', 'esc10_fold5.csv'));
    for (const m of MODELS) expect(await page.locator(`[data-testid="lab-models"] input[data-model="${m}"]`).isChecked()).toBe(true);
    await shot('lab-01-empty-1280x800');
  });

  test('a set that is not there fails before any inference, naming the path', async () => {
    await page.getByTestId('lab-set').fill(join(tmp, 'missing.csv'));
    await page.getByTestId('lab-run').click();
    await expect.poll(() => (page.getByTestId('lab-error').count().then((n) => (n ? text('lab-error') : ''))), { timeout: 30_000 }).toContain('missing.csv');
  });

  test('a small sweep: progress, then the table and one curve per model on the chart', async () => {
    await page.getByTestId('lab-set').fill(CSV);
    await page.getByTestId('lab-rs').fill('0, 48');
    await page.getByTestId('lab-run').click();
    await page.getByTestId('lab-progress').waitFor({ timeout: 10_000 });
    await expect.poll(() => page.getByTestId('lab-row').count(), { timeout: 120_000 }).toBe(4);
    expect(await page.getByTestId('lab-progress').count()).toBe(0);
    const rows = await tableRows();
    expect(rows.map((r) => `${r.model}@${r.r}`)).toEqual(MODELS.flatMap((m) => [`${m}@0`, `${m}@48`]));
    for (const r of rows) {
      // model, r, shape, prop attn, accuracy (95 % interval under it), agreement, clips/s (its
      // interval under it), ms/clip, tokens, GFLOPs, vs r = 0 (paired median, IQR · pairs under it)
      expect(r.cells[2]).toBe('constant');
      expect(r.cells[3]).toBe('on');
      const acc = /^(\d+\.\d\d) %\s+(\d+\.\d)–(\d+\.\d)$/.exec(r.cells[4]);
      expect(acc, r.cells[4]).not.toBeNull();
      expect(Number(acc![2])).toBeLessThanOrEqual(Number(acc![1]));
      expect(Number(acc![3])).toBeGreaterThanOrEqual(Number(acc![1]));
      expect(Number(acc![3]) - Number(acc![2])).toBeGreaterThan(20); // 6 clips say little
      expect(r.cells[5]).toMatch(/^\d+\.\d %$/);
      const cps = /^(\d+\.\d)\s+(\d+\.\d)–(\d+\.\d)$/.exec(r.cells[6]);
      expect(cps, r.cells[6]).not.toBeNull();
      expect(Number(cps![1])).toBeGreaterThan(0);
      expect(Number(cps![2])).toBeLessThanOrEqual(Number(cps![1]));
      expect(Number(cps![3])).toBeGreaterThanOrEqual(Number(cps![1]));
      expect(Number(r.cells[7])).toBeGreaterThan(0);
      expect(Number(r.cells[8])).toBe(r.r === 0 ? 602 : 38);
      expect(Number(r.cells[9])).toBeGreaterThan(0);
      expect(r.cells[10]).toMatch(r.r === 0 ? /^1\.00×\s+1\.00–1\.00 · 6$/ : /^\d+\.\d\d×\s+\d+\.\d\d–\d+\.\d\d · 6$/);
    }
    expect(await text('lab-summary')).toMatch(/^6 clips · 4 rows · 24 runs computed, 0 from the cache/);
    // The chart: a curve per model, a point per row, a legend naming both models.
    const curves = page.getByTestId('chart-curve');
    await expect.poll(() => curves.count()).toBe(2);
    expect(await curves.evaluateAll((gs) => gs.map((g) => g.getAttribute('data-model')))).toEqual(MODELS);
    expect(await page.getByTestId('chart-point').count()).toBe(4);
    // Every point carries its 95 % intervals as whiskers, and the accuracy axis spans at least
    // them all (6 clips: tens of points wide), not a zoom onto the points' own values.
    const whiskers = page.getByTestId('chart-whisker');
    expect(await whiskers.count()).toBe(4);
    for (const h of await whiskers.evaluateAll((ws) => ws.map((w) => Number(w.getAttribute('data-y1')) - Number(w.getAttribute('data-y0'))))) expect(h).toBeGreaterThan(10);
    for (const m of MODELS) expect(await page.getByTestId('chart-legend').textContent()).toContain(m);
    const colours = await curves.evaluateAll((gs) => gs.map((g) => g.querySelector('polyline')!.getAttribute('stroke')));
    expect(new Set(colours).size).toBe(2);
    await shot('lab-02-sweep-1280x800');
  });

  test('hovering a point shows its numbers', async () => {
    const hit = page.locator('[data-testid="chart-hit"][data-row="1"]'); // cmkd at r = 48
    await hit.hover();
    const tip = page.getByTestId('chart-tooltip');
    await tip.waitFor();
    const t = await tip.innerText();
    expect(t).toContain('ast-tiny-esc10-cmkd');
    expect(t).toContain('r 48');
    expect(t).toMatch(/accuracy\s+\d+\.\d\d %/);
    expect(t).toMatch(/\d\/6; 95 % \d+\.\d %–\d+\.\d %/);
    expect(t).toMatch(/\d+\.\d clips\/s \(\d+\.\d–\d+\.\d\) · \d+\.\d ms\/clip/);
    expect(t).toMatch(/vs r = 0\s+\d+\.\d\d× \(IQR \d+\.\d\d–\d+\.\d\d, 6 pairs\)/);
    expect(t).toMatch(/tokens after last\s+38/);
    // The table row lights up with the point.
    expect(await page.locator('[data-testid="lab-row"][data-row="1"]').getAttribute('class')).toContain('hover');
    await shot('lab-03-hover-1280x800');
    await page.mouse.move(5, 5);
    await expect.poll(() => tip.count()).toBe(0);
  });

  test('exports the table (CSV, JSON) and the chart (SVG, PNG) to a folder on the host', async () => {
    await page.getByTestId('lab-export-dir').fill(OUT);
    const exported = async (button: string, file: string) => {
      await page.getByTestId(button).click();
      await expect.poll(() => (page.getByTestId('lab-export-note').count().then((n) => (n ? text('lab-export-note') : ''))), { timeout: 30_000 }).toContain(file);
      expect(existsSync(join(OUT, file))).toBe(true);
      return readFileSync(join(OUT, file));
    };
    const csv = (await exported('lab-export-csv', 'fastast-lab-six.csv')).toString('utf8').trim().split('\n');
    expect(csv[0]).toMatch(/^model,model_sha256,ep,shape,r,prop_attn,/);
    expect(csv.length).toBe(5);
    const json = JSON.parse((await exported('lab-export-json', 'fastast-lab-six.json')).toString('utf8'));
    expect(json.models.map((m: { model: string }) => m.model)).toEqual(MODELS);
    const svg = (await exported('lab-export-svg', 'fastast-lab-six-chart.svg')).toString('utf8');
    expect(svg).toMatch(/^<\?xml[^>]*>\s*<svg [^>]*xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
    expect(svg.match(/<polyline/g)?.length).toBe(2);
    expect(svg).not.toContain('chart-hit');
    const png = await exported('lab-export-png', 'fastast-lab-six-chart.png');
    expect([...png.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    expect(png.readUInt32BE(16)).toBeGreaterThan(600); // width (2× the chart)
    writeFileSync(join(ARTIFACTS, 'lab-export-chart.png'), png); // to look at
  });

  test('Cancel stops a running sweep and keeps the last result on screen', async () => {
    await page.getByTestId('lab-set').fill(join(ROOT, 'data', 'esc10', 'esc10_fold5.csv'));
    await page.getByTestId('lab-rs').fill('8');
    await page.getByTestId('lab-run').click();
    await expect.poll(() => (page.getByTestId('lab-progress').count().then((n) => (n ? text('lab-progress') : ''))), { timeout: 60_000 }).toMatch(/^\d+\/320 runs/);
    expect(await text('view-lab')).toMatch(/^Lab · \d+%$/);
    await shot('lab-04a-running-1280x800');
    await page.getByTestId('lab-cancel').click();
    await expect.poll(() => page.getByTestId('lab-progress').count(), { timeout: 30_000 }).toBe(0);
    expect(await page.getByTestId('lab-error').count()).toBe(0);
    expect(await page.getByTestId('lab-row').count()).toBe(4);
    expect(await text('lab-summary')).toMatch(/^6 clips/);
    await page.getByTestId('lab-set').fill(CSV);
    await page.getByTestId('lab-rs').fill('0, 48');
  });

  test('a row whose clips changed shows per-class accuracy and the changed clips; a click opens one in the merge view', async () => {
    const rows = await tableRows();
    const i = rows.findIndex((r) => r.r === 48 && r.changed > 0);
    expect(i, 'some clip changes its top-1 at r = 48').toBeGreaterThanOrEqual(0);
    await page.locator(`[data-testid="lab-row"][data-row="${i}"]`).click();
    await expect.poll(() => text('lab-selected')).toContain(`${rows[i].model} · r 48`);
    const classes = await page.getByTestId('lab-classes').locator('tr').count();
    expect(classes).toBe(3); // chainsaw, crying_baby, sea_waves
    const clips = page.getByTestId('changed-clip');
    expect(await clips.count()).toBe(rows[i].changed);
    const path = (await clips.first().getAttribute('data-path'))!;
    const name = path.split('/').pop()!;
    await shot('lab-04-confusions-1280x800');
    await clips.first().click();
    // The workstation, with that clip, that model and that setting, on the merge view.
    await page.getByTestId('view-workstation').waitFor();
    await expect.poll(() => page.getByTestId('lab-view').count()).toBe(0);
    await expect.poll(() => text('file-title'), { timeout: 60_000 }).toContain(name);
    await expect.poll(() => page.getByTestId('model-select').inputValue(), { timeout: 60_000 }).toBe(rows[i].model);
    await expect.poll(() => page.getByTestId('r-input').inputValue()).toBe('48');
    expect(await page.getByTestId('tab-merge').getAttribute('aria-selected')).toBe('true');
    await expect.poll(() => text('window-range'), { timeout: 60_000 }).toBe('0.00–5.12 s');
    await expect.poll(() => text('tokens-left'), { timeout: 60_000 }).toMatch(/^38 tokens/);
    await expect.poll(() => text('top1-agreement'), { timeout: 30_000 }).toMatch(/top-1 changed/);
    await shot('lab-05-opened-in-merge-view-1280x800');
  });

  test('back in the lab, the current setting is marked; the layout holds at 1920×1080', async () => {
    await page.getByTestId('view-lab').click();
    await page.getByTestId('chart-current').waitFor();
    expect(await page.locator('.current-tag').count()).toBe(1);
    await page.setViewportSize({ width: 1920, height: 1080 });
    await expect.poll(async () => Number(await page.locator('[data-testid="lab-chart"] svg').getAttribute('width'))).toBeGreaterThan(900);
    await shot('lab-06-sweep-1920x1080');
    await page.setViewportSize({ width: 1024, height: 640 });
    await expect.poll(async () => Number(await page.locator('[data-testid="lab-chart"] svg').getAttribute('width'))).toBeLessThan(900);
    await shot('lab-06b-sweep-1024x640');
    await page.setViewportSize({ width: 1280, height: 800 });
  });

  test(
    'the bundled fold-5 sweep: the distilled model lies above the plain one at every r',
    async () => {
      await page.getByTestId('lab-set').fill(join(ROOT, 'data', 'esc10', 'esc10_fold5.csv'));
      await runSweep(join(ROOT, 'data', 'esc10', 'esc10_fold5.csv'), '0, 16, 48', 6, 600_000);
      const rows = await tableRows();
      const score = (m: string, r: number) => rows.find((x) => x.model === m && x.r === r)!.score;
      for (const r of [0, 16, 48]) expect(score('ast-tiny-esc10-cmkd', r)).toBeGreaterThan(score('ast-tiny-esc10-plain', r));
      // The model card's float32 table (± 1 clip of 80).
      const card: Record<string, number[]> = { 'ast-tiny-esc10-plain': [86.25, 86.25, 85.0], 'ast-tiny-esc10-cmkd': [88.75, 88.75, 88.75] };
      for (const [m, values] of Object.entries(card)) [0, 16, 48].forEach((r, k) => expect(Math.abs(score(m, r) * 100 - values[k])).toBeLessThanOrEqual(1.25 + 1e-9));
      await shot('lab-07-fold5-1280x800');
      await page.setViewportSize({ width: 1920, height: 1080 });
      await shot('lab-08-fold5-1920x1080');
      await page.setViewportSize({ width: 1280, height: 800 });
    },
    660_000,
  );

  test('no page errors', () => {
    expect(studio.problems).toEqual([]);
  });
});
