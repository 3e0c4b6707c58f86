/**
 * The team roster: data in the table, the one place functions learn who is
 * in which team (`teamDirectory()`), with a short in-memory cache.
 *
 *   ROSTER / TEAM#<team>                 the team's lead and member count (present once seeded)
 *   ROSTER / TEAM#<team>#MEMBER#<email>  name, weight, time zone, out of office
 *   ROSTER#CHANGE / <ISO>#<id>           every change: who, when, what
 *
 * The `teams` setting only seeds it (seedRoster: on the first deploy through
 * the stack's RosterSeed custom resource, on the first `npm start` by the
 * local stack): a team already in the table is never seeded again, so after
 * that the table is the truth, changed through the keyed `/teams` routes and
 * the CLI (functions/teams.ts). Nothing per person rides in an environment
 * variable.
 */
import { randomBytes } from 'node:crypto';
import { DeleteCommand, GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { ddb, tableName } from '#lib/aws/clients';
import { allItems } from '#lib/aws/paginate';
import { TEAMS, type Team } from '#lib/core/contracts';
import { Conflict, NotFound, ValidationError, asTransient, isConditionalCheckFailed } from '#lib/core/errors';
import { isTimeZone, zonedTime } from '#lib/core/format';
import { ROSTER_CHANGE_PK, ROSTER_PK, rosterChangeKey, rosterMemberKey, rosterTeamKey } from '#lib/core/keys';
import * as z from '#lib/core/zod';
import type { TeamDirectory } from './directory';

/** A roster team: the four pipeline teams, and ops (a lead only: rescues of failed steps). */
export const ROSTER_TEAMS = [...TEAMS, 'ops'] as const;
export type RosterTeam = (typeof ROSTER_TEAMS)[number];

/** How long a function reuses the roster it read: a change reaches every function within this. */
export const ROSTER_CACHE_MS = 30_000;

export interface OutOfOffice {
  /** A date (YYYY-MM-DD, from the start of that day in the member's time zone) or an ISO date-time with offset. */
  from: string;
  /** A date (to the end of that day in the member's time zone) or an ISO date-time with offset. */
  until: string;
  /** When their open requests went to others for this absence (the PUT that began it, or the first reminder sweep after it began: teams/absences.ts). */
  reassignedAt?: string;
}

export interface RosterMember {
  email: string;
  name: string;
  /** Share of new work relative to the team's other members (1-100). */
  weight: number;
  /** IANA zone of the dates in their emails. */
  timeZone: string;
  outOfOffice?: OutOfOffice;
}

export interface TeamRoster {
  lead: string;
  members: RosterMember[];
}

export type Roster = Record<Team, TeamRoster> & { ops: { lead: string } };

/** One roster change, as kept and shown. */
export interface RosterChange {
  at: string;
  /** Who made it (the X-Changed-By header, the CLI's user, or the seed). */
  by: string;
  team: RosterTeam;
  action: 'seeded' | 'member-added' | 'member-updated' | 'member-removed' | 'lead-changed';
  /** The member or lead the change is about. */
  email?: string;
  /** What changed, in words. */
  summary: string;
  /** Open requests issued again to another member because of it. */
  reassigned?: number;
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})$/;
const dateOrDateTime = z
  .string()
  .check(z.refine((v) => (DATE.test(v) || DATE_TIME.test(v)) && !Number.isNaN(Date.parse(v)), 'must be a date (YYYY-MM-DD) or a date-time with its offset (2026-12-24T09:00:00+01:00)'));

export const emailSchema = z.pipe(z.email('must be an email address').check(z.maxLength(254)), z.transform((v) => v.toLowerCase()));
export const rosterTeamSchema = z.enum(ROSTER_TEAMS, 'must be one of marketing, inside-sales, field-sales, customer-success, ops');

/** The body of `PUT /teams/{team}/members/{email}`. */
export const memberInputSchema = z.object({
  name: z.string().check(z.trim(), z.minLength(1, 'is required'), z.maxLength(120, 'must be at most 120 characters')),
  weight: z._default(z.number().check(z.int('must be a whole number'), z.gte(1, 'must be 1 to 100'), z.lte(100, 'must be 1 to 100')), 1),
  timeZone: z._default(z.string().check(z.refine(isTimeZone, 'must be an IANA time zone such as Europe/Paris')), 'UTC'),
  outOfOffice: z.optional(
    z.object({ from: dateOrDateTime, until: dateOrDateTime }).check(
      z.refine((o) => outOfOfficeSpan(o, 'UTC').from < outOfOfficeSpan(o, 'UTC').until, { message: 'must end after it starts', path: ['until'] }),
    ),
  ),
});
export type MemberInput = z.infer<typeof memberInputSchema>;

/** The instants an absence covers: dates in the member's time zone, `until` to the end of its day. */
export function outOfOfficeSpan(o: OutOfOffice, timeZone: string): { from: number; until: number } {
  const start = DATE.test(o.from) ? zonedTime(o.from, '00:00', timeZone).getTime() : Date.parse(o.from);
  const end = DATE.test(o.until) ? zonedTime(nextDay(o.until), '00:00', timeZone).getTime() : Date.parse(o.until);
  return { from: start, until: end };
}

function nextDay(date: string): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
}

/** Is the member out of office at `now`? */
export function isOutOfOffice<M extends Pick<RosterMember, 'outOfOffice' | 'timeZone'>>(member: M, now: Date): member is M & { outOfOffice: OutOfOffice } {
  if (member.outOfOffice === undefined) return false;
  const span = outOfOfficeSpan(member.outOfOffice, member.timeZone);
  return span.from <= now.getTime() && now.getTime() < span.until;
}

let cached: { roster: Roster; until: number } | undefined;

/** Forget the cached roster: the next read goes to the table (after a change made in this process). */
export function forgetRoster(): void {
  cached = undefined;
}

/**
 * Uses `roster` as the table's until `forgetRoster()` (unit tests that mock
 * the table; the local stack after seeding reads it back instead).
 */
export function useRoster(roster: Roster): void {
  cached = { roster, until: Number.POSITIVE_INFINITY };
}

/** The roster, read with one Query (paged) at most every ROSTER_CACHE_MS. Fails naming a team that was never seeded. */
export async function loadRoster(now: Date = new Date()): Promise<Roster> {
  if (cached !== undefined && now.getTime() < cached.until) return cached.roster;
  const roster = await readRoster();
  cached = { roster, until: now.getTime() + ROSTER_CACHE_MS };
  return roster;
}

/** The roster straight from the table (strongly consistent): what the `/teams` routes show and change. */
export async function readRoster(): Promise<Roster> {
  let rows: Record<string, unknown>[];
  try {
    rows = await allItems((ExclusiveStartKey: Record<string, unknown> | undefined) =>
      ddb.send(new QueryCommand({ TableName: tableName(), KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': ROSTER_PK }, ConsistentRead: true, ExclusiveStartKey })),
    );
  } catch (error) {
    throw asTransient(error, 'readRoster');
  }
  const leads = new Map<string, string>();
  const members = new Map<string, RosterMember[]>();
  for (const row of rows) {
    if (row.type === 'ROSTER_TEAM') leads.set(String(row.team), String(row.lead));
    if (row.type === 'ROSTER_MEMBER') {
      const list = members.get(String(row.team)) ?? [];
      list.push(toMember(row));
      members.set(String(row.team), list);
    }
  }
  const lead = (team: RosterTeam): string => {
    const found = leads.get(team);
    if (found === undefined) throw new Error(`the roster has no team ${team}: it is seeded from the teams setting on deploy (or npm start)`);
    return found;
  };
  const roster = { ops: { lead: lead('ops') } } as Roster;
  for (const team of TEAMS) roster[team] = { lead: lead(team), members: members.get(team) ?? [] };
  return roster;
}

function toMember(row: Record<string, unknown>): RosterMember {
  const ooo = row.outOfOffice as OutOfOffice | undefined;
  return {
    email: String(row.email),
    name: String(row.name),
    weight: typeof row.weight === 'number' ? row.weight : 1,
    timeZone: typeof row.timeZone === 'string' ? row.timeZone : 'UTC',
    ...(ooo !== undefined ? { outOfOffice: { from: ooo.from, until: ooo.until, ...(ooo.reassignedAt !== undefined ? { reassignedAt: ooo.reassignedAt } : {}) } } : {}),
  };
}

/** The roster as the functions' TeamDirectory: each team's lead and member addresses, and each person's time zone. */
export function directoryOf(roster: Roster): TeamDirectory {
  const timeZones: Record<string, string> = {};
  for (const team of TEAMS) for (const m of roster[team].members) timeZones[m.email] = m.timeZone;
  const team = (t: Team) => ({ lead: roster[t].lead, members: roster[t].members.map((m) => m.email) });
  return {
    marketing: team('marketing'),
    'inside-sales': team('inside-sales'),
    'field-sales': team('field-sales'),
    'customer-success': team('customer-success'),
    ops: { lead: roster.ops.lead },
    timeZones,
  };
}

/** The team directory of this function: the roster (cached ROSTER_CACHE_MS). */
export async function teamDirectory(now: Date = new Date()): Promise<TeamDirectory> {
  return directoryOf(await loadRoster(now));
}

/** A member from the seed: the part of the address before the @ as their name, weight 1, UTC. */
const seededMember = (email: string): RosterMember => ({ email: email.toLowerCase(), name: email.slice(0, email.indexOf('@')), weight: 1, timeZone: 'UTC' });

/** The roster a `teams` setting seeds. */
export function rosterOf(setting: Omit<TeamDirectory, 'timeZones'>): Roster {
  const roster = { ops: { lead: setting.ops.lead.toLowerCase() } } as Roster;
  for (const team of TEAMS) roster[team] = { lead: setting[team].lead.toLowerCase(), members: [...new Set(setting[team].members.map((m) => m.toLowerCase()))].map(seededMember) };
  return roster;
}

/**
 * Seeds each team not yet in the table from the `teams` setting: its
 * members, then its team item (which marks it seeded), then a change. A
 * team already seeded is left alone, so running it again (a redeploy, every
 * `npm start`) changes nothing; a seed cut off halfway is completed.
 * Returns the teams it seeded.
 */
export async function seedRoster(directory: Omit<TeamDirectory, 'timeZones'>, by: string, now: Date = new Date()): Promise<RosterTeam[]> {
  const seed = rosterOf(directory);
  const seeded: RosterTeam[] = [];
  for (const team of ROSTER_TEAMS) {
    if (await getRow(rosterTeamKey(team))) continue;
    const members = team === 'ops' ? [] : seed[team].members;
    for (let i = 0; i < members.length && team !== 'ops'; i += 25) {
      await Promise.all(members.slice(i, i + 25).map((m) => putRow(memberRow(team, m, by, now), 'attribute_not_exists(pk)', 'seedRoster')));
    }
    const created = await putRow(teamRow(team, seed[team].lead, members.length, by, now), 'attribute_not_exists(pk)', 'seedRoster');
    if (!created) continue;
    await recordChange({ at: now.toISOString(), by, team, action: 'seeded', summary: `seeded from the teams setting: lead ${seed[team].lead}, ${members.length} member${members.length === 1 ? '' : 's'}` });
    seeded.push(team);
  }
  forgetRoster();
  return seeded;
}

function teamRow(team: RosterTeam, lead: string, memberCount: number, by: string, now: Date): Record<string, unknown> {
  return { ...rosterTeamKey(team), type: 'ROSTER_TEAM', team, lead, memberCount, updatedAt: now.toISOString(), updatedBy: by };
}

function memberRow(team: Team, member: RosterMember, by: string, now: Date): Record<string, unknown> {
  return { ...rosterMemberKey(team, member.email), type: 'ROSTER_MEMBER', team, ...member, updatedAt: now.toISOString(), updatedBy: by };
}

/** The member of `team` with this address, or undefined. */
export async function getMember(team: Team, email: string): Promise<RosterMember | undefined> {
  const row = await getRow(rosterMemberKey(team, email));
  return row === undefined ? undefined : toMember(row);
}

/**
 * Adds or replaces a member. A new member counts on the team item (so the
 * last member cannot be removed, however requests interleave). Returns the
 * member as it was before (undefined for a new one) and the change kept.
 */
export async function putMember(team: Team, email: string, input: MemberInput, by: string, now: Date = new Date()): Promise<{ before?: RosterMember; member: RosterMember; change: RosterChange }> {
  await requireTeam(team);
  const before = await getMember(team, email);
  const member: RosterMember = { email, name: input.name, weight: input.weight, timeZone: input.timeZone, ...(input.outOfOffice ? { outOfOffice: input.outOfOffice } : {}) };
  if (before === undefined) {
    const added = await putRow(memberRow(team, member, by, now), 'attribute_not_exists(pk)', 'putMember');
    if (added) await countMembers(team, 1, now);
  } else {
    await putRow(memberRow(team, member, by, now), undefined, 'putMember');
  }
  const change = await recordChange({
    at: now.toISOString(),
    by,
    team,
    action: before === undefined ? 'member-added' : 'member-updated',
    email,
    summary: describeMember(member, before),
  });
  forgetRoster();
  return { ...(before ? { before } : {}), member, change };
}

function describeMember(m: RosterMember, before: RosterMember | undefined): string {
  const ooo = m.outOfOffice ? `out of office ${m.outOfOffice.from} to ${m.outOfOffice.until}` : 'available';
  const now = `${m.name}, weight ${m.weight}, ${m.timeZone}, ${ooo}`;
  if (before === undefined) return `added ${now}`;
  const was = `${before.name}, weight ${before.weight}, ${before.timeZone}, ${before.outOfOffice ? `out of office ${before.outOfOffice.from} to ${before.outOfOffice.until}` : 'available'}`;
  return `changed to ${now} (was ${was})`;
}

/**
 * Removes a member: the team's member count goes down first, conditional on
 * another member staying (Conflict for the last one), then the member item.
 * NotFound when they are not a member.
 */
export async function removeMember(team: Team, email: string, by: string, now: Date = new Date()): Promise<{ member: RosterMember }> {
  await requireTeam(team);
  const member = await getMember(team, email);
  if (member === undefined) throw new NotFound(`no such member of ${team} (email)`, { field: 'email' });
  try {
    await ddb.send(
      new UpdateCommand({
        TableName: tableName(),
        Key: rosterTeamKey(team),
        UpdateExpression: 'ADD memberCount :minus SET updatedAt = :at, updatedBy = :by',
        ConditionExpression: 'memberCount > :one',
        ExpressionAttributeValues: { ':minus': -1, ':one': 1, ':at': now.toISOString(), ':by': by },
      }),
    );
  } catch (error) {
    if (isConditionalCheckFailed(error)) throw new Conflict(`that is the last member of ${team}: add another member first`, { field: 'email' });
    throw asTransient(error, 'removeMember');
  }
  try {
    await ddb.send(new DeleteCommand({ TableName: tableName(), Key: rosterMemberKey(team, email), ConditionExpression: 'attribute_exists(pk)' }));
  } catch (error) {
    await countMembers(team, 1, now); // not ours to remove (a concurrent removal took it): count it back
    if (isConditionalCheckFailed(error)) throw new NotFound(`no such member of ${team} (email)`, { field: 'email' });
    throw asTransient(error, 'removeMember');
  }
  forgetRoster();
  return { member };
}

/**
 * Marks the member's absence as handled (their open requests went to
 * others at `at`), unless it changed meanwhile (a PUT with another
 * absence: that one is handled on its own).
 */
export async function markOutOfOfficeReassigned(team: Team, member: RosterMember, at: Date): Promise<void> {
  if (member.outOfOffice === undefined) return;
  try {
    await ddb.send(
      new UpdateCommand({
        TableName: tableName(),
        Key: rosterMemberKey(team, member.email),
        UpdateExpression: 'SET outOfOffice.reassignedAt = :at',
        ConditionExpression: 'outOfOffice.#from = :from AND outOfOffice.#until = :until',
        ExpressionAttributeNames: { '#from': 'from', '#until': 'until' },
        ExpressionAttributeValues: { ':at': at.toISOString(), ':from': member.outOfOffice.from, ':until': member.outOfOffice.until },
      }),
    );
  } catch (error) {
    if (!isConditionalCheckFailed(error)) throw asTransient(error, 'markOutOfOfficeReassigned');
  }
  forgetRoster();
}

/** Makes `email` the team's lead (escalations, stalled-lead rescues, reassignment notices). */
export async function setTeamLead(team: RosterTeam, email: string, by: string, now: Date = new Date()): Promise<{ before: string; change: RosterChange }> {
  const current = await requireTeam(team);
  const before = String(current.lead);
  try {
    await ddb.send(
      new UpdateCommand({
        TableName: tableName(),
        Key: rosterTeamKey(team),
        UpdateExpression: 'SET #lead = :lead, updatedAt = :at, updatedBy = :by',
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeNames: { '#lead': 'lead' },
        ExpressionAttributeValues: { ':lead': email, ':at': now.toISOString(), ':by': by },
      }),
    );
  } catch (error) {
    throw asTransient(error, 'setTeamLead');
  }
  const change = await recordChange({ at: now.toISOString(), by, team, action: 'lead-changed', email, summary: `lead ${email} (was ${before})` });
  forgetRoster();
  return { before, change };
}

async function requireTeam(team: RosterTeam): Promise<Record<string, unknown>> {
  const row = await getRow(rosterTeamKey(team));
  if (row === undefined) throw new ValidationError('team', `${team} is not seeded yet (deploy, or npm start, seeds it from the teams setting)`);
  return row;
}

async function countMembers(team: Team, delta: number, now: Date): Promise<void> {
  try {
    await ddb.send(new UpdateCommand({ TableName: tableName(), Key: rosterTeamKey(team), UpdateExpression: 'ADD memberCount :d SET updatedAt = :at', ExpressionAttributeValues: { ':d': delta, ':at': now.toISOString() } }));
  } catch (error) {
    throw asTransient(error, 'countMembers');
  }
}

/** Keeps a change (who, when, what) for good. */
export async function recordChange(change: RosterChange): Promise<RosterChange> {
  await putRow({ ...rosterChangeKey(change.at, randomBytes(6).toString('hex')), type: 'ROSTER_CHANGE', ...change }, undefined, 'recordChange');
  return change;
}

/** The latest `limit` changes, newest first. */
export async function listChanges(limit = 100): Promise<RosterChange[]> {
  try {
    const out = await ddb.send(
      new QueryCommand({ TableName: tableName(), KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': ROSTER_CHANGE_PK }, ScanIndexForward: false, Limit: limit }),
    );
    const rows: Record<string, unknown>[] = out.Items ?? [];
    return rows.map(({ pk: _pk, sk: _sk, type: _type, ...rest }) => rest as unknown as RosterChange);
  } catch (error) {
    throw asTransient(error, 'listChanges');
  }
}

async function getRow(key: { pk: string; sk: string }): Promise<Record<string, unknown> | undefined> {
  try {
    return (await ddb.send(new GetCommand({ TableName: tableName(), Key: key, ConsistentRead: true }))).Item;
  } catch (error) {
    throw asTransient(error, 'readRoster');
  }
}

/** Puts a row; false when `condition` failed. */
async function putRow(item: Record<string, unknown>, condition: string | undefined, what: string): Promise<boolean> {
  try {
    await ddb.send(new PutCommand({ TableName: tableName(), Item: item, ...(condition ? { ConditionExpression: condition } : {}) }));
    return true;
  } catch (error) {
    if (condition !== undefined && isConditionalCheckFailed(error)) return false;
    throw asTransient(error, what);
  }
}
