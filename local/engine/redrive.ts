/**
 * RedriveExecution's rules, as AWS states them: which executions can be
 * redriven (a STANDARD execution that ended FAILED, TIMED_OUT or ABORTED,
 * less than 14 days ago, whose state machine still exists and whose history
 * has room left), the reasons AWS gives for the others (DescribeExecution's
 * `redriveStatusReason`, the message of ExecutionNotRedrivable), and the
 * record and ExecutionRedriven event a redrive writes, and its client tokens
 * (a token repeated within 15 minutes, among the last 10, gets the same
 * answer without a second redrive).
 *
 * A redriven execution keeps its ARN, input, start date and definition (the
 * one it started with, even if the state machine was updated since) and goes
 * on from the cursor it stopped at: the state that failed, timed out or was
 * stopped is entered again with the input and variables it had. A Map or
 * Parallel state, at any depth, runs only its iterations or branches that
 * did not succeed (their results are in the cursor, see interpreter.ts), each
 * from the state it stopped in (one never started from its beginning). Its
 * TimeoutSeconds counts again from the redrive.
 */
import type { Cursor, ExecutionRecord, RedriveToken, StateMachineRecord, StoredEvent } from './store';

/** How long after it stopped an execution can be redriven. */
export const REDRIVABLE_PERIOD_MS = 14 * 24 * 3600 * 1000;
/** AWS's limit of history events per execution. */
const MAX_EVENTS = 25_000;
/** AWS's maximum open time of an execution (one year), counted from its start. */
const MAX_OPEN_MS = 365 * 24 * 3600 * 1000;
/** AWS answers a repeated client token of the last 10 redrives, for 15 minutes after its first use. */
const TOKENS_KEPT = 10;
const TOKEN_VALID_MS = 15 * 60 * 1000;

/** Why `rec` cannot be redriven now (AWS's wording), or undefined when it can. */
export function notRedrivableReason(rec: ExecutionRecord, sm: StateMachineRecord | undefined, now: number): string | undefined {
  if (rec.status === 'RUNNING' || rec.status === 'SUCCEEDED') return `Execution is ${rec.status} and cannot be redriven.`;
  if (!sm) return 'State machine is in DELETING status.';
  if (sm.type === 'EXPRESS') return 'Execution of an EXPRESS state machine cannot be redriven.';
  if (rec.stopDate !== undefined && now - rec.stopDate > REDRIVABLE_PERIOD_MS) return 'Execution redrivable period exceeded.';
  if (now - rec.startDate > MAX_OPEN_MS) return 'Execution has exceeded the max execution time.';
  if (rec.eventCount + 1 >= MAX_EVENTS) return 'Execution history event limit exceeded.';
  // stored by an engine without RedriveExecution: nothing says where it stopped
  if (!rec.lastCursor) return 'Execution was started before the launch of RedriveExecution.';
  return undefined;
}

/** The redrive that client token `token` made less than 15 minutes before `clockNow` (clock ms), if any: RedriveExecution answers it again. */
export function earlierRedrive(rec: ExecutionRecord, token: string, clockNow: number): RedriveToken | undefined {
  return rec.redriveTokens?.find((t) => t.token === token && clockNow - t.at < TOKEN_VALID_MS);
}

/**
 * The RUNNING record and the ExecutionRedriven event of redriving `rec` at
 * execution time `now`; `token` (with the clock time of its use) joins the
 * last client tokens.
 */
export function redriven(rec: ExecutionRecord, now: number, token?: { token: string; at: number }): { rec: ExecutionRecord; event: StoredEvent } {
  const last = rec.lastCursor!;
  const redriveCount = (rec.redriveCount ?? 0) + 1;
  const id = rec.eventCount + 1;
  const event: StoredEvent = { id, previousEventId: rec.eventCount, timestamp: now, type: 'ExecutionRedriven', executionRedrivenEventDetails: { redriveCount } };
  const cursor = reentered(last, now, id);
  const { output: _o, error: _e, cause: _c, stopDate: _s, lastCursor: _l, ...kept } = rec;
  const next: ExecutionRecord = { ...kept, status: 'RUNNING', eventCount: id, cursor, redriveCount, redriveDate: now };
  if (token) next.redriveTokens = [...(rec.redriveTokens ?? []), { ...token, date: now }].slice(-TOKENS_KEPT);
  return { rec: next, event };
}

/**
 * Cursor `c` made to enter its state again at `at` (no phase: no retry count,
 * task or timer carried over), keeping a Map/Parallel's finished children and
 * the cursors of the others, each made to enter its own state again.
 */
function reentered(c: Cursor, at: number, pe: number): Cursor {
  const cursor: Cursor = { s: c.s, in: c.in, v: c.v, at, pe };
  if (c.done) cursor.done = c.done;
  if (c.kids) cursor.kids = Object.fromEntries(Object.entries(c.kids).map(([i, kid]) => [i, reentered(kid, at, pe)]));
  return cursor;
}
