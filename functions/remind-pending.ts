/**
 * EventBridge schedule (every 15 min): the feedback requests due for a
 * reminder, via the byReminderDue GSI (no scans); one email per person
 * listing all of theirs (functions/lib/feedback/reminders.ts). The sweep's
 * "now" is the event's own `time` (a retried delivery keeps it), never this
 * function's clock: the one clock of the executions' deadlines.
 */
import middy from '@middy/core';
import type { ScheduledEvent } from 'aws-lambda';
import { tableName } from '#lib/aws/clients';
import { ENV, requireEnv } from '#lib/aws/config';
import { setting } from '#lib/aws/settings';
import { teamDirectory } from '#lib/teams/roster';
import { type SweepResult, remindPending } from '#lib/feedback/reminders';
import { MetricUnit, logger, metrics, observe } from '#lib/aws/observability';
import { parseInput } from '#lib/core/parse';
import * as z from '#lib/core/zod';

tableName();
setting('mailFrom');
const publicBaseUrl = requireEnv(ENV.publicBaseUrl);

/** What the sweep reads of the scheduled event: its time (ISO, UTC). */
const eventSchema = z.object({ time: z.iso.datetime() });

export const handler = middy<ScheduledEvent, SweepResult>()
  .use(observe())
  .handler(async (event) => {
    const { time } = parseInput(eventSchema, event);
    const result = await remindPending({ teams: await teamDirectory(), publicBaseUrl }, new Date(time));
    metrics.addMetric('RemindersSent', MetricUnit.Count, result.reminded);
    metrics.addMetric('ReminderEmails', MetricUnit.Count, result.emails);
    if (result.failed > 0) metrics.addMetric('RemindersFailed', MetricUnit.Count, result.failed);
    logger.info('reminder sweep', { ...result });
    return result;
  });
