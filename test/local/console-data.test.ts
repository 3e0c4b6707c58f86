import { describe, expect, it } from 'vitest';
import type { HistoryEvent } from '../../local/engine/api';
import { feedbackItem, historyRow, leadCard, pathOf, stageEventRow } from '../../local/console/data';

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
