/**
 * One clock at `--time-scale 3600` (an hour passes in a second): deadlines
 * and reminders come from the execution (the state's entered time and its
 * timeout, passed in by the state machine) and from the scheduled sweep's
 * event time, which the local stack puts on the engine's scaled clock. So a
 * 12-hour qualification call SLA passes in 12 s, its reminder (at half of it)
 * arrives before the escalation, every email states the deadline at which the
 * engine times its task out, and the owner's link, once the wait is over,
 * shows "closed" before anyone types.
 */
import type { HistoryEvent } from '@aws-sdk/client-sfn';
import { describe, expect, it } from 'vitest';
import { TEAM, lead, stackForFile, type OutboxMail } from './harness';

const SLA_SECONDS = 12 * 3600;
const SCALED_MINUTE_MS = 60_000;
const stack = stackForFile({ timeScale: 3600, settings: { qualificationCallSlaSeconds: SLA_SECONDS, reminderAfterFraction: 0.5 } });
const run = Date.now().toString(36);

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** The deadline an email states ("Please answer by Mon, 7 Dec 2026, 14:05 UTC (in 12 hours)"), as epoch ms. */
function statedDeadline(mail: OutboxMail): number {
  const m = /Please answer by \w{3}, (\d{1,2}) (\w{3}) (\d{4}), (\d{2}):(\d{2}) UTC/.exec(mail.text);
  if (m === null) throw new Error(`"${mail.subject}" states no deadline`);
  const [, day, month, year, hour, minute] = m;
  return Date.UTC(Number(year), MONTHS.indexOf(month ?? ''), Number(day), Number(hour), Number(minute));
}

const ms = (e: HistoryEvent): number => (e.timestamp instanceof Date ? e.timestamp.getTime() : Date.parse(String(e.timestamp)));

/**
 * When the engine times out each task of "Await qualification call", in
 * order: the state's entered time plus the task's timeoutInSeconds (the
 * engine counts a first attempt's timeout from its state's entered time).
 */
function taskTimeouts(history: readonly HistoryEvent[]): number[] {
  const out: number[] = [];
  let entered: number | undefined;
  for (const e of history) {
    if (e.type === 'TaskStateEntered') entered = e.stateEnteredEventDetails?.name === 'Await qualification call' ? ms(e) : undefined;
    else if (e.type === 'TaskScheduled' && entered !== undefined) out.push(entered + (e.taskScheduledEventDetails?.timeoutInSeconds ?? 0) * 1000);
  }
  return out;
}

describe('one clock under --time-scale 3600', () => {
  it('reminds before the escalation; every email states its task timeout; the owner\'s link is closed once its wait is over', async () => {
    const server = stack();
    const id = `clock-${run}`;
    const company = `Clockwork ${run}`;
    const about = (m: OutboxMail): boolean => m.subject.includes(`(${company})`);
    expect((await server.postLead(lead(id, company))).status).toBe(201);
    const request = await server.mail('request to the owner', (m) => about(m) && m.subject.startsWith('Qualification call'));
    expect(TEAM.insideSales).toContain(request.to[0]);
    const reminder = await server.mail('reminder', (m) => about(m) && m.subject.startsWith('Reminder: Qualification call'), 30_000);
    const escalation = await server.mail('escalation', (m) => about(m) && m.subject.startsWith('Escalated: Qualification call'), 30_000);
    expect(reminder.to).toEqual(request.to);
    expect(escalation.to).toEqual([TEAM.insideSalesLead]);
    expect(Date.parse(reminder.sentAt)).toBeLessThan(Date.parse(escalation.sentAt));

    // The engine's own timeouts of the two tasks (the owner's, then the team lead's), in execution time.
    const execution = await server.until(id, 'escalated', (e) => e.status !== 'RUNNING' || e.currentState === 'Await qualification call', 10_000);
    const history = await server.history(execution.executionArn);
    const [ownerTimeout, leadTimeout] = taskTimeouts(history);
    if (ownerTimeout === undefined || leadTimeout === undefined) throw new Error('expected two qualification call tasks');
    expect(leadTimeout - ownerTimeout).toBeGreaterThanOrEqual(SLA_SECONDS * 1000);
    // The owner's task did time out then (its timer fires at that execution time, or a little after on a busy machine).
    const timedOut = history.find((e) => e.type === 'TaskTimedOut');
    expect(timedOut && ms(timedOut)).toBeGreaterThanOrEqual(ownerTimeout);
    for (const [mail, timeout] of [
      [request, ownerTimeout],
      [reminder, ownerTimeout],
      [escalation, leadTimeout],
    ] as const) {
      // The email states minutes: within one scaled minute of the engine's timeout.
      expect(Math.abs(statedDeadline(mail) - timeout), mail.subject).toBeLessThanOrEqual(SCALED_MINUTE_MS);
    }
    expect(reminder.text).toMatch(/answer by [^(]+\(in \d+ hours\)/); // half of the 12 hours left, counted on the same clock

    // The owner's wait is over: the page says so before anyone types (no form), and nothing is sent on.
    const page = await fetch(request.links.find((l) => new URL(l).searchParams.get('answer') === 'book-meeting') ?? '');
    const body = await page.text();
    expect(page.status).toBe(410);
    expect(body).toContain('This request is closed');
    expect(body).not.toContain('name="comment"');
  }, 60_000);
});
