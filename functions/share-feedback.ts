/**
 * State machine task: stores the review's feedback for each upstream team
 * (it goes into their weekly digest) and emails it at once, with reply links,
 * as INSTANT_FEEDBACK_EMAILS says (default: only feedback that needs
 * attention). After an onboarding review the lead becomes a customer. The
 * state machine passes the answer's codes; its comment and text details are
 * read back from where feedback-page recorded them (feedback/answers.ts).
 */
import middy from '@middy/core';
import { tableName } from '#lib/aws/clients';
import { ENV, requireEnv } from '#lib/aws/config';
import { setting } from '#lib/aws/settings';
import { teamDirectory } from '#lib/teams/roster';
import type { ShareFeedbackEvent, ShareFeedbackResult } from '#lib/core/contracts';
import { shareFeedback } from '#lib/feedback/sharing';
import { changeStage, requireLead } from '#lib/leads/profile';
import { stageBeforeRescue } from '#lib/feedback/rescue';
import { MetricUnit, logger, metrics, observe } from '#lib/aws/observability';
import { feedbackStepSchema, leadIdSchema, parseInput, teamSchema } from '#lib/core/parse';
import { loadFeedbackAnswer, parseAnswerInput } from '#lib/feedback/answers';
import * as z from '#lib/core/zod';

tableName();
setting('mailFrom');
const deps = {
  publicBaseUrl: requireEnv(ENV.publicBaseUrl),
  instantEmails: setting('instantFeedbackEmails'),
};

const eventSchema = z.object({
  leadId: leadIdSchema,
  step: feedbackStepSchema,
  from: teamSchema,
  to: z.array(teamSchema),
  feedback: z.unknown(),
});

export const handler = middy<ShareFeedbackEvent, ShareFeedbackResult>()
  .use(observe())
  .handler(async (event) => {
    const parsed = parseInput(eventSchema, event);
    // The answer's text (comment, details) is read back from where feedback-page recorded it: it does not travel.
    const input = { ...parsed, feedback: await loadFeedbackAnswer(parsed.leadId, parseAnswerInput(parsed.feedback, 'feedback')) };
    // The onboarding review closes onboarding: unless the customer churned
    // (the state machine records that next), the lead is now a customer. The
    // stage change answers with the profile: no separate read then.
    const becomesCustomer = input.step === 'onboarding-review' && input.feedback.answer !== 'churned';
    const read = becomesCustomer ? (await changeStage(input.leadId, 'customer', { reason: 'onboarded' })).lead : await requireLead(input.leadId);
    // A share retried through a rescue: the lead goes on, back in the stage it was in before.
    const resumed = stageBeforeRescue(read);
    const lead = resumed === undefined ? read : (await changeStage(input.leadId, resumed, { reason: 'resumed', current: read })).lead;
    const { shared, emailed } = await shareFeedback(lead, input, { ...deps, teams: await teamDirectory() });
    metrics.addMetric('FeedbackShared', MetricUnit.Count, shared);
    metrics.addMetric('FeedbackEmailedAtOnce', MetricUnit.Count, emailed);
    logger.info('feedback shared', { leadId: input.leadId, step: input.step, shared, emailed });
    return { shared };
  });
