/**
 * The interpreter and runtime of the embedded Step Functions engine.
 *
 * One `Run` per RUNNING execution lives in memory; its top-level position is
 * the `Cursor` persisted at every transition (see store.ts), together with
 * the history events of that transition. A state's writes are awaited before
 * anything outside the engine sees its effect (a Lambda or DynamoDB call, a
 * timer, the answer to SendTaskSuccess, the end of the execution); the
 * transitions out of Pass and Choice states are handed to the store in order
 * without waiting for each, so the DynamoDB store can group them.
 *
 * Resuming after a restart (start()):
 * - a Wait or a Retry back-off fires at its original time;
 * - a callback task (waitForTaskToken) whose Lambda had returned keeps its
 *   token and waits again, with its TimeoutSeconds deadline unchanged and a
 *   fresh HeartbeatSeconds window; one whose Lambda had not returned yet is
 *   invoked again with the same token;
 * - any other task that was in flight runs again (at-least-once);
 * - Map and Parallel branches are not checkpointed: the whole Map/Parallel
 *   state runs again from its input (its earlier branch events stay in the
 *   history, and task tokens handed out inside it are closed).
 *
 * Parked executions: once a top-level callback task (waitForTaskToken, no
 * HeartbeatSeconds) has been submitted, everything needed to go on is in the
 * store (its cursor), so the run leaves memory: a `Parked` entry keeps only
 * what answers DescribeExecution and routes its token, and a timer for its
 * deadline. The run is loaded again from the store, as after a restart, when
 * its token is answered, its deadline passes or it is stopped. (10,000 leads
 * waiting for a person kept about 20 KB each of suspended interpreter state.)
 *
 * Time: each execution has its own "execution time", which starts at its
 * start date and runs `timeScale` times faster than the clock. Every
 * timestamp in history, `$states.context`, `$now()`/`$millis()` and every
 * Wait/timeout deadline is in execution time; timers fire at the matching
 * clock time, so they keep their original schedule across restarts.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  EngineError,
  type Clock,
  type Engine,
  type EngineOptions,
  type ExecutionDescription,
  type ExecutionStatus,
  type ExecutionSummary,
  type HistoryEvent,
  type LambdaRegistry,
  type Page,
  type StateMachineDescription,
  type StateMachineSummary,
} from './api';
import { parseDefinition, type Catcher, type ChoiceState, type CompiledDefinition, type FailState, type Machine, type MapState, type NumOrExpr, type ParallelState, type PassState, type State, type SucceedState, type TaskState, type WaitState } from './definition';
import { errorMatches, StatesError, toStatesError } from './errors';
import { compileExpression, evaluateExpression, evaluateTemplate, type Bindings, type CompiledExpression, type Json, type Template } from './jsonata-eval';
import { Scheduler, type Timer } from './scheduler';
import { MemoryStore, type Cursor, type ExecutionRecord, type ExecutionStoreImpl, type StateMachineRecord, type StoredEvent } from './store';
import { dynamodbTask, invokeHandler, lambdaInvokeResult, lambdaNotFound, resolveLambda } from './tasks';
import { validateWithAslValidator } from './validate';

/** Thrown inside an execution to unwind it without recording anything (stop, abort, cancelled branch). */
class Halt extends Error {
  constructor() {
    super('halted');
  }
}

class Scope {
  cancelled = false;
  private handlers = new Set<() => void>();
  onCancel(fn: () => void): () => void {
    this.handlers.add(fn);
    return () => this.handlers.delete(fn);
  }
  child(): Scope {
    const c = new Scope();
    if (this.cancelled) c.cancelled = true;
    else {
      const off = this.onCancel(() => c.cancel());
      c.onCancel(off);
    }
    return c;
  }
  cancel(): void {
    if (this.cancelled) return;
    this.cancelled = true;
    const hs = [...this.handlers];
    this.handlers.clear();
    for (const h of hs) h();
  }
  check(): void {
    if (this.cancelled) throw new Halt();
  }
}

interface Run {
  arn: string;
  name: string;
  smArn: string;
  smName: string;
  startDate: number;
  input: string;
  roleArn: string;
  definitionId: string;
  def: CompiledDefinition;
  cursor: Cursor;
  eventCount: number;
  pending: StoredEvent[];
  scope: Scope;
  chain: Promise<void>;
  current: Map<string, number>;
  finished: boolean;
  waiters: (() => void)[];
  ctxExecution?: Record<string, Json>;
  /** First failed store write of a non-durable commit (rethrown at the next durable point). */
  writeError?: unknown;
  /** Resolved after the next durable commit (SendTaskSuccess/Failure answer then). */
  commitWaiters: (() => void)[];
  /** Set when the run parks (see Parked): called once it has unwound. */
  parked?: () => void;
}

/** A RUNNING execution waiting for a submitted callback, not loaded (see the top of this file). */
interface Parked {
  arn: string;
  token: string;
  /** The state it waits in. */
  state: string;
  startDate: number;
  input: string;
  /** Wakes it at its task deadline or its execution timeout. */
  timer?: Timer;
  /** Resolves once the run that parked has unwound (at once for one found parked at start). */
  unwound: Promise<void>;
  waking?: Promise<void>;
}

interface Frame {
  run: Run;
  scope: Scope;
  top: boolean;
  vars: Record<string, Json>;
  outer?: Record<string, Json>;
  prev: number;
  mapItem?: { Index: number; Value: Json };
  /** Id of the StateEntered event of the current state. */
  enteredId?: number;
}

interface Outcome {
  next?: string;
  output: Json;
}

interface TokenEntry {
  run: Run;
  resolve: (v: Json) => void;
  reject: (e: StatesError) => void;
  heartbeat: () => void;
}

interface StateExtras {
  result?: Json;
  errorOutput?: Json;
  token?: string;
  retryCount?: number;
}

/** Step Functions' payload limit (256 KiB) for task results and execution input. */
const MAX_PAYLOAD = 262_144;

const NAME_RE = /^[^\s<>{}[\]?*"#%\\^|~`$&,;:/\u0000-\u001f\u007f-\u009f]{1,80}$/;

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

let fromMillis: CompiledExpression | undefined;
/** JSONata's own $fromMillis, for $now(picture, timezone). */
function formatMillis(t: number, picture: string | undefined, timezone: string | undefined): Promise<Json> {
  fromMillis ??= compileExpression('{% $fromMillis($t, $p, $z) %}', 'now');
  return evaluateExpression(fromMillis, { t, p: picture, z: timezone });
}

function detailsKey(type: string): string {
  if (type.endsWith('StateEntered')) return 'stateEnteredEventDetails';
  if (type.endsWith('StateExited')) return 'stateExitedEventDetails';
  return `${type[0]!.toLowerCase()}${type.slice(1)}EventDetails`;
}

function resourceParts(state: TaskState): { resourceType: string; resource: string } {
  const m = /^arn:aws[a-z-]*:states:[^:]*:[^:]*:([^:]+):(.+)$/.exec(state.resource);
  if (m) return { resourceType: m[1]!, resource: m[2]! };
  return { resourceType: 'lambda', resource: state.resource };
}

function encodeToken(s: string): string {
  return Buffer.from(s, 'utf8').toString('base64url');
}

export class EngineImpl implements Engine {
  readonly store: ExecutionStoreImpl;
  private readonly clock: Clock;
  private readonly timeScale: number;
  private readonly lambdas: LambdaRegistry;
  private readonly dynamodb: DynamoDBClient | undefined;
  private readonly region: string;
  private readonly accountId: string;
  private scheduler: Scheduler;
  private runs = new Map<string, Run>();
  private tokens = new Map<string, TokenEntry>();
  /** Parked executions, by execution ARN and by task token. */
  private parked = new Map<string, Parked>();
  private parkedTokens = new Map<string, Parked>();
  private compiled = new Map<string, CompiledDefinition>();
  /** Descriptions of recently finished executions (immutable), so waiters need no store read. */
  private finishedCache = new Map<string, ExecutionDescription>();
  /** Write-through cache of state machine records (this engine is the store's only writer). */
  private machines = new Map<string, StateMachineRecord>();
  private started: Promise<void> | undefined;

  constructor(options: EngineOptions = {}) {
    this.store = (options.store as ExecutionStoreImpl | undefined) ?? new MemoryStore();
    this.clock = options.clock ?? { now: () => Date.now() };
    this.timeScale = options.timeScale && options.timeScale > 0 ? options.timeScale : 1;
    this.lambdas = options.lambdas ?? new Map();
    this.dynamodb = options.dynamodb;
    this.region = options.region ?? 'us-east-1';
    this.accountId = options.accountId ?? '123456789012';
    this.scheduler = new Scheduler(this.clock);
  }

  /** How many RUNNING executions are loaded (interpreted in memory) and how many are parked (see the top of this file). */
  get loaded(): { running: number; parked: number } {
    return { running: this.runs.size, parked: this.parked.size };
  }

  // ---------------------------------------------------------------------------
  // lifecycle

  start(): Promise<void> {
    if (!this.started) this.started = this.doStart();
    return this.started;
  }

  private async doStart(): Promise<void> {
    if (!this.schedulerAlive) {
      this.scheduler = new Scheduler(this.clock);
      this.schedulerAlive = true;
    }
    await this.store.init();
    await this.store.forEachRunning(async (rec) => {
      if (this.runs.has(rec.executionArn) || !rec.cursor) return;
      let def: CompiledDefinition;
      try {
        def = await this.loadDefinition(rec.definitionId);
      } catch (err) {
        console.error(`engine: cannot resume ${rec.executionArn}: ${(err as Error).message}`);
        return;
      }
      const c = rec.cursor;
      if (c.p === 'task' && c.sub === 1 && c.tk !== undefined && c.hb === undefined) {
        this.addParked({ arn: rec.executionArn, token: c.tk, state: c.s, startDate: rec.startDate, input: rec.input, unwound: Promise.resolve() }, c.to, def.timeoutSeconds);
        return;
      }
      const run = this.newRun(rec, def, rec.cursor);
      this.runs.set(run.arn, run);
      this.launch(run);
    });
  }

  private schedulerAlive = true;

  async stop(): Promise<void> {
    const runs = [...this.runs.values()];
    for (const run of runs) {
      run.scope.cancel();
      this.notifyCommitted(run);
    }
    this.scheduler.stop();
    this.schedulerAlive = false;
    await Promise.all(runs.map((r) => r.chain));
    this.runs.clear();
    this.tokens.clear();
    this.parked.clear();
    this.parkedTokens.clear();
    this.finishedCache.clear();
    this.started = undefined;
    await this.store.close?.();
  }

  private async ready(): Promise<void> {
    await this.start();
  }

  // ---------------------------------------------------------------------------
  // time

  private execNow(run: { startDate: number }): number {
    const now = this.clock.now();
    return this.timeScale === 1 ? now : run.startDate + (now - run.startDate) * this.timeScale;
  }

  private realAt(run: { startDate: number }, execT: number): number {
    return this.timeScale === 1 ? execT : run.startDate + (execT - run.startDate) / this.timeScale;
  }

  private sleepUntil(run: Run, scope: Scope, execDue: number): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      if (scope.cancelled) return reject(new Halt());
      const t = this.scheduler.at(this.realAt(run, execDue), () => {
        off();
        resolve();
      });
      const off = scope.onCancel(() => {
        this.scheduler.cancel(t);
        reject(new Halt());
      });
    });
  }

  // ---------------------------------------------------------------------------
  // state machines

  private smArn(name: string): string {
    return `arn:aws:states:${this.region}:${this.accountId}:stateMachine:${name}`;
  }

  private checkArn(arn: string, kind: 'stateMachine' | 'execution'): void {
    if (typeof arn !== 'string' || !new RegExp(`^arn:aws[a-z-]*:states:[a-z0-9-]+:\\d{12}:${kind}:`).test(arn)) {
      throw new EngineError('InvalidArn', `Invalid Arn: '${String(arn)}'`);
    }
  }

  private definitionId(definition: string): string {
    return createHash('sha256').update(definition).digest('hex').slice(0, 32);
  }

  private compile(definition: string): CompiledDefinition {
    const id = this.definitionId(definition);
    let c = this.compiled.get(id);
    if (!c) {
      c = parseDefinition(definition);
      validateWithAslValidator(definition);
      this.compiled.set(id, c);
    }
    return c;
  }

  private async loadDefinition(id: string): Promise<CompiledDefinition> {
    const c = this.compiled.get(id);
    if (c) return c;
    const text = await this.store.getDefinition(id);
    if (text === undefined) throw new Error(`definition ${id} is missing from the store`);
    const compiled = parseDefinition(text);
    this.compiled.set(id, compiled);
    return compiled;
  }

  async createStateMachine(input: { name: string; definition: string; roleArn?: string; type?: 'STANDARD' | 'EXPRESS' }): Promise<{ stateMachineArn: string; creationDate: Date }> {
    await this.ready();
    if (typeof input.name !== 'string' || !NAME_RE.test(input.name)) throw new EngineError('InvalidName', `Invalid Name: '${String(input.name)}'`);
    if (typeof input.definition !== 'string') throw new EngineError('InvalidDefinition', 'definition must be a string');
    this.compile(input.definition);
    const arn = this.smArn(input.name);
    const roleArn = input.roleArn ?? `arn:aws:iam::${this.accountId}:role/StepFunctionsLocalRole`;
    const rec: StateMachineRecord = {
      stateMachineArn: arn,
      name: input.name,
      type: input.type ?? 'STANDARD',
      definition: input.definition,
      roleArn,
      creationDate: this.clock.now(),
    };
    await this.store.putDefinition(this.definitionId(input.definition), input.definition);
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
    this.checkArn(arn, 'stateMachine');
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
      this.compile(input.definition);
      await this.store.putDefinition(this.definitionId(input.definition), input.definition);
    }
    const updated: StateMachineRecord = {
      ...rec,
      definition: input.definition ?? rec.definition,
      roleArn: input.roleArn ?? rec.roleArn,
      updateDate: this.clock.now(),
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
    const max = this.maxResults(input.maxResults);
    let start = 0;
    if (input.nextToken) {
      const after = this.decodeToken(input.nextToken);
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
    this.checkArn(stateMachineArn, 'stateMachine');
    this.machines.delete(stateMachineArn);
    await this.store.deleteStateMachine(stateMachineArn);
  }

  private maxResults(n: number | undefined): number {
    if (n === undefined || n === 0) return 100;
    if (!Number.isInteger(n) || n < 0 || n > 1000) throw new EngineError('ValidationException', 'maxResults must be an integer between 0 and 1000');
    return n;
  }

  private decodeToken(token: string): string {
    try {
      return Buffer.from(token, 'base64url').toString('utf8');
    } catch {
      throw new EngineError('ValidationException', 'Invalid nextToken');
    }
  }

  // ---------------------------------------------------------------------------
  // executions: API

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
    const live = this.runs.get(arn) ?? this.parked.get(arn);
    if (live) return this.idempotent({ executionArn: arn, status: 'RUNNING', input: live.input, startDate: live.startDate }, inputText);
    const definitionId = this.definitionId(sm.definition);
    const def = await this.loadDefinition(definitionId).catch(() => this.compile(sm.definition));
    const startDate = this.clock.now();
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
    if (raced) return this.idempotent(raced, inputText);
    const run = this.newRun(rec, def, cursor);
    this.runs.set(arn, run);
    this.launch(run);
    return { executionArn: arn, startDate: new Date(startDate) };
  }

  private idempotent(existing: Pick<ExecutionRecord, 'executionArn' | 'status' | 'input' | 'startDate'>, inputText: string): { executionArn: string; startDate: Date } {
    if (existing.status === 'RUNNING' && sameJson(existing.input, inputText)) {
      return { executionArn: existing.executionArn, startDate: new Date(existing.startDate) };
    }
    throw new EngineError('ExecutionAlreadyExists', `Execution Already Exists: '${existing.executionArn}'`);
  }

  async stopExecution(input: { executionArn: string; error?: string; cause?: string }): Promise<{ stopDate: Date }> {
    await this.ready();
    this.checkArn(input.executionArn, 'execution');
    let rec: ExecutionRecord | undefined;
    for (;;) {
      // parked (even while the store was read): stopped in the store (below), once the run that parked has unwound
      const parked = this.parked.get(input.executionArn);
      if (parked) {
        this.forgetParked(parked);
        await parked.unwound;
      }
      rec = await this.store.getExecution(input.executionArn);
      if (!this.parked.has(input.executionArn)) break;
    }
    if (!rec) throw new EngineError('ExecutionDoesNotExist', `Execution Does Not Exist: '${input.executionArn}'`);
    if (rec.status !== 'RUNNING') return { stopDate: new Date(rec.stopDate ?? rec.startDate) };
    const run = this.runs.get(input.executionArn);
    const details: Record<string, string> = {};
    if (input.error !== undefined) details.error = input.error;
    if (input.cause !== undefined) details.cause = input.cause;
    if (run && !run.finished) {
      run.scope.cancel();
      run.pending = [];
      await run.chain;
      const stopDate = this.execNow(run);
      this.emitRaw(run, run.eventCount, 'ExecutionAborted', details);
      await this.finish(run, { status: 'ABORTED', stopDate, ...details });
      return { stopDate: new Date(stopDate) };
    }
    // not loaded (engine not driving it): write directly
    const stopDate = this.execNow(rec);
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
    this.checkArn(executionArn, 'execution');
    const run = this.runs.get(executionArn);
    if (run && !run.finished) {
      return {
        executionArn,
        stateMachineArn: run.smArn,
        name: run.name,
        status: 'RUNNING',
        startDate: new Date(run.startDate),
        input: run.input,
        currentStates: [...run.current.keys()],
      };
    }
    const parked = this.parked.get(executionArn);
    if (parked) {
      const name = executionArn.slice(executionArn.lastIndexOf(':') + 1);
      const stateMachineArn = executionArn.slice(0, executionArn.lastIndexOf(':')).replace(':execution:', ':stateMachine:');
      return { executionArn, stateMachineArn, name, status: 'RUNNING', startDate: new Date(parked.startDate), input: parked.input, currentStates: [parked.state] };
    }
    const done = this.finishedCache.get(executionArn);
    if (done) return { ...done };
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
    if (rec.status === 'RUNNING') {
      const run = this.runs.get(executionArn);
      d.currentStates = run ? [...run.current.keys()] : rec.cursor ? [rec.cursor.s] : [];
    }
    return d;
  }

  async listExecutions(input: { stateMachineArn: string; statusFilter?: ExecutionStatus; maxResults?: number; nextToken?: string }): Promise<Page<ExecutionSummary>> {
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
      maxResults: this.maxResults(input.maxResults),
      nextToken: input.nextToken ? this.decodeToken(input.nextToken) : undefined,
    });
    return {
      items: page.items.map((r) => {
        const s: ExecutionSummary = { executionArn: r.executionArn, stateMachineArn: r.stateMachineArn, name: r.name, status: r.status, startDate: new Date(r.startDate) };
        if (r.stopDate !== undefined) s.stopDate = new Date(r.stopDate);
        return s;
      }),
      ...(page.nextToken ? { nextToken: encodeToken(page.nextToken) } : {}),
    };
  }

  async getExecutionHistory(input: { executionArn: string; maxResults?: number; nextToken?: string; reverseOrder?: boolean; includeExecutionData?: boolean }): Promise<Page<HistoryEvent>> {
    await this.ready();
    this.checkArn(input.executionArn, 'execution');
    const rec = await this.store.getExecution(input.executionArn);
    if (!rec) throw new EngineError('ExecutionDoesNotExist', `Execution Does Not Exist: '${input.executionArn}'`);
    let events = await this.store.getHistory(input.executionArn);
    if (input.reverseOrder) events = [...events].reverse();
    const max = this.maxResults(input.maxResults);
    let start = 0;
    if (input.nextToken) {
      const n = Number(this.decodeToken(input.nextToken));
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
      const run = this.runs.get(executionArn);
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

  private newToken(run: Run): string {
    return `${encodeToken(run.arn)}.${randomBytes(24).toString('base64url')}`;
  }

  private async closedOrInvalid(taskToken: string): Promise<never> {
    if (typeof taskToken !== 'string' || taskToken.length === 0 || taskToken.length > 1024) throw new EngineError('InvalidToken', 'Invalid token');
    const dot = taskToken.indexOf('.');
    if (dot > 0) {
      const arn = Buffer.from(taskToken.slice(0, dot), 'base64url').toString('utf8');
      if (/^arn:aws[a-z-]*:states:[a-z0-9-]+:\d{12}:execution:[^:]+:[^:]+$/.test(arn)) {
        // a token of this engine's shape: closed task (TaskTimedOut, as AWS answers for finished tasks) or no such execution
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
    const entry = await this.takeToken(input.taskToken);
    if (!entry) return this.closedOrInvalid(input.taskToken);
    // answer once the task's result is stored (or the run ends / stops)
    const stored = this.nextDurableCommit(entry.run);
    entry.resolve(output);
    await stored;
  }

  async sendTaskFailure(input: { taskToken: string; error?: string; cause?: string }): Promise<void> {
    await this.ready();
    const entry = await this.takeToken(input.taskToken);
    if (!entry) return this.closedOrInvalid(input.taskToken);
    const stored = this.nextDurableCommit(entry.run);
    entry.reject(new StatesError(input.error ?? '', input.cause ?? ''));
    await stored;
  }

  async sendTaskHeartbeat(input: { taskToken: string }): Promise<void> {
    await this.ready();
    if (this.parkedTokens.has(input.taskToken)) return; // open, with no HeartbeatSeconds (only those park)
    const entry = this.tokens.get(input.taskToken);
    if (!entry) return this.closedOrInvalid(input.taskToken);
    entry.heartbeat();
  }

  /** Closes the open task of a token and returns it (a parked execution is loaded first); only one caller gets it. */
  private async takeToken(token: string): Promise<TokenEntry | undefined> {
    const parked = this.parkedTokens.get(token);
    if (parked) await this.wake(parked);
    const entry = this.tokens.get(token);
    this.tokens.delete(token);
    return entry;
  }

  // ---------------------------------------------------------------------------
  // parked executions (see the top of this file)

  private addParked(p: Parked, taskDue: number | undefined, timeoutSeconds: number | undefined): void {
    const dues = [taskDue, timeoutSeconds === undefined ? undefined : p.startDate + timeoutSeconds * 1000].filter((d): d is number => d !== undefined);
    if (dues.length > 0) {
      p.timer = this.scheduler.at(this.realAt(p, Math.min(...dues)), () => {
        this.wake(p).catch((err: unknown) => console.error(`engine: cannot resume ${p.arn}: ${(err as Error).message}`));
      });
    }
    this.parked.set(p.arn, p);
    this.parkedTokens.set(p.token, p);
  }

  private forgetParked(p: Parked): void {
    if (this.parked.get(p.arn) === p) this.parked.delete(p.arn);
    if (this.parkedTokens.get(p.token) === p) this.parkedTokens.delete(p.token);
    if (p.timer) this.scheduler.cancel(p.timer);
  }

  /** Takes a run waiting for its submitted callback out of memory: it unwinds (as when stopped) and is loaded again when needed. */
  private park(run: Run, token: string, state: string, taskDue: number | undefined): void {
    this.tokens.delete(token);
    let unwound!: () => void;
    const p: Parked = { arn: run.arn, token, state, startDate: run.startDate, input: run.input, unwound: new Promise<void>((done) => (unwound = done)) };
    run.parked = unwound;
    this.addParked(p, taskDue, run.def.timeoutSeconds);
    run.scope.cancel();
  }

  /** Loads a parked execution from the store and runs it (its task waits again for the same token). */
  private wake(p: Parked): Promise<void> {
    p.waking ??= (async () => {
      await p.unwound;
      const rec = await this.store.getExecution(p.arn);
      const def = rec?.cursor ? await this.loadDefinition(rec.definitionId) : undefined;
      if (this.parked.get(p.arn) !== p) return; // stopped meanwhile
      this.forgetParked(p);
      if (!rec?.cursor || !def || rec.status !== 'RUNNING' || this.runs.has(p.arn)) return;
      const run = this.newRun(rec, def, rec.cursor);
      this.runs.set(run.arn, run);
      this.launch(run);
    })().catch((err: unknown) => {
      p.waking = undefined; // a failed store read: the next answer or deadline tries again
      throw err;
    });
    return p.waking;
  }

  // ---------------------------------------------------------------------------
  // runs

  private newRun(rec: ExecutionRecord, def: CompiledDefinition, cursor: Cursor): Run {
    const smName = rec.stateMachineArn.slice(rec.stateMachineArn.lastIndexOf(':') + 1);
    return {
      arn: rec.executionArn,
      name: rec.name,
      smArn: rec.stateMachineArn,
      smName,
      startDate: rec.startDate,
      input: rec.input,
      roleArn: rec.roleArn,
      definitionId: rec.definitionId,
      def,
      cursor,
      eventCount: rec.eventCount,
      pending: [],
      scope: new Scope(),
      chain: Promise.resolve(),
      current: new Map(),
      finished: false,
      waiters: [],
      commitWaiters: [],
    };
  }

  private launch(run: Run): void {
    if (run.def.timeoutSeconds !== undefined) {
      const due = run.startDate + run.def.timeoutSeconds * 1000;
      const t = this.scheduler.at(this.realAt(run, due), () => void this.timeOut(run));
      run.scope.onCancel(() => this.scheduler.cancel(t));
    }
    void this.drive(run);
  }

  private async timeOut(run: Run): Promise<void> {
    if (run.finished || run.scope.cancelled) return;
    run.scope.cancel();
    run.pending = [];
    try {
      await run.chain;
      const now = this.execNow(run);
      this.emitRaw(run, run.eventCount, 'ExecutionTimedOut', { error: 'States.Timeout' });
      await this.finish(run, { status: 'TIMED_OUT', stopDate: now });
    } catch (err) {
      console.error(`engine: could not record the timeout of ${run.arn}:`, (err as Error).message);
    }
  }

  private async drive(run: Run): Promise<void> {
    const c = run.cursor;
    const frame: Frame = { run, scope: run.scope, top: true, vars: c.v, prev: c.pe, enteredId: c.ei };
    try {
      const output = await this.runMachine(frame, run.def.machine, c.s, c.in, c.p ? c : undefined);
      const text = JSON.stringify(output);
      this.emit(frame, 'ExecutionSucceeded', { output: text, outputDetails: { truncated: false } });
      await this.finish(run, { status: 'SUCCEEDED', stopDate: this.execNow(run), output: text });
    } catch (err) {
      if (run.parked) {
        if (this.runs.get(run.arn) === run) this.runs.delete(run.arn);
        const ws = run.waiters;
        run.waiters = [];
        for (const w of ws) w();
        run.parked();
        return;
      }
      if (err instanceof Halt || run.scope.cancelled) return;
      const se = toStatesError(err);
      const details: Record<string, string> = {};
      if (se.error) details.error = se.error;
      if (se.cause_) details.cause = se.cause_;
      try {
        this.emit(frame, 'ExecutionFailed', details);
        await this.finish(run, { status: 'FAILED', stopDate: this.execNow(run), ...details });
      } catch (e2) {
        if (!(e2 instanceof Halt)) console.error(`engine: could not record the failure of ${run.arn}:`, (e2 as Error).message);
      }
    }
  }

  private async finish(run: Run, final: { status: ExecutionStatus; stopDate: number; output?: string; error?: string; cause?: string }): Promise<void> {
    run.finished = true;
    run.scope.cancel();
    const events = run.pending;
    run.pending = [];
    const head: ExecutionRecord = {
      executionArn: run.arn,
      stateMachineArn: run.smArn,
      name: run.name,
      status: final.status,
      input: run.input,
      startDate: run.startDate,
      definitionId: run.definitionId,
      roleArn: run.roleArn,
      eventCount: run.eventCount,
    };
    const p = this.store.commit(run.arn, { events, eventCount: run.eventCount, cursor: run.cursor, final, head });
    const all = Promise.all([run.chain, p]).then(() => undefined);
    run.chain = all.catch(() => undefined);
    try {
      await all;
      const d: ExecutionDescription = {
        executionArn: run.arn,
        stateMachineArn: run.smArn,
        name: run.name,
        status: final.status,
        startDate: new Date(run.startDate),
        stopDate: new Date(final.stopDate),
        input: run.input,
      };
      if (final.output !== undefined) d.output = final.output;
      if (final.error !== undefined) d.error = final.error;
      if (final.cause !== undefined) d.cause = final.cause;
      this.finishedCache.set(run.arn, d);
      if (this.finishedCache.size > 2000) this.finishedCache.delete(this.finishedCache.keys().next().value!);
    } finally {
      if (this.runs.get(run.arn) === run) this.runs.delete(run.arn);
      this.notifyCommitted(run);
      const ws = run.waiters;
      run.waiters = [];
      for (const w of ws) w();
    }
  }

  /** Appends an event on a frame's path. */
  private emit(frame: Frame, type: string, details?: Record<string, unknown>): void {
    frame.scope.check();
    frame.prev = this.emitRaw(frame.run, frame.prev, type, details);
  }

  private emitRaw(run: Run, prev: number, type: string, details?: Record<string, unknown>): number {
    const id = ++run.eventCount;
    const ev: StoredEvent = { id, previousEventId: prev, timestamp: this.execNow(run), type };
    if (details) ev[detailsKey(type)] = details;
    run.pending.push(ev);
    return id;
  }

  /**
   * Hands the pending events (and, on the top-level path, the new cursor) to
   * the store, which applies commits in call order. With `durable` (the
   * default) it waits until this and every earlier write of the run is
   * stored: states call it before anything outside the engine can see their
   * effect (a task invocation, a timer, the end). Transitions between pure
   * states (Pass, Choice) are not awaited one by one, so the DynamoDB store
   * can group them into one write.
   */
  private async commit(frame: Frame, cursor?: Cursor, durable = true): Promise<void> {
    const run = frame.run;
    frame.scope.check();
    const events = run.pending;
    run.pending = [];
    const c = frame.top ? cursor : undefined;
    if (c) run.cursor = c;
    if (events.length || c) {
      const p = this.store.commit(run.arn, { events, eventCount: run.eventCount, cursor: c ?? run.cursor });
      p.catch((err: unknown) => {
        run.writeError ??= err;
      });
      const all = Promise.all([run.chain, p]).then(() => undefined);
      run.chain = all.catch(() => undefined);
    }
    if (durable) {
      await run.chain;
      if (run.writeError) throw run.writeError;
      this.notifyCommitted(run);
      frame.scope.check();
    }
  }

  private nextDurableCommit(run: Run): Promise<void> {
    if (run.finished || run.scope.cancelled) return run.chain;
    return new Promise<void>((resolve) => run.commitWaiters.push(resolve));
  }

  private notifyCommitted(run: Run): void {
    const ws = run.commitWaiters;
    run.commitWaiters = [];
    for (const w of ws) w();
  }

  private cursorAt(frame: Frame, s: string, input: Json, at: number, extra?: Partial<Cursor>): Cursor {
    const c: Cursor = { s, in: input, v: frame.vars, at, pe: frame.prev, ...extra };
    if (extra && frame.enteredId !== undefined) c.ei = frame.enteredId;
    return c;
  }

  // ---------------------------------------------------------------------------
  // interpreter

  private async runMachine(frame: Frame, machine: Machine, startName: string, input: Json, resume: Cursor | undefined): Promise<Json> {
    let name = startName;
    let inp = input;
    let res = resume;
    for (;;) {
      // a resumed state keeps its original entry time; a state entered now starts now (Wait counts from here)
      const at = res?.at ?? this.execNow(frame.run);
      const state = machine.states.get(name);
      if (!state) throw new StatesError('States.Runtime', `state ${name} does not exist`);
      const run = frame.run;
      run.current.set(name, (run.current.get(name) ?? 0) + 1);
      let outcome: Outcome;
      try {
        outcome = await this.runState(frame, state, inp, at, res);
      } catch (err) {
        // a sibling branch failed: this branch is cut short (not when the whole run stops)
        if (err instanceof Halt && !frame.top && frame.scope.cancelled && !run.scope.cancelled) {
          frame.prev = this.emitRaw(run, frame.prev, `${state.type}StateAborted`);
        }
        throw this.qualify(err, frame, state);
      } finally {
        const n = (run.current.get(name) ?? 1) - 1;
        if (n <= 0) run.current.delete(name);
        else run.current.set(name, n);
      }
      res = undefined;
      if (outcome.next === undefined) return outcome.output;
      name = outcome.next;
      inp = outcome.output;
      // Pass and Choice only move data inside the engine: their transitions are stored in order but not awaited one by one
      await this.commit(frame, this.cursorAt(frame, name, inp, this.execNow(frame.run)), !(state.type === 'Pass' || state.type === 'Choice'));
    }
  }

  private bindings(frame: Frame, stateName: string, input: Json, enteredAt: number, extra: StateExtras = {}): Bindings {
    const run = frame.run;
    if (!run.ctxExecution) {
      run.ctxExecution = {
        Id: run.arn,
        Name: run.name,
        StartTime: iso(run.startDate),
        Input: JSON.parse(run.input) as Json,
        RoleArn: run.roleArn,
        RedriveCount: 0,
      };
    }
    const context: Record<string, unknown> = {
      Execution: run.ctxExecution,
      State: { Name: stateName, EnteredTime: iso(enteredAt), RetryCount: extra.retryCount ?? 0 },
      StateMachine: { Id: run.smArn, Name: run.smName },
    };
    if (extra.token !== undefined) context.Task = { Token: extra.token };
    if (frame.mapItem) context.Map = { Item: frame.mapItem };
    const states: Record<string, unknown> = { input, context };
    if (extra.result !== undefined) states.result = extra.result;
    if (extra.errorOutput !== undefined) states.errorOutput = extra.errorOutput;
    // $now() and $millis() read the engine clock in execution time (so they follow timeScale and an injected clock)
    const t = this.execNow(run);
    const clock = { millis: () => t, now: (picture?: string, timezone?: string) => (picture === undefined && timezone === undefined ? iso(t) : formatMillis(t, picture, timezone)) };
    return frame.outer ? { ...clock, ...frame.outer, ...frame.vars, states } : { ...clock, ...frame.vars, states };
  }

  private async evalAssign(t: Template | undefined, b: Bindings): Promise<Record<string, Json> | undefined> {
    if (!t) return undefined;
    return (await evaluateTemplate(t, b)) as Record<string, Json>;
  }

  private exited(frame: Frame, state: State, output: Json, assigned: Record<string, Json> | undefined): void {
    const details: Record<string, unknown> = { name: state.name, output: JSON.stringify(output), outputDetails: { truncated: false } };
    if (assigned) {
      const av: Record<string, string> = {};
      for (const [k, v] of Object.entries(assigned)) av[k] = JSON.stringify(v);
      details.assignedVariables = av;
      details.assignedVariablesDetails = { truncated: false };
      frame.vars = { ...frame.vars, ...assigned };
    }
    this.emit(frame, `${state.type}StateExited`, details);
  }

  private entered(frame: Frame, state: State, input: Json): void {
    this.emit(frame, `${state.type}StateEntered`, { name: state.name, input: JSON.stringify(input), inputDetails: { truncated: false } });
    frame.enteredId = frame.prev;
  }

  /** AWS prefixes the cause of errors raised by the engine itself with the state and its entry event. */
  private qualify(err: unknown, frame: Frame, state: State): unknown {
    if (!(err instanceof StatesError) || err.error !== 'States.QueryEvaluationError' || err.cause_.startsWith('An error occurred while executing the state')) return err;
    return new StatesError(err.error, `An error occurred while executing the state '${state.name}' (entered at the event id #${frame.enteredId ?? 0}). ${err.cause_}`);
  }

  private runState(frame: Frame, state: State, input: Json, at: number, res: Cursor | undefined): Promise<Outcome> {
    switch (state.type) {
      case 'Pass':
        return this.runPass(frame, state, input, at);
      case 'Choice':
        return this.runChoice(frame, state, input, at);
      case 'Wait':
        return this.runWait(frame, state, input, at, res);
      case 'Succeed':
        return this.runSucceed(frame, state, input, at);
      case 'Fail':
        return this.runFail(frame, state, input, at);
      case 'Task':
      case 'Parallel':
      case 'Map':
        return this.runRetryable(frame, state, input, at, res);
    }
  }

  private async runPass(frame: Frame, state: PassState, input: Json, at: number): Promise<Outcome> {
    this.entered(frame, state, input);
    const b = this.bindings(frame, state.name, input, at);
    const assigned = await this.evalAssign(state.assign, b);
    const output = state.output ? await evaluateTemplate(state.output, b) : input;
    this.exited(frame, state, output, assigned);
    return { next: state.next, output };
  }

  private async runSucceed(frame: Frame, state: SucceedState, input: Json, at: number): Promise<Outcome> {
    this.entered(frame, state, input);
    const output = state.output ? await evaluateTemplate(state.output, this.bindings(frame, state.name, input, at)) : input;
    this.exited(frame, state, output, undefined);
    return { output };
  }

  private async runFail(frame: Frame, state: FailState, input: Json, at: number): Promise<Outcome> {
    this.entered(frame, state, input);
    const b = this.bindings(frame, state.name, input, at);
    const str = async (v: FailState['error'], field: string): Promise<string> => {
      if (!v) return '';
      if ('s' in v) return v.s;
      const r = await evaluateExpression(v.e, b);
      if (typeof r !== 'string') throw new StatesError('States.QueryEvaluationError', `The value of the field '${field}' must be a string, got ${JSON.stringify(r)}`);
      return r;
    };
    const error = await str(state.error, 'Error');
    const cause = await str(state.cause, 'Cause');
    throw new StatesError(error, cause);
  }

  private async runChoice(frame: Frame, state: ChoiceState, input: Json, at: number): Promise<Outcome> {
    this.entered(frame, state, input);
    const b = this.bindings(frame, state.name, input, at);
    for (const rule of state.choices) {
      const v = await evaluateExpression(rule.condition, b);
      if (typeof v !== 'boolean') {
        throw new StatesError('States.QueryEvaluationError', `The Condition '${rule.condition.source}' of state '${state.name}' must evaluate to a boolean, got ${JSON.stringify(v)}`);
      }
      if (v) {
        const assigned = await this.evalAssign(rule.assign ?? state.assign, b);
        const out = rule.output ?? state.output;
        const output = out ? await evaluateTemplate(out, b) : input;
        this.exited(frame, state, output, assigned);
        return { next: rule.next, output };
      }
    }
    if (state.default === undefined) throw new StatesError('States.NoChoiceMatched', `No Matches! (state '${state.name}')`);
    const assigned = await this.evalAssign(state.assign, b);
    const output = state.output ? await evaluateTemplate(state.output, b) : input;
    this.exited(frame, state, output, assigned);
    return { next: state.default, output };
  }

  private async number(v: NumOrExpr, b: Bindings, field: string, min: number): Promise<number> {
    if ('n' in v) return v.n;
    const r = await evaluateExpression(v.e, b);
    if (typeof r !== 'number' || !Number.isInteger(r) || r < min) {
      throw new StatesError('States.QueryEvaluationError', `The JSONata expression '${v.e.source}' specified for the field '${field}' must return an integer >= ${min}, got ${JSON.stringify(r)}`);
    }
    return r;
  }

  private async runWait(frame: Frame, state: WaitState, input: Json, at: number, res: Cursor | undefined): Promise<Outcome> {
    let due: number;
    if (res?.p === 'wait' && res.due !== undefined) due = res.due;
    else {
      this.entered(frame, state, input);
      // AWS counts Seconds from the WaitStateEntered event: a first state's `at` is the execution's start, earlier than that
      const enteredAt = Math.max(at, frame.run.pending.at(-1)?.timestamp ?? at);
      const b = this.bindings(frame, state.name, input, at);
      if (state.seconds) due = enteredAt + (await this.number(state.seconds, b, 'Seconds', 0)) * 1000;
      else {
        const ts = state.timestamp!;
        const text = 's' in ts ? ts.s : await evaluateExpression(ts.e, b);
        const t = typeof text === 'string' ? Date.parse(text) : NaN;
        if (Number.isNaN(t)) throw new StatesError('States.QueryEvaluationError', `The value of the field 'Timestamp' must be an ISO-8601 timestamp, got ${JSON.stringify(text)}`);
        due = t;
      }
      await this.commit(frame, this.cursorAt(frame, state.name, input, at, { p: 'wait', due }));
    }
    await this.sleepUntil(frame.run, frame.scope, due);
    const b = this.bindings(frame, state.name, input, at);
    const assigned = await this.evalAssign(state.assign, b);
    const output = state.output ? await evaluateTemplate(state.output, b) : input;
    this.exited(frame, state, output, assigned);
    return { next: state.next, output };
  }

  private async runRetryable(frame: Frame, state: TaskState | ParallelState | MapState, input: Json, at: number, res: Cursor | undefined): Promise<Outcome> {
    let rc = res?.rc ? [...res.rc] : state.retry.map(() => 0);
    let resume = res;
    if (!resume) this.entered(frame, state, input);
    for (;;) {
      try {
        if (resume?.p === 'retry' && resume.due !== undefined) {
          await this.sleepUntil(frame.run, frame.scope, resume.due);
          resume = undefined;
        }
        const retryCount = rc.reduce((a, b) => a + b, 0);
        let result: Json;
        if (state.type === 'Task') result = await this.taskAttempt(frame, state, input, at, resume, rc, retryCount);
        else if (state.type === 'Parallel') result = await this.parallelAttempt(frame, state, input, at, rc, retryCount);
        else result = await this.mapAttempt(frame, state, input, at, rc, retryCount);
        resume = undefined;
        const b = this.bindings(frame, state.name, input, at, { result, retryCount });
        const assigned = await this.evalAssign(state.assign, b);
        const output = state.output ? await evaluateTemplate(state.output, b) : result;
        this.exited(frame, state, output, assigned);
        return { next: state.next, output };
      } catch (err) {
        if (err instanceof Halt) throw err;
        frame.scope.check();
        resume = undefined;
        const se = toStatesError(this.qualify(err, frame, state));
        if (se.error === 'States.Runtime') throw se;
        const ri = state.retry.findIndex((r) => errorMatches(r.errorEquals, se.error, true, se.alsoMatches));
        const r = ri >= 0 ? state.retry[ri] : undefined;
        if (r && rc[ri]! < r.maxAttempts) {
          let delay = r.intervalSeconds * Math.pow(r.backoffRate, rc[ri]!);
          if (r.maxDelaySeconds !== undefined) delay = Math.min(delay, r.maxDelaySeconds);
          if (r.jitter === 'FULL') delay = Math.random() * delay;
          rc = [...rc];
          rc[ri] = rc[ri]! + 1;
          const due = this.execNow(frame.run) + Math.round(delay * 1000);
          await this.commit(frame, this.cursorAt(frame, state.name, input, at, { p: 'retry', due, rc }));
          await this.sleepUntil(frame.run, frame.scope, due);
          continue;
        }
        const catcher = state.catch.find((c) => errorMatches(c.errorEquals, se.error, true, se.alsoMatches));
        if (!catcher) throw se;
        return this.caught(frame, state, input, at, catcher, se);
      }
    }
  }

  private async caught(frame: Frame, state: State, input: Json, at: number, catcher: Catcher, se: StatesError): Promise<Outcome> {
    const errorOutput: Json = { Error: se.error, Cause: se.cause_ };
    const b = this.bindings(frame, state.name, input, at, { errorOutput });
    const assigned = await this.evalAssign(catcher.assign, b);
    const output = catcher.output ? await evaluateTemplate(catcher.output, b) : errorOutput;
    this.exited(frame, state, output, assigned);
    return { next: catcher.next, output };
  }

  private async taskAttempt(frame: Frame, state: TaskState, input: Json, at: number, resume: Cursor | undefined, rc: number[], retryCount: number): Promise<Json> {
    const run = frame.run;
    const { resourceType, resource } = resourceParts(state);
    const bare = state.res.kind === 'lambdaArn';
    const waitForToken = state.res.kind === 'lambdaInvoke' && state.res.waitForToken;
    let token: string | undefined;
    let args: Json;
    let to: number | undefined;
    let hb: number | undefined;
    let submitted = false;
    if (resume?.p === 'task') {
      token = resume.tk;
      args = resume.args ?? null;
      to = resume.to;
      hb = resume.hb;
      submitted = resume.sub === 1;
    } else {
      if (waitForToken) token = this.newToken(run);
      const b = this.bindings(frame, state.name, input, at, { token, retryCount });
      args = state.arguments ? await evaluateTemplate(state.arguments, b) : input;
      const timeoutSeconds = state.timeoutSeconds ? await this.number(state.timeoutSeconds, b, 'TimeoutSeconds', 1) : undefined;
      hb = state.heartbeatSeconds ? await this.number(state.heartbeatSeconds, b, 'HeartbeatSeconds', 1) : undefined;
      const now = this.execNow(run);
      to = timeoutSeconds !== undefined ? now + timeoutSeconds * 1000 : undefined;
      if (bare) {
        const d: Record<string, unknown> = { resource: state.resource, input: JSON.stringify(args), inputDetails: { truncated: false } };
        if (timeoutSeconds !== undefined) d.timeoutInSeconds = timeoutSeconds;
        this.emit(frame, 'LambdaFunctionScheduled', d);
        this.emit(frame, 'LambdaFunctionStarted');
      } else {
        const d: Record<string, unknown> = { resourceType, resource, region: this.region, parameters: JSON.stringify(args) };
        if (timeoutSeconds !== undefined) d.timeoutInSeconds = timeoutSeconds;
        if (hb !== undefined) d.heartbeatInSeconds = hb;
        this.emit(frame, 'TaskScheduled', d);
        this.emit(frame, 'TaskStarted', { resourceType, resource });
      }
      const extra: Partial<Cursor> = { p: 'task', rc, args };
      if (token !== undefined) extra.tk = token;
      if (to !== undefined) extra.to = to;
      if (hb !== undefined) extra.hb = hb;
      await this.commit(frame, this.cursorAt(frame, state.name, input, at, extra));
    }
    const ts = frame.scope.child();
    let result: Json;
    try {
      const racers: Promise<Json>[] = [];
      if (to !== undefined) {
        racers.push(
          this.sleepUntil(run, ts, to).then(() => {
            throw new StatesError('States.Timeout', '');
          }),
        );
      }
      let heartbeat: (() => void) | undefined;
      if (hb !== undefined && waitForToken) {
        const hbMs = hb * 1000;
        let rejectHb: ((e: StatesError) => void) | undefined;
        const hbPromise = new Promise<Json>((_, reject) => (rejectHb = reject));
        let timer = this.scheduler.at(this.realAt(run, this.execNow(run) + hbMs), () => rejectHb?.(new StatesError('States.Timeout', '', ['States.HeartbeatTimeout'])));
        ts.onCancel(() => this.scheduler.cancel(timer));
        heartbeat = () => {
          this.scheduler.cancel(timer);
          timer = this.scheduler.at(this.realAt(run, this.execNow(run) + hbMs), () => rejectHb?.(new StatesError('States.Timeout', '', ['States.HeartbeatTimeout'])));
        };
        racers.push(hbPromise);
      }
      racers.push(new Promise<Json>((_, reject) => ts.onCancel(() => reject(new Halt()))));
      racers.push(this.invokeTask(frame, ts, state, args, token, to, submitted, heartbeat, input, at, rc, hb));
      result = await Promise.race(racers);
    } catch (err) {
      if (err instanceof Halt || frame.scope.cancelled) throw err instanceof Halt ? err : new Halt();
      const se = toStatesError(err);
      const timedOut = se.error === 'States.Timeout' || se.error === 'States.HeartbeatTimeout';
      const d: Record<string, unknown> = {};
      if (!bare) Object.assign(d, { resourceType, resource });
      if (se.error) d.error = se.error;
      if (se.cause_) d.cause = se.cause_;
      this.emit(frame, bare ? (timedOut ? 'LambdaFunctionTimedOut' : 'LambdaFunctionFailed') : timedOut ? 'TaskTimedOut' : 'TaskFailed', d);
      throw se;
    } finally {
      ts.cancel();
      if (token !== undefined) this.tokens.delete(token);
    }
    frame.scope.check();
    const out = JSON.stringify(result);
    if (out.length > MAX_PAYLOAD && Buffer.byteLength(out, 'utf8') > MAX_PAYLOAD) {
      throw new StatesError('States.DataLimitExceeded', `The state/task '${state.name}' returned a result with a size exceeding the maximum number of bytes service limit.`);
    }
    if (bare) this.emit(frame, 'LambdaFunctionSucceeded', { output: out, outputDetails: { truncated: false } });
    else this.emit(frame, 'TaskSucceeded', { resourceType, resource, output: out, outputDetails: { truncated: false } });
    return result;
  }

  private async invokeTask(
    frame: Frame,
    ts: Scope,
    state: TaskState,
    args: Json,
    token: string | undefined,
    to: number | undefined,
    submitted: boolean,
    heartbeat: (() => void) | undefined,
    input: Json,
    at: number,
    rc: number[],
    hbSeconds: number | undefined,
  ): Promise<Json> {
    const run = frame.run;
    const deadlineReal = to !== undefined ? this.realAt(run, to) : undefined;
    const now = () => this.clock.now();
    switch (state.res.kind) {
      case 'dynamodb':
        return dynamodbTask(this.dynamodb, state.res.action, args);
      case 'lambdaArn': {
        const target = resolveLambda(this.lambdas, state.res.arn, this.region, this.accountId);
        if (!target) throw lambdaNotFound(state.res.arn, this.region, this.accountId);
        return invokeHandler(target, args, deadlineReal, now);
      }
      case 'lambdaInvoke': {
        const a = (args ?? {}) as Record<string, Json>;
        if (typeof a !== 'object' || Array.isArray(a)) throw new StatesError('States.Runtime', 'The Arguments of a lambda:invoke task must be an object');
        const target = resolveLambda(this.lambdas, a.FunctionName, this.region, this.accountId);
        if (!state.res.waitForToken) {
          if (!target) throw lambdaNotFound(a.FunctionName, this.region, this.accountId);
          const payload = await invokeHandler(target, a.Payload === undefined ? {} : a.Payload, deadlineReal, now);
          return lambdaInvokeResult(payload);
        }
        // callback pattern: register the token first (the handler may answer before it returns)
        const tok = token!;
        const callback = new Promise<Json>((resolve, reject) => {
          this.tokens.set(tok, { run, resolve, reject, heartbeat: heartbeat ?? (() => undefined) });
        });
        ts.onCancel(() => this.tokens.delete(tok));
        if (!submitted) {
          if (!target) throw lambdaNotFound(a.FunctionName, this.region, this.accountId);
          // The handler may answer (SendTaskSuccess/Failure) and even wait for that answer before it returns:
          // the task completes with the first of the callback or a failure of the handler.
          let answered = false;
          const answer = callback.finally(() => {
            answered = true;
          });
          const submit = (async () => {
            const payload = await invokeHandler(target, a.Payload === undefined ? {} : a.Payload, deadlineReal, now);
            if (answered || ts.cancelled || !this.tokens.has(tok)) return;
            const { resourceType, resource } = resourceParts(state);
            this.emit(frame, 'TaskSubmitted', { resourceType, resource, output: JSON.stringify(lambdaInvokeResult(payload)), outputDetails: { truncated: false } });
            const extra: Partial<Cursor> = { p: 'task', rc, args, tk: tok, sub: 1 };
            if (to !== undefined) extra.to = to;
            if (hbSeconds !== undefined) extra.hb = hbSeconds;
            await this.commit(frame, this.cursorAt(frame, state.name, input, at, extra));
            // stored: now only the answer moves it on (a heartbeat would need the run's timer)
            if (frame.top && hbSeconds === undefined && !ts.cancelled && this.tokens.has(tok)) this.park(run, tok, state.name, to);
          })();
          return Promise.race([answer, submit.then(() => answer)]);
        }
        return callback;
      }
    }
  }

  private async parallelAttempt(frame: Frame, state: ParallelState, input: Json, at: number, rc: number[], retryCount: number): Promise<Json> {
    this.emit(frame, 'ParallelStateStarted');
    await this.commit(frame, this.cursorAt(frame, state.name, input, at, { p: 'branches', rc }));
    const b = this.bindings(frame, state.name, input, at, { retryCount });
    const branchInput = state.arguments ? await evaluateTemplate(state.arguments, b) : input;
    const scope = frame.scope.child();
    const outer = frame.outer ? { ...frame.outer, ...frame.vars } : frame.vars;
    const branches = state.branches.map(async (m) => {
      const f: Frame = { run: frame.run, scope, top: false, vars: {}, outer, prev: frame.prev };
      const out = await this.runMachine(f, m, m.startAt, branchInput, undefined);
      await this.commit(f);
      return out;
    });
    try {
      const results = await Promise.all(branches);
      this.emit(frame, 'ParallelStateSucceeded');
      return results;
    } catch (err) {
      scope.cancel();
      await Promise.allSettled(branches);
      if (err instanceof Halt || frame.scope.cancelled) throw err instanceof Halt ? err : new Halt();
      this.emit(frame, 'ParallelStateFailed');
      throw err;
    }
  }

  private async mapAttempt(frame: Frame, state: MapState, input: Json, at: number, rc: number[], retryCount: number): Promise<Json> {
    const b = this.bindings(frame, state.name, input, at, { retryCount });
    const items = state.items ? await evaluateTemplate(state.items, b) : input;
    if (!Array.isArray(items)) {
      throw new StatesError('States.QueryEvaluationError', `The Items of Map state '${state.name}' must be a JSON array, got ${items === null ? 'null' : typeof items}`);
    }
    const maxConcurrency = state.maxConcurrency ? await this.number(state.maxConcurrency, b, 'MaxConcurrency', 0) : 0;
    this.emit(frame, 'MapStateStarted', { length: items.length });
    await this.commit(frame, this.cursorAt(frame, state.name, input, at, { p: 'branches', rc }));
    const scope = frame.scope.child();
    const outer = frame.outer ? { ...frame.outer, ...frame.vars } : frame.vars;
    const results: Json[] = new Array<Json>(items.length).fill(null);
    let nextIndex = 0;
    const worker = async (): Promise<void> => {
      while (nextIndex < items.length) {
        const i = nextIndex++;
        const value = items[i]!;
        const f: Frame = { run: frame.run, scope, top: false, vars: {}, outer, prev: frame.prev, mapItem: { Index: i, Value: value } };
        this.emit(f, 'MapIterationStarted', { name: state.name, index: i });
        let iterFrame: Frame | undefined;
        try {
          let itemInput: Json = value;
          if (state.itemSelector) itemInput = await evaluateTemplate(state.itemSelector, this.bindings(f, state.name, input, at, { retryCount }));
          iterFrame = { ...f, mapItem: undefined };
          results[i] = await this.runMachine(iterFrame, state.processor, state.processor.startAt, itemInput, undefined);
          f.prev = iterFrame.prev;
          this.emit(f, 'MapIterationSucceeded', { name: state.name, index: i });
          await this.commit(f);
        } catch (err) {
          if (iterFrame) f.prev = iterFrame.prev;
          if (!(err instanceof Halt) && !scope.cancelled) {
            this.emit(f, 'MapIterationFailed', { name: state.name, index: i });
          } else if (err instanceof Halt && !frame.scope.cancelled) {
            f.prev = this.emitRaw(f.run, f.prev, 'MapIterationAborted', { name: state.name, index: i });
          }
          throw err;
        }
      }
    };
    const n = maxConcurrency === 0 ? items.length : Math.min(maxConcurrency, items.length);
    const workers = Array.from({ length: Math.max(n, 0) }, () => worker());
    try {
      await Promise.all(workers);
      this.emit(frame, 'MapStateSucceeded');
      return results;
    } catch (err) {
      scope.cancel();
      await Promise.allSettled(workers);
      if (err instanceof Halt || frame.scope.cancelled) throw err instanceof Halt ? err : new Halt();
      this.emit(frame, 'MapStateFailed');
      throw err;
    }
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
