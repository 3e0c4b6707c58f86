import { DynamoDBDocumentClient, QueryCommand, ScanCommand, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { httpEvent, lambdaContext } from './support/lambda-fixtures';

process.env.TABLE_NAME = 'test-table';

const ddbMock = mockClient(DynamoDBDocumentClient);
const { handler } = await import('../../functions/funnel');
const { feedbackPairs } = await import('../../functions/lib/funnel');
type FunnelReport = import('../../functions/lib/funnel').FunnelReport;

const H = 3_600_000;
const counters = [
  { pk: 'FUNNEL', sk: 'STAGE#captured', entered: 100, exited: 90, timeInStageMs: 90 * 2 * H },
  { pk: 'FUNNEL', sk: 'STAGE#qualifying', entered: 40, exited: 35, timeInStageMs: 35 * 24 * H },
  { pk: 'FUNNEL', sk: 'STAGE#meeting', entered: 20, exited: 18 },
  { pk: 'FUNNEL', sk: 'STAGE#negotiating', entered: 12 },
  { pk: 'FUNNEL', sk: 'STAGE#onboarding', entered: 5 },
  { pk: 'FUNNEL', sk: 'REVENUE#EUR', amount: 150000, deals: 3 },
  { pk: 'FUNNEL', sk: 'REVENUE#USD', amount: 40000, deals: 2 },
];

/** Answers the funnel's queries like DynamoDB: counts per stage (paged), counters, feedback items. */
function fakeQueries(): void {
  ddbMock.on(QueryCommand).callsFake((input: QueryCommandInput) => {
    const pk = String(input.ExpressionAttributeValues?.[':pk']);
    if (input.IndexName === 'byStage') {
      if (pk === 'STAGE#qualifying') {
        // two pages: 1MB limit reached after the first
        return input.ExclusiveStartKey ? { Count: 2 } : { Count: 3, LastEvaluatedKey: { pk: 'x', sk: 'y' } };
      }
      return { Count: pk === 'STAGE#meeting' ? 2 : 0 };
    }
    if (input.IndexName === 'byTeamFeedback') {
      const step = String(input.ExpressionAttributeValues?.[':step']);
      if (pk === 'FEEDBACK#marketing' && step === '#qualification-call#') {
        return { Count: 2, Items: [{ sk: 'FEEDBACK#t#qualification-call#marketing', ratings: { 'lead-fit': 4, 'campaign-reaction': 3 } }, { sk: 'FEEDBACK#t2#qualification-call#marketing', ratings: { 'lead-fit': 5 } }] };
      }
      return { Count: 0, Items: [] };
    }
    if (pk === 'FUNNEL') return { Items: counters, Count: counters.length };
    throw new Error(`unexpected query ${pk}`);
  });
}

beforeEach(() => {
  vi.useFakeTimers();
  vi.setSystemTime(new Date('2026-05-01T00:00:00.000Z'));
});
afterEach(() => {
  ddbMock.reset();
  vi.useRealTimers();
});

describe('GET /funnel', () => {
  it('reports counts, conversion, time in stage, revenue per currency and feedback per team pair', async () => {
    fakeQueries();
    const res = await handler(httpEvent({ method: 'GET', path: '/funnel' }), lambdaContext());
    expect(res.statusCode).toBe(200);
    const body = JSON.parse(res.body) as FunnelReport;
    const stage = (s: string) => body.stages.find((x) => x.stage === s);
    expect(stage('qualifying')).toMatchObject({ current: 5, entered: 40, exited: 35, avgHoursInStage: 24, next: 'meeting', conversionToNext: 0.5 });
    expect(stage('captured')).toMatchObject({ entered: 100, avgHoursInStage: 2, conversionToNext: 0.4, shareOfCaptured: 1 });
    expect(stage('negotiating')?.shareOfCaptured).toBe(0.12);
    expect(stage('meeting')).toMatchObject({ current: 2, avgHoursInStage: 0, conversionToNext: 0.6 });
    expect(stage('negotiating')).toMatchObject({ avgHoursInStage: null });
    expect(stage('customer')?.conversionToNext).toBeNull();
    expect(stage('lost')?.next).toBeUndefined();
    expect(body.overall).toEqual({ leadToWon: 0.05, leadToCustomer: 0 });
    expect(body.revenue).toEqual([
      { currency: 'EUR', amount: 150000, deals: 3, averageDeal: 50000 },
      { currency: 'USD', amount: 40000, deals: 2, averageDeal: 20000 },
    ]);
    const pair = body.feedback.pairs.find((p) => p.from === 'inside-sales' && p.to === 'marketing');
    expect(pair).toEqual({ step: 'qualification-call', from: 'inside-sales', to: 'marketing', count: 2, averageRatings: { 'lead-fit': 4.5, 'campaign-reaction': 3 } });
    expect(body.feedback.since).toBeNull();
  });

  it('uses Query only: Select COUNT on byStage for every stage, no scans', async () => {
    fakeQueries();
    await handler(httpEvent({ method: 'GET', path: '/funnel' }), lambdaContext());
    expect(ddbMock.commandCalls(ScanCommand)).toHaveLength(0);
    const stageQueries = ddbMock.commandCalls(QueryCommand).map((c) => c.args[0].input).filter((i) => i.IndexName === 'byStage');
    expect(stageQueries.every((q) => q.Select === 'COUNT' && q.KeyConditionExpression === 'gsi1pk = :pk')).toBe(true);
    expect(new Set(stageQueries.map((q) => q.ExpressionAttributeValues?.[':pk'])).size).toBe(13);
  });

  it('counts only recent feedback with ?feedbackDays', async () => {
    fakeQueries();
    const res = await handler(httpEvent({ method: 'GET', path: '/funnel', query: { feedbackDays: '30' } }), lambdaContext());
    expect(JSON.parse(res.body).feedback.since).toBe('2026-04-01T00:00:00.000Z');
    const fb = ddbMock.commandCalls(QueryCommand).map((c) => c.args[0].input).find((i) => i.IndexName === 'byTeamFeedback');
    expect(fb?.KeyConditionExpression).toBe('gsi2pk = :pk AND gsi2sk >= :since');
    expect(fb?.ExpressionAttributeValues?.[':since']).toBe('2026-04-01T00:00:00.000Z');
  });

  it('400 naming feedbackDays when it is not a whole number of days', async () => {
    const res = await handler(httpEvent({ method: 'GET', path: '/funnel', query: { feedbackDays: 'lots' } }), lambdaContext());
    expect(res.statusCode).toBe(400);
    expect(JSON.parse(res.body)).toMatchObject({ field: 'feedbackDays' });
    expect(ddbMock.calls()).toHaveLength(0);
  });

  it('an empty table gives zeros and nulls, not errors', async () => {
    ddbMock.on(QueryCommand).resolves({ Count: 0, Items: [] });
    const res = await handler(httpEvent({ method: 'GET', path: '/funnel' }), lambdaContext());
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
});
