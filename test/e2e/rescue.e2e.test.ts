/**
 * Rescue (issue 16): a failed step or a stalled lead no longer ends the
 * execution; the lead waits in "Await rescue decision" for a person's answer,
 * emailed with links like any other request.
 * - A fault on "Schedule meeting" (PIPELINE_FAULTS, local/faults.ts: a plain
 *   function error, not retried) puts the lead in Needs attention; ops get the
 *   email (plain words, no stack, a link to the local console's execution
 *   page). Retry re-runs the step in the same execution (the fault was a
 *   one-off: the next call passes) and the lead goes on; close ends it FAILED;
 *   return hands it back to Marketing.
 * - A lead nobody answers stalls; its team lead reassigns it to another member
 *   by the link, who is asked again and becomes the owner.
 * The schedule-meeting calls, in test order: 1 fails (retry), 2 passes (the
 * retry), 3 fails (close), 4 fails (return), 5 passes (the reassigned lead).
 */
import { describe, expect, it } from 'vitest';
import { TEAM, answerLink, lead, statesEntered, submit, type OutboxMail, stackForFile } from './harness';

const run = Date.now().toString(36);

const RULES = [{ target: 'lambda:schedule-meeting', calls: [1, 3, 4], error: 'Error' }];

// At time scale 60 a 300 s qualification call SLA passes in 5 s: a silent lead stalls in about 10 s.
const stack = stackForFile({ timeScale: 60, settings: { qualificationCallSlaSeconds: 300, instantFeedbackEmails: 'all' }, env: { PIPELINE_FAULTS: JSON.stringify(RULES) } });

const about = (company: string) => (m: OutboxMail) => m.subject.includes(`(${company})`);
const answers = (m: OutboxMail): (string | null)[] => m.links.map((l) => new URL(l).searchParams.get('answer')).filter((a) => a !== null);

/** Posts a lead, books the meeting from its qualification call, and waits for the failed "Schedule meeting" to ask ops. */
async function failAtScheduleMeeting(id: string, company: string): Promise<OutboxMail> {
  expect((await stack().postLead(lead(id, company))).status).toBe(201);
  const call = await stack().mail('qualification call', (m) => about(company)(m) && m.subject.startsWith('Qualification call'));
  expect((await submit(answerLink(call, 'book-meeting'), { answer: 'book-meeting' })).status).toBe(200);
  const parked = await stack().until(id, 'awaiting rescue', (e) => e.currentState === 'Await rescue decision' || e.status !== 'RUNNING', 30_000);
  expect(parked).toMatchObject({ status: 'RUNNING', currentState: 'Await rescue decision', stage: 'needs-attention' });
  return stack().mail('rescue request to ops', (m) => m.subject.startsWith('Needs attention') && m.subject.includes(company));
}

describe('a failed step', () => {
  it('waits for ops, whose retry link re-runs the step in the same execution, and the lead goes on', async () => {
    const id = `retry-${run}`;
    const company = `Retried ${run}`;
    const ops = await failAtScheduleMeeting(id, company);
    expect(ops.to).toEqual([TEAM.ops]);
    expect(ops.subject).toContain('"Schedule meeting"');
    expect(answers(ops)).toEqual(['retry', 'return', 'close']);
    for (const raw of ['errorMessage', 'stackTrace', '"errorType"', '    at ']) expect(ops.text).not.toContain(raw);
    // A link to the local console's execution page, which opens.
    const page = ops.links.find((l) => new URL(l).pathname === `/executions/${encodeURIComponent(id)}`);
    expect(page, ops.links.join(' ')).toBeDefined();
    expect((await fetch(page ?? '')).status).toBe(200);

    expect((await submit(answerLink(ops, 'retry'), { answer: 'retry' })).status).toBe(200);
    const on = await stack().until(id, 'past the meeting', (e) => e.currentState === 'Await meeting outcome' || e.status !== 'RUNNING', 30_000);
    expect(on).toMatchObject({ status: 'RUNNING', currentState: 'Await meeting outcome' });
    const history = await stack().history(on.executionArn);
    expect(history.filter((e) => e.type === 'ExecutionStarted')).toHaveLength(1);
    const path = statesEntered(history);
    expect(path.filter((s) => s === 'Schedule meeting')).toHaveLength(2);
    expect(path.slice(path.indexOf('Needs attention'))).toEqual(['Needs attention', 'Await rescue decision', 'Rescue decision', 'Schedule meeting', 'Await meeting outcome']);
    await stack().mail('meeting outcome request', (m) => about(company)(m) && m.subject.startsWith('Meeting outcome'));
  }, 90_000);

  it('ends FAILED when ops close it, with the error of the step', async () => {
    const id = `close-${run}`;
    const company = `Closed ${run}`;
    const ops = await failAtScheduleMeeting(id, company);
    expect((await submit(answerLink(ops, 'close'), { answer: 'close' })).status).toBe(200);
    const done = await stack().until(id, 'closed', (e) => e.status !== 'RUNNING', 30_000);
    expect(done.status).toBe('FAILED');
    const history = await stack().history(done.executionArn);
    expect(statesEntered(history).slice(-4)).toEqual(['Await rescue decision', 'Rescue decision', 'Close lead', 'Lead failed']);
    const failed = history.at(-1);
    expect(failed?.type).toBe('ExecutionFailed');
    expect(failed?.executionFailedEventDetails?.error).toBe('Error');
    // The link is answered: a second click changes nothing.
    expect((await submit(answerLink(ops, 'retry'), { answer: 'retry' })).status).not.toBe(200);
  }, 90_000);

  it('returns the lead to Marketing when ops say so', async () => {
    const id = `return-${run}`;
    const company = `Returned ${run}`;
    const ops = await failAtScheduleMeeting(id, company);
    expect((await submit(answerLink(ops, 'return'), { answer: 'return' })).status).toBe(200);
    const done = await stack().until(id, 'returned', (e) => e.status !== 'RUNNING', 30_000);
    expect(done.status).toBe('SUCCEEDED');
    expect(statesEntered(await stack().history(done.executionArn)).slice(-3)).toEqual(['Rescue decision', 'Return lead to Marketing', 'Lead returned to Marketing']);
  }, 90_000);
});

describe('a stalled lead', () => {
  it("is reassigned by the team lead's link and continues with the new owner", async () => {
    const id = `reassign-${run}`;
    const company = `Reassigned ${run}`;
    expect((await stack().postLead(lead(id, company))).status).toBe(201);
    const first = await stack().mail('request to the owner', (m) => about(company)(m) && m.subject.startsWith('Qualification call'));
    const owner = first.to[0] ?? '';
    expect(TEAM.insideSales).toContain(owner);
    const parked = await stack().until(id, 'stalled', (e) => e.currentState === 'Await rescue decision' || e.status !== 'RUNNING', 40_000);
    expect(parked).toMatchObject({ status: 'RUNNING', stage: 'stalled' });
    const rescue = await stack().mail('rescue request to the team lead', (m) => m.subject.startsWith('Lead stalled at') && m.subject.includes(company));
    expect(rescue.to).toEqual([TEAM.insideSalesLead]);
    expect(rescue.cc).toEqual([TEAM.ops]);
    expect(answers(rescue)).toEqual(['reassign', 'return', 'close']);

    const other = TEAM.insideSales.find((m) => m !== owner) ?? '';
    const before = (await stack().mails((m) => about(company)(m) && m.subject.startsWith('Qualification call'))).length;
    expect((await submit(answerLink(rescue, 'reassign'), { answer: 'reassign', reasonCode: other })).status).toBe(200);
    const again = await stack().nthMail('request to the new owner', (m) => about(company)(m) && m.subject.startsWith('Qualification call'), before + 1, 20_000);
    expect(again.to).toEqual([other]);
    expect((await submit(answerLink(again, 'book-meeting'), { answer: 'book-meeting' })).status).toBe(200);
    const on = await stack().until(id, 'meeting', (e) => e.currentState === 'Await meeting outcome' || e.status !== 'RUNNING', 30_000);
    expect(on).toMatchObject({ status: 'RUNNING', currentState: 'Await meeting outcome' });
    const path = statesEntered(await stack().history(on.executionArn));
    expect(path.slice(path.indexOf('Park stalled lead'), path.indexOf('Park stalled lead') + 4)).toEqual(['Park stalled lead', 'Await rescue decision', 'Rescue decision', 'Await qualification call']);
  }, 90_000);
});
