/**
 * The function table: each Lambda's entry name, trigger, table operations,
 * other needs and the environment variables it reads, and `functionEnvironment`,
 * the values of those variables. Plain module (no CDK import) shared by the
 * stack (infra/) and the local dev server (local/), so the functions get the
 * same environment in both.
 */
import { ENV, type SettingDeclaration } from '#lib/aws/config';
import { SETTINGS } from '#lib/aws/settings';
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
  /** Environment variables it reads (names in functions/lib/aws/config.ts ENV; a setting's are declared in functions/lib/aws/settings.ts). */
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
