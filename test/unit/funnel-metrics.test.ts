/**
 * The EMF metrics the funnel writes emit (namespace TheModelPipeline): the
 * names and dimension sets the dashboard reads (test/infra/dashboard.test.ts).
 */
import { DynamoDBDocumentClient, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it, vi } from 'vitest';

process.env.TABLE_NAME = 'test-table';
const ddbMock = mockClient(DynamoDBDocumentClient);
const { countFeedback, countStageChange } = await import('#lib/funnel/counters');
const { storeFeedback } = await import('#lib/feedback/sharing');

interface Emf {
  _aws: { CloudWatchMetrics: { Namespace: string; Dimensions: string[][]; Metrics: { Name: string; Unit: string }[] }[] };
  [key: string]: unknown;
}

/** The EMF documents printed while running fn. */
async function emitted(fn: () => Promise<void>): Promise<Emf[]> {
  const lines: string[] = [];
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    lines.push(String(chunk));
    return true;
  });
  try {
    await fn();
  } finally {
    spy.mockRestore();
  }
  return lines.flatMap((l) => l.split('\n')).filter((l) => l.includes('"_aws"')).map((l) => JSON.parse(l) as Emf);
}

const summary = (docs: Emf[]) =>
  docs.map((d) => {
    const m = d._aws.CloudWatchMetrics[0];
    const dims = [...(m?.Dimensions[0] ?? [])].sort();
    return { namespace: m?.Namespace, metric: m?.Metrics[0]?.Name, dimensions: Object.fromEntries(dims.map((k) => [k, d[k]])), value: d[m?.Metrics[0]?.Name ?? ''] };
  });

afterEach(() => {
  ddbMock.reset();
});

describe('funnel EMF metrics', () => {
  it('a stage change into an outcome emits StageEntered, TimeInStage and OutcomeReason, with Stage and a bounded Reason', async () => {
    ddbMock.on(UpdateCommand).resolves({});
    const docs = await emitted(() =>
      countStageChange({ from: 'negotiating', to: 'lost', reason: 'price', at: '2026-04-21T10:00:00Z', timeInPreviousStageMs: 5000, campaign: 'c', owners: { 'field-sales': 'ae1@example.com' }, expansion: false }),
    );
    expect(summary(docs)).toEqual([
      { namespace: 'TheModelPipeline', metric: 'StageEntered', dimensions: { service: 'the-model-pipeline', Stage: 'lost' }, value: 1 },
      { namespace: 'TheModelPipeline', metric: 'TimeInStage', dimensions: { service: 'the-model-pipeline', Stage: 'negotiating' }, value: 5000 },
      { namespace: 'TheModelPipeline', metric: 'OutcomeReason', dimensions: { service: 'the-model-pipeline', Stage: 'lost', Reason: 'price' }, value: 1 },
    ]);
    const free = await emitted(() => countStageChange({ from: 'meeting', to: 'lost', reason: 'said ada@example.org', at: '2026-04-21T10:00:00Z', timeInPreviousStageMs: 1, expansion: false }));
    expect(summary(free).find((d) => d.metric === 'OutcomeReason')?.dimensions).toEqual({ service: 'the-model-pipeline', Stage: 'lost', Reason: 'other' });
    expect(JSON.stringify(docs)).not.toContain('ae1@example.com');
  });

  it('a first stage emits StageEntered only: no stage was left, and it is no outcome', async () => {
    ddbMock.on(UpdateCommand).resolves({});
    const docs = await emitted(() => countStageChange({ from: null, to: 'captured', reason: 'captured', at: '2026-04-21T10:00:00Z', timeInPreviousStageMs: 0, expansion: false }));
    expect(summary(docs)).toEqual([{ namespace: 'TheModelPipeline', metric: 'StageEntered', dimensions: { service: 'the-model-pipeline', Stage: 'captured' }, value: 1 }]);
  });

  it('a stored feedback item emits each rating as HandoffRating{TeamPair}', async () => {
    ddbMock.on(UpdateCommand).resolves({});
    const docs = await emitted(() => countFeedback({ step: 'meeting-outcome', from: 'field-sales', to: 'inside-sales', ratings: { 'budget-accuracy': 4, 'need-accuracy': 2 }, answeredAt: '2026-04-21T10:00:00Z' }));
    expect(summary(docs)).toEqual([
      { namespace: 'TheModelPipeline', metric: 'HandoffRating', dimensions: { service: 'the-model-pipeline', TeamPair: 'field-sales->inside-sales' }, value: 4 },
      { namespace: 'TheModelPipeline', metric: 'HandoffRating', dimensions: { service: 'the-model-pipeline', TeamPair: 'field-sales->inside-sales' }, value: 2 },
    ]);
    expect(ddbMock.commandCalls(UpdateCommand)[0]?.args[0].input.Key).toEqual({ pk: 'FUNNEL', sk: 'PAIR#meeting-outcome#field-sales#inside-sales' });
  });

  it('a rating that is not a finite number emits no HandoffRating', async () => {
    ddbMock.on(UpdateCommand).resolves({});
    const ratings = { 'budget-accuracy': Number.NaN, 'need-accuracy': Number.POSITIVE_INFINITY, 'timing-accuracy': 3 };
    const docs = await emitted(() => countFeedback({ step: 'meeting-outcome', from: 'field-sales', to: 'inside-sales', ratings, answeredAt: '2026-04-21T10:00:00Z' }));
    expect(summary(docs)).toEqual([{ namespace: 'TheModelPipeline', metric: 'HandoffRating', dimensions: { service: 'the-model-pipeline', TeamPair: 'field-sales->inside-sales' }, value: 3 }]);
  });

  it('a feedback item is counted for its team pair once: a retried share-feedback that overwrites it counts nothing', async () => {
    const item = {
      leadId: 'l1', step: 'qualification-call' as const, from: 'inside-sales' as const, to: 'marketing' as const, pair: 'inside-sales->marketing',
      answer: 'book-meeting', ratings: { 'lead-fit': 5 }, details: {}, comment: '', answeredAt: '2026-04-21T10:00:00.000Z', answeredBy: 'owner' as const,
    };
    ddbMock.on(PutCommand).resolves({}).on(UpdateCommand).resolves({});
    await emitted(() => storeFeedback(item));
    expect(ddbMock.commandCalls(PutCommand)[0]?.args[0].input.ReturnValues).toBe('ALL_OLD');
    expect(ddbMock.commandCalls(UpdateCommand).map((c) => c.args[0].input.Key?.['sk'])).toEqual(['PAIR#qualification-call#inside-sales#marketing']);
    ddbMock.reset();
    ddbMock.on(PutCommand).resolves({ Attributes: { pk: 'LEAD#l1' } });
    await emitted(() => storeFeedback(item));
    expect(ddbMock.commandCalls(UpdateCommand)).toHaveLength(0);
  });
});
