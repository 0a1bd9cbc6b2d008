/**
 * A long file in the real UI (issue 12 "Load", issue 13.6), in Chromium against `serve`: a
 * generated 1-hour WAV (a temp folder of this test) is opened by typing its path into the file
 * browser, then analysed; after ANALYSE_S seconds the analysis is cancelled (a full hour takes
 * minutes on a shared 2-core machine; its progress must have moved). From the click that opens
 * the file to the end, the page records every requestAnimationFrame gap and samples its JS heap
 * (performance.memory, Chromium's).
 *
 * Bounds, and why:
 *  - while the analysis runs, worst frame gap < MAX_GAP_MS. The host decodes, reads and runs the
 *    model in another process; the page gets one progress event per window and redraws a bar.
 *    250 ms is about where a UI stops feeling responsive to a click (the RAIL model's 100 ms
 *    response budget, with room for a 2-core machine shared by other tests);
 *  - while the file opens, worst gap < MAX_OPEN_GAP_MS: the page receives the waveform's peaks
 *    (300 000 for an hour) and the overview spectrogram and draws them once, a task measured at
 *    130–300 ms with the machine's load average at 9–12 (a stall once at load, not a freeze);
 *  - the page's JS heap stays under MAX_HEAP_MB and grows by less than MAX_HEAP_GROWTH_MB while
 *    the analysis runs: the page never holds the audio (the player streams the host's WAV by
 *    byte ranges), so an hour costs what five seconds do, plus its peaks.
 * Screenshot under e2e/artifacts/: the workstation with the hour open and analysed in part.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { writeLongWav } from '../test/corpus/long-wav.js';
import { openStudioPage, type StudioPage } from './studio-page.js';

const ARTIFACTS = resolve(import.meta.dirname, 'artifacts');
mkdirSync(ARTIFACTS, { recursive: true });
const work = mkdtempSync(join(tmpdir(), 'fastast-e2e-long-'));
const HOUR = join(work, 'one-hour.wav');
const ANALYSE_S = 15;
const MAX_GAP_MS = 250;
const MAX_OPEN_GAP_MS = 500;
const MAX_HEAP_MB = 150;
const MAX_HEAP_GROWTH_MB = 30;

let studio: StudioPage;
let page: Page;

beforeAll(async () => {
  writeLongWav(HOUR, { seconds: 3600, seed: 5 });
  studio = await openStudioPage();
  page = studio.page;
});

afterAll(async () => {
  if (studio?.problems.length) console.log('page problems:', studio.problems);
  await studio?.close();
  rmSync(work, { recursive: true, force: true });
});

interface Frame {
  /** ms since the recording started. */
  at: number;
  gap: number;
}

interface Recorded {
  frames: Frame[];
  heapMb: number[];
  /** Main-thread tasks over 50 ms (Chromium's longtask entries). */
  longTasks: Frame[];
}

/** Starts recording frames and heap samples in the page (window.__load). */
async function startRecording(): Promise<void> {
  await page.evaluate(() => {
    const t0 = performance.now();
    const rec = { t0, frames: [] as Frame[], heapMb: [] as number[], longTasks: [] as Frame[], stop: false };
    (window as unknown as { __load: typeof rec }).__load = rec;
    const heap = () => (performance as unknown as { memory?: { usedJSHeapSize: number } }).memory?.usedJSHeapSize;
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) rec.longTasks.push({ at: Math.round(e.startTime - t0), gap: Math.round(e.duration) });
    }).observe({ type: 'longtask' });
    let last = t0;
    const tick = (t: number) => {
      rec.frames.push({ at: t - t0, gap: t - last });
      last = t;
      if (!rec.stop) requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
    const sample = () => {
      const h = heap();
      if (h !== undefined) rec.heapMb.push(h / 2 ** 20);
      if (!rec.stop) setTimeout(sample, 250);
    };
    sample();
  });
}

/** The page's clock, on the recording's scale. */
const pageNow = () => page.evaluate(() => performance.now() - (window as unknown as { __load: { t0: number } }).__load.t0);

async function stopRecording(): Promise<Recorded> {
  return page.evaluate(() => {
    const rec = (window as unknown as { __load: Recorded & { stop: boolean } }).__load;
    rec.stop = true;
    return { frames: rec.frames, heapMb: rec.heapMb, longTasks: rec.longTasks };
  });
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
const progress = async () => Number((await page.getByTestId('analysis-progress').getAttribute('value')) ?? 0);

/** Gap statistics of the frames that ended in [from, to). */
function gaps(frames: Frame[], from: number, to: number) {
  const sorted = frames.filter((f) => f.at >= from && f.at < to).map((f) => f.gap).sort((a, b) => a - b);
  const text = `${sorted.length} frames, gap p50 ${percentile(sorted, 0.5).toFixed(1)} ms, p95 ${percentile(sorted, 0.95).toFixed(1)} ms, p99 ${percentile(sorted, 0.99).toFixed(1)} ms, worst ${sorted[sorted.length - 1].toFixed(1)} ms`;
  return { count: sorted.length, worst: sorted[sorted.length - 1], text };
}

describe('a 1-hour file', () => {
  test('opens and analyses with frames every < 250 ms and a bounded page heap', async () => {
    await expect.poll(() => page.getByTestId('ep-badge').innerText(), { timeout: 90_000 }).toMatch(/EP \w+/);
    await startRecording();
    await page.getByTestId('open-button').click();
    await page.getByTestId('browser-path').fill(HOUR);
    await page.getByTestId('browser-path').press('Enter');
    await expect.poll(() => page.getByTestId('file-title').innerText(), { timeout: 60_000 }).toMatch(/^one-hour\.wav · /);
    await page.waitForTimeout(1000); // the waveform and the overview are drawn
    const heapOpened = (await page.evaluate(() => (window as unknown as { __load: Recorded }).__load.heapMb.at(-1))) ?? 0;

    const analysisFrom = await pageNow();
    await page.getByTestId('analysis-run').click();
    await expect.poll(progress, { timeout: 60_000 }).toBeGreaterThan(0);
    await page.waitForTimeout(ANALYSE_S * 1000);
    const reached = await progress();
    const analysisTo = await pageNow();
    await page.screenshot({ path: join(ARTIFACTS, 'long-file-1280x800.png') });
    await page.getByTestId('analysis-cancel').click();
    await expect.poll(() => page.getByTestId('analysis-run').isVisible(), { timeout: 30_000 }).toBe(true);
    const rec = await stopRecording();

    const opening = gaps(rec.frames, 0, analysisFrom);
    const analysing = gaps(rec.frames, analysisFrom, analysisTo);
    const heapPeak = Math.max(...rec.heapMb);
    console.log(
      `1-hour file, opening: ${opening.text}\n` +
        `1-hour file, analysing (reached ${reached} % in ${ANALYSE_S} s): ${analysing.text}\n` +
        `page JS heap: ${rec.heapMb[0].toFixed(1)} MB before, ${heapOpened.toFixed(1)} MB with the hour open, ${heapPeak.toFixed(1)} MB at most\n` +
        `main-thread tasks over 50 ms (at, ms): ${rec.longTasks.map((t) => `${t.at}:${t.gap}`).join(' ')}`,
    );
    expect(reached).toBeGreaterThan(0);
    expect(analysing.count).toBeGreaterThan(ANALYSE_S * 10);
    expect(analysing.worst).toBeLessThan(MAX_GAP_MS);
    expect(opening.worst).toBeLessThan(MAX_OPEN_GAP_MS);
    expect(rec.heapMb.length).toBeGreaterThan(10); // Chromium's performance.memory is there
    expect(heapPeak).toBeLessThan(MAX_HEAP_MB);
    expect(heapPeak - heapOpened).toBeLessThan(MAX_HEAP_GROWTH_MB);
    expect(studio.problems).toEqual([]);
  });
});
