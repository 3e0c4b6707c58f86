import { DynamoDBDocumentClient, GetCommand, QueryCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { KEYED } from './support/api-key';
import { httpEvent, lambdaContext } from './support/lambda-fixtures';

process.env.TABLE_NAME = 'test-table';

const ddbMock = mockClient(DynamoDBDocumentClient);
const { handler } = await import('../../functions/funnel');
const { feedbackPairs } = await import('#lib/funnel/report');
const { feedbackIncrements, pairKey, stageChangeIncrements } = await import('#lib/funnel/counters');
type FunnelReport = import('#lib/funnel/report').FunnelReport;

const H = 3_600_000;
const item = (sk: string, inc: Map<string, number>) => ({ pk: 'FUNNEL', sk, ...Object.fromEntries(inc) });
/**
 * The FUNNEL partition after: one lead captured then qualifying (2 h), one rating in week 17 and one in week 14.
 * Built inside each test, not when the file loads, so that mutation testing sees which tests reach the counters' code.
 */
function funnelItems(): Record<string, unknown>[] {
  const items = [
    item('STAGE#captured', stageChangeIncrements({ from: null, to: 'captured', reason: 'captured', at: '2026-04-20T08:00:00Z', timeInPreviousStageMs: 0, campaign: 'spring', expansion: false })),
    item('STAGE#qualifying', stageChangeIncrements({ from: 'captured', to: 'qualifying', reason: 'x', at: '2026-04-20T10:00:00Z', timeInPreviousStageMs: 2 * H, campaign: 'spring', owners: { 'inside-sales': 'sdr1' }, expansion: false })),
    {
      ...item(pairKey('qualification-call', 'inside-sales', 'marketing').sk, feedbackIncrements({ step: 'qualification-call', from: 'inside-sales', to: 'marketing', ratings: { 'lead-fit': 4 }, answeredAt: '2026-04-21T10:00:00Z' })),
    },
  ];
  // A second feedback item, weeks earlier: summed into the same pair item as DynamoDB's ADD would.
  for (const [k, v] of feedbackIncrements({ step: 'qualification-call', from: 'inside-sales', to: 'marketing', ratings: { 'lead-fit': 2 }, answeredAt: '2026-04-01T10:00:00Z' })) {
    const pair = items[2] as Record<string, unknown>;
    pair[k] = ((pair[k] as number | undefined) ?? 0) + v;
  }
  return items;
}

beforeEach(() => {
  vi.useFakeTimers();
  vi.setSystemTime(new Date('2026-05-01T00:00:00.000Z'));
  // No goal stored (PUT /goal) and none in the environment: `goal: null`.
  ddbMock.on(GetCommand).resolves({});
});
afterEach(() => {
  ddbMock.reset();
  vi.useRealTimers();
});

describe('GET /funnel', () => {
  it('reports the funnel from the FUNNEL partition with one Query: no scan, no index, no per-lead read', async () => {
    const items = funnelItems();
    ddbMock.on(QueryCommand).resolves({ Items: items, Count: items.length });
    const res = await handler(httpEvent({ method: 'GET', path: '/funnel', headers: KEYED }), lambdaContext());
    expect(res.statusCode).toBe(200);
    const body = JSON.parse(res.body) as FunnelReport;
    expect(body.headline).toMatchObject({ leads: 1, qualified: 1, meetings: 0 });
    expect(body.stages.find((s) => s.stage === 'captured')).toMatchObject({ entered: 1, exited: 1, current: 0, avgHoursInStage: 2, conversionToNext: 1 });
    expect(body.stages.find((s) => s.stage === 'qualifying')).toMatchObject({ current: 1 });
    expect(body.byCampaign).toMatchObject([{ campaign: 'spring', leads: 1, qualified: 1 }]);
    expect(body.byOwner).toMatchObject([{ team: 'inside-sales', owner: 'sdr1', qualified: 1 }]);
    expect(body.feedback.pairs.find((p) => p.pair === 'inside-sales->marketing')).toMatchObject({ count: 2, averageRating: 3 });
    expect(ddbMock.commandCalls(ScanCommand)).toHaveLength(0);
    const queries = ddbMock.commandCalls(QueryCommand).map((c) => c.args[0].input);
    expect(queries).toHaveLength(1);
    expect(queries[0]).toMatchObject({ KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': 'FUNNEL' } });
    expect(queries[0]?.IndexName).toBeUndefined();
  });

  it('pages through the partition if it outgrows one page', async () => {
    const items = funnelItems();
    ddbMock.on(QueryCommand).resolvesOnce({ Items: items.slice(0, 1), LastEvaluatedKey: { pk: 'FUNNEL', sk: 'STAGE#captured' } }).resolves({ Items: items.slice(1) });
    const res = await handler(httpEvent({ method: 'GET', path: '/funnel', headers: KEYED }), lambdaContext());
    expect((JSON.parse(res.body) as FunnelReport).headline).toMatchObject({ leads: 1, qualified: 1 });
    expect(ddbMock.commandCalls(QueryCommand)[1]?.args[0].input.ExclusiveStartKey).toEqual({ pk: 'FUNNEL', sk: 'STAGE#captured' });
  });

  it('counts only the feedback of recent ISO weeks with ?feedbackDays', async () => {
    ddbMock.on(QueryCommand).resolves({ Items: funnelItems() });
    const res = await handler(httpEvent({ method: 'GET', path: '/funnel', headers: KEYED, query: { feedbackDays: '14' } }), lambdaContext());
    const body = JSON.parse(res.body) as FunnelReport;
    expect(body.feedback.since).toBe('2026-04-17T00:00:00.000Z');
    expect(body.feedback.pairs.find((p) => p.pair === 'inside-sales->marketing')).toMatchObject({ count: 1, averageRating: 4, weeks: [{ week: '2026-W17', count: 1 }] });
  });

  it('400 naming feedbackDays when it is not a whole number of days', async () => {
    const res = await handler(httpEvent({ method: 'GET', path: '/funnel', headers: KEYED, query: { feedbackDays: 'lots' } }), lambdaContext());
    expect(res.statusCode).toBe(400);
    expect(JSON.parse(res.body)).toMatchObject({ field: 'feedbackDays' });
    expect(ddbMock.calls()).toHaveLength(0);
  });

  it('an empty table gives zeros and nulls, not errors', async () => {
    ddbMock.on(QueryCommand).resolves({ Count: 0, Items: [] });
    const res = await handler(httpEvent({ method: 'GET', path: '/funnel', headers: KEYED }), lambdaContext());
    const body = JSON.parse(res.body) as FunnelReport;
    expect(body.overall).toEqual({ leadToWon: null, leadToCustomer: null });
    expect(body.revenue).toEqual([]);
    expect(body.feedback.pairs).toHaveLength(feedbackPairs().length);
  });
});

describe('feedbackPairs', () => {
  it('follows the review steps upstream', () => {
    expect(feedbackPairs().map((p) => `${p.from}->${p.to}`)).toEqual([
      'inside-sales->marketing',
      'field-sales->inside-sales',
      'customer-success->marketing',
      'customer-success->field-sales',
    ]);
  });

  it('with ?from=&to= counts what happened in the period: the stage changes and feedback of [from, to), by month on the byTime and byTeamFeedback indexes', async () => {
    const change = { from: 'captured' as const, to: 'qualifying' as const, reason: 'x', at: '2026-04-20T10:00:00.000Z', timeInPreviousStageMs: 2 * H, campaign: 'spring', owners: { 'inside-sales': 'sdr1' }, expansion: false };
    ddbMock.on(QueryCommand, { IndexName: 'byTime' }).resolves({ Items: [] });
    ddbMock
      .on(QueryCommand, { IndexName: 'byTime', ExpressionAttributeValues: { ':pk': 'ACTIVITY#2026-04' } })
      .resolves({ Items: [{ type: 'STAGE_EVENT', counted: change }, { type: 'OVERDUE', overdue: { team: 'inside-sales', owner: 'sdr1' } }] });
    ddbMock.on(QueryCommand, { IndexName: 'byTeamFeedback' }).resolves({ Items: [] });
    const res = await handler(httpEvent({ method: 'GET', path: '/funnel', headers: KEYED, query: { from: '2026-03-30', to: '2026-04-27T00:00:00Z' } }), lambdaContext());
    expect(res.statusCode).toBe(200);
    const body = JSON.parse(res.body) as FunnelReport & { goal: unknown };
    expect(body.period).toEqual({ from: '2026-03-30T00:00:00.000Z', to: '2026-04-27T00:00:00.000Z' });
    expect(body.headline).toMatchObject({ leads: 0, qualified: 1 });
    expect(body.byOwner).toMatchObject([{ team: 'inside-sales', owner: 'sdr1', qualified: 1, overdue: 1 }]);
    expect(body.goal).toBeNull();
    const months = ddbMock.commandCalls(QueryCommand, { IndexName: 'byTime' }).map((c) => c.args[0].input.ExpressionAttributeValues?.[':pk']);
    expect(months).toEqual(['ACTIVITY#2026-03', 'ACTIVITY#2026-04']);
    expect(ddbMock.commandCalls(QueryCommand, { IndexName: 'byTeamFeedback' })).toHaveLength(4);
    expect(ddbMock.commandCalls(ScanCommand)).toHaveLength(0);
  });

  it.each([
    [{ from: '2026-04-01' }, 'to', 'is required with from'],
    [{ to: '2026-04-01' }, 'from', 'is required with to'],
    [{ from: '1 April', to: '2026-04-02' }, 'from', 'must be an ISO 8601 date'],
    [{ from: '2026-02-30', to: '2026-04-02' }, 'from', 'is not a real date'],
    [{ from: '2026-04-02', to: '2026-04-01' }, 'to', 'must be after from'],
  ])('400 naming the field for a bad period %o', async (query, field, message) => {
    const res = await handler(httpEvent({ method: 'GET', path: '/funnel', headers: KEYED, query }), lambdaContext());
    expect(res.statusCode).toBe(400);
    const body = JSON.parse(res.body) as { field: string; message: string };
    expect(body.field).toBe(field);
    expect(body.message).toContain(message);
    expect(ddbMock.commandCalls(QueryCommand)).toHaveLength(0);
  });
});
