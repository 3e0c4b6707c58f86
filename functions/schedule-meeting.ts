/**
 * "Schedule meeting" (state machine task). Assigns the Field Sales rep by
 * round-robin on the first call and keeps them on reschedules (and on
 * expansions, where the account's rep was copied over); moves the lead to
 * 'meeting' and keeps the meeting's time on the profile (meetings/booking.ts:
 * the booking of the qualification call, or of the no-show being rescheduled).
 * The hand-off brief (who, company, score, what Inside Sales learned on the
 * call) and the calendar invitation go to the rep in the next step's request,
 * "Await meeting outcome" (request-feedback), with the links to report on the
 * meeting: one email, not two. A no-show rescheduled without a new time
 * cancels the old invitation here.
 *
 * Returns the meeting's end (epoch ms; 0 when no time was booked): the state
 * machine counts the meeting-outcome deadline from it.
 */
import middy from '@middy/core';
import type { ScheduleMeetingEvent, ScheduleMeetingResult } from '#lib/core/contracts';
import { isExpansion } from '#lib/leads/schema';
import { changeStage, requireLead } from '#lib/leads/profile';
import { logger, metrics, MetricUnit, observe } from '#lib/aws/observability';
import { leadIdSchema, parseInput } from '#lib/core/parse';
import { loadRoster } from '#lib/teams/roster';
import { isBooked, nextMeeting, readBooking, sendCancellation } from '#lib/meetings/booking';
import { ownerFor } from '#lib/teams/routing';
import * as z from '#lib/core/zod';

const eventSchema = z.object({ leadId: leadIdSchema, reschedules: z.number().check(z.int(), z.gte(0), z.lte(100)) });

export async function scheduleMeeting(event: ScheduleMeetingEvent, now: Date = new Date()): Promise<ScheduleMeetingResult> {
  const { leadId, reschedules } = parseInput(eventSchema, event);
  const current = await requireLead(leadId);
  const rep = await ownerFor(current, 'field-sales', (await loadRoster())['field-sales'].members);
  const expansion = isExpansion(current);
  // An expansion's first meeting has no booking yet (Customer Success hands it over; the rep agrees a time).
  const booking = expansion && reschedules === 0 ? undefined : await readBooking(leadId, reschedules);
  const meeting = nextMeeting(current.meeting, booking, reschedules);
  const changed = meeting !== current.meeting;
  const { lead } = await changeStage(leadId, 'meeting', {
    reason: reschedules > 0 ? 'meeting-rescheduled' : expansion ? 'expansion-opportunity' : 'meeting-booked',
    // A new rep is written with the stage; a kept one (reschedule, expansion, retry) is already there.
    patch: { ...(rep.owners ? { owners: rep.owners } : {}), ...(changed && meeting ? { meeting } : {}) },
    current,
  });
  if (meeting?.cancelled === true && meeting.sequence === reschedules) {
    await sendCancellation(lead, meeting, 'the lead did not show up, and no new time was booked yet', now);
  }
  metrics.addMetric('MeetingsScheduled', MetricUnit.Count, 1);
  logger.info('meeting scheduled', { leadId, reschedules, expansion, booked: isBooked(meeting) });
  return { rep: rep.member, meetingEndsMs: isBooked(meeting) ? Date.parse(meeting.end) : 0 };
}

export const handler = middy<ScheduleMeetingEvent, ScheduleMeetingResult>().use(observe()).handler((event) => scheduleMeeting(event));
