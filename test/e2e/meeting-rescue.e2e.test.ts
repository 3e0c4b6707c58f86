/**
 * A rescue that ends a lead cancels its meeting, end to end over HTTP on
 * `npm start`'s runtime: Inside Sales books a meeting on the call (the
 * Inside Sales owner gets the invitation), then SES refuses the rep's
 * meeting-outcome request for good (an injected MessageRejected:
 * PIPELINE_FAULTS, local/faults.ts), so the lead needs attention and ops are
 * asked. Ops close it ("Close lead", then the execution ends FAILED) or
 * return it to Marketing: either way the rep and the Inside Sales owner get
 * the cancellation (METHOD:CANCEL, same UID, SEQUENCE one up), once, read
 * back from /local/outbox and parsed with ical.js, and the profile keeps the
 * meeting as cancelled.
 * The SES SendEmail calls, in test order: close lead 1 call, 2 the owner's
 * invitation, 3 the rep's request (refused), 4 ops' rescue request, 5 the
 * CANCEL; return lead 6, 7, 8 (refused), 9, then the CANCEL and Marketing's email.
 */
import { describe, expect, it } from 'vitest';
import { TEAM, answerLink, lead, stackForFile, statesEntered, storedProfile, submit, type OutboxMail } from './harness';
import { type Invitation, inDays, invitation } from './invitations';

const run = Date.now().toString(36);
const WAIT_MS = 60_000;
const RULES = [{ target: 'ses:SendEmail', calls: [3, 8], error: 'MessageRejected' }];
const stack = stackForFile({ settings: { instantFeedbackEmails: 'none' }, env: { PIPELINE_FAULTS: JSON.stringify(RULES) } });

const about = (company: string) => (m: OutboxMail) => m.subject.includes(`(${company})`);
const REQUEST = 'text/calendar; method=REQUEST; charset=UTF-8';
const CANCEL = 'text/calendar; method=CANCEL; charset=UTF-8';

/**
 * Posts a lead, books its meeting on the call, and waits until SES's refusal
 * of the rep's request has the lead wait for ops: the owner's invitation
 * (parsed) and ops' rescue request.
 */
async function bookThenFail(id: string, company: string): Promise<{ invite: Invitation; insideSales: string; rescue: OutboxMail; date: string }> {
  const server = stack();
  expect((await server.postLead(lead(id, company))).status).toBe(201);
  const call = await server.mail('qualification call', (m) => about(company)(m) && m.subject.startsWith('Qualification call'), WAIT_MS);
  const insideSales = call.to[0] ?? '';
  const date = inDays(4);
  expect((await submit(answerLink(call, 'book-meeting'), { answer: 'book-meeting', meetingDate: date, meetingTime: '15:30', meetingTimeZone: 'Europe/Paris' })).status).toBe(200);
  const booked = await server.mail('invitation to Inside Sales', (m) => about(company)(m) && m.subject.startsWith('Meeting booked:'), WAIT_MS);
  expect(booked.to).toEqual([insideSales]);
  const invite = invitation(booked, REQUEST);
  expect(invite).toMatchObject({ method: 'REQUEST', sequence: 0 });
  const parked = await server.until(id, 'awaiting rescue', (e) => e.currentState === 'Await rescue decision' || e.status !== 'RUNNING', WAIT_MS);
  expect(parked).toMatchObject({ status: 'RUNNING', currentState: 'Await rescue decision', stage: 'needs-attention' });
  const rescue = await server.mail('rescue request to ops', (m) => m.subject.startsWith('Needs attention') && m.subject.includes(company), WAIT_MS);
  expect(rescue.to).toEqual([TEAM.ops]);
  expect(rescue.subject).toContain('"Await meeting outcome"');
  return { invite, insideSales, rescue, date };
}

/** The one cancellation of the company's meeting, to the rep and the owner (the invitation's attendees), parsed. */
async function theCancellation(company: string, invite: Invitation): Promise<{ mail: OutboxMail; cancel: Invitation }> {
  const server = stack();
  const mail = await server.mail('cancellation', (m) => about(company)(m) && m.subject.startsWith('Meeting cancelled:'), WAIT_MS);
  expect(mail.to.map((a) => `mailto:${a}`)).toEqual(invite.attendees);
  const cancel = invitation(mail, CANCEL);
  expect(cancel).toMatchObject({ method: 'CANCEL', uid: invite.uid, sequence: 1, status: 'CANCELLED', organizer: invite.organizer, attendees: invite.attendees });
  expect(cancel.start.toString()).toBe(invite.start.toString());
  expect(cancel.start.zone?.tzid).toBe('Europe/Paris');
  return { mail, cancel };
}

describe('a lead with a booked meeting that needs attention', () => {
  it('closed by ops: the rep and the Inside Sales owner get the CANCEL once, the meeting is recorded cancelled, the execution ends FAILED', async () => {
    const server = stack();
    const id = `close-meet-${run}`;
    const company = `Closed Meeting ${run}`;
    const { invite, insideSales, rescue, date } = await bookThenFail(id, company);
    expect(invite.attendees).toEqual([expect.stringMatching(/^mailto:ae\d@example\.com$/), `mailto:${insideSales}`]);
    expect(invite.start.toString()).toBe(`${date}T15:30:00`);

    expect((await submit(answerLink(rescue, 'close'), { answer: 'close' })).status).toBe(200);
    const done = await server.until(id, 'closed', (e) => e.status !== 'RUNNING', WAIT_MS);
    expect(done).toMatchObject({ status: 'FAILED', stage: 'needs-attention' });
    const history = await server.history(done.executionArn);
    expect(statesEntered(history).slice(-3)).toEqual(['Rescue decision', 'Close lead', 'Lead failed']);
    expect(history.at(-1)?.executionFailedEventDetails?.error).toBe('Pipeline.MailRejected');

    const { mail } = await theCancellation(company, invite);
    expect(mail.text).toContain('is cancelled: ops closed the lead.');
    // Once: the execution is over, and one CANCEL went out; no email tells Marketing.
    expect(await server.mails((m) => about(company)(m) && m.subject.startsWith('Meeting cancelled:'))).toHaveLength(1);
    expect(await server.mails((m) => about(company)(m) && m.to.includes(TEAM.marketingLead))).toEqual([]);
    expect((await storedProfile(server, id))?.meeting).toMatchObject({ sequence: 1, cancelled: true, timeZone: 'Europe/Paris' });
  }, 240_000);

  it('returned to Marketing by ops: the CANCEL once, the meeting recorded cancelled, then Marketing its email', async () => {
    const server = stack();
    const id = `return-meet-${run}`;
    const company = `Returned Meeting ${run}`;
    const { invite, rescue } = await bookThenFail(id, company);

    expect((await submit(answerLink(rescue, 'return'), { answer: 'return' })).status).toBe(200);
    const done = await server.until(id, 'returned', (e) => e.status !== 'RUNNING', WAIT_MS);
    expect(done).toMatchObject({ status: 'SUCCEEDED', stage: 'nurture' });
    const { mail } = await theCancellation(company, invite);
    expect(mail.text).toContain('is cancelled: the lead went back to Marketing.');
    await server.mail('lead returned, to Marketing', (m) => about(company)(m) && m.subject.startsWith('Lead returned to nurture'), WAIT_MS);
    expect(await server.mails((m) => about(company)(m) && m.subject.startsWith('Meeting cancelled:'))).toHaveLength(1);
    expect((await storedProfile(server, id))?.meeting).toMatchObject({ sequence: 1, cancelled: true });
  }, 240_000);
});
