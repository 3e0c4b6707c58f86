import { SESClient, SendEmailCommand } from '@aws-sdk/client-ses';
import { DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { TEAMS_JSON, lambdaContext, patchValues, profileItem } from './support/lambda-fixtures';

process.env.TABLE_NAME = 'test-table';
process.env.TEAMS = TEAMS_JSON;
process.env.MAIL_FROM = 'pipeline@example.com';

const ddbMock = mockClient(DynamoDBDocumentClient);
const sesMock = mockClient(SESClient);
const { handler } = await import('../../functions/onboard-customer');

const deal = { amount: 48000, currency: 'EUR', promises: 'SSO by June; onboarding in 4 weeks', closedAt: '2026-04-01T12:00:00.000Z' };

function given(item: Record<string, unknown>, counter = 1): void {
  ddbMock.on(GetCommand).resolves({ Item: item });
  ddbMock.on(PutCommand).resolves({});
  ddbMock.on(UpdateCommand).resolves({});
  // close-deal already moved the lead to onboarding: changeStage's conditional update fails, the patch is applied
  ddbMock
    .on(UpdateCommand, { Key: { pk: 'LEAD#l1', sk: 'PROFILE' } })
    .rejectsOnce(new ConditionalCheckFailedException({ message: 'same stage', $metadata: {} }))
    .resolves({ Attributes: { ...item, owners: { ...(item['owners'] as object), 'customer-success': `csm${counter}@example.com` } } });
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
    given(profileItem('l1', { stage: 'onboarding', deal, owners: { 'field-sales': 'ae1@example.com' } }), 2);
    const out = await handler({ leadId: 'l1' }, lambdaContext());
    expect(out).toEqual({ csm: 'csm2@example.com' });
    const profileUpdates = ddbMock.commandCalls(UpdateCommand).filter((c) => c.args[0].input.Key?.['pk'] === 'LEAD#l1');
    expect(profileUpdates[0]?.args[0].input.ExpressionAttributeValues?.[':to']).toBe('onboarding');
    expect(patchValues(profileUpdates[1]?.args[0].input ?? {})).toEqual({ owners: { 'field-sales': 'ae1@example.com', 'customer-success': 'csm2@example.com' } });
    expect(sesMock.commandCalls(SendEmailCommand)).toHaveLength(0);
    expect(ddbMock.commandCalls(PutCommand).some((c) => String(c.args[0].input.Item?.['pk']).startsWith('MAIL#'))).toBe(false);
  });

  it('keeps an assigned CSM on a retry', async () => {
    given(profileItem('l1', { stage: 'onboarding', deal, owners: { 'customer-success': 'csm1@example.com' } }));
    const out = await handler({ leadId: 'l1' }, lambdaContext());
    expect(out).toEqual({ csm: 'csm1@example.com' });
    expect(ddbMock.commandCalls(UpdateCommand).some((c) => String(c.args[0].input.Key?.['pk']).startsWith('ROUTING#'))).toBe(false);
  });
});
