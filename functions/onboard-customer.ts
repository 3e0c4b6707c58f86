/**
 * "Onboard customer" (state machine task). Assigns the Customer Success
 * Manager by round-robin (kept on a retry), sets stage 'onboarding', and
 * emails the CSM the brief with the deal and what was promised (the Field
 * Sales rep in copy). One brief per lead.
 */
import middy from '@middy/core';
import { z } from 'zod';
import { briefRecipients, csmBrief } from './lib/briefs';
import { ENV, parseTeams, requireEnv } from './lib/config';
import type { OnboardCustomerEvent, OnboardCustomerResult } from './lib/contracts';
import { changeStage, requireLead } from './lib/leads';
import { sendEmail } from './lib/mailer';
import { logger, metrics, MetricUnit, observe } from './lib/observability';
import { leadIdSchema, parseInput } from './lib/parse';
import { nextOwner } from './lib/routing';

const teams = parseTeams(requireEnv(ENV.teams));

const eventSchema = z.object({ leadId: leadIdSchema });

export async function onboardCustomer(event: OnboardCustomerEvent): Promise<OnboardCustomerResult> {
  const { leadId } = parseInput(eventSchema, event);
  const current = await requireLead(leadId);
  const csm = current.owners?.['customer-success'] ?? (await nextOwner('customer-success', teams['customer-success'].members)).member;
  const { lead } = await changeStage(leadId, 'onboarding', {
    reason: 'onboarding-started',
    patch: { owners: { ...(current.owners ?? {}), 'customer-success': csm } },
  });
  const brief = csmBrief({ lead, csm });
  const { to, cc } = briefRecipients(csm, lead.owners?.['field-sales']);
  const { sent } = await sendEmail({ to, ...(cc ? { cc } : {}), ...brief, idempotencyKey: `${leadId}#onboard-customer#csm-brief` });
  metrics.addMetric('CustomersOnboarded', MetricUnit.Count, 1);
  logger.info('customer onboarding', { leadId, briefSent: sent });
  return { csm };
}

export const handler = middy<OnboardCustomerEvent, OnboardCustomerResult>().use(observe()).handler(onboardCustomer);
