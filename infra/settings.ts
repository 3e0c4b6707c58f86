/**
 * The pipeline's configuration and what follows from it, in one plain module
 * (no CDK import) shared by the stack (infra/) and the local dev server
 * (local/), so both run the state machine with the same SLAs and the
 * functions with the same environment:
 *
 * - `resolveSettings`: typed settings from stack props / CDK context values
 *   (strings from `-c key=value` are parsed), with documented defaults; a bad
 *   value fails naming its key.
 * - `aslSubstitutions`: the `${Placeholders}` of statemachines/lead-lifecycle.asl.json.
 * - `FUNCTIONS` / `functionEnvironment`: each Lambda's entry, trigger, needs
 *   and environment variables.
 */
import { ENV, INSTANT_FEEDBACK_EMAILS, teamDirectorySchema, type InstantFeedbackEmails, type TeamDirectory } from '#lib/aws/config';
import { isTimeZone, parseSchedule } from '#lib/digest/schedule';
import { resolveScoringWeights } from '#lib/leads/scoring';
import * as z from '#lib/core/zod';

const HOUR = 3600;
const DAY = 24 * HOUR;

/** Step Functions' limit for TimeoutSeconds and Wait Seconds. */
const MAX_TIMER_SECONDS = 99_999_999;
/** A Standard execution runs for at most one year. */
export const MAX_EXECUTION_SECONDS = 365 * DAY;

// ---------------------------------------------------------------------------
// Settings
// ---------------------------------------------------------------------------

export interface PipelineSettings {
  /**
   * Team directory (the TEAMS JSON of functions/lib/aws/config.ts): for each team
   * its `lead` (escalations) and `members` (round-robin pool), plus `ops.lead`.
   * @default example.com addresses (replace them before a real deployment)
   */
  readonly teams: TeamDirectory;
  /**
   * Sender address of every email (MAIL_FROM), `addr@domain` or `Name <addr@domain>`.
   * @default 'The Model pipeline <pipeline@example.com>'
   */
  readonly mailFrom: string;
  /**
   * SES identity to create and restrict sending to: an email address or a
   * domain. A domain identity needs its DKIM records published.
   * @default the address part of mailFrom
   */
  readonly mailIdentity: string;
  /**
   * Base URL of feedback links (PUBLIC_BASE_URL), no trailing slash: a custom
   * domain mapped to the HTTP API.
   * @default the HTTP API's own endpoint (https://<api id>.execute-api.<region>.amazonaws.com)
   */
  readonly publicBaseUrl?: string;
  /** Speed to lead: Inside Sales' qualification call. @default 14400 (4 hours) */
  readonly qualificationCallSlaSeconds: number;
  /** Field Sales reports the meeting. @default 432000 (5 days) */
  readonly meetingOutcomeSlaSeconds: number;
  /** Field Sales reports the deal decision. @default 1209600 (14 days) */
  readonly dealDecisionSlaSeconds: number;
  /** Customer Success reviews onboarding. @default 604800 (7 days) */
  readonly onboardingReviewSlaSeconds: number;
  /** Customer Success answers a check-in. @default 259200 (3 days) */
  readonly checkInSlaSeconds: number;
  /** Time between check-ins. @default 5184000 (60 days) */
  readonly checkInIntervalSeconds: number;
  /** Check-ins before the renewal. @default 4 */
  readonly maxCheckIns: number;
  /** No-show reschedules before the lead is returned to Marketing. @default 2 */
  readonly maxReschedules: number;
  /** A reminder goes out when this fraction of a request's time has passed (REMINDER_AFTER_FRACTION). @default 0.5 */
  readonly reminderAfterFraction: number;
  /**
   * Which feedback is emailed to the receiving team at once (INSTANT_FEEDBACK_EMAILS):
   * `all`, `flagged` (a rating of 2 or below, or what was missing / promises
   * that could not be kept / the customer's difficulties filled in), or
   * `none`. Every feedback is stored and goes into the weekly digest anyway.
   * @default 'flagged'
   */
  readonly instantFeedbackEmails: InstantFeedbackEmails;
  /** Partial override of the scoring weights (SCORING_WEIGHTS JSON). @default undefined (defaults of functions/lib/leads/scoring.ts) */
  readonly scoringWeights?: Record<string, unknown>;
  /** Address subscribed to the ops alarm topic. @default undefined (no subscription) */
  readonly alarmEmail?: string;
  /** Retention of every log group, in days (a CloudWatch Logs retention value). @default 90 */
  readonly logRetentionDays: number;
  /** HTTP API default stage steady-state rate limit (requests per second). @default 20 */
  readonly apiRateLimit: number;
  /** HTTP API default stage burst limit. @default 40 */
  readonly apiBurstLimit: number;
  /**
   * When each team's feedback digest goes out (EventBridge Scheduler):
   * `rate(<n> <minutes|hours|days>)` or `cron(<min> <hour> <day-of-month>
   * <month> <day-of-week> <year>)`; each digest covers the time since the
   * schedule's previous fire time. Cron `W`, `#` and day-of-week `L` are not
   * supported (functions/lib/digest/schedule.ts).
   * @default 'cron(0 8 ? * MON *)' (Mondays at 08:00)
   */
  readonly digestSchedule: string;
  /** IANA time zone of digestSchedule and of the dates in the digest. @default 'UTC' */
  readonly digestTimezone: string;
}

export const DEFAULT_TEAMS: TeamDirectory = {
  marketing: { lead: 'marketing-lead@example.com', members: ['marketing@example.com'] },
  'inside-sales': { lead: 'inside-sales-lead@example.com', members: ['sdr1@example.com', 'sdr2@example.com'] },
  'field-sales': { lead: 'field-sales-lead@example.com', members: ['ae1@example.com', 'ae2@example.com'] },
  'customer-success': { lead: 'customer-success-lead@example.com', members: ['csm1@example.com', 'csm2@example.com'] },
  ops: { lead: 'ops@example.com' },
};

export const DEFAULT_SETTINGS = {
  teams: DEFAULT_TEAMS,
  mailFrom: 'The Model pipeline <pipeline@example.com>',
  qualificationCallSlaSeconds: 4 * HOUR,
  meetingOutcomeSlaSeconds: 5 * DAY,
  dealDecisionSlaSeconds: 14 * DAY,
  onboardingReviewSlaSeconds: 7 * DAY,
  checkInSlaSeconds: 3 * DAY,
  checkInIntervalSeconds: 60 * DAY,
  maxCheckIns: 4,
  maxReschedules: 2,
  reminderAfterFraction: 0.5,
  instantFeedbackEmails: 'flagged',
  logRetentionDays: 90,
  apiRateLimit: 20,
  apiBurstLimit: 40,
  digestSchedule: 'cron(0 8 ? * MON *)',
  digestTimezone: 'UTC',
} as const satisfies Partial<PipelineSettings>;

/** The keys read from stack props / CDK context (`cdk deploy -c key=value` or cdk.json "context"). */
export const SETTING_KEYS = [
  'teams',
  'mailFrom',
  'mailIdentity',
  'publicBaseUrl',
  'qualificationCallSlaSeconds',
  'meetingOutcomeSlaSeconds',
  'dealDecisionSlaSeconds',
  'onboardingReviewSlaSeconds',
  'checkInSlaSeconds',
  'checkInIntervalSeconds',
  'maxCheckIns',
  'maxReschedules',
  'reminderAfterFraction',
  'instantFeedbackEmails',
  'scoringWeights',
  'alarmEmail',
  'logRetentionDays',
  'apiRateLimit',
  'apiBurstLimit',
  'digestSchedule',
  'digestTimezone',
] as const satisfies readonly (keyof PipelineSettings)[];
export type SettingKey = (typeof SETTING_KEYS)[number];

/** CloudWatch Logs' allowed retention values, in days. */
export const LOG_RETENTION_DAYS = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653] as const;

/** Context values given on the command line are strings: JSON values are parsed. */
function jsonValue(key: string) {
  return (value: unknown): unknown => {
    if (typeof value !== 'string') return value;
    try {
      return JSON.parse(value) as unknown;
    } catch {
      throw new SettingsError(`${key} is not valid JSON`);
    }
  };
}

const seconds = z.coerce.number().check(z.int(), z.gte(60), z.lte(MAX_TIMER_SECONDS));
const count = (min: number, max: number) => z.coerce.number().check(z.int(), z.gte(min), z.lte(max));
const bareEmail = z.email();
/** `addr@domain` or `Display Name <addr@domain>`; no CR/LF. */
const sender = z.string().check(
  z.refine((v) => !/[\r\n]/.test(v), 'must not contain line breaks'),
  z.refine((v) => bareEmail.safeParse(senderAddress(v)).success, 'must be an address or "Name <address>"'),
);

const settingsSchema = z.object({
  teams: z.pipe(z.transform(jsonValue('teams')), teamDirectorySchema),
  mailFrom: sender,
  mailIdentity: z.optional(z.string().check(z.regex(/^([^@\s]+@)?[a-z0-9-]+(\.[a-z0-9-]+)+$/i, 'must be an email address or a domain'))),
  publicBaseUrl: z.optional(z.url({ protocol: /^https?$/ }).check(z.refine((v) => !v.endsWith('/'), 'must not end with /'))),
  qualificationCallSlaSeconds: seconds,
  meetingOutcomeSlaSeconds: seconds,
  dealDecisionSlaSeconds: seconds,
  onboardingReviewSlaSeconds: seconds,
  checkInSlaSeconds: seconds,
  checkInIntervalSeconds: seconds,
  maxCheckIns: count(1, 100),
  maxReschedules: count(0, 20),
  reminderAfterFraction: z.coerce.number().check(z.gt(0), z.lt(1)),
  instantFeedbackEmails: z.enum(INSTANT_FEEDBACK_EMAILS),
  scoringWeights: z.optional(z.pipe(z.transform(jsonValue('scoringWeights')), z.record(z.string(), z.unknown()))),
  alarmEmail: z.optional(bareEmail),
  logRetentionDays: z.coerce
    .number()
    .check(z.int(), z.refine((d) => (LOG_RETENTION_DAYS as readonly number[]).includes(d), `must be one of ${LOG_RETENTION_DAYS.join(', ')}`)),
  apiRateLimit: z.coerce.number().check(z.positive(), z.lte(10_000)),
  apiBurstLimit: count(1, 5_000),
  digestSchedule: z.string(),
  digestTimezone: z.string().check(z.refine(isTimeZone, 'must be an IANA time zone such as UTC or Europe/Paris')),
});

export class SettingsError extends Error {
  override readonly name = 'SettingsError';
}

/** The address part of `Name <addr>` (or the value itself). */
export function senderAddress(mailFrom: string): string {
  const match = /<([^<>]+)>\s*$/.exec(mailFrom);
  return (match?.[1] ?? mailFrom).trim();
}

/**
 * Settings from explicit values (stack props) first, then `read(key)` (CDK
 * context), then the defaults. Throws a SettingsError naming the key.
 */
export function resolveSettings(
  explicit: Partial<Record<SettingKey, unknown>> = {},
  read: (key: SettingKey) => unknown = () => undefined,
): PipelineSettings {
  const raw: Record<string, unknown> = {};
  for (const key of SETTING_KEYS) {
    const value = explicit[key] ?? read(key);
    raw[key] = value === undefined || value === '' ? (DEFAULT_SETTINGS as Partial<Record<SettingKey, unknown>>)[key] : value;
  }
  let parsed: z.infer<typeof settingsSchema>;
  try {
    const result = settingsSchema.safeParse(raw);
    if (!result.success) {
      const issue = result.error.issues[0];
      const path = issue?.path.map(String).join('.') ?? '';
      throw new SettingsError(`Setting ${path}: ${issue?.message ?? 'invalid'}`);
    }
    parsed = result.data;
  } catch (error) {
    if (error instanceof SettingsError) throw error;
    throw new SettingsError(error instanceof Error ? error.message : String(error));
  }
  if (parsed.scoringWeights !== undefined) {
    // Validate against the functions' own schema now rather than at the first lead.
    try {
      resolveScoringWeights(parsed.scoringWeights, 'scoringWeights');
    } catch (error) {
      throw new SettingsError(error instanceof Error ? error.message : String(error));
    }
  }
  try {
    parseSchedule(parsed.digestSchedule, parsed.digestTimezone);
  } catch (error) {
    throw new SettingsError(`Setting digestSchedule: ${error instanceof Error ? error.message : String(error)}`);
  }
  return {
    ...parsed,
    mailIdentity: parsed.mailIdentity ?? senderAddress(parsed.mailFrom),
  };
}

/**
 * The longest an execution can take when every wait times out once (the
 * first timeout escalates, the second parks the lead) and every no-show is
 * rescheduled. Compare with MAX_EXECUTION_SECONDS (one year).
 */
export function worstCaseExecutionSeconds(s: PipelineSettings): number {
  return (
    2 * s.qualificationCallSlaSeconds +
    (s.maxReschedules + 1) * 2 * s.meetingOutcomeSlaSeconds +
    2 * s.dealDecisionSlaSeconds +
    2 * s.onboardingReviewSlaSeconds +
    s.maxCheckIns * (s.checkInIntervalSeconds + 2 * s.checkInSlaSeconds)
  );
}

// ---------------------------------------------------------------------------
// State machine substitutions
// ---------------------------------------------------------------------------

/** Placeholders of the ASL naming a Lambda function ARN. */
export const ASL_FUNCTION_PLACEHOLDERS = [
  'QualifyLeadFunctionArn',
  'RequestFeedbackFunctionArn',
  'ShareFeedbackFunctionArn',
  'ScheduleMeetingFunctionArn',
  'CloseDealFunctionArn',
  'OnboardCustomerFunctionArn',
  'OpenExpansionFunctionArn',
  'RecordOutcomeFunctionArn',
] as const;
export type AslFunctionPlaceholder = (typeof ASL_FUNCTION_PLACEHOLDERS)[number];

/** Placeholders of the ASL holding a number (substituted as a string, read with `$number('${...}')`). */
export const ASL_NUMBER_PLACEHOLDERS = [
  'QualificationCallSlaSeconds',
  'MeetingOutcomeSlaSeconds',
  'DealDecisionSlaSeconds',
  'OnboardingReviewSlaSeconds',
  'CheckInSlaSeconds',
  'CheckInIntervalSeconds',
  'MaxCheckIns',
  'MaxReschedules',
] as const;
export type AslNumberPlaceholder = (typeof ASL_NUMBER_PLACEHOLDERS)[number];

export function aslNumbers(s: PipelineSettings): Record<AslNumberPlaceholder, string> {
  return {
    QualificationCallSlaSeconds: String(s.qualificationCallSlaSeconds),
    MeetingOutcomeSlaSeconds: String(s.meetingOutcomeSlaSeconds),
    DealDecisionSlaSeconds: String(s.dealDecisionSlaSeconds),
    OnboardingReviewSlaSeconds: String(s.onboardingReviewSlaSeconds),
    CheckInSlaSeconds: String(s.checkInSlaSeconds),
    CheckInIntervalSeconds: String(s.checkInIntervalSeconds),
    MaxCheckIns: String(s.maxCheckIns),
    MaxReschedules: String(s.maxReschedules),
  };
}

/** Every `${Placeholder}` of the ASL with its value (function ARNs as given: CDK tokens or local ARNs). */
export function aslSubstitutions(
  s: PipelineSettings,
  functionArns: Readonly<Record<AslFunctionPlaceholder, string>>,
): Record<AslFunctionPlaceholder | AslNumberPlaceholder, string> {
  return { ...functionArns, ...aslNumbers(s) };
}

/** Replaces `${Name}` in an ASL text (what CloudFormation does with DefinitionSubstitutions); unknown names throw. */
export function substitute(text: string, values: Readonly<Record<string, string>>): string {
  return text.replace(/\$\{([A-Za-z0-9_]+)\}/g, (_match, name: string) => {
    const value = values[name];
    if (value === undefined) throw new Error(`No substitution for \${${name}}`);
    return value;
  });
}

// ---------------------------------------------------------------------------
// Functions
// ---------------------------------------------------------------------------

export const FUNCTION_NAMES = [
  'capture-lead',
  'qualify-lead',
  'request-feedback',
  'feedback-page',
  'share-feedback',
  'schedule-meeting',
  'close-deal',
  'onboard-customer',
  'open-expansion',
  'record-outcome',
  'remind-pending',
  'funnel',
  'delete-lead',
  'send-digest',
] as const;
export type FunctionName = (typeof FUNCTION_NAMES)[number];

export type EnvKey = keyof typeof ENV;

/** DynamoDB item operations a function may be granted. */
export const TABLE_OPERATIONS = ['GetItem', 'Query', 'PutItem', 'UpdateItem', 'DeleteItem'] as const;
export type TableOperation = (typeof TABLE_OPERATIONS)[number];

export interface FunctionSpec {
  /** What it does (the Lambda description). */
  readonly description: string;
  /** What invokes it. */
  readonly trigger: 'http' | 'state-machine' | 'schedule';
  /** The ASL placeholder naming its ARN (state-machine functions). */
  readonly aslPlaceholder?: AslFunctionPlaceholder;
  /** The table operations it performs (granted exactly; Query covers the table and its indexes). */
  readonly table: readonly TableOperation[];
  /** Sends email through SES. */
  readonly sendsMail: boolean;
  /** Starts executions of the state machine. */
  readonly startsExecutions: boolean;
  /** Answers wait-for-feedback tasks (SendTaskSuccess/Failure/Heartbeat). */
  readonly answersTasks: boolean;
  /** Stops executions of the state machine (lead erasure). */
  readonly stopsExecutions?: boolean;
  /** Reads the API key secret. */
  readonly readsApiKey: boolean;
  /** Environment variables it reads (names in functions/lib/aws/config.ts ENV). */
  readonly env: readonly EnvKey[];
  /** Lambda timeout. */
  readonly timeoutSeconds: number;
}

const MAIL_ENV = ['tableName', 'mailFrom', 'teams'] as const satisfies readonly EnvKey[];
/** Reads and writes items; no Query, no Delete. */
const READ_WRITE = ['GetItem', 'PutItem', 'UpdateItem'] as const satisfies readonly TableOperation[];
/** Mail senders also delete their idempotency marker when a send fails. */
const READ_WRITE_DELETE = ['GetItem', 'PutItem', 'UpdateItem', 'DeleteItem'] as const satisfies readonly TableOperation[];

export const FUNCTIONS: Readonly<Record<FunctionName, FunctionSpec>> = {
  'capture-lead': {
    description: 'POST /leads: validates and stores a lead, starts its execution (name = lead id)',
    trigger: 'http',
    table: READ_WRITE,
    sendsMail: false,
    startsExecutions: true,
    answersTasks: false,
    readsApiKey: true,
    env: ['tableName', 'stateMachineArn', 'apiKeySecretId'],
    timeoutSeconds: 10,
  },
  'qualify-lead': {
    description: 'Qualify lead: fit + engagement score, tier, Inside Sales owner by round-robin',
    trigger: 'state-machine',
    aslPlaceholder: 'QualifyLeadFunctionArn',
    table: READ_WRITE,
    sendsMail: false,
    startsExecutions: false,
    answersTasks: false,
    readsApiKey: false,
    env: ['tableName', 'teams', 'scoringWeights'],
    timeoutSeconds: 15,
  },
  'request-feedback': {
    description: 'Wait-for-feedback tasks: stores the task token under a hashed link id and emails the links',
    trigger: 'state-machine',
    aslPlaceholder: 'RequestFeedbackFunctionArn',
    table: [...READ_WRITE_DELETE, 'Query'],
    sendsMail: true,
    startsExecutions: false,
    answersTasks: false,
    readsApiKey: false,
    env: [...MAIL_ENV, 'publicBaseUrl', 'reminderAfterFraction'],
    timeoutSeconds: 15,
  },
  'feedback-page': {
    description: 'GET|POST /feedback/{id}: shows the feedback form; a POST records the answer and completes the task',
    trigger: 'http',
    table: ['GetItem', 'UpdateItem'],
    sendsMail: false,
    startsExecutions: false,
    answersTasks: true,
    readsApiKey: false,
    env: ['tableName'],
    timeoutSeconds: 10,
  },
  'share-feedback': {
    description: 'Share feedback: stores it per receiving team (weekly digest) and emails it upstream at once when flagged',
    trigger: 'state-machine',
    aslPlaceholder: 'ShareFeedbackFunctionArn',
    table: READ_WRITE_DELETE,
    sendsMail: true,
    startsExecutions: false,
    answersTasks: false,
    readsApiKey: false,
    env: [...MAIL_ENV, 'publicBaseUrl', 'instantFeedbackEmails'],
    timeoutSeconds: 15,
  },
  'schedule-meeting': {
    description: 'Schedule meeting: assigns a Field Sales rep (the hand-off brief goes with the meeting-outcome request)',
    trigger: 'state-machine',
    aslPlaceholder: 'ScheduleMeetingFunctionArn',
    table: READ_WRITE,
    sendsMail: false,
    startsExecutions: false,
    answersTasks: false,
    readsApiKey: false,
    env: ['tableName', 'teams'],
    timeoutSeconds: 15,
  },
  'close-deal': {
    description: 'Close deal: records revenue or the loss',
    trigger: 'state-machine',
    aslPlaceholder: 'CloseDealFunctionArn',
    table: READ_WRITE,
    sendsMail: false,
    startsExecutions: false,
    answersTasks: false,
    readsApiKey: false,
    env: ['tableName'],
    timeoutSeconds: 15,
  },
  'onboard-customer': {
    description: 'Onboard customer: assigns a CSM (the brief goes with the onboarding-review request)',
    trigger: 'state-machine',
    aslPlaceholder: 'OnboardCustomerFunctionArn',
    table: READ_WRITE,
    sendsMail: false,
    startsExecutions: false,
    answersTasks: false,
    readsApiKey: false,
    env: ['tableName', 'teams'],
    timeoutSeconds: 15,
  },
  'open-expansion': {
    description: 'Open expansion opportunity: a new lead for the customer and its own execution',
    trigger: 'state-machine',
    aslPlaceholder: 'OpenExpansionFunctionArn',
    table: READ_WRITE,
    sendsMail: false,
    startsExecutions: true,
    answersTasks: false,
    readsApiKey: false,
    env: ['tableName', 'stateMachineArn'],
    timeoutSeconds: 15,
  },
  'record-outcome': {
    description: 'Records an end state (nurture, disqualified, lost, stalled, renewed, churned, needs-attention) and notifies',
    trigger: 'state-machine',
    aslPlaceholder: 'RecordOutcomeFunctionArn',
    table: READ_WRITE_DELETE,
    sendsMail: true,
    startsExecutions: false,
    answersTasks: false,
    readsApiKey: false,
    env: MAIL_ENV,
    timeoutSeconds: 15,
  },
  'remind-pending': {
    description: 'Every 15 minutes: reminds addressees of feedback requests that are due',
    trigger: 'schedule',
    table: [...READ_WRITE_DELETE, 'Query'],
    sendsMail: true,
    startsExecutions: false,
    answersTasks: false,
    readsApiKey: false,
    env: [...MAIL_ENV, 'publicBaseUrl'],
    timeoutSeconds: 120,
  },
  funnel: {
    description: 'GET /funnel: counts, conversion, time in stage, revenue, feedback per team pair',
    trigger: 'http',
    table: ['Query'],
    sendsMail: false,
    startsExecutions: false,
    answersTasks: false,
    readsApiKey: true,
    env: ['tableName', 'apiKeySecretId'],
    timeoutSeconds: 10,
  },
  'delete-lead': {
    description: "DELETE /leads/{id}: erases the lead's personal data, stops its execution, invalidates its links",
    trigger: 'http',
    table: ['Query', 'PutItem', 'UpdateItem', 'DeleteItem'],
    sendsMail: false,
    startsExecutions: false,
    answersTasks: false,
    stopsExecutions: true,
    readsApiKey: true,
    env: ['tableName', 'stateMachineArn', 'apiKeySecretId'],
    timeoutSeconds: 15,
  },
  'send-digest': {
    description: "Each team's feedback digest for the period ending at the schedule's fire time (digestSchedule)",
    trigger: 'schedule',
    table: [...READ_WRITE_DELETE, 'Query'],
    sendsMail: true,
    startsExecutions: false,
    answersTasks: false,
    readsApiKey: false,
    env: [...MAIL_ENV, 'publicBaseUrl', 'digestSchedule', 'digestTimezone'],
    timeoutSeconds: 120,
  },
};

/** Values of the deployed (or local) resources the functions are told about. */
export interface PipelineResources {
  readonly tableName: string;
  readonly stateMachineArn: string;
  readonly publicBaseUrl: string;
  readonly apiKeySecretId: string;
}

/** Powertools settings shared by every function: one service, one metrics namespace. */
export const POWERTOOLS_ENVIRONMENT = {
  POWERTOOLS_SERVICE_NAME: 'the-model-pipeline',
  POWERTOOLS_METRICS_NAMESPACE: 'TheModelPipeline',
} as const;

/** The environment of one function: Powertools settings plus exactly the variables it reads. */
export function functionEnvironment(name: FunctionName, s: PipelineSettings, resources: PipelineResources): Record<string, string> {
  const env: Record<string, string> = { ...POWERTOOLS_ENVIRONMENT };
  for (const key of FUNCTIONS[name].env) {
    const value = envValue(key, s, resources);
    if (value !== undefined) env[ENV[key]] = value;
  }
  return env;
}

function envValue(key: EnvKey, s: PipelineSettings, r: PipelineResources): string | undefined {
  switch (key) {
    case 'tableName':
      return r.tableName;
    case 'stateMachineArn':
      return r.stateMachineArn;
    case 'publicBaseUrl':
      return s.publicBaseUrl ?? r.publicBaseUrl;
    case 'mailFrom':
      return s.mailFrom;
    case 'teams':
      return JSON.stringify(s.teams);
    case 'scoringWeights':
      return s.scoringWeights === undefined ? undefined : JSON.stringify(s.scoringWeights);
    case 'apiKeySecretId':
      return r.apiKeySecretId;
    case 'reminderAfterFraction':
      return String(s.reminderAfterFraction);
    case 'digestSchedule':
      return s.digestSchedule;
    case 'digestTimezone':
      return s.digestTimezone;
    case 'instantFeedbackEmails':
      return s.instantFeedbackEmails;
  }
}

/** `capture-lead` -> `CaptureLead` (construct ids). */
export function pascalCase(name: string): string {
  return name
    .split(/[^a-zA-Z0-9]+/)
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join('');
}
