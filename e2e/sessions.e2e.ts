/**
 * Sessions in the real UI against this file's `serve` (file-serve.ts; its host child is killed
 * with SIGKILL here): analyse, review and edit
 * the segments of one recording, switch to another and back, reload the page, kill -9 the host
 * → every edit and review is back each time. Exports after a rejection leave the rejected segment
 * out of every text format, times round-trip exactly, and a second export into the same folder
 * asks before replacing. A file changed since its save asks before its segments come back; a
 * recording that is gone is greyed out on the welcome screen, whose "Restore last session" opens
 * the rest.
 */
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, unlinkSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import { fileServe, type FileServe } from './file-serve.js';

const ROOT = resolve(import.meta.dirname, '..');
const ARTIFACTS = resolve(import.meta.dirname, 'artifacts');
mkdirSync(ARTIFACTS, { recursive: true });
const CLIP = 'birds_inspectorj_339326.flac';
const tmp = mkdtempSync(join(tmpdir(), 'fastast-e2e-sessions-'));
const audio = join(tmp, 'audio');
const out = join(tmp, 'out');
const FILE_A = join(audio, 'a_birds.flac');
const FILE_B = join(audio, 'b_birds.flac');

let serve: FileServe;
let browser: Browser;
let context: BrowserContext;
let page: Page;
const problems: string[] = [];

interface Row {
  start: string;
  end: string;
  label: string;
  review: string;
}

const text = (id: string) => page.getByTestId(id).innerText();
const shot = (name: string) => page.screenshot({ path: join(ARTIFACTS, `${name}.png`) });

/** The table as the user sees it, with each row's review state (its class). */
async function tableRows(): Promise<Row[]> {
  return page.getByTestId('segment-row').evaluateAll((trs) =>
    trs.map((tr) => ({
      start: (tr.querySelector('[data-testid="seg-start"]') as HTMLElement).innerText,
      end: (tr.querySelector('[data-testid="seg-end"]') as HTMLElement).innerText,
      label: (tr.querySelector('[data-testid="seg-label"]') as HTMLElement).innerText.split(' · ')[0].trim(),
      review: ['accepted', 'rejected'].find((c) => tr.classList.contains(c)) ?? 'unreviewed',
    })),
  );
}

/** serve's host child (a forked node running host-child.ts), from /proc as test/fault.serve.test.ts finds it. */
function hostPids(): number[] {
  const pids: number[] = [];
  for (const task of readdirSync(`/proc/${serve.pid}/task`)) {
    const list = readFileSync(`/proc/${serve.pid}/task/${task}/children`, 'utf8').trim();
    if (list) pids.push(...list.split(/\s+/).map(Number));
  }
  return pids.filter((pid) => {
    try {
      return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8')) && readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('host-child');
    } catch {
      return false;
    }
  });
}

/** Opens a recording by typing its path into the file browser (Enter), as a user would. */
async function openByPath(path: string): Promise<void> {
  await page.getByTestId('open-button').click();
  await page.getByTestId('browser-path').fill(path);
  await page.getByTestId('browser-path').press('Enter');
}

async function waitForFile(name: string): Promise<void> {
  await expect.poll(() => text('file-title'), { timeout: 120_000 }).toMatch(new RegExp(`^${name}`));
}

async function analyse(hop: string): Promise<void> {
  await page.getByTestId('hop-input').fill(hop);
  await page.getByTestId('analysis-run').click();
  await expect.poll(() => text('analysis-summary'), { timeout: 120_000 }).toMatch(/^\d+ windows/);
  await page.getByTestId('tab-segments').click();
  await expect.poll(async () => (await tableRows()).length, { timeout: 10_000 }).toBeGreaterThanOrEqual(2);
}

/** Moves the threshold slider by keyboard, 0.01 a step (a range input cannot be filled). */
async function nudgeThreshold(key: 'ArrowLeft' | 'ArrowRight', steps: number): Promise<void> {
  await page.getByTestId('threshold').focus();
  for (let i = 0; i < steps; i++) await page.keyboard.press(key);
}

/** Waits out the save debounce (300 ms) and the write. */
const settle = () => page.waitForTimeout(1200);

beforeAll(async () => {
  mkdirSync(audio, { recursive: true });
  mkdirSync(out, { recursive: true });
  copyFileSync(join(ROOT, 'data/demo', CLIP), FILE_A);
  copyFileSync(join(ROOT, 'data/demo', CLIP), FILE_B);
  serve = await fileServe();
  browser = await chromium.connect(inject('wsEndpoint'));
  context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  page = await context.newPage();
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    // The page logs the lost socket while the host is killed; that is the point of the test.
    if (m.type() === 'error' && !/WebSocket|ERR_CONNECTION|Failed to load resource/.test(m.text())) problems.push(`console: ${m.text()}`);
  });
  await page.goto(serve.url);
});

afterAll(async () => {
  await context?.close();
  await browser?.close();
  rmSync(tmp, { recursive: true, force: true });
});

describe('sessions: nothing done is lost', () => {
  let rowsA: Row[] = [];
  let rowsB: Row[] = [];

  test('a first start shows the welcome screen without recent files', async () => {
    await expect.poll(() => page.getByTestId('ep-badge').innerText(), { timeout: 170_000 }).toMatch(/EP \w+/);
    await expect.poll(() => page.getByTestId('welcome').isVisible()).toBe(true);
    expect(await page.getByTestId('recent-file').count()).toBe(0);
    expect(await page.getByTestId('restore-session').count()).toBe(0);
  });

  test('review and edit A, switch to B and edit it, back to A: both kept', async () => {
    await openByPath(FILE_A);
    await waitForFile('a_birds');
    await analyse('1');
    // ↓ rejects the first row, ↑ accepts the second; Delete removes the third when there is one.
    await page.getByTestId('segment-row').first().click();
    await page.locator('body').press('ArrowDown');
    await page.locator('body').press('ArrowUp');
    await expect.poll(async () => (await tableRows()).map((r) => r.review).slice(0, 2)).toEqual(['rejected', 'accepted']);
    rowsA = await tableRows();
    await nudgeThreshold('ArrowLeft', 5);
    expect(await page.getByTestId('threshold').inputValue()).toBe('0.25');
    await settle();

    await openByPath(FILE_B);
    await waitForFile('b_birds');
    await expect.poll(async () => (await tableRows()).length).toBe(0);
    await nudgeThreshold('ArrowRight', 5);
    await analyse('1');
    await page.getByTestId('segment-row').first().click();
    await page.getByTestId('segment-delete').click();
    rowsB = await tableRows();
    await settle();

    await openByPath(FILE_A);
    await waitForFile('a_birds');
    await expect.poll(tableRows, { timeout: 20_000 }).toEqual(rowsA);
    expect(await page.getByTestId('hop-input').inputValue()).toBe('1');
    expect(await page.getByTestId('threshold').inputValue()).toBe('0.25');
    // The undo history came back with the list: the last edit (the accept) undoes.
    await expect.poll(() => page.getByTestId('undo').isEnabled()).toBe(true);
    await page.getByTestId('undo').click();
    await expect.poll(async () => (await tableRows())[1].review).toBe('unreviewed');
    await page.getByTestId('redo').click();
    await expect.poll(tableRows).toEqual(rowsA);
    await openByPath(FILE_B);
    await waitForFile('b_birds');
    await expect.poll(tableRows, { timeout: 20_000 }).toEqual(rowsB);
    expect(await page.getByTestId('threshold').inputValue()).toBe('0.3');
    await openByPath(FILE_A);
    await waitForFile('a_birds');
    await expect.poll(tableRows, { timeout: 20_000 }).toEqual(rowsA);
    await shot('40-session-restored-1280x800');
  });

  test('a reload restores the session: A open, its segments and reviews', async () => {
    await settle();
    await page.reload();
    await waitForFile('a_birds');
    await expect.poll(tableRows, { timeout: 30_000 }).toEqual(rowsA);
    expect(await page.getByTestId('hop-input').inputValue()).toBe('1');
  });

  test('kill -9 of the host child: the banner says so, the page reconnects, the work is back', async () => {
    await expect.poll(hostPids, { timeout: 30_000 }).toHaveLength(1);
    const [pid] = hostPids();
    process.kill(pid, 'SIGKILL');
    await expect.poll(() => page.getByTestId('host-banner').count(), { timeout: 10_000 }).toBe(1);
    expect(await text('host-banner')).toMatch(/host restarting: .*reconnecting/);
    await shot('41-host-restarting-1280x800');
    await expect.poll(() => page.getByTestId('host-banner').count(), { timeout: 90_000 }).toBe(0);
    expect(hostPids()).not.toContain(pid);
    await expect.poll(tableRows).toEqual(rowsA);
    // What the new host child reads from the state folder, not what the page kept in memory.
    await page.reload();
    await waitForFile('a_birds');
    await expect.poll(tableRows, { timeout: 30_000 }).toEqual(rowsA);
  });

  test('exports leave the rejected segment out of every format; times are exact milliseconds', async () => {
    const exportAs = async (format: string, include = 'not-rejected', dir = out) => {
      await page.getByTestId('export-open').click();
      await page.getByTestId('export-format').selectOption(format);
      await page.getByTestId(`export-include-${include}`).check();
      await page.getByTestId('export-folder').fill(dir);
      await page.getByTestId('export-run').click();
      await expect.poll(() => page.getByTestId('export-done').isVisible(), { timeout: 30_000 }).toBe(true);
      await page.keyboard.press('Escape');
    };
    const all = join(tmp, 'all');
    mkdirSync(all);
    await exportAs('json', 'all', all);
    const json = JSON.parse(readFileSync(join(all, 'a_birds.segments.json'), 'utf8'));
    const segs = json.recordings[0].segments as { startS: number; endS: number; label: string; review: string }[];
    expect(segs.length).toBe(rowsA.length);
    const rejected = segs.filter((s) => s.review === 'rejected');
    expect(rejected.length).toBe(1);
    for (const s of segs) for (const t of [s.startS, s.endS]) expect(Math.round(t * 1000) / 1000).toBe(t);

    await exportAs('audacity');
    await exportAs('raven');
    await exportAs('csv');
    const key = (a: string, b: string, label: string) => `${Number(a)}|${Number(b)}|${label}`;
    const kept = new Set(segs.filter((s) => s.review !== 'rejected').map((s) => key(String(s.startS), String(s.endS), s.label)));
    const gone = key(String(rejected[0].startS), String(rejected[0].endS), rejected[0].label);
    const audacity = readFileSync(join(out, 'a_birds.labels.txt'), 'utf8').trimEnd().split('\n').map((l) => l.split('\t'));
    const raven = readFileSync(join(out, 'a_birds.Table.1.selections.txt'), 'utf8').trimEnd().split('\n').map((l) => l.split('\t'));
    const csv = readFileSync(join(out, 'a_birds.BirdNET.results.csv'), 'utf8').trimEnd().split('\n').map((l) => l.split(','));
    const col = (rows: string[][], name: string) => rows[0].indexOf(name);
    const sets = {
      audacity: audacity.map(([a, b, l]) => key(a, b, l)),
      raven: raven.slice(1).map((r) => key(r[col(raven, 'Begin Time (s)')], r[col(raven, 'End Time (s)')], r[col(raven, 'Label')])),
      csv: csv.slice(1).map((r) => key(r[0], r[1], r[2])),
    };
    for (const [format, keys] of Object.entries(sets)) {
      expect(keys, format).not.toContain(gone);
      expect(new Set(keys), format).toEqual(kept);
    }
    // Exact: whole milliseconds printed with 6 decimals, equal to the JSON's numbers; no overlap from rounding.
    for (const [a, b] of audacity) {
      expect(a).toMatch(/^\d+\.\d{3}000$/);
      expect(b).toMatch(/^\d+\.\d{3}000$/);
    }
    const byLabel = new Map<string, number[][]>();
    for (const s of segs) byLabel.set(s.label, [...(byLabel.get(s.label) ?? []), [s.startS, s.endS]]);
    for (const spans of byLabel.values()) for (let i = 1; i < spans.length; i++) expect(spans[i][0]).toBeGreaterThanOrEqual(spans[i - 1][1]);
  });

  test('a second export into the same folder asks; Replace writes it', async () => {
    const before = readFileSync(join(out, 'a_birds.labels.txt'), 'utf8');
    await page.getByTestId('export-open').click();
    await page.getByTestId('export-format').selectOption('audacity');
    await page.getByTestId('export-include-accepted').check();
    await page.getByTestId('export-audacity-review').check();
    await page.getByTestId('export-folder').fill(out);
    await page.getByTestId('export-run').click();
    const exists = page.getByTestId('export-exists');
    await expect.poll(() => exists.isVisible(), { timeout: 30_000 }).toBe(true);
    expect(await exists.innerText()).toContain(join(out, 'a_birds.labels.txt'));
    await shot('42-export-exists-1280x800');
    expect(readFileSync(join(out, 'a_birds.labels.txt'), 'utf8')).toBe(before);
    await page.getByTestId('export-replace').click();
    await expect.poll(() => page.getByTestId('export-done').isVisible(), { timeout: 30_000 }).toBe(true);
    await page.keyboard.press('Escape');
    const lines = readFileSync(join(out, 'a_birds.labels.txt'), 'utf8').trimEnd().split('\n');
    // Accepted only: the one accepted row (plus rows drawn by hand, none here), with its review in the label.
    expect(lines.length).toBe(rowsA.filter((r) => r.review === 'accepted').length);
    for (const l of lines) expect(l).toMatch(/\[accepted [\d.]+\]$/);
  });

  test('a file changed since its save asks before its segments come back', async () => {
    utimesSync(FILE_B, new Date(), new Date(Date.now() + 5000));
    await openByPath(FILE_B);
    await expect.poll(() => page.getByTestId('restore-question').count(), { timeout: 60_000 }).toBe(1);
    await shot('43-file-changed-question-1280x800');
    await page.getByTestId('restore-yes').click();
    await waitForFile('b_birds');
    await expect.poll(tableRows, { timeout: 20_000 }).toEqual(rowsB);
    await settle();
  });

  test('a recording that is gone: the welcome screen greys it out and restores the rest', async () => {
    unlinkSync(FILE_B);
    await page.reload();
    await expect.poll(() => page.getByTestId('welcome').isVisible(), { timeout: 60_000 }).toBe(true);
    await expect.poll(() => page.getByTestId('recent-file').count()).toBe(2);
    const recent = page.getByTestId('recent-file');
    expect(await recent.nth(0).getAttribute('data-exists')).toBe('false');
    expect(await recent.nth(0).innerText()).toMatch(/b_birds\.flac.*missing/s);
    expect(await recent.nth(1).innerText()).toMatch(new RegExp(`a_birds\\.flac\\s+${rowsA.length} segments · 2 reviewed`));
    await shot('44-welcome-recent-1280x800');
    for (const [w, h] of [
      [1024, 640],
      [1920, 1080],
    ]) {
      await page.setViewportSize({ width: w, height: h });
      await page.waitForTimeout(300);
      await shot(`44-welcome-recent-${w}x${h}`);
    }
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.getByTestId('restore-session').click();
    await waitForFile('a_birds');
    await page.getByTestId('tab-segments').click();
    await expect.poll(tableRows, { timeout: 30_000 }).toEqual(rowsA);
  });

  test('no page errors', () => {
    expect(problems).toEqual([]);
  });
});
