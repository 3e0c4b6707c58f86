/**
 * The funnel figures behind `GET /funnel`, from aggregates only (no scans):
 * - leads now in each stage: Query on GSI byStage with Select COUNT;
 * - entered / exited / time in stage: the `FUNNEL` / `STAGE#<stage>`
 *   counters leads.changeStage maintains (`entered`, `exited`,
 *   `timeInStageMs` = sum of the durations of the exits);
 * - revenue won per currency: `FUNNEL` / `REVENUE#<currency>` (revenue.ts);
 * - feedback per team pair (count, mean ratings): Query on GSI
 *   byTeamFeedback per receiving team and step, optionally since a date
 *   (reads only the sort key and the ratings).
 */
import { QueryCommand, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import { ddb, tableName } from './clients';
import { STAGES, type FeedbackStep, type Stage, type Team } from './contracts';
import { asTransient } from './errors';
import { FEEDBACK_STEP_DEFINITIONS } from './feedback-steps';
import { FUNNEL_PK, INDEX, stageGsiPk, teamFeedbackGsiPk } from './keys';
import { REVENUE_SK_PREFIX } from './revenue';

/** The path a won lead takes; conversion is measured along it. */
export const MAIN_PATH: readonly Stage[] = ['captured', 'qualifying', 'meeting', 'negotiating', 'onboarding', 'customer', 'renewed'];

export interface StageCounters {
  entered: number;
  exited: number;
  timeInStageMs: number;
}

export interface StageFigures extends StageCounters {
  stage: Stage;
  /** Leads in the stage now. */
  current: number;
  /** entered(this) / entered('captured'): e.g. the nurture or win rate of all captured leads. */
  shareOfCaptured: number | null;
  /** Mean time spent in the stage by leads that left it (hours, 2 decimals), null before any exit. */
  avgHoursInStage: number | null;
  /** For main-path stages: the next stage, and entered(next) / entered(this) (null when nothing entered). */
  next?: Stage;
  conversionToNext?: number | null;
}

export interface RevenueFigures {
  currency: string;
  amount: number;
  deals: number;
  averageDeal: number;
}

export interface FeedbackPair {
  step: FeedbackStep;
  from: Team;
  to: Team;
  count: number;
  /** Mean of each 1-5 rating given along this pair (rating id -> mean, 2 decimals). */
  averageRatings: Record<string, number>;
}

export interface FunnelReport {
  generatedAt: string;
  stages: StageFigures[];
  /** captured -> onboarding (won), captured -> customer; null when nothing was captured. */
  overall: { leadToWon: number | null; leadToCustomer: number | null };
  revenue: RevenueFigures[];
  feedback: { since: string | null; pairs: FeedbackPair[] };
}

/** Every (from, to) pair feedback flows along, from the step definitions. */
export function feedbackPairs(): Array<Omit<FeedbackPair, 'count' | 'averageRatings'>> {
  return Object.values(FEEDBACK_STEP_DEFINITIONS).flatMap((def) => def.feedbackTo.map((to) => ({ step: def.step, from: def.askedTeam, to })));
}

function ratio(numerator: number, denominator: number): number | null {
  return denominator > 0 ? Math.round((numerator / denominator) * 10_000) / 10_000 : null;
}

function num(v: unknown): number {
  return typeof v === 'number' && Number.isFinite(v) ? v : 0;
}

/** Pure: the report from the raw figures. */
export function buildFunnel(args: {
  current: Partial<Record<Stage, number>>;
  counters: Partial<Record<Stage, Partial<StageCounters>>>;
  revenue: Array<{ currency: string; amount: number; deals: number }>;
  feedback: FeedbackPair[];
  feedbackSince: string | null;
  now: Date;
}): FunnelReport {
  const entered = (s: Stage) => num(args.counters[s]?.entered);
  const stages = STAGES.map((stage): StageFigures => {
    const c = args.counters[stage] ?? {};
    const exited = num(c.exited);
    const timeInStageMs = num(c.timeInStageMs);
    const figures: StageFigures = {
      stage,
      current: num(args.current[stage]),
      entered: entered(stage),
      exited,
      timeInStageMs,
      shareOfCaptured: ratio(entered(stage), entered('captured')),
      avgHoursInStage: exited > 0 ? Math.round((timeInStageMs / exited / 3_600_000) * 100) / 100 : null,
    };
    const i = MAIN_PATH.indexOf(stage);
    const next = i >= 0 ? MAIN_PATH[i + 1] : undefined;
    if (next) {
      figures.next = next;
      figures.conversionToNext = ratio(entered(next), entered(stage));
    }
    return figures;
  });
  return {
    generatedAt: args.now.toISOString(),
    stages,
    overall: {
      leadToWon: ratio(entered('onboarding'), entered('captured')),
      leadToCustomer: ratio(entered('customer'), entered('captured')),
    },
    revenue: args.revenue
      .map((r) => ({ ...r, averageDeal: r.deals > 0 ? Math.round((r.amount / r.deals) * 100) / 100 : 0 }))
      .sort((a, b) => a.currency.localeCompare(b.currency)),
    feedback: { since: args.feedbackSince, pairs: args.feedback },
  };
}

async function queryAll(input: QueryCommandInput, what: string): Promise<{ items: Record<string, unknown>[]; count: number }> {
  const items: Record<string, unknown>[] = [];
  let count = 0;
  let startKey: Record<string, unknown> | undefined;
  do {
    try {
      const out = await ddb.send(new QueryCommand({ ...input, ...(startKey ? { ExclusiveStartKey: startKey } : {}) }));
      items.push(...(out.Items ?? []));
      count += out.Count ?? 0;
      startKey = out.LastEvaluatedKey;
    } catch (error) {
      throw asTransient(error, what);
    }
  } while (startKey);
  return { items, count };
}

/** Leads now in `stage` (GSI byStage, Select COUNT, all pages). */
export async function countInStage(stage: Stage): Promise<number> {
  const { count } = await queryAll(
    {
      TableName: tableName(),
      IndexName: INDEX.byStage,
      KeyConditionExpression: 'gsi1pk = :pk',
      ExpressionAttributeValues: { ':pk': stageGsiPk(stage) },
      Select: 'COUNT',
    },
    'funnel stage count',
  );
  return count;
}

/**
 * Feedback received by `to` at `step` since an ISO time: the count and the
 * mean of each rating (GSI byTeamFeedback; only `sk` and `ratings` are read).
 */
export async function feedbackFigures(to: Team, step: FeedbackStep, since: string | null): Promise<{ count: number; averageRatings: Record<string, number> }> {
  const values: Record<string, unknown> = { ':pk': teamFeedbackGsiPk(to), ':step': `#${step}#` };
  if (since) values[':since'] = since;
  const { items, count } = await queryAll(
    {
      TableName: tableName(),
      IndexName: INDEX.byTeamFeedback,
      KeyConditionExpression: since ? 'gsi2pk = :pk AND gsi2sk >= :since' : 'gsi2pk = :pk',
      // The main table sort key is FEEDBACK#<ISO>#<step>#<to>: the step sits between '#'.
      FilterExpression: 'contains(sk, :step)',
      ProjectionExpression: 'sk, ratings',
      ExpressionAttributeValues: values,
    },
    'funnel feedback',
  );
  const sums = new Map<string, { sum: number; n: number }>();
  for (const item of items) {
    const ratings = item['ratings'];
    if (typeof ratings !== 'object' || ratings === null) continue;
    for (const [id, v] of Object.entries(ratings)) {
      if (typeof v !== 'number' || !Number.isFinite(v)) continue;
      const s = sums.get(id) ?? { sum: 0, n: 0 };
      sums.set(id, { sum: s.sum + v, n: s.n + 1 });
    }
  }
  const averageRatings = Object.fromEntries([...sums].map(([id, s]) => [id, Math.round((s.sum / s.n) * 100) / 100]));
  return { count, averageRatings };
}

/** The `FUNNEL` partition: stage counters and revenue per currency. */
export async function readFunnelCounters(): Promise<{
  counters: Partial<Record<Stage, Partial<StageCounters>>>;
  revenue: Array<{ currency: string; amount: number; deals: number }>;
}> {
  const { items } = await queryAll(
    { TableName: tableName(), KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': FUNNEL_PK } },
    'funnel counters',
  );
  const counters: Partial<Record<Stage, Partial<StageCounters>>> = {};
  const revenue: Array<{ currency: string; amount: number; deals: number }> = [];
  for (const item of items) {
    const sk = typeof item['sk'] === 'string' ? item['sk'] : '';
    if (sk.startsWith('STAGE#')) {
      const stage = sk.slice('STAGE#'.length);
      if ((STAGES as readonly string[]).includes(stage)) {
        counters[stage as Stage] = { entered: num(item['entered']), exited: num(item['exited']), timeInStageMs: num(item['timeInStageMs']) };
      }
    } else if (sk.startsWith(REVENUE_SK_PREFIX)) {
      revenue.push({ currency: sk.slice(REVENUE_SK_PREFIX.length), amount: num(item['amount']), deals: num(item['deals']) });
    }
  }
  return { counters, revenue };
}

/** The whole report. `feedbackSince`: only count feedback given at or after this ISO time. */
export async function loadFunnel(options: { feedbackSince?: string | null; now?: Date } = {}): Promise<FunnelReport> {
  const since = options.feedbackSince ?? null;
  const pairs = feedbackPairs();
  const [currentCounts, { counters, revenue }, feedbackCounts] = await Promise.all([
    Promise.all(STAGES.map(async (s) => [s, await countInStage(s)] as const)),
    readFunnelCounters(),
    Promise.all(pairs.map((p) => feedbackFigures(p.to, p.step, since))),
  ]);
  return buildFunnel({
    current: Object.fromEntries(currentCounts),
    counters,
    revenue,
    feedback: pairs.map((p, i) => ({ ...p, count: feedbackCounts[i]?.count ?? 0, averageRatings: feedbackCounts[i]?.averageRatings ?? {} })),
    feedbackSince: since,
    now: options.now ?? new Date(),
  });
}
