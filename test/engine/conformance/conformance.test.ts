/**
 * Conformance runner: every scenario in ./scenarios becomes one test that
 * creates a fresh engine (in-memory store, in-process Lambda handlers, the
 * shared dynalite for DynamoDB tasks), creates the state machine, starts an
 * execution, drives task-token callbacks, waits for the end and compares
 * status, output, error, cause, history and Lambda invocations with what AWS
 * Step Functions does. Each test reports every mismatch it finds at once.
 */
import { isDeepStrictEqual } from 'node:util';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import dynalite from 'dynalite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Engine, ExecutionDescription, HistoryEvent, LambdaHandler } from '../../../local/engine/api';
import { EngineError } from '../../../local/engine/api';
import { createEngine } from '../../../local/engine/index';
import { areas } from './scenarios/index';
import { Probe, TABLE, type CallbackAction, type Expectation, type Scenario } from './types';

let dynamo: DynamoDBClient | undefined;
let dynamoServer: Server | undefined;

async function startDynalite(): Promise<void> {
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  dynamoServer = server;
  const { port } = server.address() as AddressInfo;
  dynamo = new DynamoDBClient({
    endpoint: `http://127.0.0.1:${port}`,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  await dynamo.send(
    new CreateTableCommand({
      TableName: TABLE,
      AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      BillingMode: 'PAY_PER_REQUEST',
    }),
  );
}

beforeAll(async () => {
  await startDynalite();
});

afterAll(async () => {
  dynamo?.destroy();
  if (dynamoServer) await new Promise<void>((resolve) => dynamoServer?.close(() => resolve()));
});

// ---------------------------------------------------------------------------
// Comparison helpers
// ---------------------------------------------------------------------------

const show = (value: unknown): string => {
  const text = value === undefined ? 'undefined' : JSON.stringify(value);
  return text.length > 400 ? `${text.slice(0, 400)}… (${text.length} chars)` : text;
};

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Mismatches of `actual` against the partial `expected` (objects may carry extra keys).
 * History details carry JSON as strings (`input`, `output`, `parameters`, `cause`): an expected
 * object or array is compared with the parsed string.
 */
function partialMismatches(expected: unknown, actual: unknown, path: string): string[] {
  if (typeof actual === 'string' && typeof expected === 'object' && expected !== null) {
    const parsed = parseJson(actual);
    if (parsed.ok) return partialMismatches(expected, parsed.value, `${path}(parsed)`);
  }
  if (Array.isArray(expected)) {
    if (!Array.isArray(actual)) return [`${path}: expected an array ${show(expected)}, got ${show(actual)}`];
    if (actual.length !== expected.length) return [`${path}: expected ${expected.length} elements ${show(expected)}, got ${show(actual)}`];
    return expected.flatMap((item, i) => partialMismatches(item, actual[i], `${path}[${i}]`));
  }
  if (isRecord(expected)) {
    if (!isRecord(actual)) return [`${path}: expected an object like ${show(expected)}, got ${show(actual)}`];
    return Object.entries(expected).flatMap(([key, value]) => partialMismatches(value, actual[key], `${path}.${key}`));
  }
  return isDeepStrictEqual(expected, actual) ? [] : [`${path}: expected ${show(expected)}, got ${show(actual)}`];
}

function parseJson(text: string | undefined): { ok: true; value: unknown } | { ok: false } {
  if (text === undefined) return { ok: false };
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch {
    return { ok: false };
  }
}

function detailName(event: HistoryEvent, field: 'stateEnteredEventDetails' | 'stateExitedEventDetails'): string | undefined {
  const details = event[field];
  return isRecord(details) && typeof details.name === 'string' ? details.name : undefined;
}

const TERMINAL_EVENTS = new Set(['ExecutionSucceeded', 'ExecutionFailed', 'ExecutionTimedOut', 'ExecutionAborted']);

function historyMismatches(expected: NonNullable<Expectation['history']>, events: HistoryEvent[]): string[] {
  const problems: string[] = [];
  if (expected.statesEntered) {
    const entered = events.filter((e) => e.type.endsWith('StateEntered')).map((e) => detailName(e, 'stateEnteredEventDetails'));
    if (!isDeepStrictEqual(entered, expected.statesEntered)) {
      problems.push(`history states entered: expected ${show(expected.statesEntered)}, got ${show(entered)}`);
    }
  }
  for (const [type, count] of Object.entries(expected.eventCounts ?? {})) {
    const got = events.filter((e) => e.type === type).length;
    if (got !== count) problems.push(`history: expected ${count} ${type} event(s), got ${got}`);
  }
  if (expected.eventTypesInOrder) {
    let from = 0;
    for (const type of expected.eventTypesInOrder) {
      const at = events.findIndex((e, i) => i >= from && e.type === type);
      if (at < 0) {
        problems.push(`history: expected event types in order ${show(expected.eventTypesInOrder)}; missing ${type} after index ${from}; got ${show(events.map((e) => e.type))}`);
        break;
      }
      from = at + 1;
    }
  }
  if (expected.events) {
    const comparable = events.map(({ timestamp: _timestamp, ...rest }) => rest);
    if (comparable.length !== expected.events.length) {
      problems.push(`history: expected ${expected.events.length} events ${show(expected.events.map((e) => e.type))}, got ${comparable.length} ${show(comparable.map((e) => e.type))}`);
    }
    expected.events.forEach((want, i) => problems.push(...partialMismatches(want, comparable[i], `history[${i}]`)));
  }
  if (expected.eventsInclude) {
    let from = 0;
    for (const want of expected.eventsInclude) {
      const at = events.findIndex((e, i) => i >= from && partialMismatches(want, e, 'event').length === 0);
      if (at < 0) {
        const sameType = events.filter((e, i) => i >= from && e.type === want.type);
        problems.push(`history: no event like ${show(want)} after index ${from}; events of that type: ${show(sameType)}`);
        break;
      }
      from = at + 1;
    }
  }
  for (const [state, bound] of Object.entries(expected.stateDurations ?? {})) {
    const enteredAt = events.findIndex((e) => e.type.endsWith('StateEntered') && detailName(e, 'stateEnteredEventDetails') === state);
    // A state that fails the execution has no StateExited event; it ends with the execution's terminal event.
    const exited =
      events.find((e, i) => i > enteredAt && e.type.endsWith('StateExited') && detailName(e, 'stateExitedEventDetails') === state) ??
      events.find((e, i) => i > enteredAt && TERMINAL_EVENTS.has(e.type));
    const entered = events[enteredAt];
    if (enteredAt < 0 || !entered || !exited) {
      problems.push(`history: state ${state} was not both entered and exited (nor ended by the execution's end)`);
      continue;
    }
    const seconds = (new Date(exited.timestamp).getTime() - new Date(entered.timestamp).getTime()) / 1000;
    if ((bound.min !== undefined && seconds < bound.min) || (bound.max !== undefined && seconds > bound.max)) {
      problems.push(
        `history: state ${state} lasted ${seconds}s of execution time, expected within [${bound.min ?? '-'}, ${bound.max ?? '-'}] ` +
          `(${entered.type} #${entered.id} at ${new Date(entered.timestamp).toISOString()}, ${exited.type} #${exited.id} at ${new Date(exited.timestamp).toISOString()}; ` +
          `execution started ${events[0] ? new Date(events[0].timestamp).toISOString() : '?'})`,
      );
    }
  }
  return problems;
}

const TERMINAL_FOR_STATUS: Record<string, string> = {
  SUCCEEDED: 'ExecutionSucceeded',
  FAILED: 'ExecutionFailed',
  TIMED_OUT: 'ExecutionTimedOut',
  ABORTED: 'ExecutionAborted',
};

/** Invariants every execution history must satisfy (GetExecutionHistory API reference). */
function historyInvariantMismatches(events: HistoryEvent[], desc: ExecutionDescription, input: unknown): string[] {
  const problems: string[] = [];
  const first = events[0];
  if (!first || first.type !== 'ExecutionStarted' || first.previousEventId !== 0) {
    problems.push(`history invariant: first event must be ExecutionStarted with previousEventId 0, got ${show(first && { type: first.type, previousEventId: first.previousEventId })}`);
  } else {
    const details = first.executionStartedEventDetails;
    const started = isRecord(details) && typeof details.input === 'string' ? parseJson(details.input) : { ok: false as const };
    if (!started.ok || !isDeepStrictEqual(started.value, input)) problems.push(`history invariant: executionStartedEventDetails.input should be the execution input ${show(input)}, got ${show(isRecord(details) ? details.input : details)}`);
  }
  const badIds = events.filter((e, i) => e.id !== i + 1).map((e) => e.id);
  if (badIds.length) problems.push(`history invariant: event ids must be 1..${events.length} in order; out of place: ${show(badIds.slice(0, 5))}`);
  const badPrevious = events.filter((e) => !(typeof e.previousEventId === 'number' && e.previousEventId >= 0 && e.previousEventId < e.id)).map((e) => e.id);
  if (badPrevious.length) problems.push(`history invariant: previousEventId must point to an earlier event; wrong for ids ${show(badPrevious.slice(0, 5))}`);
  const times = events.map((e) => new Date(e.timestamp).getTime());
  if (times.some((t, i) => Number.isNaN(t) || (i > 0 && t < (times[i - 1] ?? 0)))) problems.push('history invariant: timestamps must be valid and non-decreasing');
  const last = events[events.length - 1];
  const terminal = TERMINAL_FOR_STATUS[desc.status];
  if (terminal && last?.type !== terminal) problems.push(`history invariant: status ${desc.status} must end with ${terminal}, last event is ${show(last?.type)}`);
  return problems;
}

function executionMismatches(expected: Expectation, desc: ExecutionDescription): string[] {
  const problems: string[] = [];
  if (expected.status !== undefined && desc.status !== expected.status) {
    problems.push(`status: expected ${expected.status}, got ${desc.status} (error=${show(desc.error)}, cause=${show(desc.cause)}, output=${show(desc.output)})`);
  }
  if (expected.output !== undefined || expected.outputPartial !== undefined) {
    const parsed = parseJson(desc.output);
    if (!parsed.ok) problems.push(`output: expected JSON, got ${show(desc.output)}`);
    else {
      if (expected.output !== undefined && !isDeepStrictEqual(parsed.value, expected.output)) {
        problems.push(`output: expected ${show(expected.output)}, got ${show(parsed.value)}`);
      }
      if (expected.outputPartial !== undefined) problems.push(...partialMismatches(expected.outputPartial, parsed.value, 'output'));
    }
  }
  if (expected.error !== undefined) {
    const want = expected.error ?? undefined;
    if (desc.error !== want && !(want === undefined && desc.error === '')) problems.push(`error: expected ${want === undefined ? 'no error' : show(want)}, got ${show(desc.error)}`);
  }
  if (expected.cause !== undefined) {
    const want = expected.cause ?? undefined;
    if (desc.cause !== want && !(want === undefined && desc.cause === '')) problems.push(`cause: expected ${want === undefined ? 'no cause' : show(want)}, got ${show(desc.cause)}`);
  }
  for (const part of expected.causeContains ?? []) {
    if (!(desc.cause ?? '').includes(part)) problems.push(`cause: expected to contain ${show(part)}, got ${show(desc.cause)}`);
  }
  if (expected.causeJson) {
    const parsed = parseJson(desc.cause);
    if (!parsed.ok) problems.push(`cause: expected JSON like ${show(expected.causeJson)}, got ${show(desc.cause)}`);
    else problems.push(...partialMismatches(expected.causeJson, parsed.value, 'cause'));
  }
  return problems;
}

// ---------------------------------------------------------------------------
// Running one scenario
// ---------------------------------------------------------------------------

async function allHistory(engine: Engine, executionArn: string): Promise<HistoryEvent[]> {
  const events: HistoryEvent[] = [];
  let nextToken: string | undefined;
  for (let page = 0; page < 100; page += 1) {
    const result = await engine.getExecutionHistory({ executionArn, maxResults: 1000, nextToken, includeExecutionData: true });
    events.push(...result.items);
    nextToken = result.nextToken;
    if (!nextToken) break;
  }
  return events;
}

async function driveCallbacks(engine: Engine, actions: CallbackAction[], tokens: string[], isDone: () => boolean): Promise<string[]> {
  const problems: string[] = [];
  let next = 0;
  for (const action of actions) {
    const deadline = Date.now() + 5_000;
    while (tokens.length <= next && !isDone() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 2));
    const token = tokens[next];
    if (token === undefined) {
      problems.push(`callbacks: no task token arrived for ${action.kind} #${next + 1} (TokenSink received ${tokens.length})`);
      break;
    }
    try {
      if (action.kind === 'success') {
        await engine.sendTaskSuccess({ taskToken: token, output: JSON.stringify(action.output) });
        next += 1;
      } else if (action.kind === 'failure') {
        await engine.sendTaskFailure({ taskToken: token, error: action.error, cause: action.cause });
        next += 1;
      } else {
        await engine.sendTaskHeartbeat({ taskToken: token });
      }
    } catch (error) {
      problems.push(`callbacks: ${action.kind} rejected: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`);
      break;
    }
  }
  return problems;
}

async function runScenario(scenario: Scenario, index: number): Promise<string[]> {
  const probe = new Probe();
  const tokens: string[] = [];
  const invocations: Record<string, number> = {};
  const builtIns: Record<string, LambdaHandler> = {
    Echo: async (event) => event,
    TokenSink: async (event) => {
      if (isRecord(event) && typeof event.token === 'string') tokens.push(event.token);
      return { received: true };
    },
  };
  const handlers = { ...builtIns, ...(scenario.lambdas?.(probe) ?? {}) };
  const lambdas = new Map<string, LambdaHandler>();
  for (const [name, handler] of Object.entries(handlers)) {
    lambdas.set(name, async (event, context) => {
      invocations[name] = (invocations[name] ?? 0) + 1;
      return handler(event, context);
    });
  }

  const engine = createEngine({ lambdas, timeScale: scenario.timeScale ?? 100, dynamodb: scenario.dynamodb ? dynamo : undefined });
  await engine.start();
  const problems: string[] = [];
  try {
    const expected = scenario.expect;
    const definition = typeof scenario.definition === 'string' ? scenario.definition : JSON.stringify(scenario.definition);
    let stateMachineArn: string;
    try {
      ({ stateMachineArn } = await engine.createStateMachine({
        name: scenario.stateMachineName ?? `conformance-${index}`,
        definition,
        roleArn: 'arn:aws:iam::123456789012:role/conformance',
      }));
    } catch (error) {
      const code = error instanceof EngineError ? error.code : error instanceof Error ? error.name : 'unknown';
      if (expected.createError === undefined) {
        return [`createStateMachine rejected the definition: ${code}: ${error instanceof Error ? error.message : String(error)}`];
      }
      return code === expected.createError ? [] : [`createStateMachine: expected ${expected.createError}, got ${code}: ${error instanceof Error ? error.message : String(error)}`];
    }
    if (expected.createError !== undefined) return [`createStateMachine: expected ${expected.createError}, but the definition was accepted`];

    const { executionArn } = await engine.startExecution({
      stateMachineArn,
      name: scenario.executionName ?? `exec-${index}`,
      input: JSON.stringify(scenario.input ?? {}),
    });
    let done = false;
    const callbackRun = driveCallbacks(engine, scenario.callbacks ?? [], tokens, () => done);
    let desc: ExecutionDescription;
    try {
      desc = await engine.waitForExecution(executionArn, { timeoutMs: 10_000 });
    } finally {
      done = true;
    }
    problems.push(...(await callbackRun));
    if (scenario.afterEnd) {
      const { send, expectError } = scenario.afterEnd;
      const token = tokens[0];
      if (token === undefined) problems.push('afterEnd: no task token was received');
      else {
        try {
          if (send.kind === 'success') await engine.sendTaskSuccess({ taskToken: token, output: JSON.stringify(send.output) });
          else if (send.kind === 'failure') await engine.sendTaskFailure({ taskToken: token, error: send.error, cause: send.cause });
          else await engine.sendTaskHeartbeat({ taskToken: token });
          problems.push(`afterEnd: ${send.kind} on a finished task was accepted; expected ${expectError}`);
        } catch (error) {
          const code = error instanceof EngineError ? error.code : error instanceof Error ? error.name : String(error);
          if (code !== expectError) problems.push(`afterEnd: expected ${expectError}, got ${code}`);
        }
        desc = await engine.describeExecution(executionArn);
      }
    }
    problems.push(...executionMismatches(expected, desc));
    const events = await allHistory(engine, executionArn);
    problems.push(...historyInvariantMismatches(events, desc, scenario.input ?? {}));
    if (expected.history) problems.push(...historyMismatches(expected.history, events));
    if (expected.invocations) {
      for (const [name, count] of Object.entries(expected.invocations)) {
        if ((invocations[name] ?? 0) !== count) problems.push(`invocations of ${name}: expected ${count}, got ${invocations[name] ?? 0}`);
      }
    }
    for (const [key, value] of Object.entries(expected.probe ?? {})) {
      const got = probe.values.get(key);
      if (!isDeepStrictEqual(got, value)) problems.push(`probe ${key}: expected ${show(value)}, got ${show(got)}`);
    }
  } finally {
    await engine.stop();
  }
  return problems;
}

let counter = 0;
for (const area of areas) {
  describe(area.name, () => {
    for (const scenario of area.scenarios) {
      const index = (counter += 1);
      it(scenario.name, async () => {
        const problems = await runScenario(scenario, index);
        expect(problems, `${area.name} › ${scenario.name} (source: ${[scenario.source].flat().join(', ')})`).toEqual([]);
      });
    }
  });
}

// ---------------------------------------------------------------------------
// API behaviours the scenarios cannot express (Step Functions API reference)
// ---------------------------------------------------------------------------

const WAIT_FOREVER = JSON.stringify({ QueryLanguage: 'JSONata', StartAt: 'W', States: { W: { Type: 'Wait', Seconds: 3600, End: true } } });
const TOKEN_TASK = JSON.stringify({
  QueryLanguage: 'JSONata',
  StartAt: 'T',
  States: {
    T: {
      Type: 'Task',
      Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
      Arguments: { FunctionName: 'TokenSink', Payload: { token: '{% $states.context.Task.Token %}' } },
      End: true,
    },
  },
});

async function withEngine(fn: (engine: Engine, tokens: string[]) => Promise<void>): Promise<void> {
  const tokens: string[] = [];
  const lambdas = new Map<string, LambdaHandler>([
    [
      'TokenSink',
      async (event) => {
        if (isRecord(event) && typeof event.token === 'string') tokens.push(event.token);
        return {};
      },
    ],
  ]);
  const engine = createEngine({ lambdas, timeScale: 1 });
  await engine.start();
  try {
    await fn(engine, tokens);
  } finally {
    await engine.stop();
  }
}

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return 'accepted';
  } catch (error) {
    return error instanceof EngineError ? error.code : error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  }
}

async function waitForToken(tokens: string[]): Promise<string> {
  const deadline = Date.now() + 5_000;
  while (tokens.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 2));
  const token = tokens[0];
  if (token === undefined) throw new Error('no task token arrived');
  return token;
}

describe('API behaviours', () => {
  it('StartExecution: same name and input while RUNNING returns the same execution; other input is ExecutionAlreadyExists (API_StartExecution)', async () => {
    await withEngine(async (engine) => {
      const { stateMachineArn } = await engine.createStateMachine({ name: 'idem', definition: WAIT_FOREVER });
      const first = await engine.startExecution({ stateMachineArn, name: 'same', input: '{"a":1}' });
      const again = await engine.startExecution({ stateMachineArn, name: 'same', input: '{"a":1}' });
      expect(again.executionArn).toBe(first.executionArn);
      expect(await codeOf(engine.startExecution({ stateMachineArn, name: 'same', input: '{"a":2}' }))).toBe('ExecutionAlreadyExists');
      await engine.stopExecution({ executionArn: first.executionArn });
      expect(await codeOf(engine.startExecution({ stateMachineArn, name: 'same', input: '{"a":1}' }))).toBe('ExecutionAlreadyExists');
    });
  });

  it('StartExecution: input that is not JSON is InvalidExecutionInput; a bad name is InvalidName (API_StartExecution)', async () => {
    await withEngine(async (engine) => {
      const { stateMachineArn } = await engine.createStateMachine({ name: 'bad-input', definition: WAIT_FOREVER });
      expect(await codeOf(engine.startExecution({ stateMachineArn, input: '{not json' }))).toBe('InvalidExecutionInput');
      expect(await codeOf(engine.startExecution({ stateMachineArn, name: 'has space', input: '{}' }))).toBe('InvalidName');
    });
  });

  it('CreateStateMachine: same name with another definition is StateMachineAlreadyExists; unknown ARNs are ...DoesNotExist (API_CreateStateMachine, API_DescribeExecution)', async () => {
    await withEngine(async (engine) => {
      const { stateMachineArn } = await engine.createStateMachine({ name: 'dup', definition: WAIT_FOREVER });
      expect(stateMachineArn).toBe('arn:aws:states:us-east-1:123456789012:stateMachine:dup');
      expect(await codeOf(engine.createStateMachine({ name: 'dup', definition: TOKEN_TASK }))).toBe('StateMachineAlreadyExists');
      expect(await codeOf(engine.describeStateMachine('arn:aws:states:us-east-1:123456789012:stateMachine:nope'))).toBe('StateMachineDoesNotExist');
      expect(await codeOf(engine.describeExecution('arn:aws:states:us-east-1:123456789012:execution:dup:nope'))).toBe('ExecutionDoesNotExist');
    });
  });

  it('StopExecution: status ABORTED with the given error and cause; history ends with ExecutionAborted (API_StopExecution)', async () => {
    await withEngine(async (engine) => {
      const { stateMachineArn } = await engine.createStateMachine({ name: 'stop', definition: WAIT_FOREVER });
      const { executionArn } = await engine.startExecution({ stateMachineArn, name: 'to-stop' });
      await engine.stopExecution({ executionArn, error: 'Stopped.ByTest', cause: 'enough' });
      const desc = await engine.waitForExecution(executionArn, { timeoutMs: 5_000 });
      expect({ status: desc.status, error: desc.error, cause: desc.cause }).toEqual({ status: 'ABORTED', error: 'Stopped.ByTest', cause: 'enough' });
      const events = await allHistory(engine, executionArn);
      const last = events[events.length - 1];
      expect(last?.type).toBe('ExecutionAborted');
      expect(last?.executionAbortedEventDetails).toMatchObject({ error: 'Stopped.ByTest', cause: 'enough' });
    });
  });

  it('SendTaskSuccess: output that is not JSON is InvalidOutput; a made-up token is InvalidToken; a used token is rejected (API_SendTaskSuccess)', async () => {
    await withEngine(async (engine, tokens) => {
      const { stateMachineArn } = await engine.createStateMachine({ name: 'tokens', definition: TOKEN_TASK });
      const { executionArn } = await engine.startExecution({ stateMachineArn, name: 'tok' });
      const token = await waitForToken(tokens);
      expect(await codeOf(engine.sendTaskSuccess({ taskToken: token, output: '{oops' }))).toBe('InvalidOutput');
      expect(await codeOf(engine.sendTaskSuccess({ taskToken: 'not-a-real-token', output: '{}' }))).toBe('InvalidToken');
      await engine.sendTaskSuccess({ taskToken: token, output: '{"ok":true}' });
      const desc = await engine.waitForExecution(executionArn, { timeoutMs: 5_000 });
      expect(desc.status).toBe('SUCCEEDED');
      expect(['TaskDoesNotExist', 'InvalidToken', 'TaskTimedOut']).toContain(await codeOf(engine.sendTaskSuccess({ taskToken: token, output: '{}' })));
    });
  });

  it('GetExecutionHistory: maxResults pages with nextToken; reverseOrder lists the latest first (API_GetExecutionHistory)', async () => {
    await withEngine(async (engine) => {
      const definition = JSON.stringify({
        QueryLanguage: 'JSONata',
        StartAt: 'A',
        States: { A: { Type: 'Pass', Next: 'B' }, B: { Type: 'Pass', Next: 'C' }, C: { Type: 'Pass', End: true } },
      });
      const { stateMachineArn } = await engine.createStateMachine({ name: 'pages', definition });
      const { executionArn } = await engine.startExecution({ stateMachineArn, name: 'paged' });
      await engine.waitForExecution(executionArn, { timeoutMs: 5_000 });
      const ids: number[] = [];
      let nextToken: string | undefined;
      let pages = 0;
      do {
        const page = await engine.getExecutionHistory({ executionArn, maxResults: 3, nextToken });
        expect(page.items.length).toBeLessThanOrEqual(3);
        ids.push(...page.items.map((e) => e.id));
        nextToken = page.nextToken;
        pages += 1;
      } while (nextToken && pages < 20);
      expect(ids).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
      const reversed = await engine.getExecutionHistory({ executionArn, reverseOrder: true });
      expect(reversed.items.map((e) => e.id)).toEqual([8, 7, 6, 5, 4, 3, 2, 1]);
    });
  });

  it('ListExecutions filters by status (API_ListExecutions)', async () => {
    await withEngine(async (engine) => {
      const { stateMachineArn } = await engine.createStateMachine({ name: 'list', definition: WAIT_FOREVER });
      const running = await engine.startExecution({ stateMachineArn, name: 'running' });
      const stopped = await engine.startExecution({ stateMachineArn, name: 'stopped' });
      await engine.stopExecution({ executionArn: stopped.executionArn });
      await engine.waitForExecution(stopped.executionArn, { timeoutMs: 5_000 });
      const runningList = await engine.listExecutions({ stateMachineArn, statusFilter: 'RUNNING' });
      const abortedList = await engine.listExecutions({ stateMachineArn, statusFilter: 'ABORTED' });
      expect(runningList.items.map((e) => e.executionArn)).toEqual([running.executionArn]);
      expect(abortedList.items.map((e) => e.executionArn)).toEqual([stopped.executionArn]);
    });
  });

  it('StartExecution without a name uses a UUID; DescribeExecution of a finished run has stopDate and output (API_StartExecution, API_DescribeExecution)', async () => {
    await withEngine(async (engine) => {
      const definition = JSON.stringify({ QueryLanguage: 'JSONata', StartAt: 'P', States: { P: { Type: 'Pass', Output: { ok: true }, End: true } } });
      const { stateMachineArn } = await engine.createStateMachine({ name: 'describe', definition });
      const { executionArn } = await engine.startExecution({ stateMachineArn, input: '{"in":1}' });
      const desc = await engine.waitForExecution(executionArn, { timeoutMs: 5_000 });
      expect(desc.name).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
      expect(desc.executionArn).toBe(`arn:aws:states:us-east-1:123456789012:execution:describe:${desc.name}`);
      expect(desc.stateMachineArn).toBe(stateMachineArn);
      expect(JSON.parse(desc.input)).toEqual({ in: 1 });
      expect(JSON.parse(desc.output ?? 'null')).toEqual({ ok: true });
      expect(desc.stopDate).toBeInstanceOf(Date);
      expect((desc.stopDate?.getTime() ?? 0) >= desc.startDate.getTime()).toBe(true);
    });
  });

  it('UpdateStateMachine: a running execution keeps the definition it started with; new executions use the update (API_UpdateStateMachine)', async () => {
    await withEngine(async (engine, tokens) => {
      const v1 = JSON.stringify({
        QueryLanguage: 'JSONata',
        StartAt: 'T',
        States: {
          T: { Type: 'Task', Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken', Arguments: { FunctionName: 'TokenSink', Payload: { token: '{% $states.context.Task.Token %}' } }, Next: 'V' },
          V: { Type: 'Pass', Output: 'v1', End: true },
        },
      });
      const v2 = JSON.stringify({ QueryLanguage: 'JSONata', StartAt: 'V', States: { V: { Type: 'Pass', Output: 'v2', End: true } } });
      const { stateMachineArn } = await engine.createStateMachine({ name: 'versions', definition: v1 });
      const first = await engine.startExecution({ stateMachineArn, name: 'first' });
      const token = await waitForToken(tokens);
      await engine.updateStateMachine({ stateMachineArn, definition: v2 });
      const second = await engine.startExecution({ stateMachineArn, name: 'second' });
      expect(JSON.parse((await engine.waitForExecution(second.executionArn, { timeoutMs: 5_000 })).output ?? 'null')).toBe('v2');
      await engine.sendTaskSuccess({ taskToken: token, output: '{}' });
      expect(JSON.parse((await engine.waitForExecution(first.executionArn, { timeoutMs: 5_000 })).output ?? 'null')).toBe('v1');
    });
  });

  it('GetExecutionHistory with includeExecutionData false leaves out inputs and outputs (API_GetExecutionHistory)', async () => {
    await withEngine(async (engine) => {
      const definition = JSON.stringify({ QueryLanguage: 'JSONata', StartAt: 'P', States: { P: { Type: 'Pass', Output: { secret: 's' }, End: true } } });
      const { stateMachineArn } = await engine.createStateMachine({ name: 'nodata', definition });
      const { executionArn } = await engine.startExecution({ stateMachineArn, name: 'nodata', input: '{"x":1}' });
      await engine.waitForExecution(executionArn, { timeoutMs: 5_000 });
      const page = await engine.getExecutionHistory({ executionArn, includeExecutionData: false });
      const withData = page.items.filter((e) => JSON.stringify(e).includes('"input"') || JSON.stringify(e).includes('"output"'));
      expect(withData.map((e) => e.type)).toEqual([]);
      expect(page.items.map((e) => e.type)).toEqual(['ExecutionStarted', 'PassStateEntered', 'PassStateExited', 'ExecutionSucceeded']);
    });
  });
});
