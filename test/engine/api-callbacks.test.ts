/**
 * Callbacks over the API: a waitForTaskToken task hands its token to a Lambda
 * handler; the test answers with SendTaskSuccess / SendTaskFailure /
 * SendTaskHeartbeat through `@aws-sdk/client-sfn`, and checks the errors for
 * bad, spent and expired tokens.
 */
import {
  CreateStateMachineCommand,
  DescribeExecutionCommand,
  SendTaskFailureCommand,
  SendTaskHeartbeatCommand,
  SendTaskSuccessCommand,
  StartExecutionCommand,
  StopExecutionCommand,
} from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSfnServer } from '../../local/engine/http-server';
import { ROLE_ARN, definition, eventually, fullHistory, lambdaArn, rejection, sfnClient, startHarness, type Harness, type StoreKind } from './fixtures/sfn-harness';

const TIME_SCALE = 100; // 1 s of execution time = 10 ms

function reviewMachine(task: Record<string, unknown>): string {
  return definition({
    'Await review': {
      Type: 'Task',
      Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
      Arguments: { FunctionName: lambdaArn('request-review'), Payload: { token: '{% $states.context.Task.Token %}', id: '{% $states.input.id %}' } },
      Output: '{% $states.result %}',
      Next: 'Record',
      ...task,
    },
    Record: { Type: 'Pass', Output: { id: '{% $states.input.id %}', verdict: '{% $states.input.verdict %}' }, End: true },
  });
}

/** "Await review" waits for a callback (timeout 300 s = 3 s real), then "Record" shapes the answer. */
const REVIEW_MACHINE = reviewMachine({ TimeoutSeconds: 300 });
/** The same with a heartbeat: 20 s of execution time = 200 ms real. */
const HEARTBEAT_MACHINE = reviewMachine({ TimeoutSeconds: 300, HeartbeatSeconds: 20 });

describe.each<StoreKind>(['memory', 'durable'])('Step Functions API over HTTP: task tokens (%s store)', (store) => {
  let h: Harness;
  let stateMachineArn: string;
  let heartbeatMachineArn: string;
  const events = new Map<string, { token: string; id: string }>();

  beforeAll(async () => {
    h = await startHarness({
      store,
      timeScale: TIME_SCALE,
      lambdas: {
        'request-review': async (event) => {
          const e = event as { token: string; id: string };
          expect(typeof e.token).toBe('string');
          events.set(e.id, e);
          // Some workers answer before their Lambda even returns (AWS allows it): ids starting with "inline-".
          if (e.id.startsWith('inline-fail')) await h.sfn.send(new SendTaskFailureCommand({ taskToken: e.token, error: 'Inline.Rejected', cause: 'answered at once' }));
          if (e.id.startsWith('inline-ok')) await h.sfn.send(new SendTaskSuccessCommand({ taskToken: e.token, output: JSON.stringify({ id: e.id, verdict: 'at once' }) }));
          return { StatusCode: 202 };
        },
      },
    });
    ({ stateMachineArn = '' } = await h.sfn.send(new CreateStateMachineCommand({ name: 'review', definition: REVIEW_MACHINE, roleArn: ROLE_ARN })));
    ({ stateMachineArn: heartbeatMachineArn = '' } = await h.sfn.send(new CreateStateMachineCommand({ name: 'review-hb', definition: HEARTBEAT_MACHINE, roleArn: ROLE_ARN })));
  });
  afterAll(async () => {
    await h?.close();
  });

  async function park(id: string, machineArn = stateMachineArn): Promise<{ executionArn: string; token: string }> {
    const { executionArn = '' } = await h.sfn.send(new StartExecutionCommand({ stateMachineArn: machineArn, name: id, input: JSON.stringify({ id }) }));
    // Poll tightly: answers then often arrive while the engine is still recording TaskSubmitted, as fast workers' do.
    const token = await eventually(`the task token of ${id}`, () => events.get(id)?.token, 5_000, 1);
    return { executionArn, token };
  }

  it('resumes an execution with SendTaskSuccess and the token the Lambda received', async () => {
    const { executionArn, token } = await park('ok-1');
    expect(token.length).toBeGreaterThan(0);
    expect(token.length).toBeLessThanOrEqual(2048);
    const before = await h.sfn.send(new DescribeExecutionCommand({ executionArn }));
    expect(before.status).toBe('RUNNING');

    const res = await h.sfn.send(new SendTaskSuccessCommand({ taskToken: token, output: JSON.stringify({ id: 'ok-1', verdict: 'approved' }) }));
    expect(res.$metadata.httpStatusCode).toBe(200);

    const done = await h.engine.waitForExecution(executionArn, { timeoutMs: 5_000 });
    expect(done.status).toBe('SUCCEEDED');
    expect(JSON.parse(done.output ?? '')).toEqual({ id: 'ok-1', verdict: 'approved' });

    const types = (await fullHistory(h.sfn, executionArn)).map((e) => e.type);
    expect(types).toEqual([
      'ExecutionStarted',
      'TaskStateEntered',
      'TaskScheduled',
      'TaskStarted',
      'TaskSubmitted',
      'TaskSucceeded',
      'TaskStateExited',
      'PassStateEntered',
      'PassStateExited',
      'ExecutionSucceeded',
    ]);
    const history = await fullHistory(h.sfn, executionArn);
    const scheduled = history.find((e) => e.type === 'TaskScheduled');
    expect(scheduled?.taskScheduledEventDetails).toMatchObject({ resourceType: 'lambda', resource: 'invoke.waitForTaskToken', timeoutInSeconds: 300 });
    const succeeded = history.find((e) => e.type === 'TaskSucceeded');
    expect(JSON.parse(succeeded?.taskSucceededEventDetails?.output ?? '')).toEqual({ id: 'ok-1', verdict: 'approved' });

    // The token is spent: AWS answers TaskTimedOut ("the task associated with the token has already been closed").
    const spent = await rejection(h.sfn.send(new SendTaskSuccessCommand({ taskToken: token, output: '{}' })));
    expect(spent).toMatchObject({ name: 'TaskTimedOut', status: 400 });
  });

  it('takes an answer sent before the Lambda that received the token has returned, without an unhandled rejection', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown): void => {
      unhandled.push(reason);
    };
    process.on('unhandledRejection', onUnhandled);
    try {
      const failed = await h.sfn.send(new StartExecutionCommand({ stateMachineArn, name: 'inline-fail-1', input: JSON.stringify({ id: 'inline-fail-1' }) }));
      const ok = await h.sfn.send(new StartExecutionCommand({ stateMachineArn, name: 'inline-ok-1', input: JSON.stringify({ id: 'inline-ok-1' }) }));
      const f = await h.engine.waitForExecution(failed.executionArn!, { timeoutMs: 5_000 });
      const o = await h.engine.waitForExecution(ok.executionArn!, { timeoutMs: 5_000 });
      await new Promise((r) => setTimeout(r, 50)); // let Node report a late unhandled rejection, if any
      expect({ status: f.status, error: f.error, cause: f.cause }).toEqual({ status: 'FAILED', error: 'Inline.Rejected', cause: 'answered at once' });
      expect({ status: o.status, output: JSON.parse(o.output ?? 'null') as unknown }).toEqual({ status: 'SUCCEEDED', output: { id: 'inline-ok-1', verdict: 'at once' } });
      // In a plain Node process an unhandled rejection kills the engine (and `cli.ts serve` with it).
      expect(unhandled.map((r) => String(r))).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });

  it('fails the execution with SendTaskFailure error and cause', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown): void => {
      unhandled.push(reason);
    };
    process.on('unhandledRejection', onUnhandled);
    const { executionArn, token } = await park('fail-1');
    await h.sfn.send(new SendTaskFailureCommand({ taskToken: token, error: 'Review.Rejected', cause: 'not a fit' }));
    const done = await h.engine.waitForExecution(executionArn, { timeoutMs: 5_000 });
    await new Promise((r) => setTimeout(r, 50));
    process.off('unhandledRejection', onUnhandled);
    // In a plain Node process an unhandled rejection kills the engine (and `cli.ts serve` with it).
    expect(unhandled.map((r) => String(r))).toEqual([]);
    expect(done).toMatchObject({ status: 'FAILED', error: 'Review.Rejected', cause: 'not a fit' });
    const history = await fullHistory(h.sfn, executionArn);
    expect(history.find((e) => e.type === 'TaskFailed')?.taskFailedEventDetails).toMatchObject({ error: 'Review.Rejected', cause: 'not a fit' });
    expect(history.at(-1)?.type).toBe('ExecutionFailed');
    expect(history.at(-1)?.executionFailedEventDetails).toMatchObject({ error: 'Review.Rejected', cause: 'not a fit' });
  });

  it('keeps a task alive with SendTaskHeartbeat and times it out without one', async () => {
    const { executionArn, token } = await park('beat-1', heartbeatMachineArn);
    // HeartbeatSeconds 20 = 200 ms real. Beat every 50 ms for over 500 ms: the task must stay open.
    for (let i = 0; i < 10; i++) {
      const res = await h.sfn.send(new SendTaskHeartbeatCommand({ taskToken: token }));
      expect(res.$metadata.httpStatusCode).toBe(200);
      await new Promise((r) => setTimeout(r, 50));
    }
    expect((await h.sfn.send(new DescribeExecutionCommand({ executionArn }))).status).toBe('RUNNING');

    // Stop beating: the heartbeat timeout ends the task (AWS reports States.Timeout; Retry/Catch can tell it by States.HeartbeatTimeout),
    // long before its TimeoutSeconds.
    const done = await h.engine.waitForExecution(executionArn, { timeoutMs: 5_000 });
    expect(done).toMatchObject({ status: 'FAILED', error: expect.stringMatching(/^States\.(Heartbeat)?Timeout$/) });
    const history = await fullHistory(h.sfn, executionArn);
    const started = history.find((e) => e.type === 'TaskStarted')!.timestamp!.getTime();
    const timedOut = history.find((e) => e.type === 'TaskTimedOut');
    expect(timedOut).toBeDefined();
    expect(timedOut!.timestamp!.getTime() - started).toBeLessThan(300_000);

    // A timed-out task's token: TaskTimedOut for success, failure and heartbeat alike.
    for (const call of [
      new SendTaskSuccessCommand({ taskToken: token, output: '{}' }),
      new SendTaskFailureCommand({ taskToken: token, error: 'Late' }),
      new SendTaskHeartbeatCommand({ taskToken: token }),
    ]) {
      const err = await rejection(h.sfn.send(call as SendTaskSuccessCommand));
      expect(err).toMatchObject({ name: 'TaskTimedOut', status: 400, fault: 'client' });
    }
  });

  it('times a task out after TimeoutSeconds (States.Timeout) and then answers TaskTimedOut', async () => {
    const { executionArn, token } = await park('late-1', heartbeatMachineArn);
    // Heartbeats keep the heartbeat timer quiet; TimeoutSeconds 300 (3 s real) still ends the task.
    const beating = (async () => {
      for (let i = 0; i < 200; i++) {
        const r = await h.sfn.send(new SendTaskHeartbeatCommand({ taskToken: token })).then(
          () => 'ok',
          (e: Error) => e.name,
        );
        if (r !== 'ok') return r;
        await new Promise((res) => setTimeout(res, 50));
      }
      return 'still open';
    })();
    const done = await h.engine.waitForExecution(executionArn, { timeoutMs: 5_000 });
    expect(done).toMatchObject({ status: 'FAILED', error: 'States.Timeout' });
    expect(await beating).toBe('TaskTimedOut');
    const late = await rejection(h.sfn.send(new SendTaskSuccessCommand({ taskToken: token, output: '{"verdict":"late"}' })));
    expect(late).toMatchObject({ name: 'TaskTimedOut', status: 400 });
  });

  it('answers TaskTimedOut for the token of a stopped execution', async () => {
    const { executionArn, token } = await park('stop-1');
    await h.sfn.send(new StopExecutionCommand({ executionArn }));
    const err = await rejection(h.sfn.send(new SendTaskSuccessCommand({ taskToken: token, output: '{}' })));
    expect(err).toMatchObject({ name: 'TaskTimedOut', status: 400 });
  });

  it('rejects malformed tokens with InvalidToken', async () => {
    for (const taskToken of ['not-a-token', 'x'.repeat(2048), '%%%.%%%']) {
      const bad = await rejection(h.sfn.send(new SendTaskSuccessCommand({ taskToken, output: '{}' })));
      expect(bad).toMatchObject({ name: 'InvalidToken', status: 400, fault: 'client' });
    }
    const badBeat = await rejection(h.sfn.send(new SendTaskHeartbeatCommand({ taskToken: 'not-a-token' })));
    expect(badBeat).toMatchObject({ name: 'InvalidToken', status: 400 });
    const badFail = await rejection(h.sfn.send(new SendTaskFailureCommand({ taskToken: 'not-a-token' })));
    expect(badFail).toMatchObject({ name: 'InvalidToken', status: 400 });
  });

  it('answers TaskDoesNotExist for a well-formed token whose task no execution has', async () => {
    // A real token has the shape of the engine's tokens; point one at an execution that was never started.
    const { token } = await park('shape-1');
    const forged = tokenForOtherExecution(token, `arn:aws:states:us-east-1:123456789012:execution:review:never-started`);
    expect(forged).not.toBe(token);
    const missing = await rejection(h.sfn.send(new SendTaskSuccessCommand({ taskToken: forged, output: '{}' })));
    // The real token still works.
    await h.sfn.send(new SendTaskSuccessCommand({ taskToken: token, output: JSON.stringify({ verdict: 'ok' }) }));
    expect(missing).toMatchObject({ name: 'TaskDoesNotExist', status: 400, fault: 'client' });
  });

  it('rejects output that is not JSON with InvalidOutput and leaves the task open', async () => {
    const { executionArn, token } = await park('out-1');
    const err = await rejection(h.sfn.send(new SendTaskSuccessCommand({ taskToken: token, output: '{not json' })));
    expect(err).toMatchObject({ name: 'InvalidOutput', status: 400 });
    expect((await h.sfn.send(new DescribeExecutionCommand({ executionArn }))).status).toBe('RUNNING');
    await h.sfn.send(new SendTaskSuccessCommand({ taskToken: token, output: JSON.stringify({ id: 'out-1', verdict: 'fine' }) }));
    const done = await h.engine.waitForExecution(executionArn, { timeoutMs: 5_000 });
    expect({ status: done.status, error: done.error, cause: done.cause }).toEqual({ status: 'SUCCEEDED', error: undefined, cause: undefined });
  });

  it('logs one line per request without task tokens, inputs or outputs', async () => {
    const lines: string[] = [];
    const server = await startSfnServer(h.engine, { port: 0, log: (l) => lines.push(l) });
    const sfn = sfnClient(server.url);
    try {
      const secretInput = 'input-marker-7f3a';
      const { executionArn = '' } = await sfn.send(new StartExecutionCommand({ stateMachineArn, name: 'log-1', input: JSON.stringify({ id: 'log-1', secretInput }) }));
      const token = await eventually('the token of log-1', () => events.get('log-1')?.token, 5_000);
      await sfn.send(new SendTaskSuccessCommand({ taskToken: token, output: JSON.stringify({ id: 'log-1', verdict: 'output-marker-91bc' }) }));
      await h.engine.waitForExecution(executionArn, { timeoutMs: 5_000 });
      await rejection(sfn.send(new SendTaskSuccessCommand({ taskToken: token, output: '{}' })));
      await fetch(server.url, { method: 'POST', headers: { 'X-Amz-Target': `AWSStepFunctions.${token}` }, body: '{}' });

      expect(lines.some((l) => l.includes('StartExecution 200'))).toBe(true);
      expect(lines.some((l) => l.includes('SendTaskSuccess 200'))).toBe(true);
      expect(lines.some((l) => l.includes('SendTaskSuccess 400 TaskTimedOut'))).toBe(true);
      const all = lines.join('\n');
      expect(all).not.toContain(token);
      expect(all).not.toContain(token.slice(0, 24));
      expect(all).not.toContain(secretInput);
      expect(all).not.toContain('output-marker-91bc');
    } finally {
      sfn.destroy();
      await server.close();
    }
  });
});

/**
 * The engine's tokens are `<base64url(executionArn)>.<random>`: the same shape for another execution.
 * (Only this test knows the format; if it changes, this helper fails loudly rather than the assertion silently passing.)
 */
function tokenForOtherExecution(token: string, executionArn: string): string {
  const [head, secret] = token.split('.');
  if (!head || !secret || !Buffer.from(head, 'base64url').toString('utf8').startsWith('arn:aws:states:')) {
    throw new Error('unexpected task token format: update tokenForOtherExecution');
  }
  return `${Buffer.from(executionArn).toString('base64url')}.${secret}`;
}
