/**
 * `EngineImpl`, the Step Functions API of the embedded engine (the `Engine`
 * contract of api.ts): state machines, StartExecution, StopExecution,
 * DescribeExecution, ListExecutions, GetExecutionHistory, RedriveExecution
 * (its rules: redrive.ts) and the task token
 * callbacks. It checks requests, reads the store and answers in the API's
 * shapes; the executions it starts are driven by runs.ts (loaded and parked
 * executions) and interpreter.ts (the states).
 */
import { randomUUID } from 'node:crypto';
import {
  EngineError,
  type Engine,
  type EngineOptions,
  type ExecutionDescription,
  type ExecutionStatus,
  type ExecutionSummary,
  type HistoryEvent,
  type Page,
  type StateMachineDescription,
  type StateMachineSummary,
} from './api';
import { DefinitionCache } from './definition-cache';
import { StatesError } from './errors';
import { ExecutionTime } from './execution-time';
import type { Json } from './jsonata-eval';
import { MemoryStore } from './memory-store';
import { earlierRedrive, notRedrivableReason, redriven } from './redrive';
import { Runs } from './runs';
import type { Cursor, ExecutionRecord, ExecutionStoreImpl, StateMachineRecord, StoredEvent } from './store';
import { MAX_PAYLOAD } from './task-state';

const NAME_RE = /^[^\s<>{}[\]?*"#%\\^|~`$&,;:/\u0000-\u001f\u007f-\u009f]{1,80}$/;

/** A pagination token (nextToken) for a position. */
function encodeToken(s: string): string {
  return Buffer.from(s, 'utf8').toString('base64url');
}

function decodeToken(token: string): string {
  try {
    return Buffer.from(token, 'base64url').toString('utf8');
  } catch {
    throw new EngineError('ValidationException', 'Invalid nextToken');
  }
}

function maxResults(n: number | undefined): number {
  if (n === undefined || n === 0) return 100;
  if (!Number.isInteger(n) || n < 0 || n > 1000) throw new EngineError('ValidationException', 'maxResults must be an integer between 0 and 1000');
  return n;
}

function checkArn(arn: string, kind: 'stateMachine' | 'execution'): void {
  if (typeof arn !== 'string' || !new RegExp(`^arn:aws[a-z-]*:states:[a-z0-9-]+:\\d{12}:${kind}:`).test(arn)) {
    throw new EngineError('InvalidArn', `Invalid Arn: '${String(arn)}'`);
  }
}

function sameJson(a: string, b: string): boolean {
  if (a === b) return true;
  try {
    return JSON.stringify(JSON.parse(a)) === JSON.stringify(JSON.parse(b));
  } catch {
    return false;
  }
}

/** StartExecution of a name already taken: the same execution if it is RUNNING with the same input, else ExecutionAlreadyExists. */
function idempotent(existing: Pick<ExecutionRecord, 'executionArn' | 'status' | 'input' | 'startDate'>, inputText: string): { executionArn: string; startDate: Date } {
  if (existing.status === 'RUNNING' && sameJson(existing.input, inputText)) {
    return { executionArn: existing.executionArn, startDate: new Date(existing.startDate) };
  }
  throw new EngineError('ExecutionAlreadyExists', `Execution Already Exists: '${existing.executionArn}'`);
}

const DATA_FIELDS = ['input', 'output', 'inputDetails', 'outputDetails', 'parameters'];

function toHistoryEvent(e: StoredEvent, includeData: boolean): HistoryEvent {
  const out: HistoryEvent = { ...e, timestamp: new Date(e.timestamp) };
  if (!includeData) {
    for (const [k, v] of Object.entries(out)) {
      if (k.endsWith('EventDetails') && v && typeof v === 'object') {
        const copy = { ...(v as Record<string, unknown>) };
        for (const f of DATA_FIELDS) delete copy[f];
        out[k] = copy;
      }
    }
  }
  return out;
}

/** The redrive count and date of an execution, when it was redriven. */
function redriveOf(e: { redriveCount?: number; redriveDate?: number }): { redriveCount?: number; redriveDate?: Date } {
  return e.redriveCount ? { redriveCount: e.redriveCount, redriveDate: new Date(e.redriveDate!) } : {};
}

const RUNNING_NOT_REDRIVABLE = { redriveStatus: 'NOT_REDRIVABLE', redriveStatusReason: 'Execution is RUNNING and cannot be redriven.' } as const;

export class EngineImpl implements Engine {
  readonly store: ExecutionStoreImpl;
  private readonly time: ExecutionTime;
  private readonly region: string;
  private readonly accountId: string;
  private readonly definitions: DefinitionCache;
  private readonly runs: Runs;
  /** Write-through cache of state machine records (this engine is the store's only writer). */
  private machines = new Map<string, StateMachineRecord>();
  /** Executions a RedriveExecution call is starting again. */
  /** Redrives being written, by execution ARN, with their client token. */
  private redriving = new Map<string, { token: string | undefined; done: Promise<{ redriveDate: Date }> }>();
  private started: Promise<void> | undefined;

  constructor(options: EngineOptions = {}) {
    this.store = (options.store as ExecutionStoreImpl | undefined) ?? new MemoryStore();
    const clock = options.clock ?? { now: () => Date.now() };
    this.time = new ExecutionTime(clock, options.timeScale && options.timeScale > 0 ? options.timeScale : 1, options.timeOrigin);
    this.region = options.region ?? 'us-east-1';
    this.accountId = options.accountId ?? '123456789012';
    this.definitions = new DefinitionCache(this.store);
    this.runs = new Runs(this.store, this.time, this.definitions, {
      lambdas: options.lambdas ?? new Map(),
      dynamodb: options.dynamodb,
      region: this.region,
      accountId: this.accountId,
    });
  }

  /** How many RUNNING executions are loaded (interpreted in memory) and how many are parked (see runs.ts). */
  get loaded(): { running: number; parked: number } {
    return this.runs.loaded;
  }

  // ---------------------------------------------------------------------------
  // lifecycle

  start(): Promise<void> {
    if (!this.started) this.started = this.runs.start();
    return this.started;
  }

  async stop(): Promise<void> {
    await this.runs.stop();
    this.started = undefined;
    await this.store.close?.();
  }

  private async ready(): Promise<void> {
    await this.start();
  }

  // ---------------------------------------------------------------------------
  // state machines

  private smArn(name: string): string {
    return `arn:aws:states:${this.region}:${this.accountId}:stateMachine:${name}`;
  }

  async createStateMachine(input: { name: string; definition: string; roleArn?: string; type?: 'STANDARD' | 'EXPRESS' }): Promise<{ stateMachineArn: string; creationDate: Date }> {
    await this.ready();
    if (typeof input.name !== 'string' || !NAME_RE.test(input.name)) throw new EngineError('InvalidName', `Invalid Name: '${String(input.name)}'`);
    if (typeof input.definition !== 'string') throw new EngineError('InvalidDefinition', 'definition must be a string');
    this.definitions.compile(input.definition);
    const arn = this.smArn(input.name);
    const roleArn = input.roleArn ?? `arn:aws:iam::${this.accountId}:role/StepFunctionsLocalRole`;
    const rec: StateMachineRecord = {
      stateMachineArn: arn,
      name: input.name,
      type: input.type ?? 'STANDARD',
      definition: input.definition,
      roleArn,
      creationDate: this.time.clock.now(),
    };
    await this.store.putDefinition(this.definitions.idOf(input.definition), input.definition);
    const created = await this.store.putStateMachine(rec, 'create');
    if (created) this.machines.set(arn, rec);
    else {
      const existing = await this.store.getStateMachine(arn);
      if (existing && existing.definition === rec.definition && existing.roleArn === rec.roleArn && existing.type === rec.type) {
        return { stateMachineArn: arn, creationDate: new Date(existing.creationDate) };
      }
      throw new EngineError('StateMachineAlreadyExists', `State Machine Already Exists: '${arn}'`);
    }
    return { stateMachineArn: arn, creationDate: new Date(rec.creationDate) };
  }

  private async getMachine(arn: string): Promise<StateMachineRecord> {
    checkArn(arn, 'stateMachine');
    const cached = this.machines.get(arn);
    if (cached) return cached;
    const rec = await this.store.getStateMachine(arn);
    if (!rec) throw new EngineError('StateMachineDoesNotExist', `State Machine Does Not Exist: '${arn}'`);
    this.machines.set(arn, rec);
    return rec;
  }

  async updateStateMachine(input: { stateMachineArn: string; definition?: string; roleArn?: string }): Promise<{ updateDate: Date }> {
    await this.ready();
    const rec = await this.getMachine(input.stateMachineArn);
    if (input.definition !== undefined) {
      this.definitions.compile(input.definition);
      await this.store.putDefinition(this.definitions.idOf(input.definition), input.definition);
    }
    const updated: StateMachineRecord = {
      ...rec,
      definition: input.definition ?? rec.definition,
      roleArn: input.roleArn ?? rec.roleArn,
      updateDate: this.time.clock.now(),
    };
    await this.store.putStateMachine(updated, 'replace');
    this.machines.set(updated.stateMachineArn, updated);
    return { updateDate: new Date(updated.updateDate!) };
  }

  async describeStateMachine(stateMachineArn: string): Promise<StateMachineDescription> {
    await this.ready();
    const rec = await this.getMachine(stateMachineArn);
    return {
      stateMachineArn: rec.stateMachineArn,
      name: rec.name,
      type: rec.type,
      creationDate: new Date(rec.creationDate),
      definition: rec.definition,
      roleArn: rec.roleArn,
      status: 'ACTIVE',
      ...(rec.updateDate !== undefined ? { updateDate: new Date(rec.updateDate) } : {}),
    };
  }

  async listStateMachines(input: { maxResults?: number; nextToken?: string } = {}): Promise<Page<StateMachineSummary>> {
    await this.ready();
    const all = (await this.store.listStateMachines()).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    const max = maxResults(input.maxResults);
    let start = 0;
    if (input.nextToken) {
      const after = decodeToken(input.nextToken);
      start = all.findIndex((m) => m.name > after);
      if (start < 0) start = all.length;
    }
    const page = all.slice(start, start + max);
    const more = start + max < all.length;
    return {
      items: page.map((m) => ({ stateMachineArn: m.stateMachineArn, name: m.name, type: m.type, creationDate: new Date(m.creationDate) })),
      ...(more ? { nextToken: encodeToken(page[page.length - 1]!.name) } : {}),
    };
  }

  async deleteStateMachine(stateMachineArn: string): Promise<void> {
    await this.ready();
    checkArn(stateMachineArn, 'stateMachine');
    this.machines.delete(stateMachineArn);
    await this.store.deleteStateMachine(stateMachineArn);
  }

  // ---------------------------------------------------------------------------
  // executions

  async startExecution(input: { stateMachineArn: string; name?: string; input?: string }): Promise<{ executionArn: string; startDate: Date }> {
    await this.ready();
    const sm = await this.getMachine(input.stateMachineArn);
    const name = input.name ?? randomUUID();
    if (!NAME_RE.test(name)) throw new EngineError('InvalidName', `Invalid Name: '${name}'`);
    const inputText = input.input ?? '{}';
    if (Buffer.byteLength(inputText, 'utf8') > MAX_PAYLOAD) throw new EngineError('InvalidExecutionInput', 'Invalid State Machine Execution Input: the input exceeds the 262144 bytes limit');
    let parsed: Json;
    try {
      parsed = JSON.parse(inputText) as Json;
    } catch {
      throw new EngineError('InvalidExecutionInput', `Invalid State Machine Execution Input: 'input' is not valid JSON`);
    }
    const arn = `arn:aws:states:${this.region}:${this.accountId}:execution:${sm.name}:${name}`;
    const live = this.runs.loadedRun(arn) ?? this.runs.parkedExecution(arn);
    if (live) return idempotent({ executionArn: arn, status: 'RUNNING', input: live.input, startDate: live.startDate }, inputText);
    const definitionId = this.definitions.idOf(sm.definition);
    const def = await this.definitions.load(definitionId).catch(() => this.definitions.compile(sm.definition));
    const startDate = this.time.startNow();
    const cursor: Cursor = { s: def.machine.startAt, in: parsed, v: {}, at: startDate, pe: 0 };
    const rec: ExecutionRecord = {
      executionArn: arn,
      stateMachineArn: sm.stateMachineArn,
      name,
      status: 'RUNNING',
      input: inputText,
      startDate,
      definitionId,
      roleArn: sm.roleArn,
      eventCount: 1,
      cursor,
    };
    const started: StoredEvent = {
      id: 1,
      previousEventId: 0,
      timestamp: startDate,
      type: 'ExecutionStarted',
      executionStartedEventDetails: { input: inputText, inputDetails: { truncated: false }, roleArn: sm.roleArn },
    };
    const raced = await this.store.createExecution(rec, [started], { fresh: input.name === undefined });
    if (raced) return idempotent(raced, inputText);
    this.runs.launch(rec, def, cursor);
    return { executionArn: arn, startDate: new Date(startDate) };
  }

  async stopExecution(input: { executionArn: string; error?: string; cause?: string }): Promise<{ stopDate: Date }> {
    await this.ready();
    checkArn(input.executionArn, 'execution');
    const rec = await this.runs.unparkAndRead(input.executionArn);
    if (!rec) throw new EngineError('ExecutionDoesNotExist', `Execution Does Not Exist: '${input.executionArn}'`);
    if (rec.status !== 'RUNNING') return { stopDate: new Date(rec.stopDate ?? rec.startDate) };
    const run = this.runs.loadedRun(input.executionArn);
    const details: Record<string, string> = {};
    if (input.error !== undefined) details.error = input.error;
    if (input.cause !== undefined) details.cause = input.cause;
    if (run && !run.finished) return { stopDate: new Date(await this.runs.abort(run, details)) };
    // not loaded (engine not driving it): write directly
    const stopDate = this.time.execNow(rec);
    const id = rec.eventCount + 1;
    await this.store.commit(rec.executionArn, {
      events: [{ id, previousEventId: rec.eventCount, timestamp: stopDate, type: 'ExecutionAborted', executionAbortedEventDetails: details }],
      eventCount: id,
      final: { status: 'ABORTED', stopDate, ...details },
      head: rec,
    });
    return { stopDate: new Date(stopDate) };
  }

  async describeExecution(executionArn: string): Promise<ExecutionDescription> {
    await this.ready();
    checkArn(executionArn, 'execution');
    const run = this.runs.loadedRun(executionArn);
    if (run && !run.finished) {
      return {
        executionArn,
        stateMachineArn: run.smArn,
        name: run.name,
        status: 'RUNNING',
        startDate: new Date(run.startDate),
        input: run.input,
        ...redriveOf(run),
        ...RUNNING_NOT_REDRIVABLE,
        currentStates: [...run.current.keys()],
      };
    }
    const parked = this.runs.parkedExecution(executionArn);
    if (parked) {
      const name = executionArn.slice(executionArn.lastIndexOf(':') + 1);
      const stateMachineArn = executionArn.slice(0, executionArn.lastIndexOf(':')).replace(':execution:', ':stateMachine:');
      return { executionArn, stateMachineArn, name, status: 'RUNNING', startDate: new Date(parked.startDate), input: parked.input, ...redriveOf(parked), ...RUNNING_NOT_REDRIVABLE, currentStates: [parked.state] };
    }
    const done = this.runs.finishedDescription(executionArn);
    if (done && done.status === 'SUCCEEDED') return { ...done, redriveStatus: 'NOT_REDRIVABLE', redriveStatusReason: 'Execution is SUCCEEDED and cannot be redriven.' };
    const rec = await this.store.getExecution(executionArn);
    if (!rec) throw new EngineError('ExecutionDoesNotExist', `Execution Does Not Exist: '${executionArn}'`);
    const d: ExecutionDescription = {
      executionArn: rec.executionArn,
      stateMachineArn: rec.stateMachineArn,
      name: rec.name,
      status: rec.status,
      startDate: new Date(rec.startDate),
      input: rec.input,
    };
    if (rec.stopDate !== undefined) d.stopDate = new Date(rec.stopDate);
    if (rec.output !== undefined) d.output = rec.output;
    if (rec.error !== undefined) d.error = rec.error;
    if (rec.cause !== undefined) d.cause = rec.cause;
    Object.assign(d, redriveOf(rec));
    const reason = notRedrivableReason(rec, await this.findMachine(rec.stateMachineArn), this.time.execNow(rec));
    d.redriveStatus = reason ? 'NOT_REDRIVABLE' : 'REDRIVABLE';
    if (reason) d.redriveStatusReason = reason;
    if (rec.status === 'RUNNING') {
      const run = this.runs.loadedRun(executionArn);
      d.currentStates = run ? [...run.current.keys()] : rec.cursor ? [rec.cursor.s] : [];
    }
    return d;
  }

  async listExecutions(input: { stateMachineArn: string; statusFilter?: ExecutionStatus; redriveFilter?: 'REDRIVEN' | 'NOT_REDRIVEN'; maxResults?: number; nextToken?: string }): Promise<Page<ExecutionSummary>> {
    await this.ready();
    await this.getMachine(input.stateMachineArn).catch(async (err: unknown) => {
      // executions of a deleted machine stay listable only if some exist
      if (err instanceof EngineError && err.code === 'StateMachineDoesNotExist') {
        const probe = await this.store.listExecutions({ stateMachineArn: input.stateMachineArn, maxResults: 1 });
        if (probe.items.length) return;
      }
      throw err;
    });
    const page = await this.store.listExecutions({
      stateMachineArn: input.stateMachineArn,
      statusFilter: input.statusFilter,
      maxResults: maxResults(input.maxResults),
      nextToken: input.nextToken ? decodeToken(input.nextToken) : undefined,
    });
    // redriveFilter applies to the page read (a page can come out shorter than maxResults, as a filtered DynamoDB query's does)
    const wanted = input.redriveFilter === undefined ? page.items : page.items.filter((r) => (input.redriveFilter === 'REDRIVEN') === (r.redriveCount ?? 0) > 0);
    return {
      items: wanted.map((r) => {
        const s: ExecutionSummary = { executionArn: r.executionArn, stateMachineArn: r.stateMachineArn, name: r.name, status: r.status, startDate: new Date(r.startDate) };
        if (r.stopDate !== undefined) s.stopDate = new Date(r.stopDate);
        return Object.assign(s, redriveOf(r));
      }),
      ...(page.nextToken ? { nextToken: encodeToken(page.nextToken) } : {}),
    };
  }

  /** RedriveExecution (the rules and what it writes: redrive.ts); a repeated client token gets its redrive's answer again. */
  async redriveExecution(input: { executionArn: string; clientToken?: string }): Promise<{ redriveDate: Date }> {
    await this.ready();
    checkArn(input.executionArn, 'execution');
    const arn = input.executionArn;
    const token = input.clientToken;
    if (token !== undefined) {
      const rec = await this.store.getExecution(arn);
      const writing = this.redriving.get(arn);
      if (writing?.token === token) return writing.done;
      const earlier = rec && earlierRedrive(rec, token, this.time.clock.now());
      if (earlier) return { redriveDate: new Date(earlier.date) };
    }
    if (this.redriving.has(arn) || this.runs.loadedRun(arn) || this.runs.parkedExecution(arn)) {
      throw new EngineError('ExecutionNotRedrivable', 'Execution is RUNNING and cannot be redriven.');
    }
    const done = this.redrive(arn, token);
    this.redriving.set(arn, { token, done });
    try {
      return await done;
    } finally {
      this.redriving.delete(arn);
    }
  }

  private async redrive(arn: string, token: string | undefined): Promise<{ redriveDate: Date }> {
    const rec = await this.store.getExecution(arn);
    if (!rec) throw new EngineError('ExecutionDoesNotExist', `Execution Does Not Exist: '${arn}'`);
    const reason = notRedrivableReason(rec, await this.findMachine(rec.stateMachineArn), this.time.execNow(rec));
    if (reason) throw new EngineError('ExecutionNotRedrivable', reason);
    const def = await this.definitions.load(rec.definitionId);
    const next = redriven(rec, this.time.execNow(rec), token === undefined ? undefined : { token, at: this.time.clock.now() });
    await this.store.redrive(next.rec, [next.event]);
    this.runs.launch(next.rec, def, next.rec.cursor!);
    return { redriveDate: new Date(next.rec.redriveDate!) };
  }

  /** The state machine record, or undefined once deleted. */
  private findMachine(arn: string): Promise<StateMachineRecord | undefined> {
    return this.getMachine(arn).catch((err: unknown) => {
      if (err instanceof EngineError && err.code === 'StateMachineDoesNotExist') return undefined;
      throw err;
    });
  }

  async getExecutionHistory(input: { executionArn: string; maxResults?: number; nextToken?: string; reverseOrder?: boolean; includeExecutionData?: boolean }): Promise<Page<HistoryEvent>> {
    await this.ready();
    checkArn(input.executionArn, 'execution');
    const rec = await this.store.getExecution(input.executionArn);
    if (!rec) throw new EngineError('ExecutionDoesNotExist', `Execution Does Not Exist: '${input.executionArn}'`);
    let events = await this.store.getHistory(input.executionArn);
    if (input.reverseOrder) events = [...events].reverse();
    const max = maxResults(input.maxResults);
    let start = 0;
    if (input.nextToken) {
      const n = Number(decodeToken(input.nextToken));
      if (!Number.isInteger(n) || n < 0) throw new EngineError('ValidationException', 'Invalid nextToken');
      start = n;
    }
    const slice = events.slice(start, start + max);
    const includeData = input.includeExecutionData !== false;
    return {
      items: slice.map((e) => toHistoryEvent(e, includeData)),
      ...(start + max < events.length ? { nextToken: encodeToken(String(start + max)) } : {}),
    };
  }

  async waitForExecution(executionArn: string, options: { timeoutMs?: number } = {}): Promise<ExecutionDescription> {
    await this.ready();
    const timeoutMs = options.timeoutMs ?? 30_000;
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const d = await this.describeExecution(executionArn);
      if (d.status !== 'RUNNING') return d;
      const remaining = deadline - Date.now();
      if (remaining <= 0) throw new Error(`execution still RUNNING after ${timeoutMs} ms: ${executionArn}`);
      const run = this.runs.loadedRun(executionArn);
      await new Promise<void>((resolve) => {
        const t = setTimeout(done, run ? remaining : Math.min(remaining, 50));
        function done() {
          clearTimeout(t);
          resolve();
        }
        if (run) run.waiters.push(done);
      });
    }
  }

  // ---------------------------------------------------------------------------
  // callbacks

  /** The answer to a token that is not open: closed task, unknown execution, or not a token of this engine. */
  private async closedOrInvalid(taskToken: string): Promise<never> {
    if (typeof taskToken !== 'string' || taskToken.length === 0 || taskToken.length > 1024) throw new EngineError('InvalidToken', 'Invalid token');
    const dot = taskToken.indexOf('.');
    if (dot > 0) {
      const arn = Buffer.from(taskToken.slice(0, dot), 'base64url').toString('utf8');
      if (/^arn:aws[a-z-]*:states:[a-z0-9-]+:\d{12}:execution:[^:]+:[^:]+$/.test(arn)) {
        // a token of this engine's shape (see task-state.ts): closed task (TaskTimedOut, as AWS answers for finished tasks) or no such execution
        if (await this.store.getExecution(arn)) throw new EngineError('TaskTimedOut', 'Task Timed Out');
        throw new EngineError('TaskDoesNotExist', 'Task Does Not Exist');
      }
    }
    throw new EngineError('InvalidToken', 'Invalid token');
  }

  async sendTaskSuccess(input: { taskToken: string; output: string }): Promise<void> {
    await this.ready();
    let output: Json;
    try {
      output = JSON.parse(input.output) as Json;
    } catch {
      throw new EngineError('InvalidOutput', 'Invalid Output: output is not valid JSON');
    }
    const entry = await this.runs.takeToken(input.taskToken);
    if (!entry) return this.closedOrInvalid(input.taskToken);
    // answer once the task's result is stored (or the run ends / stops)
    const stored = this.runs.nextDurableCommit(entry.run);
    entry.resolve(output);
    await stored;
  }

  async sendTaskFailure(input: { taskToken: string; error?: string; cause?: string }): Promise<void> {
    await this.ready();
    const entry = await this.runs.takeToken(input.taskToken);
    if (!entry) return this.closedOrInvalid(input.taskToken);
    const stored = this.runs.nextDurableCommit(entry.run);
    entry.reject(new StatesError(input.error ?? '', input.cause ?? ''));
    await stored;
  }

  async sendTaskHeartbeat(input: { taskToken: string }): Promise<void> {
    await this.ready();
    if (!this.runs.heartbeat(input.taskToken)) return this.closedOrInvalid(input.taskToken);
  }
}
