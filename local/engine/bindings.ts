/**
 * What a state's JSONata expressions see: the workflow variables, `$states`
 * (`input`, `result`, `errorOutput`, `context`) and `$now()` / `$millis()`
 * in execution time; and the small evaluations the interpreter repeats
 * (`Assign`, integer fields such as `Seconds` or `TimeoutSeconds`).
 */
import type { NumOrExpr } from './definition';
import { StatesError } from './errors';
import type { ExecutionTime } from './execution-time';
import { compileExpression, evaluateExpression, evaluateTemplate, type Bindings, type CompiledExpression, type Json, type Template } from './jsonata-eval';
import type { Frame } from './run';

/** What `$states` holds besides the input, by the phase of the state. */
export interface StateExtras {
  result?: Json;
  errorOutput?: Json;
  token?: string;
  retryCount?: number;
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

let fromMillis: CompiledExpression | undefined;
/** JSONata's own $fromMillis, for $now(picture, timezone). */
function formatMillis(t: number, picture: string | undefined, timezone: string | undefined): Promise<Json> {
  fromMillis ??= compileExpression('{% $fromMillis($t, $p, $z) %}', 'now');
  return evaluateExpression(fromMillis, { t, p: picture, z: timezone });
}

/** The bindings of the expressions of state `stateName`, entered at execution time `enteredAt`. */
export function stateBindings(time: ExecutionTime, frame: Frame, stateName: string, input: Json, enteredAt: number, extra: StateExtras = {}): Bindings {
  const run = frame.run;
  // AWS's fields, in its order: RedriveTime once redriven; RetryCount in the states that retry (Task, Parallel, Map);
  // Task.Token in a callback task; Map.Item (Index, Value) in a Map's ItemSelector
  if (!run.ctxExecution) {
    run.ctxExecution = {
      Id: run.arn,
      Input: JSON.parse(run.input) as Json,
      StartTime: iso(run.startDate),
      Name: run.name,
      RoleArn: run.roleArn,
      RedriveCount: run.redriveCount ?? 0,
      ...(run.redriveDate !== undefined ? { RedriveTime: iso(run.redriveDate) } : {}),
    };
  }
  const state: Record<string, Json> = { Name: stateName, EnteredTime: iso(enteredAt) };
  if (extra.retryCount !== undefined) state.RetryCount = extra.retryCount;
  const context: Record<string, unknown> = {
    Execution: run.ctxExecution,
    StateMachine: { Id: run.smArn, Name: run.smName },
    State: state,
  };
  if (extra.token !== undefined) context.Task = { Token: extra.token };
  if (frame.mapItem) context.Map = { Item: frame.mapItem };
  const states: Record<string, unknown> = { input, context };
  if (extra.result !== undefined) states.result = extra.result;
  if (extra.errorOutput !== undefined) states.errorOutput = extra.errorOutput;
  // $now() and $millis() read the engine clock in execution time (so they follow timeScale and an injected clock)
  const t = time.execNow(run);
  const clock = { millis: () => t, now: (picture?: string, timezone?: string) => (picture === undefined && timezone === undefined ? iso(t) : formatMillis(t, picture, timezone)) };
  return frame.outer ? { ...clock, ...frame.outer, ...frame.vars, states } : { ...clock, ...frame.vars, states };
}

/** The variables an `Assign` sets (undefined without one). */
export async function evalAssign(t: Template | undefined, b: Bindings): Promise<Record<string, Json> | undefined> {
  if (!t) return undefined;
  return (await evaluateTemplate(t, b)) as Record<string, Json>;
}

/** An integer field (`Seconds`, `TimeoutSeconds`, `MaxConcurrency`, ...): a number, or an expression that must give an integer >= min. */
export async function evalInteger(v: NumOrExpr, b: Bindings, field: string, min: number): Promise<number> {
  if ('n' in v) return v.n;
  const r = await evaluateExpression(v.e, b);
  if (typeof r !== 'number' || !Number.isInteger(r) || r < min) {
    throw new StatesError('States.QueryEvaluationError', `The JSONata expression '${v.e.source}' specified for the field '${field}' must return an integer >= ${min}, got ${JSON.stringify(r)}`);
  }
  return r;
}
