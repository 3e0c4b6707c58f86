/**
 * Configuration every handler reads from its environment. The stack
 * (infra/) and the local dev server (local/) set the same variables; nothing
 * here knows where it runs. A missing variable fails fast with its name, when
 * a handler first asks for it (module load of that handler).
 *
 * Settings (functions/lib/aws/settings.ts) are declared with `defineSetting`
 * and checked by `parseSetting`, the same way whether the value comes from the
 * stack's props / CDK context (infra/settings.ts) or from a function's
 * environment (`readSetting`).
 */
import * as z from '#lib/core/zod';

/**
 * Names of the environment variables, shared with infra/ and local/. A
 * setting's variable is read through its declaration (functions/lib/aws/settings.ts), not directly.
 */
export const ENV = {
  tableName: 'TABLE_NAME',
  stateMachineArn: 'STATE_MACHINE_ARN',
  /** Public base URL of the HTTP API, used to build feedback links (no trailing slash). */
  publicBaseUrl: 'PUBLIC_BASE_URL',
  mailFrom: 'MAIL_FROM',
  /** JSON: partial ScoringWeights (optional; defaults in leads/scoring.ts). */
  scoringWeights: 'SCORING_WEIGHTS',
  /** Secrets Manager secret id/ARN holding the bearer key for POST /leads and GET /funnel. */
  apiKeySecretId: 'API_KEY_SECRET_ID',
  /** Send a reminder when this fraction of a feedback request's time has passed (the reminderAfterFraction setting). */
  reminderAfterFraction: 'REMINDER_AFTER_FRACTION',
  /** EventBridge Scheduler expression of the team digest (functions/lib/digest/schedule.ts); its fire times bound the periods. */
  digestSchedule: 'DIGEST_SCHEDULE',
  /** IANA time zone of DIGEST_SCHEDULE and of the dates in the digest. */
  digestTimezone: 'DIGEST_TIMEZONE',
  /** Which feedback share-feedback emails at once: all | flagged | none (see INSTANT_FEEDBACK_EMAILS). */
  instantFeedbackEmails: 'INSTANT_FEEDBACK_EMAILS',
  /** The custom EventBridge bus the domain events go to (functions/lib/events/publish.ts). */
  eventBusName: 'EVENT_BUS_NAME',
  /** JSON array: the contact fields LeadCaptured events may carry (the eventContactFields setting; none by default). */
  eventContactFields: 'EVENT_CONTACT_FIELDS',
  /** Secrets Manager secret id/ARN holding the shared secret that signs POST /webhooks/leads. */
  webhookSecretId: 'WEBHOOK_SECRET_ID',
  /** ISO 4217 code preselected in the deal-decision form's currency list (the defaultCurrency setting). */
  defaultCurrency: 'DEFAULT_CURRENCY',
  /** JSON: the shared revenue goal's deployed default (the revenueGoal setting; PUT /goal stores a newer one in the table). */
  revenueGoal: 'REVENUE_GOAL',
} as const;

/**
 * Variables only the local stack sets (local/stack.ts processEnvironment), read as optional.
 * CONSOLE_BASE_URL: the ops console with an `/executions/<name>` page that rescue emails link to;
 * unset on AWS, where they link to the Step Functions console's execution page.
 */
export const LOCAL_ENV = { consoleBaseUrl: 'CONSOLE_BASE_URL' } as const;
export type EnvName = (typeof ENV)[keyof typeof ENV];

/**
 * Which feedback is emailed to the receiving team at once (every feedback is
 * stored and goes into the weekly digest either way): `all`, only `flagged`
 * (needs attention: functions/lib/feedback/sharing.ts `needsAttention`), or `none`.
 */
export const INSTANT_FEEDBACK_EMAILS = ['all', 'flagged', 'none'] as const;
export type InstantFeedbackEmails = (typeof INSTANT_FEEDBACK_EMAILS)[number];

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

// ---- settings ---------------------------------------------------------------

/** A setting's value is bad (the message starts with the setting's or the variable's name). */
export class SettingsError extends Error {
  override readonly name = 'SettingsError';
}

/** One setting: how a value is checked, its default, and where functions read it. */
export interface SettingDeclaration<Schema extends z.ZodMiniType = z.ZodMiniType> {
  /** Checks a value and gives the setting's type. Environment variables and `-c key=value` give strings: numbers use `z.coerce`. */
  readonly schema: Schema;
  /** A string value is JSON, parsed before the schema (a typed value from stack props is not). */
  readonly json?: boolean;
  /** The value when none is given. None: the setting is optional (its schema accepts undefined). */
  readonly default?: z.output<Schema>;
  /** The environment variable functions read it from (infra/function-table.ts sets it for the functions that list the setting). */
  readonly env?: EnvName;
  /** When `env` is unset, functions fail instead of taking the default (the stack always sets it). */
  readonly envRequired?: boolean;
}

/**
 * A declaration, its default checked against its schema. The options keep
 * their literal types, so the type of `SETTINGS` knows which settings have an `env`.
 */
export function defineSetting<Schema extends z.ZodMiniType, const Options extends Omit<SettingDeclaration<Schema>, 'schema'>>(
  schema: Schema,
  options: Options,
): { readonly schema: Schema } & Options {
  return { schema, ...options };
}

/**
 * Checks a setting's value (a string, or a typed value from stack props).
 * Throws a SettingsError starting with `name`: `name.path: message`.
 */
export function parseSetting<Schema extends z.ZodMiniType>(declaration: SettingDeclaration<Schema>, value: unknown, name: string): z.output<Schema> {
  let raw = value;
  if (declaration.json === true && typeof value === 'string') {
    try {
      raw = JSON.parse(value) as unknown;
    } catch {
      throw new SettingsError(`${name} is not valid JSON`);
    }
  }
  const result = declaration.schema.safeParse(raw);
  if (!result.success) {
    const issue = result.error.issues[0];
    const path = issue?.path.map(String).join('.') ?? '';
    throw new SettingsError(`${name}${path === '' ? '' : `.${path}`}: ${issue?.message ?? 'invalid'}`);
  }
  return result.data;
}

/** A setting from the function's environment: unset, its default (or a failure, when envRequired); a bad value fails naming the variable. */
export function readSetting<Schema extends z.ZodMiniType>(declaration: SettingDeclaration<Schema> & { readonly env: EnvName }): z.output<Schema> {
  const value = declaration.envRequired === true ? requireEnv(declaration.env) : (optionalEnv(declaration.env) ?? declaration.default);
  return parseSetting(declaration, value, declaration.env);
}
