/** A runtime error inside an execution, with the ASL error name and cause. */
export class StatesError extends Error {
  constructor(
    readonly error: string,
    readonly cause_: string,
    /** Other names Retry/Catch match this error by (a heartbeat timeout is States.Timeout, also caught as States.HeartbeatTimeout). */
    readonly alsoMatches: readonly string[] = [],
    /** For States.QueryEvaluationError: the field that failed (the EvaluationFailed event's `location`). */
    readonly location?: string,
  ) {
    super(`${error}: ${cause_}`);
    this.name = error;
  }

  /** Set once the EvaluationFailed event of this error is in the history. */
  reported = false;
}

/** Error names that States.ALL does not match (AWS: they always fail the execution). */
const NOT_CAUGHT_BY_ALL = new Set(['States.Runtime', 'States.DataLimitExceeded']);

/** Does an ErrorEquals list match an error name (AWS semantics for States.ALL and States.TaskFailed)? */
export function errorMatches(errorEquals: readonly string[], error: string, fromTask: boolean, alsoMatches: readonly string[] = []): boolean {
  for (const name of errorEquals) {
    if (name === error || alsoMatches.includes(name)) return true;
    if (name === 'States.ALL' && !NOT_CAUGHT_BY_ALL.has(error)) return true;
    if (name === 'States.TaskFailed' && fromTask && error !== 'States.Timeout' && !NOT_CAUGHT_BY_ALL.has(error)) return true;
  }
  return false;
}

export function toStatesError(err: unknown): StatesError {
  if (err instanceof StatesError) return err;
  const e = err as { name?: string; message?: string };
  return new StatesError('States.Runtime', e?.message ?? String(err));
}
