/**
 * The calendar invitation of a booked meeting (RFC 5545 iCalendar, RFC 5546
 * iTIP): `METHOD:REQUEST` invites (and, with the same UID and a higher
 * SEQUENCE, reschedules); `METHOD:CANCEL` cancels (a no-show or a lost
 * lead). The start is given in the zone it was booked in, with a VTIMEZONE
 * holding that zone's offset at the meeting, so mail clients offer "add to
 * calendar" at the right time. Not yet attached to an email (issue 15).
 */

export interface MeetingInvite {
  method: 'REQUEST' | 'CANCEL';
  /** Stable for one meeting across reschedules (meetingUid). */
  uid: string;
  /** 0 for the first invitation; raised by each update or cancellation. */
  sequence: number;
  start: Date;
  durationMinutes: number;
  /** IANA zone the meeting was booked in. */
  timeZone: string;
  summary: string;
  description: string;
  /** The meeting-outcome request's link. */
  url?: string;
  organizer: string;
  attendees: readonly string[];
  /** DTSTAMP. */
  now: Date;
}

/** The UID of a lead's meeting: one per lead, so a reschedule updates the same calendar entry. */
export function meetingUid(leadId: string): string {
  return `meeting-${leadId.replace(/[^A-Za-z0-9._-]/g, '_')}@the-model-pipeline`;
}

/** TEXT value escaping (RFC 5545 3.3.11). */
function text(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/;/g, '\\;').replace(/,/g, '\\,').replace(/\r?\n/g, '\\n').replace(/[\u0000-\u0008\u000b-\u001f\u007f]/g, '');
}

/** Folds a content line at 75 octets (RFC 5545 3.1), never inside a UTF-8 sequence. */
function fold(line: string): string {
  const out: string[] = [];
  let current = '';
  let bytes = 0;
  for (const ch of line) {
    const size = Buffer.byteLength(ch, 'utf8');
    if (bytes + size > (out.length === 0 ? 75 : 74)) {
      out.push(current);
      current = '';
      bytes = 0;
    }
    current += ch;
    bytes += size;
  }
  out.push(current);
  return out.join('\r\n ');
}

const utc = (d: Date): string => d.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');

/** Wall-clock parts of `instant` in `timeZone` as YYYYMMDDTHHMMSS, and the zone's offset then (+HHMM). */
function local(instant: Date, timeZone: string): { stamp: string; offset: string } {
  const parts = new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' }).formatToParts(instant);
  const get = (type: string): string => parts.find((p) => p.type === type)?.value ?? '00';
  const stamp = `${get('year')}${get('month')}${get('day')}T${get('hour')}${get('minute')}${get('second')}`;
  const wall = Date.UTC(Number(get('year')), Number(get('month')) - 1, Number(get('day')), Number(get('hour')), Number(get('minute')), Number(get('second')));
  const minutes = Math.round((wall - instant.getTime()) / 60_000);
  const abs = Math.abs(minutes);
  const offset = `${minutes < 0 ? '-' : '+'}${String(Math.floor(abs / 60)).padStart(2, '0')}${String(abs % 60).padStart(2, '0')}`;
  return { stamp, offset };
}

const mailto = (address: string): string => `mailto:${address.replace(/[\r\n;:,"]/g, '')}`;

/** The .ics text (CRLF line endings, folded lines). */
export function meetingIcs(invite: MeetingInvite): string {
  const end = new Date(invite.start.getTime() + invite.durationMinutes * 60_000);
  const tz = invite.timeZone.replace(/[^A-Za-z0-9/_+-]/g, '');
  const start = local(invite.start, tz);
  const finish = local(end, tz);
  const description = invite.url ? `${invite.description}\n\nAfter the meeting, tell us how it went: ${invite.url}` : invite.description;
  const lines = [
    'BEGIN:VCALENDAR',
    'VERSION:2.0',
    'PRODID:-//The Model pipeline//Meetings//EN',
    'CALSCALE:GREGORIAN',
    `METHOD:${invite.method}`,
    'BEGIN:VTIMEZONE',
    `TZID:${tz}`,
    'BEGIN:STANDARD',
    'DTSTART:19700101T000000',
    `TZOFFSETFROM:${start.offset}`,
    `TZOFFSETTO:${start.offset}`,
    'END:STANDARD',
    'END:VTIMEZONE',
    'BEGIN:VEVENT',
    `UID:${invite.uid}`,
    `SEQUENCE:${invite.sequence}`,
    `DTSTAMP:${utc(invite.now)}`,
    `DTSTART;TZID=${tz}:${start.stamp}`,
    // The end in the same zone (its offset may differ across a change of daylight saving; rare for a meeting).
    start.offset === finish.offset ? `DTEND;TZID=${tz}:${finish.stamp}` : `DTEND:${utc(end)}`,
    `SUMMARY:${text(invite.summary)}`,
    `DESCRIPTION:${text(description)}`,
    ...(invite.url ? [`URL:${invite.url}`] : []),
    `ORGANIZER:${mailto(invite.organizer)}`,
    ...invite.attendees.map((a) => `ATTENDEE;ROLE=REQ-PARTICIPANT;PARTSTAT=NEEDS-ACTION;RSVP=TRUE:${mailto(a)}`),
    `STATUS:${invite.method === 'CANCEL' ? 'CANCELLED' : 'CONFIRMED'}`,
    'END:VEVENT',
    'END:VCALENDAR',
  ];
  return `${lines.map(fold).join('\r\n')}\r\n`;
}
