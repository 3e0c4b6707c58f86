/**
 * "Onboard customer" (state machine task). Assigns the Customer Success
 * Manager by round-robin (kept on a retry) and sets stage 'onboarding'. The
 * brief with the deal and what was promised goes to the CSM in the next
 * step's request, "Await onboarding review" (request-feedback), with the
 * review links: one email, not two.
 */
import middy from '@middy/core';
import type { OnboardCustomerEvent, OnboardCustomerResult } from '#lib/core/contracts';
import { changeStage, requireLead } from '#lib/leads/profile';
import { logger, metrics, MetricUnit, observe } from '#lib/aws/observability';
import { leadIdSchema, parseInput } from '#lib/core/parse';
import { loadRoster } from '#lib/teams/roster';
import { ownerFor } from '#lib/teams/routing';
import * as z from '#lib/core/zod';


const eventSchema = z.object({ leadId: leadIdSchema });

export async function onboardCustomer(event: OnboardCustomerEvent): Promise<OnboardCustomerResult> {
  const { leadId } = parseInput(eventSchema, event);
  const current = await requireLead(leadId);
  const csm = await ownerFor(current, 'customer-success', (await loadRoster())['customer-success'].members);
  await changeStage(leadId, 'onboarding', {
    reason: 'onboarding-started',
    // A new CSM is written; a kept one (a retry) is already there.
    ...(csm.owners ? { patch: { owners: csm.owners } } : {}),
    // Normally close-deal has moved it to onboarding already: then only the CSM is written.
    current,
  });
  metrics.addMetric('CustomersOnboarded', MetricUnit.Count, 1);
  logger.info('customer onboarding', { leadId });
  return { csm: csm.member };
}

export const handler = middy<OnboardCustomerEvent, OnboardCustomerResult>().use(observe()).handler(onboardCustomer);
