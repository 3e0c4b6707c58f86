/**
 * State machine task (lambda:invoke.waitForTaskToken): stores the task token
 * under a fresh hashed link and emails the addressee one link per answer.
 * The execution waits until feedback-page calls SendTaskSuccess (or the
 * task's TimeoutSeconds pass).
 */
import middy from '@middy/core';
import { tableName } from '#lib/aws/clients';
import { ENV, LOCAL_ENV, optionalEnv, requireEnv } from '#lib/aws/config';
import { setting } from '#lib/aws/settings';
import { teamDirectory } from '#lib/teams/roster';
import type { RequestFeedbackEvent, RequestFeedbackResult } from '#lib/core/contracts';
import { requestFeedback } from '#lib/feedback/requests';
import { MetricUnit, metrics, observe } from '#lib/aws/observability';
import { RESCUE_METRIC } from '#lib/funnel/metrics';
import { feedbackStepSchema, leadIdSchema, parseInput } from '#lib/core/parse';
import * as z from '#lib/core/zod';

tableName();
const publicBaseUrl = requireEnv(ENV.publicBaseUrl);
const consoleBaseUrl = optionalEnv(LOCAL_ENV.consoleBaseUrl);
setting('mailFrom');
const fraction = setting('reminderAfterFraction');

const eventSchema = z.object({
  leadId: leadIdSchema,
  step: feedbackStepSchema,
  taskToken: z.string().check(z.minLength(1), z.maxLength(4096)),
  timeoutSeconds: z.number().check(z.int(), z.positive()),
  enteredTime: z.optional(z.iso.datetime()),
  escalated: z.boolean(),
  reschedules: z.optional(z.number().check(z.int(), z.gte(0), z.lte(100))),
  renewalDue: z.optional(z.boolean()),
  checkIn: z.optional(z.object({ number: z.number().check(z.int(), z.gte(1)), of: z.number().check(z.int(), z.gte(1)), renewalAt: z.string().check(z.maxLength(40)) })),
  owner: z.optional(z.string().check(z.maxLength(254))),
  rescue: z.optional(
    z.object({
      kind: z.enum(['failed', 'stalled']),
      step: z.string().check(z.minLength(1), z.maxLength(80)),
      attempts: z.number().check(z.int(), z.gte(0)),
      executionArn: z.string().check(z.minLength(1), z.maxLength(2048)),
    }),
  ),
});

export const handler = middy<RequestFeedbackEvent, RequestFeedbackResult>()
  .use(observe())
  .handler(async (event) => {
    const input = parseInput(eventSchema, event);
    const result = await requestFeedback(input, { teams: await teamDirectory(), publicBaseUrl, remindAfterFraction: fraction, ...(consoleBaseUrl ? { consoleBaseUrl } : {}) });
    if (input.rescue) {
      // What the ops alarm follows (infra/constructs/monitoring.ts): leads that wait for a rescue decision.
      metrics.addDimension(RESCUE_METRIC.kindDimension, input.rescue.kind);
      metrics.addMetric(RESCUE_METRIC.name, MetricUnit.Count, 1);
    } else metrics.addMetric(input.escalated ? 'FeedbackEscalated' : 'FeedbackRequested', MetricUnit.Count, 1);
    return result;
  });
