/**
 * The team directory: for each team its `lead` (escalations) and `members`
 * (round-robin pool), plus `ops.lead`. The `teams` setting, declared here and
 * listed in functions/lib/aws/settings.ts, has this shape and only seeds the
 * roster in the table (teams/roster.ts); functions read the roster with
 * `teamDirectory()` there. No function has it in its environment.
 */
import { defineSetting, parseSetting } from '#lib/aws/config';
import * as z from '#lib/core/zod';

const email = z.email();
const teamSchema = z.object({
  /** Who escalations go to. */
  lead: email,
  /** Round-robin pool for new work. At least one. */
  members: z.array(email).check(z.minLength(1)),
});
export const teamDirectorySchema = z.object({
  marketing: teamSchema,
  'inside-sales': teamSchema,
  'field-sales': teamSchema,
  'customer-success': teamSchema,
  ops: z.object({ lead: email }),
});
/** The `teams` setting's value (the seed). */
export type TeamsSetting = z.infer<typeof teamDirectorySchema>;
/** What functions work with: the seed's shape, plus each member's time zone (for the dates in their emails). */
export type TeamDirectory = TeamsSetting & { timeZones?: Readonly<Record<string, string>> };

/** example.com addresses: replace them before a real deployment. */
const DEFAULT_TEAMS: TeamsSetting = {
  marketing: { lead: 'marketing-lead@example.com', members: ['marketing@example.com'] },
  'inside-sales': { lead: 'inside-sales-lead@example.com', members: ['sdr1@example.com', 'sdr2@example.com'] },
  'field-sales': { lead: 'field-sales-lead@example.com', members: ['ae1@example.com', 'ae2@example.com'] },
  'customer-success': { lead: 'customer-success-lead@example.com', members: ['csm1@example.com', 'csm2@example.com'] },
  ops: { lead: 'ops@example.com' },
};

/** The `teams` setting: the roster's seed, on the first deploy and the first `npm start` (teams/roster.ts seedRoster). */
export const TEAMS_SETTING = defineSetting(teamDirectorySchema, { json: true, default: DEFAULT_TEAMS });

/** Parses a `teams` value; a bad value names the offending path (`teams.marketing.lead: ...`). */
export function parseTeams(json: string): TeamsSetting {
  return parseSetting(TEAMS_SETTING, json, 'teams');
}

/** A person's time zone for the dates in their emails (UTC when the roster does not know them). */
export function timeZoneOf(teams: TeamDirectory, email: string): string {
  return teams.timeZones?.[email.toLowerCase()] ?? 'UTC';
}
