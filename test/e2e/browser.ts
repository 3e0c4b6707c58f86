/**
 * What the browser tests share: Debian's chromium (headless, playwright-core)
 * with a context per viewport (a phone's 390x844, a desktop's 1280x800),
 * axe-core's serious and critical violations, and where screenshots go
 * (docs/images/ with UPDATE_SCREENSHOTS=1, README links them; else a
 * temporary folder: names and dates change on every run).
 */
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import axe from 'axe-core';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { expect } from 'vitest';
import { REPO, type LocalStackProcess } from './harness';

export const VIEWPORTS = { phone: { width: 390, height: 844 }, desktop: { width: 1280, height: 800 } } as const;
export type ViewportName = keyof typeof VIEWPORTS;
export const IMAGES = process.env.UPDATE_SCREENSHOTS === '1' ? join(REPO, 'docs', 'images') : mkdtempSync(join(tmpdir(), 'screenshots-'));

/** Chromium and a context per viewport (the screenshots folder made). */
export async function openBrowser(): Promise<{ browser: Browser; contexts: Record<ViewportName, BrowserContext> }> {
  mkdirSync(IMAGES, { recursive: true });
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--no-first-run', '--disable-extensions'],
  });
  const contexts = {} as Record<ViewportName, BrowserContext>;
  for (const [name, viewport] of Object.entries(VIEWPORTS) as [ViewportName, (typeof VIEWPORTS)[ViewportName]][]) {
    // bypassCSP: only so the test can inject axe-core; the pages themselves run no script.
    contexts[name] = await browser.newContext({ viewport, deviceScaleFactor: 1, bypassCSP: true, locale: 'en-GB', timezoneId: 'UTC' });
  }
  return { browser, contexts };
}

/** After the file: closes the browser, then stops the stack (it must exit 0) and removes its data. */
export async function closeAll(browser: Browser | undefined, server: LocalStackProcess | undefined): Promise<void> {
  await browser?.close();
  if (server === undefined) return;
  const code = await server.stop();
  server.removeData();
  expect(code).toBe(0);
}

interface AxeViolation {
  id: string;
  impact?: string | null;
  help: string;
  nodes: { target: unknown[] }[];
}

/** axe-core's serious and critical violations on the page (axe.source injected). */
export async function seriousViolations(page: Page): Promise<string[]> {
  await page.addScriptTag({ content: axe.source });
  // A string, evaluated in the page (the test is compiled without the DOM library).
  const violations = (await page.evaluate("axe.run(document, { resultTypes: ['violations'] }).then((r) => r.violations)")) as AxeViolation[];
  return violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.help} at ${v.nodes.map((n) => JSON.stringify(n.target)).join(', ')}`);
}

export async function expectAccessible(page: Page, what: string): Promise<void> {
  expect(await seriousViolations(page), what).toEqual([]);
}
