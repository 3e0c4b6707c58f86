/**
 * One RUNNING execution in memory (`Run`), the path the interpreter walks in
 * it (`Frame`), and the `Journal` that writes its steps to the store.
 *
 * A run's position is the `Cursor` persisted at every transition (see
 * store.ts), together with the history events of that transition: the top
 * level's, with the cursor of each running branch or iteration of a Map or
 * Parallel state nested in it (`kids`), at any depth. A
 * state's writes are awaited before anything outside the engine sees its
 * effect (a Lambda or DynamoDB call, a timer, the answer to SendTaskSuccess,
 * the end of the execution); the transitions out of Pass and Choice states
 * are handed to the store in order without waiting for each, so the DynamoDB
 * store can group them.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { LambdaRegistry } from './api';
import type { CompiledDefinition } from './definition';
import type { StatesError } from './errors';
import type { ExecutionTime } from './execution-time';
import type { Json } from './jsonata-eval';
import { Scope } from './scope';
import type { Cursor, ExecutionRecord, ExecutionStoreImpl, RedriveToken, StoredEvent } from './store';

export interface Run {
  arn: string;
  name: string;
  smArn: string;
  smName: string;
  startDate: number;
  input: string;
  roleArn: string;
  /** RedriveExecution: how many times, and when (execution time) the last one began. */
  redriveCount?: number;
  redriveDate?: number;
  /** The client tokens of its last redrives (kept in its record when it ends). */
  redriveTokens?: RedriveToken[];
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
  /** Set when the run parks (see runs.ts): called once it has unwound. */
  parked?: () => void;
}

/** Where the interpreter is: the top-level machine of a run, or one Parallel branch or Map iteration in it. */
export interface Frame {
  run: Run;
  scope: Scope;
  top: boolean;
  vars: Record<string, Json>;
  outer?: Record<string, Json>;
  prev: number;
  mapItem?: { Index: number; Value: Json };
  /** Id of the StateEntered event of the current state. */
  enteredId?: number;
  /** A branch or iteration: the frame of its Map/Parallel state and its index there (its cursor is `kids[index]` of that frame's). */
  parent?: { frame: Frame; index: number };
}

/** An open callback task (waitForTaskToken) of a loaded run, by its token. */
export interface TokenEntry {
  run: Run;
  resolve: (v: Json) => void;
  reject: (e: StatesError) => void;
  heartbeat: () => void;
}

/** What Task states reach: the in-process Lambdas, the DynamoDB client, and the region and account of ARNs. */
export interface TaskIntegrations {
  lambdas: LambdaRegistry;
  dynamodb: DynamoDBClient | undefined;
  region: string;
  accountId: string;
}

/** What the interpreter works with (set up by runs.ts). */
export interface InterpreterEnv extends TaskIntegrations {
  journal: Journal;
  time: ExecutionTime;
  /** Open callback tasks of loaded runs, by token. */
  tokens: Map<string, TokenEntry>;
  /** A top-level callback task was submitted and stored: the run may leave memory until its token is answered. */
  park(run: Run, token: string, state: string, taskDue: number | undefined): void;
}

/** A run loaded from an execution record, positioned at `cursor`. */
export function newRun(rec: ExecutionRecord, def: CompiledDefinition, cursor: Cursor): Run {
  const smName = rec.stateMachineArn.slice(rec.stateMachineArn.lastIndexOf(':') + 1);
  return {
    arn: rec.executionArn,
    name: rec.name,
    smArn: rec.stateMachineArn,
    smName,
    startDate: rec.startDate,
    input: rec.input,
    roleArn: rec.roleArn,
    ...(rec.redriveCount ? { redriveCount: rec.redriveCount, redriveDate: rec.redriveDate } : {}),
    ...(rec.redriveTokens ? { redriveTokens: rec.redriveTokens } : {}),
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

/** The cursor of a frame standing in state `s` (`extra`: the phase inside the state). */
export function cursorAt(frame: Frame, s: string, input: Json, at: number, extra?: Partial<Cursor>): Cursor {
  const c: Cursor = { s, in: input, v: frame.vars, at, pe: frame.prev, ...extra };
  if (extra && frame.enteredId !== undefined) c.ei = frame.enteredId;
  return c;
}

/** The cursor of a frame: the run's at the top level, else its entry in its parent's `kids` (undefined before its first one). */
export function frameCursor(frame: Frame): Cursor | undefined {
  if (frame.top) return frame.run.cursor;
  const p = frame.parent;
  return p ? frameCursor(p.frame)?.kids?.[p.index] : undefined;
}

/** Gives a frame a new cursor, rebuilding the path up to the run's (cursors handed to the store are never mutated). */
export function placeCursor(frame: Frame, cursor: Cursor): void {
  if (frame.top) {
    frame.run.cursor = cursor;
    return;
  }
  const p = frame.parent;
  if (!p) return;
  const outer = frameCursor(p.frame);
  if (outer) placeCursor(p.frame, { ...outer, kids: { ...outer.kids, [p.index]: cursor } });
}

/** Where to resume a machine from cursor `c`: undefined when its state is to be entered afresh. */
export function resumeOf(c: Cursor): Cursor | undefined {
  return c.p || c.done || c.kids ? c : undefined;
}

function detailsKey(type: string): string {
  if (type.endsWith('StateEntered')) return 'stateEnteredEventDetails';
  if (type.endsWith('StateExited')) return 'stateExitedEventDetails';
  return `${type[0]!.toLowerCase()}${type.slice(1)}EventDetails`;
}

/** Appends history events to runs and hands them, with the cursor, to the store. */
export class Journal {
  constructor(
    private readonly store: ExecutionStoreImpl,
    private readonly time: ExecutionTime,
  ) {}

  /** Appends an event on a frame's path. */
  emit(frame: Frame, type: string, details?: Record<string, unknown>): void {
    frame.scope.check();
    frame.prev = this.emitRaw(frame.run, frame.prev, type, details);
  }

  /** Appends an event after event `prev`; returns its id. */
  emitRaw(run: Run, prev: number, type: string, details?: Record<string, unknown>): number {
    const id = ++run.eventCount;
    const ev: StoredEvent = { id, previousEventId: prev, timestamp: this.time.execNow(run), type };
    if (details) ev[detailsKey(type)] = details;
    run.pending.push(ev);
    return id;
  }

  /**
   * Hands the pending events and the run's cursor (with `cursor` placed as
   * the frame's, at any depth) to the store, which applies commits in call order. With `durable` (the
   * default) it waits until this and every earlier write of the run is
   * stored: states call it before anything outside the engine can see their
   * effect (a task invocation, a timer, the end). Transitions between pure
   * states (Pass, Choice) are not awaited one by one, so the DynamoDB store
   * can group them into one write.
   */
  async commit(frame: Frame, cursor?: Cursor, durable = true): Promise<void> {
    const run = frame.run;
    frame.scope.check();
    const events = run.pending;
    run.pending = [];
    if (cursor) placeCursor(frame, cursor);
    if (events.length || cursor) {
      const p = this.store.commit(run.arn, { events, eventCount: run.eventCount, cursor: run.cursor });
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

  /** Resolves after the run's next durable commit (or its writes so far, when it has ended or stopped). */
  nextDurableCommit(run: Run): Promise<void> {
    if (run.finished || run.scope.cancelled) return run.chain;
    return new Promise<void>((resolve) => run.commitWaiters.push(resolve));
  }

  notifyCommitted(run: Run): void {
    const ws = run.commitWaiters;
    run.commitWaiters = [];
    for (const w of ws) w();
  }
}
