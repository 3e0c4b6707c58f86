import { SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';
import { DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { lambdaContext, patchValues, profileItem, useTestRoster } from './support/lambda-fixtures';

process.env.TABLE_NAME = 'test-table';
process.env.MAIL_FROM = 'pipeline@example.com';

const ddbMock = mockClient(DynamoDBDocumentClient);
await useTestRoster();
const sesMock = mockClient(SESv2Client);
const { handler } = await import('../../functions/schedule-meeting');

const callFeedback = {
  pk: 'LEAD#l1',
  sk: 'FEEDBACK#2026-03-02T10:00:00.000Z#qualification-call#marketing',
  leadId: 'l1',
  step: 'qualification-call',
  from: 'inside-sales',
  to: 'marketing',
  answer: 'book-meeting',
  comment: 'Budget approved for Q3; the CFO signs. Wants SSO.',
  ratings: { 'lead-fit': 5 },
  details: { moreOf: 'webinars' },
  answeredAt: '2026-03-02T10:00:00.000Z',
  answeredBy: 'owner',
};

function given(item: Record<string, unknown>, feedback: Record<string, unknown>[] = [callFeedback], counter = 1): void {
  ddbMock.on(GetCommand).resolves({ Item: item });
  ddbMock.on(PutCommand).resolves({});
  ddbMock.on(UpdateCommand).resolves({});
  ddbMock.on(UpdateCommand, { Key: { pk: 'LEAD#l1', sk: 'PROFILE' } }).resolves({ Attributes: item });
  ddbMock.on(UpdateCommand, { Key: { pk: 'ROUTING#field-sales', sk: 'COUNTER' } }).resolves({ Attributes: { assigned: counter } });
  ddbMock.on(QueryCommand).resolves({ Items: feedback });
  sesMock.on(SendEmailCommand).resolves({ MessageId: 'm-1' });
}
const routingCalls = () => ddbMock.commandCalls(UpdateCommand).filter((c) => String(c.args[0].input.Key?.['pk']).startsWith('ROUTING#'));
const mailMarker = () => ddbMock.commandCalls(PutCommand).find((c) => String(c.args[0].input.Item?.['pk']).startsWith('MAIL#'))?.args[0].input;

beforeEach(() => {
  vi.useFakeTimers();
  vi.setSystemTime(new Date('2026-03-03T10:00:00.000Z'));
});
afterEach(() => {
  ddbMock.reset();
  sesMock.reset();
  vi.useRealTimers();
});

describe('schedule-meeting', () => {
  it('assigns a Field Sales rep by round-robin and moves the lead to meeting, sending nothing (the brief goes with the meeting-outcome request)', async () => {
    given(profileItem('l1', { stage: 'qualifying', score: 82, tier: 'A', owners: { 'inside-sales': 'isr1@example.com' } }), [callFeedback], 2);
    const out = await handler({ leadId: 'l1', reschedules: 0 }, lambdaContext());
    // The call booked no time: no meeting end for the deadline to count from.
    expect(out).toEqual({ rep: 'ae2@example.com', meetingEndsMs: 0 });
    expect(routingCalls()).toHaveLength(1);

    const update = ddbMock.commandCalls(UpdateCommand).find((c) => c.args[0].input.Key?.['pk'] === 'LEAD#l1')?.args[0].input;
    expect(update?.ExpressionAttributeValues?.[':to']).toBe('meeting');
    expect(patchValues(update ?? {})).toEqual({ owners: { 'inside-sales': 'isr1@example.com', 'field-sales': 'ae2@example.com' } });
    expect(sesMock.commandCalls(SendEmailCommand)).toHaveLength(0);
    expect(mailMarker()).toBeUndefined();
    // One Query: the call's booking, read back from its feedback.
    expect(ddbMock.commandCalls(QueryCommand)).toHaveLength(1);
  });

  it('keeps the rep on a reschedule: the lead stays in meeting, nothing to write (no second event)', async () => {
    given(profileItem('l1', { stage: 'meeting', reason: 'meeting-booked', owners: { 'inside-sales': 'isr1@example.com', 'field-sales': 'ae1@example.com' } }));
    const out = await handler({ leadId: 'l1', reschedules: 1 }, lambdaContext());
    expect(out).toEqual({ rep: 'ae1@example.com', meetingEndsMs: 0 });
    expect(routingCalls()).toHaveLength(0);
    expect(ddbMock.commandCalls(UpdateCommand)).toHaveLength(0);
    expect(ddbMock.commandCalls(PutCommand)).toHaveLength(0);
    expect(ddbMock.calls()).toHaveLength(2); // the profile read, the no-show's booking
    expect(sesMock.commandCalls(SendEmailCommand)).toHaveLength(0);
  });

  it("an expansion's first meeting keeps the account's rep and moves the lead to meeting", async () => {
    given(profileItem('l1', { stage: 'qualifying', attributes: { kind: 'expansion' }, expansionOf: 'l0', owners: { 'field-sales': 'ae1@example.com' } }));
    const out = await handler({ leadId: 'l1', reschedules: 0 }, lambdaContext());
    expect(out).toEqual({ rep: 'ae1@example.com', meetingEndsMs: 0 });
    expect(ddbMock.commandCalls(QueryCommand)).toHaveLength(0);
    expect(routingCalls()).toHaveLength(0);
    const update = ddbMock.commandCalls(UpdateCommand).find((c) => c.args[0].input.Key?.['pk'] === 'LEAD#l1')?.args[0].input;
    expect(update?.ExpressionAttributeValues?.[':to']).toBe('meeting');
    expect(update?.ExpressionAttributeValues?.[':reason']).toBe('expansion-opportunity');
    expect(patchValues(update ?? {})).toEqual({});
  });

  it('keeps the booked time on the profile (the call\'s date, time and zone; an hour long) and returns when it ends', async () => {
    const booked = { ...callFeedback, details: { meetingDate: '2026-03-10', meetingTime: '14:00', meetingTimeZone: 'Europe/Berlin' } };
    given(profileItem('l1', { stage: 'qualifying', owners: { 'inside-sales': 'isr1@example.com' } }), [booked], 1);
    const out = await handler({ leadId: 'l1', reschedules: 0 }, lambdaContext());
    expect(out).toEqual({ rep: 'ae1@example.com', meetingEndsMs: Date.parse('2026-03-10T14:00:00.000Z') });
    const update = ddbMock.commandCalls(UpdateCommand).find((c) => c.args[0].input.Key?.['pk'] === 'LEAD#l1')?.args[0].input;
    expect(patchValues(update ?? {})['meeting']).toEqual({ start: '2026-03-10T13:00:00.000Z', end: '2026-03-10T14:00:00.000Z', timeZone: 'Europe/Berlin', sequence: 0 });
    expect(sesMock.commandCalls(SendEmailCommand)).toHaveLength(0);
  });

  it('a no-show rescheduled with a new time moves the meeting (sequence 1); without one, the meeting is cancelled: a CANCEL goes to the rep and the Inside Sales owner', async () => {
    const meeting = { start: '2026-03-10T13:00:00.000Z', end: '2026-03-10T14:00:00.000Z', timeZone: 'Europe/Berlin', sequence: 0 };
    const owners = { 'inside-sales': 'isr1@example.com', 'field-sales': 'ae1@example.com' };
    const noShow = { ...callFeedback, sk: 'FEEDBACK#2026-03-10T15:00:00.000Z#meeting-outcome#inside-sales', step: 'meeting-outcome', answer: 'no-show', details: { meetingDate: '2026-03-12', meetingTime: '09:30', meetingTimeZone: 'Europe/Berlin' } };
    given(profileItem('l1', { stage: 'meeting', reason: 'meeting-booked', owners, meeting }), [noShow]);
    const moved = await handler({ leadId: 'l1', reschedules: 1 }, lambdaContext());
    expect(moved.meetingEndsMs).toBe(Date.parse('2026-03-12T09:30:00.000Z'));
    const update = ddbMock.commandCalls(UpdateCommand).find((c) => c.args[0].input.Key?.['pk'] === 'LEAD#l1')?.args[0].input;
    expect(patchValues(update ?? {})['meeting']).toEqual({ start: '2026-03-12T08:30:00.000Z', end: '2026-03-12T09:30:00.000Z', timeZone: 'Europe/Berlin', sequence: 1 });
    expect(sesMock.commandCalls(SendEmailCommand)).toHaveLength(0); // the update rides on the next meeting-outcome request

    ddbMock.reset();
    sesMock.reset();
    given(profileItem('l1', { stage: 'meeting', reason: 'meeting-booked', owners, meeting }), [{ ...noShow, details: {} }]);
    const cancelled = await handler({ leadId: 'l1', reschedules: 1 }, lambdaContext());
    expect(cancelled.meetingEndsMs).toBe(0);
    const mails = sesMock.commandCalls(SendEmailCommand).map((c) => c.args[0].input);
    expect(mails).toHaveLength(1);
    expect(mails[0]?.Destination?.ToAddresses).toEqual(['ae1@example.com', 'isr1@example.com']);
    expect(mails[0]?.Content?.Simple?.Subject?.Data).toMatch(/^Meeting cancelled: Ada Lovelace \(Analytical Engines\), Tue, 10 Mar 2026, 14:00 CET \(Europe\/Berlin\)$/);
    const [ics] = mails[0]?.Content?.Simple?.Attachments ?? [];
    expect(ics?.ContentType).toBe('text/calendar; method=CANCEL; charset=UTF-8');
    const text = Buffer.from(ics?.RawContent ?? new Uint8Array()).toString('utf8');
    expect(text).toContain('METHOD:CANCEL');
    expect(text).toContain('SEQUENCE:1');
    expect(text).toContain('UID:meeting-l1@the-model-pipeline');
  });
});
