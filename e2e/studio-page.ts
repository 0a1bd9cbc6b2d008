import { chromium, type Browser, type BrowserContext, type Page, type WebSocketRoute } from 'playwright-core';
import { expect, inject } from 'vitest';
import { fileServe } from './file-serve.js';

export interface StudioPage {
  browser: Browser;
  context: BrowserContext;
  page: Page;
  /** Page errors and console errors seen so far; each test file ends by asserting it is empty. */
  problems: string[];
  close(): Promise<void>;
}

/** A fresh page on the shared Chromium (global-setup.ts), opened on this test file's serve (file-serve.ts) at 1280×800, without restoring the last session. */
export async function openStudioPage(opts: { route?: (ws: WebSocketRoute) => void | Promise<void> } = {}): Promise<StudioPage> {
  const serve = await fileServe();
  const problems: string[] = [];
  const browser = await chromium.connect(inject('wsEndpoint'));
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  // A test may stand between the page and its host's socket (e2e/file-browser.e2e.ts holds replies back).
  if (opts.route) await page.routeWebSocket(() => true, opts.route);
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console: ${m.text()}`);
  });
  // Each page starts on the welcome screen: a file's second page would otherwise restore the
  // session its first page left on the file's serve (session=new skips that).
  const url = new URL(serve.url);
  url.searchParams.set('session', 'new');
  await page.goto(url.href);
  return {
    browser,
    context,
    page,
    problems,
    async close() {
      await context.close();
      await browser.close();
    },
  };
}

/** Pairs of top-level panels whose boxes overlap (layout regressions). */
export async function overlaps(p: Page): Promise<string[]> {
  return p.evaluate(() => {
    const els = [...document.querySelectorAll('.topbar, .panel')] as HTMLElement[];
    const out: string[] = [];
    // What the user sees: each box clipped by its scrolling ancestors (a scrolled side column's
    // content that slid under the top bar is hidden by the column, not drawn over the bar).
    const visible = (e: HTMLElement) => {
      const r = e.getBoundingClientRect();
      let { left, top, right, bottom } = r;
      for (let a = e.parentElement; a; a = a.parentElement) {
        const st = getComputedStyle(a);
        if (st.overflowX === 'visible' && st.overflowY === 'visible') continue;
        const c = a.getBoundingClientRect();
        left = Math.max(left, c.left);
        top = Math.max(top, c.top);
        right = Math.min(right, c.right);
        bottom = Math.min(bottom, c.bottom);
      }
      return { left, top, right, bottom };
    };
    const rects = els.map(visible);
    for (let i = 0; i < els.length; i++) {
      for (let j = i + 1; j < els.length; j++) {
        const a = rects[i];
        const b = rects[j];
        if (els[i].contains(els[j]) || els[j].contains(els[i])) continue;
        const ix = Math.min(a.right, b.right) - Math.max(a.left, b.left);
        const iy = Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top);
        if (ix > 1 && iy > 1) out.push(`${els[i].className} × ${els[j].className}`);
      }
    }
    return out;
  });
}

/** The screen sizes a UI change is looked at in. */
export const SCREEN_SIZES = [
  [1024, 640],
  [1280, 800],
  [1920, 1080],
] as const;

/** One screenshot per size (`dir`/NAME-WxH.png), each after checking that no panels overlap; back at 1280×800 after. */
export async function screenshotsAtSizes(p: Page, dir: string, name: string): Promise<void> {
  for (const [w, h] of SCREEN_SIZES) {
    await p.setViewportSize({ width: w, height: h });
    await p.waitForTimeout(300);
    expect(await overlaps(p), `${name} at ${w}×${h}`).toEqual([]);
    await p.screenshot({ path: `${dir}/${name}-${w}x${h}.png` });
  }
  await p.setViewportSize({ width: 1280, height: 800 });
}
