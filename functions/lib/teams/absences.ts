/**
 * Out of office: a member's open requests go to the others when their
 * absence begins. A `PUT /teams/{team}/members/{email}` whose absence has
 * already begun moves them at once (functions/teams.ts); one set ahead
 * moves them at the first reminder sweep after it begins (remind-pending,
 * every 15 minutes). "Begun" is judged at the sweep's scheduled event time,
 * the executions' one clock, never a function's wall clock.
 *
 * Each absence is handled once: its `reassignedAt` is set once its requests
 * moved, so a sweep reads the roster (one paged Query, shared with its
 * reminders) and looks for open
 * requests (one Query each) only of members whose absence began since.
 */
import { TEAMS, type Team } from '#lib/core/contracts';
import { formatDateTime } from '#lib/core/format';
import { errorSummary, logger } from '#lib/aws/observability';
import { type Reassignment, reassignOpenRequests, requestsReassigned } from './reassign';
import { type OutOfOffice, type Roster, type RosterMember, isOutOfOffice, loadRoster, markOutOfOfficeReassigned, recordChange } from './roster';

interface AbsenceDeps {
  publicBaseUrl: string;
  /** The console whose execution pages a rescue email links to (locally). */
  consoleBaseUrl?: string;
}

/** Who the history says moved the requests of an absence that began on its own. */
export const SWEEP_CHANGED_BY = 'reminder sweep (out of office began)';

/**
 * A member out of office at `now`: their open requests go to the team's
 * other available members (round-robin), the change is kept (by `by`) when
 * anything moved, and the absence is marked handled.
 */
export async function reassignForAbsence(args: { team: Team; member: RosterMember & { outOfOffice: OutOfOffice }; roster: Roster; by: string; now: Date } & AbsenceDeps): Promise<Reassignment[]> {
  const { team, member, now } = args;
  if (args.roster[team].members.every((m) => m.email === member.email)) {
    await markOutOfOfficeReassigned(team, member, now); // nobody to take them: they wait for reminders and escalation as usual
    return [];
  }
  const moved = await reassignOpenRequests({
    team,
    from: member,
    to: 'round-robin',
    roster: args.roster,
    why: `they are out of office until ${untilWords(member)}`,
    publicBaseUrl: args.publicBaseUrl,
    ...(args.consoleBaseUrl ? { consoleBaseUrl: args.consoleBaseUrl } : {}),
    now,
  });
  if (moved.length > 0) {
    // 1 ms after the change that put them out of office (same `now`), so the history lists it after that one.
    await recordChange({ at: new Date(now.getTime() + 1).toISOString(), by: args.by, team, action: 'member-updated', email: member.email, summary: `out of office: ${requestsReassigned(moved.length)}`, reassigned: moved.length });
  }
  await markOutOfOfficeReassigned(team, member, now);
  return moved;
}

/** The end of an absence in words: "Sat, 2 Jan 2027" for a date (that day included), "Thu, 24 Dec 2026, 09:00 CET" for a date-time (in their time zone). */
export function untilWords(member: Pick<RosterMember, 'timeZone'> & { outOfOffice: Pick<OutOfOffice, 'until'> }): string {
  const { until } = member.outOfOffice;
  if (!/^\d{4}-\d{2}-\d{2}$/.test(until)) return formatDateTime(until, member.timeZone);
  // A date is a whole day wherever they are: its noon in UTC names it.
  return new Intl.DateTimeFormat('en-GB', { weekday: 'short', day: 'numeric', month: 'short', year: 'numeric', timeZone: 'UTC' }).format(new Date(`${until}T12:00:00Z`));
}

export interface AbsenceSweep {
  /** Members whose absence began and was handled now. */
  members: number;
  /** Open requests issued again to others. */
  reassigned: number;
  /** Members whose requests could not all move (tried again at the next sweep). */
  failed: number;
}

/** The sweep's part (at `now`, its event time): every member whose absence has begun and is not handled yet. */
export async function reassignBegunAbsences(deps: AbsenceDeps, now: Date): Promise<AbsenceSweep> {
  const result: AbsenceSweep = { members: 0, reassigned: 0, failed: 0 };
  const roster = await loadRoster(); // cached like the reminders' (ROSTER_CACHE_MS): a sweep 15 minutes later reads it again
  for (const team of TEAMS) {
    for (const member of roster[team].members) {
      if (!isOutOfOffice(member, now) || member.outOfOffice.reassignedAt !== undefined) continue;
      try {
        const moved = await reassignForAbsence({ team, member, roster, by: SWEEP_CHANGED_BY, now, ...deps });
        result.members += 1;
        result.reassigned += moved.length;
      } catch (error) {
        result.failed += 1;
        logger.warn('out-of-office reassignment failed', { team, ...errorSummary(error) });
      }
    }
  }
  return result;
}
