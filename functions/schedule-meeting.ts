/**
 * "Schedule meeting" (state machine task). Assigns the Field Sales rep by
 * round-robin on the first call and keeps them on reschedules (and on
 * expansions, where the account's rep was copied over); moves the lead to
 * 'meeting'. The hand-off brief (who, company, score, what Inside Sales
 * learned on the call) goes to the rep in the next step's request, "Await
 * meeting outcome" (request-feedback), with the links to report on the
 * meeting: one email, not two.
 */
import middy from '@middy/core';
import type { ScheduleMeetingEvent, ScheduleMeetingResult } from '#lib/core/contracts';
import { isExpansion } from '#lib/leads/schema';
import { changeStage, requireLead } from '#lib/leads/profile';
import { logger, metrics, MetricUnit, observe } from '#lib/aws/observability';
import { leadIdSchema, parseInput } from '#lib/core/parse';
import { loadRoster } from '#lib/teams/roster';
import { ownerFor } from '#lib/teams/routing';
import * as z from '#lib/core/zod';

const eventSchema = z.object({ leadId: leadIdSchema, reschedules: z.number().check(z.int(), z.gte(0), z.lte(100)) });

export async function scheduleMeeting(event: ScheduleMeetingEvent): Promise<ScheduleMeetingResult> {
  const { leadId, reschedules } = parseInput(eventSchema, event);
  const current = await requireLead(leadId);
  const rep = await ownerFor(current, 'field-sales', (await loadRoster())['field-sales'].members);
  const expansion = isExpansion(current);
  await changeStage(leadId, 'meeting', {
    reason: reschedules > 0 ? 'meeting-rescheduled' : expansion ? 'expansion-opportunity' : 'meeting-booked',
    // A new rep is written with the stage; a kept one (reschedule, expansion, retry) is already there.
    ...(rep.owners ? { patch: { owners: rep.owners } } : {}),
    current,
  });
  metrics.addMetric('MeetingsScheduled', MetricUnit.Count, 1);
  logger.info('meeting scheduled', { leadId, reschedules, expansion });
  return { rep: rep.member };
}

export const handler = middy<ScheduleMeetingEvent, ScheduleMeetingResult>().use(observe()).handler(scheduleMeeting);
