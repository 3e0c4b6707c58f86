/**
 * Resume at depth three: a Parallel whose branch holds a Map whose
 * iterations hold a Parallel, stopped while the innermost callback tasks
 * wait and started again on the same store. The finished inner branches are
 * not run again, the callback Lambdas are not invoked again (their tokens
 * stay valid), and the Map and Parallels do not start over. (The durable
 * store and a real kill -9 at depth two: restart.test.ts.)
 */
import { describe, expect, it } from 'vitest';
import type { LambdaHandler } from '../../local/engine/api';
import { createEngine, MemoryStore } from '../../local/engine/index';
import { definition, ROLE_ARN } from './fixtures/sfn-harness';

const lambdaInvoke = (FunctionName: string, Payload: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
  Type: 'Task',
  Resource: extra.callback ? 'arn:aws:states:::lambda:invoke.waitForTaskToken' : 'arn:aws:states:::lambda:invoke',
  Arguments: { FunctionName, Payload },
  ...(extra.callback ? {} : { Output: '{% $states.result.Payload %}' }),
  End: true,
});

const DEPTH_THREE = definition({
  Outer: {
    Type: 'Parallel',
    Branches: [
      {
        StartAt: 'Each',
        States: {
          Each: {
            Type: 'Map',
            Items: [0, 1, 2],
            ItemProcessor: {
              ProcessorConfig: { Mode: 'INLINE' },
              StartAt: 'Inner',
              States: {
                Inner: {
                  Type: 'Parallel',
                  Branches: [
                    { StartAt: 'Ask', States: { Ask: lambdaInvoke('ask', { n: '{% $states.input %}', token: '{% $states.context.Task.Token %}' }, { callback: true }) } },
                    { StartAt: 'Quick', States: { Quick: lambdaInvoke('quick', { n: '{% $states.input %}' }) } },
                  ],
                  End: true,
                },
              },
            },
            End: true,
          },
        },
      },
      { StartAt: 'Side', States: { Side: lambdaInvoke('quick', { n: 'side' }) } },
    ],
    End: true,
  },
});

describe('nested Map and Parallel', () => {
  it('resume at depth three where they stood: no finished branch runs again, callbacks keep their tokens', async () => {
    const store = new MemoryStore();
    const asked: [n: number, token: string][] = [];
    const quick: unknown[] = [];
    const lambdas = new Map<string, LambdaHandler>([
      ['ask', async (e) => void asked.push([(e as { n: number }).n, (e as { token: string }).token])],
      ['quick', async (e) => (quick.push((e as { n: unknown }).n), { quick: (e as { n: unknown }).n })],
    ]);
    const e1 = createEngine({ store, lambdas });
    await e1.start();
    const { stateMachineArn } = await e1.createStateMachine({ name: 'depth-three', roleArn: ROLE_ARN, definition: DEPTH_THREE });
    const { executionArn } = await e1.startExecution({ stateMachineArn });
    const count = async (type: string) => (await e1.getExecutionHistory({ executionArn, maxResults: 1000 })).items.filter((e) => e.type === type).length;
    // every callback submitted, every Quick branch (and Side) succeeded and stored
    for (const deadline = Date.now() + 5000; (await count('TaskSubmitted')) < 3 || (await count('TaskSucceeded')) < 4; ) {
      if (Date.now() > deadline) throw new Error('the inner tasks did not all start in time');
      await new Promise((r) => setTimeout(r, 5));
    }
    await e1.stop();

    const e2 = createEngine({ store, lambdas });
    await e2.start();
    for (const [n, token] of asked) await e2.sendTaskSuccess({ taskToken: token, output: JSON.stringify(`answer ${n}`) });
    const d = await e2.waitForExecution(executionArn, { timeoutMs: 5000 });
    await e2.stop();
    expect(d.status).toBe('SUCCEEDED');
    expect(JSON.parse(d.output!)).toEqual([[0, 1, 2].map((n) => [`answer ${n}`, { quick: n }]), { quick: 'side' }]);
    expect(asked.map(([n]) => n).sort()).toEqual([0, 1, 2]); // invoked once each, before the stop
    expect(quick.map(String).sort()).toEqual(['0', '1', '2', 'side']);
    const types = (await e2.getExecutionHistory({ executionArn, maxResults: 1000 })).items.map((e) => e.type);
    expect(['ParallelStateStarted', 'MapStateStarted', 'MapIterationStarted', 'TaskScheduled'].map((t) => types.filter((x) => x === t).length)).toEqual([4, 1, 3, 7]);
  });
});
