/** EventBridge schedule (every 15 min): one reminder per pending feedback request, via the byReminderDue GSI (no scans). */
import middy from '@middy/core';
import type { ScheduledEvent } from 'aws-lambda';
import { tableName } from './lib/clients';
import { ENV, parseTeams, requireEnv } from './lib/config';
import { type SweepResult, remindPending } from './lib/feedback-service';
import { MetricUnit, logger, metrics, observe } from './lib/observability';

tableName();
requireEnv(ENV.mailFrom);
const teams = parseTeams(requireEnv(ENV.teams));
const publicBaseUrl = requireEnv(ENV.publicBaseUrl);

export const handler = middy<ScheduledEvent, SweepResult>()
  .use(observe())
  .handler(async () => {
    const result = await remindPending({ teams, publicBaseUrl });
    metrics.addMetric('RemindersSent', MetricUnit.Count, result.reminded);
    if (result.failed > 0) metrics.addMetric('RemindersFailed', MetricUnit.Count, result.failed);
    logger.info('reminder sweep', { ...result });
    return result;
  });
