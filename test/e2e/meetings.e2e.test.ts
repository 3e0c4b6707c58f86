/**
 * Meetings and their calendar invitations end to end on `npm start`'s
 * runtime: Inside Sales books a meeting (date, time, zone) on the call; the
 * Field Sales rep's meeting-outcome request and the Inside Sales owner's own
 * email carry the invitation as the local SES (aws-ses-v2-local, behind the
 * sandbox layer) received it, read back from /local/outbox and parsed with
 * ical.js: start, end, zone, organizer, attendees, the outcome link. A no-show
 * with a new time updates it (same UID, SEQUENCE up); one without a time
 * cancels it (METHOD:CANCEL).
 */
import { formatDateTime } from '#lib/core/format';
import { describe, expect, it } from 'vitest';
import { TEAM, answerLink, lead, submit, stackForFile, type OutboxMail } from './harness';
import { inDays, invitation } from './invitations';

const stack = stackForFile({ timeScale: 60 });
const run = Date.now().toString(36);
const WAIT_MS = 60_000;

describe('a booked meeting: invited, moved on a no-show, cancelled on the next', () => {
  const id = `meet-${run}`;
  const company = `Meeting Co ${run}`;
  const is = (m: OutboxMail) => m.subject.includes(`(${company})`);
  const outcomeRequests = (m: OutboxMail) => is(m) && m.subject.startsWith('Meeting outcome for');

  it('sends the rep and the Inside Sales owner the invitation, updates it on a reschedule and cancels it', async () => {
    const server = stack();
    expect((await server.postLead(lead(id, company))).status).toBe(201);
    const call = await server.mail('qualification call', (m) => is(m) && m.subject.startsWith('Qualification call'), WAIT_MS);
    const insideSales = call.to[0] ?? '';
    expect(TEAM.insideSales).toContain(insideSales);
    const firstDate = inDays(3);
    const booked = await submit(answerLink(call, 'book-meeting'), { answer: 'book-meeting', meetingDate: firstDate, meetingTime: '14:00', meetingTimeZone: 'Europe/Berlin' });
    expect(booked.status).toBe(200);

    // The rep: the meeting-outcome request, the invitation attached, linking to this request.
    const request = await server.nthMail('meeting-outcome request', outcomeRequests, 1, WAIT_MS);
    const rep = request.to[0] ?? '';
    expect(TEAM.fieldSales).toContain(rep);
    const invite = invitation(request, 'text/calendar; method=REQUEST; charset=UTF-8');
    expect(invite.method).toBe('REQUEST');
    expect(invite.sequence).toBe(0);
    expect(invite.start.zone?.tzid).toBe('Europe/Berlin');
    expect(invite.start.toString()).toBe(`${firstDate}T14:00:00`);
    expect(invite.end.toString()).toBe(`${firstDate}T15:00:00`);
    expect(invite.end.toUnixTime() - invite.start.toUnixTime()).toBe(3600);
    expect(invite.organizer).toBe('mailto:pipeline@example.com');
    expect(invite.attendees).toEqual([`mailto:${rep}`, `mailto:${insideSales}`]);
    expect(invite.url).toBeDefined();
    expect(request.links).toContain(`${invite.url ?? ''}?answer=no-show`);
    expect(request.text).toContain('The meeting is on');
    // Due five days (meetingOutcomeSlaSeconds) after the meeting's end: 15:00 in Berlin is 14:00 UTC in December.
    const due = new Date(Date.parse(`${firstDate}T14:00:00.000Z`) + 5 * 86_400_000);
    expect(request.text).toContain(`Please answer by ${formatDateTime(due, 'UTC')}`);
    // The link in the invitation opens this request's form.
    expect((await fetch(invite.url ?? '')).status).toBe(200);

    // The Inside Sales owner: an email of their own with the same invitation, its own link to the same request.
    const ownerMail = await server.mail('invitation to Inside Sales', (m) => is(m) && m.subject.startsWith('Meeting booked:') && m.to.includes(insideSales), WAIT_MS);
    const ownerInvite = invitation(ownerMail, 'text/calendar; method=REQUEST; charset=UTF-8');
    expect(ownerInvite).toMatchObject({ method: 'REQUEST', uid: invite.uid, sequence: 0, organizer: invite.organizer, attendees: invite.attendees });
    expect(ownerInvite.url).not.toBe(invite.url);
    expect((await fetch(ownerInvite.url ?? '')).status).toBe(200);

    // A no-show with a new time: the invitation moves (same UID, SEQUENCE 1), to the rep and the owner.
    const movedDate = inDays(5);
    expect((await submit(answerLink(request, 'no-show'), { answer: 'no-show', meetingDate: movedDate, meetingTime: '10:30', meetingTimeZone: 'America/New_York' })).status).toBe(200);
    const second = await server.nthMail('rescheduled meeting-outcome request', outcomeRequests, 2, WAIT_MS);
    const moved = invitation(second, 'text/calendar; method=REQUEST; charset=UTF-8');
    expect(moved).toMatchObject({ method: 'REQUEST', uid: invite.uid, sequence: 1 });
    expect(moved.start.zone?.tzid).toBe('America/New_York');
    expect(moved.start.toString()).toBe(`${movedDate}T10:30:00`);
    const ownerMoved = await server.mail('moved invitation to Inside Sales', (m) => is(m) && m.subject.startsWith('Meeting moved:'), WAIT_MS);
    expect(invitation(ownerMoved, 'text/calendar; method=REQUEST; charset=UTF-8')).toMatchObject({ uid: invite.uid, sequence: 1 });

    // A no-show without a new time: the meeting is cancelled in both calendars (METHOD:CANCEL, SEQUENCE 2).
    expect((await submit(answerLink(second, 'no-show'), { answer: 'no-show' })).status).toBe(200);
    const cancelMail = await server.mail('cancellation', (m) => is(m) && m.subject.startsWith('Meeting cancelled:'), WAIT_MS);
    expect(cancelMail.to).toEqual([rep, insideSales]);
    const cancel = invitation(cancelMail, 'text/calendar; method=CANCEL; charset=UTF-8');
    expect(cancel).toMatchObject({ method: 'CANCEL', uid: invite.uid, sequence: 2, status: 'CANCELLED' });
    expect(cancel.start.toString()).toBe(`${movedDate}T10:30:00`);
    // The next request says no time is booked, and carries no invitation.
    const third = await server.nthMail('third meeting-outcome request', outcomeRequests, 3, WAIT_MS);
    expect(third.attachments ?? []).toEqual([]);
    expect(third.text).toContain('No time was booked yet');

    // The console's outbox shows the HTML part and the attachment.
    const page = await (await fetch(`${server.appUrl}/outbox`)).text();
    expect(page).toContain('Attachment: meeting-cancelled.ics (text/calendar; method=CANCEL; charset=UTF-8)');
    expect(page).toContain('<summary class="small">HTML part</summary><pre class="mail">&lt;!doctype html&gt;');
  }, 240_000);
});
