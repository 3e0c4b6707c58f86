/**
 * "Open expansion opportunity" (state machine task): Customer Success saw an
 * expansion at a check-in. Creates a new lead `<account>-x<n>` (kind
 * 'expansion', the company and contact data copied, the account's Field
 * Sales rep and CSM kept) and starts its own execution, which goes straight
 * to Field Sales.
 *
 * Idempotent: the new lead remembers the check-in that opened it, so a
 * retried call finds it again instead of opening a second one; its
 * execution is named by its id.
 */
import middy from '@middy/core';
import type { OpenExpansionEvent, OpenExpansionResult } from '#lib/core/contracts';
import { startLeadExecution } from '#lib/leads/executions';
import { openExpansionLead } from '#lib/leads/expansion';
import { logger, metrics, MetricUnit, observe } from '#lib/aws/observability';
import { leadIdSchema, parseInput } from '#lib/core/parse';
import { loadFeedbackAnswer, parseAnswerInput } from '#lib/feedback/answers';
import * as z from '#lib/core/zod';

const eventSchema = z.object({ leadId: leadIdSchema, checkIn: z.unknown() });

export async function openExpansion(event: OpenExpansionEvent): Promise<OpenExpansionResult> {
  const parsed = parseInput(eventSchema, event);
  const { leadId } = parsed;
  // The check-in's comment (the new lead's message) is read back by the answer's id: it does not travel.
  const checkIn = await loadFeedbackAnswer(leadId, parseAnswerInput(parsed.checkIn, 'checkIn'));
  const { lead, created } = await openExpansionLead(leadId, checkIn);
  const { started } = await startLeadExecution(lead.leadId, { startIfMissing: created || lead.stage === 'captured' });
  if (created) metrics.addMetric('ExpansionsOpened', MetricUnit.Count, 1);
  logger.info('expansion opened', { leadId, expansionLeadId: lead.leadId, created, started });
  return { expansionLeadId: lead.leadId };
}

export const handler = middy<OpenExpansionEvent, OpenExpansionResult>().use(observe()).handler(openExpansion);
