/**
 * The public, programmatic API of the embedded Step Functions engine.
 *
 * This file is the contract between the engine core (interpreter, runs,
 * stores) and everything that uses it: the AWS JSON protocol server, the CLI,
 * the dev server and the tests. The engine is generic: it knows ASL, not sales.
 *
 * Shapes follow the Step Functions API (same field names as
 * `@aws-sdk/client-sfn`, camelCase, dates as `Date`), so the protocol server
 * only has to translate JSON <-> these objects and map `EngineError` codes.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { ExecutionStatus, ExecutionStoreImpl } from './store';

export type { ExecutionStatus } from './store';

/** Error codes as the Step Functions API names them. */
export type EngineErrorCode =
  | 'ExecutionAlreadyExists'
  | 'ExecutionDoesNotExist'
  | 'ExecutionLimitExceeded'
  | 'ExecutionNotRedrivable'
  | 'StateMachineAlreadyExists'
  | 'StateMachineDoesNotExist'
  | 'StateMachineDeleting'
  | 'InvalidArn'
  | 'InvalidDefinition'
  | 'InvalidExecutionInput'
  | 'InvalidName'
  | 'InvalidOutput'
  | 'InvalidToken'
  | 'TaskDoesNotExist'
  | 'TaskTimedOut'
  | 'ValidationException';

/** Every error the engine's API methods throw on bad requests. */
export class EngineError extends Error {
  constructor(
    readonly code: EngineErrorCode,
    message: string,
  ) {
    super(message);
    this.name = code;
  }
}

/** A clock the engine reads for every timestamp and timer. */
export interface Clock {
  now(): number; // epoch milliseconds
  /**
   * Optional: a clock that jumps (tests) calls the listener after every move,
   * so timers fire without waiting for real time. See ManualClock.
   */
  subscribe?(listener: () => void): () => void;
}

/** What an in-process Lambda handler receives besides its event. */
export interface LambdaContext {
  functionName: string;
  invokedFunctionArn: string;
  awsRequestId: string;
  getRemainingTimeInMillis(): number;
}

export type LambdaHandler = (event: unknown, context: LambdaContext) => Promise<unknown>;

/**
 * Resolves a Lambda function name or ARN (as written in `FunctionName` or a
 * bare-ARN `Resource`, with or without a version/alias suffix) to a handler.
 */
export type LambdaRegistry = Map<string, LambdaHandler>;

export interface EngineOptions {
  /** Where executions live. Default: an in-memory store (lost on exit). */
  store?: ExecutionStore;
  /** Default: the system clock. */
  clock?: Clock;
  /**
   * Speeds up every wait: Wait states, task TimeoutSeconds/HeartbeatSeconds,
   * Retry intervals. 3600 makes an hour pass in a second. Default 1.
   * Timestamps recorded in history stay in scaled "execution time".
   */
  timeScale?: number;
  /**
   * With a timeScale: the clock time (ms) from which ONE scaled clock runs for
   * every execution, start dates included (keep it across restarts). Default:
   * each execution's time runs from its own start, so two executions'
   * "now" differ by how far apart they started, times (timeScale - 1).
   */
  timeOrigin?: number;
  /** In-process Lambda handlers by function name or ARN. */
  lambdas?: LambdaRegistry;
  /** Client used for `arn:aws:states:::dynamodb:*` tasks. */
  dynamodb?: DynamoDBClient;
  /** Default us-east-1 / 123456789012. Used to build ARNs. */
  region?: string;
  accountId?: string;
}

export interface StateMachineSummary {
  stateMachineArn: string;
  name: string;
  type: 'STANDARD' | 'EXPRESS';
  creationDate: Date;
}

export interface StateMachineDescription extends StateMachineSummary {
  definition: string;
  roleArn: string;
  status: 'ACTIVE' | 'DELETING';
  updateDate?: Date;
}

export interface ExecutionSummary {
  executionArn: string;
  stateMachineArn: string;
  name: string;
  status: ExecutionStatus;
  startDate: Date;
  stopDate?: Date;
  /** RedriveExecution: how many times (absent: never), and when the last one began. */
  redriveCount?: number;
  redriveDate?: Date;
}

export interface ExecutionDescription extends ExecutionSummary {
  input: string;
  output?: string;
  error?: string;
  cause?: string;
  /** Whether RedriveExecution would take it now, and why not. */
  redriveStatus?: 'REDRIVABLE' | 'NOT_REDRIVABLE';
  redriveStatusReason?: string;
  /** Not in the AWS API: the state(s) the execution is in now, for consoles. */
  currentStates?: string[];
}

/** One history event, shaped as GetExecutionHistory returns it. */
export interface HistoryEvent {
  id: number;
  previousEventId: number;
  timestamp: Date;
  type: string; // e.g. 'ExecutionStarted', 'TaskStateEntered', 'TaskSubmitted', 'TaskSucceeded', ...
  /** The matching `<type>EventDetails` field, e.g. { stateEnteredEventDetails: { name, input } }. */
  [details: string]: unknown;
}

export interface Page<T> {
  items: T[];
  nextToken?: string;
}

export interface Engine {
  /** Loads persisted executions and resumes their timers and tasks. */
  start(): Promise<void>;
  /** Stops timers; running executions stay persisted and resume on the next start(). */
  stop(): Promise<void>;

  createStateMachine(input: { name: string; definition: string; roleArn?: string; type?: 'STANDARD' | 'EXPRESS' }): Promise<{ stateMachineArn: string; creationDate: Date }>;
  updateStateMachine(input: { stateMachineArn: string; definition?: string; roleArn?: string }): Promise<{ updateDate: Date }>;
  describeStateMachine(stateMachineArn: string): Promise<StateMachineDescription>;
  listStateMachines(input?: { maxResults?: number; nextToken?: string }): Promise<Page<StateMachineSummary>>;
  deleteStateMachine(stateMachineArn: string): Promise<void>;

  /** Idempotent by name as AWS defines it: same name + same input while RUNNING returns the same execution. */
  startExecution(input: { stateMachineArn: string; name?: string; input?: string }): Promise<{ executionArn: string; startDate: Date }>;
  stopExecution(input: { executionArn: string; error?: string; cause?: string }): Promise<{ stopDate: Date }>;
  describeExecution(executionArn: string): Promise<ExecutionDescription>;
  listExecutions(input: { stateMachineArn: string; statusFilter?: ExecutionStatus; redriveFilter?: 'REDRIVEN' | 'NOT_REDRIVEN'; maxResults?: number; nextToken?: string }): Promise<Page<ExecutionSummary>>;
  /** Goes on with a FAILED, TIMED_OUT or ABORTED execution from the state it stopped in (see redrive.ts). */
  redriveExecution(input: { executionArn: string; clientToken?: string }): Promise<{ redriveDate: Date }>;
  getExecutionHistory(input: { executionArn: string; maxResults?: number; nextToken?: string; reverseOrder?: boolean; includeExecutionData?: boolean }): Promise<Page<HistoryEvent>>;

  sendTaskSuccess(input: { taskToken: string; output: string }): Promise<void>;
  sendTaskFailure(input: { taskToken: string; error?: string; cause?: string }): Promise<void>;
  sendTaskHeartbeat(input: { taskToken: string }): Promise<void>;

  /** Resolves when the execution leaves RUNNING (or rejects after timeoutMs of real time). */
  waitForExecution(executionArn: string, options?: { timeoutMs?: number }): Promise<ExecutionDescription>;
}

/**
 * Persistence for state machines and executions (the records: store.ts).
 * Implementations: memory-store.ts (tests) and dynamodb-store.ts (the
 * embedded dynalite, durable). The engine decides what a record holds; the
 * store only keeps and lists records atomically.
 * The engine core may extend this interface; keep both stores in step.
 */
export interface ExecutionStore extends ExecutionStoreImpl {
  readonly kind: 'memory' | 'dynamodb';
}
