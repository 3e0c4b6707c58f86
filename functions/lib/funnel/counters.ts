/**
 * What GET /funnel reads, maintained at write time (no scan, no per-lead
 * read on the request path). Layout: docs/architecture.md.
 *
 * `FUNNEL` / `STAGE#<to>`: one item per stage, updated with ONE UpdateItem
 * (atomic ADDs) per stage change, holding both ends of the change:
 *   entered                      leads that entered <to>
 *   expansion                    ... of which expansion opportunities
 *   c#<campaign>, cx#<campaign>  entered (and expansions) per campaign ('(none)' without one)
 *   o#<team>#<owner>, ox#...     entered (and expansions) per owner (every owner the lead has then)
 *   w#<ISO week>                 entered per ISO week (e.g. 2026-W18)
 *   rev#<CUR>, deals#<CUR>       revenue won and deals (on STAGE#onboarding), also
 *                                rev#<CUR>#c#<campaign>, rev#<CUR>#o#<team>#<owner> and the deals# twins
 *   x#<from>#n                   leads that left <from> for <to>
 *   x#<from>#ms                  the sum of their time in <from>
 *   x#<from>#h#<bucket>          histogram of that time (median: medianOfHistogram)
 *   x#<from>#r#<reason>          reason codes, when <to> is an outcome stage (funnel/reasons.ts)
 *   cr#<reason>#<campaign>       reason codes per campaign, on STAGE#lost and STAGE#nurture
 *   rev#<CUR>#x, deals#<CUR>#x   revenue won from expansion opportunities (Customer Success' work)
 *   an#<team>#<owner>, am#...    answers and their time (ms) by the owner of the team a left stage
 *                                waits on (ANSWERING_TEAM: time to answer)
 * So "left <from>" is the sum of x#<from>#n over all stage items, and the
 * leads now in a stage are entered - left.
 *
 * `FUNNEL` / `OVERDUE`: `o#<team>#<owner>`, requests that owner let pass their
 * deadline (escalated to the team lead), one UpdateItem per escalation.
 *
 * `FUNNEL` / `PAIR#<step>#<from>#<to>`: hand-off ratings per team pair,
 * one UpdateItem per stored feedback item:
 *   count; s#<rating id>, n#<rating id>            all time
 *   w#<week>#count, w#<week>#s, w#<week>#n         per ISO week (all ratings of the pair)
 *   w#<week>#s#<rating id>, w#<week>#n#<rating id> per ISO week and rating
 */
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { ddb, tableName } from '#lib/aws/clients';
import type { FeedbackStep, Stage, Team } from '#lib/core/contracts';
import { asTransient } from '#lib/core/errors';
import { FUNNEL_DIMENSION, FUNNEL_METRIC, teamPairDimension } from './metrics';
import { FUNNEL_PK, funnelKey, funnelOverdueKey } from '#lib/core/keys';
import { MetricUnit, metrics } from '#lib/aws/observability';
import { OUTCOME_STAGES, reasonDimension } from './reasons';

/** Campaign name used for leads without one. */
export const NO_CAMPAIGN = '(none)';

/** The outcomes whose reasons are counted per campaign (Marketing's digest: lost and nurtured, with their top reasons). */
export const CAMPAIGN_REASON_STAGES: readonly Stage[] = ['lost', 'nurture'];

/**
 * The team whose answer a stage waits for: the time a lead spends in it,
 * counted per owner of that team, is their time to answer (the qualification
 * call, the meeting outcome, the deal decision, the onboarding review).
 */
export const ANSWERING_TEAM: Partial<Record<Stage, Team>> = {
  qualifying: 'inside-sales',
  meeting: 'field-sales',
  negotiating: 'field-sales',
  onboarding: 'customer-success',
};

// ---- time-in-stage histogram ------------------------------------------------
/**
 * Fixed log-scale buckets for time in stage: bucket 0 is [0, 10 ms); bucket
 * b >= 1 is [10 ms * 2^((b-1)/4), 10 ms * 2^(b/4)), four buckets per
 * doubling (each ~19% wide), ~136 buckets up to two years. The median is
 * interpolated linearly inside its bucket, so it is within one bucket
 * (a factor 2^(1/4) = 1.19) of the exact median; what is stored stays bounded
 * whatever the number of leads.
 */
const HISTOGRAM_BASE_MS = 10;
export const BUCKETS_PER_DOUBLING = 4;

export function bucketLower(b: number): number {
  return b <= 0 ? 0 : HISTOGRAM_BASE_MS * 2 ** ((b - 1) / BUCKETS_PER_DOUBLING);
}

export function bucketUpper(b: number): number {
  return HISTOGRAM_BASE_MS * 2 ** (Math.max(b, 0) / BUCKETS_PER_DOUBLING);
}

export function bucketOf(ms: number): number {
  if (!(ms >= HISTOGRAM_BASE_MS)) return 0;
  let b = 1 + Math.floor(BUCKETS_PER_DOUBLING * Math.log2(ms / HISTOGRAM_BASE_MS));
  // Floating point at a boundary: settle on the bucket whose [lower, upper) holds ms.
  if (bucketLower(b) > ms) b -= 1;
  else if (bucketUpper(b) <= ms) b += 1;
  return b;
}

/** The median of a histogram (bucket -> count), interpolated inside its bucket; null when empty. */
export function medianOfHistogram(histogram: ReadonlyMap<number, number>): number | null {
  const buckets = [...histogram.entries()].filter(([, n]) => n > 0).sort((a, b) => a[0] - b[0]);
  const total = buckets.reduce((sum, [, n]) => sum + n, 0);
  if (total === 0) return null;
  const half = total / 2;
  let before = 0;
  for (const [b, n] of buckets) {
    if (before + n >= half) {
      const lower = bucketLower(b);
      return lower + ((half - before) / n) * (bucketUpper(b) - lower);
    }
    before += n;
  }
  return null; // not reached
}

// ---- ISO week ---------------------------------------------------------------
/** ISO 8601 week of an ISO time (UTC), e.g. '2026-W01'. */
export function isoWeek(isoTime: string): string {
  const d = new Date(isoTime);
  const day = d.getUTCDay() === 0 ? 7 : d.getUTCDay();
  // The Thursday of this week decides the year.
  const thursday = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() + 4 - day));
  const yearStart = Date.UTC(thursday.getUTCFullYear(), 0, 1);
  const week = Math.ceil(((thursday.getTime() - yearStart) / 86_400_000 + 1) / 7);
  return `${thursday.getUTCFullYear()}-W${String(week).padStart(2, '0')}`;
}

// ---- attribute names ---------------------------------------------------------
const ATTR = {
  entered: 'entered',
  expansion: 'expansion',
  campaign: (c: string) => `c#${c}`,
  campaignExpansion: (c: string) => `cx#${c}`,
  owner: (team: Team, owner: string) => `o#${team}#${owner}`,
  ownerExpansion: (team: Team, owner: string) => `ox#${team}#${owner}`,
  week: (w: string) => `w#${w}`,
  revenue: (currency: string, segment = '') => `rev#${currency}${segment}`,
  deals: (currency: string, segment = '') => `deals#${currency}${segment}`,
  exits: (from: Stage) => `x#${from}#n`,
  exitMs: (from: Stage) => `x#${from}#ms`,
  exitBucket: (from: Stage, bucket: number) => `x#${from}#h#${bucket}`,
  exitReason: (from: Stage, reason: string) => `x#${from}#r#${reason}`,
  campaignReason: (reason: string, campaign: string) => `cr#${reason}#${campaign}`,
  answers: (team: Team, owner: string) => `an#${team}#${owner}`,
  answerMs: (team: Team, owner: string) => `am#${team}#${owner}`,
  overdue: (team: Team, owner: string) => `o#${team}#${owner}`,
} as const;

/** The revenue segment of expansion opportunities (rev#<CUR>#x). */
export const EXPANSION_SEGMENT = '#x';

export const PAIR_SK_PREFIX = 'PAIR#';
export const pairKey = (step: FeedbackStep, from: Team, to: Team) => ({ pk: FUNNEL_PK, sk: `${PAIR_SK_PREFIX}${step}#${from}#${to}` });

/** `ADD a :n, b :m, ...` with placeholders; increments of the same attribute are summed. */
function addExpression(increments: ReadonlyMap<string, number>): { UpdateExpression: string; ExpressionAttributeNames: Record<string, string>; ExpressionAttributeValues: Record<string, number> } {
  const names: Record<string, string> = {};
  const values: Record<string, number> = {};
  const parts: string[] = [];
  let i = 0;
  for (const [name, by] of increments) {
    names[`#a${i}`] = name;
    values[`:v${i}`] = by;
    parts.push(`#a${i} :v${i}`);
    i += 1;
  }
  return { UpdateExpression: `ADD ${parts.join(', ')}`, ExpressionAttributeNames: names, ExpressionAttributeValues: values };
}

function bump(m: Map<string, number>, name: string, by: number): void {
  m.set(name, (m.get(name) ?? 0) + by);
}

// ---- stage changes ------------------------------------------------------------
/** A stage change as the funnel counts it. */
export interface CountedStageChange {
  from: Stage | null;
  to: Stage;
  reason: string;
  at: string;
  timeInPreviousStageMs: number;
  campaign?: string | undefined;
  /** The lead's owners once the change is made. */
  owners?: Partial<Record<Team, string>> | undefined;
  /** An expansion opportunity (its own lead, opened at a check-in). */
  expansion: boolean;
  /** A won deal's revenue (counted with the change to 'onboarding'). */
  revenue?: { amount: number; currency: string } | undefined;
}

/** The ADDs one stage change makes to `FUNNEL` / `STAGE#<to>` (pure). */
export function stageChangeIncrements(change: CountedStageChange): Map<string, number> {
  const m = new Map<string, number>();
  const campaign = change.campaign?.trim() || NO_CAMPAIGN;
  const owners = Object.entries(change.owners ?? {}).filter((e): e is [Team, string] => typeof e[1] === 'string' && e[1] !== '');
  bump(m, ATTR.entered, 1);
  bump(m, ATTR.campaign(campaign), 1);
  for (const [team, owner] of owners) bump(m, ATTR.owner(team, owner), 1);
  bump(m, ATTR.week(isoWeek(change.at)), 1);
  if (change.expansion) {
    bump(m, ATTR.expansion, 1);
    bump(m, ATTR.campaignExpansion(campaign), 1);
    for (const [team, owner] of owners) bump(m, ATTR.ownerExpansion(team, owner), 1);
  }
  if (change.revenue) {
    const { amount, currency } = change.revenue;
    const segments = ['', `#c#${campaign}`, ...owners.map(([team, owner]) => `#o#${team}#${owner}`), ...(change.expansion ? [EXPANSION_SEGMENT] : [])];
    for (const s of segments) {
      bump(m, ATTR.revenue(currency, s), amount);
      bump(m, ATTR.deals(currency, s), 1);
    }
  }
  if (change.from !== null) {
    const ms = Math.max(0, Math.round(change.timeInPreviousStageMs));
    bump(m, ATTR.exits(change.from), 1);
    bump(m, ATTR.exitMs(change.from), ms);
    bump(m, ATTR.exitBucket(change.from, bucketOf(ms)), 1);
    if (OUTCOME_STAGES.includes(change.to)) bump(m, ATTR.exitReason(change.from, change.reason || 'unspecified'), 1);
    const team = ANSWERING_TEAM[change.from];
    const answeredBy = team === undefined ? undefined : owners.find(([t]) => t === team)?.[1];
    if (team !== undefined && answeredBy !== undefined) {
      bump(m, ATTR.answers(team, answeredBy), 1);
      bump(m, ATTR.answerMs(team, answeredBy), ms);
    }
  }
  if (CAMPAIGN_REASON_STAGES.includes(change.to)) bump(m, ATTR.campaignReason(change.reason || 'unspecified', campaign), 1);
  return m;
}

/**
 * Counts a stage change: one UpdateItem on `FUNNEL` / `STAGE#<to>`, and the
 * EMF metrics StageEntered{Stage}, TimeInStage{Stage} (of the stage left) and,
 * into an outcome stage, OutcomeReason{Stage, Reason}.
 */
export async function countStageChange(change: CountedStageChange): Promise<void> {
  try {
    await ddb.send(new UpdateCommand({ TableName: tableName(), Key: funnelKey(change.to), ...addExpression(stageChangeIncrements(change)) }));
  } catch (error) {
    throw asTransient(error, 'funnelCounters');
  }
  const entered = metrics.singleMetric();
  entered.addDimension(FUNNEL_DIMENSION.stage, change.to);
  entered.addMetric(FUNNEL_METRIC.stageEntered, MetricUnit.Count, 1);
  if (change.from !== null) {
    const time = metrics.singleMetric();
    time.addDimension(FUNNEL_DIMENSION.stage, change.from);
    time.addMetric(FUNNEL_METRIC.timeInStage, MetricUnit.Milliseconds, Math.max(0, change.timeInPreviousStageMs));
  }
  if (OUTCOME_STAGES.includes(change.to)) {
    const why = metrics.singleMetric();
    why.addDimensions({ [FUNNEL_DIMENSION.stage]: change.to, [FUNNEL_DIMENSION.reason]: reasonDimension(change.reason) });
    why.addMetric(FUNNEL_METRIC.outcomeReason, MetricUnit.Count, 1);
  }
}

// ---- overdue requests ------------------------------------------------------------
/** A request its owner let pass its deadline (escalated to the team lead). */
export interface CountedOverdue {
  team: Team;
  owner: string;
}

/** The ADDs one overdue request makes to `FUNNEL` / `OVERDUE` (pure). */
export function overdueIncrements(item: CountedOverdue): Map<string, number> {
  return new Map([[ATTR.overdue(item.team, item.owner), 1]]);
}

/** Counts an overdue request for its owner (one UpdateItem). Call it once per new overdue record. */
export async function countOverdue(item: CountedOverdue): Promise<void> {
  try {
    await ddb.send(new UpdateCommand({ TableName: tableName(), Key: funnelOverdueKey(), ...addExpression(overdueIncrements(item)) }));
  } catch (error) {
    throw asTransient(error, 'overdueCounters');
  }
}

// ---- hand-off ratings ------------------------------------------------------------
/** A stored feedback item as the funnel counts it (feedback/records.ts FeedbackItem). */
export interface CountedFeedback {
  step: FeedbackStep;
  from: Team;
  to: Team;
  ratings: Readonly<Record<string, number>>;
  answeredAt: string;
}

/** The ADDs one feedback item makes to `FUNNEL` / `PAIR#...` (pure). */
export function feedbackIncrements(item: CountedFeedback): Map<string, number> {
  const m = new Map<string, number>();
  const w = `w#${isoWeek(item.answeredAt)}`;
  bump(m, 'count', 1);
  bump(m, `${w}#count`, 1);
  for (const [id, v] of Object.entries(item.ratings)) {
    if (typeof v !== 'number' || !Number.isFinite(v)) continue;
    bump(m, `s#${id}`, v);
    bump(m, `n#${id}`, 1);
    bump(m, `${w}#s`, v);
    bump(m, `${w}#n`, 1);
    bump(m, `${w}#s#${id}`, v);
    bump(m, `${w}#n#${id}`, 1);
  }
  return m;
}

/**
 * Counts a stored feedback item for its team pair (one UpdateItem) and emits
 * each rating as HandoffRating{TeamPair}. Call it once per new item (the
 * caller knows whether its write created the item).
 */
export async function countFeedback(item: CountedFeedback): Promise<void> {
  try {
    await ddb.send(new UpdateCommand({ TableName: tableName(), Key: pairKey(item.step, item.from, item.to), ...addExpression(feedbackIncrements(item)) }));
  } catch (error) {
    throw asTransient(error, 'feedbackCounters');
  }
  for (const v of Object.values(item.ratings)) {
    if (typeof v !== 'number' || !Number.isFinite(v)) continue;
    // A single metric is flushed, dimensions and all, by its addMetric: one per rating.
    const rating = metrics.singleMetric();
    rating.addDimension(FUNNEL_DIMENSION.teamPair, teamPairDimension(item.from, item.to));
    rating.addMetric(FUNNEL_METRIC.handoffRating, MetricUnit.NoUnit, v);
  }
}
