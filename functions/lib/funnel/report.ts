/**
 * The funnel behind `GET /funnel`, the ops console's funnel page and (from
 * the same events, as EMF metrics) the CloudWatch dashboard. It reads only
 * the `FUNNEL` partition the writes maintain (funnel/counters.ts): one Query,
 * a few small items, whatever the number of leads. No scan, no GSI count.
 *
 * One funnel for everybody: leads, qualified, meetings, won, revenue,
 * onboarded, retained and expanded, with the conversion of each step; per
 * stage the leads in it now, entered, left, conversion to the next stage,
 * mean and median time in stage and the top reasons for leaving it; the
 * same headline figures by campaign and by owner; and hand-off quality
 * (mean rating) per team pair, all time and per ISO week, beside the
 * conversion of the stage that hand-off feeds.
 */
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { ddb, tableName } from '#lib/aws/clients';
import { allItems } from '#lib/aws/paginate';
import { STAGES, TEAMS, type FeedbackStep, type ReviewStep, type Stage, type Team } from '#lib/core/contracts';
import { asTransient } from '#lib/core/errors';
import { EXPANSION_SEGMENT, PAIR_SK_PREFIX, isoWeek, medianOfHistogram } from './counters';
import { HEADLINE_ORDER, HEADLINE_STAGES, MAIN_PATH, PAIR_CONVERSION, feedbackPairs, type HeadlineStep } from './metrics';
import { FUNNEL_PK, funnelOverdueKey } from '#lib/core/keys';
import { NURTURE_WORTHY_REASONS, isNurtureWorthy } from './reasons';
import { type TimeRange, readPeriodItems } from './activity';

export { feedbackPairs, type HeadlineStep } from './metrics';

// ---- the raw counts, as read from the FUNNEL items -----------------------------------

export interface RevenueFigures {
  currency: string;
  amount: number;
  deals: number;
  averageDeal: number;
}

interface Money {
  amount: number;
  deals: number;
}

/** Entries per stage, expansions opened and revenue, for everybody or for one campaign or owner. */
interface SegmentCounts {
  entered: Partial<Record<Stage, number>>;
  /** Expansion opportunities opened (entries into 'captured' of expansion leads). */
  expanded: number;
  revenue: Map<string, Money>;
  /** Campaigns: `<outcome>|<reason>` -> leads lost or nurtured for it (CAMPAIGN_REASON_STAGES). */
  reasons: Map<string, number>;
  /** Owners: answers given (stages left that waited on them) and their time in ms. */
  answers: number;
  answerMs: number;
  /** Owners: requests they let pass their deadline. */
  overdue: number;
}

interface StageCounts {
  entered: number;
  exited: number;
  timeInStageMs: number;
  /** Time-in-stage histogram of the leads that left: bucket -> count. */
  histogram: Map<number, number>;
  /** `<to stage>|<reason>` -> leads that left this stage for an outcome with that reason. */
  reasons: Map<string, number>;
  /** ISO week -> entries. */
  weeks: Map<string, number>;
}

interface PairCounts {
  step: FeedbackStep;
  from: Team;
  to: Team;
  count: number;
  sums: Map<string, { sum: number; n: number }>;
  /** ISO week -> count, and sums of all ratings and per rating id. */
  weeks: Map<string, { count: number; sum: number; n: number; byRating: Map<string, { sum: number; n: number }> }>;
}

interface FunnelCounts {
  stages: Map<Stage, StageCounts>;
  all: SegmentCounts;
  campaigns: Map<string, SegmentCounts>;
  /** Key `<team>#<owner>`. */
  owners: Map<string, SegmentCounts>;
  /** Revenue won from expansion opportunities. */
  expansionRevenue: Map<string, Money>;
  pairs: PairCounts[];
}

function num(v: unknown): number {
  return typeof v === 'number' && Number.isFinite(v) ? v : 0;
}

function add<K>(m: Map<K, number>, k: K, by: number): void {
  m.set(k, (m.get(k) ?? 0) + by);
}

function isStage(s: string): s is Stage {
  return (STAGES as readonly string[]).includes(s);
}

function isTeam(s: string): s is Team {
  return (TEAMS as readonly string[]).includes(s);
}

const emptySegment = (): SegmentCounts => ({ entered: {}, expanded: 0, revenue: new Map(), reasons: new Map(), answers: 0, answerMs: 0, overdue: 0 });
const emptyStage = (): StageCounts => ({ entered: 0, exited: 0, timeInStageMs: 0, histogram: new Map(), reasons: new Map(), weeks: new Map() });

/** The owners' segment of an attribute's `<team>#<owner>` part; undefined for an unknown team. */
function ownerSegment(counts: FunnelCounts, key: string): SegmentCounts | undefined {
  return isTeam(key.slice(0, key.indexOf('#'))) ? segment(counts.owners, key) : undefined;
}

function segment(m: Map<string, SegmentCounts>, key: string): SegmentCounts {
  let s = m.get(key);
  if (s === undefined) {
    s = emptySegment();
    m.set(key, s);
  }
  return s;
}

function money(s: Pick<SegmentCounts, 'revenue'>, currency: string): Money {
  let r = s.revenue.get(currency);
  if (r === undefined) {
    r = { amount: 0, deals: 0 };
    s.revenue.set(currency, r);
  }
  return r;
}

function parsePair(sk: string, item: Record<string, unknown>): PairCounts | undefined {
  const [step, from, to] = sk.slice(PAIR_SK_PREFIX.length).split('#');
  const pair = feedbackPairs().find((p) => p.step === step && p.from === from && p.to === to);
  if (pair === undefined) return undefined;
  const out: PairCounts = { ...pair, count: num(item['count']), sums: new Map(), weeks: new Map() };
  const sumOf = (m: Map<string, { sum: number; n: number }>, id: string) => {
    let s = m.get(id);
    if (s === undefined) {
      s = { sum: 0, n: 0 };
      m.set(id, s);
    }
    return s;
  };
  for (const [name, value] of Object.entries(item)) {
    const v = num(value);
    const parts = name.split('#');
    if (parts[0] === 's' || parts[0] === 'n') {
      const id = parts.slice(1).join('#');
      sumOf(out.sums, id)[parts[0] === 's' ? 'sum' : 'n'] += v;
    } else if (parts[0] === 'w' && parts[1] !== undefined) {
      let w = out.weeks.get(parts[1]);
      if (w === undefined) {
        w = { count: 0, sum: 0, n: 0, byRating: new Map() };
        out.weeks.set(parts[1], w);
      }
      const kind = parts[2];
      if (parts.length === 3 && (kind === 'count' || kind === 's' || kind === 'n')) {
        if (kind === 'count') w.count += v;
        else if (kind === 's') w.sum += v;
        else w.n += v;
      } else if (parts.length > 3 && (kind === 's' || kind === 'n')) {
        sumOf(w.byRating, parts.slice(3).join('#'))[kind === 's' ? 'sum' : 'n'] += v;
      }
    }
  }
  return out;
}

/** Adds one `FUNNEL` / `STAGE#<to>` item to the counts (attribute layout: funnel/counters.ts). */
function addStageItem(counts: FunnelCounts, to: Stage, item: Record<string, unknown>): void {
  const stage = (s: Stage): StageCounts => {
    let c = counts.stages.get(s);
    if (c === undefined) {
      c = emptyStage();
      counts.stages.set(s, c);
    }
    return c;
  };
  const target = stage(to);
  for (const [name, value] of Object.entries(item)) {
    const v = num(value);
    if (name === 'entered') {
      target.entered += v;
      counts.all.entered[to] = (counts.all.entered[to] ?? 0) + v;
    } else if (name === 'expansion') {
      if (to === 'captured') counts.all.expanded += v;
    } else if (name.startsWith('c#')) {
      const s = segment(counts.campaigns, name.slice(2));
      s.entered[to] = (s.entered[to] ?? 0) + v;
    } else if (name.startsWith('cx#')) {
      if (to === 'captured') segment(counts.campaigns, name.slice(3)).expanded += v;
    } else if (name.startsWith('cr#')) {
      // cr#<reason>#<campaign>: reason codes hold no '#'.
      const [reason = '', ...campaign] = name.slice(3).split('#');
      add(segment(counts.campaigns, campaign.join('#')).reasons, `${to}|${reason}`, v);
    } else if (name.startsWith('an#') || name.startsWith('am#')) {
      const s = ownerSegment(counts, name.slice(3));
      if (s !== undefined) s[name.startsWith('an#') ? 'answers' : 'answerMs'] += v;
    } else if (name.startsWith('ox#')) {
      const s = ownerSegment(counts, name.slice(3));
      if (s !== undefined && to === 'captured') s.expanded += v;
    } else if (name.startsWith('o#')) {
      const s = ownerSegment(counts, name.slice(2));
      if (s !== undefined) s.entered[to] = (s.entered[to] ?? 0) + v;
    } else if (name.startsWith('w#')) {
      add(target.weeks, name.slice(2), v);
    } else if (name.startsWith('rev#') || name.startsWith('deals#')) {
      const isRevenue = name.startsWith('rev#');
      const rest = name.slice(isRevenue ? 4 : 6);
      const currency = rest.slice(0, 3);
      const seg = rest.slice(3);
      const field = isRevenue ? 'amount' : 'deals';
      if (seg === '') money(counts.all, currency)[field] += v;
      else if (seg === EXPANSION_SEGMENT) money({ revenue: counts.expansionRevenue }, currency)[field] += v;
      else if (seg.startsWith('#c#')) money(segment(counts.campaigns, seg.slice(3)), currency)[field] += v;
      else if (seg.startsWith('#o#')) {
        const s = ownerSegment(counts, seg.slice(3));
        if (s !== undefined) money(s, currency)[field] += v;
      }
    } else if (name.startsWith('x#')) {
      const [from, kind, ...rest] = name.slice(2).split('#');
      if (from === undefined || !isStage(from)) continue;
      const left = stage(from);
      if (kind === 'n') left.exited += v;
      else if (kind === 'ms') left.timeInStageMs += v;
      else if (kind === 'h') add(left.histogram, Number(rest[0]), v);
      else if (kind === 'r') add(left.reasons, `${to}|${rest.join('#')}`, v);
    }
  }
}

/** Pure: the counts from the items of the `FUNNEL` partition. */
export function parseFunnelItems(items: readonly Record<string, unknown>[]): FunnelCounts {
  const counts: FunnelCounts = { stages: new Map(), all: emptySegment(), campaigns: new Map(), owners: new Map(), expansionRevenue: new Map(), pairs: [] };
  for (const item of items) {
    const sk = typeof item['sk'] === 'string' ? item['sk'] : '';
    if (sk.startsWith('STAGE#')) {
      const to = sk.slice('STAGE#'.length);
      if (isStage(to)) addStageItem(counts, to, item);
    } else if (sk === funnelOverdueKey().sk) {
      for (const [name, value] of Object.entries(item)) {
        const s = name.startsWith('o#') ? ownerSegment(counts, name.slice(2)) : undefined;
        if (s !== undefined) s.overdue += num(value);
      }
    } else if (sk.startsWith(PAIR_SK_PREFIX)) {
      const pair = parsePair(sk, item);
      if (pair !== undefined) counts.pairs.push(pair);
    }
  }
  return counts;
}

// ---- the report -----------------------------------------------------------------------

function ratio(numerator: number, denominator: number): number | null {
  return denominator > 0 ? Math.round((numerator / denominator) * 10_000) / 10_000 : null;
}

const round2 = (v: number): number => Math.round(v * 100) / 100;

interface ReasonFigures {
  /** The stage the lead ended in (nurture, disqualified, lost, churned, stalled, needs-attention). */
  outcome: Stage;
  reason: string;
  count: number;
  /** Marketing nurtures these again (funnel/reasons.ts). */
  nurtureWorthy: boolean;
}

export interface StageFigures {
  stage: Stage;
  /** Leads in the stage now (entered - left). */
  current: number;
  entered: number;
  exited: number;
  timeInStageMs: number;
  /** entered(this) / entered('captured'). */
  shareOfCaptured: number | null;
  /** Mean time in the stage of the leads that left it (hours, 2 decimals), null before any exit. */
  avgHoursInStage: number | null;
  /**
   * Median time in the stage of the leads that left it (ms), from a fixed
   * log-scale histogram, interpolated: within a factor 2^(1/4) of the exact
   * median (funnel/counters.ts). Null before any exit.
   */
  medianTimeInStageMs: number | null;
  /** For main-path stages: the next stage, and entered(next) / entered(this). */
  next?: Stage;
  conversionToNext?: number | null;
  /** Why leads left this stage for an outcome, most frequent first (at most 5). */
  topReasons: ReasonFigures[];
  /** Leads that left this stage for a nurture-worthy reason: back to Marketing's nurture. */
  backToMarketing: number;
}

export type HeadlineFigures = Record<HeadlineStep, number> & {
  expanded: number;
  revenue: RevenueFigures[];
  /** Each headline step over the one before (qualified / leads, ...); expanded / onboarded. */
  conversion: Record<Exclude<HeadlineStep, 'leads'> | 'expanded', number | null>;
};

/** A reason code and how many leads left for it. */
export interface ReasonCount {
  reason: string;
  count: number;
}

export interface CampaignFigures extends HeadlineFigures {
  campaign: string;
  /** Deals lost and leads returned to nurture, each with its top reasons (most frequent first, at most 3). */
  lost: number;
  lostReasons: ReasonCount[];
  nurtured: number;
  nurtureReasons: ReasonCount[];
}

export interface OwnerFigures extends HeadlineFigures {
  team: Team;
  owner: string;
  /** Leads that left a stage waiting on this owner's answer (funnel/counters.ts ANSWERING_TEAM). */
  answered: number;
  /** Their mean time in that stage: the owner's time to answer (hours, 2 decimals), null before any. */
  avgHoursToAnswer: number | null;
  /** Requests the owner let pass their deadline (escalated to the team lead). */
  overdue: number;
}

interface RatingFigures {
  count: number;
  /** Mean of every 1-5 rating given along the pair (2 decimals), null without ratings. */
  averageRating: number | null;
  /** Mean per rating question id. */
  averageRatings: Record<string, number>;
}

interface PairWeek extends RatingFigures {
  week: string;
  /** The pair's stage conversion among the entries of that week. */
  conversion: number | null;
}

export interface FeedbackPair extends RatingFigures {
  step: FeedbackStep;
  from: Team;
  to: Team;
  pair: string;
  /** The stage conversion this hand-off feeds (e.g. meeting -> negotiating for meeting-outcome). */
  conversion: { from: Stage; to: Stage; rate: number | null };
  /** Oldest week first. */
  weeks: PairWeek[];
}

export interface FunnelReport {
  generatedAt: string;
  /** The period counted, [from, to); null: all time. */
  period: TimeRange | null;
  headline: HeadlineFigures;
  stages: StageFigures[];
  /** captured -> onboarding (won), captured -> customer; null when nothing was captured. */
  overall: { leadToWon: number | null; leadToCustomer: number | null };
  revenue: RevenueFigures[];
  /** Revenue won from expansion opportunities (also in `revenue`). */
  expansionRevenue: RevenueFigures[];
  byCampaign: CampaignFigures[];
  byOwner: OwnerFigures[];
  /** The reasons that send a lead back to Marketing's nurture. */
  nurtureWorthyReasons: readonly string[];
  feedback: { since: string | null; pairs: FeedbackPair[] };
}

function revenueFigures(s: Pick<SegmentCounts, 'revenue'>): RevenueFigures[] {
  return [...s.revenue.entries()]
    .filter(([, r]) => r.deals > 0 || r.amount !== 0)
    .map(([currency, r]) => ({ currency, amount: round2(r.amount), deals: r.deals, averageDeal: r.deals > 0 ? round2(r.amount / r.deals) : 0 }))
    .sort((a, b) => a.currency.localeCompare(b.currency));
}

/** Pure: the headline figures of a segment. */
function headlineOf(s: SegmentCounts): HeadlineFigures {
  const n = (step: HeadlineStep) => s.entered[HEADLINE_STAGES[step]] ?? 0;
  const figures = Object.fromEntries(HEADLINE_ORDER.map((step) => [step, n(step)])) as Record<HeadlineStep, number>;
  const conversion = Object.fromEntries(HEADLINE_ORDER.slice(1).map((step, i) => [step, ratio(n(step), n(HEADLINE_ORDER[i] as HeadlineStep))])) as HeadlineFigures['conversion'];
  conversion.expanded = ratio(s.expanded, n('onboarded'));
  return { ...figures, expanded: s.expanded, revenue: revenueFigures(s), conversion };
}

/** A campaign's lost deals and nurtured leads with their top three reasons each. */
function campaignOutcomes(s: SegmentCounts): Pick<CampaignFigures, 'lost' | 'lostReasons' | 'nurtured' | 'nurtureReasons'> {
  const top = (outcome: Stage): ReasonCount[] =>
    [...s.reasons.entries()]
      .filter(([key]) => key.startsWith(`${outcome}|`))
      .map(([key, count]) => ({ reason: key.slice(outcome.length + 1), count }))
      .sort((a, b) => b.count - a.count || a.reason.localeCompare(b.reason))
      .slice(0, 3);
  return { lost: s.entered.lost ?? 0, lostReasons: top('lost'), nurtured: s.entered.nurture ?? 0, nurtureReasons: top('nurture') };
}

function ratingFigures(count: number, sums: Map<string, { sum: number; n: number }>, total?: { sum: number; n: number }): RatingFigures {
  const all = total ?? [...sums.values()].reduce((a, s) => ({ sum: a.sum + s.sum, n: a.n + s.n }), { sum: 0, n: 0 });
  return {
    count,
    averageRating: all.n > 0 ? round2(all.sum / all.n) : null,
    averageRatings: Object.fromEntries([...sums].filter(([, s]) => s.n > 0).map(([id, s]) => [id, round2(s.sum / s.n)])),
  };
}

function pairFigures(p: PairCounts, counts: FunnelCounts, sinceWeek: string | null): FeedbackPair {
  const [convFrom, convTo] = PAIR_CONVERSION[p.step as ReviewStep];
  const entered = (s: Stage) => counts.stages.get(s)?.entered ?? 0;
  const enteredIn = (s: Stage, week: string) => counts.stages.get(s)?.weeks.get(week) ?? 0;
  const weeks = [...p.weeks.entries()]
    .filter(([w]) => sinceWeek === null || w >= sinceWeek)
    .sort((a, b) => a[0].localeCompare(b[0]))
    .map(([week, w]): PairWeek => ({ week, ...ratingFigures(w.count, w.byRating, { sum: w.sum, n: w.n }), conversion: ratio(enteredIn(convTo, week), enteredIn(convFrom, week)) }));
  let rating: RatingFigures;
  if (sinceWeek === null) {
    rating = ratingFigures(p.count, p.sums);
  } else {
    const sums = new Map<string, { sum: number; n: number }>();
    let count = 0;
    for (const [w, c] of p.weeks) {
      if (w < sinceWeek) continue;
      count += c.count;
      for (const [id, s] of c.byRating) {
        const t = sums.get(id) ?? { sum: 0, n: 0 };
        sums.set(id, { sum: t.sum + s.sum, n: t.n + s.n });
      }
    }
    rating = ratingFigures(count, sums);
  }
  return {
    step: p.step,
    from: p.from,
    to: p.to,
    pair: `${p.from}->${p.to}`,
    ...rating,
    conversion: { from: convFrom, to: convTo, rate: ratio(entered(convTo), entered(convFrom)) },
    weeks,
  };
}

/** Pure: the report from the counts. `feedbackSince`: only ratings of the ISO weeks from this time's week on. */
export function buildFunnel(counts: FunnelCounts, options: { now: Date; feedbackSince?: string | null; period?: TimeRange | null }): FunnelReport {
  const since = options.feedbackSince ?? null;
  const sc = (s: Stage): StageCounts => counts.stages.get(s) ?? emptyStage();
  const entered = (s: Stage) => sc(s).entered;
  const stages = STAGES.map((stage): StageFigures => {
    const c = sc(stage);
    const median = medianOfHistogram(c.histogram);
    const reasons = [...c.reasons.entries()].map(([key, count]): ReasonFigures => {
      const [outcome, ...rest] = key.split('|');
      const reason = rest.join('|');
      return { outcome: outcome as Stage, reason, count, nurtureWorthy: isNurtureWorthy(reason) };
    });
    const figures: StageFigures = {
      stage,
      current: Math.max(0, c.entered - c.exited),
      entered: c.entered,
      exited: c.exited,
      timeInStageMs: c.timeInStageMs,
      shareOfCaptured: ratio(c.entered, entered('captured')),
      avgHoursInStage: c.exited > 0 ? round2(c.timeInStageMs / c.exited / 3_600_000) : null,
      medianTimeInStageMs: median === null ? null : Math.round(median),
      topReasons: reasons.sort((a, b) => b.count - a.count || a.outcome.localeCompare(b.outcome) || a.reason.localeCompare(b.reason)).slice(0, 5),
      backToMarketing: reasons.filter((r) => r.nurtureWorthy).reduce((sum, r) => sum + r.count, 0),
    };
    const i = MAIN_PATH.indexOf(stage);
    const next = i >= 0 ? MAIN_PATH[i + 1] : undefined;
    if (next) {
      figures.next = next;
      figures.conversionToNext = ratio(entered(next), c.entered);
    }
    return figures;
  });
  const sinceWeek = since === null ? null : isoWeek(since);
  const byName = <T>(m: Map<string, SegmentCounts>, f: (key: string, h: HeadlineFigures, s: SegmentCounts) => T): T[] =>
    [...m.entries()].sort((a, b) => a[0].localeCompare(b[0])).map(([key, s]) => f(key, headlineOf(s), s));
  return {
    generatedAt: options.now.toISOString(),
    period: options.period ?? null,
    headline: headlineOf(counts.all),
    stages,
    overall: {
      leadToWon: ratio(entered('onboarding'), entered('captured')),
      leadToCustomer: ratio(entered('customer'), entered('captured')),
    },
    revenue: revenueFigures(counts.all),
    expansionRevenue: revenueFigures({ revenue: counts.expansionRevenue }),
    byCampaign: byName(counts.campaigns, (campaign, h, s) => ({ campaign, ...h, ...campaignOutcomes(s) })),
    byOwner: byName(counts.owners, (key, h, s) => ({
      team: key.slice(0, key.indexOf('#')) as Team,
      owner: key.slice(key.indexOf('#') + 1),
      ...h,
      answered: s.answers,
      avgHoursToAnswer: s.answers > 0 ? round2(s.answerMs / s.answers / 3_600_000) : null,
      overdue: s.overdue,
    })),
    nurtureWorthyReasons: NURTURE_WORTHY_REASONS,
    feedback: {
      since,
      pairs: feedbackPairs().map((p) => pairFigures(counts.pairs.find((c) => c.step === p.step && c.from === p.from && c.to === p.to) ?? { ...p, count: 0, sums: new Map(), weeks: new Map() }, counts, sinceWeek)),
    },
  };
}

/** Every item of the `FUNNEL` partition (a handful of items; paged in case they grow past 1 MB). */
async function readFunnelItems(): Promise<Record<string, unknown>[]> {
  return allItems(async (ExclusiveStartKey: Record<string, unknown> | undefined) => {
    try {
      return await ddb.send(new QueryCommand({ TableName: tableName(), KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': FUNNEL_PK }, ExclusiveStartKey }));
    } catch (error) {
      throw asTransient(error, 'funnel counters');
    }
  });
}

/**
 * The whole report: all time from the counters, or with `period` what
 * happened in [from, to) (funnel/activity.ts). `feedbackSince`: only count
 * feedback of the ISO weeks from this time's week on.
 */
export async function loadFunnel(options: { feedbackSince?: string | null; now?: Date; period?: TimeRange } = {}): Promise<FunnelReport> {
  const items = options.period === undefined ? await readFunnelItems() : await readPeriodItems(options.period);
  return buildFunnel(parseFunnelItems(items), { now: options.now ?? new Date(), feedbackSince: options.feedbackSince ?? null, period: options.period ?? null });
}
