/**
 * Segments in the real UI against `serve` (global-setup.ts starts it and Chromium): analyse a
 * demo clip, then add a segment by dragging on the lane, resize it by its edge, relabel it,
 * delete another, undo once — checking the table after each step — and export as Audacity labels
 * and as JSON into a temp folder; the files on disk must hold exactly the edited segments. A bad
 * folder (missing, a file, read-only) shows an error naming the path and writes nothing, and the
 * dialog then exports elsewhere. Keyboard review and import too.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { type Browser, type BrowserContext, type Page } from 'playwright-core';
import { openStudioPage, overlaps, type StudioPage } from './studio-page.js';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';

const ARTIFACTS = resolve(import.meta.dirname, 'artifacts');
mkdirSync(ARTIFACTS, { recursive: true });
const CLIP = 'birds_inspectorj_339326';
const out = mkdtempSync(join(tmpdir(), 'fastast-e2e-export-'));

let browser: Browser;
let context: BrowserContext;
let page: Page;
let studio: StudioPage;

interface Row {
  start: number;
  end: number;
  label: string;
}

const text = (id: string) => page.getByTestId(id).innerText();
const shot = (name: string) => page.screenshot({ path: join(ARTIFACTS, `${name}.png`) });

/** The table as the user sees it (start, end, label; "· by hand" dropped). */
async function tableRows(): Promise<Row[]> {
  return page.getByTestId('segment-row').evaluateAll((trs) =>
    trs.map((tr) => ({
      start: Number((tr.querySelector('[data-testid="seg-start"]') as HTMLElement).innerText),
      end: Number((tr.querySelector('[data-testid="seg-end"]') as HTMLElement).innerText),
      label: (tr.querySelector('[data-testid="seg-label"]') as HTMLElement).innerText.split(' · ')[0].trim(),
    })),
  );
}

async function selectedRow(): Promise<Row & { index: number }> {
  const rows = await tableRows();
  const index = await page.getByTestId('segment-row').evaluateAll((trs) => trs.findIndex((tr) => tr.classList.contains('sel')));
  return { ...rows[index], index };
}

/** x (page pixels) of time t on the label lane, and y of a lane row. */
async function laneGeometry() {
  const lane = page.getByTestId('label-lane');
  const box = (await lane.boundingBox())!;
  const m = /view ([\d.]+)–([\d.]+) s/.exec(await text('view-range'))!;
  const [v0, v1] = [Number(m[1]), Number(m[2])];
  const heatH = Number(await lane.getAttribute('data-heat-h'));
  const rowH = Number(await lane.getAttribute('data-row-h'));
  return {
    x: (t: number) => box.x + ((t - v0) / (v1 - v0)) * box.width,
    y: (row: number) => box.y + heatH + 2 + row * rowH + rowH / 2,
    selectedRow: async () => Number(await lane.getAttribute('data-selected-row')),
    bottom: box.y + box.height - 3,
  };
}

async function drag(x0: number, y0: number, x1: number, y1: number): Promise<void> {
  await page.mouse.move(x0, y0);
  await page.mouse.down();
  await page.mouse.move((x0 + x1) / 2, (y0 + y1) / 2, { steps: 4 });
  await page.mouse.move(x1, y1, { steps: 4 });
  await page.mouse.up();
}

const near = (a: number, b: number, tol = 0.03) => Math.abs(a - b) <= tol;
const sameRows = (a: Row[], b: Row[], tol = 0.011) =>
  a.length === b.length && a.every((r, i) => r.label === b[i].label && near(r.start, b[i].start, tol) && near(r.end, b[i].end, tol));
const byTime = (a: Row, b: Row) => a.start - b.start || a.end - b.end || a.label.localeCompare(b.label);

beforeAll(async () => {
  studio = await openStudioPage();
  ({ browser, context, page } = studio);
});

afterAll(async () => {
  await context?.close();
  await browser?.close();
  rmSync(out, { recursive: true, force: true });
});

describe('segments: review, edit, export', () => {
  let analysed: Row[] = [];
  let expected: Row[] = [];
  const NEW_LABEL = 'wood pigeon (by ear)';

  test('the analysis makes segments; the table lists them in time order', async () => {
    await expect.poll(() => page.getByTestId('ep-badge').innerText(), { timeout: 60_000 }).toMatch(/EP \w+/);
    await page.getByTestId('demo-file').filter({ hasText: CLIP }).click();
    await expect.poll(() => text('file-title'), { timeout: 60_000 }).toMatch(new RegExp(`^${CLIP}\\.flac`));
    await expect.poll(() => text('window-range'), { timeout: 60_000 }).toBe('0.00–5.12 s');
    await page.getByTestId('hop-input').fill('1');
    await page.getByTestId('analysis-run').click();
    await expect.poll(() => text('analysis-summary'), { timeout: 90_000 }).toMatch(/^\d+ windows/);
    await page.getByTestId('tab-segments').click();
    await expect.poll(async () => (await tableRows()).length).toBeGreaterThanOrEqual(2);
    analysed = await tableRows();
    expect([...analysed].sort(byTime)).toEqual(analysed);
    expect(await text('segment-count')).toBe(`${analysed.length} segments`);
    expect(Number(await page.getByTestId('label-lane').getAttribute('data-segments'))).toBe(analysed.length);
  });

  test('add (drag on the lane), resize (drag its edge), relabel, delete another, undo', async () => {
    const g = await laneGeometry();
    // Add: drag 9.0 → 10.0 s on the lane (over other segments: a drag draws, a click selects).
    await drag(g.x(9), g.bottom, g.x(10), g.bottom);
    await expect.poll(async () => (await tableRows()).length).toBe(analysed.length + 1);
    let sel = await selectedRow();
    expect(near(sel.start, 9) && near(sel.end, 10), JSON.stringify(sel)).toBe(true);
    expect(await page.getByTestId('segment-row').nth(sel.index).innerText()).toContain('by hand');
    const added = sel;
    await shot('11-segment-added-1280x800');

    // Resize: drag the new segment's end edge from 10.0 to 10.5 s.
    const g2 = await laneGeometry();
    const row = await g2.selectedRow();
    await drag(g2.x(added.end), g2.y(row), g2.x(10.5), g2.y(row));
    await expect.poll(async () => (await selectedRow()).end).toBeCloseTo(10.5, 1);
    sel = await selectedRow();
    expect(near(sel.start, added.start, 0.011), 'the start stays').toBe(true);
    expect((await tableRows()).length).toBe(analysed.length + 1);

    // Relabel: free text (model labels are offered in the list, any text works).
    await page.getByTestId('segment-relabel').click();
    const input = page.getByTestId('relabel-input');
    await input.fill(NEW_LABEL);
    await input.press('Enter');
    await expect.poll(async () => (await selectedRow()).label).toBe(NEW_LABEL);
    const edited = await selectedRow();

    // Delete another: the first segment of the analysis.
    await page.getByTestId('segment-row').first().click();
    expect((await selectedRow()).index).toBe(0);
    await page.getByTestId('segment-delete').click();
    await expect.poll(async () => (await tableRows()).length).toBe(analysed.length);
    const afterDelete = await tableRows();
    expect(afterDelete.some((r) => r.label === NEW_LABEL)).toBe(true);
    expect(sameRows(afterDelete.filter((r) => r.label !== NEW_LABEL), analysed.slice(1))).toBe(true);

    // Undo once (Ctrl+Z): the deleted segment is back, the edits to the new one stay.
    await page.locator('body').press('Control+z');
    await expect.poll(async () => (await tableRows()).length).toBe(analysed.length + 1);
    expected = [...analysed, { start: edited.start, end: edited.end, label: NEW_LABEL }].sort(byTime);
    expect(sameRows(await tableRows(), expected)).toBe(true);
    // Redo and undo again by the buttons: same table.
    await page.getByTestId('redo').click();
    await expect.poll(async () => (await tableRows()).length).toBe(analysed.length);
    await page.getByTestId('undo').click();
    await expect.poll(async () => (await tableRows()).length).toBe(analysed.length + 1);
    expect(sameRows(await tableRows(), expected)).toBe(true);
    await shot('12-segments-edited-1280x800');
  });

  test('exports Audacity labels and JSON that hold exactly the edited segments', async () => {
    const exportAs = async (format: string) => {
      await page.getByTestId('export-open').click();
      await page.getByTestId('export-format').selectOption(format);
      await page.getByTestId('export-scope-all').check();
      await page.getByTestId('export-folder').fill(out);
      await page.getByTestId('export-run').click();
      await expect.poll(() => page.getByTestId('export-done').isVisible(), { timeout: 30_000 }).toBe(true);
      await page.keyboard.press('Escape');
      await expect.poll(() => page.getByTestId('export-dialog').count()).toBe(0);
    };
    await exportAs('audacity');
    await exportAs('json');
    expect(readdirSync(out).sort()).toEqual(
      [`${CLIP}.labels.txt`, `${CLIP}.labels.txt.fastast.json`, `${CLIP}.segments.json`, `${CLIP}.segments.json.fastast.json`].sort(),
    );
    // Audacity: start<TAB>end<TAB>label, 6 decimals, no header.
    const lines = readFileSync(join(out, `${CLIP}.labels.txt`), 'utf8').trimEnd().split('\n');
    for (const l of lines) expect(l).toMatch(/^\d+\.\d{6}\t\d+\.\d{6}\t.+$/);
    const audacity = lines.map((l) => l.split('\t')).map(([a, b, label]) => ({ start: Number(a), end: Number(b), label }));
    expect(sameRows(audacity, expected, 0.006), `${JSON.stringify(audacity)} vs ${JSON.stringify(expected)}`).toBe(true);
    // JSON: the same segments, the hand-made one marked as the user's.
    const json = JSON.parse(readFileSync(join(out, `${CLIP}.segments.json`), 'utf8'));
    const recs = json.recordings as { file: string; segments: { label: string; startS: number; endS: number; source: string }[] }[];
    expect(recs.length).toBe(1);
    expect(recs[0].file).toMatch(new RegExp(`${CLIP}\\.flac$`));
    const segs = recs[0].segments.map((s) => ({ start: s.startS, end: s.endS, label: s.label }));
    expect(sameRows(segs, expected, 0.006)).toBe(true);
    expect(recs[0].segments.find((s) => s.label === NEW_LABEL)?.source).toBe('user');
    const sidecar = JSON.parse(readFileSync(join(out, `${CLIP}.labels.txt.fastast.json`), 'utf8'));
    expect(sidecar.model.id).toBe('ast-tiny-esc10-cmkd');
    expect(sidecar.model.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(sidecar.hopS).toBe(1);
  });

  test('a bad folder shows an error naming the path, and writes nothing', async () => {
    const before = readdirSync(out).sort();
    const missing = join(out, 'no-such-folder', 'deeper');
    await page.getByTestId('export-open').click();
    await page.getByTestId('export-format').selectOption('raven');
    await page.getByTestId('export-folder').fill(missing);
    await page.getByTestId('export-run').click();
    const err = page.getByTestId('export-error');
    await expect.poll(() => err.isVisible(), { timeout: 30_000 }).toBe(true);
    expect(await err.innerText()).toContain(missing);
    expect(await err.innerText()).toMatch(/does not exist/);
    await shot('13-export-error-1280x800');
    // A file where the folder should be.
    const aFile = join(out, `${CLIP}.labels.txt`);
    await page.getByTestId('export-folder').fill(aFile);
    await page.getByTestId('export-run').click();
    await expect.poll(() => err.innerText()).toContain(`${aFile}: this is a file, not a folder`);
    // A read-only folder: a tmpfs mounted ro as root (root writes through chmod), else chmod 0555.
    const readOnly = mkdtempSync(join(tmpdir(), 'fastast-e2e-ro-'));
    const asRoot = process.getuid?.() === 0;
    if (asRoot) execFileSync('mount', ['-t', 'tmpfs', '-o', 'ro,size=64k', 'tmpfs', readOnly]);
    else chmodSync(readOnly, 0o555);
    try {
      await page.getByTestId('export-folder').fill(readOnly);
      await page.getByTestId('export-run').click();
      const why = asRoot ? `the folder ${readOnly} is on a read-only file system` : `permission denied: the folder ${readOnly} is read-only for this user`;
      await expect.poll(() => err.innerText(), { timeout: 30_000 }).toContain(why);
      await shot('13b-export-read-only-1280x800');
      expect(readdirSync(readOnly)).toEqual([]);
    } finally {
      if (asRoot) execFileSync('umount', [readOnly]);
      else chmodSync(readOnly, 0o755);
      rmSync(readOnly, { recursive: true, force: true });
    }
    // The app goes on: the same dialog then exports into a writable folder.
    const writable = mkdtempSync(join(tmpdir(), 'fastast-e2e-export-ok-'));
    await page.getByTestId('export-folder').fill(writable);
    await page.getByTestId('export-run').click();
    await expect.poll(() => page.getByTestId('export-done').isVisible(), { timeout: 30_000 }).toBe(true);
    expect(readdirSync(writable).sort()).toEqual([`${CLIP}.Table.1.selections.txt`, `${CLIP}.Table.1.selections.txt.fastast.json`]);
    rmSync(writable, { recursive: true, force: true });
    await page.keyboard.press('Escape');
    expect(existsSync(join(out, 'no-such-folder'))).toBe(false);
    expect(readdirSync(out).sort()).toEqual(before);
    expect(readdirSync(out).some((f) => f.endsWith('.tmp'))).toBe(false);
  });

  test('keyboard review: ↑ accept, ↓ reject, ← back, → skip, space plays the segment', async () => {
    const reviewed = async () => Number(/(\d+) reviewed/.exec(await text('segments-shown'))![1]);
    const before = await reviewed(); // segments drawn by hand start accepted
    await page.getByTestId('segment-row').first().click();
    expect((await selectedRow()).index).toBe(0);
    await page.locator('body').press('ArrowUp');
    await expect.poll(async () => (await selectedRow()).index).toBe(1);
    expect(await page.getByTestId('segment-row').nth(0).getAttribute('class')).toContain('accepted');
    await page.locator('body').press('ArrowDown');
    await expect.poll(async () => (await selectedRow()).index).toBe(2);
    expect(await page.getByTestId('segment-row').nth(1).getAttribute('class')).toContain('rejected');
    await page.locator('body').press('ArrowLeft');
    await expect.poll(async () => (await selectedRow()).index).toBe(1);
    await page.locator('body').press('ArrowRight');
    await expect.poll(async () => (await selectedRow()).index).toBe(2);
    expect(await reviewed()).toBe(before + 2);
    // Space plays the selected segment (from a little before its start).
    const sel = await selectedRow();
    await page.locator('body').press(' ');
    await expect.poll(() => text('play-button'), { timeout: 10_000 }).toContain('Pause');
    const clock = async () => {
      const m = /^(\d+):([\d.]+)/.exec(await text('clock'))!;
      return Number(m[1]) * 60 + Number(m[2]);
    };
    await expect.poll(clock, { timeout: 10_000 }).toBeGreaterThan(sel.start - 0.3);
    expect(await clock()).toBeLessThan(sel.end + 0.3);
    await page.locator('body').press(' ');
    await expect.poll(() => text('play-button')).toContain('Play');
    // Reviews are edits too: two undos take them back.
    await page.locator('body').press('Control+z');
    await page.locator('body').press('Control+z');
    await expect.poll(reviewed).toBe(before);
  });

  test('imports the exported JSON back (round trip through the UI)', async () => {
    await page.getByTestId('import-open').click();
    await page.getByTestId('import-path').fill(join(out, `${CLIP}.segments.json`));
    await page.getByTestId('import-run').click();
    await expect.poll(() => page.getByTestId('import-dialog').count(), { timeout: 30_000 }).toBe(0);
    expect(sameRows(await tableRows(), expected, 0.006)).toBe(true);
    expect(await text('segments-shown')).toMatch(new RegExp(`from ${CLIP}\\.segments\\.json`));
    // A file that is not a label file: the error says where and why.
    const junk = join(out, 'junk.txt');
    writeFileSync(junk, 'not\ta label\n');
    await page.getByTestId('import-open').click();
    await page.getByTestId('import-path').fill(junk);
    await page.getByTestId('import-run').click();
    await expect.poll(() => page.getByTestId('import-error').innerText(), { timeout: 30_000 }).toContain(junk);
    await page.keyboard.press('Escape');
    rmSync(junk);
  });

  test('lays out cleanly with the segments table at 1280×800 and 1920×1080', async () => {
    await page.getByTestId('segment-row').nth(1).click();
    await shot('14-segments-1280x800');
    expect(await overlaps(page)).toEqual([]);
    expect(await fitsWidth(page)).toEqual([]);
    await page.setViewportSize({ width: 1920, height: 1080 });
    await page.waitForTimeout(400);
    await shot('15-segments-1920x1080');
    expect(await overlaps(page)).toEqual([]);
    expect(await fitsWidth(page)).toEqual([]);
    await page.setViewportSize({ width: 1280, height: 800 });
  });

  test('no page errors', () => {
    expect(studio.problems).toEqual([]);
  });
});


/** The segments table and its toolbars fit their panel (no horizontal scroll, nothing cut off). */
async function fitsWidth(p: Page): Promise<string[]> {
  return p.evaluate(() => {
    const out: string[] = [];
    const table = document.querySelector('.segments-table') as HTMLElement | null;
    if (!table) return ['no segments table'];
    if (table.scrollWidth > table.clientWidth + 1) out.push(`table scrolls sideways (${table.scrollWidth} > ${table.clientWidth})`);
    const panel = document.querySelector('.segments-panel')!.getBoundingClientRect();
    for (const el of document.querySelectorAll('.segments-panel .toolbar > *')) {
      const r = el.getBoundingClientRect();
      if (r.right > panel.right + 1) out.push(`${(el as HTMLElement).innerText.slice(0, 20)} runs past the panel`);
    }
    if (panel.height < 200) out.push(`segments panel only ${panel.height}px high`);
    for (const bar of document.querySelectorAll('.segments-panel .toolbar')) {
      const h = bar.getBoundingClientRect().height;
      if (h > 36) out.push(`a segments toolbar wraps (${h}px high)`);
    }
    return out;
  });
}
