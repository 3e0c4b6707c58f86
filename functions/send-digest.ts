/**
 * EventBridge Scheduler (digestSchedule, weekly by default): each team's
 * digest of the period ending at the schedule's fire time: the shared goal's
 * progress, its funnel figures (GET /funnel?from=&to= for the same period),
 * the feedback it received and the replies to the feedback it gave. One email per team and
 * period, however often the invocation is retried.
 */
import middy from '@middy/core';
import { tableName } from '#lib/aws/clients';
import { ENV, requireEnv } from '#lib/aws/config';
import { setting } from '#lib/aws/settings';
import { teamDirectory } from '#lib/teams/roster';
import { type DigestRunResult, digestPeriods, sendDigests } from '#lib/digest/sending';
import { replyLinkUrl } from '#lib/feedback/replies';
import { MetricUnit, logger, metrics, observe } from '#lib/aws/observability';
import { parseInput } from '#lib/core/parse';
import { parseSchedule } from '#lib/digest/schedule';
import * as z from '#lib/core/zod';

tableName();
setting('mailFrom');
const publicBaseUrl = requireEnv(ENV.publicBaseUrl);
const timezone = setting('digestTimezone');
const schedule = parseSchedule(setting('digestSchedule'), timezone);
const goal = setting('revenueGoal');

const isoTime = z.string().check(z.refine((v) => !Number.isNaN(Date.parse(v)), 'must be an ISO 8601 time'));

/**
 * The schedule's target input: `{ "scheduledTime": "<aws.scheduler.scheduled-time>" }`.
 * Local runs and back-fills may give the period instead.
 */
const eventSchema = z
  .object({
    scheduledTime: z.optional(isoTime),
    period: z.optional(z.object({ start: isoTime, end: isoTime })),
  })
  .check(
    z.refine((e) => e.period === undefined || Date.parse(e.period.start) < Date.parse(e.period.end), { message: 'start must be before end', path: ['period', 'end'] }),
  );

export type SendDigestEvent = z.input<typeof eventSchema>;

export const handler = middy<SendDigestEvent, DigestRunResult>()
  .use(observe())
  .handler(async (event) => {
    const input = parseInput(eventSchema, event ?? {});
    const result = await sendDigests(digestPeriods(schedule, input), { teams: await teamDirectory(), timezone, goal, replyLink: (item) => replyLinkUrl(item, publicBaseUrl) });
    metrics.addMetric('DigestsSent', MetricUnit.Count, result.sent.length);
    logger.info('digests', { ...result });
    return result;
  });
