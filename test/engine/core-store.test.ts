/**
 * Store parity: the same behaviour on the in-memory store and on the
 * DynamoDB store (against dynalite in-process, on a temp dir), including a
 * resume after a simulated restart (a new Engine on the same store).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import dynalite from 'dynalite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Engine, ExecutionStore, HistoryEvent, LambdaHandler } from '../../local/engine/api';
import { createEngine, DynamoDBStore, ManualClock, MemoryStore } from '../../local/engine/index';
import type { EngineImpl } from '../../local/engine/engine';

let server: Server;
let client: DynamoDBClient;
let dir: string;
let tables = 0;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'engine-store-'));
  server = dynalite({ path: dir, createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  client = new DynamoDBClient({ endpoint: `http://127.0.0.1:${port}`, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
});

afterAll(async () => {
  client.destroy();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  rmSync(dir, { recursive: true, force: true });
});

const stores: [string, () => ExecutionStore][] = [
  ['memory', () => new MemoryStore()],
  ['dynamodb', () => new DynamoDBStore({ client, tableName: `engine-test-${++tables}` })],
  // the same, finding running executions by a table scan (the path for many parked executions)
  ['dynamodb-scan', () => new DynamoDBStore({ client, tableName: `engine-test-${++tables}`, scanResumeThreshold: 0 })],
];

const def = (states: Record<string, unknown>, startAt = Object.keys(states)[0]!): string => JSON.stringify({ QueryLanguage: 'JSONata', StartAt: startAt, States: states });

const WORKFLOW = def({
  Init: { Type: 'Pass', Assign: { count: '{% $count($states.input.items) %}' }, Next: 'Each' },
  Each: {
    Type: 'Map',
    Items: '{% $states.input.items %}',
    ItemProcessor: { StartAt: 'Double', States: { Double: { Type: 'Task', Resource: 'arn:aws:states:::lambda:invoke', Arguments: { FunctionName: 'Double', Payload: { n: '{% $states.input %}' } }, Output: '{% $states.result.Payload %}', End: true } } },
    Next: 'Route',
  },
  Route: { Type: 'Choice', Choices: [{ Condition: '{% $sum($states.input) > 10 %}', Next: 'Big' }], Default: 'Small' },
  Big: { Type: 'Succeed', Output: { total: '{% $sum($states.input) %}', count: '{% $count %}' } },
  Small: { Type: 'Fail', Error: 'TooSmall', Cause: '{% "total " & $string($sum($states.input)) %}' },
});

const lambdas = new Map<string, LambdaHandler>([['Double', async (e) => (e as { n: number }).n * 2]]);

function shape(events: HistoryEvent[]): string[] {
  return events.map((e) => {
    const d = (e.stateEnteredEventDetails ?? e.stateExitedEventDetails) as { name?: string } | undefined;
    return d?.name ? `${e.type}:${d.name}` : e.type;
  });
}

async function historyOf(engine: Engine, executionArn: string): Promise<HistoryEvent[]> {
  const out: HistoryEvent[] = [];
  let nextToken: string | undefined;
  do {
    const page = await engine.getExecutionHistory({ executionArn, maxResults: 7, nextToken });
    out.push(...page.items);
    nextToken = page.nextToken;
  } while (nextToken);
  return out;
}

const results = new Map<string, unknown>();

describe.each(stores)('%s store', (kind, makeStore) => {
  it('runs a Map/Task/Choice workflow to the same result and history', async () => {
    const engine = createEngine({ store: makeStore(), lambdas });
    await engine.start();
    const { stateMachineArn } = await engine.createStateMachine({ name: 'wf', definition: WORKFLOW });
    const big = await engine.startExecution({ stateMachineArn, name: 'big', input: '{"items":[1,2,3]}' });
    const small = await engine.startExecution({ stateMachineArn, name: 'small', input: '{"items":[1]}' });
    const dBig = await engine.waitForExecution(big.executionArn);
    const dSmall = await engine.waitForExecution(small.executionArn);
    expect(dBig).toMatchObject({ status: 'SUCCEEDED', output: '{"total":12,"count":3}' });
    expect(dSmall).toMatchObject({ status: 'FAILED', error: 'TooSmall', cause: 'total 2' });
    const h = await historyOf(engine, big.executionArn);
    expect(h.map((e) => e.id)).toEqual(h.map((_, i) => i + 1));
    expect(h.filter((e) => e.type === 'MapIterationSucceeded')).toHaveLength(3);
    const listed = await engine.listExecutions({ stateMachineArn, maxResults: 1 });
    const listed2 = await engine.listExecutions({ stateMachineArn, maxResults: 1, nextToken: listed.nextToken });
    const failed = await engine.listExecutions({ stateMachineArn, statusFilter: 'FAILED' });
    results.set(`${kind}:workflow`, {
      history: shape(h),
      small: shape(await historyOf(engine, small.executionArn)),
      listed: [...listed.items, ...listed2.items].map((e) => e.name).sort(),
      failed: failed.items.map((e) => e.name),
    });
    expect(failed.items.map((e) => e.name)).toEqual(['small']);
    await engine.stop();
  });

  it('resumes a Wait and a callback after a restart', async () => {
    const store = makeStore();
    const clock = new ManualClock(Date.UTC(2026, 5, 1));
    const tokens: string[] = [];
    const sink: LambdaHandler = async (e) => void tokens.push((e as { token: string }).token);
    const machine = def({
      Ask: { Type: 'Task', Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken', Arguments: { FunctionName: 'Sink', Payload: { token: '{% $states.context.Task.Token %}' } }, Assign: { answer: '{% $states.result %}' }, Next: 'Nap' },
      Nap: { Type: 'Wait', Seconds: 3600, Next: 'Done' },
      Done: { Type: 'Pass', Output: { answer: '{% $answer %}' }, End: true },
    });
    const e1 = createEngine({ store, clock, lambdas: new Map([['Sink', sink]]) });
    await e1.start();
    const { stateMachineArn } = await e1.createStateMachine({ name: 'resume', definition: machine });
    const { executionArn } = await e1.startExecution({ stateMachineArn, name: 'r1' });
    const start = Date.now();
    while (!(await e1.getExecutionHistory({ executionArn })).items.some((e) => e.type === 'TaskSubmitted')) {
      if (Date.now() - start > 5000) throw new Error('callback task never submitted');
      await new Promise((r) => setTimeout(r, 5));
    }
    await e1.stop();

    const e2 = createEngine({ store, clock, lambdas: new Map([['Sink', sink]]) });
    await e2.start();
    expect(await e2.startExecution({ stateMachineArn, name: 'r1' })).toMatchObject({ executionArn }); // idempotent while RUNNING
    await e2.sendTaskSuccess({ taskToken: tokens[0]!, output: '"yes"' });
    const waitStart = Date.now();
    while ((await e2.describeExecution(executionArn)).currentStates?.[0] !== 'Nap') {
      if (Date.now() - waitStart > 5000) throw new Error('never reached the Wait');
      await new Promise((r) => setTimeout(r, 5));
    }
    await e2.stop();

    clock.advance(1_800_000);
    const e3 = createEngine({ store, clock });
    await e3.start();
    expect((await e3.describeExecution(executionArn)).status).toBe('RUNNING');
    clock.advance(1_800_000);
    const d = await e3.waitForExecution(executionArn, { timeoutMs: 5000 });
    expect(d).toMatchObject({ status: 'SUCCEEDED', output: '{"answer":"yes"}' });
    expect(tokens).toHaveLength(1);
    const h = await historyOf(e3, executionArn);
    const entered = h.find((e) => e.type === 'WaitStateEntered')!;
    const exited = h.find((e) => e.type === 'WaitStateExited')!;
    expect(exited.timestamp.getTime() - entered.timestamp.getTime()).toBe(3_600_000);
    await expect(e3.startExecution({ stateMachineArn, name: 'r1' })).rejects.toMatchObject({ code: 'ExecutionAlreadyExists' });
    results.set(`${kind}:resume`, shape(h));
    await e3.stop();
  });

  it('after a restart finds each RUNNING execution with its own latest position: parked callbacks left unloaded, Waits loaded', async () => {
    const store = makeStore();
    const clock = new ManualClock(Date.UTC(2026, 5, 1));
    const tokens = new Map<string, string>();
    const sink: LambdaHandler = async (e) => void tokens.set((e as { id: string }).id, (e as { token: string }).token);
    const machine = def({
      Route: { Type: 'Choice', Choices: [{ Condition: '{% $states.input.kind = "done" %}', Next: 'Done' }, { Condition: '{% $states.input.kind = "nap" %}', Next: 'Nap' }], Default: 'Ask' },
      Ask: { Type: 'Task', Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken', Arguments: { FunctionName: 'Sink', Payload: { id: '{% $states.input.id %}', token: '{% $states.context.Task.Token %}' } }, TimeoutSeconds: 86400, Output: { id: '{% $states.input.id %}', answer: '{% $states.result %}' }, Next: 'Nap' },
      Nap: { Type: 'Wait', Seconds: 60, Next: 'Done' },
      Done: { Type: 'Pass', End: true },
    });
    const e1 = createEngine({ store, clock, lambdas: new Map([['Sink', sink]]) });
    await e1.start();
    const { stateMachineArn } = await e1.createStateMachine({ name: 'many', definition: machine });
    const asks = ['a0', 'a1', 'a2', 'a3', 'a4'];
    const naps = ['n0', 'n1'];
    for (const id of asks) await e1.startExecution({ stateMachineArn, name: id, input: JSON.stringify({ id, kind: 'ask' }) });
    for (const id of naps) await e1.startExecution({ stateMachineArn, name: id, input: JSON.stringify({ id, kind: 'nap' }) });
    const done = await e1.startExecution({ stateMachineArn, name: 'd0', input: '{"id":"d0","kind":"done"}' });
    await e1.waitForExecution(done.executionArn);
    const until = Date.now() + 5000;
    while ((e1 as EngineImpl).loaded.parked < asks.length) {
      if (Date.now() > until) throw new Error('the callbacks did not park');
      await new Promise((r) => setTimeout(r, 5));
    }
    await e1.stop();

    const e2 = createEngine({ store, clock, lambdas: new Map([['Sink', sink]]) }) as EngineImpl;
    await e2.start();
    expect(e2.loaded).toEqual({ running: naps.length, parked: asks.length });
    const arnOf = (id: string) => `${stateMachineArn.replace(':stateMachine:', ':execution:')}:${id}`;
    for (const id of asks) {
      expect(await e2.describeExecution(arnOf(id))).toMatchObject({ status: 'RUNNING', input: JSON.stringify({ id, kind: 'ask' }), currentStates: ['Ask'] });
      await e2.sendTaskSuccess({ taskToken: tokens.get(id)!, output: JSON.stringify(`yes ${id}`) });
    }
    clock.advance(60_000);
    for (const id of naps) {
      const d = await e2.waitForExecution(arnOf(id), { timeoutMs: 5000 });
      expect(d).toMatchObject({ status: 'SUCCEEDED' });
      expect(JSON.parse(d.output!)).toEqual({ id, kind: 'nap' });
    }
    for (const id of asks) {
      const d = await e2.waitForExecution(arnOf(id), { timeoutMs: 5000 });
      expect(d).toMatchObject({ status: 'SUCCEEDED' });
      expect(JSON.parse(d.output!)).toEqual({ id, answer: `yes ${id}` });
    }
    expect(tokens.size).toBe(asks.length);
    await e2.stop();
  });
});

describe('parity', () => {
  it('memory and dynamodb produced the same histories and listings', () => {
    expect(results.get('dynamodb:workflow')).toEqual(results.get('memory:workflow'));
    expect(results.get('dynamodb:resume')).toEqual(results.get('memory:resume'));
    expect(results.get('dynamodb-scan:resume')).toEqual(results.get('memory:resume'));
    expect(results.get('memory:resume')).toBeDefined();
  });
});
