/**
 * The RUNNING executions this engine drives: loaded runs (interpreted in
 * memory), parked ones, their open task tokens, how a run ends (succeeded,
 * failed, timed out, aborted), and resuming every RUNNING execution of the
 * store at start.
 *
 * Resuming after a restart (start()): each run goes on from its cursor (see
 * interpreter.ts and task-state.ts for what each kind of state does then);
 * its execution TimeoutSeconds keeps its original deadline.
 *
 * Parked executions: once a top-level callback task (waitForTaskToken, no
 * HeartbeatSeconds) has been submitted, everything needed to go on is in the
 * store (its cursor), so the run leaves memory: a `Parked` entry keeps only
 * what answers DescribeExecution and routes its token, and a timer for its
 * deadline. The run is loaded again from the store, as after a restart, when
 * its token is answered, its deadline passes or it is stopped. (10,000 leads
 * waiting for a person kept about 20 KB each of suspended interpreter state.)
 */
import type { ExecutionDescription, ExecutionStatus } from './api';
import type { CompiledDefinition } from './definition';
import type { DefinitionCache } from './definition-cache';
import { toStatesError } from './errors';
import type { ExecutionTime } from './execution-time';
import { Interpreter } from './interpreter';
import { Journal, newRun, resumeOf, type Frame, type Run, type TaskIntegrations, type TokenEntry } from './run';
import type { Timer } from './scheduler';
import { Halt } from './scope';
import type { Cursor, ExecutionRecord, ExecutionStoreImpl } from './store';

/** A RUNNING execution waiting for a submitted callback, not loaded (see the top of this file). */
interface Parked {
  arn: string;
  token: string;
  /** The state it waits in. */
  state: string;
  startDate: number;
  input: string;
  redriveCount?: number;
  redriveDate?: number;
  /** Wakes it at its task deadline or its execution timeout. */
  timer?: Timer;
  /** Resolves once the run that parked has unwound (at once for one found parked at start). */
  unwound: Promise<void>;
  waking?: Promise<void>;
}

/** Open callback tasks by token; a resumed run registers its tokens again a moment after it is loaded, and `arrival` waits for that. */
class TokenTable extends Map<string, TokenEntry> {
  private arrivals = new Map<string, (() => void)[]>();

  override set(token: string, entry: TokenEntry): this {
    super.set(token, entry);
    for (const arrived of this.arrivals.get(token) ?? []) arrived();
    this.arrivals.delete(token);
    return this;
  }

  arrival(token: string): Promise<void> {
    return new Promise<void>((resolve) => this.arrivals.set(token, [...(this.arrivals.get(token) ?? []), resolve]));
  }
}

/** The task tokens in a cursor, at any depth (tasks in flight or waiting for their callback). */
function cursorTokens(c: Cursor): string[] {
  const own = c.p === 'task' && c.tk !== undefined ? [c.tk] : [];
  return [...own, ...Object.values(c.kids ?? {}).flatMap(cursorTokens)];
}

type Final = { status: ExecutionStatus; stopDate: number; output?: string; error?: string; cause?: string };

export class Runs {
  private runs = new Map<string, Run>();
  private tokens = new TokenTable();
  /** Tokens of loaded runs that are resuming, until their task opens them again (or the run ends). */
  private resuming = new Map<string, Run>();
  /** Parked executions, by execution ARN and by task token. */
  private parked = new Map<string, Parked>();
  private parkedTokens = new Map<string, Parked>();
  /** Descriptions of recently finished executions (immutable), so waiters need no store read. */
  private finishedCache = new Map<string, ExecutionDescription>();
  private readonly journal: Journal;
  private readonly interpreter: Interpreter;

  constructor(
    private readonly store: ExecutionStoreImpl,
    private readonly time: ExecutionTime,
    private readonly definitions: DefinitionCache,
    integrations: TaskIntegrations,
  ) {
    this.journal = new Journal(store, time);
    this.interpreter = new Interpreter({
      ...integrations,
      journal: this.journal,
      time,
      tokens: this.tokens,
      park: (run, token, state, taskDue) => this.park(run, token, state, taskDue),
    });
  }

  /** How many RUNNING executions are loaded (interpreted in memory) and how many are parked. */
  get loaded(): { running: number; parked: number } {
    return { running: this.runs.size, parked: this.parked.size };
  }

  // ---------------------------------------------------------------------------
  // lifecycle

  /** Arms timers (again, after stop()), prepares the store and resumes every RUNNING execution in it. */
  async start(): Promise<void> {
    this.time.start();
    await this.store.init();
    await this.store.forEachRunning(async (rec) => {
      if (this.runs.has(rec.executionArn) || !rec.cursor) return;
      let def: CompiledDefinition;
      try {
        def = await this.definitions.load(rec.definitionId);
      } catch (err) {
        console.error(`engine: cannot resume ${rec.executionArn}: ${(err as Error).message}`);
        return;
      }
      const c = rec.cursor;
      if (c.p === 'task' && c.sub === 1 && c.tk !== undefined && c.hb === undefined) {
        const redrive = rec.redriveCount ? { redriveCount: rec.redriveCount, redriveDate: rec.redriveDate } : {};
        this.addParked({ arn: rec.executionArn, token: c.tk, state: c.s, startDate: rec.startDate, input: rec.input, ...redrive, unwound: Promise.resolve() }, c.to, def.timeoutSeconds);
        return;
      }
      this.launch(rec, def, rec.cursor);
    });
  }

  /** Unwinds every loaded run and drops every timer; the executions stay RUNNING in the store. */
  async stop(): Promise<void> {
    const runs = [...this.runs.values()];
    for (const run of runs) {
      run.scope.cancel();
      this.journal.notifyCommitted(run);
    }
    this.time.stop();
    await Promise.all(runs.map((r) => r.chain));
    this.runs.clear();
    this.tokens.clear();
    this.resuming.clear();
    this.parked.clear();
    this.parkedTokens.clear();
    this.finishedCache.clear();
  }

  // ---------------------------------------------------------------------------
  // what the API reads

  loadedRun(executionArn: string): Run | undefined {
    return this.runs.get(executionArn);
  }

  parkedExecution(executionArn: string): Parked | undefined {
    return this.parked.get(executionArn);
  }

  /** The description of an execution that finished recently, if it is still cached. */
  finishedDescription(executionArn: string): ExecutionDescription | undefined {
    return this.finishedCache.get(executionArn);
  }

  // ---------------------------------------------------------------------------
  // runs

  /** Loads an execution into memory and drives it from `cursor`. */
  launch(rec: ExecutionRecord, def: CompiledDefinition, cursor: Cursor): void {
    const run = newRun(rec, def, cursor);
    this.runs.set(run.arn, run);
    const tokens = cursorTokens(cursor);
    for (const t of tokens) this.resuming.set(t, run);
    if (tokens.length > 0) run.waiters.push(() => tokens.forEach((t) => this.resuming.delete(t)));
    if (run.def.timeoutSeconds !== undefined) {
      // a redriven execution has its TimeoutSeconds again from the redrive
      const due = (run.redriveDate ?? run.startDate) + run.def.timeoutSeconds * 1000;
      const t = this.time.at(run, due, () => void this.timeOut(run));
      run.scope.onCancel(() => this.time.cancel(t));
    }
    void this.drive(run);
  }

  /** StopExecution of a loaded run: ends it ABORTED; returns the stop date (execution time). */
  async abort(run: Run, details: Record<string, string>): Promise<number> {
    run.scope.cancel();
    run.pending = [];
    await run.chain;
    const stopDate = this.time.execNow(run);
    this.journal.emitRaw(run, run.eventCount, 'ExecutionAborted', details);
    await this.finish(run, { status: 'ABORTED', stopDate, ...details });
    return stopDate;
  }

  private async timeOut(run: Run): Promise<void> {
    if (run.finished || run.scope.cancelled) return;
    run.scope.cancel();
    run.pending = [];
    try {
      await run.chain;
      const now = this.time.execNow(run);
      this.journal.emitRaw(run, run.eventCount, 'ExecutionTimedOut', { error: 'States.Timeout' });
      await this.finish(run, { status: 'TIMED_OUT', stopDate: now });
    } catch (err) {
      console.error(`engine: could not record the timeout of ${run.arn}:`, (err as Error).message);
    }
  }

  private async drive(run: Run): Promise<void> {
    const c = run.cursor;
    const frame: Frame = { run, scope: run.scope, top: true, vars: c.v, prev: c.pe, enteredId: c.ei };
    try {
      const output = await this.interpreter.runMachine(frame, run.def.machine, c.s, c.in, resumeOf(c));
      const text = JSON.stringify(output);
      this.journal.emit(frame, 'ExecutionSucceeded', { output: text, outputDetails: { truncated: false } });
      await this.finish(run, { status: 'SUCCEEDED', stopDate: this.time.execNow(run), output: text });
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
        this.journal.emit(frame, 'ExecutionFailed', details);
        await this.finish(run, { status: 'FAILED', stopDate: this.time.execNow(run), ...details });
      } catch (e2) {
        if (!(e2 instanceof Halt)) console.error(`engine: could not record the failure of ${run.arn}:`, (e2 as Error).message);
      }
    }
  }

  private async finish(run: Run, final: Final): Promise<void> {
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
    if (run.redriveCount) {
      head.redriveCount = run.redriveCount;
      head.redriveDate = run.redriveDate;
    }
    if (run.redriveTokens) head.redriveTokens = run.redriveTokens;
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
      if (run.redriveCount) {
        d.redriveCount = run.redriveCount;
        d.redriveDate = new Date(run.redriveDate!);
      }
      if (final.output !== undefined) d.output = final.output;
      if (final.error !== undefined) d.error = final.error;
      if (final.cause !== undefined) d.cause = final.cause;
      this.finishedCache.set(run.arn, d);
      if (this.finishedCache.size > 2000) this.finishedCache.delete(this.finishedCache.keys().next().value!);
    } finally {
      if (this.runs.get(run.arn) === run) this.runs.delete(run.arn);
      this.journal.notifyCommitted(run);
      const ws = run.waiters;
      run.waiters = [];
      for (const w of ws) w();
    }
  }

  // ---------------------------------------------------------------------------
  // task tokens

  /** Closes the open task of a token and returns it (a parked execution is loaded first); only one caller gets it. */
  async takeToken(token: string): Promise<TokenEntry | undefined> {
    const parked = this.parkedTokens.get(token);
    if (parked) await this.wake(parked);
    const resuming = this.resuming.get(token);
    if (resuming && !this.tokens.has(token)) await Promise.race([this.tokens.arrival(token), new Promise<void>((r) => resuming.waiters.push(r))]);
    this.resuming.delete(token);
    const entry = this.tokens.get(token);
    this.tokens.delete(token);
    return entry;
  }

  /** SendTaskHeartbeat: restarts the task's heartbeat window; false when the token is not open here. */
  heartbeat(token: string): boolean {
    if (this.parkedTokens.has(token)) return true; // open, with no HeartbeatSeconds (only those park)
    const entry = this.tokens.get(token);
    if (!entry) return false;
    entry.heartbeat();
    return true;
  }

  /** Resolves once the run's next step is stored (SendTaskSuccess/Failure answer then). */
  nextDurableCommit(run: Run): Promise<void> {
    return this.journal.nextDurableCommit(run);
  }

  // ---------------------------------------------------------------------------
  // parked executions (see the top of this file)

  /**
   * StopExecution of a parked execution: forgets it (it will not be loaded
   * again) and reads its record from the store once the run that parked has
   * unwound. Also just reads the record of an execution that is not parked.
   */
  async unparkAndRead(executionArn: string): Promise<ExecutionRecord | undefined> {
    let rec: ExecutionRecord | undefined;
    for (;;) {
      // parked (even while the store was read): stopped in the store by the caller, once the run that parked has unwound
      const parked = this.parked.get(executionArn);
      if (parked) {
        this.forgetParked(parked);
        await parked.unwound;
      }
      rec = await this.store.getExecution(executionArn);
      if (!this.parked.has(executionArn)) break;
    }
    return rec;
  }

  private addParked(p: Parked, taskDue: number | undefined, timeoutSeconds: number | undefined): void {
    const dues = [taskDue, timeoutSeconds === undefined ? undefined : (p.redriveDate ?? p.startDate) + timeoutSeconds * 1000].filter((d): d is number => d !== undefined);
    if (dues.length > 0) {
      p.timer = this.time.at(p, Math.min(...dues), () => {
        this.wake(p).catch((err: unknown) => console.error(`engine: cannot resume ${p.arn}: ${(err as Error).message}`));
      });
    }
    this.parked.set(p.arn, p);
    this.parkedTokens.set(p.token, p);
  }

  private forgetParked(p: Parked): void {
    if (this.parked.get(p.arn) === p) this.parked.delete(p.arn);
    if (this.parkedTokens.get(p.token) === p) this.parkedTokens.delete(p.token);
    if (p.timer) this.time.cancel(p.timer);
  }

  /** Takes a run waiting for its submitted callback out of memory: it unwinds (as when stopped) and is loaded again when needed. */
  private park(run: Run, token: string, state: string, taskDue: number | undefined): void {
    this.tokens.delete(token);
    let unwound!: () => void;
    const redrive = run.redriveCount ? { redriveCount: run.redriveCount, redriveDate: run.redriveDate } : {};
    const p: Parked = { arn: run.arn, token, state, startDate: run.startDate, input: run.input, ...redrive, unwound: new Promise<void>((done) => (unwound = done)) };
    run.parked = unwound;
    this.addParked(p, taskDue, run.def.timeoutSeconds);
    run.scope.cancel();
  }

  /** Loads a parked execution from the store and runs it (its task waits again for the same token). */
  private wake(p: Parked): Promise<void> {
    p.waking ??= (async () => {
      await p.unwound;
      const rec = await this.store.getExecution(p.arn);
      const def = rec?.cursor ? await this.definitions.load(rec.definitionId) : undefined;
      if (this.parked.get(p.arn) !== p) return; // stopped meanwhile
      this.forgetParked(p);
      if (!rec?.cursor || !def || rec.status !== 'RUNNING' || this.runs.has(p.arn)) return;
      this.launch(rec, def, rec.cursor);
    })().catch((err: unknown) => {
      p.waking = undefined; // a failed store read: the next answer or deadline tries again
      throw err;
    });
    return p.waking;
  }
}
