/**
 * Durability: leads wait for feedback at three different steps; the dev
 * server is killed with SIGKILL and started again on the same data folder
 * and port; the links in the emails sent before the crash still work, and
 * every lead finishes, once. Then a person answers in a real browser
 * (Chromium through playwright-core) and finds the execution advanced in
 * the console; screenshots go to screenshots/ (gitignored).
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalStackProcess, REPO, answerLink, lead, statesEntered, submit, type OutboxMail } from './harness';

const run = Date.now().toString(36);
let server: LocalStackProcess;

beforeAll(async () => {
  server = await LocalStackProcess.start();
}, 150_000);

afterAll(async () => {
  if (server === undefined) return;
  await server.stop();
  server.removeData();
}, 60_000);

const subjectFor = (company: string, prefix: string) => (m: OutboxMail) => m.subject.startsWith(prefix) && m.subject.includes(`(${company})`);

describe('kill -9 while leads wait for feedback', () => {
  const leads = {
    call: { id: `r-call-${run}`, company: `Restart Call ${run}` },
    meeting: { id: `r-meet-${run}`, company: `Restart Meeting ${run}` },
    deal: { id: `r-deal-${run}`, company: `Restart Deal ${run}` },
  };

  it('resumes every waiting lead after a restart, and the old links finish them', async () => {
    for (const l of Object.values(leads)) expect((await server.postLead(lead(l.id, l.company))).status).toBe(201);
    // Move two of them further along before the crash.
    for (const l of [leads.meeting, leads.deal]) {
      const call = await server.mail('call', subjectFor(l.company, 'Qualification call'));
      expect((await submit(answerLink(call, 'book-meeting'), { answer: 'book-meeting' })).status).toBe(200);
    }
    const dealMeeting = await server.mail('meeting', subjectFor(leads.deal.company, 'Meeting outcome'));
    expect((await submit(answerLink(dealMeeting, 'held-proceed'), { answer: 'held-proceed' })).status).toBe(200);
    await server.until(leads.call.id, 'waiting for the call', (e) => e.currentState === 'Await qualification call');
    await server.until(leads.meeting.id, 'waiting for the meeting', (e) => e.currentState === 'Await meeting outcome');
    await server.until(leads.deal.id, 'waiting for the deal', (e) => e.currentState === 'Await deal decision');
    // The requests are out (each request email goes out after its state is entered).
    await server.mail('meeting request', subjectFor(leads.meeting.company, 'Meeting outcome'));
    await server.mail('deal request', subjectFor(leads.deal.company, 'Deal decision'));
    const mailsBefore = (await server.outbox()).length;

    await server.kill();
    server = await LocalStackProcess.start({ dataDir: server.dataDir, port: server.port });

    // Nothing lost: the mail (with its links) and the executions are all there, still waiting.
    expect((await server.outbox()).length).toBe(mailsBefore);
    expect((await server.execution(leads.call.id))?.currentState).toBe('Await qualification call');
    expect((await server.execution(leads.meeting.id))?.currentState).toBe('Await meeting outcome');
    expect((await server.execution(leads.deal.id))?.currentState).toBe('Await deal decision');

    // Click the links sent before the crash.
    const call = await server.mail('call', subjectFor(leads.call.company, 'Qualification call'));
    expect((await submit(answerLink(call, 'disqualify'), { answer: 'disqualify', reasonCode: 'no-need' })).status).toBe(200);
    const meeting = await server.mail('meeting', subjectFor(leads.meeting.company, 'Meeting outcome'));
    expect((await submit(answerLink(meeting, 'no-fit'), { answer: 'no-fit', reasonCode: 'no-budget' })).status).toBe(200);
    const deal = await server.mail('deal', subjectFor(leads.deal.company, 'Deal decision'));
    expect((await submit(answerLink(deal, 'lost'), { answer: 'lost', reasonCode: 'timing' })).status).toBe(200);

    const expected: Record<string, { stage: string; wait: string }> = {
      [leads.call.id]: { stage: 'disqualified', wait: 'Await qualification call' },
      [leads.meeting.id]: { stage: 'lost', wait: 'Await meeting outcome' },
      [leads.deal.id]: { stage: 'lost', wait: 'Await deal decision' },
    };
    for (const [id, want] of Object.entries(expected)) {
      const done = await server.until(id, 'finished', (e) => e.status !== 'RUNNING', 30_000);
      expect(done).toMatchObject({ status: 'SUCCEEDED', stage: want.stage });
      const history = await server.history(done.executionArn);
      const path = statesEntered(history);
      // Each wait entered once and answered once: nothing replayed, nothing duplicated.
      expect(path.filter((s) => s === want.wait), `${id}: ${path.join(' > ')}`).toHaveLength(1);
      expect(path.filter((s) => s === 'Qualify lead')).toHaveLength(1);
      expect(path.slice(-2)).toEqual(['Return lead to Marketing', 'Lead returned to Marketing']);
      expect(history.filter((e) => e.type === 'ExecutionSucceeded')).toHaveLength(1);
      const ids = history.map((e) => e.id);
      expect(new Set(ids).size).toBe(ids.length);
    }
  }, 240_000);
});

describe('in a browser', () => {
  let browser: Browser | undefined;
  afterAll(async () => {
    await browser?.close();
  });

  it('opens a feedback link from the outbox, submits the form, sees the confirmation, and finds the execution advanced in the console', async () => {
    const shots = join(REPO, 'screenshots');
    mkdirSync(shots, { recursive: true });
    const id = `browser-${run}`;
    const company = `Browser Co ${run}`;
    expect((await server.postLead(lead(id, company))).status).toBe(201);
    const mail = await server.mail('call', subjectFor(company, 'Qualification call'));
    const link = answerLink(mail, 'book-meeting');

    browser = await chromium.launch({
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-dev-shm-usage', '--no-first-run', '--disable-extensions'],
    });
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });

    // The outbox page lists the mail with its links; follow the one for "book a meeting".
    await page.goto(`${server.appUrl}/outbox`);
    await page.screenshot({ path: join(shots, 'outbox.png') });
    await page.locator(`a[href="${link}"]`).first().click();
    await page.waitForURL(link);
    expect(await page.title()).toContain('Qualification call');
    expect(await page.locator('h1').innerText()).toContain('What happens next with this lead?');
    expect(await page.locator('input[name="answer"][value="book-meeting"]').isChecked()).toBe(true);
    await page.locator('input[name="rating.campaign-reaction"][value="4"]').check();
    await page.locator('textarea[name="comment"]').fill('Clicked through in a browser');
    await page.screenshot({ path: join(shots, 'feedback-form.png'), fullPage: true });
    const [response] = await Promise.all([
      page.waitForResponse((r) => r.request().method() === 'POST' && r.url().startsWith(`${server.appUrl}/feedback/`)),
      page.locator('button[type="submit"]').click(),
    ]);
    expect(response.status()).toBe(200);
    await page.waitForLoadState('load');
    expect(await page.locator('form[method="post"]').count()).toBe(0);
    const confirmation = (await page.locator('body').innerText()).toLowerCase();
    expect(confirmation).toMatch(/thank|recorded/);
    await page.screenshot({ path: join(shots, 'feedback-confirmation.png'), fullPage: true });

    // The console shows the execution past the call.
    await server.until(id, 'meeting', (e) => e.currentState === 'Await meeting outcome');
    await page.goto(`${server.appUrl}/`);
    const row = page.locator(`tr[data-execution="${id}"]`);
    expect(await row.innerText()).toContain('Await meeting outcome');
    await page.screenshot({ path: join(shots, 'console-executions.png'), fullPage: true });
    await row.locator('a').first().click();
    await page.waitForURL(`${server.appUrl}/executions/${id}`);
    expect(await page.locator('.current-state').innerText()).toBe('Await meeting outcome');
    expect(await page.locator('g.node.current').getAttribute('data-state')).toBe('Await meeting outcome');
    expect(await page.locator('g.node.visited[data-state="Await qualification call"]').count()).toBe(1);
    expect(await page.locator('table.history').innerText()).toContain('TaskSucceeded');
    await page.screenshot({ path: join(shots, 'console-execution.png'), fullPage: true });
  }, 90_000);
});
