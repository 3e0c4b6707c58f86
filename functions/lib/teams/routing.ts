/**
 * Owner assignment by weighted round-robin per team, skipping members out
 * of office. The position is one DynamoDB counter per team
 * (`ROUTING#<team>` / `COUNTER`), advanced with an atomic `ADD`: every call,
 * from any Lambda instance, gets a distinct number, however the calls
 * interleave.
 *
 * The position picks a turn in a cycle as long as the available members'
 * weights added up, dealt round by round: every member with weight > r has
 * a turn in round r (weights a=3, b=1, c=2 deal a b c a c a). Over each cycle
 * every member gets exactly their weight's share of the turns; with equal
 * weights it is plain round-robin (N assignments over M members differ by at
 * most one per member).
 */
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { ddb, tableName } from '#lib/aws/clients';
import type { Team } from '#lib/core/contracts';
import { asTransient } from '#lib/core/errors';
import { routingKey } from '#lib/core/keys';
import { logger } from '#lib/aws/observability';
import { isOutOfOffice, type RosterMember } from './roster';

/** Who can be drawn: an address alone (weight 1, always available) or a roster member. */
export type Candidate = string | (Pick<RosterMember, 'email'> & Partial<Pick<RosterMember, 'weight' | 'outOfOffice' | 'timeZone'>>);

interface Assignment {
  /** The chosen member (an address from the roster). */
  member: string;
  /** The counter value this assignment consumed (1-based). */
  position: number;
}

const emailOf = (c: Candidate): string => (typeof c === 'string' ? c : c.email);
const weightOf = (c: Candidate): number => (typeof c === 'string' ? 1 : Math.max(1, Math.floor(c.weight ?? 1)));

/** The candidates who are not out of office at `now`. */
export function availableAt(candidates: readonly Candidate[], now: Date): Candidate[] {
  return candidates.filter((c) => typeof c === 'string' || !isOutOfOffice({ outOfOffice: c.outOfOffice, timeZone: c.timeZone ?? 'UTC' }, now));
}

/** Picks the member for a 1-based counter value among `candidates`, by weight (see above). Pure, exported for tests. */
export function memberAt(candidates: readonly Candidate[], position: number): string {
  if (candidates.length === 0) throw new Error('round-robin over an empty team');
  const cycle = candidates.reduce((sum, c) => sum + weightOf(c), 0);
  let turn = (((position - 1) % cycle) + cycle) % cycle;
  for (let round = 0; ; round += 1) {
    const inRound = candidates.filter((c) => weightOf(c) > round);
    const chosen = inRound[turn];
    if (chosen !== undefined) return emailOf(chosen);
    turn -= inRound.length;
  }
}

/**
 * The lead's owner in `team`: the one it already has while they are an
 * available member, or the member whose turn it is (nextOwner). `owners` is
 * set only for a new owner: the lead's owners with it, to write with the
 * stage change; a kept owner is already stored.
 */
export async function ownerFor(
  lead: { owners?: Partial<Record<Team, string>> },
  team: Team,
  members: readonly Candidate[],
  now: Date = new Date(),
): Promise<{ member: string; owners?: Partial<Record<Team, string>> }> {
  const kept = lead.owners?.[team];
  if (kept !== undefined && availableAt(members, now).some((c) => emailOf(c) === kept)) return { member: kept };
  const { member } = await nextOwner(team, members, now);
  return { member, owners: { ...(lead.owners ?? {}), [team]: member } };
}

/**
 * Advances the team's counter by one and returns the available member whose
 * turn it is. When every member is out of office, all of them are drawn
 * from (someone owns the lead; the request then waits for its reminders and
 * escalation like any other).
 */
export async function nextOwner(team: Team, members: readonly Candidate[], now: Date = new Date()): Promise<Assignment> {
  if (members.length === 0) throw new Error(`team ${team} has no members`);
  let available = availableAt(members, now);
  if (available.length === 0) {
    logger.warn('every member is out of office: drawing from all of them', { team });
    available = [...members];
  }
  let position: number;
  try {
    const out = await ddb.send(
      new UpdateCommand({
        TableName: tableName(),
        Key: routingKey(team),
        UpdateExpression: 'ADD #n :one SET #t = :team, #at = :now',
        ExpressionAttributeNames: { '#n': 'assigned', '#t': 'team', '#at': 'updatedAt' },
        ExpressionAttributeValues: { ':one': 1, ':team': team, ':now': now.toISOString() },
        ReturnValues: 'UPDATED_NEW',
      }),
    );
    const value: unknown = out.Attributes?.['assigned'];
    if (typeof value !== 'number' || !Number.isFinite(value)) throw new Error('round-robin counter missing from UpdateItem result');
    position = value;
  } catch (error) {
    throw asTransient(error, `round-robin ${team}`);
  }
  return { member: memberAt(available, position), position };
}
