/**
 * Folder analysis in the real UI against the file's own `serve` (file-serve.ts): a temp folder with three demo
 * clips (the long orchestra clip second, so that Cancel lands while it runs). Run to the end
 * while the list shows each file's progress, reload the page: the list and counts are back; run
 * again and cancel mid-run (finished files keep their results), reload: the run shows stopped,
 * and Resume finishes the rest with the same counts; run to the end; export one combined Raven
 * table and read it back (each file's rows, as many as the list says), reload and export again:
 * the same rows; open a file from the list in the workstation (after the reload: its segments
 * come from its saved state), reject a segment there, and export again: the default include
 * leaves the rejected row out; run the folder once more: that file keeps the user's edits.
 */
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { openStudioPage, overlaps, type StudioPage } from './studio-page.js';

const ROOT = resolve(import.meta.dirname, '..');
const ARTIFACTS = resolve(import.meta.dirname, 'artifacts');
mkdirSync(ARTIFACTS, { recursive: true });

const CLIPS = [
  ['a_car_horn.flac', 'car_horn_dj997_493751.flac'],
  ['b_orchestra.flac', 'music_orchestra_brahms_hungarian_dance5.flac'],
  ['c_doorbell.flac', 'doorbell_kwahmah02_275072.flac'],
] as const;
const work = mkdtempSync(join(tmpdir(), 'fastast-e2e-folder-'));
const input = join(work, 'clips');
const out = join(work, 'out');
mkdirSync(input);
mkdirSync(out);
for (const [name, demo] of CLIPS) copyFileSync(join(ROOT, 'data/demo', demo), join(input, name));

let studio: StudioPage;
let page: Page;

const states = () => page.getByTestId('folder-row').evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-state')));
const summary = () => page.getByTestId('folder-summary').innerText();
const segmentCounts = () => page.getByTestId('folder-segments').evaluateAll((tds) => tds.map((td) => Number((td as HTMLElement).innerText)));

/** Raven table rows as { path, review } (combined tables name each row's file in Begin Path). */
function ravenRows(path: string): { path: string; review: string }[] {
  const [head, ...lines] = readFileSync(path, 'utf8').trimEnd().split('\n');
  const cols = head.split('\t');
  const p = cols.indexOf('Begin Path');
  const r = cols.indexOf('Review');
  expect(p).toBeGreaterThanOrEqual(0);
  return lines.map((l) => l.split('\t')).map((c) => ({ path: c[p], review: c[r] }));
}

/** Reloads the page (the serve, its host and the state folder stay) and shows the folder view again. */
async function reloadToFolder(): Promise<void> {
  await page.reload();
  await expect.poll(() => page.getByTestId('ep-badge').innerText(), { timeout: 90_000 }).toMatch(/EP \w+/);
  await page.getByTestId('view-folder').click();
}

async function screenshots(name: string): Promise<void> {
  for (const [w, h] of [
    [1024, 640],
    [1280, 800],
    [1920, 1080],
  ]) {
    await page.setViewportSize({ width: w, height: h });
    expect(await overlaps(page)).toEqual([]);
    await page.screenshot({ path: join(ARTIFACTS, `${name}-${w}x${h}.png`) });
  }
  await page.setViewportSize({ width: 1280, height: 800 });
}

/** The counts of the first full run: every later run with the same settings gives the same. */
let firstCounts: number[] = [];

beforeAll(async () => {
  studio = await openStudioPage();
  page = studio.page;
});

afterAll(async () => {
  if (studio?.problems.length) console.log('page problems:', studio.problems);
  await studio?.close();
  rmSync(work, { recursive: true, force: true });
});

describe('folder analysis', () => {
  test('runs every file of the folder with a per-file progress list', async () => {
    await expect.poll(() => page.getByTestId('ep-badge').innerText(), { timeout: 90_000 }).toMatch(/EP \w+/); // the graph is built afresh for the run's cache
    await page.getByTestId('view-folder').click();
    await page.getByTestId('folder-dir').fill(input);
    await page.getByTestId('folder-run').click();
    // A file in progress shows its share.
    await expect.poll(() => page.getByTestId('folder-state').allInnerTexts(), { timeout: 60_000, interval: 50 }).toContainEqual(expect.stringMatching(/running \d+ %/));
    await expect.poll(states, { timeout: 120_000 }).toEqual(['done', 'done', 'done']);
    expect(await page.getByTestId('folder-summary').innerText()).toMatch(/^3 of 3 done · \d+ segments?/);
    expect(await page.getByTestId('folder-progress').evaluate((p) => (p as HTMLProgressElement).value)).toBe(1);
    firstCounts = await segmentCounts();
    expect(firstCounts.reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
    await screenshots('folder');
  });

  test('a reload brings the finished run back: the list, its counts and settings', async () => {
    const before = await summary();
    await reloadToFolder();
    await expect.poll(states, { timeout: 60_000 }).toEqual(['done', 'done', 'done']);
    expect(await segmentCounts()).toEqual(firstCounts);
    expect(await summary()).toBe(before);
    expect(await page.getByTestId('folder-stopped').count()).toBe(0);
    expect(await page.getByTestId('folder-progress').evaluate((p) => (p as HTMLProgressElement).value)).toBe(1);
  });

  test('Cancel stops the run mid-way and keeps the finished files', async () => {
    await page.getByTestId('folder-run').click();
    // The orchestra clip (second) takes longest: cancel while it runs.
    await expect.poll(states, { timeout: 60_000, interval: 50 }).toEqual(['done', 'running', 'queued']);
    await page.getByTestId('folder-cancel').click();
    await expect.poll(states, { timeout: 30_000 }).toEqual(['done', 'cancelled', 'cancelled']);
    expect(await page.getByTestId('folder-summary').innerText()).toMatch(/^1 of 3 done/);
    // The overall bar says how far the run came: one file of three.
    expect(await page.getByTestId('folder-progress').evaluate((p) => (p as HTMLProgressElement).value)).toBeCloseTo(1 / 3, 5);
    await page.screenshot({ path: join(ARTIFACTS, 'folder-cancelled-1280x800.png') });
    await expect(page.getByTestId('folder-run').isEnabled()).resolves.toBe(true);
  });

  test('after a reload the cancelled run shows "stopped at 1 of 3"; Resume finishes the rest with the same settings', async () => {
    await reloadToFolder();
    await expect.poll(states, { timeout: 60_000 }).toEqual(['done', 'cancelled', 'cancelled']);
    expect(await page.getByTestId('folder-stopped').innerText()).toMatch(/^Stopped at 1 of 3\s*Resume$/);
    expect((await segmentCounts())[0]).toBe(firstCounts[0]);
    await screenshots('folder-restored-stopped');
    await page.getByTestId('folder-resume').click();
    // The first file is not run again: only the two that were not done.
    await expect.poll(states, { timeout: 60_000, interval: 50 }).toEqual(['done', 'running', 'queued']);
    await expect.poll(states, { timeout: 120_000 }).toEqual(['done', 'done', 'done']);
    expect(await segmentCounts()).toEqual(firstCounts);
    expect(await page.getByTestId('folder-stopped').count()).toBe(0);
  });

  test('runs to the end and exports one combined Raven table with rows for each file', async () => {
    await page.getByTestId('folder-run').click();
    await expect.poll(states, { timeout: 120_000 }).toEqual(['done', 'done', 'done']);
    const counts = await segmentCounts();
    expect(counts.reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
    await page.getByTestId('folder-export-format').selectOption('raven');
    await page.getByTestId('folder-export-dir').fill(out);
    await page.getByTestId('folder-export-run').click();
    await expect.poll(() => page.getByTestId('folder-export-done').innerText(), { timeout: 30_000 }).toMatch(/^Wrote \d+ segments? of 3 files/);
    const rows = ravenRows(join(out, 'segments.Table.1.selections.txt'));
    CLIPS.forEach(([name], i) => expect(rows.filter((r) => r.path === join(input, name)).length, name).toBe(counts[i]));
    expect(rows.every((r) => r.review === 'unreviewed')).toBe(true);

    // After a reload the same export writes the same rows (the segments come from the saved states).
    const table = readFileSync(join(out, 'segments.Table.1.selections.txt'), 'utf8');
    await reloadToFolder();
    await expect.poll(states, { timeout: 60_000 }).toEqual(['done', 'done', 'done']);
    await page.getByTestId('folder-export-format').selectOption('raven');
    await page.getByTestId('folder-export-dir').fill(out);
    await page.getByTestId('folder-export-overwrite').check();
    await page.getByTestId('folder-export-run').click();
    await expect.poll(() => page.getByTestId('folder-export-done').innerText(), { timeout: 30_000 }).toMatch(/^Wrote \d+ segments? of 3 files/);
    expect(readFileSync(join(out, 'segments.Table.1.selections.txt'), 'utf8')).toBe(table);
  });

  test('after the reload a finished file opens in the workstation with the run\'s saved segments; a rejection there leaves the next export', async () => {
    const counts = await segmentCounts();
    const i = counts.findIndex((n) => n > 0);
    await page.getByTestId('folder-open').nth(i).click();
    await expect.poll(() => page.getByTestId('file-title').innerText(), { timeout: 60_000 }).toContain(CLIPS[i][0]);
    await page.getByTestId('tab-segments').click();
    await expect.poll(() => page.getByTestId('segment-row').count(), { timeout: 30_000 }).toBe(counts[i]);
    // Keyboard review: the first ↓ selects the first row, the next rejects it.
    await page.getByTestId('segment-row').first().click();
    await page.keyboard.press('ArrowDown');
    await page.getByTestId('view-folder').click();
    await page.getByTestId('folder-export-overwrite').check();
    await page.getByTestId('folder-export-run').click();
    await expect.poll(() => page.getByTestId('folder-export-done').innerText(), { timeout: 30_000 }).toMatch(/^Wrote/);
    const rows = ravenRows(join(out, 'segments.Table.1.selections.txt'));
    expect(rows.filter((r) => r.path === join(input, CLIPS[i][0])).length).toBe(counts[i] - 1);
    expect(rows.some((r) => r.review === 'rejected')).toBe(false);
  });

  test('a new run keeps the edits made in the workstation: the row says so, and the export still leaves the rejected row out', async () => {
    const counts = await segmentCounts();
    const i = counts.findIndex((n) => n > 0);
    await page.getByTestId('folder-run').click();
    await expect.poll(states, { timeout: 120_000 }).toEqual(['done', 'done', 'done']);
    expect(await page.getByTestId('folder-kept').count()).toBe(1);
    expect(await page.getByTestId('folder-state').nth(i).innerText()).toBe('done · kept your edits');
    expect(await segmentCounts()).toEqual(counts);
    await page.screenshot({ path: join(ARTIFACTS, 'folder-kept-1280x800.png') });
    await page.getByTestId('folder-export-run').click();
    await expect.poll(() => page.getByTestId('folder-export-done').innerText(), { timeout: 30_000 }).toMatch(/^Wrote/);
    const rows = ravenRows(join(out, 'segments.Table.1.selections.txt'));
    expect(rows.filter((r) => r.path === join(input, CLIPS[i][0])).length).toBe(counts[i] - 1);
    // Opened again, the file shows the kept list with its rejection.
    await page.getByTestId('folder-open').nth(i).click();
    await expect.poll(() => page.getByTestId('file-title').innerText(), { timeout: 60_000 }).toContain(CLIPS[i][0]);
    await page.getByTestId('tab-segments').click();
    await expect.poll(() => page.getByTestId('segment-row').count(), { timeout: 30_000 }).toBe(counts[i]);
    expect(await page.locator('[data-testid="segment-row"].rejected').count()).toBe(1);
    expect(studio.problems).toEqual([]);
  });
});
