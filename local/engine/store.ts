/**
 * The store contract: the records the engine persists and the interface of a
 * store that keeps them (`ExecutionStoreImpl`). Implementations:
 * memory-store.ts (tests, `run`) and dynamodb-store.ts (durable).
 *
 * Model: a state machine record; an execution record (the "head": status,
 * dates, input/output) plus a `cursor` (where the top-level state machine is:
 * state, input, variables, phase of the state, timers as absolute execution
 * times, task token; for a Map or Parallel, the results of its finished
 * children and the cursors of the others, nested as deep as they go) and an append-only list of history events. Every
 * transition is one `commit`: new events + the cursor after them (+ the final
 * status when the execution ends). The engine never mutates a record after
 * handing it to the store.
 */
import type { Json } from './jsonata-eval';

export type ExecutionStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED' | 'PENDING_REDRIVE';

export interface StateMachineRecord {
  stateMachineArn: string;
  name: string;
  type: 'STANDARD' | 'EXPRESS';
  definition: string;
  roleArn: string;
  creationDate: number;
  updateDate?: number;
}

/** Where the top-level state machine of a RUNNING execution stands (and, in `kids`, each branch or iteration of a running Map/Parallel). */
export interface Cursor {
  /** Current state name. */
  s: string;
  /** Input of the current state. */
  in: Json;
  /** Top-level workflow variables as they are before the current state. */
  v: Record<string, Json>;
  /** Execution time (ms) the current state was entered. */
  at: number;
  /** Phase inside the state, when it parked: a Wait, a task in flight, a retry back-off, a Map/Parallel running. */
  p?: 'wait' | 'task' | 'retry' | 'branches';
  /** Execution time (ms) a Wait or a retry back-off ends. */
  due?: number;
  /** Attempts already retried, per retrier. */
  rc?: number[];
  /** Task token (waitForTaskToken). */
  tk?: string;
  /** 1 once the callback task was submitted (the Lambda returned): resume waits, does not re-invoke. */
  sub?: 1;
  /** Task deadline, execution time ms. */
  to?: number;
  /** HeartbeatSeconds of the running task and the current heartbeat deadline (execution time ms). */
  hb?: number;
  hbd?: number;
  /** Evaluated task Arguments (re-used when a running task is re-invoked after a restart). */
  args?: Json;
  /** A Map/Parallel: results of its finished iterations/branches by index (not run again on resume or redrive). */
  done?: Record<string, Json>;
  /** A Map/Parallel: where each of its unfinished iterations/branches stands, by index (a cursor of the same shape, at any depth). */
  kids?: Record<string, Cursor>;
  /** Last event id of the top-level path (previousEventId of the next event). */
  pe: number;
  /** Id of the current state's StateEntered event (once entered). */
  ei?: number;
}

/** A history event as stored: timestamp in epoch ms. */
export interface StoredEvent {
  id: number;
  previousEventId: number;
  timestamp: number;
  type: string;
  [details: string]: unknown;
}

export interface ExecutionRecord {
  executionArn: string;
  stateMachineArn: string;
  name: string;
  status: ExecutionStatus;
  input: string;
  output?: string;
  error?: string;
  cause?: string;
  /** Epoch ms (real clock); execution time starts here. */
  startDate: number;
  /** Execution time (ms) the execution stopped. */
  stopDate?: number;
  /** Id of the definition text (see putDefinition). */
  definitionId: string;
  roleArn: string;
  /** Number of events written (last event id). */
  eventCount: number;
  /** Present while RUNNING. */
  cursor?: Cursor;
  /** Once it has ended: the cursor it stopped at (where RedriveExecution goes on from). */
  lastCursor?: Cursor;
  /** RedriveExecution: how many times, and the execution time (ms) of the last. */
  redriveCount?: number;
  redriveDate?: number;
  /** The client tokens of the last redrives (at most 10): when each was first used (clock ms) and its redrive's date. */
  redriveTokens?: RedriveToken[];
}

/** A RedriveExecution client token (see redrive.ts). */
export interface RedriveToken {
  token: string;
  at: number;
  date: number;
}

export interface ExecutionCommit {
  /** New events, ids continuing from the previous commit. */
  events: StoredEvent[];
  eventCount: number;
  /** The cursor after these events; omitted when the execution ends or when unchanged (events of a branch). */
  cursor?: Cursor;
  /** When the execution ends. */
  final?: { status: ExecutionStatus; stopDate: number; output?: string; error?: string; cause?: string };
  /** With `final`: the complete record after it (so the store can write it without reading first). */
  head?: ExecutionRecord;
}

export interface ListExecutionsQuery {
  stateMachineArn: string;
  statusFilter?: ExecutionStatus;
  maxResults: number;
  nextToken?: string;
}

/** Sort key of an execution in listings: newest first, then by name. */
export function listKey(startDate: number, name: string): string {
  return `${String(9_999_999_999_999 - startDate).padStart(13, '0')}#${name}`;
}

export interface ExecutionStoreImpl {
  readonly kind: 'memory' | 'dynamodb';
  /** Creates tables etc. Idempotent. */
  init(): Promise<void>;
  close?(): Promise<void>;

  /** Returns false when a state machine with this ARN exists (and mode is 'create'). */
  putStateMachine(rec: StateMachineRecord, mode: 'create' | 'replace'): Promise<boolean>;
  getStateMachine(arn: string): Promise<StateMachineRecord | undefined>;
  listStateMachines(): Promise<StateMachineRecord[]>;
  deleteStateMachine(arn: string): Promise<void>;

  /** Definitions are immutable, keyed by a content hash. */
  putDefinition(id: string, definition: string): Promise<void>;
  getDefinition(id: string): Promise<string | undefined>;

  /**
   * Creates the execution with its first events; returns the existing record if the ARN is taken.
   * `fresh`: the name was generated by the engine (a random UUID), so no existence check is needed.
   */
  createExecution(rec: ExecutionRecord, events: StoredEvent[], options?: { fresh?: boolean }): Promise<ExecutionRecord | undefined>;
  commit(executionArn: string, commit: ExecutionCommit): Promise<void>;
  /** The execution with its latest cursor. */
  getExecution(arn: string): Promise<ExecutionRecord | undefined>;
  listExecutions(q: ListExecutionsQuery): Promise<{ items: ExecutionRecord[]; nextToken?: string }>;
  /** Every RUNNING execution, with cursors. */
  listRunning(): Promise<ExecutionRecord[]>;
  /** The same, handed over one at a time without holding them all (a restart with 10,000 of them). */
  forEachRunning(fn: (rec: ExecutionRecord) => void | Promise<void>): Promise<void>;
  /** RedriveExecution: appends `events` (ExecutionRedriven) and makes `rec` (RUNNING, with its cursor) the execution's record. */
  redrive(rec: ExecutionRecord, events: StoredEvent[]): Promise<void>;
  /** All events of an execution, in id order. */
  getHistory(arn: string): Promise<StoredEvent[]>;
}
