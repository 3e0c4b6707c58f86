/**
 * The funnel of a period and the shared goal (pure parts): the period's
 * figures are the counters' own increments over the period's stage changes,
 * overdue requests and feedback (funnel/activity.ts), so a period holding
 * everything equals the all-time report; the goal's progress and what each
 * team's work added (funnel/goal.ts); the goal period (funnel/goal-setting.ts);
 * and the digest's marks for low ratings, falling conversions and overdue
 * requests (digest/figures.ts).
 */
import { describe, expect, it } from 'vitest';
import { activityBuckets } from '#lib/core/keys';
import { campaignLines, campaignRows, goalHeadline, goalRows, ownerLines, ownerRows } from '#lib/digest/figures';
import { periodFunnelItems } from '#lib/funnel/activity';
import { type CountedStageChange, feedbackIncrements, overdueIncrements, pairKey, stageChangeIncrements } from '#lib/funnel/counters';
import { progressOf } from '#lib/funnel/goal';
import { goalPeriodOf, goalSchema } from '#lib/funnel/goal-setting';
import { buildFunnel, parseFunnelItems } from '#lib/funnel/report';
import type { FeedbackItem } from '#lib/feedback/records';

const H = 3_600_000;
const IS = 'sdr1@example.com';
const FS = 'ae1@example.com';
const CSM = 'csm1@example.com';

function change(to: CountedStageChange['to'], from: CountedStageChange['from'], at: string, more: Partial<CountedStageChange> = {}): CountedStageChange {
  return { from, to, reason: more.reason ?? 'x', at, timeInPreviousStageMs: 2 * H, campaign: 'webinar', owners: { 'inside-sales': IS, 'field-sales': FS }, expansion: false, ...more };
}

/** Two won deals (one from an expansion), one lost, one nurtured, in November; one won deal in October. */
const CHANGES: CountedStageChange[] = [
  change('captured', null, '2026-11-02T09:00:00.000Z', { owners: {} }),
  change('qualifying', 'captured', '2026-11-02T10:00:00.000Z', { owners: { 'inside-sales': IS } }),
  change('meeting', 'qualifying', '2026-11-02T14:00:00.000Z', { timeInPreviousStageMs: 4 * H }),
  change('negotiating', 'meeting', '2026-11-05T14:00:00.000Z'),
  change('onboarding', 'negotiating', '2026-11-10T14:00:00.000Z', { reason: 'won', revenue: { amount: 30_000, currency: 'EUR' } }),
  change('onboarding', 'negotiating', '2026-11-12T14:00:00.000Z', { reason: 'won', expansion: true, campaign: undefined, owners: { 'field-sales': FS, 'customer-success': CSM }, revenue: { amount: 5_000, currency: 'EUR' } }),
  change('onboarding', 'negotiating', '2026-11-13T14:00:00.000Z', { reason: 'won', revenue: { amount: 2_000, currency: 'USD' } }),
  change('lost', 'negotiating', '2026-11-14T14:00:00.000Z', { reason: 'price' }),
  change('nurture', 'qualifying', '2026-11-15T14:00:00.000Z', { reason: 'bad-timing', campaign: 'ebook' }),
  change('renewed', 'customer', '2026-11-16T14:00:00.000Z', { owners: { 'customer-success': CSM } }),
  change('onboarding', 'negotiating', '2026-10-20T14:00:00.000Z', { reason: 'won', revenue: { amount: 100_000, currency: 'EUR' } }),
];
const stageEvents = CHANGES.map((counted) => ({ type: 'STAGE_EVENT', counted }));
const overdue = { type: 'OVERDUE', overdue: { team: 'inside-sales' as const, owner: IS } };
const feedback: FeedbackItem = {
  leadId: 'l1',
  step: 'qualification-call',
  from: 'inside-sales',
  to: 'marketing',
  pair: 'inside-sales->marketing',
  answer: 'book-meeting',
  ratings: { 'lead-fit': 2 },
  details: {},
  comment: '',
  answeredAt: '2026-11-03T10:00:00.000Z',
  answeredBy: 'owner',
};

/** What the counters hold after every write (one ADD per increment, as DynamoDB sums them). */
function allTimeItems(): Record<string, unknown>[] {
  const items = new Map<string, Record<string, number>>();
  const add = (sk: string, inc: Map<string, number>) => {
    const item = items.get(sk) ?? {};
    for (const [k, v] of inc) item[k] = (item[k] ?? 0) + v;
    items.set(sk, item);
  };
  for (const c of CHANGES) add(`STAGE#${c.to}`, stageChangeIncrements(c));
  add('OVERDUE', overdueIncrements(overdue.overdue));
  add(pairKey(feedback.step, feedback.from, feedback.to).sk, feedbackIncrements(feedback));
  return [...items].map(([sk, v]) => ({ pk: 'FUNNEL', sk, ...v }));
}

const NOW = new Date('2026-11-20T00:00:00.000Z');
const NOVEMBER = { from: '2026-11-01T00:00:00.000Z', to: '2026-12-01T00:00:00.000Z' };
const inNovember = (at: string) => at >= NOVEMBER.from && at < NOVEMBER.to;

describe('the funnel of a period', () => {
  it('is the all-time report when the period holds every write: the same increments, the same parser', () => {
    const period = buildFunnel(parseFunnelItems(periodFunnelItems([...stageEvents, overdue], [feedback])), { now: NOW });
    const allTime = buildFunnel(parseFunnelItems(allTimeItems()), { now: NOW });
    expect(period).toEqual(allTime);
  });

  it('counts only what its stage changes say: campaigns with their lost and nurtured reasons, owners with time to answer and overdue requests', () => {
    const r = buildFunnel(parseFunnelItems(periodFunnelItems([...stageEvents.filter((e) => inNovember(e.counted.at)), overdue], [feedback])), { now: NOW, period: NOVEMBER });
    expect(r.period).toEqual(NOVEMBER);
    expect(r.headline).toMatchObject({ leads: 1, qualified: 1, meetings: 1, won: 3, retained: 1 });
    expect(r.revenue).toEqual([
      { currency: 'EUR', amount: 35_000, deals: 2, averageDeal: 17_500 },
      { currency: 'USD', amount: 2_000, deals: 1, averageDeal: 2_000 },
    ]);
    expect(r.expansionRevenue).toEqual([{ currency: 'EUR', amount: 5_000, deals: 1, averageDeal: 5_000 }]);
    expect(r.byCampaign.find((c) => c.campaign === 'webinar')).toMatchObject({ won: 2, lost: 1, lostReasons: [{ reason: 'price', count: 1 }], nurtured: 0 });
    expect(r.byCampaign.find((c) => c.campaign === 'ebook')).toMatchObject({ nurtured: 1, nurtureReasons: [{ reason: 'bad-timing', count: 1 }] });
    const sdr = r.byOwner.find((o) => o.owner === IS);
    // Left qualifying twice (meeting after 4 h, nurture after 2 h): its time to answer is their mean.
    expect(sdr).toMatchObject({ team: 'inside-sales', answered: 2, avgHoursToAnswer: 3, overdue: 1 });
    // Field Sales answers in meeting (one left) and negotiating (three won, one lost).
    expect(r.byOwner.find((o) => o.owner === FS)).toMatchObject({ team: 'field-sales', answered: 5, avgHoursToAnswer: 2, overdue: 0 });
    expect(r.feedback.pairs.find((p) => p.pair === 'inside-sales->marketing')).toMatchObject({ count: 1, averageRating: 2 });
  });

  it('reads one byTime bucket per UTC month of the period', () => {
    expect(activityBuckets('2026-11-16T08:00:00.000Z', '2026-11-23T08:00:00.000Z')).toEqual(['ACTIVITY#2026-11']);
    expect(activityBuckets('2026-11-30T08:00:00.000Z', '2027-02-01T00:00:00.000Z')).toEqual(['ACTIVITY#2026-11', 'ACTIVITY#2026-12', 'ACTIVITY#2027-01', 'ACTIVITY#2027-02']);
  });
});

describe('the shared goal', () => {
  it('is validated field by field', () => {
    expect(goalSchema.safeParse({ amount: 250_000, currency: 'EUR', period: 'quarter' }).success).toBe(true);
    const issues = (v: unknown) => goalSchema.safeParse(v).error?.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    expect(issues({ amount: 0, currency: 'EUR', period: 'quarter' })).toEqual(['amount: must be at least 0.01']);
    expect(issues({ amount: 1, currency: 'XTS', period: 'quarter' })).toEqual(['currency: must be an ISO 4217 currency code such as EUR or USD']);
    expect(issues({ amount: 1, currency: 'EUR', period: 'week' })).toEqual(['period: must be one of month, quarter, year']);
  });

  it('runs over calendar months, quarters and years (UTC); a report up to a boundary belongs to the period it ends', () => {
    expect(goalPeriodOf('quarter', NOW)).toEqual({ start: '2026-10-01T00:00:00.000Z', end: '2027-01-01T00:00:00.000Z' });
    expect(goalPeriodOf('month', NOW)).toEqual({ start: '2026-11-01T00:00:00.000Z', end: '2026-12-01T00:00:00.000Z' });
    expect(goalPeriodOf('year', new Date('2027-01-01T00:00:00.000Z'))).toEqual({ start: '2026-01-01T00:00:00.000Z', end: '2027-01-01T00:00:00.000Z' });
  });

  it("progress counts the goal's currency only, with what each team's work added, in pipeline order", () => {
    const quarter = { from: '2026-10-01T00:00:00.000Z', to: NOW.toISOString() };
    const report = buildFunnel(parseFunnelItems(periodFunnelItems(stageEvents, [])), { now: NOW, period: quarter });
    const g = progressOf({ amount: 200_000, currency: 'EUR', period: 'quarter', source: 'api' }, report, NOW);
    expect(g).toMatchObject({ won: 135_000, deals: 3, share: 0.675, remaining: 65_000, start: '2026-10-01T00:00:00.000Z', end: '2027-01-01T00:00:00.000Z' });
    expect(g.notCounted).toEqual([{ currency: 'USD', amount: 2_000, deals: 1, averageDeal: 2_000 }]);
    expect(g.byTeam.map((t) => [t.team, t.amount, t.deals])).toEqual([
      ['marketing', 130_000, 2],
      ['inside-sales', 130_000, 2],
      ['field-sales', 135_000, 3],
      ['customer-success', 5_000, 1],
    ]);
    expect(g.byTeam[0]?.campaigns).toEqual([{ campaign: 'webinar', amount: 130_000, deals: 2 }]);
    expect(g.byTeam[3]?.renewals).toBe(1);
    expect(goalHeadline(g)).toBe('€135,000.00 of €200,000.00 won this quarter (68%)');
    expect(goalRows(g).map((r) => r.label)).toEqual(['Progress', 'Goal period', 'Marketing added', 'Inside Sales added', 'Field Sales added', 'Customer Success added', 'Not counted']);
  });
});

describe('the digest figures', () => {
  // Built in each test, not when the suite is collected, so that mutation testing sees which tests reach the counters' code.
  const november = () => buildFunnel(parseFunnelItems(periodFunnelItems([...stageEvents.filter((e) => inNovember(e.counted.at)), overdue], [])), { now: NOW, period: NOVEMBER });

  it("Marketing's campaign rows: leads to revenue, lost and nurtured with their top reasons in words", () => {
    const ebook = campaignLines(november()).find((c) => c.campaign === 'ebook');
    expect(ebook).toBeDefined();
    expect(campaignRows(ebook!).map((r) => `${r.label}: ${String(r.value)}`)).toEqual([
      'Leads: 0',
      'Qualified: 0',
      'Meetings: 0',
      'Won: 0',
      'Revenue: none',
      'Lost: 0',
      'Nurtured: 1: Bad timing ×1',
    ]);
  });

  it('marks a falling conversion and overdue requests in words and signs, beside the alert colour', () => {
    const before = buildFunnel(
      parseFunnelItems(periodFunnelItems([{ type: 'STAGE_EVENT', counted: change('qualifying', 'captured', '2026-10-02T10:00:00.000Z', { owners: { 'inside-sales': IS } }) }, { type: 'STAGE_EVENT', counted: change('meeting', 'qualifying', '2026-10-02T11:00:00.000Z') }], [])),
      { now: NOW },
    );
    const [sdr] = ownerLines('inside-sales', november(), before);
    expect(sdr).toMatchObject({ owner: IS, conversion: 1, previousConversion: 1, overdue: 1 });
    const rows = ownerRows({ ...sdr!, conversion: 0.5, converted: 1, toConvert: 2 });
    expect(rows).toEqual([
      { label: 'Qualified to meeting', value: '▼ Falling: 50% (1 of 2); 100% the period before', alert: true },
      { label: 'Time to answer', value: '3 h on average (2 answers)' },
      { label: 'Overdue requests', value: '⚠ 1 passed the deadline (escalated to the team lead)', alert: true },
    ]);
  });
});
