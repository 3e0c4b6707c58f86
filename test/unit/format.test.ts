import { describe, expect, it } from 'vitest';
import { formatDateTime, formatDeadline, formatMoney, fromNow, humanizeCode } from '#lib/core/format';
import { companySizeLabel, labelOf, TIMELINE_LABELS } from '#lib/leads/labels';
import { leadSummary } from '#lib/mail/layout';

describe('values as people read them (core/format.ts, leads/labels.ts)', () => {
  const now = new Date('2026-12-07T01:00:00.000Z');

  it('dates in the reader\'s time zone, UTC when unknown, with how far away they are', () => {
    expect(formatDateTime('2026-12-07T05:00:00.000Z')).toBe('Mon, 7 Dec 2026, 05:00 UTC');
    expect(formatDateTime('2026-12-07T05:00:00.000Z', 'Europe/Berlin')).toBe('Mon, 7 Dec 2026, 06:00 CET');
    expect(formatDateTime('2026-12-07T05:00:00.000Z', 'Not/AZone')).toBe('Mon, 7 Dec 2026, 05:00 UTC');
    expect(fromNow('2026-12-07T05:00:00.000Z', now)).toBe('in 4 hours');
    expect(fromNow('2026-12-04T01:00:00.000Z', now)).toBe('3 days ago');
    expect(formatDeadline('2026-12-07T01:20:00.000Z', undefined, now)).toBe('Mon, 7 Dec 2026, 01:20 UTC (in 20 minutes)');
  });

  it('money with its currency', () => {
    expect(formatMoney(48000, 'EUR')).toBe('€48,000.00');
    expect(formatMoney(1234.5, 'USD')).toBe('US$1,234.50');
    expect(formatMoney(48000, 'JPY')).toBe('JP¥48,000');
    expect(formatMoney(48000, undefined)).toBe('48,000');
  });

  it('codes as words: the lead summary shows no raw code, and links email and phone', () => {
    expect(labelOf(TIMELINE_LABELS, '1-3-months')).toBe('In 1 to 3 months');
    expect(humanizeCode('software')).toBe('Software');
    expect(companySizeLabel('201-1000')).toBe('201 to 1,000 employees');
    expect(companySizeLabel('5001+')).toBe('Over 5,000 employees');
    const rows = leadSummary({ leadId: 'l1', name: 'Ada', company: 'Acme', email: 'ada@acme.example', phone: '+44 20 7946 0958', budget: 'approved', timeline: '1-3-months', industry: 'software', stage: 'qualifying', source: 'demo-request' });
    const by = (label: string) => rows.find((r) => r.label === label);
    expect(by('Budget')?.value).toBe('Approved');
    expect(by('Timeline')?.value).toBe('In 1 to 3 months');
    expect(by('Industry')?.value).toBe('Software');
    expect(by('Source')?.value).toBe('Demo request');
    expect(by('Stage')?.value).toBe('Waiting for the qualification call');
    expect(by('Email')?.href).toBe('mailto:ada@acme.example');
    expect(by('Phone')?.href).toBe('tel:+442079460958');
  });
});

describe('booking a meeting: date, time and time zone (issue 15)', async () => {
  const { parseFeedbackForm } = await import('#lib/feedback/steps');
  const { meetingTime } = await import('#lib/feedback/briefs');
  const { zonedTime } = await import('#lib/core/format');
  const meta = { answeredAt: '2026-12-07T01:00:00.000Z', answeredBy: 'owner' as const };

  it('turns a wall-clock time in a zone into the instant, across daylight saving', () => {
    expect(zonedTime('2026-12-10', '14:00', 'Europe/Berlin').toISOString()).toBe('2026-12-10T13:00:00.000Z');
    expect(zonedTime('2026-07-10', '14:00', 'Europe/Berlin').toISOString()).toBe('2026-07-10T12:00:00.000Z');
    expect(zonedTime('2026-12-10', '09:30', 'America/New_York').toISOString()).toBe('2026-12-10T14:30:00.000Z');
  });

  it('the qualification call records the booking; the Field Sales brief says when', () => {
    const answer = parseFeedbackForm('qualification-call', { answer: 'book-meeting', meetingDate: '2026-12-10', meetingTime: '14:00', meetingTimeZone: 'Europe/Berlin' }, meta);
    expect(answer.details).toMatchObject({ meetingDate: '2026-12-10', meetingTime: '14:00', meetingTimeZone: 'Europe/Berlin' });
    expect(meetingTime({ answer: 'book-meeting', details: answer.details as Record<string, string> })).toBe('Thu, 10 Dec 2026, 14:00 CET (Europe/Berlin)');
    expect(meetingTime({ answer: 'book-meeting', details: {} })).toBeUndefined();
  });

  it('refuses a date without its time, impossible dates and unknown zones, naming the field', () => {
    const field = (form: Record<string, string>): string | undefined => {
      try {
        parseFeedbackForm('qualification-call', { answer: 'book-meeting', ...form }, meta);
        return undefined;
      } catch (error) {
        return (error as { field?: string }).field;
      }
    };
    expect(field({ meetingDate: '2026-12-10' })).toBe('details.meetingTime');
    expect(field({ meetingTime: '14:00' })).toBe('details.meetingDate');
    expect(field({ meetingDate: '2026-02-30', meetingTime: '14:00' })).toBe('details.meetingDate');
    expect(field({ meetingDate: '2026-12-10', meetingTime: '25:00' })).toBe('details.meetingTime');
    expect(field({ meetingDate: '2026-12-10', meetingTime: '14:00', meetingTimeZone: 'Mars/Olympus' })).toBe('details.meetingTimeZone');
    expect(field({})).toBeUndefined(); // the time may be agreed later
    // At most 90 days ahead of the answer (its outcome is awaited until after the meeting).
    const ahead = (days: number) => new Date(Date.parse(meta.answeredAt) + days * 86_400_000).toISOString().slice(0, 10);
    expect(field({ meetingDate: ahead(89), meetingTime: '09:00', meetingTimeZone: 'UTC' })).toBeUndefined();
    expect(field({ meetingDate: ahead(91), meetingTime: '09:00', meetingTimeZone: 'UTC' })).toBe('details.meetingDate');
  });
});
