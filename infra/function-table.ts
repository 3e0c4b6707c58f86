/**
 * The function table: each Lambda's entry name, trigger, table operations,
 * other needs and the environment variables it reads, and `functionEnvironment`,
 * the values of those variables. Plain module (no CDK import) shared by the
 * stack (infra/) and the local dev server (local/), so the functions get the
 * same environment in both.
 */
import { ENV, SettingsError, type SettingDeclaration } from '#lib/aws/config';
import { SETTINGS, SETTING_KEYS, type SettingKey } from '#lib/aws/settings';
import type { AslFunctionPlaceholder } from './asl-substitutions';
import type { PipelineSettings } from './settings';

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
  'goal',
  'teams',
  'lead-webhook',
] as const;
export type FunctionName = (typeof FUNCTION_NAMES)[number];

type EnvKey = keyof typeof ENV;

/** DynamoDB item operations a function may be granted. */
export const TABLE_OPERATIONS = ['GetItem', 'Query', 'PutItem', 'UpdateItem', 'DeleteItem'] as const;
export type TableOperation = (typeof TABLE_OPERATIONS)[number];

interface FunctionSpec {
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
  /** Answers wait-for-feedback tasks (SendTaskSuccess, the only task answer any function sends). */
  readonly answersTasks: boolean;
  /** Asks whether a task still waits (states:SendTaskHeartbeat only): reassignment issues again only requests whose task waits. */
  readonly checksTasks: boolean;
  /** Stops executions of the state machine (lead erasure). */
  readonly stopsExecutions?: boolean;
  /** Reads the API key secret. */
  readonly readsApiKey: boolean;
  /** Reads the shared secret that signs POST /webhooks/leads. */
  readonly readsWebhookSecret: boolean;
  /** Publishes domain events to the bus (events:PutEvents on it; EVENT_BUS_NAME). */
  readonly publishesEvents: boolean;
  /** Environment variables it reads (names in functions/lib/aws/config.ts ENV; a setting's are declared in functions/lib/aws/settings.ts). */
  readonly env: readonly EnvKey[];
  /** Lambda timeout. */
  readonly timeoutSeconds: number;
}

const MAIL_ENV = ['tableName', 'mailFrom'] as const satisfies readonly EnvKey[];
/** Reads and writes items; no Query, no Delete. */
const READ_WRITE = ['GetItem', 'PutItem', 'UpdateItem'] as const satisfies readonly TableOperation[];
/** Mail senders also delete their idempotency marker when a send fails. */
const READ_WRITE_DELETE = ['GetItem', 'PutItem', 'UpdateItem', 'DeleteItem'] as const satisfies readonly TableOperation[];

/** The needs an entry states only when it has them. */
type Need = 'sendsMail' | 'startsExecutions' | 'answersTasks' | 'checksTasks' | 'readsApiKey' | 'readsWebhookSecret' | 'publishesEvents';
/** What an entry of the table states: what differs from its trigger's defaults. */
type Entry = Omit<FunctionSpec, 'trigger' | 'aslPlaceholder' | Need | 'timeoutSeconds'> & Partial<Pick<FunctionSpec, Need | 'timeoutSeconds'>>;

/** A function's spec: none of the needs, the trigger's timeout, then what its entry states. */
function spec(trigger: FunctionSpec['trigger'], timeoutSeconds: number, entry: Entry & Pick<FunctionSpec, 'aslPlaceholder'>): FunctionSpec {
  const needs = { sendsMail: false, startsExecutions: false, answersTasks: false, checksTasks: false, readsApiKey: false, readsWebhookSecret: false, publishesEvents: false };
  return { trigger, ...needs, timeoutSeconds, ...entry };
}
/** Behind the HTTP API: 10 s unless stated. */
const httpRoute = (entry: Entry): FunctionSpec => spec('http', 10, entry);
/** A Task of the state machine, its ARN substituted for `aslPlaceholder`: 15 s. */
const stateMachineStep = (entry: Entry & { aslPlaceholder: AslFunctionPlaceholder }): FunctionSpec => spec('state-machine', 15, entry);
/** Run by an EventBridge schedule, working through every due item: 120 s. */
const scheduledJob = (entry: Entry): FunctionSpec => spec('schedule', 120, entry);

export const FUNCTIONS: Readonly<Record<FunctionName, FunctionSpec>> = {
  'capture-lead': httpRoute({
    description: 'POST /leads: validates and stores a lead, starts its execution (name = lead id)',
    table: READ_WRITE,
    startsExecutions: true,
    readsApiKey: true,
    publishesEvents: true,
    env: ['tableName', 'stateMachineArn', 'apiKeySecretId', 'eventBusName', 'eventContactFields'],
  }),
  'qualify-lead': stateMachineStep({
    description: 'Qualify lead: fit + engagement score, tier, Inside Sales owner by round-robin',
    aslPlaceholder: 'QualifyLeadFunctionArn',
    table: READ_WRITE,
    publishesEvents: true,
    env: ['tableName', 'scoringWeights', 'eventBusName'],
  }),
  'request-feedback': stateMachineStep({
    description: 'Wait-for-feedback tasks: stores the task token under a hashed link id and emails the links',
    aslPlaceholder: 'RequestFeedbackFunctionArn',
    table: [...READ_WRITE_DELETE, 'Query'],
    sendsMail: true,
    publishesEvents: true,
    env: [...MAIL_ENV, 'publicBaseUrl', 'reminderAfterFraction', 'eventBusName'],
  }),
  'feedback-page': httpRoute({
    description: 'GET|POST /feedback/{id}: shows the feedback form; a POST records the answer and completes the task',
    table: ['GetItem', 'UpdateItem'],
    answersTasks: true,
    publishesEvents: true,
    env: ['tableName', 'defaultCurrency', 'eventBusName'],
  }),
  'share-feedback': stateMachineStep({
    description: 'Share feedback: stores it per receiving team (weekly digest) and emails it upstream at once when flagged',
    aslPlaceholder: 'ShareFeedbackFunctionArn',
    table: READ_WRITE_DELETE,
    sendsMail: true,
    publishesEvents: true,
    env: [...MAIL_ENV, 'publicBaseUrl', 'instantFeedbackEmails', 'eventBusName'],
  }),
  'schedule-meeting': stateMachineStep({
    description: 'Schedule meeting: assigns a Field Sales rep, keeps the booked time (reads the booking back), cancels the invitation of a no-show rescheduled without a time',
    aslPlaceholder: 'ScheduleMeetingFunctionArn',
    table: [...READ_WRITE_DELETE, 'Query'],
    sendsMail: true,
    publishesEvents: true,
    env: [...MAIL_ENV, 'eventBusName'],
  }),
  'close-deal': stateMachineStep({
    description: 'Close deal: records revenue or the loss',
    aslPlaceholder: 'CloseDealFunctionArn',
    table: READ_WRITE,
    publishesEvents: true,
    env: ['tableName', 'eventBusName'],
  }),
  'onboard-customer': stateMachineStep({
    description: 'Onboard customer: assigns a CSM (the brief goes with the onboarding-review request)',
    aslPlaceholder: 'OnboardCustomerFunctionArn',
    table: READ_WRITE,
    publishesEvents: true,
    env: ['tableName', 'eventBusName'],
  }),
  'open-expansion': stateMachineStep({
    description: 'Open expansion opportunity: a new lead for the customer and its own execution',
    aslPlaceholder: 'OpenExpansionFunctionArn',
    table: READ_WRITE,
    startsExecutions: true,
    publishesEvents: true,
    env: ['tableName', 'stateMachineArn', 'eventBusName', 'eventContactFields'],
  }),
  'record-outcome': stateMachineStep({
    description: 'Records an end state (nurture, disqualified, lost, stalled, renewed, churned, needs-attention) and notifies',
    aslPlaceholder: 'RecordOutcomeFunctionArn',
    table: [...READ_WRITE_DELETE, 'Query'],
    sendsMail: true,
    publishesEvents: true,
    env: [...MAIL_ENV, 'eventBusName'],
  }),
  'remind-pending': scheduledJob({
    description: 'Every 15 minutes: moves the open requests of members whose out-of-office period began, then reminds addressees of feedback requests that are due',
    table: [...READ_WRITE_DELETE, 'Query'],
    sendsMail: true,
    checksTasks: true,
    env: [...MAIL_ENV, 'publicBaseUrl'],
  }),
  funnel: httpRoute({
    description: 'GET /funnel: counts, conversion, time in stage, revenue, feedback per team pair, the shared goal',
    table: ['GetItem', 'Query'],
    readsApiKey: true,
    env: ['tableName', 'apiKeySecretId', 'revenueGoal'],
  }),
  'delete-lead': httpRoute({
    description: "DELETE /leads/{id}: erases the lead's personal data, stops its execution, invalidates its links",
    table: ['Query', 'PutItem', 'UpdateItem', 'DeleteItem'],
    stopsExecutions: true,
    readsApiKey: true,
    publishesEvents: true,
    env: ['tableName', 'stateMachineArn', 'apiKeySecretId', 'eventBusName'],
    timeoutSeconds: 15,
  }),
  'send-digest': scheduledJob({
    description: "Each team's feedback digest for the period ending at the schedule's fire time (digestSchedule)",
    table: [...READ_WRITE_DELETE, 'Query'],
    sendsMail: true,
    env: [...MAIL_ENV, 'publicBaseUrl', 'digestSchedule', 'digestTimezone', 'revenueGoal'],
  }),
  goal: httpRoute({
    description: 'PUT|GET /goal: the revenue goal all four teams share, stored in the table, and its progress',
    table: ['GetItem', 'PutItem', 'Query'],
    readsApiKey: true,
    env: ['tableName', 'apiKeySecretId', 'revenueGoal'],
  }),
  teams: httpRoute({
    description: 'GET /teams, PUT|DELETE /teams/{team}/members/{email}, PUT /teams/{team}/lead/{email}: the roster; reissues open requests of a member who leaves or is away, and of a replaced team lead; seeds the roster on deploy',
    table: [...READ_WRITE_DELETE, 'Query'],
    sendsMail: true,
    checksTasks: true,
    readsApiKey: true,
    env: [...MAIL_ENV, 'apiKeySecretId', 'publicBaseUrl'],
    // Reissuing a leaver's open requests, or seeding 1,000 members per team: under API Gateway's 30 s.
    timeoutSeconds: 29,
  }),
  'lead-webhook': httpRoute({
    description: 'POST /webhooks/leads: a lead from a form tool, signed with HMAC-SHA256 under the webhook secret; then as POST /leads',
    table: READ_WRITE_DELETE,
    startsExecutions: true,
    readsWebhookSecret: true,
    publishesEvents: true,
    env: ['tableName', 'stateMachineArn', 'webhookSecretId', 'eventBusName', 'eventContactFields'],
  }),
};

/** Values of the deployed (or local) resources the functions are told about. */
export interface PipelineResources {
  readonly tableName: string;
  readonly stateMachineArn: string;
  readonly publicBaseUrl: string;
  readonly apiKeySecretId: string;
  readonly webhookSecretId: string;
  readonly eventBusName: string;
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

/** Lambda's limit on a function's environment variables: keys and values together, 4 KB. */
export const LAMBDA_ENVIRONMENT_LIMIT_BYTES = 4096;

/**
 * The longest each resource value can be once deployed (at synth they are
 * CloudFormation references): a generated table name (DynamoDB allows 255
 * characters), the state machine ARN (its name has at most 80), the HTTP
 * API endpoint, a generated secret ARN.
 */
const RESOURCE_VALUE_MAX_BYTES: Readonly<Record<keyof PipelineResources, number>> = {
  tableName: 255,
  stateMachineArn: 160,
  publicBaseUrl: 100,
  apiKeySecretId: 256,
  webhookSecretId: 256,
  eventBusName: 256,
};

/** What Lambda counts against its limit: every key and value, in UTF-8 bytes. */
export function environmentBytes(env: Readonly<Record<string, string>>): number {
  return Object.entries(env).reduce((sum, [key, value]) => sum + Buffer.byteLength(key) + Buffer.byteLength(value), 0);
}

/** Resources standing in for the deployed ones, each value at its longest (RESOURCE_VALUE_MAX_BYTES). */
const LONGEST_RESOURCES = Object.fromEntries(
  Object.entries(RESOURCE_VALUE_MAX_BYTES).map(([key, bytes]) => [key, 'x'.repeat(bytes)]),
) as unknown as PipelineResources;

/**
 * Each function's environment as deployed, the resource values at their
 * longest: `base` (the variables every function gets, PipelineFunction's)
 * plus functionEnvironment.
 */
export function longestEnvironment(name: FunctionName, s: PipelineSettings, base: Readonly<Record<string, string>> = {}): Record<string, string> {
  return { ...base, ...functionEnvironment(name, s, LONGEST_RESOURCES) };
}

/**
 * Fails with a SettingsError when a function's environment would exceed
 * Lambda's 4 KB (the deploy would fail on that function). The message names
 * the setting with the largest variable, the function and the size. (The
 * team roster is not among them: it is in the table, teams/roster.ts.)
 */
export function checkEnvironmentSizes(s: PipelineSettings, base: Readonly<Record<string, string>> = {}): void {
  for (const name of FUNCTION_NAMES) {
    const env = longestEnvironment(name, s, base);
    const bytes = environmentBytes(env);
    if (bytes <= LAMBDA_ENVIRONMENT_LIMIT_BYTES) continue;
    const bySize = SETTING_KEYS.flatMap((key): { key: SettingKey; variable: string; bytes: number }[] => {
      const variable = (SETTINGS[key] as SettingDeclaration).env;
      const value = variable === undefined ? undefined : env[variable];
      return variable === undefined || value === undefined ? [] : [{ key, variable, bytes: Buffer.byteLength(variable) + Buffer.byteLength(value) }];
    }).sort((a, b) => b.bytes - a.bytes);
    const largest = bySize[0];
    const culprit = largest === undefined ? '' : `Setting ${largest.key}: `;
    const share = largest === undefined ? '' : `; ${largest.variable} (setting ${largest.key}) takes ${largest.bytes} of them`;
    throw new SettingsError(
      `${culprit}the environment of function ${name} would be ${bytes} bytes, over Lambda's limit of ${LAMBDA_ENVIRONMENT_LIMIT_BYTES} bytes (keys and values together)${share}, and the deploy would fail.`,
    );
  }
}

/**
 * The value of one variable: a resource, or a setting written as its
 * declaration reads it back (JSON or text); undefined leaves it unset.
 */
function envValue(key: EnvKey, s: PipelineSettings, r: PipelineResources): string | undefined {
  switch (key) {
    case 'tableName':
      return r.tableName;
    case 'stateMachineArn':
      return r.stateMachineArn;
    case 'apiKeySecretId':
      return r.apiKeySecretId;
    case 'webhookSecretId':
      return r.webhookSecretId;
    case 'eventBusName':
      return r.eventBusName;
    case 'publicBaseUrl':
      return s.publicBaseUrl ?? r.publicBaseUrl;
    default: {
      const value = s[key];
      if (value === undefined) return undefined;
      const declaration: SettingDeclaration = SETTINGS[key];
      return declaration.json === true ? JSON.stringify(value) : String(value);
    }
  }
}

/** `capture-lead` -> `CaptureLead` (construct ids). */
export function pascalCase(name: string): string {
  return name
    .split(/[^a-zA-Z0-9]+/)
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join('');
}
