/**
 * Every setting of the pipeline, declared once: how a value is checked, its
 * default, and the environment variable functions read it from (`env`).
 *
 * - The stack and the local dev server resolve all of them from stack props /
 *   CDK context (infra/settings.ts `resolveSettings`) and give each function
 *   the variables it lists (infra/function-table.ts).
 * - A function reads its own with `setting('reminderAfterFraction')`: same
 *   schema, same default, and a bad value fails at load naming the variable.
 *
 * Plain TypeScript, no CDK: infra/ imports it, never the reverse.
 */
import { ENV, INSTANT_FEEDBACK_EMAILS, defineSetting, readSetting, type EnvName, type SettingDeclaration } from './config';
import { isCurrency } from '#lib/core/currency';
import { isTimeZone, parseSchedule } from '#lib/digest/schedule';
import { goalSchema } from '#lib/funnel/goal-setting';
import { scoringWeightsOverrideSchema } from '#lib/leads/scoring';
import { TEAMS_SETTING } from '#lib/teams/directory';
import { CONTACT_FIELDS, type ContactField } from '#lib/events/catalogue';
import * as z from '#lib/core/zod';

const HOUR = 3600;
const DAY = 24 * HOUR;

/** Step Functions' limit for TimeoutSeconds and Wait Seconds. */
const MAX_TIMER_SECONDS = 99_999_999;

/** CloudWatch Logs' allowed retention values, in days. */
export const LOG_RETENTION_DAYS = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653] as const;

/** The address part of `Name <addr>` (or the value itself). */
export function senderAddress(mailFrom: string): string {
  const match = /<([^<>]+)>\s*$/.exec(mailFrom);
  return (match?.[1] ?? mailFrom).trim();
}

const seconds = z.coerce.number().check(z.int(), z.gte(60), z.lte(MAX_TIMER_SECONDS));
const count = (min: number, max: number) => z.coerce.number().check(z.int(), z.gte(min), z.lte(max));
const bareEmail = z.email();
/** `addr@domain` or `Display Name <addr@domain>`; no CR/LF. */
const sender = z.string().check(
  z.refine((v) => !/[\r\n]/.test(v), 'must not contain line breaks'),
  z.refine((v) => bareEmail.safeParse(senderAddress(v)).success, 'must be an address or "Name <address>"'),
);
/** An SES identity: an email address or a domain. */
const sesIdentity = z.string().check(z.regex(/^([^@\s]+@)?[a-z0-9-]+(\.[a-z0-9-]+)+$/i, 'must be an email address or a domain'));
/** A boolean; `-c key=true|false` gives a string. */
const flag = z.union([z.boolean(), z.stringbool()], 'must be true or false');
/** A recurring EventBridge Scheduler expression functions/lib/digest/schedule.ts can evaluate. */
const scheduleExpression = z.string().check((ctx) => {
  try {
    parseSchedule(ctx.value);
  } catch (error) {
    ctx.issues.push({ code: 'custom', message: error instanceof Error ? error.message : String(error), input: ctx.value });
  }
});

/** No contact field in events: the default of eventContactFields. */
const NO_CONTACT_FIELDS: ContactField[] = [];

export const SETTINGS = {
  /** The roster's seed (no function reads it: the roster is in the table, functions/lib/teams/roster.ts): declared with the directory, functions/lib/teams/directory.ts. */
  teams: TEAMS_SETTING,
  /** Sender address of every email (MAIL_FROM), `addr@domain` or `Name <addr@domain>`. */
  mailFrom: defineSetting(sender, { default: 'The Model pipeline <pipeline@example.com>', env: ENV.mailFrom, envRequired: true }),
  /**
   * SES identity to send from and restrict sending to: an email address or a
   * domain. Created by the stack unless createMailIdentity is false. A domain
   * identity needs its DKIM records published.
   * @default the address part of mailFrom
   */
  mailIdentity: defineSetting(z.optional(sesIdentity), {}),
  /**
   * Create the SES identity mailIdentity (AWS::SES::EmailIdentity). false: it
   * already exists in the account and region (creating it again fails the
   * deploy); the stack only grants sending from it, and its default
   * configuration set is attached by hand (the AttachConfigurationSet output).
   */
  createMailIdentity: defineSetting(flag, { default: true }),
  /**
   * The account is in the SES sandbox (every new account is): SES then also
   * authorizes each send against the identity of every recipient, so the
   * send grant covers the account's identities (`identity/*`, still only
   * from the mailFrom address). false once production access is granted:
   * the grant names only the sender identity and the configuration set.
   */
  sesSandbox: defineSetting(flag, { default: true }),
  /**
   * Addresses and domains verified in SES for the sandbox, where only they
   * may receive mail (JSON array). Read by the local SES sandbox emulation
   * and the preflight check; functions do not read it.
   * @default every address of teams
   */
  verifiedIdentities: defineSetting(z.optional(z.array(sesIdentity).check(z.minLength(1))), { json: true }),
  /**
   * Base URL of feedback links, no trailing slash: a custom domain mapped to
   * the HTTP API. Functions get it (or the endpoint) as the resource PUBLIC_BASE_URL.
   * @default the HTTP API's own endpoint (https://<api id>.execute-api.<region>.amazonaws.com)
   */
  publicBaseUrl: defineSetting(z.optional(z.url({ protocol: /^https?$/ }).check(z.refine((v) => !v.endsWith('/'), 'must not end with /'))), {}),
  /** Speed to lead: Inside Sales' qualification call, in seconds. */
  qualificationCallSlaSeconds: defineSetting(seconds, { default: 4 * HOUR }),
  /** Field Sales reports the meeting. */
  meetingOutcomeSlaSeconds: defineSetting(seconds, { default: 5 * DAY }),
  /** Field Sales reports the deal decision. */
  dealDecisionSlaSeconds: defineSetting(seconds, { default: 14 * DAY }),
  /** Customer Success reviews onboarding. */
  onboardingReviewSlaSeconds: defineSetting(seconds, { default: 7 * DAY }),
  /** Customer Success answers a check-in. */
  checkInSlaSeconds: defineSetting(seconds, { default: 3 * DAY }),
  /** Seconds ops (a failed step) or a team lead (a stalled lead) have to decide a rescue: retry or reassign, return, close; then they are asked again. */
  rescueSlaSeconds: defineSetting(seconds, { default: 3 * DAY }),
  /** Time between check-ins. */
  checkInIntervalSeconds: defineSetting(seconds, { default: 60 * DAY }),
  /** Check-ins before the renewal. */
  maxCheckIns: defineSetting(count(1, 100), { default: 4 }),
  /** No-show reschedules before the lead is returned to Marketing. */
  maxReschedules: defineSetting(count(0, 20), { default: 2 }),
  /** A reminder goes out when this fraction of a request's time has passed (REMINDER_AFTER_FRACTION). */
  reminderAfterFraction: defineSetting(z.coerce.number().check(z.gt(0), z.lt(1)), { default: 0.5, env: ENV.reminderAfterFraction }),
  /**
   * Which feedback is emailed to the receiving team at once (INSTANT_FEEDBACK_EMAILS):
   * `all`, `flagged` (a rating of 2 or below, or what was missing / promises
   * that could not be kept / the customer's difficulties filled in), or
   * `none`. Every feedback is stored and goes into the weekly digest anyway.
   */
  instantFeedbackEmails: defineSetting(z.enum(INSTANT_FEEDBACK_EMAILS, `must be one of ${INSTANT_FEEDBACK_EMAILS.join(', ')}`), {
    default: 'flagged',
    env: ENV.instantFeedbackEmails,
  }),
  /**
   * The currency preselected in the deal-decision form (DEFAULT_CURRENCY):
   * an ISO 4217 code of functions/lib/core/currency.ts (not XXX, XTS and
   * other non-currencies). EUR unless set; the form lists every currency.
   */
  defaultCurrency: defineSetting(
    z.string().check(z.refine((c) => isCurrency(c), 'must be an ISO 4217 currency code such as EUR or USD')),
    { default: 'EUR', env: ENV.defaultCurrency },
  ),
  /**
   * The revenue goal all four teams share (REVENUE_GOAL JSON): `{"amount":
   * 250000, "currency": "EUR", "period": "quarter"}` (period: month, quarter
   * or year, UTC calendar). Shown with its progress at the top of every
   * digest, in GET /funnel and on the console's funnel page. `PUT /goal`
   * changes it without a deploy (stored in the table, it wins over this).
   * @default none (no goal shown until one is set)
   */
  revenueGoal: defineSetting(z.optional(goalSchema), { json: true, env: ENV.revenueGoal }),
  /**
   * The lead's contact fields LeadCaptured events carry in `contact`
   * (EVENT_CONTACT_FIELDS, JSON array of name, email, company, title, phone,
   * country), for a CRM that creates the contact from the event. None by
   * default: every event holds the lead id and codes only (docs/events.md).
   */
  eventContactFields: defineSetting(z.array(z.enum(CONTACT_FIELDS, `must be a list of ${CONTACT_FIELDS.join(', ')}`)), {
    json: true,
    default: NO_CONTACT_FIELDS,
    env: ENV.eventContactFields,
  }),
  /** Partial override of the scoring weights (SCORING_WEIGHTS JSON). @default none: the defaults of functions/lib/leads/scoring.ts */
  scoringWeights: defineSetting(z.optional(scoringWeightsOverrideSchema), { json: true, env: ENV.scoringWeights }),
  /** Address subscribed to the ops alarm topic. @default none (no subscription) */
  alarmEmail: defineSetting(z.optional(bareEmail), {}),
  /** Retention of every log group, in days (a CloudWatch Logs retention value). */
  logRetentionDays: defineSetting(
    z.coerce
      .number()
      .check(z.int(), z.refine((d) => (LOG_RETENTION_DAYS as readonly number[]).includes(d), `must be one of ${LOG_RETENTION_DAYS.join(', ')}`)),
    { default: 90 },
  ),
  /** HTTP API default stage steady-state rate limit (requests per second). */
  apiRateLimit: defineSetting(z.coerce.number().check(z.positive(), z.lte(10_000)), { default: 20 }),
  /** HTTP API default stage burst limit. */
  apiBurstLimit: defineSetting(count(1, 5_000), { default: 40 }),
  /**
   * When each team's feedback digest goes out (EventBridge Scheduler,
   * DIGEST_SCHEDULE): `rate(<n> <minutes|hours|days>)` or `cron(<min> <hour>
   * <day-of-month> <month> <day-of-week> <year>)`; each digest covers the time
   * since the schedule's previous fire time. Cron `W`, `#` and day-of-week `L`
   * are not supported (functions/lib/digest/schedule.ts). The default: Mondays at 08:00.
   */
  digestSchedule: defineSetting(scheduleExpression, { default: 'cron(0 8 ? * MON *)', env: ENV.digestSchedule, envRequired: true }),
  /** IANA time zone of digestSchedule and of the dates in the digest (DIGEST_TIMEZONE). */
  digestTimezone: defineSetting(z.string().check(z.refine(isTimeZone, 'must be an IANA time zone such as UTC or Europe/Paris')), {
    default: 'UTC',
    env: ENV.digestTimezone,
    envRequired: true,
  }),
};

export type SettingKey = keyof typeof SETTINGS;
/** Every key, in declaration order (the keys read from stack props / CDK context). */
export const SETTING_KEYS = Object.keys(SETTINGS) as readonly SettingKey[];

/** The type of a setting's value. */
export type SettingValue<K extends SettingKey> = z.output<(typeof SETTINGS)[K]['schema']>;
/** Every setting's value (optional ones may be undefined). */
export type Settings = { readonly [K in keyof typeof SETTINGS]: z.output<(typeof SETTINGS)[K]['schema']> };

/** The settings functions read from their environment: those declared with an `env`. */
export type FunctionSettingKey = { [K in SettingKey]: (typeof SETTINGS)[K] extends { readonly env: EnvName } ? K : never }[SettingKey];

/** A setting from the function's environment, checked as the stack checks it; a missing or bad value fails naming the variable. */
export function setting<K extends FunctionSettingKey>(key: K): SettingValue<K> {
  const { env, ...declaration }: SettingDeclaration = SETTINGS[key];
  if (env === undefined) throw new Error(`Setting ${key} is not read from the environment`); // FunctionSettingKey rules it out
  // SETTINGS[key]'s schema gives SettingValue<K>; TypeScript cannot follow a generic key into it.
  return readSetting({ ...declaration, env }) as SettingValue<K>;
}
