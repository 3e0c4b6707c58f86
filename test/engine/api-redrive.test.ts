/**
 * RedriveExecution through @aws-sdk/client-sfn, with AWS's rules: only a
 * FAILED, TIMED_OUT or ABORTED execution of a state machine that still exists,
 * within 14 days of its stop; it goes on from the state that stopped (a Map or
 * Parallel runs only its unsuccessful iterations or branches), writes
 * ExecutionRedriven, and DescribeExecution / ListExecutions show redriveCount,
 * redriveDate and redriveStatus. On the memory and the durable store.
 */
import {
  CreateStateMachineCommand,
  DeleteStateMachineCommand,
  DescribeExecutionCommand,
  ExecutionNotRedrivable,
  ListExecutionsCommand,
  RedriveExecutionCommand,
  StartExecutionCommand,
  StopExecutionCommand,
} from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngine, ManualClock } from '../../local/engine/index';
import { ROLE_ARN, definition, fullHistory, lambdaArn, rejection, startHarness, type Harness, type StoreKind } from './fixtures/sfn-harness';

const calls = new Map<string, number>();
const failing = new Set<string>();

const lambdas = {
  work: async (event: unknown) => {
    const { key } = event as { key: string };
    calls.set(key, (calls.get(key) ?? 0) + 1);
    if (failing.has(key)) throw Object.assign(new Error(`${key} fails on purpose`), { name: 'Work.Failed' });
    return { key, ok: true };
  },
};

const WORK = (key: string) => ({
  Type: 'Task',
  Resource: 'arn:aws:states:::lambda:invoke',
  Arguments: { FunctionName: lambdaArn('work'), Payload: { key } },
  Output: '{% $states.result.Payload %}',
});

describe.each<StoreKind>(['memory', 'durable'])('RedriveExecution (%s store)', (store) => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ lambdas, store });
  });
  afterAll(async () => {
    await h?.close();
  });

  const create = async (name: string, states: Record<string, Record<string, unknown>>) =>
    (await h.sfn.send(new CreateStateMachineCommand({ name: `${name}-${store}`, roleArn: ROLE_ARN, definition: definition(states) }))).stateMachineArn!;
  const describeIt = (executionArn: string) => h.sfn.send(new DescribeExecutionCommand({ executionArn }));

  it('goes on from the failed state: ExecutionRedriven, redriveCount and redriveDate, then not again once it succeeded', async () => {
    const sm = await create('linear', {
      First: { Type: 'Pass', Output: { n: 1 }, Next: 'Call' },
      Call: { ...WORK(`linear-${store}`), End: true },
    });
    failing.add(`linear-${store}`);
    const { executionArn } = await h.sfn.send(new StartExecutionCommand({ stateMachineArn: sm, name: 'run-1' }));
    expect((await h.engine.waitForExecution(executionArn!)).status).toBe('FAILED');
    const failed = await describeIt(executionArn!);
    expect([failed.status, failed.redriveCount, failed.redriveStatus]).toEqual(['FAILED', 0, 'REDRIVABLE']);

    failing.delete(`linear-${store}`);
    const { redriveDate } = await h.sfn.send(new RedriveExecutionCommand({ executionArn }));
    expect(redriveDate).toBeInstanceOf(Date);
    const done = await h.engine.waitForExecution(executionArn!);
    expect(done.status).toBe('SUCCEEDED');
    const d = await describeIt(executionArn!);
    expect(d).toMatchObject({ status: 'SUCCEEDED', redriveCount: 1, redriveStatus: 'NOT_REDRIVABLE', redriveStatusReason: 'Execution is SUCCEEDED and cannot be redriven.' });
    expect(d.redriveDate!.getTime()).toBe(redriveDate!.getTime());
    expect(d.startDate!.getTime()).toBeLessThanOrEqual(redriveDate!.getTime());
    expect(JSON.parse(d.output!)).toEqual({ key: `linear-${store}`, ok: true });

    const events = await fullHistory(h.sfn, executionArn!);
    const types = events.map((e) => e.type);
    const at = types.indexOf('ExecutionRedriven');
    expect(types.slice(at - 1, at + 2)).toEqual(['ExecutionFailed', 'ExecutionRedriven', 'TaskStateEntered']);
    expect(events[at]!.executionRedrivenEventDetails).toEqual({ redriveCount: 1 });
    expect(events[at]!.previousEventId).toBe(events[at - 1]!.id);
    expect(types.filter((t) => t === 'PassStateEntered')).toHaveLength(1); // the state before the failure is not run again
    expect(types.at(-1)).toBe('ExecutionSucceeded');

    const again = await rejection(h.sfn.send(new RedriveExecutionCommand({ executionArn })));
    expect(again).toMatchObject({ name: 'ExecutionNotRedrivable', status: 400, message: 'Execution is SUCCEEDED and cannot be redriven.' });
    await expect(h.sfn.send(new RedriveExecutionCommand({ executionArn }))).rejects.toBeInstanceOf(ExecutionNotRedrivable);

    // ListExecutions: redriveCount and redriveDate, and redriveFilter
    const { executionArn: other } = await h.sfn.send(new StartExecutionCommand({ stateMachineArn: sm, name: 'run-2' }));
    await h.engine.waitForExecution(other!);
    const list = await h.sfn.send(new ListExecutionsCommand({ stateMachineArn: sm }));
    const byName = new Map(list.executions!.map((e) => [e.name, e]));
    expect(byName.get('run-1')).toMatchObject({ redriveCount: 1, redriveDate: redriveDate });
    expect(byName.get('run-2')).toMatchObject({ redriveCount: 0 });
    expect(byName.get('run-2')!.redriveDate).toBeUndefined();
    const redriven = await h.sfn.send(new ListExecutionsCommand({ stateMachineArn: sm, redriveFilter: 'REDRIVEN' }));
    expect(redriven.executions!.map((e) => e.name)).toEqual(['run-1']);
    const notRedriven = await h.sfn.send(new ListExecutionsCommand({ stateMachineArn: sm, redriveFilter: 'NOT_REDRIVEN' }));
    expect(notRedriven.executions!.map((e) => e.name)).toEqual(['run-2']);
  });

  it('refuses a running execution, an unknown one, and one whose state machine was deleted', async () => {
    const sm = await create('waiting', { W: { Type: 'Wait', Seconds: 3600, Next: 'F' }, F: { Type: 'Fail', Error: 'E' } });
    const { executionArn } = await h.sfn.send(new StartExecutionCommand({ stateMachineArn: sm, name: 'w-1' }));
    expect(await rejection(h.sfn.send(new RedriveExecutionCommand({ executionArn })))).toMatchObject({ name: 'ExecutionNotRedrivable', message: 'Execution is RUNNING and cannot be redriven.' });
    expect((await describeIt(executionArn!)).redriveStatus).toBe('NOT_REDRIVABLE');
    expect(await rejection(h.sfn.send(new RedriveExecutionCommand({ executionArn: `${executionArn}-nope` })))).toMatchObject({ name: 'ExecutionDoesNotExist' });

    // stopped (ABORTED): redrivable, and it goes on from the Wait it was stopped in (entered again)
    await h.sfn.send(new StopExecutionCommand({ executionArn }));
    expect((await describeIt(executionArn!)).redriveStatus).toBe('REDRIVABLE');
    await h.sfn.send(new RedriveExecutionCommand({ executionArn }));
    const running = await describeIt(executionArn!);
    expect([running.status, running.redriveCount]).toEqual(['RUNNING', 1]);
    const types = (await fullHistory(h.sfn, executionArn!)).map((e) => e.type);
    expect(types.slice(-2)).toEqual(['ExecutionRedriven', 'WaitStateEntered']);
    await h.sfn.send(new StopExecutionCommand({ executionArn }));

    await h.sfn.send(new DeleteStateMachineCommand({ stateMachineArn: sm }));
    const gone = await rejection(h.sfn.send(new RedriveExecutionCommand({ executionArn })));
    expect(gone).toMatchObject({ name: 'ExecutionNotRedrivable', message: 'State machine is in DELETING status.' });
  });

  it('Map and Parallel: runs again only the iterations and branches that failed', async () => {
    const p = `p-${store}`;
    const sm = await create('fan', {
      Each: {
        Type: 'Map',
        Items: [0, 1, 2, 3, 4, 5],
        MaxConcurrency: 2,
        ItemProcessor: { ProcessorConfig: { Mode: 'INLINE' }, StartAt: 'Item', States: { Item: { ...WORK(`{% '${p}-item-' & $string($states.input) %}`), End: true } } },
        Next: 'Both',
      },
      Both: {
        Type: 'Parallel',
        Branches: [
          { StartAt: 'A', States: { A: { ...WORK(`${p}-a`), End: true } } },
          { StartAt: 'Later', States: { Later: { Type: 'Wait', Seconds: 1, Next: 'B' }, B: { ...WORK(`${p}-b`), End: true } } }, // fails after A succeeded
        ],
        End: true,
      },
    });
    failing.add(`${p}-item-4`);
    const { executionArn } = await h.sfn.send(new StartExecutionCommand({ stateMachineArn: sm, name: 'fan-1' }));
    expect((await h.engine.waitForExecution(executionArn!)).status).toBe('FAILED');
    const mapCalls = () => [0, 1, 2, 3, 4, 5].map((i) => calls.get(`${p}-item-${i}`) ?? 0);
    const before = mapCalls();
    expect(before[4]).toBe(1);
    const succeeded = (await fullHistory(h.sfn, executionArn!)).filter((e) => e.type === 'MapIterationSucceeded').map((e) => e.mapIterationSucceededEventDetails!.index!);
    expect(succeeded.length).toBeGreaterThanOrEqual(3);

    failing.delete(`${p}-item-4`);
    failing.add(`${p}-b`);
    await h.sfn.send(new RedriveExecutionCommand({ executionArn }));
    expect((await h.engine.waitForExecution(executionArn!)).status).toBe('FAILED'); // now in the Parallel
    const after = mapCalls();
    // the succeeded iterations did not run again; the failed one (and those it cut short or that never started) did
    expect(after).toEqual(before.map((n, i) => (succeeded.includes(i) ? 1 : n + 1)));
    expect([calls.get(`${p}-a`), calls.get(`${p}-b`)]).toEqual([1, 1]);

    failing.delete(`${p}-b`);
    await h.sfn.send(new RedriveExecutionCommand({ executionArn }));
    const done = await h.engine.waitForExecution(executionArn!);
    expect(done.status).toBe('SUCCEEDED');
    expect([calls.get(`${p}-a`), calls.get(`${p}-b`)]).toEqual([1, 2]);
    expect(mapCalls().every((n, i) => n === after[i])).toBe(true);
    expect(JSON.parse(done.output!)).toEqual([{ key: `${p}-a`, ok: true }, { key: `${p}-b`, ok: true }]);
    expect((await describeIt(executionArn!)).redriveCount).toBe(2);
    const redrives = (await fullHistory(h.sfn, executionArn!)).filter((e) => e.type === 'ExecutionRedriven').map((e) => e.executionRedrivenEventDetails);
    expect(redrives).toEqual([{ redriveCount: 1 }, { redriveCount: 2 }]);
  });

  it('clientToken: the same token again answers the same redriveDate without a second redrive; another is refused while RUNNING', async () => {
    const key = `token-${store}`;
    const sm = await create('token', { Call: { ...WORK(key), Next: 'Hold' }, Hold: { Type: 'Wait', Seconds: 1, End: true } });
    failing.add(key);
    const { executionArn } = await h.sfn.send(new StartExecutionCommand({ stateMachineArn: sm, name: 'token-1' }));
    expect((await h.engine.waitForExecution(executionArn!)).status).toBe('FAILED');
    failing.delete(key);
    const first = await h.sfn.send(new RedriveExecutionCommand({ executionArn, clientToken: 'retry-after-outage' }));
    const again = await h.sfn.send(new RedriveExecutionCommand({ executionArn, clientToken: 'retry-after-outage' }));
    expect(again.redriveDate).toEqual(first.redriveDate);
    expect(await rejection(h.sfn.send(new RedriveExecutionCommand({ executionArn, clientToken: 'another' })))).toMatchObject({
      name: 'ExecutionNotRedrivable',
      message: 'Execution is RUNNING and cannot be redriven.',
    });
    expect((await h.engine.waitForExecution(executionArn!)).status).toBe('SUCCEEDED');
    // still the same answer once it has ended (a token is good for 15 minutes)
    expect((await h.sfn.send(new RedriveExecutionCommand({ executionArn, clientToken: 'retry-after-outage' }))).redriveDate).toEqual(first.redriveDate);
    expect(calls.get(key)).toBe(2);
    expect((await describeIt(executionArn!)).redriveCount).toBe(1);
    expect((await fullHistory(h.sfn, executionArn!)).filter((e) => e.type === 'ExecutionRedriven')).toHaveLength(1);
  });

  it('$states.context.Execution after a redrive: RedriveCount and RedriveTime (the redrive date)', async () => {
    const key = `ctx-${store}`;
    const sm = await create('ctx', { Call: { ...WORK(key), Output: '{% $states.context.Execution %}', End: true } });
    failing.add(key);
    const { executionArn } = await h.sfn.send(new StartExecutionCommand({ stateMachineArn: sm, name: 'ctx-1' }));
    expect((await h.engine.waitForExecution(executionArn!)).status).toBe('FAILED');
    failing.delete(key);
    await h.sfn.send(new RedriveExecutionCommand({ executionArn }));
    const done = await h.engine.waitForExecution(executionArn!);
    expect(done.status).toBe('SUCCEEDED');
    const ctx = JSON.parse(done.output!) as Record<string, unknown>;
    expect(Object.keys(ctx)).toEqual(['Id', 'Input', 'StartTime', 'Name', 'RoleArn', 'RedriveCount', 'RedriveTime']);
    expect(ctx.RedriveCount).toBe(1);
    expect(ctx.RedriveTime).toBe((await describeIt(executionArn!)).redriveDate!.toISOString());
  });

  it('a Map inside a Parallel branch: the branch goes on from its Map, which runs only its iteration that failed', async () => {
    const p = `nested-${store}`;
    const sm = await create('nested', {
      Both: {
        Type: 'Parallel',
        Branches: [
          {
            StartAt: 'First',
            States: {
              First: { ...WORK(`${p}-first`), Next: 'Each' },
              Each: {
                Type: 'Map',
                Items: [0, 1, 2, 3],
                MaxConcurrency: 1,
                ItemProcessor: { ProcessorConfig: { Mode: 'INLINE' }, StartAt: 'Item', States: { Item: { ...WORK(`{% '${p}-item-' & $string($states.input) %}`), End: true } } },
                End: true,
              },
            },
          },
          { StartAt: 'Other', States: { Other: { ...WORK(`${p}-other`), End: true } } },
        ],
        End: true,
      },
    });
    failing.add(`${p}-item-2`);
    const { executionArn } = await h.sfn.send(new StartExecutionCommand({ stateMachineArn: sm, name: 'nested-1' }));
    expect((await h.engine.waitForExecution(executionArn!)).status).toBe('FAILED');
    const counts = () => [`${p}-first`, `${p}-other`, ...[0, 1, 2, 3].map((i) => `${p}-item-${i}`)].map((k) => calls.get(k) ?? 0);
    expect(counts()).toEqual([1, 1, 1, 1, 1, 0]);

    failing.delete(`${p}-item-2`);
    await h.sfn.send(new RedriveExecutionCommand({ executionArn }));
    const done = await h.engine.waitForExecution(executionArn!);
    expect(done.status).toBe('SUCCEEDED');
    // First, Other and items 0 and 1 succeeded before: not run again; item 2 again, item 3 for the first time
    expect(counts()).toEqual([1, 1, 1, 1, 2, 1]);
    expect(JSON.parse(done.output!)).toEqual([[0, 1, 2, 3].map((i) => ({ key: `${p}-item-${i}`, ok: true })), { key: `${p}-other`, ok: true }]);
  });
});

/** Runs `fn` against an SDK client and an engine on a manual clock (closed afterwards). */
async function onManualClock(fn: (h: Harness, clock: ManualClock) => Promise<void>): Promise<void> {
  const clock = new ManualClock();
  const h = await startHarness({ engine: { clock } });
  try {
    await fn(h, clock);
  } finally {
    await h.close();
  }
}

describe('RedriveExecution on a manual clock', () => {
  it('a client token answers for 15 minutes after its first use, then redrives again', () =>
    onManualClock(async (h, clock) => {
      const { stateMachineArn } = await h.sfn.send(new CreateStateMachineCommand({ name: 'fails', roleArn: ROLE_ARN, definition: definition({ F: { Type: 'Fail', Error: 'E' } }) }));
      const { executionArn } = await h.sfn.send(new StartExecutionCommand({ stateMachineArn }));
      expect((await h.engine.waitForExecution(executionArn!)).status).toBe('FAILED');
      const first = await h.sfn.send(new RedriveExecutionCommand({ executionArn, clientToken: 'tok' }));
      expect((await h.engine.waitForExecution(executionArn!)).status).toBe('FAILED');
      clock.advance(14 * 60 * 1000);
      expect((await h.sfn.send(new RedriveExecutionCommand({ executionArn, clientToken: 'tok' }))).redriveDate).toEqual(first.redriveDate);
      expect((await h.sfn.send(new DescribeExecutionCommand({ executionArn }))).redriveCount).toBe(1);
      clock.advance(2 * 60 * 1000);
      const later = await h.sfn.send(new RedriveExecutionCommand({ executionArn, clientToken: 'tok' }));
      expect(later.redriveDate!.getTime() - first.redriveDate!.getTime()).toBe(16 * 60 * 1000);
      expect((await h.engine.waitForExecution(executionArn!)).status).toBe('FAILED');
      expect((await h.sfn.send(new DescribeExecutionCommand({ executionArn }))).redriveCount).toBe(2);
    }));

  it('the execution TimeoutSeconds counts again from the redrive (AWS resets it to 0)', () =>
    onManualClock(async (h, clock) => {
      const def = definition({ W: { Type: 'Wait', Seconds: 15, End: true } }, { TimeoutSeconds: 10 });
      const { stateMachineArn } = await h.sfn.send(new CreateStateMachineCommand({ name: 'timed', roleArn: ROLE_ARN, definition: def }));
      const { executionArn } = await h.sfn.send(new StartExecutionCommand({ stateMachineArn }));
      clock.advance(10_000);
      expect((await h.engine.waitForExecution(executionArn!)).status).toBe('TIMED_OUT');
      clock.advance(60_000);
      await h.sfn.send(new RedriveExecutionCommand({ executionArn }));
      clock.advance(9_000);
      expect((await h.sfn.send(new DescribeExecutionCommand({ executionArn }))).status).toBe('RUNNING');
      clock.advance(1_000);
      const d = await h.engine.waitForExecution(executionArn!);
      expect(d.status).toBe('TIMED_OUT');
      expect(d.stopDate!.getTime() - d.startDate.getTime()).toBe(80_000);
    }));

  it('refuses an execution open for more than a year (AWS\'s maximum open time), even if it stopped just now', () =>
    onManualClock(async (h, clock) => {
      const year = 365 * 24 * 3600;
      const { stateMachineArn } = await h.sfn.send(new CreateStateMachineCommand({ name: 'long', roleArn: ROLE_ARN, definition: definition({ W: { Type: 'Wait', Seconds: year + 3600, Next: 'F' }, F: { Type: 'Fail', Error: 'E' } }) }));
      const { executionArn } = await h.sfn.send(new StartExecutionCommand({ stateMachineArn }));
      clock.advance((year + 3600) * 1000);
      expect((await h.engine.waitForExecution(executionArn!)).status).toBe('FAILED');
      const reason = 'Execution has exceeded the max execution time.';
      expect(await h.sfn.send(new DescribeExecutionCommand({ executionArn }))).toMatchObject({ redriveStatus: 'NOT_REDRIVABLE', redriveStatusReason: reason });
      expect(await rejection(h.sfn.send(new RedriveExecutionCommand({ executionArn })))).toMatchObject({ name: 'ExecutionNotRedrivable', message: reason });
    }));


  it('refuses an execution stopped more than 14 days ago', async () => {
    const clock = new ManualClock();
    const engine = createEngine({ clock });
    await engine.start();
    try {
      const { stateMachineArn } = await engine.createStateMachine({ name: 'old', roleArn: ROLE_ARN, definition: definition({ F: { Type: 'Fail', Error: 'E' } }) });
      const { executionArn } = await engine.startExecution({ stateMachineArn });
      expect((await engine.waitForExecution(executionArn)).status).toBe('FAILED');
      clock.advance(13 * 24 * 3600 * 1000);
      expect((await engine.describeExecution(executionArn)).redriveStatus).toBe('REDRIVABLE');
      clock.advance(2 * 24 * 3600 * 1000);
      expect(await engine.describeExecution(executionArn)).toMatchObject({ redriveStatus: 'NOT_REDRIVABLE', redriveStatusReason: 'Execution redrivable period exceeded.' });
      await expect(engine.redriveExecution({ executionArn })).rejects.toMatchObject({ name: 'ExecutionNotRedrivable', message: 'Execution redrivable period exceeded.' });
    } finally {
      await engine.stop();
    }
  });
});
