import { DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';

process.env.TABLE_NAME = 'test-table';
process.env.STATE_MACHINE_ARN = 'arn:aws:states:eu-west-1:123456789012:stateMachine:LeadLifecycle';

const ddbMock = mockClient(DynamoDBDocumentClient);
const { latestFeedback, stepOfFeedbackSk } = await import('#lib/leads/handoff');
const { executionArnFor } = await import('#lib/leads/executions');

const item = (at: string, step: string, to: string, comment: string) => ({
  pk: 'LEAD#l1',
  sk: `FEEDBACK#${at}#${step}#${to}`,
  step,
  to,
  answer: 'book-meeting',
  comment,
  ratings: {},
  details: {},
  answeredAt: at,
});

afterEach(() => {
  ddbMock.reset();
});

describe('latestFeedback', () => {
  it('returns the newest feedback of the step, skipping other steps, across pages', async () => {
    ddbMock
      .on(QueryCommand)
      .resolvesOnce({ Items: [item('2026-03-05T00:00:00.000Z', 'meeting-outcome', 'inside-sales', 'later step')], LastEvaluatedKey: { pk: 'LEAD#l1', sk: 'x' } })
      .resolvesOnce({ Items: [item('2026-03-02T00:00:00.000Z', 'qualification-call', 'marketing', 'the call'), item('2026-03-01T00:00:00.000Z', 'qualification-call', 'marketing', 'older')] });
    const learned = await latestFeedback('l1', 'qualification-call');
    expect(learned?.comment).toBe('the call');
    const calls = ddbMock.commandCalls(QueryCommand).map((c) => c.args[0].input);
    expect(calls).toHaveLength(2);
    expect(calls[0]?.ScanIndexForward).toBe(false);
    expect(calls[1]?.ExclusiveStartKey).toEqual({ pk: 'LEAD#l1', sk: 'x' });
  });

  it('returns undefined when there is none', async () => {
    ddbMock.on(QueryCommand).resolves({ Items: [] });
    expect(await latestFeedback('l1', 'qualification-call')).toBeUndefined();
  });

  it('reads the step from the sort key', () => {
    expect(stepOfFeedbackSk('FEEDBACK#2026-03-02T00:00:00.000Z#qualification-call#marketing')).toBe('qualification-call');
    expect(stepOfFeedbackSk('EVENT#2026#000001')).toBeUndefined();
    expect(stepOfFeedbackSk(42)).toBeUndefined();
  });
});

describe('executionArnFor', () => {
  it('derives the execution ARN from the state machine ARN and the name', () => {
    expect(executionArnFor('arn:aws:states:eu-west-1:123456789012:stateMachine:LeadLifecycle', 'l-1')).toBe(
      'arn:aws:states:eu-west-1:123456789012:execution:LeadLifecycle:l-1',
    );
    expect(() => executionArnFor('arn:aws:lambda:eu-west-1:1:function:x', 'l')).toThrow(/state machine ARN/);
  });
});
