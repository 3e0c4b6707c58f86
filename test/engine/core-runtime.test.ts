/**
 * Engine core: definition checks, JSONata helpers, error matching, the
 * scheduler, timers on an injected clock, resume after a simulated restart
 * (a new Engine on the same in-memory store), callbacks and the API rules
 * (idempotent start, listing, history paging).
 */
import { describe, expect, it } from 'vitest';
import { EngineError, type Engine, type LambdaHandler } from '../../local/engine/api';
import { parseDefinition } from '../../local/engine/definition';
import { errorMatches } from '../../local/engine/errors';
import { createEngine, ManualClock, MemoryStore } from '../../local/engine/index';
import type { EngineImpl } from '../../local/engine/engine';
import { compileExpression, evaluateExpression } from '../../local/engine/jsonata-eval';
import { Scheduler } from '../../local/engine/scheduler';
import { flush, machine, setup, until } from './fixtures/runtime';

function invalidMessage(definition: string): string {
  try {
    parseDefinition(definition);
  } catch (err) {
    expect(err).toBeInstanceOf(EngineError);
    expect((err as EngineError).code).toBe('InvalidDefinition');
    return (err as Error).message;
  }
  throw new Error('definition was accepted');
}

describe('definition validation', () => {
  it('names the state and the field of a JSONPath-only field', () => {
    const msg = invalidMessage(machine({ A: { Type: 'Pass', InputPath: '$.x', End: true } }));
    expect(msg).toContain("state 'A'");
    expect(msg).toContain('InputPath');
  });

  it('rejects a state whose effective QueryLanguage is JSONPath', () => {
    const def = JSON.stringify({ StartAt: 'A', States: { A: { Type: 'Pass', End: true } } });
    expect(invalidMessage(def)).toMatch(/state 'A'.*QueryLanguage/);
    // but accepts JSONata set per state
    expect(() => parseDefinition(JSON.stringify({ StartAt: 'A', States: { A: { Type: 'Pass', QueryLanguage: 'JSONata', End: true } } }))).not.toThrow();
  });

  it('rejects an unknown resource and a Next naming a missing state', () => {
    expect(invalidMessage(machine({ T: { Type: 'Task', Resource: 'arn:aws:states:::sqs:sendMessage', Arguments: {}, End: true } }))).toMatch(/state 'T': Resource/);
    expect(invalidMessage(machine({ A: { Type: 'Pass', Next: 'Nope' } }))).toMatch(/state 'A': Next names a missing state "Nope"/);
    expect(invalidMessage(machine({ A: { Type: 'Pass', End: true }, B: { Type: 'Pass', End: true } }))).toMatch(/'B' is not reachable/);
  });

  it('rejects a branch assigning a variable of an outer scope', () => {
    const def = machine({
      Init: { Type: 'Pass', Assign: { total: 0 }, Next: 'M' },
      M: { Type: 'Map', Items: [1], ItemProcessor: { StartAt: 'In', States: { In: { Type: 'Pass', Assign: { total: 1 }, End: true } } }, End: true },
    });
    expect(invalidMessage(def)).toMatch(/state 'In'.*total.*outer scope/);
  });

  it('accepts what AWS accepts and the schema does not: array Output, JSONata TimeoutSeconds, a state named Next', () => {
    const def = machine({
      A: { Type: 'Pass', Output: [1, '{% 2 %}'], Next: 'Next' },
      Next: { Type: 'Task', Resource: 'arn:aws:states:::lambda:invoke', Arguments: { FunctionName: 'f' }, TimeoutSeconds: '{% 3 %}', HeartbeatSeconds: '{% 1 %}', End: true },
    });
    expect(parseDefinition(def).stateCount).toBe(2);
  });

  it('reports a JSONata syntax error with the field', () => {
    expect(invalidMessage(machine({ A: { Type: 'Pass', Output: { x: '{% $states.input. %}' }, End: true } }))).toMatch(/state 'A'.*Output/);
  });

  it('createStateMachine throws EngineError InvalidDefinition', async () => {
    const engine = createEngine({});
    await expect(engine.createStateMachine({ name: 'bad', definition: '{"StartAt":' })).rejects.toMatchObject({ code: 'InvalidDefinition' });
    await engine.stop();
  });
});

describe('JSONata functions and errors', () => {
  const ev = (src: string, states: unknown = { input: {} }) => evaluateExpression(compileExpression(`{% ${src} %}`, 'Output'), { states });

  it('implements $partition, $range, $hash, $random, $uuid, $parse', async () => {
    expect(await ev('$partition([1,2,3,4,5], 2)')).toEqual([[1, 2], [3, 4], [5]]);
    expect(await ev('$range(0, 10, 5)')).toEqual([0, 5, 10]);
    expect(await ev("$hash('abc', 'SHA-256')")).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(await ev('$random(7)')).toBe(await ev('$random(7)'));
    expect(await ev('$uuid()')).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(await ev('$parse(\'{"a":[1]}\').a[0]')).toBe(1);
  });

  it('an undefined result is a States.QueryEvaluationError naming the field', async () => {
    await expect(ev('$states.input.nope')).rejects.toMatchObject({ error: 'States.QueryEvaluationError', cause_: expect.stringContaining("field 'Output' returned nothing") });
  });

  it('States.ALL does not match States.Runtime; States.TaskFailed does not match States.Timeout', () => {
    expect(errorMatches(['States.ALL'], 'Custom', true)).toBe(true);
    expect(errorMatches(['States.ALL'], 'States.Runtime', true)).toBe(false);
    expect(errorMatches(['States.TaskFailed'], 'Lambda.Unknown', true)).toBe(true);
    expect(errorMatches(['States.TaskFailed'], 'States.Timeout', true)).toBe(false);
    expect(errorMatches(['A', 'B'], 'C', true)).toBe(false);
  });
});

describe('scheduler on a manual clock', () => {
  it('fires timers in due order when the clock advances, not before', () => {
    const clock = new ManualClock(1000);
    const s = new Scheduler(clock);
    const fired: string[] = [];
    s.at(3000, () => fired.push('b'));
    s.at(2000, () => fired.push('a'));
    const c = s.at(2500, () => fired.push('cancelled'));
    s.cancel(c);
    clock.advance(500);
    expect(fired).toEqual([]);
    clock.advance(1000);
    expect(fired).toEqual(['a']);
    clock.advance(1000);
    expect(fired).toEqual(['a', 'b']);
    s.stop();
  });
});

describe('timers: injected clock and timeScale', () => {
  it('a Wait on a ManualClock ends exactly when the clock reaches it', async () => {
    const clock = new ManualClock(Date.UTC(2026, 0, 1));
    const engine = createEngine({ clock });
    const arn = await setup(engine, machine({ W: { Type: 'Wait', Seconds: 3600, End: true } }));
    const { executionArn } = await engine.startExecution({ stateMachineArn: arn });
    await flush();
    clock.advance(3_599_000);
    await flush();
    expect((await engine.describeExecution(executionArn)).status).toBe('RUNNING');
    clock.advance(1000);
    const d = await engine.waitForExecution(executionArn, { timeoutMs: 2000 });
    expect(d.status).toBe('SUCCEEDED');
    expect(d.stopDate!.getTime() - d.startDate.getTime()).toBe(3_600_000);
    await engine.stop();
  });

  it('timeScale 3600 makes an hour pass in about a second; history keeps execution time', async () => {
    const engine = createEngine({ timeScale: 36_000 });
    const arn = await setup(engine, machine({ W: { Type: 'Wait', Seconds: 3600, End: true } }));
    const t0 = Date.now();
    const { executionArn } = await engine.startExecution({ stateMachineArn: arn });
    const d = await engine.waitForExecution(executionArn, { timeoutMs: 5000 });
    const real = Date.now() - t0;
    expect(d.status).toBe('SUCCEEDED');
    expect(real).toBeGreaterThanOrEqual(90);
    expect(real).toBeLessThan(2000);
    const events = (await engine.getExecutionHistory({ executionArn })).items;
    const entered = events.find((e) => e.type === 'WaitStateEntered')!;
    const exited = events.find((e) => e.type === 'WaitStateExited')!;
    expect(exited.timestamp.getTime() - entered.timestamp.getTime()).toBeGreaterThanOrEqual(3_600_000);
    expect(exited.timestamp.getTime() - entered.timestamp.getTime()).toBeLessThan(3_600_000 + 36_000 * 500);
    await engine.stop();
  });
});

describe('resume after a restart (new Engine on the same store)', () => {
  it('a Wait resumes at its original time', async () => {
    const clock = new ManualClock(Date.UTC(2026, 0, 1));
    const store = new MemoryStore();
    const e1 = createEngine({ clock, store });
    const arn = await setup(e1, machine({ A: { Type: 'Pass', Assign: { v: 1 }, Next: 'W' }, W: { Type: 'Wait', Seconds: 100, Next: 'B' }, B: { Type: 'Pass', Output: { v: '{% $v %}' }, End: true } }));
    const { executionArn } = await e1.startExecution({ stateMachineArn: arn });
    await flush();
    clock.advance(40_000);
    await e1.stop();
    clock.advance(30_000); // the process is down for 30 s
    const e2 = createEngine({ clock, store });
    await e2.start();
    expect((await e2.describeExecution(executionArn)).currentStates).toEqual(['W']);
    clock.advance(29_000);
    await flush();
    expect((await e2.describeExecution(executionArn)).status).toBe('RUNNING');
    clock.advance(1000);
    const d = await e2.waitForExecution(executionArn, { timeoutMs: 2000 });
    expect(d).toMatchObject({ status: 'SUCCEEDED', output: '{"v":1}' });
    const types = (await e2.getExecutionHistory({ executionArn })).items.map((e) => e.type);
    expect(types).toEqual(['ExecutionStarted', 'PassStateEntered', 'PassStateExited', 'WaitStateEntered', 'WaitStateExited', 'PassStateEntered', 'PassStateExited', 'ExecutionSucceeded']);
    await e2.stop();
  });

  it('a task token stays valid across a restart and the callback Lambda is not invoked again', async () => {
    const store = new MemoryStore();
    const tokens: string[] = [];
    const sink: LambdaHandler = async (event) => {
      tokens.push((event as { token: string }).token);
      return {};
    };
    const def = machine({
      Ask: {
        Type: 'Task',
        Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
        Arguments: { FunctionName: 'Sink', Payload: { token: '{% $states.context.Task.Token %}' } },
        Output: { answer: '{% $states.result.answer %}' },
        End: true,
      },
    });
    const e1 = createEngine({ store, lambdas: new Map([['Sink', sink]]) });
    const arn = await setup(e1, def);
    const { executionArn } = await e1.startExecution({ stateMachineArn: arn });
    await until(async () => (await e1.getExecutionHistory({ executionArn })).items.some((e) => e.type === 'TaskSubmitted'));
    await e1.stop();
    const e2 = createEngine({ store, lambdas: new Map([['Sink', sink]]) });
    await e2.start();
    await e2.sendTaskSuccess({ taskToken: tokens[0]!, output: '{"answer":42}' });
    expect(await e2.waitForExecution(executionArn)).toMatchObject({ status: 'SUCCEEDED', output: '{"answer":42}' });
    expect(tokens).toHaveLength(1);
    await expect(e2.sendTaskSuccess({ taskToken: tokens[0]!, output: '{}' })).rejects.toMatchObject({ code: 'TaskTimedOut' });
    await expect(e2.sendTaskSuccess({ taskToken: 'not-a-token', output: '{}' })).rejects.toMatchObject({ code: 'InvalidToken' });
    await e2.stop();
  });

  it('a task that was running when the process stopped runs again (at-least-once)', async () => {
    const store = new MemoryStore();
    let calls = 0;
    const hang: LambdaHandler = () => {
      calls++;
      return new Promise(() => undefined);
    };
    const ok: LambdaHandler = async (event) => {
      calls++;
      return { got: event };
    };
    const def = machine({ T: { Type: 'Task', Resource: 'arn:aws:states:::lambda:invoke', Arguments: { FunctionName: 'F', Payload: { n: '{% $states.input.n %}' } }, Output: '{% $states.result.Payload %}', End: true } });
    const e1 = createEngine({ store, lambdas: new Map([['F', hang]]) });
    const arn = await setup(e1, def);
    const { executionArn } = await e1.startExecution({ stateMachineArn: arn, input: '{"n":5}' });
    await until(() => calls === 1);
    await e1.stop();
    const e2 = createEngine({ store, lambdas: new Map([['F', ok]]) });
    await e2.start();
    expect(await e2.waitForExecution(executionArn)).toMatchObject({ status: 'SUCCEEDED', output: '{"got":{"n":5}}' });
    expect(calls).toBe(2);
    await e2.stop();
  });
});

describe('parked executions (a submitted callback task leaves memory; the store has its cursor)', () => {
  const ask = (extra: Record<string, unknown> = {}, top: Record<string, unknown> = {}) =>
    machine(
      {
        Ask: {
          Type: 'Task',
          Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
          Arguments: { FunctionName: 'Sink', Payload: { token: '{% $states.context.Task.Token %}', lead: '{% $states.input.lead %}' } },
          Output: { lead: '{% $states.input.lead %}', answer: '{% $states.result.answer %}' },
          ...extra,
          End: true,
        },
      },
      'Ask',
      top,
    );
  async function parkOne(definition: string, options: { store?: MemoryStore; clock?: ManualClock } = {}) {
    const tokens: string[] = [];
    const sink: LambdaHandler = async (event) => {
      tokens.push((event as { token: string }).token);
      return {};
    };
    const engine = createEngine({ lambdas: new Map([['Sink', sink]]), ...options }) as EngineImpl;
    const arn = await setup(engine, definition);
    const { executionArn } = await engine.startExecution({ stateMachineArn: arn, name: 'lead-1', input: '{"lead":"ada"}' });
    await until(() => engine.loaded.parked === 1);
    return { engine, arn, executionArn, tokens };
  }

  it('answers DescribeExecution and an idempotent start while parked, and resumes once with SendTaskSuccess', async () => {
    const { engine, arn, executionArn, tokens } = await parkOne(ask({ TimeoutSeconds: 3600 }));
    expect(engine.loaded).toEqual({ running: 0, parked: 1 });
    expect(await engine.describeExecution(executionArn)).toMatchObject({ status: 'RUNNING', name: 'lead-1', stateMachineArn: arn, input: '{"lead":"ada"}', currentStates: ['Ask'] });
    expect((await engine.startExecution({ stateMachineArn: arn, name: 'lead-1', input: '{ "lead": "ada" }' })).executionArn).toBe(executionArn);
    await engine.sendTaskHeartbeat({ taskToken: tokens[0]! });
    await engine.sendTaskSuccess({ taskToken: tokens[0]!, output: '{"answer":"yes"}' });
    expect(await engine.waitForExecution(executionArn)).toMatchObject({ status: 'SUCCEEDED', output: '{"lead":"ada","answer":"yes"}' });
    expect(tokens).toHaveLength(1);
    const types = (await engine.getExecutionHistory({ executionArn })).items.map((e) => e.type);
    expect(types).toEqual(['ExecutionStarted', 'TaskStateEntered', 'TaskScheduled', 'TaskStarted', 'TaskSubmitted', 'TaskSucceeded', 'TaskStateExited', 'ExecutionSucceeded']);
    expect(engine.loaded).toEqual({ running: 0, parked: 0 });
    await expect(engine.sendTaskSuccess({ taskToken: tokens[0]!, output: '{}' })).rejects.toMatchObject({ code: 'TaskTimedOut' });
    await engine.stop();
  });

  it('two answers to a parked task at once: one wins, the other is told the task is closed', async () => {
    const { engine, executionArn, tokens } = await parkOne(ask());
    const results = await Promise.allSettled([engine.sendTaskSuccess({ taskToken: tokens[0]!, output: '{"answer":"a"}' }), engine.sendTaskSuccess({ taskToken: tokens[0]!, output: '{"answer":"b"}' })]);
    expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
    expect(results.find((r) => r.status === 'rejected')).toMatchObject({ reason: { code: 'TaskTimedOut' } });
    expect((await engine.waitForExecution(executionArn)).status).toBe('SUCCEEDED');
    await engine.stop();
  });

  it('times a parked task out at its TimeoutSeconds, and a parked execution at the machine TimeoutSeconds', async () => {
    const clock = new ManualClock();
    const a = await parkOne(ask({ TimeoutSeconds: 60 }), { clock });
    clock.advance(59_000);
    await flush();
    expect((await a.engine.describeExecution(a.executionArn)).status).toBe('RUNNING');
    clock.advance(1_000);
    expect(await a.engine.waitForExecution(a.executionArn, { timeoutMs: 2000 })).toMatchObject({ status: 'FAILED', error: 'States.Timeout' });
    const last = (await a.engine.getExecutionHistory({ executionArn: a.executionArn, reverseOrder: true, maxResults: 3 })).items.map((e) => e.type);
    expect(last).toEqual(['ExecutionFailed', 'TaskTimedOut', 'TaskSubmitted']);
    await a.engine.stop();

    const clock2 = new ManualClock();
    const b = await parkOne(ask({ TimeoutSeconds: 3600 }, { TimeoutSeconds: 120 }), { clock: clock2 });
    clock2.advance(120_000);
    expect(await b.engine.waitForExecution(b.executionArn, { timeoutMs: 2000 })).toMatchObject({ status: 'TIMED_OUT' });
    await b.engine.stop();
  });

  it('stops a parked execution and closes its token', async () => {
    const { engine, executionArn, tokens } = await parkOne(ask());
    await engine.stopExecution({ executionArn, error: 'Ops' });
    expect(await engine.describeExecution(executionArn)).toMatchObject({ status: 'ABORTED', error: 'Ops' });
    expect(engine.loaded).toEqual({ running: 0, parked: 0 });
    await expect(engine.sendTaskSuccess({ taskToken: tokens[0]!, output: '{}' })).rejects.toMatchObject({ code: 'TaskTimedOut' });
    await engine.stop();
  });

  it('after a restart finds it parked without loading it, and resumes it with the same token', async () => {
    const store = new MemoryStore();
    const first = await parkOne(ask({ TimeoutSeconds: 3600 }), { store });
    await first.engine.stop();
    const e2 = createEngine({ store, lambdas: new Map([['Sink', async () => ({})]]) }) as EngineImpl;
    await e2.start();
    expect(e2.loaded).toEqual({ running: 0, parked: 1 });
    expect((await e2.describeExecution(first.executionArn)).currentStates).toEqual(['Ask']);
    await e2.sendTaskSuccess({ taskToken: first.tokens[0]!, output: '{"answer":"later"}' });
    expect(await e2.waitForExecution(first.executionArn)).toMatchObject({ status: 'SUCCEEDED', output: '{"lead":"ada","answer":"later"}' });
    expect(first.tokens).toHaveLength(1);
    await e2.stop();
  });

  it('keeps a task with HeartbeatSeconds loaded (its heartbeat timer lives in the run)', async () => {
    const clock = new ManualClock();
    const tokens: string[] = [];
    const engine = createEngine({ clock, lambdas: new Map([['Sink', async (e: unknown) => void tokens.push((e as { token: string }).token)]]) }) as EngineImpl;
    const arn = await setup(engine, ask({ HeartbeatSeconds: 30 }));
    const { executionArn } = await engine.startExecution({ stateMachineArn: arn, input: '{"lead":"x"}' });
    await until(async () => (await engine.getExecutionHistory({ executionArn })).items.some((e) => e.type === 'TaskSubmitted'));
    await flush();
    expect(engine.loaded).toEqual({ running: 1, parked: 0 });
    await engine.stop();
  });
});

describe('executions API', () => {
  it('startExecution is idempotent by name and input while RUNNING, then ExecutionAlreadyExists', async () => {
    const clock = new ManualClock();
    const engine = createEngine({ clock });
    const arn = await setup(engine, machine({ W: { Type: 'Wait', Seconds: 10, End: true } }));
    const a = await engine.startExecution({ stateMachineArn: arn, name: 'once', input: '{"a":1}' });
    const b = await engine.startExecution({ stateMachineArn: arn, name: 'once', input: '{ "a": 1 }' });
    expect(b.executionArn).toBe(a.executionArn);
    await expect(engine.startExecution({ stateMachineArn: arn, name: 'once', input: '{"a":2}' })).rejects.toMatchObject({ code: 'ExecutionAlreadyExists' });
    await flush();
    clock.advance(10_000);
    await engine.waitForExecution(a.executionArn, { timeoutMs: 2000 });
    await expect(engine.startExecution({ stateMachineArn: arn, name: 'once', input: '{"a":1}' })).rejects.toMatchObject({ code: 'ExecutionAlreadyExists' });
    await expect(engine.startExecution({ stateMachineArn: arn, name: 'bad name' })).rejects.toMatchObject({ code: 'InvalidName' });
    await expect(engine.startExecution({ stateMachineArn: arn, input: '{' })).rejects.toMatchObject({ code: 'InvalidExecutionInput' });
    await engine.stop();
  });

  it('listExecutions: newest first, statusFilter, pagination', async () => {
    const clock = new ManualClock();
    const engine = createEngine({ clock });
    const arn = await setup(engine, machine({ C: { Type: 'Choice', Choices: [{ Condition: '{% $states.input.fail %}', Next: 'F' }], Default: 'S' }, F: { Type: 'Fail', Error: 'E' }, S: { Type: 'Succeed' } }));
    for (let i = 0; i < 5; i++) {
      const { executionArn } = await engine.startExecution({ stateMachineArn: arn, name: `e${i}`, input: JSON.stringify({ fail: i % 2 === 1 }) });
      await engine.waitForExecution(executionArn);
      clock.advance(1000);
    }
    const p1 = await engine.listExecutions({ stateMachineArn: arn, maxResults: 2 });
    expect(p1.items.map((e) => e.name)).toEqual(['e4', 'e3']);
    const p2 = await engine.listExecutions({ stateMachineArn: arn, maxResults: 2, nextToken: p1.nextToken });
    expect(p2.items.map((e) => e.name)).toEqual(['e2', 'e1']);
    const p3 = await engine.listExecutions({ stateMachineArn: arn, maxResults: 2, nextToken: p2.nextToken });
    expect(p3.items.map((e) => e.name)).toEqual(['e0']);
    expect(p3.nextToken).toBeUndefined();
    const failed = await engine.listExecutions({ stateMachineArn: arn, statusFilter: 'FAILED' });
    expect(failed.items.map((e) => e.name)).toEqual(['e3', 'e1']);
    await engine.stop();
  });

  it('getExecutionHistory: ids 1..n, previousEventId, paging, reverseOrder, includeExecutionData', async () => {
    const engine = createEngine({});
    const arn = await setup(engine, machine({ A: { Type: 'Pass', Next: 'B' }, B: { Type: 'Pass', End: true } }));
    const { executionArn } = await engine.startExecution({ stateMachineArn: arn, input: '{"x":1}' });
    await engine.waitForExecution(executionArn);
    const all = (await engine.getExecutionHistory({ executionArn })).items;
    expect(all.map((e) => e.id)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(all.map((e) => e.previousEventId)).toEqual([0, 0, 2, 3, 4, 5]);
    expect(all[1]).toMatchObject({ type: 'PassStateEntered', stateEnteredEventDetails: { name: 'A', input: '{"x":1}' } });
    expect(all[0]!.timestamp).toBeInstanceOf(Date);
    const page1 = await engine.getExecutionHistory({ executionArn, maxResults: 4 });
    const page2 = await engine.getExecutionHistory({ executionArn, maxResults: 4, nextToken: page1.nextToken });
    expect([...page1.items, ...page2.items].map((e) => e.id)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(page2.nextToken).toBeUndefined();
    const rev = await engine.getExecutionHistory({ executionArn, reverseOrder: true, maxResults: 2 });
    expect(rev.items.map((e) => e.type)).toEqual(['ExecutionSucceeded', 'PassStateExited']);
    const noData = await engine.getExecutionHistory({ executionArn, includeExecutionData: false });
    expect(noData.items[1]!.stateEnteredEventDetails).toEqual({ name: 'A' });
    await engine.stop();
  });

  it('stopExecution aborts a parked execution and closes its task token', async () => {
    const tokens: string[] = [];
    const engine = createEngine({ lambdas: new Map([['Sink', async (e: unknown) => void tokens.push((e as { t: string }).t)]]) });
    const arn = await setup(
      engine,
      machine({ Ask: { Type: 'Task', Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken', Arguments: { FunctionName: 'Sink', Payload: { t: '{% $states.context.Task.Token %}' } }, End: true } }),
    );
    const { executionArn } = await engine.startExecution({ stateMachineArn: arn });
    await until(() => tokens.length === 1);
    expect((await engine.describeExecution(executionArn)).currentStates).toEqual(['Ask']);
    await engine.stopExecution({ executionArn, error: 'Ops', cause: 'stopped by test' });
    const d = await engine.describeExecution(executionArn);
    expect(d).toMatchObject({ status: 'ABORTED', error: 'Ops', cause: 'stopped by test' });
    const last = (await engine.getExecutionHistory({ executionArn, reverseOrder: true, maxResults: 1 })).items[0]!;
    expect(last).toMatchObject({ type: 'ExecutionAborted', executionAbortedEventDetails: { error: 'Ops', cause: 'stopped by test' } });
    await expect(engine.sendTaskSuccess({ taskToken: tokens[0]!, output: '{}' })).rejects.toMatchObject({ code: 'TaskTimedOut' });
    await engine.stop();
  });

  it('describe/list errors use the AWS codes', async () => {
    const engine = createEngine({});
    await expect(engine.describeExecution('nope')).rejects.toMatchObject({ code: 'InvalidArn' });
    await expect(engine.describeExecution('arn:aws:states:us-east-1:123456789012:execution:m:x')).rejects.toMatchObject({ code: 'ExecutionDoesNotExist' });
    await expect(engine.describeStateMachine('arn:aws:states:us-east-1:123456789012:stateMachine:none')).rejects.toMatchObject({ code: 'StateMachineDoesNotExist' });
    await engine.stop();
  });
});

describe('more resume and clock cases', () => {
  it('$now() and $millis() read the engine clock in execution time', async () => {
    const clock = new ManualClock(Date.UTC(2030, 0, 2, 3, 4, 5));
    const engine = createEngine({ clock });
    const arn = await setup(engine, machine({ P: { Type: 'Pass', Output: { now: '{% $now() %}', ms: '{% $millis() %}', year: "{% $now('[Y0001]') %}" }, End: true } }));
    const { executionArn } = await engine.startExecution({ stateMachineArn: arn });
    const d = await engine.waitForExecution(executionArn);
    expect(JSON.parse(d.output!)).toEqual({ now: '2030-01-02T03:04:05.000Z', ms: Date.UTC(2030, 0, 2, 3, 4, 5), year: '2030' });
    await engine.stop();
  });

  it('a Retry back-off resumes at its original time after a restart', async () => {
    const clock = new ManualClock(Date.UTC(2026, 0, 1));
    const store = new MemoryStore();
    let calls = 0;
    const flaky: LambdaHandler = async () => {
      calls++;
      if (calls === 1) throw Object.assign(new Error('try later'), { name: 'Transient' });
      return 'ok';
    };
    const def = machine({ T: { Type: 'Task', Resource: 'arn:aws:lambda:us-east-1:123456789012:function:Flaky', Retry: [{ ErrorEquals: ['Transient'], IntervalSeconds: 100 }], End: true } });
    const e1 = createEngine({ clock, store, lambdas: new Map([['Flaky', flaky]]) });
    const arn = await setup(e1, def);
    const { executionArn } = await e1.startExecution({ stateMachineArn: arn });
    await until(() => calls === 1);
    await flush();
    clock.advance(60_000);
    await e1.stop();
    const e2 = createEngine({ clock, store, lambdas: new Map([['Flaky', flaky]]) });
    await e2.start();
    clock.advance(39_000);
    await flush();
    expect(calls).toBe(1);
    clock.advance(1000);
    const d = await e2.waitForExecution(executionArn, { timeoutMs: 2000 });
    expect(d).toMatchObject({ status: 'SUCCEEDED', output: '"ok"' });
    expect(calls).toBe(2);
    const types = (await e2.getExecutionHistory({ executionArn })).items.map((e) => e.type);
    expect(types.filter((t) => t === 'LambdaFunctionScheduled')).toHaveLength(2);
    expect(types).toContain('LambdaFunctionFailed');
    await e2.stop();
  });

  it('a Map state resumes each iteration where it stood: its callback tasks keep their tokens and are not invoked again', async () => {
    const store = new MemoryStore();
    const seen: number[] = [];
    const tokens: string[] = [];
    const ask: LambdaHandler = async (e) => {
      const { n, token } = e as { n: number; token: string };
      seen.push(n);
      tokens.push(token);
      return {};
    };
    const def = machine({
      M: {
        Type: 'Map',
        Items: '{% $states.input.items %}',
        ItemProcessor: { StartAt: 'Ask', States: { Ask: { Type: 'Task', Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken', Arguments: { FunctionName: 'Ask', Payload: { n: '{% $states.input %}', token: '{% $states.context.Task.Token %}' } }, End: true } } },
        End: true,
      },
    });
    const e1 = createEngine({ store, lambdas: new Map([['Ask', ask]]) });
    const arn = await setup(e1, def);
    const { executionArn } = await e1.startExecution({ stateMachineArn: arn, input: '{"items":[1,2]}' });
    const submitted = async () => (await e1.getExecutionHistory({ executionArn })).items.filter((e) => e.type === 'TaskSubmitted').length === 2;
    await until(submitted);
    await e1.stop();
    const e2 = createEngine({ store, lambdas: new Map([['Ask', ask]]) });
    await e2.start();
    // answered at once after the restart: the resumed iterations open the same tokens again
    for (const [i, t] of tokens.entries()) await e2.sendTaskSuccess({ taskToken: t, output: JSON.stringify(`answer ${i}`) });
    const d = await e2.waitForExecution(executionArn);
    expect(d.status).toBe('SUCCEEDED');
    expect((JSON.parse(d.output!) as string[]).sort()).toEqual(['answer 0', 'answer 1']);
    expect(seen.sort()).toEqual([1, 2]);
    const types = (await e2.getExecutionHistory({ executionArn })).items.map((e) => e.type);
    expect(types.filter((t) => t === 'MapIterationStarted')).toHaveLength(2);
    expect(types.filter((t) => t === 'TaskScheduled')).toHaveLength(2);
    await e2.stop();
  });

  it('HeartbeatSeconds on a manual clock: heartbeats keep the task open, silence times it out as States.Timeout', async () => {
    const clock = new ManualClock(Date.UTC(2026, 0, 1));
    const tokens: string[] = [];
    const engine = createEngine({ clock, lambdas: new Map([['Sink', async (e: unknown) => void tokens.push((e as { t: string }).t)]]) });
    const arn = await setup(
      engine,
      machine({
        Ask: {
          Type: 'Task',
          Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
          Arguments: { FunctionName: 'Sink', Payload: { t: '{% $states.context.Task.Token %}' } },
          HeartbeatSeconds: 60,
          Catch: [{ ErrorEquals: ['States.HeartbeatTimeout'], Output: '{% $states.errorOutput.Error %}', Next: 'Late' }],
          End: true,
        },
        Late: { Type: 'Pass', End: true },
      }),
    );
    const { executionArn } = await engine.startExecution({ stateMachineArn: arn });
    await until(() => tokens.length === 1);
    await flush();
    for (let i = 0; i < 3; i++) {
      clock.advance(50_000);
      await engine.sendTaskHeartbeat({ taskToken: tokens[0]! });
    }
    await flush();
    expect((await engine.describeExecution(executionArn)).status).toBe('RUNNING');
    clock.advance(60_000);
    expect(await engine.waitForExecution(executionArn, { timeoutMs: 2000 })).toMatchObject({ status: 'SUCCEEDED', output: '"States.Timeout"' });
    await engine.stop();
  });
});

describe('callbacks answered from inside the handler', () => {
  it('a handler may await SendTaskSuccess for its own token before it returns', async () => {
    const box: { engine?: Engine } = {};
    const selfAnswer: LambdaHandler = async (e) => {
      await box.engine!.sendTaskSuccess({ taskToken: (e as { t: string }).t, output: '{"self":true}' });
      return 'submitted';
    };
    const engine = createEngine({ lambdas: new Map([['Self', selfAnswer]]) });
    box.engine = engine;
    const arn = await setup(engine, machine({ Ask: { Type: 'Task', Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken', Arguments: { FunctionName: 'Self', Payload: { t: '{% $states.context.Task.Token %}' } }, TimeoutSeconds: 5, End: true } }));
    const { executionArn } = await engine.startExecution({ stateMachineArn: arn });
    expect(await engine.waitForExecution(executionArn, { timeoutMs: 3000 })).toMatchObject({ status: 'SUCCEEDED', output: '{"self":true}' });
    await engine.stop();
  });
});
