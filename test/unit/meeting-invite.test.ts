import ICAL from 'ical.js';
import { describe, expect, it } from 'vitest';
import { zonedTime } from '#lib/core/format';
import { meetingIcs, meetingUid, type MeetingInvite } from '#lib/meetings/invite';

const base: MeetingInvite = {
  method: 'REQUEST',
  uid: meetingUid('lead-1'),
  sequence: 0,
  start: zonedTime('2026-12-10', '14:00', 'Europe/Berlin'),
  durationMinutes: 45,
  timeZone: 'Europe/Berlin',
  summary: 'Meeting: Ada Lovelace, Acme; Ltd',
  description: 'Hand-off from Inside Sales.\nBudget: Approved',
  url: 'https://api.example.com/feedback/abc?answer=held-proceed',
  organizer: 'sdr1@example.com',
  attendees: ['ae1@example.com', 'sdr1@example.com'],
  now: new Date('2026-12-07T01:00:00.000Z'),
};

function parse(ics: string) {
  const calendar = new ICAL.Component(ICAL.parse(ics));
  const vevent = calendar.getFirstSubcomponent('vevent');
  if (vevent === null) throw new Error('no VEVENT');
  const vtimezone = calendar.getFirstSubcomponent('vtimezone');
  if (vtimezone !== null) ICAL.TimezoneService.register(new ICAL.Timezone(vtimezone));
  return { calendar, vevent, event: new ICAL.Event(vevent) };
}

describe('the meeting invitation (.ics), read back by ical.js', () => {
  it('REQUEST: start, end and zone, organizer, attendees, the outcome link', () => {
    const ics = meetingIcs(base);
    expect(ics).toMatch(/\r\n$/);
    for (const line of ics.split('\r\n')) expect(Buffer.byteLength(line, 'utf8')).toBeLessThanOrEqual(75);
    const { calendar, vevent, event } = parse(ics);
    expect(calendar.getFirstPropertyValue('method')).toBe('REQUEST');
    expect(event.uid).toBe('meeting-lead-1@the-model-pipeline');
    expect(event.sequence).toBe(0);
    expect(vevent.getFirstProperty('dtstart')?.getParameter('tzid')).toBe('Europe/Berlin');
    expect(event.startDate.zone?.tzid).toBe('Europe/Berlin');
    expect(event.startDate.toJSDate().toISOString()).toBe('2026-12-10T13:00:00.000Z');
    expect(event.endDate.toJSDate().toISOString()).toBe('2026-12-10T13:45:00.000Z');
    expect(event.summary).toBe('Meeting: Ada Lovelace, Acme; Ltd');
    expect(event.organizer).toBe('mailto:sdr1@example.com');
    expect(event.attendees.map((a) => a.getFirstValue())).toEqual(['mailto:ae1@example.com', 'mailto:sdr1@example.com']);
    expect(event.description).toContain('https://api.example.com/feedback/abc?answer=held-proceed');
    expect(vevent.getFirstPropertyValue('url')).toBe('https://api.example.com/feedback/abc?answer=held-proceed');
  });

  it('a reschedule keeps the UID and raises SEQUENCE; a no-show cancels', () => {
    const moved = parse(meetingIcs({ ...base, sequence: 1, start: zonedTime('2026-12-11', '09:30', 'Europe/Berlin') })).event;
    expect(moved.uid).toBe(meetingUid('lead-1'));
    expect(moved.sequence).toBe(1);
    expect(moved.startDate.toJSDate().toISOString()).toBe('2026-12-11T08:30:00.000Z');
    const cancelled = parse(meetingIcs({ ...base, method: 'CANCEL', sequence: 2 }));
    expect(cancelled.calendar.getFirstPropertyValue('method')).toBe('CANCEL');
    expect(cancelled.vevent.getFirstPropertyValue('status')).toBe('CANCELLED');
    expect(cancelled.event.uid).toBe(meetingUid('lead-1'));
    expect(cancelled.event.sequence).toBe(2);
  });
});
