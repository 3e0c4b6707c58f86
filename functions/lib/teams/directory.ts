/**
 * The team directory: for each team its `lead` (escalations) and `members`
 * (round-robin pool), plus `ops.lead`. It is the `teams` setting (TEAMS, JSON),
 * declared here and listed in functions/lib/aws/settings.ts; functions read it
 * with `teamDirectory()`, the one place that knows where the roster comes from.
 */
import { ENV, defineSetting, parseSetting, readSetting } from '#lib/aws/config';
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
export type TeamDirectory = z.infer<typeof teamDirectorySchema>;

/** example.com addresses: replace them before a real deployment. */
const DEFAULT_TEAMS: TeamDirectory = {
  marketing: { lead: 'marketing-lead@example.com', members: ['marketing@example.com'] },
  'inside-sales': { lead: 'inside-sales-lead@example.com', members: ['sdr1@example.com', 'sdr2@example.com'] },
  'field-sales': { lead: 'field-sales-lead@example.com', members: ['ae1@example.com', 'ae2@example.com'] },
  'customer-success': { lead: 'customer-success-lead@example.com', members: ['csm1@example.com', 'csm2@example.com'] },
  ops: { lead: 'ops@example.com' },
};

/**
 * The `teams` setting. Functions never fall back to the example addresses:
 * without TEAMS they fail at load.
 */
export const TEAMS_SETTING = defineSetting(teamDirectorySchema, { json: true, default: DEFAULT_TEAMS, env: ENV.teams, envRequired: true });

/** Parses a TEAMS value; a bad value names the offending path (`TEAMS.marketing.lead: ...`). */
export function parseTeams(json: string): TeamDirectory {
  return parseSetting(TEAMS_SETTING, json, ENV.teams);
}

let directory: TeamDirectory | undefined;

/** The team directory of this function (TEAMS, read and checked once). */
export function teamDirectory(): TeamDirectory {
  directory ??= readSetting(TEAMS_SETTING);
  return directory;
}
