/**
 * State machine task (lambda:invoke.waitForTaskToken): stores the task token
 * under a fresh hashed link and emails the addressee one link per answer.
 * The execution waits until feedback-page calls SendTaskSuccess (or the
 * task's TimeoutSeconds pass).
 */
import middy from '@middy/core';
import { tableName } from '#lib/aws/clients';
import { ENV, requireEnv } from '#lib/aws/config';
import { setting } from '#lib/aws/settings';
import { teamDirectory } from '#lib/teams/directory';
import type { RequestFeedbackEvent, RequestFeedbackResult } from '#lib/core/contracts';
import { requestFeedback } from '#lib/feedback/requests';
import { MetricUnit, metrics, observe } from '#lib/aws/observability';
import { feedbackStepSchema, leadIdSchema, parseInput } from '#lib/core/parse';
import * as z from '#lib/core/zod';

tableName();
const teams = teamDirectory();
const publicBaseUrl = requireEnv(ENV.publicBaseUrl);
setting('mailFrom');
const fraction = setting('reminderAfterFraction');

const eventSchema = z.object({
  leadId: leadIdSchema,
  step: feedbackStepSchema,
  taskToken: z.string().check(z.minLength(1), z.maxLength(4096)),
  timeoutSeconds: z.number().check(z.int(), z.positive()),
  escalated: z.boolean(),
  reschedules: z.optional(z.number().check(z.int(), z.gte(0), z.lte(100))),
  renewalDue: z.optional(z.boolean()),
});

export const handler = middy<RequestFeedbackEvent, RequestFeedbackResult>()
  .use(observe())
  .handler(async (event) => {
    const input = parseInput(eventSchema, event);
    const result = await requestFeedback(input, { teams, publicBaseUrl, remindAfterFraction: fraction });
    metrics.addMetric(input.escalated ? 'FeedbackEscalated' : 'FeedbackRequested', MetricUnit.Count, 1);
    return result;
  });
