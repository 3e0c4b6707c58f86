/**
 * The shared revenue goal (funnel/goal-setting.ts): where it is stored, and
 * its progress, the same number wherever it is shown (every team's digest,
 * `GET /funnel`, the console's funnel page), with what each team's work
 * added to it. Not a ranking: each team's line says what its work became,
 * the lines overlap (a won deal is Field Sales' close, often from a
 * campaign Marketing ran and a lead Inside Sales qualified), and nobody is
 * compared with anybody.
 */
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { ddb, tableName } from '#lib/aws/clients';
import type { Team } from '#lib/core/contracts';
import { asTransient } from '#lib/core/errors';
import { settingKey } from '#lib/core/keys';
import { NO_CAMPAIGN } from './counters';
import { type RevenueGoal, goalPeriodOf, goalSchema } from './goal-setting';
import { type FunnelReport, type RevenueFigures, loadFunnel } from './report';
import type { TimeRange } from './activity';

/** What one team's work added to the goal (revenue in the goal's currency). */
export interface TeamContribution {
  team: Team;
  /** What is counted, in words. */
  label: string;
  amount: number;
  deals: number;
  /** Marketing: the revenue per campaign (campaigns with revenue, by name). */
  campaigns?: { campaign: string; amount: number; deals: number }[];
  /** Customer Success: customers renewed in the period. */
  renewals?: number;
}

export interface GoalProgress extends RevenueGoal {
  /** The goal period, [start, end) in UTC. */
  start: string;
  end: string;
  /** Counted up to this time (the report's end: now, or its period's end). */
  asOf: string;
  /** Revenue won in the goal's currency since the period started, and the deals. */
  won: number;
  deals: number;
  /** won / amount (4 decimals; above 1 when the goal is passed). */
  share: number;
  remaining: number;
  /** Revenue won in other currencies: not counted (currencies are never added together). */
  notCounted: RevenueFigures[];
  /** What each team's work added, in pipeline order (Marketing, Inside Sales, Field Sales, Customer Success). */
  byTeam: TeamContribution[];
  /** Where the goal came from: `PUT /goal` (the table) or the revenueGoal setting. */
  source: 'api' | 'setting';
  updatedAt?: string;
}

export type FunnelWithGoal = FunnelReport & { goal: GoalProgress | null };

const GOAL_KEY = settingKey('revenueGoal');
const round2 = (v: number): number => Math.round(v * 100) / 100;

/** The stored goal (PUT /goal), else the setting's; undefined when neither is set. */
export async function readGoal(seed: RevenueGoal | undefined): Promise<(RevenueGoal & { source: GoalProgress['source']; updatedAt?: string }) | undefined> {
  let item: Record<string, unknown> | undefined;
  try {
    item = (await ddb.send(new GetCommand({ TableName: tableName(), Key: GOAL_KEY, ConsistentRead: true }))).Item;
  } catch (error) {
    throw asTransient(error, 'readGoal');
  }
  const stored = goalSchema.safeParse(item?.['goal']);
  if (stored.success) return { ...stored.data, source: 'api', ...(typeof item?.['updatedAt'] === 'string' ? { updatedAt: item['updatedAt'] } : {}) };
  return seed === undefined ? undefined : { ...seed, source: 'setting' };
}

/** Stores the goal (already validated): from now on every digest, report and page shows it. */
export async function saveGoal(goal: RevenueGoal, now: Date): Promise<void> {
  try {
    await ddb.send(new PutCommand({ TableName: tableName(), Item: { ...GOAL_KEY, type: 'SETTING', goal, updatedAt: now.toISOString() } }));
  } catch (error) {
    throw asTransient(error, 'saveGoal');
  }
}

/** Pure: the goal's progress from the funnel of its period up to `asOf`. */
export function progressOf(goal: RevenueGoal & Pick<GoalProgress, 'source' | 'updatedAt'>, report: FunnelReport, asOf: Date): GoalProgress {
  const { start, end } = goalPeriodOf(goal.period, asOf);
  const inCurrency = (figures: readonly RevenueFigures[]) => figures.find((r) => r.currency === goal.currency) ?? { amount: 0, deals: 0 };
  const total = inCurrency(report.revenue);
  const campaigns = report.byCampaign
    .filter((c) => c.campaign !== NO_CAMPAIGN)
    .map((c) => ({ campaign: c.campaign, ...inCurrency(c.revenue) }))
    .filter((c) => c.deals > 0)
    .map((c) => ({ campaign: c.campaign, amount: round2(c.amount), deals: c.deals }));
  const qualified = report.byOwner.filter((o) => o.team === 'inside-sales').map((o) => inCurrency(o.revenue));
  const expansions = inCurrency(report.expansionRevenue);
  const sum = (xs: readonly { amount: number; deals: number }[]) => ({ amount: round2(xs.reduce((a, x) => a + x.amount, 0)), deals: xs.reduce((a, x) => a + x.deals, 0) });
  return {
    amount: goal.amount,
    currency: goal.currency,
    period: goal.period,
    start,
    end,
    asOf: asOf.toISOString(),
    won: round2(total.amount),
    deals: total.deals,
    share: Math.round((total.amount / goal.amount) * 10_000) / 10_000,
    remaining: round2(Math.max(0, goal.amount - total.amount)),
    notCounted: report.revenue.filter((r) => r.currency !== goal.currency),
    byTeam: [
      { team: 'marketing', label: 'revenue from leads of a campaign', ...sum(campaigns), campaigns },
      { team: 'inside-sales', label: 'revenue from leads Inside Sales qualified', ...sum(qualified) },
      { team: 'field-sales', label: 'deals won', amount: round2(total.amount), deals: total.deals },
      { team: 'customer-success', label: 'revenue from expansions, and renewals', amount: round2(expansions.amount), deals: expansions.deals, renewals: report.headline.retained },
    ],
    source: goal.source,
    ...(goal.updatedAt === undefined ? {} : { updatedAt: goal.updatedAt }),
  };
}

/** The goal's progress as of `asOf` (its period's funnel, from the period's start to `asOf`); null without a goal. */
export async function goalProgress(seed: RevenueGoal | undefined, asOf: Date): Promise<GoalProgress | null> {
  const goal = await readGoal(seed);
  if (goal === undefined) return null;
  const { start, end } = goalPeriodOf(goal.period, asOf);
  const to = asOf.toISOString() < end ? asOf.toISOString() : end;
  return progressOf(goal, await loadFunnel({ period: { from: start, to }, now: asOf }), asOf);
}

/**
 * The funnel (all time, or of `period`) with the goal's progress as of the
 * report's end: what `GET /funnel`, the console and the digests show.
 */
export async function funnelWithGoal(options: { now: Date; period?: TimeRange; feedbackSince?: string | null; goal: RevenueGoal | undefined }): Promise<FunnelWithGoal> {
  const report = await loadFunnel({ now: options.now, feedbackSince: options.feedbackSince ?? null, ...(options.period === undefined ? {} : { period: options.period }) });
  const asOf = options.period === undefined ? options.now : new Date(options.period.to);
  return { ...report, goal: await goalProgress(options.goal, asOf) };
}
