/**
 * Kill and restart: executions parked on callbacks, on Wait timers and in
 * retry back-off survive a SIGKILL of the process hosting the engine (dynalite
 * on a data directory + the durable store + the HTTP API), and after a restart
 * on the same data every one of them finishes once, with the right output.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  CreateStateMachineCommand,
  DescribeExecutionCommand,
  ListExecutionsCommand,
  SendTaskSuccessCommand,
  StartExecutionCommand,
  type SFNClient,
} from '@aws-sdk/client-sfn';
import { afterAll, describe, expect, it } from 'vitest';
import { ROLE_ARN, definition, eventually, fullHistory, lambdaArn, sfnClient } from './fixtures/sfn-harness';
import { ATTEMPTS_DIR, CALLS_FILE, EFFECTS_FILE, TOKENS_FILE } from './fixtures/restart-lambdas';
import { openDurableStore } from '../../local/engine/cli';
import { createEngine } from '../../local/engine/index';

const HOST = fileURLToPath(new URL('./fixtures/restart-host.ts', import.meta.url));
const TIME_SCALE = 20; // Wait 240 s = 12 s real; retry interval 60 s = 3 s real
const SM = 'arn:aws:states:us-east-1:123456789012:stateMachine:';

const AFTER = (kind: string) => ({
  Type: 'Task',
  Resource: 'arn:aws:states:::lambda:invoke',
  Arguments: { FunctionName: lambdaArn('after'), Payload: { id: '{% $states.input.id %}', kind, result: '{% $states.input.result %}' } },
  Output: '{% $states.result.Payload %}',
  End: true,
});

const MACHINES: Record<string, string> = {
  callback: definition({
    'Await callback': {
      Type: 'Task',
      Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
      Arguments: { FunctionName: lambdaArn('capture-token'), Payload: { id: '{% $states.input.id %}', token: '{% $states.context.Task.Token %}' } },
      TimeoutSeconds: 3600,
      Output: { id: '{% $states.input.id %}', result: '{% $states.result %}' },
      Next: 'Cool down',
    },
    'Cool down': { Type: 'Wait', Seconds: 60, Next: 'After' },
    After: AFTER('callback'),
  }),
  timer: definition({
    'Wait four minutes': { Type: 'Wait', Seconds: 240, Next: 'Stamp' },
    Stamp: { Type: 'Pass', Output: { id: '{% $states.input.id %}', result: 'waited' }, Next: 'After' },
    After: AFTER('timer'),
  }),
  retry: definition({
    'Call flaky': {
      Type: 'Task',
      Resource: 'arn:aws:states:::lambda:invoke',
      Arguments: { FunctionName: lambdaArn('flaky'), Payload: { id: '{% $states.input.id %}', failures: 3 } },
      Retry: [{ ErrorEquals: ['States.ALL'], IntervalSeconds: 60, MaxAttempts: 5, BackoffRate: 1, JitterStrategy: 'NONE' }],
      Output: { id: '{% $states.input.id %}', result: '{% $states.result.Payload %}' },
      Next: 'After',
    },
    After: AFTER('retry'),
  }),
};

/** One slow Lambda call (`ms` a number or an expression), counted per execution and key in CALLS_FILE. */
const SLOW = (key: string, ms: number | string, value: string) => ({
  Type: 'Task',
  Resource: 'arn:aws:states:::lambda:invoke',
  Arguments: { FunctionName: lambdaArn('slow'), Payload: { run: '{% $states.context.Execution.Name %}', key, ms, value } },
  Output: '{% $states.result.Payload %}',
  End: true,
});

const FAN_OUT: Record<string, string> = {
  map: definition({
    Each: {
      Type: 'Map',
      Items: '{% $states.input.items %}',
      MaxConcurrency: 3,
      ItemProcessor: { ProcessorConfig: { Mode: 'INLINE' }, StartAt: 'Work', States: { Work: SLOW('{% $string($states.input) %}', 120, '{% $states.input %}') } },
      End: true,
    },
  }),
  parallel: definition({
    Both: {
      Type: 'Parallel',
      Branches: [
        { StartAt: 'A', States: { A: SLOW('a', 50, '{% 1 %}') } },
        { StartAt: 'B', States: { B: SLOW('b', 100, '{% 2 %}') } },
        { StartAt: 'C', States: { C: SLOW('c', 3000, '{% 3 %}') } },
      ],
      End: true,
    },
  }),
};

/** Map and Parallel nested in each other: a Parallel whose branch holds a Map, and a Map whose iterations hold a Parallel. */
const NESTED: Record<string, string> = {
  'parallel-of-map': definition({
    Both: {
      Type: 'Parallel',
      Branches: [
        {
          StartAt: 'Each',
          States: {
            Each: {
              Type: 'Map',
              Items: '{% $states.input.items %}',
              MaxConcurrency: 2,
              ItemProcessor: { ProcessorConfig: { Mode: 'INLINE' }, StartAt: 'Work', States: { Work: SLOW('{% $string($states.input) %}', 200, '{% $states.input %}') } },
              End: true,
            },
          },
        },
        { StartAt: 'X', States: { X: SLOW('x', 50, '{% 7 %}') } },
      ],
      End: true,
    },
  }),
  'map-of-parallel': definition({
    Each: {
      Type: 'Map',
      Items: '{% $states.input.items %}',
      MaxConcurrency: 2,
      ItemProcessor: {
        ProcessorConfig: { Mode: 'INLINE' },
        StartAt: 'Both',
        States: {
          Both: {
            Type: 'Parallel',
            Branches: [
              { StartAt: 'A', States: { A: SLOW("{% $string($states.input.n) & '-a' %}", 50, '{% $states.input.n %}') } },
              { StartAt: 'B', States: { B: SLOW("{% $string($states.input.n) & '-b' %}", '{% $states.input.b %}', '{% $states.input.n + 100 %}') } },
            ],
            End: true,
          },
        },
      },
      End: true,
    },
  }),
};

const CALLBACKS = ['cb-1', 'cb-2', 'cb-3', 'cb-4', 'cb-5'];
const TIMERS = ['t-1', 't-2', 't-3'];
const RETRIES = ['r-1', 'r-2'];

interface Host {
  child: ChildProcess;
  url: string;
  sfn: SFNClient;
  stderr: () => string;
}

function startHost(testDir: string, dataDir: string): Promise<Host> {
  const child = spawn(process.execPath, ['--import', 'tsx', HOST], {
    env: { ...process.env, RESTART_TEST_DIR: testDir, RESTART_DATA_DIR: dataDir, RESTART_TIME_SCALE: String(TIME_SCALE) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`host did not start in 30 s; stderr:\n${err}`));
    }, 30_000);
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /READY (\S+)/.exec(out);
      if (m?.[1]) {
        clearTimeout(timer);
        resolve({ child, url: m[1], sfn: sfnClient(m[1]), stderr: () => err });
      }
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`host exited early (${code ?? signal}); stderr:\n${err}`));
    });
  });
}

async function kill(host: Host): Promise<void> {
  host.sfn.destroy();
  if (host.child.exitCode !== null || host.child.signalCode !== null) return;
  const exited = new Promise((r) => host.child.once('exit', r));
  host.child.kill('SIGKILL');
  await exited;
}

function lines(file: string): { id: string; token?: string; kind?: string }[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as { id: string; token?: string; kind?: string });
}

/** Calls of the `slow` Lambda so far, by `<execution name>/<key>`. */
function callCounts(dir: string): Map<string, number> {
  const n = new Map<string, number>();
  for (const l of lines(join(dir, CALLS_FILE)) as unknown as { run: string; key: string }[]) n.set(`${l.run}/${l.key}`, (n.get(`${l.run}/${l.key}`) ?? 0) + 1);
  return n;
}

/** The indexes of the Map iterations stored as succeeded (MapIterationSucceeded), once there are at least `n`. */
function storedIterations(host: Host, arn: string, n: number): Promise<number[]> {
  return eventually(`${n} iterations stored`, async () => {
    const done = (await fullHistory(host.sfn, arn)).filter((e) => e.type === 'MapIterationSucceeded').map((e) => e.mapIterationSucceededEventDetails!.index!);
    return done.length >= n ? done : undefined;
  }, 20_000);
}

/** The description of an execution once it has ended. */
function finishedOn(host: Host, name: string, arn: string) {
  return eventually(`${name} finished`, async () => {
    const d = await host.sfn.send(new DescribeExecutionCommand({ executionArn: arn }));
    return d.status === 'RUNNING' ? undefined : d;
  }, 20_000, 100);
}

const execArn = (machine: string, name: string) => `arn:aws:states:us-east-1:123456789012:execution:${machine}:${name}`;

describe('restart', () => {
  const testDir = mkdtempSync(join(tmpdir(), 'sfn-restart-'));
  const dataDir = join(testDir, 'data');
  const hosts: Host[] = [];

  afterAll(async () => {
    for (const h of hosts) await kill(h);
    rmSync(testDir, { recursive: true, force: true });
  });

  it('loses and duplicates nothing across a SIGKILL: callbacks, Wait timers and retries all finish once', { timeout: 120_000 }, async () => {
    const first = await startHost(testDir, dataDir);
    hosts.push(first);
    for (const [name, def] of Object.entries(MACHINES)) {
      await first.sfn.send(new CreateStateMachineCommand({ name, definition: def, roleArn: ROLE_ARN }));
    }
    const startedAt = Date.now();
    for (const id of CALLBACKS) await first.sfn.send(new StartExecutionCommand({ stateMachineArn: `${SM}callback`, name: id, input: JSON.stringify({ id }) }));
    for (const id of TIMERS) await first.sfn.send(new StartExecutionCommand({ stateMachineArn: `${SM}timer`, name: id, input: JSON.stringify({ id }) }));
    for (const id of RETRIES) await first.sfn.send(new StartExecutionCommand({ stateMachineArn: `${SM}retry`, name: id, input: JSON.stringify({ id }) }));

    // Park: every callback task submitted (its Lambda returned), every retry failed at least once.
    await eventually('all callback tasks submitted and every retry execution failed once', async () => {
      for (const id of RETRIES) {
        const types = (await fullHistory(first.sfn, execArn('retry', id))).map((e) => e.type);
        if (!types.includes('TaskFailed')) return undefined;
      }
      for (const id of CALLBACKS) {
        const types = (await fullHistory(first.sfn, execArn('callback', id))).map((e) => e.type);
        if (!types.includes('TaskSubmitted')) return undefined;
      }
      return true;
    });
    const tokens = new Map(lines(join(testDir, TOKENS_FILE)).map((l) => [l.id, l.token ?? '']));
    expect([...tokens.keys()].sort()).toEqual([...CALLBACKS].sort());
    // Still waiting, or the test proves less than it claims.
    for (const id of TIMERS) expect((await fullHistory(first.sfn, execArn('timer', id))).map((e) => e.type)).not.toContain('WaitStateExited');
    // Kill in a retry back-off (3 s real), not while an attempt is being recorded: the last event must be a TaskFailed.
    await eventually('every retry execution in a back-off', async () => {
      for (const id of RETRIES) {
        const history = await fullHistory(first.sfn, execArn('retry', id));
        if (history.at(-1)?.type !== 'TaskFailed') return undefined;
      }
      return true;
    }, 10_000, 5);
    for (const id of RETRIES) expect(Number(readFileSync(join(testDir, ATTEMPTS_DIR, id), 'utf8'))).toBeLessThan(4);
    await kill(first);

    const second = await startHost(testDir, dataDir);
    hosts.push(second);
    for (const id of CALLBACKS) {
      await second.sfn.send(new SendTaskSuccessCommand({ taskToken: tokens.get(id)!, output: JSON.stringify({ answer: `yes-${id}` }) }));
    }

    const all: [machine: string, id: string][] = [
      ...CALLBACKS.map((id): [string, string] => ['callback', id]),
      ...TIMERS.map((id): [string, string] => ['timer', id]),
      ...RETRIES.map((id): [string, string] => ['retry', id]),
    ];
    let pending: string[] = [];
    try {
      await eventually(
        'every execution to finish after the restart',
        async () => {
          pending = [];
          for (const [machine, id] of all) {
            const d = await second.sfn.send(new DescribeExecutionCommand({ executionArn: execArn(machine, id) }));
            if (d.status === 'RUNNING') pending.push(`${machine}:${id}`);
          }
          return pending.length === 0 ? true : undefined;
        },
        30_000,
        100,
      );
    } catch (err) {
      const details: string[] = [];
      for (const p of pending) {
        const [machine, id] = p.split(':') as [string, string];
        const types = (await fullHistory(second.sfn, execArn(machine, id))).map((e) => e.type);
        details.push(`${p}: ${types.join(' > ')}`);
      }
      throw new Error(`${(err as Error).message}; still RUNNING:\n${details.join('\n')}`);
    }

    // Each execution succeeded once, with one coherent history: ids 1..n in order, one start, one end.
    const finished = async (machine: string, id: string) => {
      const d = await second.sfn.send(new DescribeExecutionCommand({ executionArn: execArn(machine, id) }));
      expect({ id, status: d.status, error: d.error }).toEqual({ id, status: 'SUCCEEDED', error: undefined });
      const output = JSON.parse(d.output ?? 'null') as { id: string; kind: string; result: unknown };
      expect(output.id).toBe(id);
      expect(output.kind).toBe(machine);
      const history = await fullHistory(second.sfn, execArn(machine, id));
      expect(history.map((e) => e.id)).toEqual(history.map((_, i) => i + 1));
      const types = history.map((e) => e.type);
      expect(types.filter((t) => t === 'ExecutionStarted')).toHaveLength(1);
      expect(types.filter((t) => t === 'ExecutionSucceeded')).toHaveLength(1);
      expect(types.at(-1)).toBe('ExecutionSucceeded');
      return { result: output.result, history, types };
    };
    // Per machine: its result, and no state run twice.
    for (const id of CALLBACKS) {
      const { result, types } = await finished('callback', id);
      expect(result).toEqual({ answer: `yes-${id}` });
      expect(types.filter((t) => t === 'TaskSubmitted')).toHaveLength(1);
    }
    for (const id of TIMERS) {
      const { result, history, types } = await finished('timer', id);
      expect(result).toBe('waited');
      expect(types.filter((t) => t === 'WaitStateExited')).toHaveLength(1);
      const entered = history.find((e) => e.type === 'WaitStateEntered')!.timestamp!.getTime();
      const exited = history.find((e) => e.type === 'WaitStateExited')!.timestamp!.getTime();
      expect(exited - entered).toBeGreaterThanOrEqual(240_000);
    }
    for (const id of RETRIES) {
      const { result, types } = await finished('retry', id);
      expect(result).toEqual({ attempts: 4 });
      expect(types.filter((t) => t === 'TaskFailed')).toHaveLength(3);
      expect(types.filter((t) => t === 'TaskSucceeded')).toHaveLength(2); // flaky, then after
    }
    // The timers really waited their four minutes of execution time (12 s real), not less.
    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(12_000 - 100);

    // Nothing ran twice: the callback Lambda once per execution (no re-invocation after restart),
    // the flaky Lambda exactly 4 times, the final side effect exactly once per execution.
    expect(lines(join(testDir, TOKENS_FILE)).map((l) => l.id).sort()).toEqual([...CALLBACKS].sort());
    for (const id of RETRIES) expect(readFileSync(join(testDir, ATTEMPTS_DIR, id), 'utf8')).toBe('4');
    const effects = lines(join(testDir, EFFECTS_FILE)).map((l) => `${l.kind}:${l.id}`);
    expect(effects.sort()).toEqual(all.map(([m, id]) => `${m}:${id}`).sort());

    // Nothing lost or invented: each machine lists exactly its executions.
    for (const [machine, ids] of [['callback', CALLBACKS], ['timer', TIMERS], ['retry', RETRIES]] as const) {
      const listed = await second.sfn.send(new ListExecutionsCommand({ stateMachineArn: `${SM}${machine}` }));
      expect(listed.executions?.map((e) => e.name).sort()).toEqual([...ids].sort());
      expect(listed.executions?.every((e) => e.status === 'SUCCEEDED')).toBe(true);
    }
    // The spent tokens stay spent after the restart.
    const again = await second.sfn.send(new SendTaskSuccessCommand({ taskToken: tokens.get('cb-1')!, output: '{}' })).then(
      () => 'accepted',
      (e: Error) => e.name,
    );
    expect(again).toBe('TaskTimedOut');
  });

  it('keeps a callback that SendTaskSuccess acknowledged, even when the process dies right after the answer', { timeout: 120_000 }, async () => {
    const dir = join(testDir, 'ack');
    const data = join(dir, 'data');
    mkdirSync(dir, { recursive: true });
    const first = await startHost(dir, data);
    hosts.push(first);
    await first.sfn.send(new CreateStateMachineCommand({ name: 'callback', definition: MACHINES.callback!, roleArn: ROLE_ARN }));
    const ids = ['ack-1', 'ack-2', 'ack-3'];
    for (const id of ids) await first.sfn.send(new StartExecutionCommand({ stateMachineArn: `${SM}callback`, name: id, input: JSON.stringify({ id }) }));
    await eventually('all callback tasks submitted', async () => {
      for (const id of ids) {
        if (!(await fullHistory(first.sfn, execArn('callback', id))).some((e) => e.type === 'TaskSubmitted')) return undefined;
      }
      return true;
    });
    const tokens = new Map(lines(join(dir, TOKENS_FILE)).map((l) => [l.id, l.token ?? '']));
    // Answer all three; SIGKILL the moment the last answer is acknowledged (HTTP 200).
    for (const id of ids) {
      const res = await first.sfn.send(new SendTaskSuccessCommand({ taskToken: tokens.get(id)!, output: JSON.stringify({ answer: `yes-${id}` }) }));
      expect(res.$metadata.httpStatusCode).toBe(200);
    }
    await kill(first);

    const second = await startHost(dir, data);
    hosts.push(second);
    const states = async () =>
      Promise.all(
        ids.map(async (id) => {
          const d = await second.sfn.send(new DescribeExecutionCommand({ executionArn: execArn('callback', id) }));
          const types = (await fullHistory(second.sfn, execArn('callback', id))).map((e) => e.type);
          return { id, status: d.status, output: d.output === undefined ? undefined : (JSON.parse(d.output) as unknown), last: types.at(-1) };
        }),
      );
    // The "Cool down" Wait takes 3 s real; give it 15 s, then show where each execution stands.
    const deadline = Date.now() + 15_000;
    let seen = await states();
    while (seen.some((x) => x.status === 'RUNNING') && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 200));
      seen = await states();
    }
    expect(seen).toEqual(ids.map((id) => ({ id, status: 'SUCCEEDED', output: { id, kind: 'callback', result: { answer: `yes-${id}` } }, last: 'ExecutionSucceeded' })));
  });

  it('durable store: a first-state Wait spans its Seconds from WaitStateEntered to WaitStateExited', async () => {
    const handle = await openDurableStore(join(testDir, 'wait-data'));
    const engine = createEngine({ store: handle.store, timeScale: TIME_SCALE });
    try {
      await engine.start();
      const { stateMachineArn } = await engine.createStateMachine({ name: 'wait-first', roleArn: ROLE_ARN, definition: definition({ W: { Type: 'Wait', Seconds: 20, End: true } }) });
      const { executionArn } = await engine.startExecution({ stateMachineArn });
      expect((await engine.waitForExecution(executionArn, { timeoutMs: 10_000 })).status).toBe('SUCCEEDED');
      const { items } = await engine.getExecutionHistory({ executionArn });
      const at = (type: string) => items.find((e) => e.type === type)!.timestamp.getTime();
      // AWS counts a Wait from entering the state; the history must not show a shorter wait.
      expect(at('WaitStateExited') - at('WaitStateEntered')).toBeGreaterThanOrEqual(20_000);
    } finally {
      await engine.stop();
      await handle.close();
    }
  });

  it('Map and Parallel resume after a SIGKILL where they stopped: finished iterations and branches are not run again', { timeout: 60_000 }, async () => {
    const dir = join(testDir, 'fan-out');
    const data = join(dir, 'data');
    mkdirSync(dir, { recursive: true });
    const items = Array.from({ length: 50 }, (_, i) => i);
    const calls = () => callCounts(dir);
    const first = await startHost(dir, data);
    hosts.push(first);
    for (const [name, def] of Object.entries(FAN_OUT)) await first.sfn.send(new CreateStateMachineCommand({ name, definition: def, roleArn: ROLE_ARN }));
    await first.sfn.send(new StartExecutionCommand({ stateMachineArn: `${SM}map`, name: 'm-1', input: JSON.stringify({ items }) }));
    await first.sfn.send(new StartExecutionCommand({ stateMachineArn: `${SM}parallel`, name: 'p-1', input: '{}' }));
    // Kill in the middle: some iterations stored as succeeded, most not started; branches a and b done, c running.
    const succeededBefore = await storedIterations(first, execArn('map', 'm-1'), 15);
    await eventually('branches a and b returned', () => (calls().has('p-1/a') && calls().has('p-1/b') ? true : undefined));
    await new Promise((r) => setTimeout(r, 300)); // their results stored (c takes 3 s)
    await kill(first);
    const before = calls();
    expect(before.size).toBeLessThan(50 + 3);

    const second = await startHost(dir, data);
    hosts.push(second);
    const finished = (name: string, arn: string) => finishedOn(second, name, arn);
    // Uninterrupted runs of the same machines, for the expected outputs.
    await second.sfn.send(new StartExecutionCommand({ stateMachineArn: `${SM}map`, name: 'm-ref', input: JSON.stringify({ items }) }));
    await second.sfn.send(new StartExecutionCommand({ stateMachineArn: `${SM}parallel`, name: 'p-ref', input: '{}' }));
    const [m1, p1, mRef, pRef] = await Promise.all([
      finished('m-1', execArn('map', 'm-1')),
      finished('p-1', execArn('parallel', 'p-1')),
      finished('m-ref', execArn('map', 'm-ref')),
      finished('p-ref', execArn('parallel', 'p-ref')),
    ]);
    expect([m1.status, p1.status, mRef.status, pRef.status]).toEqual(['SUCCEEDED', 'SUCCEEDED', 'SUCCEEDED', 'SUCCEEDED']);
    expect(JSON.parse(m1.output!)).toEqual(JSON.parse(mRef.output!));
    expect(JSON.parse(p1.output!)).toEqual(JSON.parse(pRef.output!));

    const after = calls();
    // Every iteration stored as succeeded before the kill ran once; the others at most twice (once if not started).
    for (const i of succeededBefore) expect(after.get(`m-1/${i}`), `iteration ${i}`).toBe(1);
    for (const i of items) expect(after.get(`m-1/${i}`)).toBeGreaterThanOrEqual(1);
    const mapCalls = items.reduce((n, i) => n + after.get(`m-1/${i}`)!, 0);
    expect(mapCalls).toBeLessThanOrEqual(50 + 3); // only those in flight at the kill (MaxConcurrency 3) ran twice
    expect([after.get('p-1/a'), after.get('p-1/b'), after.get('p-1/c')]).toEqual([1, 1, 2]);
    // Each iteration has one MapIterationSucceeded in the history, and the Map started once.
    const types = (await fullHistory(second.sfn, execArn('map', 'm-1'))).map((e) => e.type);
    expect(types.filter((t) => t === 'MapIterationSucceeded')).toHaveLength(50);
    expect(types.filter((t) => t === 'MapStateStarted')).toHaveLength(1);
  });

  it('a Map inside a Parallel branch and a Parallel inside a Map iteration resume after a SIGKILL where they stopped', { timeout: 90_000 }, async () => {
    const dir = join(testDir, 'nested');
    const data = join(dir, 'data');
    mkdirSync(dir, { recursive: true });
    const items = Array.from({ length: 24 }, (_, i) => i);
    // map-of-parallel: iterations 0 and 1 finish (branch B 100 ms); in 2 and 3 branch A finishes, branch B (6 s) is cut by the kill
    const pairs = [0, 1, 2, 3].map((n) => ({ n, b: n < 2 ? 100 : 6000 }));
    const first = await startHost(dir, data);
    hosts.push(first);
    for (const [name, def] of Object.entries(NESTED)) await first.sfn.send(new CreateStateMachineCommand({ name, definition: def, roleArn: ROLE_ARN }));
    await first.sfn.send(new StartExecutionCommand({ stateMachineArn: `${SM}parallel-of-map`, name: 'pm-1', input: JSON.stringify({ items }) }));
    await first.sfn.send(new StartExecutionCommand({ stateMachineArn: `${SM}map-of-parallel`, name: 'mp-1', input: JSON.stringify({ items: pairs }) }));
    const succeededBefore = await storedIterations(first, execArn('parallel-of-map', 'pm-1'), 4);
    const inFlight = ['mp-1/2-a', 'mp-1/2-b', 'mp-1/3-a', 'mp-1/3-b'];
    await eventually('both branches of iterations 2 and 3 called', () => (inFlight.every((k) => callCounts(dir).has(k)) ? true : undefined), 20_000);
    await new Promise((r) => setTimeout(r, 300)); // branch A of 2 and 3 stored (B takes 6 s)
    await kill(first);
    const before = callCounts(dir);
    expect(items.filter((i) => before.has(`pm-1/${i}`)).length).toBeLessThan(items.length);
    expect(before.get('pm-1/x')).toBe(1);

    const second = await startHost(dir, data);
    hosts.push(second);
    await second.sfn.send(new StartExecutionCommand({ stateMachineArn: `${SM}parallel-of-map`, name: 'pm-ref', input: JSON.stringify({ items }) }));
    await second.sfn.send(new StartExecutionCommand({ stateMachineArn: `${SM}map-of-parallel`, name: 'mp-ref', input: JSON.stringify({ items: pairs }) }));
    const [pm1, mp1, pmRef, mpRef] = await Promise.all([
      finishedOn(second, 'pm-1', execArn('parallel-of-map', 'pm-1')),
      finishedOn(second, 'mp-1', execArn('map-of-parallel', 'mp-1')),
      finishedOn(second, 'pm-ref', execArn('parallel-of-map', 'pm-ref')),
      finishedOn(second, 'mp-ref', execArn('map-of-parallel', 'mp-ref')),
    ]);
    expect([pm1.status, mp1.status, pmRef.status, mpRef.status]).toEqual(['SUCCEEDED', 'SUCCEEDED', 'SUCCEEDED', 'SUCCEEDED']);
    expect(JSON.parse(pm1.output!)).toEqual(JSON.parse(pmRef.output!));
    expect(JSON.parse(mp1.output!)).toEqual(JSON.parse(mpRef.output!));

    const after = callCounts(dir);
    // The Map in the Parallel branch: stored iterations ran once, only those in flight (MaxConcurrency 2) twice; the other branch once.
    for (const i of succeededBefore) expect(after.get(`pm-1/${i}`), `iteration ${i}`).toBe(1);
    for (const i of items) expect(after.get(`pm-1/${i}`)).toBeGreaterThanOrEqual(1);
    expect(items.reduce((n, i) => n + after.get(`pm-1/${i}`)!, 0)).toBeLessThanOrEqual(items.length + 2);
    expect(after.get('pm-1/x')).toBe(1);
    // The Parallel in the Map iterations: finished iterations and finished branches ran once, the cut branches twice.
    const once = ['0-a', '0-b', '1-a', '1-b', '2-a', '3-a'].map((k) => [k, after.get(`mp-1/${k}`)]);
    expect(once).toEqual(once.map(([k]) => [k, 1]));
    expect([after.get('mp-1/2-b'), after.get('mp-1/3-b')]).toEqual([2, 2]);

    // Nothing started again: one ParallelStateStarted / MapStateStarted per state entered, one MapIterationSucceeded per item.
    const pmTypes = (await fullHistory(second.sfn, execArn('parallel-of-map', 'pm-1'))).map((e) => e.type);
    expect(['ParallelStateStarted', 'MapStateStarted', 'MapIterationSucceeded'].map((t) => pmTypes.filter((x) => x === t).length)).toEqual([1, 1, items.length]);
    const mpTypes = (await fullHistory(second.sfn, execArn('map-of-parallel', 'mp-1'))).map((e) => e.type);
    expect(['MapStateStarted', 'MapIterationStarted', 'MapIterationSucceeded', 'ParallelStateStarted', 'ParallelStateSucceeded'].map((t) => mpTypes.filter((x) => x === t).length)).toEqual([1, 4, 4, 4, 4]);
  });
});
