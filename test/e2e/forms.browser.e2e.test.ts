/**
 * The forms and emails as people see them: Debian's chromium (headless,
 * playwright-core) at a phone's 390x844 and a desktop's 1280x800, one local
 * stack for the whole file and one lead answered in the browser from the
 * qualification call to its check-in.
 *
 * For every form, each step and answer: the question's first input lies
 * inside the first screen, the chosen answer is preselected and only its
 * fields show; axe-core finds no serious or critical violation on any form,
 * confirmation, error page, console page or rendered email; a mistake brings
 * the form back (400) with every value kept. Screenshots of the first screen
 * go to docs/images/ (README links them) with UPDATE_SCREENSHOTS=1, else to a
 * temporary folder (names and dates change on every run).
 */
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FEEDBACK_STEP_DEFINITIONS } from '#lib/feedback/steps';
import type { FeedbackStep } from '#lib/core/contracts';
import { IMAGES, VIEWPORTS, closeAll, expectAccessible, openBrowser, type ViewportName } from './browser';
import { LocalStackProcess, answerLink, lead, type OutboxMail } from './harness';

let server: LocalStackProcess;
let browser: Browser;
let contexts: Record<ViewportName, BrowserContext>;
const run = Date.now().toString(36);

beforeAll(async () => {
  let opened: Awaited<ReturnType<typeof openBrowser>>;
  [server, opened] = await Promise.all([LocalStackProcess.start({ timeScale: 60, settings: { checkInIntervalSeconds: 60, maxCheckIns: 1 } }), openBrowser()]);
  ({ browser, contexts } = opened);
}, 150_000);

afterAll(() => closeAll(browser, server), 60_000);

/** The first screen only, as a small PNG. */
async function shot(page: Page, file: string): Promise<void> {
  await page.screenshot({ path: join(IMAGES, file), fullPage: false });
}

const about = (company: string) => (m: OutboxMail) => m.subject.includes(`(${company})`);

/**
 * Opens every answer's link of a request at both sizes: the answer preselected,
 * its fields shown and the others hidden, the first answer inside the first
 * screen, no serious axe violation. Screenshots the form and the email.
 */
async function checkRequest(step: FeedbackStep, mail: OutboxMail): Promise<void> {
  const def = FEEDBACK_STEP_DEFINITIONS[step];
  for (const name of Object.keys(VIEWPORTS) as ViewportName[]) {
    const page = await contexts[name].newPage();
    try {
      // The email, as a mail client shows its HTML part.
      await page.setContent(mail.html);
      await expectAccessible(page, `${step} email at ${name}`);
      await shot(page, `email-${step}-${name}.png`);

      for (const [i, answer] of def.answers.entries()) {
        const res = await page.goto(answerLink(mail, answer.value));
        expect(res?.status()).toBe(200);
        await expect.poll(() => page.title()).toContain(def.question);
        expect(await page.locator('h1').innerText()).toBe(def.question);
        // The question's first input lies inside the first screen.
        const first = await page.locator('input[name=answer]').first().boundingBox();
        expect(first, `${step}/${answer.value} at ${name}`).not.toBeNull();
        expect(first!.y + first!.height, `${step}/${answer.value} at ${name}: first input inside the first screen`).toBeLessThanOrEqual(VIEWPORTS[name].height);
        // The answer chosen in the email is preselected, and only its fields show.
        expect(await page.locator(`input[name=answer][value="${answer.value}"]`).isChecked()).toBe(true);
        for (const d of def.details.filter((x) => x.shownFor !== undefined)) {
          expect(await page.locator(`[name="${d.field}"]`).isVisible(), `${step}/${answer.value}: ${d.field}`).toBe(d.shownFor!.includes(answer.value));
        }
        // Answers and ratings are targets of at least 44x44 px.
        for (const target of ['label.choice', '.scale label']) {
          if ((await page.locator(target).count()) === 0) continue;
          const box = await page.locator(target).first().boundingBox();
          if (box === null) continue;
          expect(box.height).toBeGreaterThanOrEqual(44);
          expect(box.width).toBeGreaterThanOrEqual(44);
        }
        await expectAccessible(page, `${step}/${answer.value} form at ${name}`);
        if (i === 0) await shot(page, `form-${step}-${name}.png`);
      }
    } finally {
      await page.close();
    }
  }
}

/** Answers in the phone browser: picks the answer, fills the fields, sends; the confirmation names the lead. */
async function answerInBrowser(mail: OutboxMail, answer: string, fill: Record<string, string>, company: string, screenshot?: string): Promise<void> {
  const page = await contexts.phone.newPage();
  try {
    await page.goto(answerLink(mail, answer));
    for (const [field, value] of Object.entries(fill)) {
      const el = page.locator(`[name="${field}"]`);
      const tag = await el.first().evaluate((e) => `${e.tagName}:${(e as unknown as { type?: string }).type ?? ''}`);
      if (tag === 'SELECT:select-one') await el.selectOption(value);
      else if (tag === 'INPUT:radio') await page.locator(`[name="${field}"][value="${value}"]`).check();
      else await el.fill(value);
    }
    const [res] = await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: 'Send answer' }).click()]);
    expect(res?.status()).toBe(200);
    expect(await page.locator('h1').innerText()).toBe('Answer recorded');
    expect(await page.locator('main').innerText()).toContain(company);
    expect(await page.locator('main').innerText()).toContain('What happens next');
    await expectAccessible(page, `confirmation of ${answer}`);
    if (screenshot) await shot(page, screenshot);
  } finally {
    await page.close();
  }
}

/**
 * The reply form of a feedback email at both sizes: the question first with
 * the reply preselected, 44 px targets, axe clean; sending "Acting on it"
 * without saying what brings the form back (400) with the message beside the
 * note and the choice kept; then the reply is recorded.
 */
async function checkReply(mail: OutboxMail): Promise<void> {
  const link = mail.links.find((l) => new URL(l).searchParams.get('status') === 'acting-on-it');
  expect(link, `reply link in "${mail.subject}"`).toBeDefined();
  for (const name of Object.keys(VIEWPORTS) as ViewportName[]) {
    const page = await contexts[name].newPage();
    try {
      await page.setContent(mail.html);
      await expectAccessible(page, `feedback email at ${name}`);
      await shot(page, `email-feedback-${name}.png`);
      expect((await page.goto(link ?? ''))?.status()).toBe(200);
      expect(await page.locator('h1').innerText()).toMatch(/^How do you answer Customer Success's feedback\?$/);
      const first = await page.locator('input[name=status]').first().boundingBox();
      expect(first).not.toBeNull();
      expect(first!.y + first!.height, `reply at ${name}: first input inside the first screen`).toBeLessThanOrEqual(VIEWPORTS[name].height);
      expect(await page.locator('input[name=status][value=acting-on-it]').isChecked()).toBe(true);
      const box = await page.locator('label.choice').first().boundingBox();
      expect(box?.height ?? 0).toBeGreaterThanOrEqual(44);
      await expectAccessible(page, `reply form at ${name}`);
      await shot(page, `form-reply-${name}.png`);

      const [res] = await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: 'Send reply' }).click()]);
      expect(res?.status()).toBe(400);
      expect(await page.title()).toMatch(/^Error: /);
      expect(await page.locator('#err-note').innerText()).toContain('Say what you will do about it');
      expect(await page.locator('input[name=status][value=acting-on-it]').isChecked()).toBe(true);
      await expectAccessible(page, `reply error page at ${name}`);
    } finally {
      await page.close();
    }
  }
  const page = await contexts.phone.newPage();
  try {
    await page.goto(link ?? '');
    await page.locator('[name=note]').fill('A data-import guide goes into the onboarding emails');
    const [res] = await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: 'Send reply' }).click()]);
    expect(res?.status()).toBe(200);
    expect(await page.locator('main').innerText()).toContain('A data-import guide goes into the onboarding emails');
    await expectAccessible(page, 'reply confirmation');
  } finally {
    await page.close();
  }
}

describe('forms and emails in the browser, at 390x844 and 1280x800', () => {
  const id = `browser-${run}`;
  const company = `Browser Co ${run}`;
  const is = about(company);

  it('every form, each step and answer: question first, preselected, accessible; a mistake keeps the values; answered to the check-in', async () => {
    // The meeting three days from now (the form refuses a time in the past), at 14:00 in Berlin.
    const meetingDate = new Date(Date.now() + 3 * 86_400_000).toISOString().slice(0, 10);
    const [weekday, day, month, year] = new Intl.DateTimeFormat('en-GB', { weekday: 'short', day: 'numeric', month: 'short', year: 'numeric', timeZone: 'UTC' }).format(new Date(`${meetingDate}T12:00:00Z`)).replace(',', '').split(' ');
    expect((await server.postLead(lead(id, company, { phone: '+44 20 7946 0958' }))).status).toBe(201);

    const call = await server.mail('qualification call', (m) => is(m) && m.subject.startsWith('Qualification call'));
    await checkRequest('qualification-call', call);
    await answerInBrowser(
      call,
      'book-meeting',
      { meetingDate, meetingTime: '14:00', meetingTimeZone: 'Europe/Berlin', 'rating.lead-fit': '4', moreOf: 'Launch webinars', comment: 'Keen on a pilot' },
      company,
      'confirmation-phone.png',
    );

    // The Field Sales request says when the meeting is, in the zone it was booked in.
    const meeting = await server.mail('meeting outcome', (m) => is(m) && m.subject.startsWith('Meeting outcome'));
    expect(meeting.text).toMatch(new RegExp(`The meeting is on ${weekday}, ${day} ${month} ${year}, 14:00 CES?T \\(Europe/Berlin\\)\\.`));
    await checkRequest('meeting-outcome', meeting);
    await answerInBrowser(meeting, 'held-proceed', { 'rating.budget-accuracy': '5', missing: 'Nothing' }, company);

    const deal = await server.mail('deal decision', (m) => is(m) && m.subject.startsWith('Deal decision'));
    await checkRequest('deal-decision', deal);

    // A mistake (an amount with a comma) brings the same form back, the message beside the field, every value kept.
    for (const name of Object.keys(VIEWPORTS) as ViewportName[]) {
      const page = await contexts[name].newPage();
      try {
        await page.goto(answerLink(deal, 'won'));
        await page.locator('[name=amount]').fill('48,000');
        await page.locator('[name=currency]').selectOption('GBP');
        await page.locator('[name=promises]').fill('SSO by Q3');
        await page.locator('[name=comment]').fill('Signed after the pilot');
        const [res] = await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: 'Send answer' }).click()]);
        expect(res?.status()).toBe(400);
        expect(await page.title()).toMatch(/^Error: /);
        expect(await page.locator('.error-summary').innerText()).toContain('without commas');
        expect(await page.locator('#err-amount').isVisible()).toBe(true);
        expect(await page.locator('input[name=answer][value=won]').isChecked()).toBe(true);
        expect(await page.locator('[name=amount]').inputValue()).toBe('48,000');
        expect(await page.locator('[name=currency]').inputValue()).toBe('GBP');
        expect(await page.locator('[name=promises]').inputValue()).toBe('SSO by Q3');
        expect(await page.locator('[name=comment]').inputValue()).toBe('Signed after the pilot');
        await expectAccessible(page, `error page at ${name}`);
        await shot(page, `error-deal-decision-${name}.png`);
      } finally {
        await page.close();
      }
    }
    await answerInBrowser(deal, 'won', { amount: '48000', currency: 'GBP', promises: 'SSO by Q3' }, company);

    const review = await server.mail('onboarding review', (m) => is(m) && m.subject.startsWith('Onboarding review'));
    await checkRequest('onboarding-review', review);
    await answerInBrowser(review, 'on-track', { 'rating.message-match': '4', difficulties: 'Importing legacy data' }, company);

    // The difficulty flags the feedback: Marketing gets it at once, with reply links; the reply form is built like the others.
    const flagged = await server.mail('feedback to Marketing', (m) => is(m) && m.subject.startsWith('Feedback from Customer Success'));
    await checkReply(flagged);

    const checkIn = await server.mail('check-in', (m) => is(m) && m.subject.startsWith('Customer check-in'), 30_000);
    await checkRequest('check-in', checkIn);
    await answerInBrowser(checkIn, 'healthy', { 'rating.health': '5' }, company);
    await server.until(id, 'renewed', (e) => e.status !== 'RUNNING', 20_000);
  }, 240_000);

  it('the console pages have no serious or critical axe violation', async () => {
    const page = await contexts.desktop.newPage();
    try {
      for (const path of ['/', '/stages', '/funnel-view', '/team-feedback', '/outbox', '/events', `/executions/${encodeURIComponent(id)}`]) {
        const res = await page.goto(`${server.appUrl}${path}`);
        expect(res?.status(), path).toBe(200);
        await expectAccessible(page, `console ${path}`);
      }
    } finally {
      await page.close();
    }
  }, 60_000);
});
