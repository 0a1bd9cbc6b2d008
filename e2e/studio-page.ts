import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { inject } from 'vitest';

export interface StudioPage {
  browser: Browser;
  context: BrowserContext;
  page: Page;
  /** Page errors and console errors seen so far; each test file ends by asserting it is empty. */
  problems: string[];
  close(): Promise<void>;
}

/** A fresh page on the shared Chromium (global-setup.ts), opened on the shared serve URL at 1280×800. */
export async function openStudioPage(): Promise<StudioPage> {
  const problems: string[] = [];
  const browser = await chromium.connect(inject('wsEndpoint'));
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console: ${m.text()}`);
  });
  await page.goto(inject('serveUrl'));
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
