/** State machine task: terminal outcomes (nurture, disqualified, lost, stalled, renewed, churned, needs-attention), and a lead closed from a rescue request (closed). */
import middy from '@middy/core';
import { tableName } from '#lib/aws/clients';
import { setting } from '#lib/aws/settings';
import { teamDirectory } from '#lib/teams/roster';
import type { RecordOutcomeEvent, RecordOutcomeResult } from '#lib/core/contracts';
import { MetricUnit, logger, metrics, observe } from '#lib/aws/observability';
import { recordOutcome } from '#lib/leads/outcomes';
import { parseInput } from '#lib/core/parse';
import * as z from '#lib/core/zod';

tableName();
setting('mailFrom');

const eventSchema = z.object({
  leadId: z.string().check(z.minLength(1), z.maxLength(80)),
  outcome: z.enum(['nurture', 'disqualified', 'lost', 'stalled', 'renewed', 'churned', 'needs-attention', 'closed']),
  reason: z._default(z.string().check(z.maxLength(500)), 'unspecified'),
  error: z.optional(z.string().check(z.maxLength(10_000))),
  cause: z.optional(z.string().check(z.maxLength(100_000))),
});

export const handler = middy<RecordOutcomeEvent, RecordOutcomeResult>()
  .use(observe())
  .handler(async (event) => {
    const input = parseInput(eventSchema, event);
    const { stage, lead } = await recordOutcome(input, await teamDirectory());
    if (!lead) logger.warn('outcome for an unknown lead', { leadId: input.leadId, outcome: input.outcome });
    metrics.addDimension('outcome', input.outcome);
    metrics.addMetric('LeadOutcome', MetricUnit.Count, 1);
    logger.info('outcome recorded', { leadId: input.leadId, outcome: input.outcome, reason: input.reason });
    return stage === undefined ? {} : { stage };
  });
