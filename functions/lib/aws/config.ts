/**
 * Configuration every handler reads from its environment. The stack
 * (infra/) and the local dev server (local/) set the same variables; nothing
 * here knows where it runs. A missing variable fails fast with its name, when
 * a handler first asks for it (module load of that handler).
 */
import type { Team } from '#lib/core/contracts';
import * as z from '#lib/core/zod';

/** Names of the environment variables, shared with infra/ and local/. */
export const ENV = {
  tableName: 'TABLE_NAME',
  stateMachineArn: 'STATE_MACHINE_ARN',
  /** Public base URL of the HTTP API, used to build feedback links (no trailing slash). */
  publicBaseUrl: 'PUBLIC_BASE_URL',
  mailFrom: 'MAIL_FROM',
  /** JSON: TeamDirectory. */
  teams: 'TEAMS',
  /** JSON: partial ScoringWeights (optional; defaults in leads/scoring.ts). */
  scoringWeights: 'SCORING_WEIGHTS',
  /** Secrets Manager secret id/ARN holding the bearer key for POST /leads and GET /funnel. */
  apiKeySecretId: 'API_KEY_SECRET_ID',
  /** Send a reminder when this fraction of a feedback request's time has passed (default 0.5). */
  reminderAfterFraction: 'REMINDER_AFTER_FRACTION',
  /** EventBridge Scheduler expression of the team digest (functions/lib/digest/schedule.ts); its fire times bound the periods. */
  digestSchedule: 'DIGEST_SCHEDULE',
  /** IANA time zone of DIGEST_SCHEDULE and of the dates in the digest. */
  digestTimezone: 'DIGEST_TIMEZONE',
  /** Which feedback share-feedback emails at once: all | flagged | none (see INSTANT_FEEDBACK_EMAILS). */
  instantFeedbackEmails: 'INSTANT_FEEDBACK_EMAILS',
} as const;

/**
 * Which feedback is emailed to the receiving team at once (every feedback is
 * stored and goes into the weekly digest either way): `all`, only `flagged`
 * (needs attention: functions/lib/feedback/sharing.ts `needsAttention`), or `none`.
 */
export const INSTANT_FEEDBACK_EMAILS = ['all', 'flagged', 'none'] as const;
export type InstantFeedbackEmails = (typeof INSTANT_FEEDBACK_EMAILS)[number];

/** Parses INSTANT_FEEDBACK_EMAILS; a bad value names the variable. */
export function parseInstantFeedbackEmails(value: string): InstantFeedbackEmails {
  const hit = INSTANT_FEEDBACK_EMAILS.find((v) => v === value);
  if (hit === undefined) throw new Error(`${ENV.instantFeedbackEmails} must be one of ${INSTANT_FEEDBACK_EMAILS.join(', ')}`);
  return hit;
}

export function requireEnv(name: string): string {
  const value = process.env[name];
  if (value === undefined || value === '') {
    throw new Error(`Missing environment variable ${name}`);
  }
  return value;
}

export function optionalEnv(name: string): string | undefined {
  const value = process.env[name];
  return value === undefined || value === '' ? undefined : value;
}

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
export type TeamConfig = z.infer<typeof teamSchema>;
export type TeamDirectory = z.infer<typeof teamDirectorySchema>;

/** Parses TEAMS; a bad value names the offending path. */
export function parseTeams(json: string): TeamDirectory {
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch {
    throw new Error(`${ENV.teams} is not valid JSON`);
  }
  const parsed = teamDirectorySchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`${ENV.teams}.${issue?.path.join('.') ?? ''}: ${issue?.message ?? 'invalid'}`);
  }
  return parsed.data;
}

export function teamConfig(directory: TeamDirectory, team: Team): TeamConfig {
  return directory[team];
}
