import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { FeedbackAnswer } from '#lib/core/contracts';
import { lambdaContext, patchValues, profileItem } from './support/lambda-fixtures';

process.env.TABLE_NAME = 'test-table';

const ddbMock = mockClient(DynamoDBDocumentClient);
const { handler } = await import('../../functions/close-deal');
const { metrics } = await import('#lib/aws/observability');

const won: FeedbackAnswer = {
  step: 'deal-decision',
  answer: 'won',
  comment: '',
  ratings: {},
  details: { amount: 48000, currency: 'eur', promises: 'SSO by June; onboarding in 4 weeks' },
  answeredAt: '2026-04-01T12:00:00.000Z',
  answeredBy: 'owner',
};
const lost: FeedbackAnswer = { ...won, answer: 'lost', details: { reasonCode: 'competitor' } };

function given(item: Record<string, unknown>): void {
  ddbMock.on(GetCommand).resolves({ Item: item });
  ddbMock.on(PutCommand).resolves({});
  ddbMock.on(UpdateCommand).resolves({ Attributes: item });
}
const updates = () => ddbMock.commandCalls(UpdateCommand).map((c) => c.args[0].input);

beforeEach(() => {
  vi.useFakeTimers();
  vi.setSystemTime(new Date('2026-04-01T12:05:00.000Z'));
});
afterEach(() => {
  ddbMock.reset();
  vi.restoreAllMocks();
  vi.useRealTimers();
});

describe('close-deal', () => {
  it('won: records the deal, moves the lead to onboarding, counts revenue per currency once, emits metrics', async () => {
    given(profileItem('l1', { stage: 'negotiating', stageChangedAt: '2026-03-20T12:00:00.000Z' }));
    const addMetric = vi.spyOn(metrics, 'addMetric');
    const out = await handler({ leadId: 'l1', decision: won }, lambdaContext());
    expect(out).toEqual({ won: true, amount: 48000 });

    const profile = updates().find((u) => u.Key?.['pk'] === 'LEAD#l1');
    expect(profile?.ExpressionAttributeValues?.[':to']).toBe('onboarding');
    expect(profile?.ExpressionAttributeValues?.[':reason']).toBe('won');
    expect(patchValues(profile ?? {})).toEqual({
      deal: { amount: 48000, currency: 'EUR', promises: 'SSO by June; onboarding in 4 weeks', closedAt: '2026-04-01T12:00:00.000Z' },
    });

    // The revenue is counted with the stage change, in the same FUNNEL update: by currency, campaign and owner.
    const funnel = updates().find((u) => u.Key?.['sk'] === 'STAGE#onboarding');
    expect(funnel?.Key).toEqual({ pk: 'FUNNEL', sk: 'STAGE#onboarding' });
    const added = Object.fromEntries(Object.entries(funnel?.ExpressionAttributeNames ?? {}).map(([k, name]) => [name, funnel?.ExpressionAttributeValues?.[k.replace('#a', ':v')]]));
    expect(added).toMatchObject({ entered: 1, 'rev#EUR': 48000, 'deals#EUR': 1 });
    expect(ddbMock.commandCalls(PutCommand).some((c) => c.args[0].input.Item?.['sk'] === 'REVENUE')).toBe(false);
    expect(addMetric).toHaveBeenCalledWith('DealsWon', 'Count', 1);
  });

  it('won, retried: the stage change was counted, so revenue is not counted again', async () => {
    given(profileItem('l1', { stage: 'onboarding', previousStage: 'negotiating', eventSeq: 5 }));
    ddbMock.on(PutCommand).rejects(new ConditionalCheckFailedException({ message: 'x', $metadata: {} })); // the EVENT exists
    ddbMock.on(UpdateCommand, { Key: { pk: 'LEAD#l1', sk: 'PROFILE' } }).rejectsOnce(new ConditionalCheckFailedException({ message: 'x', $metadata: {} })).resolves({ Attributes: profileItem('l1') });
    const addMetric = vi.spyOn(metrics, 'addMetric');
    const out = await handler({ leadId: 'l1', decision: won }, lambdaContext());
    expect(out.won).toBe(true);
    expect(updates().some((u) => u.Key?.['pk'] === 'FUNNEL')).toBe(false);
    expect(addMetric).not.toHaveBeenCalledWith('DealsWon', 'Count', 1);
  });

  it('lost: writes nothing (record-outcome sets the stage and the reason code the state machine passes it)', async () => {
    given(profileItem('l1', { stage: 'negotiating' }));
    const addMetric = vi.spyOn(metrics, 'addMetric');
    const out = await handler({ leadId: 'l1', decision: lost }, lambdaContext());
    expect(out).toEqual({ won: false, amount: 0 });
    expect(ddbMock.calls()).toHaveLength(0);
    expect(addMetric).toHaveBeenCalledWith('DealsLost', 'Count', 1);
  });

  it('rejects a won deal without amount or with a bad currency, naming the field', async () => {
    given(profileItem('l1'));
    await expect(handler({ leadId: 'l1', decision: { ...won, details: { currency: 'EUR' } } }, lambdaContext())).rejects.toMatchObject({
      name: 'ValidationError',
      field: 'decision.details.amount',
    });
    await expect(handler({ leadId: 'l1', decision: { ...won, details: { amount: 5, currency: 'euro' } } }, lambdaContext())).rejects.toMatchObject({
      field: 'decision.details.currency',
    });
    expect(ddbMock.calls()).toHaveLength(0);
  });
});
