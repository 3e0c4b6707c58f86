/**
 * The booked meeting (functions/lib/meetings/booking.ts): its time from an
 * answer, the next meeting after a reschedule, which meeting a leaving lead
 * cancels, and record-outcome's cancellation email (SES mocked): for a lost
 * lead, a lead returned to Marketing and a lead closed from its rescue
 * request, sent once across retries and recorded on the profile.
 */
import { SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';
import { DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import ICAL from 'ical.js';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { lambdaContext, patchValues, profileItem, useTestRoster } from './support/lambda-fixtures';

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

describe('a rescue that returns or closes the lead cancels a meeting still to come, once, and records it', () => {
  const PROFILE_KEY = { pk: 'LEAD#l1', sk: 'PROFILE' };
  /** The lead parked in `stage` with `meeting`; the profile writes answer with it (a stage change) or as patched. */
  function parked(stage: string, meeting: Record<string, unknown> | undefined): void {
    const item = profileItem('l1', { stage, owners: OWNERS, ...(meeting ? { meeting } : {}) });
    ddbMock.on(GetCommand).resolves({ Item: item });
    ddbMock.on(PutCommand).resolves({});
    ddbMock.on(QueryCommand).resolves({ Items: [] });
    ddbMock.on(UpdateCommand).resolves({});
    ddbMock.on(UpdateCommand, { Key: PROFILE_KEY }).resolves({ Attributes: item });
    sesMock.on(SendEmailCommand).resolves({ MessageId: 'm' });
  }
  const subjects = () => sesMock.commandCalls(SendEmailCommand).map((c) => c.args[0].input.Content?.Simple?.Subject?.Data);
  /** The profile updates: what each set (its patch fields) and whether it changed the stage. */
  const profileWrites = () =>
    ddbMock.commandCalls(UpdateCommand, { Key: PROFILE_KEY }).map((c) => ({ patch: patchValues(c.args[0].input), stageChange: String(c.args[0].input.UpdateExpression).includes('#stage = :to') }));
  const CANCELLED = { ...MEETING, sequence: 2, cancelled: true };

  it('closed by ops: the rep and the Inside Sales owner get the CANCEL; the meeting is recorded cancelled; no stage change, no email to Marketing', async () => {
    parked('needs-attention', MEETING);
    const result = await recordOutcome({ leadId: 'l1', outcome: 'closed', reason: 'closed-by-ops' }, lambdaContext());
    expect(result).toEqual({ stage: 'needs-attention' });
    const [cancel, ...others] = sesMock.commandCalls(SendEmailCommand).map((c) => c.args[0].input);
    expect(others).toEqual([]);
    expect(cancel?.Destination?.ToAddresses).toEqual(['ae1@example.com', 'isr1@example.com']);
    expect(cancel?.Content?.Simple?.Subject?.Data).toMatch(/^Meeting cancelled: Ada Lovelace \(Analytical Engines\)/);
    expect(cancel?.Content?.Simple?.Body?.Text?.Data).toContain('is cancelled: ops closed the lead.');
    const calendar = new ICAL.Component(ICAL.parse(Buffer.from(cancel?.Content?.Simple?.Attachments?.[0]?.RawContent ?? new Uint8Array()).toString('utf8')));
    expect(calendar.getFirstPropertyValue('method')).toBe('CANCEL');
    expect(new ICAL.Event(calendar.getFirstSubcomponent('vevent') ?? undefined)).toMatchObject({ uid: 'meeting-l1@the-model-pipeline', sequence: 2 });
    expect(profileWrites()).toEqual([{ patch: { meeting: CANCELLED }, stageChange: false }]);
  });

  it('closed by the team lead (a stalled lead): the CANCEL says so', async () => {
    parked('stalled', MEETING);
    expect(await recordOutcome({ leadId: 'l1', outcome: 'closed', reason: 'closed-by-team-lead' }, lambdaContext())).toEqual({ stage: 'stalled' });
    expect(subjects()).toEqual([expect.stringMatching(/^Meeting cancelled: /)]);
    expect(sesMock.commandCalls(SendEmailCommand)[0]?.args[0].input.Content?.Simple?.Body?.Text?.Data).toContain('is cancelled: the team lead closed the lead.');
    expect(profileWrites()).toEqual([{ patch: { meeting: CANCELLED }, stageChange: false }]);
  });

  it('closed by the team lead after the meeting was recorded cancelled (a retry): nothing is sent or written', async () => {
    parked('stalled', CANCELLED);
    expect(await recordOutcome({ leadId: 'l1', outcome: 'closed', reason: 'closed-by-team-lead' }, lambdaContext())).toEqual({ stage: 'stalled' });
    expect(subjects()).toEqual([]);
    expect(profileWrites()).toEqual([]);
  });

  it('a retry after the CANCEL went out but before it was recorded: SES is not called again, the record is written', async () => {
    parked('needs-attention', MEETING);
    const marker = { pk: 'MAIL#meeting#l1#2#cancel', sk: 'MAIL' };
    ddbMock.on(PutCommand, { Item: marker }).rejects(Object.assign(new Error('taken'), { name: 'ConditionalCheckFailedException' }));
    ddbMock.on(UpdateCommand, { Key: marker }).rejects(Object.assign(new Error('not stale'), { name: 'ConditionalCheckFailedException' }));
    ddbMock.on(GetCommand, { Key: marker }).resolves({ Item: { ...marker, status: 'sent' } });
    await recordOutcome({ leadId: 'l1', outcome: 'closed', reason: 'closed-by-ops' }, lambdaContext());
    expect(subjects()).toEqual([]);
    expect(profileWrites()).toEqual([{ patch: { meeting: CANCELLED }, stageChange: false }]);
  });

  it('a lead erased between the CANCEL and its record: the CANCEL stands, nothing fails', async () => {
    parked('needs-attention', MEETING);
    ddbMock.on(UpdateCommand, { Key: PROFILE_KEY }).rejects(Object.assign(new Error('gone'), { name: 'ConditionalCheckFailedException' }));
    expect(await recordOutcome({ leadId: 'l1', outcome: 'closed', reason: 'closed-by-ops' }, lambdaContext())).toEqual({ stage: 'needs-attention' });
    expect(subjects()).toEqual([expect.stringMatching(/^Meeting cancelled: /)]);
  });

  it('closed with the meeting held already, or for an unknown lead: nothing to cancel', async () => {
    parked('stalled', { ...MEETING, start: '2026-03-01T13:00:00.000Z', end: '2026-03-01T14:00:00.000Z' });
    expect(await recordOutcome({ leadId: 'l1', outcome: 'closed', reason: 'closed-by-team-lead' }, lambdaContext())).toEqual({ stage: 'stalled' });
    ddbMock.on(GetCommand).resolves({});
    expect(await recordOutcome({ leadId: 'l1', outcome: 'closed', reason: 'closed-by-ops' }, lambdaContext())).toEqual({});
    expect(subjects()).toEqual([]);
    expect(profileWrites()).toEqual([]);
  });

  it('returned to Marketing by ops: the CANCEL, the meeting recorded cancelled, then Marketing its email', async () => {
    parked('needs-attention', MEETING);
    ddbMock.on(UpdateCommand, { Key: PROFILE_KEY }).resolves({ Attributes: profileItem('l1', { stage: 'needs-attention', owners: OWNERS, meeting: MEETING }) });
    await recordOutcome({ leadId: 'l1', outcome: 'nurture', reason: 'returned-by-ops' }, lambdaContext());
    expect(subjects()).toEqual([expect.stringMatching(/^Meeting cancelled: /), expect.stringMatching(/^Lead returned to nurture: /)]);
    expect(sesMock.commandCalls(SendEmailCommand)[0]?.args[0].input.Content?.Simple?.Body?.Text?.Data).toContain('is cancelled: the lead went back to Marketing.');
    expect(profileWrites()).toEqual([
      { patch: {}, stageChange: true },
      { patch: { meeting: CANCELLED }, stageChange: false },
    ]);
  });
});
