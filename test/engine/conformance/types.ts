/**
 * Shapes shared by the conformance scenarios and their runner.
 *
 * A scenario is data: a state machine definition (JSONata), an input, the
 * in-process Lambda handlers it needs, the callbacks to drive, and what
 * AWS Step Functions would do with it. The runner (conformance.test.ts) turns
 * each one into a test against the embedded engine.
 */
import type { EngineErrorCode, ExecutionStatus, LambdaHandler } from '../../../local/engine/api';

/** Records what in-process Lambda handlers observed, for `expect.probe`. */
export class Probe {
  readonly values = new Map<string, unknown>();

  set(key: string, value: unknown): void {
    this.values.set(key, value);
  }

  push(key: string, value: unknown): void {
    const list = this.values.get(key);
    if (Array.isArray(list)) list.push(value);
    else this.values.set(key, [value]);
  }

  inc(key: string, by = 1): number {
    const current = this.values.get(key);
    const next = (typeof current === 'number' ? current : 0) + by;
    this.values.set(key, next);
    return next;
  }
}

/** What the runner does with the task tokens the built-in `TokenSink` Lambda receives, in order. */
export type CallbackAction =
  | { kind: 'success'; output: unknown }
  | { kind: 'failure'; error?: string; cause?: string }
  /** Sends a heartbeat on the current token without consuming it. */
  | { kind: 'heartbeat' };

export interface DurationBound {
  /** Execution-time seconds (history timestamps), inclusive. */
  min?: number;
  max?: number;
}

export interface HistoryExpectation {
  /** Exact, ordered list of `stateEnteredEventDetails.name` over the whole history. */
  statesEntered?: string[];
  /** Exact number of events of each listed type (e.g. LambdaFunctionScheduled: 3). */
  eventCounts?: Record<string, number>;
  /** These event types appear in this relative order (other events may sit between them). */
  eventTypesInOrder?: string[];
  /** The whole history, event by event (timestamps ignored; each event matched partially, JSON strings parsed). */
  events?: Array<Record<string, unknown>>;
  /** Events matching these partial shapes appear in this relative order. */
  eventsInclude?: Array<Record<string, unknown> & { type: string }>;
  /**
   * Time from the first `<X>StateEntered` named S to the next `<X>StateExited` named S (or, for a
   * state that ends the execution by failing, to the terminal execution event).
   */
  stateDurations?: Record<string, DurationBound>;
}

export interface Expectation {
  /** createStateMachine must reject the definition with this EngineError code. */
  createError?: EngineErrorCode;
  status?: ExecutionStatus;
  /** Deep-equals JSON.parse(describeExecution.output). */
  output?: unknown;
  /** Every key/element given here must deep-equal the one in the output (objects may have more keys). */
  outputPartial?: unknown;
  /** Execution error name; `null` means the execution must carry no error. */
  error?: string | null;
  /** Exact cause; `null` means no cause. */
  cause?: string | null;
  /** Each string must occur in the cause. */
  causeContains?: string[];
  /** The cause parses as JSON and contains these fields (partial match). */
  causeJson?: Record<string, unknown>;
  history?: HistoryExpectation;
  /** Exact number of calls per Lambda handler name (built-ins included). */
  invocations?: Record<string, number>;
  /** Exact values recorded on the Probe, per key. */
  probe?: Record<string, unknown>;
}

export interface Scenario {
  name: string;
  /** Documentation URL(s) or LocalStack file(s) the case comes from or is adapted from. */
  source: string | string[];
  /** The ASL definition; a string is passed through verbatim (for malformed JSON). */
  definition: Record<string, unknown> | string;
  input?: unknown;
  /** In-process Lambda handlers by function name, created fresh for each run. */
  lambdas?: (probe: Probe) => Record<string, LambdaHandler>;
  /** Needs the dynalite-backed DynamoDB client (table `ConformanceTable`, key `pk` of type S). */
  dynamodb?: boolean;
  callbacks?: CallbackAction[];
  /** Sent on the first task token after the execution ended; the engine must reject it with this code. */
  afterEnd?: { send: CallbackAction; expectError: EngineErrorCode };
  /** Engine timeScale for this scenario. Default 100 (a 10 s Wait takes 0.1 s). */
  timeScale?: number;
  stateMachineName?: string;
  executionName?: string;
  expect: Expectation;
}

/** A top-level JSONata state machine. */
export function jsonata(startAt: string, states: Record<string, unknown>, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { QueryLanguage: 'JSONata', StartAt: startAt, States: states, ...extra };
}

/** An Error whose name becomes the Step Functions error name (Node.js Lambda runtime `errorType`). */
export function namedError(name: string, message: string): Error {
  const error = new Error(message);
  error.name = name;
  return error;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export const REGION = 'us-east-1';
export const ACCOUNT = '123456789012';
export const lambdaArn = (name: string): string => `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${name}`;
export const TABLE = 'ConformanceTable';

/** Lambda that fails `failures` times with `errorName`, then returns `{ attempt, ...event }`. */
export function failsThenSucceeds(failures: number, errorName: string): LambdaHandler {
  let calls = 0;
  return async (event) => {
    calls += 1;
    if (calls <= failures) throw namedError(errorName, `attempt ${calls} failed`);
    return { attempt: calls, event };
  };
}

/** Lambda that throws the given error names in sequence, then succeeds. */
export function throwsSequence(names: string[]): LambdaHandler {
  let calls = 0;
  return async () => {
    const name = names[calls];
    calls += 1;
    if (name !== undefined) throw namedError(name, `failure ${calls}: ${name}`);
    return { attempts: calls };
  };
}
