/**
 * The ops console as ops use it (issue 16), in Debian's chromium (headless,
 * playwright-core) against one local stack:
 * - a fault on "Schedule meeting" (PIPELINE_FAULTS, local/faults.ts) puts a
 *   lead in Needs attention; a silent lead is escalated to its team lead,
 *   then stalls (time scale 60: a 900 s qualification SLA passes in 15 s);
 *   a third lead books its meeting and waits days for its outcome.
 * - The list's quick filters and its search (a GET form) find exactly the
 *   right leads; each row says what it waits for, from whom, due when.
 * - A click on a history event or a graph node shows its input and output
 *   (task tokens hidden); the state that failed is marked failed.
 * - The retry button answers the rescue request through the same path as
 *   the email's link: the lead goes on, and the link then gets 409; a button
 *   and a link at the same moment: one is accepted, the other gets 409.
 *   Stop aborts an execution; a form posted from another origin gets 403.
 * - axe-core finds no serious or critical violation on the list and the
 *   execution page at 390x844 and 1280x800. Screenshots go to docs/images/
 *   with UPDATE_SCREENSHOTS=1 (README links them), else to a temporary folder.
 */
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IMAGES, VIEWPORTS, closeAll, expectAccessible, openBrowser, type ViewportName } from './browser';
import { LocalStackProcess, TEAM, answerLink, lead, submit, type OutboxMail } from './harness';

const run = Date.now().toString(36);
const FAILING = { id: `failing-${run}`, company: `Broken Widgets ${run}` };
const SILENT = { id: `silent-${run}`, company: `Quiet Corp ${run}` };
const WAITING = { id: `waiting-${run}`, company: `Patient Ltd ${run}` };
const RACING = { id: `racing-${run}`, company: `Photo Finish ${run}` };

let server: LocalStackProcess;
let browser: Browser;
let contexts: Record<ViewportName, BrowserContext>;
let opsMail: OutboxMail;

beforeAll(async () => {
  // Schedule meeting calls: 1 fails (FAILING), 2 passes (WAITING), 3 passes (FAILING's retry), 4 fails (RACING, posted by its test).
  const faults = JSON.stringify([{ target: 'lambda:schedule-meeting', calls: [1, 4], error: 'Error' }]);
  let opened: Awaited<ReturnType<typeof openBrowser>>;
  [server, opened] = await Promise.all([LocalStackProcess.start({ timeScale: 60, settings: { qualificationCallSlaSeconds: 900 }, env: { PIPELINE_FAULTS: faults } }), openBrowser()]);
  ({ browser, contexts } = opened);
  for (const l of [FAILING, SILENT, WAITING]) expect((await server.postLead(lead(l.id, l.company))).status).toBe(201);
  // The failing lead books its meeting; "Schedule meeting" fails and the lead waits for ops.
  const call = await server.mail('qualification call', (m) => m.subject.startsWith('Qualification call') && m.subject.includes(`(${FAILING.company})`));
  expect((await submit(answerLink(call, 'book-meeting'), { answer: 'book-meeting' })).status).toBe(200);
  await server.until(FAILING.id, 'awaiting rescue', (e) => e.currentState === 'Await rescue decision' || e.status !== 'RUNNING', 30_000);
  opsMail = await server.mail('rescue request to ops', (m) => m.subject.startsWith('Needs attention') && m.subject.includes(FAILING.company));
  // The waiting lead books its meeting too (the second Schedule meeting call passes) and waits days for the meeting outcome.
  const booked = await server.mail('qualification call', (m) => m.subject.startsWith('Qualification call') && m.subject.includes(`(${WAITING.company})`));
  expect((await submit(answerLink(booked, 'book-meeting'), { answer: 'book-meeting' })).status).toBe(200);
  await server.until(WAITING.id, 'awaiting the meeting outcome', (e) => e.currentState === 'Await meeting outcome' || e.status !== 'RUNNING', 30_000);
}, 150_000);

afterAll(() => closeAll(browser, server), 60_000);

async function withPage<T>(viewport: ViewportName, fn: (page: Page) => Promise<T>): Promise<T> {
  const page = await contexts[viewport].newPage();
  try {
    return await fn(page);
  } finally {
    await page.close();
  }
}

/** The lead ids of the list's rows, in order. */
async function listed(page: Page): Promise<string[]> {
  return page.locator('table.executions tbody tr[data-execution]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-execution') ?? ''));
}

const execPath = (id: string): string => `/executions/${encodeURIComponent(id)}`;

describe('the executions list', () => {
  it('finds leads by name, company, email or id with the search form, and filters needs attention, escalated and stalled', async () => {
    await withPage('desktop', async (page) => {
      await page.goto(`${server.appUrl}/`);
      expect(new Set(await listed(page))).toEqual(new Set([FAILING.id, SILENT.id, WAITING.id]));
      // The search form (GET, no script): each field of a lead finds it and only it.
      for (const [query, id] of [[WAITING.company, WAITING.id], [`${FAILING.id}@example.org`, FAILING.id], [`Pat ${SILENT.id}`, SILENT.id], [WAITING.id, WAITING.id]] as const) {
        await page.locator('input[name=q]').fill(query);
        await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: 'Search' }).click()]);
        expect(new URL(page.url()).searchParams.get('q')).toBe(query);
        expect(await listed(page), query).toEqual([id]);
      }
      await page.goto(`${server.appUrl}/?q=${encodeURIComponent('no such lead')}`);
      expect(await listed(page)).toEqual([]);

      // Needs attention: the failed lead, waiting for ops, its name, company and owner shown.
      await page.goto(`${server.appUrl}/`);
      await Promise.all([page.waitForNavigation(), page.locator('nav.tabs a[data-filter="needs-attention"]').click()]);
      expect(await listed(page)).toEqual([FAILING.id]);
      const failing = page.locator(`tr[data-execution="${FAILING.id}"]`);
      expect(await failing.locator('td').first().innerText()).toContain(`Pat ${FAILING.id}`);
      expect(await failing.locator('td').first().innerText()).toContain(FAILING.company);
      expect(await failing.locator('td.waits').innerText()).toContain(`Await rescue decision\nfrom ${TEAM.ops}`);
      // The rescue SLA is 3 days of execution time.
      expect(await failing.locator('td.due').innerText()).toMatch(/^in (3 days|7\d hours)$/);

      // The waiting lead: its Field Sales owner asked for the meeting outcome, due in days.
      await page.goto(`${server.appUrl}/?filter=running`);
      const waiting = page.locator(`tr[data-execution="${WAITING.id}"]`);
      const waits = await waiting.locator('td.waits').innerText();
      expect(waits).toMatch(/^Await meeting outcome\nfrom ae\d@example\.com$/);
      expect(TEAM.fieldSales).toContain(waits.split('from ')[1]);
      expect(await waiting.locator('td.due').innerText()).toMatch(/^in \d+ days$/);

      // The silent lead: escalated to the team lead after the owner's deadline, then stalled after the second.
      await expect.poll(async () => (await page.goto(`${server.appUrl}/?filter=escalated`), await listed(page)), { timeout: 30_000, interval: 500 }).toEqual([SILENT.id]);
      expect(await page.locator(`tr[data-execution="${SILENT.id}"] td.waits`).innerText()).toContain(`from ${TEAM.insideSalesLead}`);
      expect(await page.locator(`tr[data-execution="${SILENT.id}"] td.waits`).innerText()).toContain('escalated');
      await page.goto(`${server.appUrl}/?filter=stalled`);
      expect(await listed(page)).toEqual([]);
      await expect.poll(async () => (await page.goto(`${server.appUrl}/?filter=stalled`), await listed(page)), { timeout: 40_000, interval: 500 }).toEqual([SILENT.id]);
      await page.goto(`${server.appUrl}/?filter=escalated`);
      expect(await listed(page)).toEqual([]);
      expect(await page.locator('nav.tabs a[data-filter="stalled"] .count').innerText()).toBe('1');
    });
  }, 120_000);
});

describe('the execution page', () => {
  it("shows an event's input and output after a click on it, and a state's after a click on its node (task tokens hidden)", async () => {
    await withPage('desktop', async (page) => {
      await page.goto(`${server.appUrl}${execPath(WAITING.id)}`);
      expect(await page.locator('#inspect').count()).toBe(0);
      const exited = page.locator('table.history tr', { hasText: 'TaskStateExited' }).filter({ hasText: 'Qualify lead' });
      await Promise.all([page.waitForNavigation(), exited.locator('a').click()]);
      expect(new URL(page.url()).searchParams.get('event')).toMatch(/^\d+$/);
      expect(await page.locator('#inspect h2').innerText()).toMatch(/^Event \d+ · TaskStateExited$/);
      expect(await page.locator('pre[data-section="Output"]').innerText()).toContain(`"leadId": "${WAITING.id}"`);
      expect(await page.locator('pre[data-section="Variables assigned"]').innerText()).toContain('"route": "sales-ready"');

      await Promise.all([page.waitForNavigation(), page.locator('svg.graph a[aria-label^="Qualify lead"]').click()]);
      expect(await page.locator('#inspect h2').innerText()).toBe('State Qualify lead');
      expect(await page.locator('pre[data-section="Input"]').innerText()).toContain(WAITING.id);
      expect(await page.locator('pre[data-section="Task result"]').innerText()).toContain('"score"');
      expect(await page.locator('pre[data-section="Output"]').innerText()).toContain(WAITING.id);
      expect(await page.locator('table.history tr.selected').count()).toBeGreaterThan(1);

      await Promise.all([page.waitForNavigation(), page.locator('svg.graph a[aria-label^="Await qualification call"]').click()]);
      const taskInput = await page.locator('pre[data-section="Task input"]').innerText();
      expect(taskInput).toContain('"taskToken": "(task token, hidden)"');
      expect(await page.locator('main').innerText()).not.toMatch(/"taskToken": "[A-Za-z0-9+/=_-]{20,}"/);
    });
  }, 60_000);

  it('marks the state that failed as failed, and shows the current state and who must decide in the first screen', async () => {
    await withPage('phone', async (page) => {
      await page.goto(`${server.appUrl}${execPath(FAILING.id)}`);
      expect(await page.locator('g.node[data-state="Schedule meeting"]').getAttribute('class')).toContain('failed');
      expect(await page.locator('g.node[data-state="Await rescue decision"]').getAttribute('class')).toContain('current');
      expect(await page.locator('g.node[data-state="Qualify lead"]').getAttribute('class')).toContain('visited');
      expect(await page.locator('table.history tr.fail', { hasText: 'LambdaFunctionFailed' }).or(page.locator('table.history tr.fail', { hasText: 'TaskFailed' })).count()).toBeGreaterThan(0);
      const now = page.locator('.now');
      expect(await now.innerText()).toContain('Now in Await rescue decision');
      expect(await now.innerText()).toContain(`from ${TEAM.ops}`);
      const box = await page.locator('.current-state').boundingBox();
      expect(box!.y + box!.height).toBeLessThanOrEqual(VIEWPORTS.phone.height);
      expect(await page.locator('form.action button').allInnerTexts()).toEqual(['Retry the step that failed', 'Return the lead to Marketing', 'Close the lead (the execution ends as failed)', 'Stop execution']);
    });
  }, 60_000);
});

describe('accessibility and screenshots', () => {
  it('the list and the execution page have no serious or critical axe violation on a phone and a desktop', async () => {
    for (const name of Object.keys(VIEWPORTS) as ViewportName[]) {
      await withPage(name, async (page) => {
        for (const [path, file] of [['/', `console-list-${name}.png`], [execPath(FAILING.id), `console-execution-${name}.png`], [`${execPath(WAITING.id)}?state=${encodeURIComponent('Qualify lead')}`, undefined], [execPath(SILENT.id), undefined]] as const) {
          const res = await page.goto(`${server.appUrl}${path}`);
          expect(res?.status(), path).toBe(200);
          await expectAccessible(page, `${name} ${path}`);
          if (file !== undefined) await page.screenshot({ path: join(IMAGES, file), fullPage: false });
        }
      });
    }
  }, 90_000);
});

describe('the buttons', () => {
  it('refuses a form another origin posts (the loopback guard)', async () => {
    const res = await fetch(`${server.appUrl}${execPath(FAILING.id)}/actions`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'http://evil.example' },
      body: 'answer=close',
    });
    expect(res.status).toBe(403);
    expect((await server.execution(FAILING.id))?.currentState).toBe('Await rescue decision');
  });

  it('names the missing member beside its field when reassign has none, and changes nothing', async () => {
    await server.until(SILENT.id, 'stalled', (e) => e.currentState === 'Await rescue decision' || e.status !== 'RUNNING', 40_000);
    const res = await fetch(`${server.appUrl}${execPath(SILENT.id)}/actions`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'answer=reassign' });
    expect(res.status).toBe(400);
    const body = await res.text();
    expect(body).toMatch(/<select id="reasonCode" name="reasonCode" required aria-invalid="true"/);
    expect(body).toContain('id="reasonCode-error"');
    expect((await server.execution(SILENT.id))?.currentState).toBe('Await rescue decision');
  });

  it('retry re-runs the failed step through the same answer path as the link: the lead goes on, the link then gets 409', async () => {
    await withPage('desktop', async (page) => {
      await page.goto(`${server.appUrl}${execPath(FAILING.id)}`);
      const [res] = await Promise.all([page.waitForNavigation(), page.locator('form.action[data-action="retry"] button').click()]);
      expect(res?.status()).toBe(200);
      expect(await page.locator('h1').innerText()).toBe('Retry the step that failed: done');
      expect(await page.locator('main').innerText()).toContain(FAILING.company);
      expect(await page.locator('main').innerText()).toContain('The step runs again with its original input');
    });
    const on = await server.until(FAILING.id, 'past the meeting', (e) => e.currentState === 'Await meeting outcome' || e.status !== 'RUNNING', 30_000);
    expect(on).toMatchObject({ status: 'RUNNING', currentState: 'Await meeting outcome' });
    const history = await server.history(on.executionArn);
    expect(history.filter((e) => e.type === 'ExecutionStarted')).toHaveLength(1);
    // The email's link lost the race: one answer only.
    expect((await submit(answerLink(opsMail, 'close'), { answer: 'close' })).status).toBe(409);
    // And the page no longer offers the rescue answers.
    await withPage('desktop', async (page) => {
      await page.goto(`${server.appUrl}${execPath(FAILING.id)}`);
      expect(await page.locator('form.action button').allInnerTexts()).toEqual(['Stop execution']);
    });
  }, 60_000);

  it('a button and the email link answering at the same moment: exactly one is accepted, and the execution follows it', async () => {
    expect((await server.postLead(lead(RACING.id, RACING.company))).status).toBe(201);
    const call = await server.mail('qualification call', (m) => m.subject.startsWith('Qualification call') && m.subject.includes(`(${RACING.company})`));
    expect((await submit(answerLink(call, 'book-meeting'), { answer: 'book-meeting' })).status).toBe(200);
    await server.until(RACING.id, 'awaiting rescue', (e) => e.currentState === 'Await rescue decision' || e.status !== 'RUNNING', 30_000);
    const ops = await server.mail('rescue request to ops', (m) => m.subject.startsWith('Needs attention') && m.subject.includes(RACING.company));
    const button = async (): Promise<number> =>
      (await fetch(`${server.appUrl}${execPath(RACING.id)}/actions`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'answer=close' })).status;
    const [byButton, byLink] = await Promise.all([button(), submit(answerLink(ops, 'return'), { answer: 'return' }).then((r) => r.status)]);
    expect([byButton, byLink].sort()).toEqual([200, 409]);
    const done = await server.until(RACING.id, 'decided', (e) => e.status !== 'RUNNING', 30_000);
    expect(done.status).toBe(byButton === 200 ? 'FAILED' : 'SUCCEEDED');
  }, 60_000);

  it('stop aborts the execution; its rescue link then answers that the request is closed', async () => {
    const rescue = await server.mail('rescue request to the team lead', (m) => m.subject.startsWith('Lead stalled at') && m.subject.includes(SILENT.company));
    await withPage('desktop', async (page) => {
      await page.goto(`${server.appUrl}${execPath(SILENT.id)}`);
      expect(await page.locator('form.action[data-action="reassign"] select[name=reasonCode] option').allInnerTexts()).toEqual(['Choose a member', ...TEAM.insideSales]);
      const [res] = await Promise.all([page.waitForNavigation(), page.locator('form.action[data-action="stop"] button').click()]);
      expect(res?.status()).toBe(200);
      expect(await page.locator('h1').innerText()).toBe('Execution stopped');
    });
    expect((await server.execution(SILENT.id))?.status).toBe('ABORTED');
    expect((await submit(answerLink(rescue, 'close'), { answer: 'close' })).status).toBe(410);
  }, 60_000);
});
