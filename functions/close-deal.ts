/**
 * "Close deal" (state machine task), after Field Sales reported the deal.
 * Won: records amount, currency and what was promised (read back by the
 * answer's id: feedback/answers.ts) on the lead, moves it
 * to 'onboarding' and counts the revenue with that stage change (once per
 * lead, by currency, campaign and owner: functions/lib/funnel/counters.ts), and emits EMF
 * metrics (DealsWon, RevenueWon by currency).
 * Lost: writes nothing: the state machine passes the reason code to
 * record-outcome, which sets stage 'lost' and the reason in one write.
 */
import middy from '@middy/core';
import type { CloseDealEvent, CloseDealResult } from '#lib/core/contracts';
import { ValidationError } from '#lib/core/errors';
import { MIN_AMOUNT, isCurrency } from '#lib/core/currency';
import { changeStage } from '#lib/leads/profile';
import { FUNNEL_DIMENSION, FUNNEL_METRIC } from '#lib/funnel/metrics';
import { logger, metrics, MetricUnit, observe } from '#lib/aws/observability';
import { leadIdSchema, parseInput } from '#lib/core/parse';
import { loadFeedbackAnswer, parseAnswerInput } from '#lib/feedback/answers';
import * as z from '#lib/core/zod';

const eventSchema = z.object({ leadId: leadIdSchema, decision: z.unknown() });

export async function closeDeal(event: CloseDealEvent): Promise<CloseDealResult> {
  const parsed = parseInput(eventSchema, event);
  const { leadId } = parsed;
  const decision = parseAnswerInput(parsed.decision, 'decision');
  if (decision.step !== 'deal-decision') throw new ValidationError('decision.step', 'must be deal-decision');

  if (decision.answer === 'won') {
    const amount = decision.details.amount;
    if (amount === undefined || !(amount >= MIN_AMOUNT)) throw new ValidationError('decision.details.amount', `is required for a won deal (at least ${MIN_AMOUNT})`);
    const currency = (decision.details.currency ?? '').trim().toUpperCase();
    if (!isCurrency(currency)) throw new ValidationError('decision.details.currency', 'must be an ISO 4217 currency code');
    // What was promised is free text: read back from where feedback-page recorded the answer (it does not travel).
    const promises = (await loadFeedbackAnswer(leadId, decision)).details.promises?.trim();
    const { counted } = await changeStage(leadId, 'onboarding', {
      reason: 'won',
      patch: { deal: { amount, currency, ...(promises ? { promises } : {}), closedAt: decision.answeredAt } },
      revenue: { amount, currency },
    });
    if (counted) {
      metrics.addMetric('DealsWon', MetricUnit.Count, 1);
      const revenue = metrics.singleMetric();
      revenue.addDimension(FUNNEL_DIMENSION.currency, currency);
      revenue.addMetric(FUNNEL_METRIC.revenueWon, MetricUnit.NoUnit, amount);
    }
    logger.info('deal won', { leadId, currency, counted });
    return { won: true, amount };
  }

  if (decision.answer === 'lost') {
    const reason = decision.details.reasonCode?.trim() || 'other';
    metrics.addMetric('DealsLost', MetricUnit.Count, 1);
    logger.info('deal lost', { leadId, reason });
    return { won: false, amount: 0 };
  }

  throw new ValidationError('decision.answer', 'must be won or lost');
}

export const handler = middy<CloseDealEvent, CloseDealResult>().use(observe()).handler(closeDeal);
