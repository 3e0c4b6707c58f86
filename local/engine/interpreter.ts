/**
 * The interpreter: walks the states of a machine on a frame (the top level
 * of a run, a Parallel branch or a Map iteration) and writes their history
 * events and cursors through the run's Journal. Pass, Choice, Wait,
 * Succeed and Fail are here, with Parallel, Map and the Retry/Catch loop of
 * Task, Parallel and Map; one Task attempt is in task-state.ts, what
 * expressions see in bindings.ts.
 *
 * Resuming from a cursor (after a restart, or a parked run loaded again): a
 * Wait or a Retry back-off fires at its original time; a task goes on as
 * task-state.ts describes. A Map or Parallel state, at any depth,
 * checkpoints each finished iteration or branch: its result goes into the
 * state's cursor (`done`), written with the child's last events; each
 * unfinished child has its own cursor in `kids`, moved at its transitions as
 * the top level's is. On resume only the unfinished children run again, each
 * from where it stood (a Map or Parallel inside it resumes the same way); on
 * RedriveExecution each enters again the state it stopped in.
 */
import { evalAssign, evalInteger, stateBindings, type StateExtras } from './bindings';
import { parseIsoTimestamp, type Catcher, type ChoiceState, type FailState, type Machine, type MapState, type ParallelState, type PassState, type State, type SucceedState, type TaskState, type WaitState } from './definition';
import { errorMatches, StatesError, toStatesError } from './errors';
import type { ExecutionTime } from './execution-time';
import { evaluateExpression, evaluateTemplate, type Bindings, type Json } from './jsonata-eval';
import { cursorAt, frameCursor, placeCursor, resumeOf, type Frame, type InterpreterEnv, type Journal } from './run';
import { Halt, type Scope } from './scope';
import type { Cursor } from './store';
import { TaskRunner } from './task-state';

/** Where a state sends its output: the next state, or none when it ends the machine. */
interface Outcome {
  next?: string;
  output: Json;
}

/** AWS prefixes the cause of errors raised by the engine itself with the state and its entry event. */
function qualify(err: unknown, frame: Frame, state: State): unknown {
  if (!(err instanceof StatesError) || err.error !== 'States.QueryEvaluationError' || err.cause_.startsWith('An error occurred while executing the state')) return err;
  return new StatesError(err.error, `An error occurred while executing the state '${state.name}' (entered at the event id #${frame.enteredId ?? 0}). ${err.cause_}`, err.alsoMatches, err.location);
}

/** The children a Map/Parallel attempt starts with (resume, redrive): finished ones, where the others stood, and whether it resumes one already started. */
interface Children {
  done: Record<string, Json> | undefined;
  kids: Record<string, Cursor> | undefined;
  resumed: boolean;
}

/** The children of a running Map/Parallel attempt (see Interpreter.checkpoints). */
interface Finished {
  has(i: number): boolean;
  get(i: number): Json | undefined;
  /** Where unfinished child `i` stood when the attempt was resumed (undefined: it starts from the beginning). */
  kid(i: number): Cursor | undefined;
  commit(child: Frame, i: number, result: Json): Promise<void>;
}

/** The JSON text AWS shows for a value in a cause (compact). */
const shown = (value: Json): string => JSON.stringify(value);

export class Interpreter {
  private readonly journal: Journal;
  private readonly time: ExecutionTime;
  private readonly tasks: TaskRunner;

  constructor(env: InterpreterEnv) {
    this.journal = env.journal;
    this.time = env.time;
    this.tasks = new TaskRunner(env);
  }

  /** Runs `machine` on `frame` from state `startName` (going on with the phase `resume` describes) until a state ends it; returns its output. */
  async runMachine(frame: Frame, machine: Machine, startName: string, input: Json, resume: Cursor | undefined): Promise<Json> {
    let name = startName;
    let inp = input;
    let res = resume;
    for (;;) {
      // a resumed state keeps its original entry time; a state entered now starts now (Wait counts from here)
      const at = res?.at ?? this.time.execNow(frame.run);
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
          frame.prev = this.journal.emitRaw(run, frame.prev, `${state.type}StateAborted`);
        }
        throw this.reportEvaluation(frame, state, qualify(err, frame, state));
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
      await this.journal.commit(frame, cursorAt(frame, name, inp, this.time.execNow(frame.run)), !(state.type === 'Pass' || state.type === 'Choice'));
    }
  }

  /** AWS writes an EvaluationFailed event (state, field, error, cause) when a state's expression fails. */
  private reportEvaluation(frame: Frame, state: State, err: unknown): unknown {
    if (err instanceof StatesError && err.error === 'States.QueryEvaluationError' && !err.reported) {
      err.reported = true;
      const details: Record<string, unknown> = { error: err.error, cause: err.cause_, state: state.name };
      if (err.location) details.location = err.location;
      this.journal.emit(frame, 'EvaluationFailed', details);
    }
    return err;
  }

  private bindings(frame: Frame, stateName: string, input: Json, enteredAt: number, extra?: StateExtras): Bindings {
    return stateBindings(this.time, frame, stateName, input, enteredAt, extra);
  }

  /**
   * Writes the state's Exited event and moves the frame's cursor to the next
   * state at once (stored with the event by whichever commit comes first, a
   * sibling branch's included); returns the outcome.
   */
  private exited(frame: Frame, state: State, outcome: Outcome, assigned: Record<string, Json> | undefined): Outcome {
    const { next, output } = outcome;
    const details: Record<string, unknown> = { name: state.name, output: JSON.stringify(output), outputDetails: { truncated: false } };
    if (assigned) {
      const av: Record<string, string> = {};
      for (const [k, v] of Object.entries(assigned)) av[k] = JSON.stringify(v);
      details.assignedVariables = av;
      details.assignedVariablesDetails = { truncated: false };
      frame.vars = { ...frame.vars, ...assigned };
    }
    this.journal.emit(frame, `${state.type}StateExited`, details);
    if (next !== undefined) placeCursor(frame, cursorAt(frame, next, output, this.time.execNow(frame.run)));
    return outcome;
  }

  private entered(frame: Frame, state: State, input: Json): void {
    this.journal.emit(frame, `${state.type}StateEntered`, { name: state.name, input: JSON.stringify(input), inputDetails: { truncated: false } });
    frame.enteredId = frame.prev;
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
    const assigned = await evalAssign(state.assign, b);
    const output = state.output ? await evaluateTemplate(state.output, b) : input;
    return this.exited(frame, state, { next: state.next, output }, assigned);
  }

  private async runSucceed(frame: Frame, state: SucceedState, input: Json, at: number): Promise<Outcome> {
    this.entered(frame, state, input);
    const output = state.output ? await evaluateTemplate(state.output, this.bindings(frame, state.name, input, at)) : input;
    return this.exited(frame, state, { output }, undefined);
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
      const cond = rule.condition;
      const v = typeof cond === 'boolean' ? cond : await evaluateExpression(cond, b);
      if (typeof v !== 'boolean') {
        throw new StatesError('States.QueryEvaluationError', `The Condition '${typeof cond === 'boolean' ? cond : cond.source}' of state '${state.name}' must evaluate to a boolean, got ${JSON.stringify(v)}`, [], 'Condition');
      }
      if (v) {
        const assigned = await evalAssign(rule.assign ?? state.assign, b);
        const out = rule.output ?? state.output;
        const output = out ? await evaluateTemplate(out, b) : input;
        return this.exited(frame, state, { next: rule.next, output }, assigned);
      }
    }
    if (state.default === undefined) throw new StatesError('States.NoChoiceMatched', `No Matches! (state '${state.name}')`);
    const assigned = await evalAssign(state.assign, b);
    const output = state.output ? await evaluateTemplate(state.output, b) : input;
    return this.exited(frame, state, { next: state.default, output }, assigned);
  }

  private async runWait(frame: Frame, state: WaitState, input: Json, at: number, res: Cursor | undefined): Promise<Outcome> {
    let due: number;
    if (res?.p === 'wait' && res.due !== undefined) due = res.due;
    else {
      this.entered(frame, state, input);
      // AWS counts Seconds from the WaitStateEntered event: a first state's `at` is the execution's start, earlier than that
      const enteredAt = Math.max(at, frame.run.pending.at(-1)?.timestamp ?? at);
      const b = this.bindings(frame, state.name, input, at);
      if (state.seconds) due = enteredAt + (await evalInteger(state.seconds, b, 'Seconds', 0)) * 1000;
      else {
        const ts = state.timestamp!;
        const text = 's' in ts ? ts.s : await evaluateExpression(ts.e, b);
        const t = typeof text === 'string' ? parseIsoTimestamp(text) : undefined;
        if (t === undefined) {
          throw new StatesError('States.QueryEvaluationError', `The Timestamp field cannot be parsed as an ISO-8601 extended offset date-time format string: ${typeof text === 'string' ? text : shown(text)}`, [], 'Timestamp');
        }
        due = t;
      }
      await this.journal.commit(frame, cursorAt(frame, state.name, input, at, { p: 'wait', due }));
    }
    await this.time.sleepUntil(frame.run, frame.scope, due);
    const b = this.bindings(frame, state.name, input, at);
    const assigned = await evalAssign(state.assign, b);
    const output = state.output ? await evaluateTemplate(state.output, b) : input;
    return this.exited(frame, state, { next: state.next, output }, assigned);
  }

  /** Task, Parallel and Map: attempts, Retry back-offs (stored, so they survive a restart) and Catch. */
  private async runRetryable(frame: Frame, state: TaskState | ParallelState | MapState, input: Json, at: number, res: Cursor | undefined): Promise<Outcome> {
    let rc = res?.rc ? [...res.rc] : state.retry.map(() => 0);
    // a cursor without a phase but with finished or stopped children: a redriven Map/Parallel, entered again
    let done = res?.done;
    let kids = res?.kids;
    let resume = res?.p ? res : undefined;
    if (!resume) this.entered(frame, state, input);
    for (;;) {
      try {
        if (resume?.p === 'retry' && resume.due !== undefined) {
          await this.time.sleepUntil(frame.run, frame.scope, resume.due);
          resume = undefined;
        }
        const retryCount = rc.reduce((a, b) => a + b, 0);
        let result: Json;
        if (state.type === 'Task') result = await this.tasks.attempt(frame, state, input, at, resume, rc, retryCount);
        else {
          const children = { done, kids, resumed: resume?.p === 'branches' };
          done = undefined; // a retry runs every branch again
          kids = undefined;
          if (state.type === 'Parallel') result = await this.parallelAttempt(frame, state, input, at, rc, retryCount, children);
          else result = await this.mapAttempt(frame, state, input, at, rc, retryCount, children);
        }
        resume = undefined;
        const b = this.bindings(frame, state.name, input, at, { result, retryCount });
        const assigned = await evalAssign(state.assign, b);
        const output = state.output ? await evaluateTemplate(state.output, b) : result;
        return this.exited(frame, state, { next: state.next, output }, assigned);
      } catch (err) {
        if (err instanceof Halt) throw err;
        frame.scope.check();
        resume = undefined;
        done = undefined;
        kids = undefined;
        const se = toStatesError(this.reportEvaluation(frame, state, qualify(err, frame, state)));
        if (se.error === 'States.Runtime') throw se;
        const ri = state.retry.findIndex((r) => errorMatches(r.errorEquals, se.error, true, se.alsoMatches));
        const r = ri >= 0 ? state.retry[ri] : undefined;
        if (r && rc[ri]! < r.maxAttempts) {
          let delay = r.intervalSeconds * Math.pow(r.backoffRate, rc[ri]!);
          if (r.maxDelaySeconds !== undefined) delay = Math.min(delay, r.maxDelaySeconds);
          if (r.jitter === 'FULL') delay = Math.random() * delay;
          rc = [...rc];
          rc[ri] = rc[ri]! + 1;
          const due = this.time.execNow(frame.run) + Math.round(delay * 1000);
          await this.journal.commit(frame, cursorAt(frame, state.name, input, at, { p: 'retry', due, rc }));
          await this.time.sleepUntil(frame.run, frame.scope, due);
          continue;
        }
        const catcher = state.catch.find((c) => errorMatches(c.errorEquals, se.error, true, se.alsoMatches));
        if (!catcher) throw se;
        return this.caught(frame, state, input, at, catcher, se, rc.reduce((a, b) => a + b, 0));
      }
    }
  }

  private async caught(frame: Frame, state: State, input: Json, at: number, catcher: Catcher, se: StatesError, retryCount: number): Promise<Outcome> {
    const errorOutput: Json = { Error: se.error, Cause: se.cause_ };
    const b = this.bindings(frame, state.name, input, at, { errorOutput, retryCount });
    const assigned = await evalAssign(catcher.assign, b);
    const output = catcher.output ? await evaluateTemplate(catcher.output, b) : errorOutput;
    return this.exited(frame, state, { next: catcher.next, output }, assigned);
  }

  private async parallelAttempt(frame: Frame, state: ParallelState, input: Json, at: number, rc: number[], retryCount: number, children: Children): Promise<Json> {
    if (!children.resumed) this.journal.emit(frame, 'ParallelStateStarted');
    const finished = await this.checkpoints(frame, cursorAt(frame, state.name, input, at, { p: 'branches', rc }), children);
    const b = this.bindings(frame, state.name, input, at, { retryCount });
    const branchInput = state.arguments ? await evaluateTemplate(state.arguments, b) : input;
    const scope = frame.scope.child();
    const outer = frame.outer ? { ...frame.outer, ...frame.vars } : frame.vars;
    const branches = state.branches.map(async (m, bi) => {
      if (finished.has(bi)) return finished.get(bi)!;
      const kid = finished.kid(bi);
      const f = childFrame(frame, scope, outer, bi, kid);
      const out = kid ? await this.runMachine(f, m, kid.s, kid.in, resumeOf(kid)) : await this.runMachine(f, m, m.startAt, branchInput, undefined);
      await finished.commit(f, bi, out);
      return out;
    });
    return this.joinChildren(frame, scope, branches, 'ParallelStateSucceeded', 'ParallelStateFailed');
  }

  private async mapAttempt(frame: Frame, state: MapState, input: Json, at: number, rc: number[], retryCount: number, children: Children): Promise<Json> {
    const b = this.bindings(frame, state.name, input, at, { retryCount });
    let items: Json;
    try {
      items = state.items ? await evaluateTemplate(state.items, b) : input;
      if (!Array.isArray(items)) {
        const type = items === null ? 'null' : typeof items;
        const expr = state.items?.k === 'expr' ? state.items.e.source : undefined;
        throw new StatesError(
          'States.QueryEvaluationError',
          expr !== undefined
            ? `The JSONata expression '${expr}' specified for the field 'Items' returned an unexpected result type. Expected 'array', but was '${type}' for value: ${shown(items)}`
            : `Map state input must be an array but was: ${shown(items)}`,
          [],
          'Items',
        );
      }
    } catch (err) {
      // AWS: EvaluationFailed, then MapStateFailed
      const reported = this.reportEvaluation(frame, state, qualify(err, frame, state));
      this.journal.emit(frame, 'MapStateFailed');
      throw reported;
    }
    const maxConcurrency = state.maxConcurrency ? await evalInteger(state.maxConcurrency, b, 'MaxConcurrency', 0) : 0;
    if (!children.resumed) this.journal.emit(frame, 'MapStateStarted', { length: items.length });
    const finished = await this.checkpoints(frame, cursorAt(frame, state.name, input, at, { p: 'branches', rc }), children);
    const scope = frame.scope.child();
    const outer = frame.outer ? { ...frame.outer, ...frame.vars } : frame.vars;
    const results: Json[] = new Array<Json>(items.length).fill(null);
    let nextIndex = 0;
    const worker = async (): Promise<void> => {
      while (nextIndex < items.length) {
        const i = nextIndex++;
        if (finished.has(i)) {
          results[i] = finished.get(i)!;
          continue;
        }
        const value = items[i]!;
        const kid = finished.kid(i);
        const f: Frame = { ...childFrame(frame, scope, outer, i, kid), mapItem: { Index: i, Value: value } };
        if (!kid) this.journal.emit(f, 'MapIterationStarted', { name: state.name, index: i });
        let iterFrame: Frame | undefined;
        try {
          iterFrame = { ...f, mapItem: undefined };
          if (kid) results[i] = await this.runMachine(iterFrame, state.processor, kid.s, kid.in, resumeOf(kid));
          else {
            let itemInput: Json = value;
            if (state.itemSelector) itemInput = await evaluateTemplate(state.itemSelector, this.bindings(f, state.name, input, at, { retryCount }));
            results[i] = await this.runMachine(iterFrame, state.processor, state.processor.startAt, itemInput, undefined);
          }
          f.prev = iterFrame.prev;
          this.journal.emit(f, 'MapIterationSucceeded', { name: state.name, index: i });
          await finished.commit(f, i, results[i]);
        } catch (err) {
          if (iterFrame) f.prev = iterFrame.prev;
          if (!(err instanceof Halt) && !scope.cancelled) {
            this.journal.emit(f, 'MapIterationFailed', { name: state.name, index: i });
          } else if (err instanceof Halt && !frame.scope.cancelled) {
            f.prev = this.journal.emitRaw(f.run, f.prev, 'MapIterationAborted', { name: state.name, index: i });
          }
          throw err;
        }
      }
    };
    const n = maxConcurrency === 0 ? items.length : Math.min(maxConcurrency, items.length);
    const workers = Array.from({ length: Math.max(n, 0) }, () => worker());
    await this.joinChildren(frame, scope, workers, 'MapStateSucceeded', 'MapStateFailed');
    return results;
  }

  /**
   * Stores the cursor of a Map/Parallel state running its children (with
   * those it resumes) and returns what records each finished child: its
   * result joins the cursor's `done` and its own cursor leaves `kids`
   * (written with the child's last events), so a resume or a redrive runs
   * only the others.
   */
  private async checkpoints(frame: Frame, cursor: Cursor, children: Children): Promise<Finished> {
    const { done, kids } = children;
    const results = new Map<number, Json>(Object.entries(done ?? {}).map(([k, v]) => [Number(k), v]));
    await this.journal.commit(frame, { ...cursor, ...(done ? { done } : {}), ...(kids ? { kids } : {}) });
    return {
      has: (i) => results.has(i),
      get: (i) => results.get(i),
      kid: (i) => kids?.[i],
      commit: async (child, i, result) => {
        child.scope.check();
        results.set(i, result);
        const c = frameCursor(frame)!;
        const { [i]: _finished, ...others } = c.kids ?? {};
        await this.journal.commit(frame, { ...c, done: { ...c.done, [i]: result }, kids: others });
      },
    };
  }

  /**
   * Waits for the branches of a Parallel state (or the workers of a Map
   * state), running in `scope`: all done, `succeeded` is emitted. The first
   * failure cancels the others and waits for them to settle; then a halt
   * (the execution stopped) goes on as a Halt, any other error after `failed`.
   */
  private async joinChildren<T>(frame: Frame, scope: Scope, children: Promise<T>[], succeeded: string, failed: string): Promise<T[]> {
    try {
      const results = await Promise.all(children);
      this.journal.emit(frame, succeeded);
      return results;
    } catch (err) {
      scope.cancel();
      await Promise.allSettled(children);
      if (err instanceof Halt || frame.scope.cancelled) throw err instanceof Halt ? err : new Halt();
      this.journal.emit(frame, failed);
      throw err;
    }
  }
}

/** The frame of child `index` (a branch or an iteration) of the Map/Parallel state running on `frame`: new, or resumed where cursor `kid` says it stood. */
function childFrame(frame: Frame, scope: Scope, outer: Record<string, Json>, index: number, kid: Cursor | undefined): Frame {
  return { run: frame.run, scope, top: false, vars: kid?.v ?? {}, outer, prev: kid?.pe ?? frame.prev, enteredId: kid?.ei, parent: { frame, index } };
}
