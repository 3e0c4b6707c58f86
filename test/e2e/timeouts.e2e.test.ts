/**
 * Nobody answers: each wait has an SLA; the first timeout escalates the
 * request to the team lead, the second parks the lead as stalled: it waits in
 * "Await rescue decision" for the team lead's answer (cc ops); closed, the
 * execution fails visibly with Lead.Stalled. At time
 * scale 30, a 180 s SLA passes in 6 s. Reminders come from the scheduled
 * sweep (every 0.5 s here, its event time on the same scaled clock as the
 * executions) once 1% of a request's time has passed (1.8 s of execution
 * time). A person with several requests due in the same sweep gets one
 * reminder listing all of them. (test/e2e/one-clock.e2e.test.ts: the same at
 * --time-scale 3600, with the deadline every email states.)
 */
import { describe, expect, it } from 'vitest';
import type { FunnelReport } from '#lib/funnel/report';
import { API_KEY, TEAM, answerLink, lead, stackForFile, statesEntered, submit } from './harness';

const stack = stackForFile({ timeScale: 30, reminderInterval: 0.5, settings: { qualificationCallSlaSeconds: 180, meetingOutcomeSlaSeconds: 180, reminderAfterFraction: 0.01, instantFeedbackEmails: 'all' } });
const run = Date.now().toString(36);

describe('no answer', () => {
  it('escalates the qualification call to the team lead, then parks the lead as stalled', async () => {
    const server = stack();
    const id = `stall-${run}`;
    const company = `Silent ${run}`;
    const is = (m: { subject: string }): boolean => m.subject.includes(`(${company})`);
    expect((await server.postLead(lead(id, company))).status).toBe(201);
    const first = await server.mail('request to the owner', (m) => is(m) && m.subject.startsWith('Qualification call'));
    expect(TEAM.insideSales).toContain(first.to[0]);
    const reminder = await server.mail('reminder', (m) => is(m) && m.subject.startsWith('Reminder: Qualification call'), 20_000);
    expect(reminder.to).toEqual(first.to);
    const escalated = await server.mail('escalation', (m) => is(m) && m.subject.startsWith('Escalated: Qualification call'), 20_000);
    expect(escalated.to).toEqual([TEAM.insideSalesLead]);
    expect(Date.parse(reminder.sentAt)).toBeLessThanOrEqual(Date.parse(escalated.sentAt));
    // The funnel counts the missed deadline against the owner (their digest's overdue requests), once.
    const funnel = (await (await fetch(`${server.appUrl}/funnel`, { headers: { authorization: `Bearer ${API_KEY}` } })).json()) as FunnelReport;
    expect(funnel.byOwner.find((o) => o.team === 'inside-sales' && o.owner === first.to[0])?.overdue).toBe(1);

    // Stalled: the lead waits for the team lead's decision (cc ops), its execution still running.
    const parked = await server.until(id, 'stalled', (e) => e.currentState === 'Await rescue decision' || e.status !== 'RUNNING', 20_000);
    expect(parked).toMatchObject({ status: 'RUNNING', currentState: 'Await rescue decision', stage: 'stalled' });
    const rescue = await server.mail('rescue request', (m) => m.subject.startsWith('Lead stalled at') && m.subject.includes(company));
    expect(rescue.to).toEqual([TEAM.insideSalesLead]);
    expect(rescue.cc).toEqual([TEAM.ops]);
    expect(rescue.links.map((l) => new URL(l).searchParams.get('answer')).filter((a) => a !== null)).toEqual(['reassign', 'return', 'close']);

    // The team lead closes it: only now does the execution end, failed as stalled.
    expect((await submit(answerLink(rescue, 'close'), { answer: 'close' })).status).toBe(200);
    const done = await server.until(id, 'closed', (e) => e.status !== 'RUNNING', 20_000);
    expect(done).toMatchObject({ status: 'FAILED', stage: 'stalled' });

    const history = await server.history(done.executionArn);
    expect(history.filter((e) => e.type === 'TaskTimedOut')).toHaveLength(2);
    expect(statesEntered(history)).toEqual([
      'Qualify lead',
      'Route qualified lead',
      'Await qualification call',
      'Qualification call overdue',
      'Await qualification call',
      'Qualification call overdue',
      'Park stalled lead',
      'Await rescue decision',
      'Rescue decision',
      'Close lead',
      'Lead failed',
    ]);
    const failed = history[history.length - 1];
    expect(failed?.type).toBe('ExecutionFailed');
    expect(failed?.executionFailedEventDetails?.error).toBe('Lead.Stalled');

    // The owner's link, clicked too late: the task is gone.
    expect((await submit(answerLink(first, 'book-meeting'), { answer: 'book-meeting' })).status).toBe(410);
  }, 60_000);

  it('lets the team lead answer after an escalation, then stalls at the next silent step', async () => {
    const server = stack();
    const id = `esc-${run}`;
    const company = `Escalated ${run}`;
    const is = (m: { subject: string }): boolean => m.subject.includes(`(${company})`);
    expect((await server.postLead(lead(id, company))).status).toBe(201);
    const escalated = await server.mail('escalation', (m) => is(m) && m.subject.startsWith('Escalated: Qualification call'), 20_000);
    expect((await submit(answerLink(escalated, 'book-meeting'), { answer: 'book-meeting', comment: 'Caught it as team lead' })).status).toBe(200);
    const toMarketing = await server.mail('feedback to Marketing', (m) => is(m) && m.subject.startsWith('Feedback from Inside Sales'));
    expect(toMarketing.text).toContain('Caught it as team lead');
    await server.until(id, 'meeting', (e) => e.stage === 'meeting' || e.status !== 'RUNNING');

    // Field Sales stays silent too: escalation to its lead, then stalled at the meeting.
    const meetingEscalation = await server.mail('meeting escalation', (m) => m.subject.startsWith('Escalated: Meeting outcome') && m.subject.includes(company), 20_000);
    expect(meetingEscalation.to).toEqual([TEAM.fieldSalesLead]);
    const done = await server.until(id, 'stalled', (e) => e.currentState === 'Await rescue decision' || e.status !== 'RUNNING', 20_000);
    expect(done).toMatchObject({ status: 'RUNNING', stage: 'stalled' });
    const rescue = await server.mail('rescue request', (m) => m.subject.startsWith('Lead stalled at "Await meeting outcome"') && m.subject.includes(company));
    expect(rescue.to).toEqual([TEAM.fieldSalesLead]);
    const path = statesEntered(await server.history(done.executionArn));
    expect(path.filter((s) => s === 'Await qualification call')).toHaveLength(2);
    expect(path.filter((s) => s === 'Await meeting outcome')).toHaveLength(2);
    expect(path.slice(-2)).toEqual(['Park stalled lead', 'Await rescue decision']);
  }, 60_000);
});

describe('reminders, batched per person', () => {
  // A sweep every 8 s; reminders 3 s after each request (0.25% of 1,200 s); escalation after 40 s.
  // Three requests per rep made within 8 s of each other: at most one sweep falls between them, so at least two go out together.
  const quiet = stackForFile({ timeScale: 30, reminderInterval: 8, settings: { qualificationCallSlaSeconds: 1200, reminderAfterFraction: 0.0025 } });

  it('sends each Inside Sales rep one email listing their due requests, each request reminded once, with working links', async () => {
    const companies = [1, 2, 3, 4, 5, 6].map((n) => `Batch ${n} ${run}`);
    const statuses = await Promise.all(companies.map((c, i) => quiet().postLead(lead(`batch-${i}-${run}`, c)).then((r) => r.status)));
    expect(statuses).toEqual(companies.map(() => 201));
    const about = (m: { subject: string; text: string }, c: string): boolean => m.subject.includes(c) || m.text.includes(c);
    const requests = await Promise.all(companies.map((c) => quiet().mail(`request ${c}`, (m) => m.subject.startsWith('Qualification call') && m.subject.includes(c))));
    const owners = new Set(requests.map((m) => m.to[0] ?? ''));
    expect([...owners].sort()).toEqual([...TEAM.insideSales].sort()); // round-robin: three leads per rep

    // The owners' reminders (escalations, later, go to the team lead), once every lead is in one.
    const ownerReminders = async () => quiet().mails((m) => m.subject.startsWith('Reminder: ') && owners.has(m.to[0] ?? '') && companies.some((c) => about(m, c)));
    const deadline = Date.now() + 30_000;
    let reminders = await ownerReminders();
    while (!companies.every((c) => reminders.some((m) => about(m, c))) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 250));
      reminders = await ownerReminders();
    }
    for (const c of companies) {
      const mine = reminders.filter((m) => about(m, c));
      expect(mine, c).toHaveLength(1); // reminded exactly once
      expect(mine[0]?.to, c).toEqual(requests.find((r) => r.subject.includes(c))?.to); // by its owner
    }
    const batched = reminders.filter((m) => /^Reminder: [23] requests waiting for your answer$/.test(m.subject));
    expect(batched.length).toBeGreaterThan(0);
    expect(reminders.length).toBeLessThan(companies.length);

    // Each request's links in a batched email answer that request.
    const [batch] = batched;
    const listed = companies.filter((c) => batch !== undefined && about(batch, c));
    expect(batch?.links).toHaveLength(listed.length * 3);
    const nurture = batch?.links.filter((l) => new URL(l).searchParams.get('answer') === 'nurture') ?? [];
    expect(nurture).toHaveLength(listed.length);
    const page = await (await fetch(nurture[0] ?? '')).text();
    const company = listed.find((c) => page.includes(c));
    expect(company).toBeDefined();
    expect((await submit(nurture[0] ?? '', { answer: 'nurture', reasonCode: 'bad-timing' })).status).toBe(200);
    const done = await quiet().until(`batch-${companies.indexOf(company ?? '')}-${run}`, 'nurture', (e) => e.status !== 'RUNNING', 20_000);
    expect(done).toMatchObject({ status: 'SUCCEEDED', stage: 'nurture' });
  }, 120_000);
});
