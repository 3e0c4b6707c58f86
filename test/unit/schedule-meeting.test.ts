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
    expect(out).toEqual({ rep: 'ae2@example.com' });
    expect(routingCalls()).toHaveLength(1);

    const update = ddbMock.commandCalls(UpdateCommand).find((c) => c.args[0].input.Key?.['pk'] === 'LEAD#l1')?.args[0].input;
    expect(update?.ExpressionAttributeValues?.[':to']).toBe('meeting');
    expect(patchValues(update ?? {})).toEqual({ owners: { 'inside-sales': 'isr1@example.com', 'field-sales': 'ae2@example.com' } });
    expect(sesMock.commandCalls(SendEmailCommand)).toHaveLength(0);
    expect(mailMarker()).toBeUndefined();
    expect(ddbMock.commandCalls(QueryCommand)).toHaveLength(0);
  });

  it('keeps the rep on a reschedule: the lead stays in meeting, nothing to write (no second event)', async () => {
    given(profileItem('l1', { stage: 'meeting', reason: 'meeting-booked', owners: { 'inside-sales': 'isr1@example.com', 'field-sales': 'ae1@example.com' } }));
    const out = await handler({ leadId: 'l1', reschedules: 1 }, lambdaContext());
    expect(out).toEqual({ rep: 'ae1@example.com' });
    expect(routingCalls()).toHaveLength(0);
    expect(ddbMock.commandCalls(UpdateCommand)).toHaveLength(0);
    expect(ddbMock.commandCalls(PutCommand)).toHaveLength(0);
    expect(ddbMock.calls()).toHaveLength(1); // the profile read
    expect(sesMock.commandCalls(SendEmailCommand)).toHaveLength(0);
  });

  it("an expansion's first meeting keeps the account's rep and moves the lead to meeting", async () => {
    given(profileItem('l1', { stage: 'qualifying', attributes: { kind: 'expansion' }, expansionOf: 'l0', owners: { 'field-sales': 'ae1@example.com' } }));
    const out = await handler({ leadId: 'l1', reschedules: 0 }, lambdaContext());
    expect(out).toEqual({ rep: 'ae1@example.com' });
    expect(routingCalls()).toHaveLength(0);
    const update = ddbMock.commandCalls(UpdateCommand).find((c) => c.args[0].input.Key?.['pk'] === 'LEAD#l1')?.args[0].input;
    expect(update?.ExpressionAttributeValues?.[':to']).toBe('meeting');
    expect(update?.ExpressionAttributeValues?.[':reason']).toBe('expansion-opportunity');
    expect(patchValues(update ?? {})).toEqual({});
  });
});
