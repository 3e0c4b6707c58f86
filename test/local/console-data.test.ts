import { describe, expect, it } from 'vitest';
import type { HistoryEvent } from '../../local/engine/api';
import { BatchGetCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { STAGES, TEAMS } from '#lib/core/contracts';
import { INDEX, INDEX_KEY, stageGsiPk, teamFeedbackGsiPk } from '#lib/core/keys';
import { ConsoleData, STAGE_ORDER, TEAM_ORDER, feedbackItem, historyRow, leadCard, pathOf, stageEventRow } from '../../local/console/data';

const at = new Date('2026-11-27T10:00:00Z');
const ev = (id: number, type: string, details: Record<string, unknown> = {}): HistoryEvent => ({ id, previousEventId: id - 1, timestamp: at, type, ...details });

describe('console data shaping', () => {
  it('follows the states entered and the ones still open', () => {
    const history = [
      ev(1, 'ExecutionStarted', { executionStartedEventDetails: { input: '{"leadId":"x"}' } }),
      ev(2, 'TaskStateEntered', { stateEnteredEventDetails: { name: 'Qualify lead', input: '{}' } }),
      ev(3, 'TaskStateExited', { stateExitedEventDetails: { name: 'Qualify lead', output: '{}' } }),
      ev(4, 'ChoiceStateEntered', { stateEnteredEventDetails: { name: 'Route qualified lead' } }),
      ev(5, 'ChoiceStateExited', { stateExitedEventDetails: { name: 'Route qualified lead' } }),
      ev(6, 'TaskStateEntered', { stateEnteredEventDetails: { name: 'Await qualification call' } }),
    ];
    expect(pathOf(history)).toEqual({ path: ['Qualify lead', 'Route qualified lead', 'Await qualification call'], open: ['Await qualification call'] });
  });

  it('shows a step and a short detail per event, never inputs, outputs or task tokens', () => {
    const row = historyRow(
      ev(7, 'TaskScheduled', { taskScheduledEventDetails: { resourceType: 'lambda', resource: 'invoke.waitForTaskToken', parameters: '{"Payload":{"taskToken":"SECRET-TOKEN","email":"a@b.c"}}', timeoutInSeconds: 14400 } }),
    );
    expect(row).toEqual({ id: 7, previousEventId: 6, type: 'TaskScheduled', timestamp: at, detail: 'lambda:invoke.waitForTaskToken · timeout 14400s' });
    const failed = historyRow(ev(9, 'ExecutionFailed', { executionFailedEventDetails: { error: 'Lead.Stalled', cause: 'No answer at: Await qualification call' } }));
    expect(failed.detail).toBe('Lead.Stalled');
    expect(JSON.stringify(historyRow(ev(2, 'TaskStateEntered', { stateEnteredEventDetails: { name: 'Qualify lead', input: '{"secret":1}' } })))).not.toContain('secret');
  });

  it('reads lead profiles and feedback items as the functions store them', () => {
    const card = leadCard({ pk: 'LEAD#l1', sk: 'PROFILE', leadId: 'l1', name: 'Ada', company: 'Acme', stage: 'negotiating', score: 91, tier: 'A', owners: { 'inside-sales': 'sdr1@example.com' }, deal: { amount: 5000, currency: 'EUR' } });
    expect(card).toMatchObject({ leadId: 'l1', label: 'Acme · Ada', stage: 'negotiating' });
    expect(card.facts).toEqual(expect.arrayContaining([['Score', '91'], ['Tier', 'A'], ['Owner (inside-sales)', 'sdr1@example.com'], ['Deal', '5000 EUR']]));
    const item = feedbackItem(
      {
        pk: 'LEAD#l1', sk: 'FEEDBACK#2026-11-27T10:16:20.830Z#meeting-outcome#inside-sales', leadId: 'l1', step: 'meeting-outcome', from: 'field-sales', to: 'inside-sales',
        answer: 'held-proceed', ratings: { 'budget-accuracy': 2 }, details: { missing: 'The budget owner' }, comment: '', answeredAt: '2026-11-27T10:16:20.830Z', answeredBy: 'team-lead', campaign: 'spring',
      },
      'inside-sales',
    );
    expect(item).toEqual({
      leadId: 'l1', fromTeam: 'field-sales', toTeam: 'inside-sales', step: 'meeting-outcome', answer: 'held-proceed', comment: '', ratings: [['budget-accuracy', 2]],
      details: [['missing', 'The budget owner']], campaign: 'spring', answeredBy: 'team-lead', at: '2026-11-27T10:16:20.830Z',
    });
  });

  it('reads stage events (the audit trail)', () => {
    expect(stageEventRow({ pk: 'LEAD#l1', sk: 'EVENT#2026-11-27T10:00:00.000Z#000002', type: 'STAGE_EVENT', leadId: 'l1', from: 'captured', to: 'qualifying', reason: 'sales-ready', at: '2026-11-27T10:00:00.000Z', timeInPreviousStageMs: 1500 })).toEqual({
      at: '2026-11-27T10:00:00.000Z', from: 'captured', to: 'qualifying', reason: 'sales-ready', timeInPreviousStageMs: 1500,
    });
    expect(stageEventRow({ sk: 'EVENT#2026-11-27T09:00:00.000Z#000001', from: null, to: 'captured' })).toMatchObject({ at: '2026-11-27T09:00:00.000Z', from: null, reason: '' });
  });
});

/** A document client whose Query answers `pageSize` items per page from `total`, recording each request. */
function fakeDoc(total: number, pageSize: number) {
  const sent: Record<string, unknown>[] = [];
  const doc = {
    send: async (cmd: unknown) => {
      if (!(cmd instanceof QueryCommand)) throw new Error('only Query');
      const input = cmd.input as Record<string, unknown>;
      sent.push(input);
      const start = (input.ExclusiveStartKey as { n: number } | undefined)?.n ?? 0;
      const end = Math.min(total, start + pageSize);
      const Items = Array.from({ length: end - start }, (_, k) => ({ pk: `LEAD#l${start + k}`, leadId: `l${start + k}`, stage: 'captured' }));
      return end < total ? { Items, LastEvaluatedKey: { n: end } } : { Items };
    },
  } as unknown as DynamoDBDocumentClient;
  return { doc, sent };
}
const consoleData = (doc: DynamoDBDocumentClient) => new ConsoleData({ doc, tableName: 't', engine: {} as never, stateMachineArn: 'arn:sm', outbox: {} as never, appBaseUrls: [], definition: '{}' });

describe('console table reads', () => {
  it('lists every stage and every team of the contracts', () => {
    for (const stage of STAGES) expect(STAGE_ORDER).toContain(stage);
    expect(STAGE_ORDER).toHaveLength(STAGES.length);
    for (const team of TEAMS) expect(TEAM_ORDER).toContain(team);
    expect(TEAM_ORDER).toHaveLength(TEAMS.length);
  });

  it('shows a column per stage, read from the byStage index', async () => {
    const { doc, sent } = fakeDoc(0, 10);
    const columns = await consoleData(doc).leadsByStage();
    expect(columns.map((c) => c.stage)).toEqual([...STAGES]);
    expect(sent.map((q) => q.ExpressionAttributeValues)).toEqual(STAGES.map((s) => ({ ':pk': stageGsiPk(s) })));
    expect(sent[0]).toMatchObject({ IndexName: INDEX.byStage, ExpressionAttributeNames: { '#pk': INDEX_KEY.byStage.pk }, ScanIndexForward: false });
  });

  it('lists a stage from the byStage keys (the index projects keys only) and the profiles, in the index order', async () => {
    const profiles: Record<string, Record<string, unknown>> = {
      'LEAD#l2': { pk: 'LEAD#l2', sk: 'PROFILE', leadId: 'l2', company: 'Acme', name: 'Ada', stage: 'captured', score: 70 },
      'LEAD#l1': { pk: 'LEAD#l1', sk: 'PROFILE', leadId: 'l1', company: 'Initech', stage: 'captured' },
    };
    const sent: string[] = [];
    const doc = {
      send: async (cmd: unknown) => {
        if (cmd instanceof QueryCommand) {
          sent.push('Query');
          // What a KEYS_ONLY index returns: the table's and the index's keys.
          return { Items: ['l2', 'gone', 'l1'].map((id) => ({ pk: `LEAD#${id}`, sk: 'PROFILE', gsi1pk: stageGsiPk('captured'), gsi1sk: `2026-11-27T10:00:00Z#${id}` })) };
        }
        if (cmd instanceof BatchGetCommand) {
          sent.push('BatchGet');
          const keys = (cmd.input.RequestItems?.['t']?.Keys ?? []) as { pk: string }[];
          return { Responses: { t: keys.flatMap((k) => (profiles[k.pk] === undefined ? [] : [profiles[k.pk]])) } };
        }
        throw new Error('unexpected command');
      },
    } as unknown as DynamoDBDocumentClient;
    const [column] = await consoleData(doc).leadsByStage('captured');
    expect(sent).toEqual(['Query', 'BatchGet']);
    expect(column?.leads.map((l) => [l.leadId, l.label])).toEqual([
      ['l2', 'Acme · Ada'],
      ['l1', 'Initech'],
    ]);
    expect(column?.leads[0]?.facts).toContainEqual(['Score', '70']);
  });

  it('follows every page, and stops at the page that reaches the limit', async () => {
    const all = fakeDoc(5, 2);
    expect(await consoleData(all.doc).queryAll({ index: 'byStage', pkValue: stageGsiPk('captured') })).toHaveLength(5);
    expect(all.sent).toHaveLength(3);
    const limited = fakeDoc(5, 2);
    const feedback = await consoleData(limited.doc).teamFeedback(3);
    expect(feedback.map((t) => t.team)).toEqual([...TEAMS]);
    expect(feedback.every((t) => t.items.length === 3)).toBe(true);
    expect(limited.sent).toHaveLength(2 * TEAMS.length);
    expect(limited.sent[0]).toMatchObject({ IndexName: INDEX.byTeamFeedback, ExpressionAttributeNames: { '#pk': INDEX_KEY.byTeamFeedback.pk }, ExpressionAttributeValues: { ':pk': teamFeedbackGsiPk('marketing') } });
  });
});
