/**
 * The shared revenue goal, as a setting: one amount in one currency per
 * month, quarter or year, the same for all four teams (The Model: one goal,
 * revenue). Declared in functions/lib/aws/settings.ts (`revenueGoal`, the
 * deployed default); `PUT /goal` stores a new one in the table
 * (funnel/goal.ts), which wins over the default without a deploy.
 *
 * Goal periods are calendar months, quarters and years in UTC.
 */
import { MAX_AMOUNT, MIN_AMOUNT, isCurrency } from '#lib/core/currency';
import * as z from '#lib/core/zod';

export const GOAL_PERIODS = ['month', 'quarter', 'year'] as const;
export type GoalPeriod = (typeof GOAL_PERIODS)[number];

export const goalSchema = z.object({
  amount: z.number('must be a number').check(z.gte(MIN_AMOUNT, `must be at least ${MIN_AMOUNT}`), z.lte(MAX_AMOUNT, `must be at most ${MAX_AMOUNT}`)),
  currency: z.string('must be text').check(z.refine((c) => isCurrency(c), 'must be an ISO 4217 currency code such as EUR or USD')),
  period: z.enum(GOAL_PERIODS, `must be one of ${GOAL_PERIODS.join(', ')}`),
});
export type RevenueGoal = z.output<typeof goalSchema>;

const MONTHS_PER: Readonly<Record<GoalPeriod, number>> = { month: 1, quarter: 3, year: 12 };

/** The goal period [start, end) that holds the instant just before `asOf` (a report up to `asOf` belongs to it). */
export function goalPeriodOf(period: GoalPeriod, asOf: Date): { start: string; end: string } {
  const t = new Date(asOf.getTime() - 1);
  const months = MONTHS_PER[period];
  const first = Math.floor(t.getUTCMonth() / months) * months;
  return {
    start: new Date(Date.UTC(t.getUTCFullYear(), first, 1)).toISOString(),
    end: new Date(Date.UTC(t.getUTCFullYear(), first + months, 1)).toISOString(),
  };
}
