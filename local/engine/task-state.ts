/**
 * One attempt of a Task state (the interpreter's Retry loop calls it again):
 * its history events, `TimeoutSeconds` and `HeartbeatSeconds`, the call of
 * its resource (Lambda or DynamoDB, see tasks.ts), and the callback pattern
 * (`waitForTaskToken`), after which a top-level task parks its execution
 * (see runs.ts).
 *
 * A task resumed from a cursor (after a restart, or a parked run loaded
 * again) keeps its arguments: a callback task whose Lambda had returned
 * (`sub`) keeps its token and waits again, with its TimeoutSeconds deadline
 * unchanged and a fresh HeartbeatSeconds window; one whose Lambda had not
 * returned yet is invoked again with the same token; any other task that was
 * in flight runs again (at-least-once).
 */
import { randomBytes } from 'node:crypto';
import { evalInteger, stateBindings } from './bindings';
import type { TaskState } from './definition';
import { StatesError, toStatesError } from './errors';
import { evaluateTemplate, type Json } from './jsonata-eval';
import { cursorAt, type Frame, type InterpreterEnv, type Run } from './run';
import { Halt, type Scope } from './scope';
import type { Cursor } from './store';
import { dynamodbTask, invokeHandler, lambdaInvokeResult, lambdaNotFound, resolveLambda } from './tasks';

/** Step Functions' payload limit (256 KiB) for task results and execution input. */
export const MAX_PAYLOAD = 262_144;

function resourceParts(state: TaskState): { resourceType: string; resource: string } {
  const m = /^arn:aws[a-z-]*:states:[^:]*:[^:]*:([^:]+):(.+)$/.exec(state.resource);
  if (m) return { resourceType: m[1]!, resource: m[2]! };
  return { resourceType: 'lambda', resource: state.resource };
}

/** A task token names its execution (engine.ts reads it back to tell a closed task from a foreign token). */
function newToken(run: Run): string {
  return `${Buffer.from(run.arn, 'utf8').toString('base64url')}.${randomBytes(24).toString('base64url')}`;
}

export class TaskRunner {
  constructor(private readonly env: InterpreterEnv) {}

  /** Runs the task once (or goes on with the attempt `resume` describes) and returns its result; throws its error. */
  async attempt(frame: Frame, state: TaskState, input: Json, at: number, resume: Cursor | undefined, rc: number[], retryCount: number): Promise<Json> {
    const { journal, time } = this.env;
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
      if (waitForToken) token = newToken(run);
      const b = stateBindings(time, frame, state.name, input, at, { token, retryCount });
      args = state.arguments ? await evaluateTemplate(state.arguments, b) : input;
      const timeoutSeconds = state.timeoutSeconds ? await evalInteger(state.timeoutSeconds, b, 'TimeoutSeconds', 1) : undefined;
      hb = state.heartbeatSeconds ? await evalInteger(state.heartbeatSeconds, b, 'HeartbeatSeconds', 1) : undefined;
      const now = time.execNow(run);
      // The first attempt's timeout counts from the state's entered time, as `$states.context.State.EnteredTime`
      // + TimeoutSeconds (what the state machine tells a callback's function its deadline is): the time spent
      // evaluating the arguments, multiplied by a timeScale, does not move it. A retry's counts from its start.
      to = timeoutSeconds !== undefined ? (retryCount === 0 ? at : now) + timeoutSeconds * 1000 : undefined;
      if (bare) {
        const d: Record<string, unknown> = { resource: state.resource, input: JSON.stringify(args), inputDetails: { truncated: false } };
        if (timeoutSeconds !== undefined) d.timeoutInSeconds = timeoutSeconds;
        journal.emit(frame, 'LambdaFunctionScheduled', d);
        journal.emit(frame, 'LambdaFunctionStarted');
      } else {
        const d: Record<string, unknown> = { resourceType, resource, region: this.env.region, parameters: JSON.stringify(args) };
        if (timeoutSeconds !== undefined) d.timeoutInSeconds = timeoutSeconds;
        if (hb !== undefined) d.heartbeatInSeconds = hb;
        journal.emit(frame, 'TaskScheduled', d);
        journal.emit(frame, 'TaskStarted', { resourceType, resource });
      }
      const extra: Partial<Cursor> = { p: 'task', rc, args };
      if (token !== undefined) extra.tk = token;
      if (to !== undefined) extra.to = to;
      if (hb !== undefined) extra.hb = hb;
      await journal.commit(frame, cursorAt(frame, state.name, input, at, extra));
    }
    const ts = frame.scope.child();
    let result: Json;
    try {
      const racers: Promise<Json>[] = [];
      if (to !== undefined) {
        racers.push(
          time.sleepUntil(run, ts, to).then(() => {
            throw new StatesError('States.Timeout', '');
          }),
        );
      }
      let heartbeat: (() => void) | undefined;
      if (hb !== undefined && waitForToken) {
        const hbMs = hb * 1000;
        let rejectHb: ((e: StatesError) => void) | undefined;
        const hbPromise = new Promise<Json>((_, reject) => (rejectHb = reject));
        let timer = time.at(run, time.execNow(run) + hbMs, () => rejectHb?.(new StatesError('States.Timeout', '', ['States.HeartbeatTimeout'])));
        ts.onCancel(() => time.cancel(timer));
        heartbeat = () => {
          time.cancel(timer);
          timer = time.at(run, time.execNow(run) + hbMs, () => rejectHb?.(new StatesError('States.Timeout', '', ['States.HeartbeatTimeout'])));
        };
        racers.push(hbPromise);
      }
      racers.push(new Promise<Json>((_, reject) => ts.onCancel(() => reject(new Halt()))));
      racers.push(this.invoke(frame, ts, state, args, token, to, submitted, heartbeat, input, at, rc, hb));
      result = await Promise.race(racers);
    } catch (err) {
      if (err instanceof Halt || frame.scope.cancelled) throw err instanceof Halt ? err : new Halt();
      const se = toStatesError(err);
      const timedOut = se.error === 'States.Timeout' || se.error === 'States.HeartbeatTimeout';
      const d: Record<string, unknown> = {};
      if (!bare) Object.assign(d, { resourceType, resource });
      if (se.error) d.error = se.error;
      if (se.cause_) d.cause = se.cause_;
      journal.emit(frame, bare ? (timedOut ? 'LambdaFunctionTimedOut' : 'LambdaFunctionFailed') : timedOut ? 'TaskTimedOut' : 'TaskFailed', d);
      throw se;
    } finally {
      ts.cancel();
      if (token !== undefined) this.env.tokens.delete(token);
    }
    frame.scope.check();
    const out = JSON.stringify(result);
    if (out.length > MAX_PAYLOAD && Buffer.byteLength(out, 'utf8') > MAX_PAYLOAD) {
      throw new StatesError('States.DataLimitExceeded', `The state/task '${state.name}' returned a result with a size exceeding the maximum number of bytes service limit.`);
    }
    if (bare) journal.emit(frame, 'LambdaFunctionSucceeded', { output: out, outputDetails: { truncated: false } });
    else journal.emit(frame, 'TaskSucceeded', { resourceType, resource, output: out, outputDetails: { truncated: false } });
    return result;
  }

  /** Calls the task's resource; for a callback task, resolves with the answer to its token. */
  private async invoke(
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
    const { journal, time, tokens, lambdas, region, accountId } = this.env;
    const run = frame.run;
    const deadlineReal = to !== undefined ? time.realAt(run, to) : undefined;
    const now = () => time.clock.now();
    switch (state.res.kind) {
      case 'dynamodb':
        return dynamodbTask(this.env.dynamodb, state.res.action, args);
      case 'lambdaArn': {
        const target = resolveLambda(lambdas, state.res.arn, region, accountId);
        if (!target) throw lambdaNotFound(state.res.arn, region, accountId);
        return invokeHandler(target, args, deadlineReal, now);
      }
      case 'lambdaInvoke': {
        const a = (args ?? {}) as Record<string, Json>;
        if (typeof a !== 'object' || Array.isArray(a)) throw new StatesError('States.Runtime', 'The Arguments of a lambda:invoke task must be an object');
        const target = resolveLambda(lambdas, a.FunctionName, region, accountId);
        if (!state.res.waitForToken) {
          if (!target) throw lambdaNotFound(a.FunctionName, region, accountId);
          const payload = await invokeHandler(target, a.Payload === undefined ? {} : a.Payload, deadlineReal, now);
          return lambdaInvokeResult(payload);
        }
        // callback pattern: register the token first (the handler may answer before it returns)
        const tok = token!;
        const callback = new Promise<Json>((resolve, reject) => {
          tokens.set(tok, { run, resolve, reject, heartbeat: heartbeat ?? (() => undefined) });
        });
        ts.onCancel(() => tokens.delete(tok));
        if (!submitted) {
          if (!target) throw lambdaNotFound(a.FunctionName, region, accountId);
          // The handler may answer (SendTaskSuccess/Failure) and even wait for that answer before it returns:
          // the task completes with the first of the callback or a failure of the handler.
          let answered = false;
          const answer = callback.finally(() => {
            answered = true;
          });
          const submit = (async () => {
            const payload = await invokeHandler(target, a.Payload === undefined ? {} : a.Payload, deadlineReal, now);
            if (answered || ts.cancelled || !tokens.has(tok)) return;
            const { resourceType, resource } = resourceParts(state);
            journal.emit(frame, 'TaskSubmitted', { resourceType, resource, output: JSON.stringify(lambdaInvokeResult(payload)), outputDetails: { truncated: false } });
            const extra: Partial<Cursor> = { p: 'task', rc, args, tk: tok, sub: 1 };
            if (to !== undefined) extra.to = to;
            if (hbSeconds !== undefined) extra.hb = hbSeconds;
            await journal.commit(frame, cursorAt(frame, state.name, input, at, extra));
            // stored: now only the answer moves it on (a heartbeat would need the run's timer)
            if (frame.top && hbSeconds === undefined && !ts.cancelled && tokens.has(tok)) this.env.park(run, tok, state.name, to);
          })();
          return Promise.race([answer, submit.then(() => answer)]);
        }
        return callback;
      }
    }
  }
}
