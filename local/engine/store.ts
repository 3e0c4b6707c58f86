/**
 * Records the runtime persists, and the in-memory store.
 *
 * Model: a state machine record; an execution record (the "head": status,
 * dates, input/output) plus a `cursor` (where the top-level state machine is:
 * state, input, variables, phase of the state, timers as absolute execution
 * times, task token) and an append-only list of history events. Every
 * transition is one `commit`: new events + the cursor after them (+ the final
 * status when the execution ends). The engine never mutates a record after
 * handing it to the store.
 */
import type { ExecutionStatus } from './api';
import type { Json } from './jsonata-eval';

export interface StateMachineRecord {
  stateMachineArn: string;
  name: string;
  type: 'STANDARD' | 'EXPRESS';
  definition: string;
  roleArn: string;
  creationDate: number;
  updateDate?: number;
}

/** Where the top-level state machine of a RUNNING execution stands. */
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

  /** Creates the execution with its first events; returns the existing record if the ARN is taken. */
  createExecution(rec: ExecutionRecord, events: StoredEvent[]): Promise<ExecutionRecord | undefined>;
  commit(executionArn: string, commit: ExecutionCommit): Promise<void>;
  /** The execution with its latest cursor. */
  getExecution(arn: string): Promise<ExecutionRecord | undefined>;
  listExecutions(q: ListExecutionsQuery): Promise<{ items: ExecutionRecord[]; nextToken?: string }>;
  /** Every RUNNING execution, with cursors. */
  listRunning(): Promise<ExecutionRecord[]>;
  /** All events of an execution, in id order. */
  getHistory(arn: string): Promise<StoredEvent[]>;
}

interface MemExec {
  rec: ExecutionRecord;
  events: StoredEvent[];
  key: string;
}

export class MemoryStore implements ExecutionStoreImpl {
  readonly kind = 'memory' as const;
  private machines = new Map<string, StateMachineRecord>();
  private definitions = new Map<string, string>();
  private executions = new Map<string, MemExec>();
  private byMachine = new Map<string, MemExec[]>();

  async init(): Promise<void> {}

  async putStateMachine(rec: StateMachineRecord, mode: 'create' | 'replace'): Promise<boolean> {
    if (mode === 'create' && this.machines.has(rec.stateMachineArn)) return false;
    this.machines.set(rec.stateMachineArn, rec);
    return true;
  }
  async getStateMachine(arn: string): Promise<StateMachineRecord | undefined> {
    return this.machines.get(arn);
  }
  async listStateMachines(): Promise<StateMachineRecord[]> {
    return [...this.machines.values()];
  }
  async deleteStateMachine(arn: string): Promise<void> {
    this.machines.delete(arn);
  }
  async putDefinition(id: string, definition: string): Promise<void> {
    this.definitions.set(id, definition);
  }
  async getDefinition(id: string): Promise<string | undefined> {
    return this.definitions.get(id);
  }

  async createExecution(rec: ExecutionRecord, events: StoredEvent[]): Promise<ExecutionRecord | undefined> {
    const existing = this.executions.get(rec.executionArn);
    if (existing) return existing.rec;
    const e: MemExec = { rec, events: [...events], key: listKey(rec.startDate, rec.name) };
    this.executions.set(rec.executionArn, e);
    let list = this.byMachine.get(rec.stateMachineArn);
    if (!list) this.byMachine.set(rec.stateMachineArn, (list = []));
    // keep sorted by key (newest first): new executions are usually the newest
    let i = 0;
    while (i < list.length && list[i]!.key < e.key) i++;
    list.splice(i, 0, e);
    return undefined;
  }

  async commit(executionArn: string, c: ExecutionCommit): Promise<void> {
    const e = this.executions.get(executionArn);
    if (!e) throw new Error(`commit to unknown execution ${executionArn}`);
    for (const ev of c.events) e.events.push(ev);
    let rec: ExecutionRecord = { ...e.rec, eventCount: c.eventCount };
    if (c.cursor) rec.cursor = c.cursor;
    if (c.final) {
      rec = { ...(c.head ?? rec), ...c.final, eventCount: c.eventCount };
      delete rec.cursor;
    }
    e.rec = rec;
  }

  async getExecution(arn: string): Promise<ExecutionRecord | undefined> {
    return this.executions.get(arn)?.rec;
  }

  async listExecutions(q: ListExecutionsQuery): Promise<{ items: ExecutionRecord[]; nextToken?: string }> {
    const list = this.byMachine.get(q.stateMachineArn) ?? [];
    const after = q.nextToken;
    const items: ExecutionRecord[] = [];
    let lastKey: string | undefined;
    let more = false;
    for (const e of list) {
      if (after !== undefined && e.key <= after) continue;
      if (q.statusFilter && e.rec.status !== q.statusFilter) continue;
      if (items.length >= q.maxResults) {
        more = true;
        break;
      }
      items.push(e.rec);
      lastKey = e.key;
    }
    return { items, nextToken: more ? lastKey : undefined };
  }

  async listRunning(): Promise<ExecutionRecord[]> {
    const out: ExecutionRecord[] = [];
    for (const e of this.executions.values()) if (e.rec.status === 'RUNNING') out.push(e.rec);
    return out;
  }

  async getHistory(arn: string): Promise<StoredEvent[]> {
    return this.executions.get(arn)?.events ?? [];
  }
}
