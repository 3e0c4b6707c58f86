/**
 * Calendar invitations as the local SES received them (an email's .ics
 * attachment from /local/outbox), parsed by ical.js: for the meetings tests.
 */
import ICAL from 'ical.js';
import { expect } from 'vitest';
import type { OutboxMail } from './harness';

/** YYYY-MM-DD `days` from today (UTC). */
export const inDays = (days: number): string => new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);

export interface Invitation {
  method: string;
  uid: string;
  sequence: number;
  start: ICAL.Time;
  end: ICAL.Time;
  organizer: string;
  attendees: string[];
  url: string | undefined;
  status: string;
}

/** The mail's one .ics attachment, parsed by ical.js (its VTIMEZONE registered, so times read in their zone). */
export function invitation(mail: OutboxMail, contentType: string): Invitation {
  const attachments = mail.attachments ?? [];
  expect(attachments.map((a) => [a.fileName.endsWith('.ics'), a.contentType])).toEqual([[true, contentType]]);
  const calendar = new ICAL.Component(ICAL.parse(attachments[0]?.content ?? ''));
  const zone = calendar.getFirstSubcomponent('vtimezone');
  if (zone !== null) ICAL.TimezoneService.register(new ICAL.Timezone(zone));
  const vevent = calendar.getFirstSubcomponent('vevent');
  if (vevent === null) throw new Error(`no VEVENT in ${mail.subject}`);
  const event = new ICAL.Event(vevent);
  return {
    method: String(calendar.getFirstPropertyValue('method')),
    uid: event.uid,
    sequence: event.sequence,
    start: event.startDate,
    end: event.endDate,
    organizer: event.organizer,
    attendees: event.attendees.map((a) => String(a.getFirstValue())),
    url: vevent.getFirstPropertyValue('url')?.toString(),
    status: String(vevent.getFirstPropertyValue('status')),
  };
}
