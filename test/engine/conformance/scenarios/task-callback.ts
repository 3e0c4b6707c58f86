/** `.waitForTaskToken` callbacks driven through sendTaskSuccess / sendTaskFailure / sendTaskHeartbeat. */
import { jsonata, type Scenario } from '../types';

const DOC_TOKEN = 'https://docs.aws.amazon.com/step-functions/latest/dg/connect-to-resource.html#connect-wait-token';
const LS_CALLBACK = 'localstack/localstack tests/aws/services/stepfunctions/templates/callbacks/statemachines';
const LS_CALLBACK_SNAPSHOT = 'localstack/localstack tests/aws/services/stepfunctions/v2/callback/test_callback.snapshot.json';

/** A Task that hands its token to the built-in TokenSink Lambda and waits for the callback. */
function waitForToken(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    Type: 'Task',
    Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
    Arguments: { FunctionName: 'TokenSink', Payload: { token: '{% $states.context.Task.Token %}', input: '{% $states.input %}' } },
    ...extra,
  };
}

export const taskCallbackScenarios: Scenario[] = [
  {
    name: 'sendTaskSuccess: the task result is the callback output',
    source: [DOC_TOKEN, `${LS_CALLBACK}/sqs_success_on_task_token.json5`, LS_CALLBACK_SNAPSHOT],
    definition: jsonata('Approve', { Approve: waitForToken({ End: true }) }),
    input: { order: 7 },
    callbacks: [{ kind: 'success', output: { approved: true, by: 'reviewer' } }],
    expect: {
      status: 'SUCCEEDED',
      output: { approved: true, by: 'reviewer' },
      invocations: { TokenSink: 1 },
      history: { eventTypesInOrder: ['TaskScheduled', 'TaskStarted', 'TaskSubmitted', 'TaskSucceeded', 'TaskStateExited'] },
    },
  },
  {
    name: 'sendTaskSuccess: Output and Assign read $states.result of the callback',
    source: DOC_TOKEN,
    definition: jsonata('Approve', {
      Approve: waitForToken({ Assign: { reviewer: '{% $states.result.by %}' }, Output: { approved: '{% $states.result.approved %}' }, Next: 'Done' }),
      Done: { Type: 'Pass', Output: { approved: '{% $states.input.approved %}', reviewer: '{% $reviewer %}' }, End: true },
    }),
    callbacks: [{ kind: 'success', output: { approved: false, by: 'ops' } }],
    expect: { status: 'SUCCEEDED', output: { approved: false, reviewer: 'ops' } },
  },
  {
    name: 'sendTaskFailure uncaught: the execution fails with the callback error and cause',
    source: [DOC_TOKEN, `${LS_CALLBACK}/sqs_failure_on_task_token.json5`, LS_CALLBACK_SNAPSHOT],
    definition: jsonata('Approve', { Approve: waitForToken({ End: true }) }),
    callbacks: [{ kind: 'failure', error: 'Rejected', cause: 'The reviewer said no' }],
    expect: {
      status: 'FAILED',
      error: 'Rejected',
      cause: 'The reviewer said no',
      history: { eventTypesInOrder: ['TaskSubmitted', 'TaskFailed', 'ExecutionFailed'] },
    },
  },
  {
    name: 'sendTaskFailure caught: $states.errorOutput carries Error and Cause',
    source: [DOC_TOKEN, `${LS_CALLBACK}/sqs_wait_for_task_token_catch.json5`],
    definition: jsonata('Approve', {
      Approve: waitForToken({
        Catch: [{ ErrorEquals: ['Rejected'], Output: { caught: '{% $states.errorOutput %}', input: '{% $states.input %}' }, Next: 'Handle' }],
        End: true,
      }),
      Handle: { Type: 'Pass', End: true },
    }),
    input: { order: 1 },
    callbacks: [{ kind: 'failure', error: 'Rejected', cause: 'no' }],
    expect: { status: 'SUCCEEDED', output: { caught: { Error: 'Rejected', Cause: 'no' }, input: { order: 1 } }, history: { statesEntered: ['Approve', 'Handle'] } },
  },
  {
    name: 'sendTaskHeartbeat keeps the task open; a later sendTaskSuccess completes it',
    source: [DOC_TOKEN, `${LS_CALLBACK}/sqs_hearbeat_success_on_task_token.json5`],
    definition: jsonata('Approve', { Approve: waitForToken({ HeartbeatSeconds: 600, TimeoutSeconds: 3600, End: true }) }),
    callbacks: [{ kind: 'heartbeat' }, { kind: 'heartbeat' }, { kind: 'success', output: { beat: 2 } }],
    expect: { status: 'SUCCEEDED', output: { beat: 2 } },
  },
  {
    name: 'Two callback tasks in sequence each get their own token',
    source: [DOC_TOKEN, `${LS_CALLBACK}/sqs_wait_for_task_token_call_chain.json5`],
    definition: jsonata('First', {
      First: waitForToken({ Next: 'Second' }),
      Second: waitForToken({ Output: { first: '{% $states.input %}', second: '{% $states.result %}' }, End: true }),
    }),
    callbacks: [
      { kind: 'success', output: { step: 1 } },
      { kind: 'success', output: { step: 2 } },
    ],
    expect: { status: 'SUCCEEDED', output: { first: { step: 1 }, second: { step: 2 } }, invocations: { TokenSink: 2 } },
  },
  {
    name: 'Callback tasks in Parallel branches complete independently',
    source: [DOC_TOKEN, `${LS_CALLBACK}/sqs_parallel_wait_for_task_token.json5`],
    definition: jsonata('Both', {
      Both: {
        Type: 'Parallel',
        Branches: [
          { StartAt: 'A', States: { A: waitForToken({ End: true }) } },
          { StartAt: 'B', States: { B: waitForToken({ End: true }) } },
        ],
        End: true,
      },
    }),
    callbacks: [
      { kind: 'success', output: 'done' },
      { kind: 'success', output: 'done' },
    ],
    expect: { status: 'SUCCEEDED', output: ['done', 'done'], invocations: { TokenSink: 2 } },
  },
  {
    name: 'The Lambda payload carries the state input next to the token',
    source: DOC_TOKEN,
    definition: jsonata('Ask', {
      Ask: {
        Type: 'Task',
        Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
        Arguments: { FunctionName: 'Recorder', Payload: { token: '{% $states.context.Task.Token %}', orderId: '{% $states.input.orderId %}' } },
        End: true,
      },
    }, { TimeoutSeconds: 5 }),
    lambdas: (probe) => ({
      Recorder: async (event) => {
        const record = event as { token?: unknown; orderId?: unknown };
        probe.set('orderId', record.orderId);
        probe.set('tokenIsString', typeof record.token === 'string' && record.token.length > 0);
        return { ok: true };
      },
    }),
    input: { orderId: 'o-1' },
    // No callback: the machine-level TimeoutSeconds (5 s) ends the execution.
    expect: { status: 'TIMED_OUT', error: null, cause: null, probe: { orderId: 'o-1', tokenIsString: true } },
  },
];
