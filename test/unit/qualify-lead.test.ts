import { DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { lambdaContext, patchValues, profileItem, useTestRoster } from './support/lambda-fixtures';

process.env.TABLE_NAME = 'test-table';
delete process.env.SCORING_WEIGHTS;

const ddbMock = mockClient(DynamoDBDocumentClient);
await useTestRoster();
const { handler } = await import('../../functions/qualify-lead');

const hot = {
  title: 'VP Sales',
  companySize: '201-1000',
  industry: 'Software',
  budget: 'approved',
  timeline: 'immediate',
  source: 'demo-request',
  campaign: 'spring',
  pagesViewed: 12,
  eventsAttended: 2,
  consent: true,
};

function given(item: Record<string, unknown>, counter = 1): void {
  ddbMock.on(GetCommand).resolves({ Item: item });
  ddbMock.on(PutCommand).resolves({});
  ddbMock.on(UpdateCommand).resolves({});
  ddbMock.on(UpdateCommand, { Key: { pk: 'LEAD#l1', sk: 'PROFILE' } }).resolves({ Attributes: item });
  ddbMock.on(UpdateCommand, { Key: { pk: 'ROUTING#inside-sales', sk: 'COUNTER' } }).resolves({ Attributes: { assigned: counter } });
}
const profileUpdate = () => ddbMock.commandCalls(UpdateCommand).find((c) => c.args[0].input.Key?.['pk'] === 'LEAD#l1')?.args[0].input;
const routingCalls = () => ddbMock.commandCalls(UpdateCommand).filter((c) => String(c.args[0].input.Key?.['pk']).startsWith('ROUTING#'));

beforeEach(() => {
  vi.useFakeTimers();
  vi.setSystemTime(new Date('2026-03-01T10:00:00.000Z'));
});
afterEach(() => {
  ddbMock.reset();
  vi.useRealTimers();
});

describe('qualify-lead', () => {
  it('scores a hot lead sales-ready, picks the Inside Sales owner by round-robin and moves it to qualifying', async () => {
    given(profileItem('l1', hot), 2);
    const out = await handler({ leadId: 'l1' }, lambdaContext());
    expect(out).toEqual({ route: 'sales-ready', reason: 'meets-sales-ready-threshold', score: 98, tier: 'A', owner: 'isr2@example.com' });
    const update = profileUpdate();
    expect(update?.ExpressionAttributeValues?.[':to']).toBe('qualifying');
    expect(update?.ConditionExpression).toContain('attribute_exists(pk)');
    expect(patchValues(update ?? {})).toMatchObject({ score: 98, tier: 'A', owners: { 'inside-sales': 'isr2@example.com' } });
    expect(routingCalls()).toHaveLength(1);
    // the stage change is audited and counted
    expect(ddbMock.commandCalls(PutCommand).some((c) => String(c.args[0].input.Item?.['sk']).startsWith('EVENT#'))).toBe(true);
  });

  it('nurtures a cold lead without taking a round-robin turn', async () => {
    given(profileItem('l1', { ...hot, source: 'purchased-list', pagesViewed: 0, eventsAttended: 0, campaign: undefined }));
    const out = await handler({ leadId: 'l1' }, lambdaContext());
    expect(out.route).toBe('nurture');
    expect(out.reason).toBe('engagement-too-low');
    expect(out.owner).toBe('');
    expect(profileUpdate()?.ExpressionAttributeValues?.[':to']).toBe('nurture');
    expect(routingCalls()).toHaveLength(0);
  });

  it('disqualifies a lead without consent (stage disqualified, reason no-consent)', async () => {
    given(profileItem('l1', { ...hot, consent: false }));
    const out = await handler({ leadId: 'l1' }, lambdaContext());
    expect(out).toMatchObject({ route: 'disqualify', reason: 'no-consent' });
    expect(profileUpdate()?.ExpressionAttributeValues?.[':to']).toBe('disqualified');
    expect(profileUpdate()?.ExpressionAttributeValues?.[':reason']).toBe('no-consent');
  });

  it("routes an expansion straight to Field Sales ('expansion'), keeping the account's rep", async () => {
    given(
      profileItem('l1', {
        ...hot,
        expansionOf: 'acme',
        attributes: { kind: 'expansion', rootLeadId: 'acme' },
        owners: { 'field-sales': 'ae2@example.com' },
      }),
    );
    const out = await handler({ leadId: 'l1' }, lambdaContext());
    expect(out).toMatchObject({ route: 'expansion', reason: 'expansion-opportunity', owner: 'ae2@example.com' });
    expect(profileUpdate()?.ExpressionAttributeValues?.[':to']).toBe('qualifying');
    expect(routingCalls()).toHaveLength(0);
  });

  it('keeps the owner chosen by an earlier attempt (retry takes no second turn)', async () => {
    given(profileItem('l1', { ...hot, owners: { 'inside-sales': 'isr3@example.com' } }));
    const out = await handler({ leadId: 'l1' }, lambdaContext());
    expect(out.owner).toBe('isr3@example.com');
    expect(routingCalls()).toHaveLength(0);
  });

  it('fails with NotFound for an unknown lead', async () => {
    ddbMock.on(GetCommand).resolves({});
    await expect(handler({ leadId: 'nope' }, lambdaContext())).rejects.toMatchObject({ name: 'NotFound' });
  });
});
