/**
 * EventBridge schedule (every 15 min): first the open requests of members
 * whose out-of-office period has begun go to other members
 * (functions/lib/teams/absences.ts); then the feedback requests due for a
 * reminder, via the byReminderDue GSI (no scans); one email per person
 * listing all of theirs (functions/lib/feedback/reminders.ts). The sweep's
 * "now" is the event's own `time` (a retried delivery keeps it), never this
 * function's clock: the one clock of the executions' deadlines.
 */
import middy from '@middy/core';
import type { ScheduledEvent } from 'aws-lambda';
import { tableName } from '#lib/aws/clients';
import { ENV, LOCAL_ENV, optionalEnv, requireEnv } from '#lib/aws/config';
import { setting } from '#lib/aws/settings';
import { teamDirectory } from '#lib/teams/roster';
import { reassignBegunAbsences } from '#lib/teams/absences';
import { type SweepResult, remindPending } from '#lib/feedback/reminders';
import { MetricUnit, logger, metrics, observe } from '#lib/aws/observability';
import { parseInput } from '#lib/core/parse';
import * as z from '#lib/core/zod';

tableName();
setting('mailFrom');
const publicBaseUrl = requireEnv(ENV.publicBaseUrl);
const consoleBaseUrl = optionalEnv(LOCAL_ENV.consoleBaseUrl);

/** What the sweep reads of the scheduled event: its time (ISO, UTC). */
const eventSchema = z.object({ time: z.iso.datetime() });

export const handler = middy<ScheduledEvent, SweepResult>()
  .use(observe())
  .handler(async (event) => {
    const { time } = parseInput(eventSchema, event);
    const now = new Date(time);
    // Before the reminders: a request that moves is reminded to its new owner, not to someone away.
    const absences = await reassignBegunAbsences({ publicBaseUrl, ...(consoleBaseUrl ? { consoleBaseUrl } : {}) }, now);
    if (absences.reassigned > 0) metrics.addMetric('RequestsReassigned', MetricUnit.Count, absences.reassigned);
    if (absences.failed > 0) metrics.addMetric('ReassignmentsFailed', MetricUnit.Count, absences.failed);
    if (absences.members > 0 || absences.failed > 0) logger.info('out-of-office reassignment', { ...absences });
    const result = await remindPending({ teams: await teamDirectory(), publicBaseUrl }, now);
    metrics.addMetric('RemindersSent', MetricUnit.Count, result.reminded);
    metrics.addMetric('ReminderEmails', MetricUnit.Count, result.emails);
    if (result.failed > 0) metrics.addMetric('RemindersFailed', MetricUnit.Count, result.failed);
    logger.info('reminder sweep', { ...result });
    return result;
  });
