/**
 * The funnel computations, pure: what one stage change or feedback item adds
 * to the FUNNEL items (functions/lib/funnel/counters.ts), and the report built from them
 * (funnel.ts). The items are summed here as DynamoDB's ADD would.
 */
import { describe, expect, it } from 'vitest';
import type { Stage, Team } from '#lib/core/contracts';
import {
  BUCKETS_PER_DOUBLING,
  type CountedFeedback,
  type CountedStageChange,
  bucketLower,
  bucketOf,
  bucketUpper,
  feedbackIncrements,
  isoWeek,
  medianOfHistogram,
  pairKey,
  stageChangeIncrements,
} from '#lib/funnel/counters';
import { buildFunnel, feedbackPairs, parseFunnelItems } from '#lib/funnel/report';
import { NURTURE_WORTHY_REASONS, isNurtureWorthy, reasonDimension } from '#lib/funnel/reasons';

/** The FUNNEL partition as DynamoDB would hold it after these ADDs. */
class FakeFunnel {
  readonly items = new Map<string, Record<string, unknown>>();
  add(sk: string, increments: Map<string, number>): void {
    const item = this.items.get(sk) ?? { pk: 'FUNNEL', sk };
    for (const [k, v] of increments) item[k] = ((item[k] as number | undefined) ?? 0) + v;
    this.items.set(sk, item);
  }
  change(c: CountedStageChange): void {
    this.add(`STAGE#${c.to}`, stageChangeIncrements(c));
  }
  feedback(f: CountedFeedback): void {
    this.add(pairKey(f.step, f.from, f.to).sk, feedbackIncrements(f));
  }
  report(feedbackSince: string | null = null) {
    return buildFunnel(parseFunnelItems([...this.items.values()]), { now: new Date('2026-05-01T00:00:00Z'), feedbackSince });
  }
}

const T0 = Date.parse('2026-04-20T09:00:00.000Z'); // a Monday, ISO week 2026-W17
const H = 3_600_000;

/** Walks a lead along stages, one change per step, `hours[i]` hours in each stage before leaving it. */
function walk(
  f: FakeFunnel,
  path: readonly Stage[],
  o: { hours?: number[]; campaign?: string; owners?: (i: number) => Partial<Record<Team, string>>; reason?: string; expansion?: boolean; revenue?: { amount: number; currency: string } } = {},
): void {
  let at = T0;
  path.forEach((to, i) => {
    const from = i === 0 ? null : (path[i - 1] as Stage);
    const spent = i === 0 ? 0 : (o.hours?.[i - 1] ?? 1) * H;
    at += spent;
    f.change({
      from,
      to,
      reason: i === path.length - 1 && o.reason !== undefined ? o.reason : `to-${to}`,
      at: new Date(at).toISOString(),
      timeInPreviousStageMs: spent,
      campaign: o.campaign,
      owners: o.owners?.(i) ?? {},
      expansion: o.expansion ?? false,
      revenue: to === 'onboarding' ? o.revenue : undefined,
    });
  });
}

describe('time-in-stage histogram', () => {
  it('puts every duration in the bucket whose bounds hold it, four buckets per doubling', () => {
    // Edges where Math.log2 misrounds: bucket 2's lower edge (log2 one bucket short) and just under 320, bucket 21's lower edge (one bucket over).
    const misrounded = [bucketLower(2), 319.99999999999994];
    for (const ms of [0, 1, 9.99, 10, 11, 11.9, 11.8920712, 20, 1000, 3_599_999, 3_600_000, 86_400_000 * 400, ...misrounded]) {
      const b = bucketOf(ms);
      expect(bucketLower(b) <= ms && ms < bucketUpper(b), `${ms} in bucket ${b}`).toBe(true);
    }
    expect(misrounded.map(bucketOf)).toEqual([2, 20]);
    // Under 10 ms (and a time that is not a number) is bucket 0, not a negative one (bucketLower and bucketUpper would hide it).
    expect([0, 5, 9.99, Number.NaN].map(bucketOf)).toEqual([0, 0, 0, 0]);
    expect(bucketOf(20)).toBe(1 + BUCKETS_PER_DOUBLING);
    expect(bucketUpper(5) / bucketLower(5)).toBeCloseTo(2 ** 0.25, 10);
    expect(bucketOf(2 * 365 * 86_400_000)).toBeLessThan(140); // bounded: two years fit in ~136 buckets
  });

  it('interpolates the median within one bucket of the exact one', () => {
    let seed = 7;
    const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    for (const n of [1, 2, 3, 10, 101, 1000]) {
      const values = Array.from({ length: n }, () => Math.round(20 + rand() ** 3 * 5_000_000));
      const h = new Map<number, number>();
      for (const v of values) h.set(bucketOf(v), (h.get(bucketOf(v)) ?? 0) + 1);
      const sorted = [...values].sort((a, b) => a - b);
      const lo = sorted[Math.floor((n - 1) / 2)] as number;
      const hi = sorted[Math.ceil((n - 1) / 2)] as number;
      const median = medianOfHistogram(h) as number;
      expect(median, `n=${n}`).toBeGreaterThanOrEqual(lo / 2 ** 0.25 - 1e-9);
      expect(median, `n=${n}`).toBeLessThanOrEqual(hi * 2 ** 0.25 + 1e-9);
    }
    expect(medianOfHistogram(new Map())).toBeNull();
    // Three in [10, 11.89) and one far above: the median sits in the first bucket, two thirds of the way.
    expect(medianOfHistogram(new Map([[1, 3], [40, 1]]))).toBeCloseTo(10 + (2 / 3) * (bucketUpper(1) - 10), 6);
    // Two leads far apart: the median is where the first one's bucket ends (the half is reached exactly there), not where the second one's begins.
    expect(medianOfHistogram(new Map([[40, 1], [1, 1]]))).toBe(bucketUpper(1));
  });
});

describe('isoWeek', () => {
  it('numbers weeks as ISO 8601 does, across year ends', () => {
    expect(isoWeek('2026-04-20T09:00:00.000Z')).toBe('2026-W17');
    expect(isoWeek('2026-01-01T00:00:00.000Z')).toBe('2026-W01'); // a Thursday
    expect(isoWeek('2024-12-30T12:00:00.000Z')).toBe('2025-W01'); // Monday of 2025's first week
    expect(isoWeek('2027-01-01T12:00:00.000Z')).toBe('2026-W53'); // a Friday: still 2026's last week
    expect(isoWeek('2026-04-26T23:59:59.999Z')).toBe('2026-W17'); // Sunday ends the week
    expect(isoWeek('2026-04-27T00:00:00.000Z')).toBe('2026-W18');
  });
});

describe('reason codes', () => {
  it('nurture-worthy reasons are the timing, budget and not-ready ones', () => {
    expect(NURTURE_WORTHY_REASONS).toEqual(expect.arrayContaining(['not-ready-to-buy', 'bad-timing', 'timing', 'no-budget', 'budget-cut']));
    expect(isNurtureWorthy('budget-cut')).toBe(true);
    expect(isNurtureWorthy('competitor')).toBe(false);
    expect(isNurtureWorthy('product-gap')).toBe(false);
    expect(isNurtureWorthy(undefined)).toBe(false);
  });

  it('a metric dimension holds a known code or "other", never free text', () => {
    expect(reasonDimension('price')).toBe('price');
    expect(reasonDimension('no-show')).toBe('no-show');
    expect(reasonDimension('ada@example.org said no')).toBe('other');
  });
});

describe('the funnel from the counters', () => {
  const sdr = (i: number) => (i % 2 === 0 ? 'sdr1@example.com' : 'sdr2@example.com');
  /** 10 leads of campaign A, 6 of B: a known cohort. */
  function cohort(): FakeFunnel {
    const f = new FakeFunnel();
    const ownersFor = (n: number, ae?: string, csm?: string) => (i: number): Partial<Record<Team, string>> => ({
      ...(i >= 1 ? { 'inside-sales': sdr(n) } : {}),
      ...(i >= 2 && ae ? { 'field-sales': ae } : {}),
      ...(i >= 5 && csm ? { 'customer-success': csm } : {}),
    });
    // Campaign A: 2 nurtured by score, 2 disqualified at the call, 1 lost at the meeting, 1 lost on price,
    // 1 lost on timing, 3 won (one churns at the review for a budget cut, two renew).
    walk(f, ['captured', 'nurture'], { campaign: 'A', reason: 'engagement-too-low', hours: [0.001] });
    walk(f, ['captured', 'nurture'], { campaign: 'A', reason: 'no-budget', hours: [0.002] });
    walk(f, ['captured', 'qualifying', 'disqualified'], { campaign: 'A', reason: 'no-need', owners: ownersFor(0), hours: [0.01, 4] });
    walk(f, ['captured', 'qualifying', 'disqualified'], { campaign: 'A', reason: 'wrong-contact', owners: ownersFor(1), hours: [0.01, 6] });
    walk(f, ['captured', 'qualifying', 'meeting', 'lost'], { campaign: 'A', reason: 'no-show', owners: ownersFor(2, 'ae1'), hours: [0.01, 2, 48] });
    walk(f, ['captured', 'qualifying', 'meeting', 'negotiating', 'lost'], { campaign: 'A', reason: 'price', owners: ownersFor(3, 'ae1'), hours: [0.01, 2, 24, 100] });
    walk(f, ['captured', 'qualifying', 'meeting', 'negotiating', 'lost'], { campaign: 'A', reason: 'timing', owners: ownersFor(4, 'ae2'), hours: [0.01, 3, 24, 200] });
    walk(f, ['captured', 'qualifying', 'meeting', 'negotiating', 'onboarding', 'churned'], {
      campaign: 'A', reason: 'budget-cut', owners: ownersFor(5, 'ae2', 'csm1'), hours: [0.01, 1, 24, 50, 10], revenue: { amount: 1000, currency: 'EUR' },
    });
    for (let n = 6; n < 8; n += 1) {
      walk(f, ['captured', 'qualifying', 'meeting', 'negotiating', 'onboarding', 'customer', 'renewed'], {
        campaign: 'A', owners: ownersFor(n, 'ae1', 'csm1'), hours: [0.01, 1, 24, 50, 10, 1000], revenue: { amount: 2500, currency: 'EUR' },
      });
    }
    // Campaign B: 5 nurtured at the call for bad timing, 1 won in USD.
    for (let n = 0; n < 5; n += 1) walk(f, ['captured', 'qualifying', 'nurture'], { campaign: 'B', reason: 'bad-timing', owners: ownersFor(n), hours: [0.01, 5] });
    walk(f, ['captured', 'qualifying', 'meeting', 'negotiating', 'onboarding'], { campaign: 'B', owners: ownersFor(1, 'ae2'), hours: [0.01, 1, 24, 30], revenue: { amount: 700, currency: 'USD' } });
    // An expansion of campaign A's first renewed customer: straight to a meeting, won.
    walk(f, ['captured', 'qualifying', 'meeting', 'negotiating', 'onboarding'], {
      campaign: 'A', expansion: true, owners: () => ({ 'field-sales': 'ae1', 'customer-success': 'csm1' }), hours: [0.01, 0.01, 24, 10], revenue: { amount: 300, currency: 'EUR' },
    });
    return f;
  }

  it('headline figures and their conversion, for everybody', () => {
    const r = cohort().report();
    expect(r.headline).toMatchObject({ leads: 17, qualified: 15, meetings: 8, won: 5, onboarded: 2, retained: 2, expanded: 1 });
    expect(r.headline.conversion).toEqual({ qualified: 0.8824, meetings: 0.5333, won: 0.625, onboarded: 0.4, retained: 1, expanded: 0.5 });
    expect(r.headline.revenue).toEqual([
      { currency: 'EUR', amount: 6300, deals: 4, averageDeal: 1575 },
      { currency: 'USD', amount: 700, deals: 1, averageDeal: 700 },
    ]);
    expect(r.revenue).toEqual(r.headline.revenue);
    expect(r.overall).toEqual({ leadToWon: 0.2941, leadToCustomer: 0.1176 });
  });

  it('per stage: now, entered, left, conversion, mean and median time in stage', () => {
    const r = cohort().report();
    const s = (stage: Stage) => r.stages.find((x) => x.stage === stage);
    expect(s('negotiating')).toMatchObject({ entered: 7, exited: 7, current: 0, next: 'onboarding', conversionToNext: 0.7143 });
    expect(s('onboarding')).toMatchObject({ entered: 5, exited: 3, current: 2 }); // two still onboarding
    expect(s('renewed')).toMatchObject({ entered: 2, exited: 0, current: 2, medianTimeInStageMs: null, avgHoursInStage: null });
    // Time in negotiating: 100, 200, 50, 50, 50, 30, 10 h... the won expansion spent 10 h: sorted 10,30,50,50,50,100,200 -> median 50 h.
    const neg = s('negotiating');
    expect(neg?.avgHoursInStage).toBeCloseTo((100 + 200 + 50 * 3 + 30 + 10) / 7, 1);
    const median = neg?.medianTimeInStageMs ?? 0;
    expect(median).toBeGreaterThanOrEqual((50 * H) / 2 ** 0.25);
    expect(median).toBeLessThanOrEqual(50 * H * 2 ** 0.25);
    expect(s('lost')?.next).toBeUndefined();
  });

  it('top reasons per stage left, and how many go back to Marketing to be nurtured', () => {
    const r = cohort().report();
    const s = (stage: Stage) => r.stages.find((x) => x.stage === stage);
    expect(s('qualifying')?.topReasons).toEqual([
      { outcome: 'nurture', reason: 'bad-timing', count: 5, nurtureWorthy: true },
      { outcome: 'disqualified', reason: 'no-need', count: 1, nurtureWorthy: false },
      { outcome: 'disqualified', reason: 'wrong-contact', count: 1, nurtureWorthy: false },
    ]);
    expect(s('qualifying')?.backToMarketing).toBe(5);
    expect(s('negotiating')?.topReasons).toEqual([
      { outcome: 'lost', reason: 'price', count: 1, nurtureWorthy: false },
      { outcome: 'lost', reason: 'timing', count: 1, nurtureWorthy: true },
    ]);
    expect(s('onboarding')?.topReasons).toEqual([{ outcome: 'churned', reason: 'budget-cut', count: 1, nurtureWorthy: true }]);
    expect(s('captured')?.backToMarketing).toBe(1); // no-budget by score; engagement-too-low is not nurture-worthy
    expect(s('meeting')?.topReasons).toEqual([{ outcome: 'lost', reason: 'no-show', count: 1, nurtureWorthy: false }]);
  });

  it('the same figures by campaign and by owner', () => {
    const r = cohort().report();
    const a = r.byCampaign.find((c) => c.campaign === 'A');
    const b = r.byCampaign.find((c) => c.campaign === 'B');
    expect(r.byCampaign.map((c) => c.campaign)).toEqual(['A', 'B']);
    expect(a).toMatchObject({ leads: 11, qualified: 9, meetings: 7, won: 4, onboarded: 2, retained: 2, expanded: 1 });
    expect(a?.revenue).toEqual([{ currency: 'EUR', amount: 6300, deals: 4, averageDeal: 1575 }]);
    expect(a?.conversion.won).toBe(0.5714);
    expect(b).toMatchObject({ leads: 6, qualified: 6, meetings: 1, won: 1, onboarded: 0, expanded: 0 });
    expect(b?.revenue).toEqual([{ currency: 'USD', amount: 700, deals: 1, averageDeal: 700 }]);

    const owner = (team: Team, o: string) => r.byOwner.find((x) => x.team === team && x.owner === o);
    // sdr1 owned leads n = 0, 2, 4, 6 of A and 0, 2, 4 of B once qualifying.
    expect(owner('inside-sales', 'sdr1@example.com')).toMatchObject({ leads: 0, qualified: 7, meetings: 3, won: 1, onboarded: 1, retained: 1 });
    expect(owner('field-sales', 'ae1')).toMatchObject({ meetings: 5, won: 3, onboarded: 2, retained: 2 });
    expect(owner('field-sales', 'ae1')?.revenue).toEqual([{ currency: 'EUR', amount: 5300, deals: 3, averageDeal: 1766.67 }]);
    expect(owner('customer-success', 'csm1')).toMatchObject({ onboarded: 2, retained: 2, expanded: 1 });
    expect(r.byOwner.every((o) => o.owner !== '')).toBe(true);
  });

  it('hand-off quality per team pair: mean rating all time and per ISO week, beside the conversion it feeds', () => {
    const f = cohort();
    const fb = (answeredAt: string, ratings: Record<string, number>): CountedFeedback => ({ step: 'meeting-outcome', from: 'field-sales', to: 'inside-sales', ratings, answeredAt });
    f.feedback(fb('2026-04-21T10:00:00Z', { 'budget-accuracy': 4, 'need-accuracy': 5 }));
    f.feedback(fb('2026-04-22T10:00:00Z', { 'budget-accuracy': 2 }));
    f.feedback(fb('2026-04-28T10:00:00Z', { 'budget-accuracy': 5, 'timeline-accuracy': 1 }));
    f.feedback(fb('2026-04-29T10:00:00Z', {}));
    const pair = f.report().feedback.pairs.find((p) => p.pair === 'field-sales->inside-sales');
    expect(pair).toMatchObject({ step: 'meeting-outcome', count: 4, averageRating: 3.4, averageRatings: { 'budget-accuracy': 3.67, 'need-accuracy': 5, 'timeline-accuracy': 1 } });
    expect(pair?.conversion).toEqual({ from: 'meeting', to: 'negotiating', rate: 0.875 });
    expect(pair?.weeks.map((w) => [w.week, w.count, w.averageRating])).toEqual([
      ['2026-W17', 2, 3.67],
      ['2026-W18', 2, 3],
    ]);
    // The cohort's meetings and proposals were all entered in week 17 or 18 (its clock starts Monday 2026-04-20).
    expect(pair?.weeks[0]?.conversion).not.toBeUndefined();
    const recent = f.report('2026-04-27T08:00:00Z').feedback.pairs.find((p) => p.pair === 'field-sales->inside-sales');
    expect(recent).toMatchObject({ count: 2, averageRating: 3, averageRatings: { 'budget-accuracy': 5, 'timeline-accuracy': 1 } });
    expect(recent?.weeks.map((w) => w.week)).toEqual(['2026-W18']);
    // Every pair is listed, rated or not.
    expect(f.report().feedback.pairs.map((p) => p.pair)).toEqual(feedbackPairs().map((p) => `${p.from}->${p.to}`));
  });

  it('an empty partition gives zeros and nulls, not errors', () => {
    const r = new FakeFunnel().report();
    expect(r.headline).toMatchObject({ leads: 0, won: 0, revenue: [], conversion: { qualified: null } });
    expect(r.stages.every((s) => s.current === 0 && s.medianTimeInStageMs === null)).toBe(true);
    expect(r.byCampaign).toEqual([]);
    expect(r.feedback.pairs.every((p) => p.count === 0 && p.averageRating === null)).toBe(true);
  });

  it('a stage change is one item update: counters of both ends, campaign, owners, week, histogram, reason, reason by campaign, answer time', () => {
    const inc = stageChangeIncrements({
      from: 'negotiating', to: 'lost', reason: 'price', at: '2026-04-21T10:00:00.000Z', timeInPreviousStageMs: 5 * H,
      campaign: 'Spring #1', owners: { 'inside-sales': 'sdr1@example.com', 'field-sales': 'ae1@example.com' }, expansion: false,
    });
    expect(Object.fromEntries(inc)).toEqual({
      entered: 1,
      'c#Spring #1': 1,
      'o#inside-sales#sdr1@example.com': 1,
      'o#field-sales#ae1@example.com': 1,
      'w#2026-W17': 1,
      'x#negotiating#n': 1,
      'x#negotiating#ms': 5 * H,
      [`x#negotiating#h#${bucketOf(5 * H)}`]: 1,
      'x#negotiating#r#price': 1,
      // The reason by campaign (a lost lead), and the answer time of the owner whose team the left stage waited on.
      'cr#price#Spring #1': 1,
      'an#field-sales#ae1@example.com': 1,
      'am#field-sales#ae1@example.com': 5 * H,
    });
    expect(parseFunnelItems([{ pk: 'FUNNEL', sk: 'STAGE#lost', ...Object.fromEntries(inc) }]).campaigns.has('Spring #1')).toBe(true);
  });
});
