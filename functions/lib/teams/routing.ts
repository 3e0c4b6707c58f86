/**
 * Owner assignment by round-robin per team. The position is one DynamoDB
 * counter per team (`ROUTING#<team>` / `COUNTER`), advanced with an atomic
 * `ADD`: every call, from any Lambda instance, gets a distinct number, so N
 * assignments over M members differ by at most one per member, however the
 * calls interleave.
 */
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { ddb, tableName } from '#lib/aws/clients';
import type { Team } from '#lib/core/contracts';
import { asTransient } from '#lib/core/errors';
import { routingKey } from '#lib/core/keys';

interface Assignment {
  /** The chosen member (an address from the team directory). */
  member: string;
  /** The counter value this assignment consumed (1-based). */
  position: number;
}

/** Picks the member for a 1-based counter value. Pure, exported for tests. */
export function memberAt(members: readonly string[], position: number): string {
  if (members.length === 0) throw new Error('round-robin over an empty team');
  const index = (((position - 1) % members.length) + members.length) % members.length;
  const member = members[index];
  if (member === undefined) throw new Error('round-robin index out of range');
  return member;
}

/**
 * The lead's owner in `team`: the one it already has, or the member whose
 * turn it is (nextOwner). `owners` is set only for a new owner: the lead's
 * owners with it, to write with the stage change; a kept owner is already stored.
 */
export async function ownerFor(lead: { owners?: Partial<Record<Team, string>> }, team: Team, members: readonly string[]): Promise<{ member: string; owners?: Partial<Record<Team, string>> }> {
  const kept = lead.owners?.[team];
  if (kept !== undefined) return { member: kept };
  const { member } = await nextOwner(team, members);
  return { member, owners: { ...(lead.owners ?? {}), [team]: member } };
}

/** Advances the team's counter by one and returns the member whose turn it is. */
export async function nextOwner(team: Team, members: readonly string[], now: Date = new Date()): Promise<Assignment> {
  if (members.length === 0) throw new Error(`team ${team} has no members`);
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
  return { member: memberAt(members, position), position };
}
