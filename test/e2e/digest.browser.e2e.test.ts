/**
 * The team digest as a manager sees it on a phone: the sample digest
 * (test/unit/support/digest-sample.ts, the one docs/emails.md shows: the
 * shared goal, figures per owner, a low and falling rating, an overdue
 * request, open items) rendered in Debian's chromium (headless,
 * playwright-core) at 390x844 and 1280x800 as a mail client shows its HTML
 * part, and the console's funnel page with the goal on top. axe-core finds
 * no serious or critical violation; at 390 px every label sits above its
 * value and no value is squeezed; what needs a look says so in words. The
 * phone screenshot goes to docs/images/digest-phone.png with
 * UPDATE_SCREENSHOTS=1, else to a temporary folder.
 */
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import axe from 'axe-core';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildDigest } from '#lib/digest/content';
import { funnelView } from '../../local/console/data';
import { funnelPage } from '../../local/console/pages';
import { sampleDigestInput } from '../unit/support/digest-sample';
import { REPO } from './harness';

const IMAGES = process.env.UPDATE_SCREENSHOTS === '1' ? join(REPO, 'docs', 'images') : mkdtempSync(join(tmpdir(), 'screenshots-'));
const VIEWPORTS = { phone: { width: 390, height: 844 }, desktop: { width: 1280, height: 800 } } as const;

let browser: Browser;

beforeAll(async () => {
  mkdirSync(IMAGES, { recursive: true });
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--no-first-run', '--disable-extensions'],
  });
}, 60_000);

afterAll(async () => {
  await browser?.close();
});

/** axe-core's serious and critical violations on the page. */
async function seriousViolations(page: Page): Promise<string[]> {
  await page.addScriptTag({ content: axe.source });
  const violations = (await page.evaluate("axe.run(document, { resultTypes: ['violations'] }).then((r) => r.violations)")) as { id: string; impact?: string | null; help: string }[];
  return violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id} (${v.impact}): ${v.help}`);
}

async function open(viewport: keyof typeof VIEWPORTS, html: string): Promise<Page> {
  const context = await browser.newContext({ viewport: VIEWPORTS[viewport], deviceScaleFactor: 1, bypassCSP: true, locale: 'en-GB', timezoneId: 'UTC' });
  const page = await context.newPage();
  await page.setContent(html);
  return page;
}

describe('the digest in the browser', () => {
  const email = buildDigest(sampleDigestInput());

  it('at 390 px: accessible, each label above its value with the full width, marks in words', async () => {
    expect(email).toBeDefined();
    const page = await open('phone', email?.html ?? '');
    try {
      expect(await seriousViolations(page)).toEqual([]);
      // Every stacked value: below its label, and at least 300 px wide (the page is 390 px).
      const boxes = (await page.evaluate(
        `[...document.querySelectorAll('div[dir=auto]')].map((v) => { const l = v.previousElementSibling.getBoundingClientRect(); const r = v.getBoundingClientRect(); return { label: v.previousElementSibling.textContent, below: r.top >= l.bottom - 1, width: r.width }; })`,
      )) as { label: string; below: boolean; width: number }[];
      expect(boxes.length).toBeGreaterThan(20);
      expect(boxes.filter((b) => !b.below || b.width < 300)).toEqual([]);
      // No horizontal scrolling.
      expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);
      // What needs a look says so in words, and stands out (bold, dark red with enough contrast: axe above).
      const alerts = (await page.evaluate(`[...document.querySelectorAll('strong')].map((s) => s.textContent)`)) as string[];
      expect(alerts).toEqual(expect.arrayContaining([expect.stringMatching(/^▼ Falling: /), expect.stringMatching(/^⚠ 1 passed the deadline/), expect.stringMatching(/^⚠ Low: 2\.5 \/ 5/)]));
      // The shared goal comes first.
      const headings = (await page.evaluate(`[...document.querySelectorAll('h2')].map((h) => h.textContent)`)) as string[];
      expect(headings[0]).toBe('Our shared goal');
      await page.screenshot({ path: join(IMAGES, 'digest-phone.png'), fullPage: true });
    } finally {
      await page.context().close();
    }
  }, 60_000);

  it('at 1280 px: accessible, within the 600 px column', async () => {
    const page = await open('desktop', email?.html ?? '');
    try {
      expect(await seriousViolations(page)).toEqual([]);
      // 600 px of content and its 20 px padding each side.
      expect(await page.evaluate(`document.querySelector('body > div').getBoundingClientRect().width`)).toBeLessThanOrEqual(640);
    } finally {
      await page.context().close();
    }
  }, 60_000);

  it("the console's funnel page shows the goal first, accessible at 390 px", async () => {
    const funnel = sampleDigestInput().funnel;
    expect(funnel?.goal).not.toBeNull();
    const page = await open('phone', funnelPage(funnelView(JSON.parse(JSON.stringify(funnel)))));
    try {
      expect(await seriousViolations(page)).toEqual([]);
      expect(await page.evaluate(`document.querySelector('[data-goal] h2').textContent`)).toBe('Our shared goal: €48,000.00 of €250,000.00 won this quarter (19%)');
    } finally {
      await page.context().close();
    }
  }, 60_000);
});
