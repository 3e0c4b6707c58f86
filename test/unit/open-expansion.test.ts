import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { ExecutionAlreadyExists, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { CodedAnswer, FeedbackAnswer } from '#lib/core/contracts';
import { lambdaContext, profileItem } from './support/lambda-fixtures';

process.env.TABLE_NAME = 'test-table';
process.env.STATE_MACHINE_ARN = 'arn:aws:states:eu-west-1:123456789012:stateMachine:LeadLifecycle';

const ddbMock = mockClient(DynamoDBDocumentClient);
const sfnMock = mockClient(SFNClient);
const { handler } = await import('../../functions/open-expansion');

/** The check-in as recorded on its link item... */
const answer: FeedbackAnswer = {
  step: 'check-in',
  answer: 'expansion',
  comment: 'They want 50 more seats for the Berlin office.',
  ratings: { health: 5 },
  details: {},
  answeredAt: '2026-06-01T09:00:00.000Z',
  answeredBy: 'owner',
};
const ANSWER_ID = 'd'.repeat(64);
/** ...and what the state machine passes: codes and the answer id, no comment. */
const checkIn: CodedAnswer = { step: 'check-in', answer: 'expansion', ratings: { health: 5 }, details: {}, answeredAt: answer.answeredAt, answeredBy: 'owner', answerId: ANSWER_ID };
const parent = profileItem('acme', {
  stage: 'customer',
  title: 'CTO',
  industry: 'Software',
  companySize: '201-1000',
  consent: true,
  pagesViewed: 30,
  owners: { 'inside-sales': 'isr1@example.com', 'field-sales': 'ae2@example.com', 'customer-success': 'csm1@example.com' },
});
const ccf = () => new ConditionalCheckFailedException({ message: 'exists', $metadata: {} });
const profilePuts = () => ddbMock.commandCalls(PutCommand).filter((c) => c.args[0].input.Item?.['sk'] === 'PROFILE').map((c) => c.args[0].input);

beforeEach(() => {
  vi.useFakeTimers();
  vi.setSystemTime(new Date('2026-06-01T09:01:00.000Z'));
  ddbMock.on(GetCommand).resolves({}); // nothing, unless stated (a retried lead reads its first EVENT: none)
  ddbMock.on(GetCommand, { Key: { pk: 'LEAD#acme', sk: 'PROFILE' } }).resolves({ Item: parent });
  ddbMock.on(GetCommand, { Key: { pk: `LINK#${ANSWER_ID}`, sk: 'LINK' } }).resolves({ Item: { pk: `LINK#${ANSWER_ID}`, sk: 'LINK', type: 'LINK', leadId: 'acme', step: 'check-in', status: 'answered', answer } });
  ddbMock.on(PutCommand).resolves({});
  ddbMock.on(UpdateCommand).resolves({});
  sfnMock.on(StartExecutionCommand).callsFake((input: { name: string }) => ({
    executionArn: `arn:aws:states:eu-west-1:123456789012:execution:LeadLifecycle:${input.name}`,
    startDate: new Date(),
  }));
});
afterEach(() => {
  ddbMock.reset();
  sfnMock.reset();
  vi.useRealTimers();
});

describe('open-expansion', () => {
  it('creates <leadId>-x1 as an expansion with the company data and account team, and starts its execution', async () => {
    expect(JSON.stringify(checkIn)).not.toContain('Berlin');
    const out = await handler({ leadId: 'acme', checkIn }, lambdaContext());
    // The check-in's comment (the new lead's message) is read back by its answer id.
    expect(ddbMock.commandCalls(GetCommand, { Key: { pk: `LINK#${ANSWER_ID}`, sk: 'LINK' } })).toHaveLength(1);
    expect(out).toEqual({ expansionLeadId: 'acme-x1' });
    const put = profilePuts()[0];
    expect(put?.ConditionExpression).toBe('attribute_not_exists(pk)');
    expect(put?.Item).toMatchObject({
      pk: 'LEAD#acme-x1',
      leadId: 'acme-x1',
      stage: 'captured',
      company: 'Analytical Engines',
      email: 'ada@example.com',
      industry: 'Software',
      companySize: '201-1000',
      source: 'existing-customer',
      expansionOf: 'acme',
      message: 'They want 50 more seats for the Berlin office.',
      owners: { 'field-sales': 'ae2@example.com', 'customer-success': 'csm1@example.com' },
      attributes: { kind: 'expansion', rootLeadId: 'acme', expansionTrigger: 'acme@2026-06-01T09:00:00.000Z' },
    });
    expect(put?.Item?.['pagesViewed']).toBeUndefined();
    expect(sfnMock.commandCalls(StartExecutionCommand)[0]?.args[0].input).toEqual({
      stateMachineArn: process.env.STATE_MACHINE_ARN,
      name: 'acme-x1',
      input: JSON.stringify({ leadId: 'acme-x1' }),
    });
  });

  it('is idempotent: a retry finds the lead it created and treats ExecutionAlreadyExists as success', async () => {
    ddbMock.on(PutCommand, { Item: { pk: 'LEAD#acme-x1', sk: 'PROFILE' } }).rejects(ccf());
    ddbMock.on(GetCommand, { Key: { pk: 'LEAD#acme-x1', sk: 'PROFILE' } }).resolves({
      Item: profileItem('acme-x1', { expansionOf: 'acme', attributes: { kind: 'expansion', rootLeadId: 'acme', expansionTrigger: 'acme@2026-06-01T09:00:00.000Z' } }),
    });
    sfnMock.on(StartExecutionCommand).rejects(new ExecutionAlreadyExists({ message: 'exists', $metadata: {} }));
    const out = await handler({ leadId: 'acme', checkIn }, lambdaContext());
    expect(out).toEqual({ expansionLeadId: 'acme-x1' });
    expect(profilePuts()).toHaveLength(1);
  });

  it('opens -x2 when -x1 belongs to an earlier check-in, and numbers expansions of expansions on the account', async () => {
    ddbMock.on(PutCommand, { Item: { pk: 'LEAD#acme-x1', sk: 'PROFILE' } }).rejects(ccf());
    ddbMock.on(GetCommand, { Key: { pk: 'LEAD#acme-x1', sk: 'PROFILE' } }).resolves({
      Item: profileItem('acme-x1', { stage: 'customer', expansionOf: 'acme', attributes: { kind: 'expansion', rootLeadId: 'acme', expansionTrigger: 'acme@2026-01-01T00:00:00.000Z' } }),
    });
    // The check-in was answered on acme-x1's own request link.
    ddbMock.on(GetCommand, { Key: { pk: `LINK#${ANSWER_ID}`, sk: 'LINK' } }).resolves({ Item: { pk: `LINK#${ANSWER_ID}`, sk: 'LINK', type: 'LINK', leadId: 'acme-x1', step: 'check-in', status: 'answered', answer } });
    const out = await handler({ leadId: 'acme-x1', checkIn }, lambdaContext());
    expect(out).toEqual({ expansionLeadId: 'acme-x2' });
    expect(profilePuts().map((p) => p.Item?.['leadId'])).toEqual(['acme-x1', 'acme-x2']);
    expect(profilePuts()[1]?.Item?.['expansionOf']).toBe('acme-x1');
    expect(sfnMock.commandCalls(StartExecutionCommand)[0]?.args[0].input.name).toBe('acme-x2');
  });
});
