/**
 * State machine task: stores the review's feedback for each upstream team and
 * emails it to them. After an onboarding review the lead becomes a customer.
 */
import middy from '@middy/core';
import { z } from 'zod';
import { tableName } from './lib/clients';
import { ENV, parseTeams, requireEnv } from './lib/config';
import type { ShareFeedbackEvent, ShareFeedbackResult } from './lib/contracts';
import { shareFeedback } from './lib/feedback-sharing';
import { changeStage, requireLead } from './lib/leads';
import { MetricUnit, logger, metrics, observe } from './lib/observability';
import { feedbackAnswerSchema, feedbackStepSchema, leadIdSchema, parseInput, teamSchema } from './lib/parse';

tableName();
requireEnv(ENV.mailFrom);
const teams = parseTeams(requireEnv(ENV.teams));

const eventSchema = z.object({
  leadId: leadIdSchema,
  step: feedbackStepSchema,
  from: teamSchema,
  to: z.array(teamSchema),
  feedback: feedbackAnswerSchema,
});

export const handler = middy<ShareFeedbackEvent, ShareFeedbackResult>()
  .use(observe())
  .handler(async (event) => {
    const input = parseInput(eventSchema, event);
    const lead = await requireLead(input.leadId);
    const shared = await shareFeedback(lead, input, teams);
    // The onboarding review closes onboarding: unless the customer churned
    // (the state machine records that next), the lead is now a customer.
    if (input.step === 'onboarding-review' && input.feedback.answer !== 'churned') {
      await changeStage(input.leadId, 'customer', { reason: 'onboarded' });
    }
    metrics.addMetric('FeedbackShared', MetricUnit.Count, shared);
    logger.info('feedback shared', { leadId: input.leadId, step: input.step, shared });
    return { shared };
  });
