/** The cost model's arithmetic: request units as DynamoDB bills them, and dollars from usage. */
import { describe, expect, it } from 'vitest';
import { PRICES, ZERO_USAGE, price, requestUnits, type DdbRecord } from '../../bench/lib/pricing';
import { lambdaDurations, requestsPerReminderEmail, type PathName } from '../../bench/cost';
import { buildBaseline } from '../../bench/baseline/make-baseline';
import { readFileSync } from 'node:fs';
import type { HistoryEvent } from '@aws-sdk/client-sfn';

const rec = (r: Partial<DdbRecord>): DdbRecord => ({ t: 0, op: 'GetItem', table: 't', index: null, status: 200, consistent: false, key: null, putBytes: 0, putGsis: [], update: null, readBytes: 0, count: 0, select: null, ...r });

describe('request units', () => {
  it('bills reads per 4 KB (half when eventually consistent) and writes per 1 KB plus each index written', () => {
    expect(requestUnits(rec({ op: 'GetItem', consistent: true, readBytes: 500 }))).toEqual({ wru: 0, rru: 1 });
    expect(requestUnits(rec({ op: 'GetItem', consistent: false, readBytes: 9000 }))).toEqual({ wru: 0, rru: 1.5 });
    expect(requestUnits(rec({ op: 'Query', index: 'byStage', consistent: true, readBytes: 100 }))).toEqual({ wru: 0, rru: 0.5 });
    expect(requestUnits(rec({ op: 'PutItem', putBytes: 1500, putGsis: ['gsi2pk'] }))).toEqual({ wru: 4, rru: 0 });
    expect(requestUnits(rec({ op: 'UpdateItem', key: { pk: { S: 'LEAD#1' }, sk: { S: 'PROFILE' } }, update: 'SET stage = :s, gsi1pk = :p' }))).toEqual({ wru: 3, rru: 0 });
    expect(requestUnits(rec({ op: 'UpdateItem', key: { pk: { S: 'LINK#ab' }, sk: { S: 'LINK' } }, update: 'SET #status = :a REMOVE gsi3pk, gsi3sk' }))).toEqual({ wru: 2, rru: 0 });
  });

  it('prices usage with the documented table', () => {
    const c = price({ ...ZERO_USAGE, transitions: 1000, emails: 1000, httpRequests: 1_000_000, wru: 1_000_000, rru: 1_000_000, lambdaInvocations: 1_000_000, lambdaBilledMs: 2_000_000 });
    expect(c.sfn).toBeCloseTo(0.025, 6);
    expect(c.ses).toBeCloseTo(0.1, 6);
    expect(c.httpApi).toBeCloseTo(1, 6);
    expect(c.dynamodb).toBeCloseTo(0.75, 6);
    expect(c.lambda).toBeCloseTo(0.2 + 1000 * PRICES.lambdaGbSecond, 6);
    expect(c.total).toBeCloseTo(c.sfn + c.ses + c.httpApi + c.dynamodb + c.lambda, 9);
    // Attachments (the meeting invitations): $0.12 per GB on top of the emails.
    expect(price({ ...ZERO_USAGE, emails: 1000, attachmentBytes: 1e9 }).ses).toBeCloseTo(0.1 + 0.12, 6);
  });
});

describe('history', () => {
  it('times Lambda tasks to their return, not to the callback, divided by the time scale', () => {
    const at = (s: number) => new Date(s * 1000);
    const history = [
      { type: 'TaskScheduled', timestamp: at(0), taskScheduledEventDetails: { resourceType: 'lambda' } },
      { type: 'TaskStarted', timestamp: at(0) },
      { type: 'TaskSucceeded', timestamp: at(6) },
      { type: 'TaskScheduled', timestamp: at(10), taskScheduledEventDetails: { resourceType: 'lambda' } },
      { type: 'TaskStarted', timestamp: at(10) },
      { type: 'TaskSubmitted', timestamp: at(13) },
      { type: 'TaskSucceeded', timestamp: at(5000) },
    ] as HistoryEvent[];
    expect(lambdaDurations(history, 60)).toEqual([100, 50]);
  });
});

describe('baseline definition', () => {
  it('turns every callback task into a Parallel with a reminder Wait loop, and keeps every other state', () => {
    const main = JSON.parse(readFileSync('statemachines/lead-lifecycle.asl.json', 'utf8')) as { States: Record<string, { Type: string; Resource?: string }> };
    const base = buildBaseline(main) as { States: Record<string, { Type: string; Branches?: { States: Record<string, { Type: string }> }[] }> };
    const callbacks = Object.entries(main.States).filter(([, s]) => String(s.Resource).endsWith('.waitForTaskToken')).map(([n]) => n);
    expect(callbacks.length).toBeGreaterThan(0);
    expect(Object.keys(base.States).sort()).toEqual(Object.keys(main.States).sort());
    for (const name of callbacks) {
      const p = base.States[name];
      expect(p?.Type).toBe('Parallel');
      expect(Object.values(p?.Branches?.[1]?.States ?? {}).map((s) => s.Type)).toContain('Wait');
    }
    const committed = JSON.parse(readFileSync('bench/baseline/lead-lifecycle-reminder-loop.asl.json', 'utf8')) as unknown;
    expect(committed).toEqual(base);
  });
});

describe('reminder batching', () => {
  const measures = (fieldSalesWon: number) =>
    Object.fromEntries((['won', 'lost', 'nurture', 'disqualified', 'stalled'] as PathName[]).map((p) => [p, { remindersByTeam: p === 'won' ? { 'field-sales': fieldSalesWon } : {} }])) as Record<PathName, { remindersByTeam: { 'field-sales'?: number } }>;

  it('carries mu / (1 - e^-mu) requests per email: about one at low volume, more as a person has more due per sweep', () => {
    const low = requestsPerReminderEmail(measures(0.01))['field-sales'] ?? 0;
    const high = requestsPerReminderEmail(measures(50))['field-sales'] ?? 0;
    expect(low).toBeGreaterThanOrEqual(1);
    expect(low).toBeLessThan(1.01);
    expect(high).toBeGreaterThan(low);
    expect(requestsPerReminderEmail(measures(0))).toEqual({ 'field-sales': 1 });
  });
});
