import { SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';
import { DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { lambdaContext, patchValues, profileItem, useTestRoster } from './support/lambda-fixtures';

process.env.TABLE_NAME = 'test-table';
process.env.MAIL_FROM = 'pipeline@example.com';

const ddbMock = mockClient(DynamoDBDocumentClient);
await useTestRoster();
const sesMock = mockClient(SESv2Client);
const { handler } = await import('../../functions/onboard-customer');

const deal = { amount: 48000, currency: 'EUR', promises: 'SSO by June; onboarding in 4 weeks', closedAt: '2026-04-01T12:00:00.000Z' };

function given(item: Record<string, unknown>, counter = 1): void {
  ddbMock.on(GetCommand).resolves({ Item: item });
  ddbMock.on(PutCommand).resolves({});
  ddbMock.on(UpdateCommand).resolves({});
  // A stage update would fail (close-deal already moved the lead to onboarding); the owners patch succeeds.
  ddbMock
    .on(UpdateCommand, { Key: { pk: 'LEAD#l1', sk: 'PROFILE' } })
    .callsFake((input: { ExpressionAttributeValues?: Record<string, unknown> }) => {
      if (input.ExpressionAttributeValues?.[':to'] !== undefined) throw new ConditionalCheckFailedException({ message: 'same stage', $metadata: {} });
      return { Attributes: { ...item, owners: { ...(item['owners'] as object), 'customer-success': `csm${counter}@example.com` } } };
    });
  ddbMock.on(UpdateCommand, { Key: { pk: 'ROUTING#customer-success', sk: 'COUNTER' } }).resolves({ Attributes: { assigned: counter } });
  sesMock.on(SendEmailCommand).resolves({ MessageId: 'm-1' });
}

beforeEach(() => {
  vi.useFakeTimers();
  vi.setSystemTime(new Date('2026-04-01T12:10:00.000Z'));
});
afterEach(() => {
  ddbMock.reset();
  sesMock.reset();
  vi.useRealTimers();
});

describe('onboard-customer', () => {
  it('assigns a CSM by round-robin, sending nothing (the brief goes with the onboarding-review request)', async () => {
    given(profileItem('l1', { stage: 'onboarding', reason: 'won', deal, owners: { 'field-sales': 'ae1@example.com' } }), 2);
    const out = await handler({ leadId: 'l1' }, lambdaContext());
    expect(out).toEqual({ csm: 'csm2@example.com' });
    // Already in onboarding (close-deal): the profile read, the round-robin turn and the owners patch, nothing else.
    const profileUpdates = ddbMock.commandCalls(UpdateCommand).filter((c) => c.args[0].input.Key?.['pk'] === 'LEAD#l1');
    expect(profileUpdates).toHaveLength(1);
    expect(patchValues(profileUpdates[0]?.args[0].input ?? {})).toEqual({ owners: { 'field-sales': 'ae1@example.com', 'customer-success': 'csm2@example.com' } });
    expect(ddbMock.commandCalls(GetCommand)).toHaveLength(1);
    expect(ddbMock.commandCalls(PutCommand)).toHaveLength(0);
    expect(ddbMock.calls()).toHaveLength(3);
    expect(sesMock.commandCalls(SendEmailCommand)).toHaveLength(0);
  });

  it('moves a lead not yet in onboarding there, counted once', async () => {
    given(profileItem('l1', { stage: 'negotiating', deal, owners: {} }), 1);
    ddbMock.on(UpdateCommand, { Key: { pk: 'LEAD#l1', sk: 'PROFILE' } }).resolves({ Attributes: profileItem('l1', { stage: 'negotiating', deal, owners: {} }) });
    await handler({ leadId: 'l1' }, lambdaContext());
    const stage = ddbMock.commandCalls(UpdateCommand).find((c) => c.args[0].input.Key?.['pk'] === 'LEAD#l1')?.args[0].input;
    expect(stage?.ExpressionAttributeValues?.[':to']).toBe('onboarding');
    expect(ddbMock.commandCalls(PutCommand).filter((c) => String(c.args[0].input.Item?.['sk']).startsWith('EVENT#'))).toHaveLength(1);
    expect(ddbMock.commandCalls(UpdateCommand).filter((c) => c.args[0].input.Key?.['sk'] === 'STAGE#onboarding')).toHaveLength(1);
  });

  it('keeps an assigned CSM on a retry', async () => {
    given(profileItem('l1', { stage: 'onboarding', reason: 'won', deal, owners: { 'customer-success': 'csm1@example.com' } }));
    const out = await handler({ leadId: 'l1' }, lambdaContext());
    expect(out).toEqual({ csm: 'csm1@example.com' });
    expect(ddbMock.commandCalls(UpdateCommand)).toHaveLength(0);
    expect(ddbMock.commandCalls(PutCommand)).toHaveLength(0);
  });
});
