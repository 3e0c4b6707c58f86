/**
 * "Schedule meeting" (state machine task). Assigns the Field Sales rep by
 * round-robin on the first call and keeps them on reschedules (and on
 * expansions, where the account's rep was copied over); moves the lead to
 * 'meeting'; emails the rep the hand-off brief (who, company, score, what
 * Inside Sales learned on the call). One email per lead and meeting attempt.
 */
import middy from '@middy/core';
import { z } from 'zod';
import { briefRecipients, handoffBrief } from './lib/briefs';
import { ENV, parseTeams, requireEnv } from './lib/config';
import type { ScheduleMeetingEvent, ScheduleMeetingResult } from './lib/contracts';
import { latestFeedback } from './lib/handoff';
import { isExpansion } from './lib/lead-schema';
import { changeStage, requireLead } from './lib/leads';
import { sendEmail } from './lib/mailer';
import { logger, metrics, MetricUnit, observe } from './lib/observability';
import { leadIdSchema, parseInput } from './lib/parse';
import { nextOwner } from './lib/routing';

const teams = parseTeams(requireEnv(ENV.teams));

const eventSchema = z.object({ leadId: leadIdSchema, reschedules: z.number().int().min(0).max(100) });

export async function scheduleMeeting(event: ScheduleMeetingEvent): Promise<ScheduleMeetingResult> {
  const { leadId, reschedules } = parseInput(eventSchema, event);
  const current = await requireLead(leadId);
  const rep = current.owners?.['field-sales'] ?? (await nextOwner('field-sales', teams['field-sales'].members)).member;
  const expansion = isExpansion(current);
  const { lead } = await changeStage(leadId, 'meeting', {
    reason: reschedules > 0 ? 'meeting-rescheduled' : expansion ? 'expansion-opportunity' : 'meeting-booked',
    patch: { owners: { ...(current.owners ?? {}), 'field-sales': rep } },
  });
  const call = expansion ? undefined : await latestFeedback(leadId, 'qualification-call');
  const brief = handoffBrief({ lead, rep, call, reschedules, expansion });
  const { to, cc } = briefRecipients(rep, lead.owners?.['inside-sales']);
  const { sent } = await sendEmail({ to, ...(cc ? { cc } : {}), ...brief, idempotencyKey: `${leadId}#schedule-meeting#handoff#${reschedules}` });
  metrics.addMetric('MeetingsScheduled', MetricUnit.Count, 1);
  logger.info('meeting scheduled', { leadId, reschedules, expansion, briefSent: sent });
  return { rep };
}

export const handler = middy<ScheduleMeetingEvent, ScheduleMeetingResult>().use(observe()).handler(scheduleMeeting);
