import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { CodedAnswer, FeedbackAnswer } from '#lib/core/contracts';
import { lambdaContext, patchValues, profileItem } from './support/lambda-fixtures';

process.env.TABLE_NAME = 'test-table';

const ddbMock = mockClient(DynamoDBDocumentClient);
const { handler } = await import('../../functions/close-deal');
const { metrics } = await import('#lib/aws/observability');

/** The answer as recorded on its link item (text included)... */
const recorded: FeedbackAnswer = {
  step: 'deal-decision',
  answer: 'won',
  comment: '',
  ratings: {},
  details: { amount: 48000, currency: 'eur', promises: 'SSO by June; onboarding in 4 weeks' },
  answeredAt: '2026-04-01T12:00:00.000Z',
  answeredBy: 'owner',
};
const ANSWER_ID = 'b'.repeat(64);
/** ...and what the state machine passes: its codes and the answer id. */
const won: CodedAnswer = { step: 'deal-decision', answer: 'won', ratings: {}, details: { amount: 48000, currency: 'eur' }, answeredAt: recorded.answeredAt, answeredBy: 'owner', answerId: ANSWER_ID };
const lost: CodedAnswer = { ...won, answer: 'lost', details: { reasonCode: 'competitor' } };
const linkItem = { pk: `LINK#${ANSWER_ID}`, sk: 'LINK', type: 'LINK', leadId: 'l1', step: 'deal-decision', status: 'answered', answer: recorded };

function given(item: Record<string, unknown>, link: Record<string, unknown> | null = linkItem): void {
  ddbMock.on(GetCommand).resolves({ Item: item });
  ddbMock.on(GetCommand, { Key: { pk: `LINK#${ANSWER_ID}`, sk: 'LINK' } }).resolves(link ? { Item: link } : {});
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

  it('won: what was promised is read back from the recorded answer (one read), never from the execution', async () => {
    given(profileItem('l1', { stage: 'negotiating' }));
    await handler({ leadId: 'l1', decision: won }, lambdaContext());
    expect(ddbMock.commandCalls(GetCommand).map((c) => c.args[0].input)).toEqual([{ TableName: 'test-table', Key: { pk: `LINK#${ANSWER_ID}`, sk: 'LINK' }, ConsistentRead: true }]);
    // No text, no answer id: nothing to read.
    ddbMock.resetHistory();
    const { answerId: _id, ...withoutText } = won;
    await handler({ leadId: 'l1', decision: withoutText }, lambdaContext());
    expect(ddbMock.commandCalls(GetCommand)).toHaveLength(0);
    expect(patchValues(updates().find((u) => u.Key?.['pk'] === 'LEAD#l1') ?? {})).toEqual({ deal: { amount: 48000, currency: 'EUR', closedAt: recorded.answeredAt } });
  });

  it('won: an erased answer (the lead is being erased) closes without the promises; a missing one fails into Needs attention', async () => {
    given(profileItem('l1', { stage: 'negotiating' }), { pk: `LINK#${ANSWER_ID}`, sk: 'LINK', type: 'LINK_ERASED', expiresAt: 1 });
    await expect(handler({ leadId: 'l1', decision: won }, lambdaContext())).resolves.toEqual({ won: true, amount: 48000 });
    expect(patchValues(updates().find((u) => u.Key?.['pk'] === 'LEAD#l1') ?? {})).toEqual({ deal: { amount: 48000, currency: 'EUR', closedAt: recorded.answeredAt } });
    ddbMock.reset();
    given(profileItem('l1', { stage: 'negotiating' }), null);
    await expect(handler({ leadId: 'l1', decision: won }, lambdaContext())).rejects.toMatchObject({ name: 'NotFound' });
    // An answer id of another lead's answer is no answer of this one.
    ddbMock.reset();
    given(profileItem('l1', { stage: 'negotiating' }), { ...linkItem, leadId: 'other' });
    await expect(handler({ leadId: 'l1', decision: won }, lambdaContext())).rejects.toMatchObject({ name: 'NotFound' });
    expect(updates()).toHaveLength(0);
  });

  it('won, sent by an execution from before answers travelled as codes (the text inline): the inline promises are kept', async () => {
    given(profileItem('l1', { stage: 'negotiating' }));
    await handler({ leadId: 'l1', decision: recorded as unknown as CodedAnswer }, lambdaContext());
    expect(ddbMock.commandCalls(GetCommand)).toHaveLength(0);
    expect(patchValues(updates().find((u) => u.Key?.['pk'] === 'LEAD#l1') ?? {})).toMatchObject({ deal: { promises: 'SSO by June; onboarding in 4 weeks' } });
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

  it('lost: reads and writes nothing (record-outcome sets the stage and the reason code the state machine passes it)', async () => {
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
