/**
 * The funnel of a period: `GET /funnel?from=&to=`, the team digests and the
 * shared goal's progress count what happened in [from, to) with the same code
 * as the all-time counters.
 *
 * Every write the counters receive is also kept, by time: a stage change's
 * EVENT item carries the change as counted (`counted`, leads/profile.ts), an
 * overdue request its own OVERDUE item, and feedback is indexed by team and
 * time already. Both EVENT and OVERDUE items sit in GSI byTime
 * (`ACTIVITY#<YYYY-MM>` / `<at>#...`: one Query per month of the period). The
 * period's items go through the counters' own increments (funnel/counters.ts)
 * into `FUNNEL` items held in memory, which report.ts reads as it reads the
 * stored ones: the figures cannot drift apart.
 */
import { PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { ddb, tableName } from '#lib/aws/clients';
import { allItems } from '#lib/aws/paginate';
import { TEAMS, type FeedbackStep, type Team } from '#lib/core/contracts';
import { asTransient, isConditionalCheckFailed } from '#lib/core/errors';
import { INDEX, activityBuckets, activityIndex, funnelKey, funnelOverdueKey, overdueKey, teamFeedbackGsiPk } from '#lib/core/keys';
import type { FeedbackItem } from '#lib/feedback/records';
import { type CountedOverdue, type CountedStageChange, countOverdue, feedbackIncrements, overdueIncrements, pairKey, stageChangeIncrements } from './counters';

/** [from, to) as ISO times. */
export interface TimeRange {
  from: string;
  to: string;
}

/**
 * Records a request its owner let pass its deadline (escalated to the team
 * lead): the OVERDUE item, keyed by the request (`requestId`, the same for
 * every attempt: conditional, so a retry counts nothing twice), then the
 * counter. Returns whether it counted.
 */
export async function recordOverdue(input: CountedOverdue & { leadId: string; step: FeedbackStep; at: string; requestId: string }): Promise<boolean> {
  const overdue: CountedOverdue = { team: input.team, owner: input.owner };
  try {
    await ddb.send(
      new PutCommand({
        TableName: tableName(),
        Item: {
          ...overdueKey(input.leadId, input.requestId),
          type: 'OVERDUE',
          leadId: input.leadId,
          step: input.step,
          at: input.at,
          overdue,
          ...activityIndex(input.at, `${input.leadId}#${input.requestId}`),
        },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
  } catch (error) {
    if (isConditionalCheckFailed(error)) return false;
    throw asTransient(error, 'recordOverdue');
  }
  await countOverdue(overdue);
  return true;
}

/** A FilterExpression to apply after the key condition (its names and values). */
interface Filter {
  FilterExpression: string;
  ExpressionAttributeNames: Record<string, string>;
  ExpressionAttributeValues: Record<string, unknown>;
}

/** Every item of one index partition whose sort key (`<ISO time>#...`) falls in [from, to), oldest first. */
async function timeRange(index: string, pkName: string, pk: string, range: TimeRange, what: string, filter?: Filter): Promise<Record<string, unknown>[]> {
  return allItems(async (ExclusiveStartKey: Record<string, unknown> | undefined) => {
    try {
      return await ddb.send(
        new QueryCommand({
          TableName: tableName(),
          IndexName: index,
          // Sort keys are `<ISO time>#...`: `from` itself sorts before `from#...`, `to#...` after `to`.
          KeyConditionExpression: `${pkName} = :pk AND ${pkName.replace('pk', 'sk')} BETWEEN :from AND :to`,
          ExpressionAttributeValues: { ':pk': pk, ':from': range.from, ':to': range.to, ...filter?.ExpressionAttributeValues },
          ...(filter === undefined ? {} : { FilterExpression: filter.FilterExpression, ExpressionAttributeNames: filter.ExpressionAttributeNames }),
          ExclusiveStartKey,
        }),
      );
    } catch (error) {
      throw asTransient(error, what);
    }
  });
}

/**
 * Feedback received by `team` and answered in [from, to), oldest first (GSI
 * byTeamFeedback); with `repliedIn`, only the items replied to in that
 * period (filtered by DynamoDB, so older feedback is not held).
 */
export async function feedbackReceived(team: Team, range: TimeRange, repliedIn?: TimeRange): Promise<FeedbackItem[]> {
  const filter: Filter | undefined =
    repliedIn === undefined
      ? undefined
      : {
          FilterExpression: '#reply.repliedAt >= :repliedFrom AND #reply.repliedAt < :repliedTo',
          ExpressionAttributeNames: { '#reply': 'reply' },
          ExpressionAttributeValues: { ':repliedFrom': repliedIn.from, ':repliedTo': repliedIn.to },
        };
  return (await timeRange(INDEX.byTeamFeedback, 'gsi2pk', teamFeedbackGsiPk(team), range, 'feedback by team', filter)) as unknown as FeedbackItem[];
}

/** The stage changes and overdue requests of [from, to) (GSI byTime). */
async function activityIn(range: TimeRange): Promise<Record<string, unknown>[]> {
  const out: Record<string, unknown>[] = [];
  for (const bucket of activityBuckets(range.from, range.to)) out.push(...(await timeRange(INDEX.byTime, 'gsi4pk', bucket, range, 'funnel activity')));
  return out;
}

/** Pure: the `FUNNEL` items the counters would hold had only these stage changes, overdue requests and feedback items been counted. */
export function periodFunnelItems(activity: readonly Record<string, unknown>[], feedback: readonly FeedbackItem[]): Record<string, unknown>[] {
  const items = new Map<string, Record<string, number>>();
  const addAll = (sk: string, increments: ReadonlyMap<string, number>): void => {
    const item = items.get(sk) ?? {};
    for (const [name, by] of increments) item[name] = (item[name] ?? 0) + by;
    items.set(sk, item);
  };
  for (const a of activity) {
    if (a['type'] === 'STAGE_EVENT' && typeof a['counted'] === 'object' && a['counted'] !== null) {
      const change = a['counted'] as CountedStageChange;
      addAll(funnelKey(change.to).sk, stageChangeIncrements(change));
    } else if (a['type'] === 'OVERDUE' && typeof a['overdue'] === 'object' && a['overdue'] !== null) {
      addAll(funnelOverdueKey().sk, overdueIncrements(a['overdue'] as CountedOverdue));
    }
  }
  for (const f of feedback) addAll(pairKey(f.step, f.from, f.to).sk, feedbackIncrements(f));
  return [...items.entries()].map(([sk, counts]) => ({ pk: funnelKey('captured').pk, sk, ...counts }));
}

/** The `FUNNEL` items of [from, to), read from what was kept by time. */
export async function readPeriodItems(range: TimeRange): Promise<Record<string, unknown>[]> {
  const feedback: FeedbackItem[] = [];
  for (const team of TEAMS) feedback.push(...(await feedbackReceived(team, range)));
  return periodFunnelItems(await activityIn(range), feedback);
}
