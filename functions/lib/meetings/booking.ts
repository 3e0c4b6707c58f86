/**
 * A lead's meeting with Field Sales and the calendar invitations about it.
 *
 * When: the date, time and zone Inside Sales booked on the qualification
 * call, or the new time Field Sales gave with a no-show (both stored as the
 * answer's details, read back from DynamoDB). "Schedule meeting" keeps the
 * result on the profile (`meeting`, a BookedMeeting) and hands the state
 * machine only its end (epoch ms, a number: the meeting-outcome deadline
 * counts from it).
 *
 * The invitation (./invite.ts, RFC 5545/5546) has one UID per lead; its
 * SEQUENCE is the scheduling's number (`reschedules`: 0 for the first
 * booking, 1 for the first reschedule, ...), so a reschedule's REQUEST updates
 * the same calendar entry and a retried step sends the same one again
 * (each email is idempotent on lead, sequence and method). Who gets it: the
 * Field Sales rep (attached to the meeting-outcome request, feedback/requests.ts)
 * and the Inside Sales owner (an email of its own); the organizer is the
 * pipeline's sender address. A CANCEL (SEQUENCE one above the last REQUEST, or
 * the reschedule's number) goes to both when a no-show is rescheduled without
 * a new time, and when the lead leaves the pipeline (nurture, lost,
 * disqualified, or closed from a rescue request) after a no-show or before
 * its meeting started; the profile then keeps the meeting as cancelled.
 */
import { senderAddress, setting } from '#lib/aws/settings';
import type { FeedbackStep } from '#lib/core/contracts';
import { NotFound } from '#lib/core/errors';
import { formatDateTime, isTimeZone, zonedTime } from '#lib/core/format';
import { latestFeedback, type Learned } from '#lib/leads/handoff';
import { recordMeeting } from '#lib/leads/profile';
import type { BookedMeeting, LeadProfile } from '#lib/leads/records';
import { type RenderedEmail, leadSummary, renderEmail } from '#lib/mail/layout';
import { type MailAttachment, sendEmail } from '#lib/mail/mailer';
import { meetingIcs, meetingUid } from './invite';

export type { BookedMeeting };

/** How long a booked meeting lasts (the form asks for its start only). */
export const MEETING_MINUTES = 60;

/** The meeting an answer booked (its date, time and zone details), or undefined when it gave no time. */
export function bookingIn(learned: Pick<Learned, 'details'> | undefined): { start: Date; timeZone: string } | undefined {
  const d = learned?.details ?? {};
  const date = d['meetingDate'];
  const time = d['meetingTime'];
  if (typeof date !== 'string' || typeof time !== 'string') return undefined;
  const timeZone = typeof d['meetingTimeZone'] === 'string' && isTimeZone(d['meetingTimeZone']) ? d['meetingTimeZone'] : 'UTC';
  const start = zonedTime(date, time, timeZone);
  return Number.isNaN(start.getTime()) ? undefined : { start, timeZone };
}

/** The step whose answer books scheduling number `reschedules`: the qualification call, then each no-show. */
export function bookingStep(reschedules: number): FeedbackStep {
  return reschedules > 0 ? 'meeting-outcome' : 'qualification-call';
}

/** The booking read back for scheduling number `reschedules` (a Query on the lead's partition). */
export async function readBooking(leadId: string, reschedules: number): Promise<{ start: Date; timeZone: string } | undefined> {
  return bookingIn(await latestFeedback(leadId, bookingStep(reschedules)));
}

/**
 * The meeting after scheduling number `sequence`: the new booking; or, with
 * no time given, the previous meeting cancelled at this sequence (a no-show
 * rescheduled without a time); or none. Pure: a retried step gets the same.
 */
export function nextMeeting(previous: BookedMeeting | undefined, booking: { start: Date; timeZone: string } | undefined, sequence: number): BookedMeeting | undefined {
  if (booking) {
    const end = new Date(booking.start.getTime() + MEETING_MINUTES * 60_000);
    return { start: booking.start.toISOString(), end: end.toISOString(), timeZone: booking.timeZone, sequence };
  }
  if (previous === undefined || previous.cancelled === true) return previous;
  return { ...previous, sequence, cancelled: true };
}

/** "Thu, 10 Dec 2026, 14:00 CET (Europe/Berlin)". */
export function meetingWhen(meeting: Pick<BookedMeeting, 'start' | 'timeZone'>): string {
  return `${formatDateTime(meeting.start, meeting.timeZone)}${meeting.timeZone === 'UTC' ? '' : ` (${meeting.timeZone})`}`;
}

/** Is the meeting on (booked, not cancelled)? */
export function isBooked(meeting: BookedMeeting | undefined): meeting is BookedMeeting {
  return meeting !== undefined && meeting.cancelled !== true;
}

let organizer: string | undefined;
/** The invitations' ORGANIZER: the pipeline's sender address (it sends the updates). */
function organizerAddress(): string {
  organizer ??= senderAddress(setting('mailFrom'));
  return organizer;
}

/** Who attends: the Field Sales rep and the Inside Sales owner (those the lead has). */
function attendees(lead: LeadProfile): string[] {
  return [lead.owners['field-sales'], lead.owners['inside-sales']].filter((a): a is string => a !== undefined && a !== '');
}

function description(lead: LeadProfile): string {
  const contact = [lead.email, lead.phone].filter((v) => v !== undefined && v !== '').join(', ');
  return [
    `Meeting with ${lead.name}${lead.title ? `, ${lead.title}` : ''}, at ${lead.company}.`,
    ...(contact ? [`Contact: ${contact}.`] : []),
    `Field Sales: ${lead.owners['field-sales'] ?? 'not assigned yet'}. Inside Sales: ${lead.owners['inside-sales'] ?? 'none'}.`,
  ].join('\n');
}

/**
 * The .ics of a lead's meeting as an attachment: METHOD:REQUEST (with the
 * meeting-outcome link, when given) or METHOD:CANCEL.
 */
export function invitationAttachment(lead: LeadProfile, meeting: BookedMeeting, options: { method: 'REQUEST' | 'CANCEL'; outcomeUrl?: string; now: Date }): MailAttachment {
  const content = meetingIcs({
    method: options.method,
    uid: meetingUid(lead.leadId),
    sequence: meeting.sequence,
    start: new Date(meeting.start),
    durationMinutes: Math.max(1, Math.round((Date.parse(meeting.end) - Date.parse(meeting.start)) / 60_000)),
    timeZone: meeting.timeZone,
    summary: `Meeting: ${lead.name} (${lead.company})`,
    description: description(lead),
    ...(options.outcomeUrl ? { url: options.outcomeUrl } : {}),
    organizer: organizerAddress(),
    attendees: attendees(lead),
    now: options.now,
  });
  return {
    fileName: options.method === 'CANCEL' ? 'meeting-cancelled.ics' : 'meeting.ics',
    contentType: `text/calendar; method=${options.method}; charset=UTF-8`,
    content,
  };
}

/** The Inside Sales owner's invitation email (the rep's rides on the meeting-outcome request). */
export function invitationEmail(lead: LeadProfile, meeting: BookedMeeting): RenderedEmail {
  const rep = lead.owners['field-sales'] ?? 'Field Sales';
  const update = meeting.sequence > 0;
  return renderEmail({
    subject: `${update ? 'Meeting moved' : 'Meeting booked'}: ${lead.name} (${lead.company}), ${meetingWhen(meeting)}`,
    heading: update ? 'The meeting has a new time' : 'Meeting booked with Field Sales',
    paragraphs: [
      `${rep} (Field Sales) meets ${lead.name} at ${lead.company} on ${meetingWhen(meeting)}.`,
      update ? 'The lead missed the last meeting; this invitation updates it in your calendar.' : 'You booked it on the qualification call: the invitation is attached, so your calendar can add it.',
      'After the meeting Field Sales reports how it went (the invitation links to that form) and rates your hand-off.',
    ],
    summary: leadSummary(lead),
    footer: 'Sent by The Model pipeline when a meeting is booked, moved or cancelled.',
  });
}

/** The cancellation email to the rep and the Inside Sales owner. */
export function cancellationEmail(lead: LeadProfile, meeting: BookedMeeting, why: string): RenderedEmail {
  return renderEmail({
    subject: `Meeting cancelled: ${lead.name} (${lead.company}), ${meetingWhen(meeting)}`,
    heading: 'Meeting cancelled',
    paragraphs: [`The meeting with ${lead.name} at ${lead.company} on ${meetingWhen(meeting)} is cancelled: ${why}.`, 'The attached cancellation removes it from your calendar.'],
    summary: leadSummary(lead),
    footer: 'Sent by The Model pipeline when a meeting is booked, moved or cancelled.',
  });
}

/** Sends the Inside Sales owner the meeting's invitation (REQUEST), once per lead and sequence. */
export async function inviteInsideSales(lead: LeadProfile, meeting: BookedMeeting, options: { outcomeUrl?: string; key: string; now: Date }): Promise<void> {
  const owner = lead.owners['inside-sales'];
  if (!owner) return;
  await sendEmail(
    {
      to: owner,
      ...invitationEmail(lead, meeting),
      attachments: [invitationAttachment(lead, meeting, { method: 'REQUEST', ...(options.outcomeUrl ? { outcomeUrl: options.outcomeUrl } : {}), now: options.now })],
      idempotencyKey: options.key,
    },
    options.now,
  );
}

/**
 * The cancellation a lead leaving the pipeline (nurture, disqualified, lost)
 * needs: its booked meeting when the rep reported a no-show (the last one, no
 * reschedule left) or when the meeting has not started (a rescue returned the
 * lead, a no-fit reported before the date). A meeting that was held stays in
 * the calendars. `now` is the wall clock: the meeting is in people's calendars,
 * in real time. SEQUENCE one above the invitation's.
 */
export function meetingToCancel(meeting: BookedMeeting | undefined, reason: string, now: Date): BookedMeeting | undefined {
  if (!isBooked(meeting)) return undefined;
  if (reason !== 'no-show' && Date.parse(meeting.start) <= now.getTime()) return undefined;
  return { ...meeting, sequence: meeting.sequence + 1 };
}

/** Sends the rep and the Inside Sales owner the cancellation (CANCEL), once per lead and sequence. */
export async function sendCancellation(lead: LeadProfile, meeting: BookedMeeting, why: string, now: Date): Promise<void> {
  const to = attendees(lead);
  if (to.length === 0) return;
  await sendEmail(
    {
      to,
      ...cancellationEmail(lead, meeting, why),
      attachments: [invitationAttachment(lead, meeting, { method: 'CANCEL', now })],
      idempotencyKey: `meeting#${lead.leadId}#${meeting.sequence}#cancel`,
    },
    now,
  );
}

/**
 * A lead leaving the pipeline (record-outcome: nurture, disqualified, lost,
 * or closed from a rescue request) cancels its booked meeting when
 * `meetingToCancel` says so: the CANCEL to the rep and the Inside Sales
 * owner, then the meeting recorded as cancelled on the profile. Exactly once
 * across retries: a retry before the record sends under the same key (no
 * second email); after it, the meeting is no longer booked. Returns the
 * cancelled meeting, or undefined when there was nothing to cancel.
 */
export async function cancelMeeting(lead: LeadProfile, reason: string, why: string, now: Date): Promise<BookedMeeting | undefined> {
  const cancel = meetingToCancel(lead.meeting, reason, now);
  if (cancel === undefined) return undefined;
  await sendCancellation(lead, cancel, why, now);
  const cancelled: BookedMeeting = { ...cancel, cancelled: true };
  await recordMeeting(lead.leadId, cancelled, now).catch((error: unknown) => {
    if (!(error instanceof NotFound)) throw error; // erased meanwhile: no profile to keep it on
  });
  return cancelled;
}
