/**
 * The booked meeting (functions/lib/meetings/booking.ts): its time from an
 * answer, the next meeting after a reschedule, which meeting a leaving lead
 * cancels, and record-outcome's cancellation email (SES mocked).
 */
import { SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';
import { DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import ICAL from 'ical.js';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { lambdaContext, profileItem, useTestRoster } from './support/lambda-fixtures';

process.env.TABLE_NAME = 'test-table';
process.env.MAIL_FROM = 'The pipeline <pipeline@example.com>';

await useTestRoster();
const ddbMock = mockClient(DynamoDBDocumentClient);
const sesMock = mockClient(SESv2Client);
const { bookingIn, meetingToCancel, nextMeeting } = await import('#lib/meetings/booking');
const { handler: recordOutcome } = await import('../../functions/record-outcome');

const NOW = new Date('2026-03-05T10:00:00.000Z');
const MEETING = { start: '2026-03-10T13:00:00.000Z', end: '2026-03-10T14:00:00.000Z', timeZone: 'Europe/Berlin', sequence: 1 };
const OWNERS = { 'inside-sales': 'isr1@example.com', 'field-sales': 'ae1@example.com' };

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(NOW);
});
afterEach(() => {
  ddbMock.reset();
  sesMock.reset();
  vi.useRealTimers();
});

describe('the booked meeting', () => {
  it('reads the date, time and zone an answer gave (UTC when the zone is unknown), and nothing without both date and time', () => {
    expect(bookingIn({ details: { meetingDate: '2026-03-10', meetingTime: '14:00', meetingTimeZone: 'Europe/Berlin' } })).toEqual({ start: new Date('2026-03-10T13:00:00.000Z'), timeZone: 'Europe/Berlin' });
    expect(bookingIn({ details: { meetingDate: '2026-03-10', meetingTime: '14:00', meetingTimeZone: 'Mars/Olympus' } })).toEqual({ start: new Date('2026-03-10T14:00:00.000Z'), timeZone: 'UTC' });
    expect(bookingIn({ details: { meetingDate: '2026-03-10' } })).toBeUndefined();
    expect(bookingIn(undefined)).toBeUndefined();
  });

  it('a reschedule with a time moves it (its sequence); without one it cancels the booked meeting, once', () => {
    const moved = nextMeeting(MEETING, { start: new Date('2026-03-12T08:30:00.000Z'), timeZone: 'Europe/Berlin' }, 2);
    expect(moved).toEqual({ start: '2026-03-12T08:30:00.000Z', end: '2026-03-12T09:30:00.000Z', timeZone: 'Europe/Berlin', sequence: 2 });
    const cancelled = nextMeeting(MEETING, undefined, 2);
    expect(cancelled).toEqual({ ...MEETING, sequence: 2, cancelled: true });
    // A retry, or the next reschedule without a time: the cancelled meeting stays as it is.
    expect(nextMeeting(cancelled, undefined, 3)).toBe(cancelled);
    expect(nextMeeting(undefined, undefined, 0)).toBeUndefined();
  });

  it('a leaving lead cancels a no-show or a meeting still to come, never a held one (SEQUENCE one up)', () => {
    expect(meetingToCancel(MEETING, 'no-show', new Date('2026-03-11T00:00:00.000Z'))).toEqual({ ...MEETING, sequence: 2 });
    expect(meetingToCancel(MEETING, 'no-budget', new Date('2026-03-09T00:00:00.000Z'))).toEqual({ ...MEETING, sequence: 2 });
    expect(meetingToCancel(MEETING, 'no-budget', new Date('2026-03-11T00:00:00.000Z'))).toBeUndefined();
    expect(meetingToCancel({ ...MEETING, cancelled: true }, 'no-show', NOW)).toBeUndefined();
    expect(meetingToCancel(undefined, 'no-show', NOW)).toBeUndefined();
  });
});

describe('record-outcome cancels the meeting of a lead that leaves before it', () => {
  function given(fields: Record<string, unknown>): void {
    const item = profileItem('l1', { stage: 'meeting', owners: OWNERS, ...fields });
    ddbMock.on(GetCommand).resolves({ Item: item });
    ddbMock.on(PutCommand).resolves({});
    ddbMock.on(QueryCommand).resolves({ Items: [] });
    ddbMock.on(UpdateCommand).resolves({});
    ddbMock.on(UpdateCommand, { Key: { pk: 'LEAD#l1', sk: 'PROFILE' } }).resolves({ Attributes: { ...item, stage: 'lost' } });
    sesMock.on(SendEmailCommand).resolves({ MessageId: 'm' });
  }
  const sent = () => sesMock.commandCalls(SendEmailCommand).map((c) => c.args[0].input);

  it('a last no-show: the rep and the Inside Sales owner get METHOD:CANCEL (same UID, SEQUENCE up), then Marketing its email', async () => {
    given({ meeting: MEETING });
    await recordOutcome({ leadId: 'l1', outcome: 'lost', reason: 'no-show' }, lambdaContext());
    const [cancel, marketing] = sent();
    expect(cancel?.Destination?.ToAddresses).toEqual(['ae1@example.com', 'isr1@example.com']);
    expect(cancel?.Content?.Simple?.Body?.Text?.Data).toContain('is cancelled: the lead did not show up and goes back to Marketing');
    const [attachment] = cancel?.Content?.Simple?.Attachments ?? [];
    expect(attachment?.ContentType).toBe('text/calendar; method=CANCEL; charset=UTF-8');
    const calendar = new ICAL.Component(ICAL.parse(Buffer.from(attachment?.RawContent ?? new Uint8Array()).toString('utf8')));
    expect(calendar.getFirstPropertyValue('method')).toBe('CANCEL');
    const event = new ICAL.Event(calendar.getFirstSubcomponent('vevent') ?? undefined);
    expect(event.uid).toBe('meeting-l1@the-model-pipeline');
    expect(event.sequence).toBe(2);
    expect(event.organizer).toBe('mailto:pipeline@example.com');
    expect(event.attendees.map((a) => a.getFirstValue())).toEqual(['mailto:ae1@example.com', 'mailto:isr1@example.com']);
    expect(calendar.getFirstSubcomponent('vevent')?.getFirstPropertyValue('status')).toBe('CANCELLED');
    expect(marketing?.Content?.Simple?.Subject?.Data).toMatch(/^Lead lost: /);
  });

  it('a held meeting (no fit, reported after it) stays in the calendars: only Marketing is told', async () => {
    given({ meeting: { ...MEETING, start: '2026-03-01T13:00:00.000Z', end: '2026-03-01T14:00:00.000Z' } });
    await recordOutcome({ leadId: 'l1', outcome: 'lost', reason: 'no-budget' }, lambdaContext());
    expect(sent().map((m) => m.Content?.Simple?.Subject?.Data)).toEqual([expect.stringMatching(/^Lead lost: /)]);
  });
});
