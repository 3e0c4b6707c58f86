/** TimeoutSeconds / HeartbeatSeconds -> States.Timeout / States.HeartbeatTimeout, and the execution timeout. */
import { jsonata, lambdaArn, sleep, type Scenario } from '../types';

const DOC_TASK = 'https://docs.aws.amazon.com/step-functions/latest/dg/state-task.html#task-state-fields';
const DOC_ERRORS = 'https://docs.aws.amazon.com/step-functions/latest/dg/concepts-error-handling.html';
const DOC_ERRORS_ARCHIVE = 'awsdocs/aws-step-functions-developer-guide doc_source/concepts-error-handling.md';
const LS_TIMEOUTS = 'localstack/localstack tests/aws/services/stepfunctions/v2/timeouts/test_timeouts.snapshot.json (test_fixed_timeout_lambda, test_fixed_timeout_service_lambda)';
const LS_HEARTBEATS = 'localstack/localstack tests/aws/services/stepfunctions/v2/timeouts/test_heartbeats.snapshot.json';
const LS_GLOBAL_TIMEOUT = 'localstack/localstack tests/aws/services/stepfunctions/v2/timeouts/test_timeouts.snapshot.json (test_global_timeout: describe_execution has status TIMED_OUT and no error or cause)';
const LS_CALLBACK = 'localstack/localstack tests/aws/services/stepfunctions/templates/callbacks/statemachines';

const slow = () => ({
  sleep10: async () => {
    await sleep(400); // 40 s of execution time at timeScale 100
    return 'woke up';
  },
});

const tokenTask = (extra: Record<string, unknown>): Record<string, unknown> => ({
  Type: 'Task',
  Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
  Arguments: { FunctionName: 'TokenSink', Payload: { token: '{% $states.context.Task.Token %}' } },
  ...extra,
});

export const timeoutScenarios: Scenario[] = [
  {
    name: 'Task TimeoutSeconds on a slow Lambda fails with States.Timeout',
    source: [DOC_TASK, LS_TIMEOUTS],
    definition: jsonata('HelloWorld', { HelloWorld: { Type: 'Task', Resource: lambdaArn('sleep10'), TimeoutSeconds: 2, End: true } }),
    lambdas: slow,
    expect: {
      status: 'FAILED',
      error: 'States.Timeout',
      history: {
        stateDurations: { HelloWorld: { min: 2, max: 12 } },
        eventsInclude: [
          { type: 'LambdaFunctionScheduled', lambdaFunctionScheduledEventDetails: { resource: lambdaArn('sleep10'), timeoutInSeconds: 2 } },
          { type: 'LambdaFunctionStarted' },
          { type: 'LambdaFunctionTimedOut', lambdaFunctionTimedOutEventDetails: { error: 'States.Timeout' } },
          { type: 'ExecutionFailed', executionFailedEventDetails: { error: 'States.Timeout' } },
        ],
      },
    },
  },
  {
    name: 'lambda:invoke with TimeoutSeconds fails with States.Timeout',
    source: [DOC_TASK, LS_TIMEOUTS],
    definition: jsonata('Invoke', {
      Invoke: { Type: 'Task', Resource: 'arn:aws:states:::lambda:invoke', Arguments: { FunctionName: 'sleep10', Payload: {} }, TimeoutSeconds: 3, End: true },
    }),
    lambdas: slow,
    expect: {
      status: 'FAILED',
      error: 'States.Timeout',
      history: {
        eventsInclude: [
          { type: 'TaskScheduled', taskScheduledEventDetails: { resource: 'invoke', resourceType: 'lambda', timeoutInSeconds: 3 } },
          { type: 'TaskStarted' },
          { type: 'TaskTimedOut', taskTimedOutEventDetails: { error: 'States.Timeout', resource: 'invoke', resourceType: 'lambda' } },
          { type: 'ExecutionFailed', executionFailedEventDetails: { error: 'States.Timeout' } },
        ],
      },
    },
  },
  {
    name: 'Docs: a timing-out task is retried twice, then fails (3 invocations)',
    source: [DOC_ERRORS, DOC_ERRORS_ARCHIVE],
    definition: jsonata('HelloWorld', {
      HelloWorld: {
        Type: 'Task',
        Resource: lambdaArn('sleep10'),
        TimeoutSeconds: 2,
        Retry: [{ ErrorEquals: ['States.Timeout'], IntervalSeconds: 1, MaxAttempts: 2, BackoffRate: 2.0 }],
        End: true,
      },
    }),
    lambdas: slow,
    expect: { status: 'FAILED', error: 'States.Timeout', invocations: { sleep10: 3 } },
  },
  {
    name: 'TimeoutSeconds as a JSONata expression',
    source: [DOC_TASK, 'https://docs.aws.amazon.com/step-functions/latest/dg/transforming-data.html'],
    definition: jsonata('T', { T: { Type: 'Task', Resource: lambdaArn('sleep10'), TimeoutSeconds: '{% $states.input.timeout %}', End: true } }),
    lambdas: slow,
    input: { timeout: 5 },
    expect: { status: 'FAILED', error: 'States.Timeout', history: { stateDurations: { T: { min: 5, max: 15 } } } },
  },
  {
    name: 'A fast task finishes within TimeoutSeconds',
    source: DOC_TASK,
    definition: jsonata('T', { T: { Type: 'Task', Resource: lambdaArn('Echo'), Arguments: { ok: true }, TimeoutSeconds: 60, End: true } }),
    expect: { status: 'SUCCEEDED', output: { ok: true } },
  },
  {
    name: 'waitForTaskToken with no callback times out after TimeoutSeconds',
    source: [DOC_TASK, `${LS_CALLBACK}/sqs_wait_for_task_token_with_timeout.json5`],
    definition: jsonata('Wait', { Wait: tokenTask({ TimeoutSeconds: 5, End: true }) }),
    expect: { status: 'FAILED', error: 'States.Timeout', invocations: { TokenSink: 1 }, history: { stateDurations: { Wait: { min: 5, max: 15 } } } },
  },
  {
    name: 'waitForTaskToken without heartbeats times out after HeartbeatSeconds: TaskTimedOut and execution error States.Timeout (AWS-recorded)',
    source: [
      DOC_TASK,
      `${LS_HEARTBEATS} (test_heartbeat_timeout: HeartbeatSeconds 5, TimeoutSeconds 600 -> TaskTimedOut error States.Timeout, ExecutionFailed error States.Timeout)`,
      'https://docs.aws.amazon.com/step-functions/latest/dg/concepts-error-handling.html (States.HeartbeatTimeout is only available inside Catch and Retry)',
    ],
    definition: jsonata('Wait', { Wait: tokenTask({ HeartbeatSeconds: 2, TimeoutSeconds: 600, End: true }) }),
    expect: {
      status: 'FAILED',
      error: 'States.Timeout',
      history: {
        stateDurations: { Wait: { min: 2, max: 12 } },
        eventsInclude: [
          { type: 'TaskScheduled', taskScheduledEventDetails: { heartbeatInSeconds: 2, timeoutInSeconds: 600 } },
          { type: 'TaskSubmitted' },
          { type: 'TaskTimedOut', taskTimedOutEventDetails: { error: 'States.Timeout', resource: 'invoke.waitForTaskToken', resourceType: 'lambda' } },
          { type: 'ExecutionFailed', executionFailedEventDetails: { error: 'States.Timeout' } },
        ],
      },
    },
  },
  {
    name: 'A heartbeat timeout can be caught with States.HeartbeatTimeout in ErrorEquals',
    source: [DOC_TASK, 'https://docs.aws.amazon.com/step-functions/latest/dg/concepts-error-handling.html (States.HeartbeatTimeout is only available inside Catch and Retry)'],
    definition: jsonata('Wait', {
      Wait: tokenTask({ HeartbeatSeconds: 2, TimeoutSeconds: 600, Catch: [{ ErrorEquals: ['States.HeartbeatTimeout'], Output: 'caught', Next: 'Late' }], End: true }),
      Late: { Type: 'Pass', End: true },
    }),
    expect: { status: 'SUCCEEDED', output: 'caught', history: { statesEntered: ['Wait', 'Late'] } },
  },
  {
    name: 'A heartbeat timeout is also a States.Timeout for catchers',
    source: 'https://docs.aws.amazon.com/step-functions/latest/dg/concepts-error-handling.html (States.Timeout: ran longer than TimeoutSeconds or failed to send a heartbeat for longer than HeartbeatSeconds)',
    definition: jsonata('Wait', {
      Wait: tokenTask({ HeartbeatSeconds: 2, TimeoutSeconds: 600, Catch: [{ ErrorEquals: ['States.Timeout'], Output: 'caught', Next: 'Late' }], End: true }),
      Late: { Type: 'Pass', End: true },
    }),
    expect: { status: 'SUCCEEDED', output: 'caught', history: { statesEntered: ['Wait', 'Late'] } },
  },
  {
    name: 'sendTaskSuccess after the task timed out is rejected and does not revive the execution',
    source: [DOC_TASK, 'https://docs.aws.amazon.com/step-functions/latest/apireference/API_SendTaskSuccess.html'],
    definition: jsonata('Wait', { Wait: tokenTask({ TimeoutSeconds: 1, End: true }) }),
    afterEnd: { send: { kind: 'success', output: { late: true } }, expectError: 'TaskTimedOut' },
    expect: { status: 'FAILED', error: 'States.Timeout' },
  },
  {
    name: 'Execution-level TimeoutSeconds ends the execution as TIMED_OUT, with no error or cause in DescribeExecution',
    source: ['https://docs.aws.amazon.com/step-functions/latest/dg/statemachine-structure.html', LS_GLOBAL_TIMEOUT],
    definition: jsonata('Long', { Long: { Type: 'Wait', Seconds: 60, End: true } }, { TimeoutSeconds: 5 }),
    expect: { status: 'TIMED_OUT', error: null, cause: null, history: { eventTypesInOrder: ['WaitStateEntered', 'ExecutionTimedOut'] } },
  },
  {
    name: 'A timed-out Map iteration fails the Map and aborts the other running iterations (MapIterationAborted, TaskStateAborted)',
    source: 'localstack/localstack tests/aws/services/stepfunctions/v2/timeouts/test_timeouts.snapshot.json (test_service_lambda_map_timeout)',
    definition: jsonata('MapWait', {
      MapWait: {
        Type: 'Map',
        Items: '{% $states.input.Inputs %}',
        ItemProcessor: {
          StartAt: 'LambdaInvoke',
          States: {
            LambdaInvoke: {
              Type: 'Task',
              Resource: 'arn:aws:states:::lambda:invoke',
              Arguments: { FunctionName: '{% $states.input.FunctionName %}', Payload: '{% $states.input.Payload %}' },
              TimeoutSeconds: '{% $states.input.Timeout %}',
              End: true,
            },
          },
        },
        End: true,
      },
    }),
    lambdas: slow,
    input: {
      Inputs: [
        { FunctionName: 'sleep10', Payload: null, Timeout: 1 },
        { FunctionName: 'sleep10', Payload: null, Timeout: 30 },
        { FunctionName: 'sleep10', Payload: null, Timeout: 30 },
      ],
    },
    expect: {
      status: 'FAILED',
      error: 'States.Timeout',
      history: {
        eventCounts: { MapIterationAborted: 2, TaskStateAborted: 2, MapIterationFailed: 1 },
        eventsInclude: [
          { type: 'TaskTimedOut', taskTimedOutEventDetails: { error: 'States.Timeout' } },
          { type: 'MapIterationFailed', mapIterationFailedEventDetails: { index: 0, name: 'MapWait' } },
          { type: 'MapStateFailed' },
          { type: 'ExecutionFailed', executionFailedEventDetails: { error: 'States.Timeout' } },
        ],
      },
    },
  },
  {
    name: 'TaskScheduled records timeoutInSeconds and heartbeatInSeconds, also when given as JSONata (HEARTBEAT_SECONDS)',
    source: [
      'localstack/localstack tests/aws/services/stepfunctions/v2/evaluate_jsonata/test_base_evaluate_expressions.py (test_base_task_from_input)',
      'https://docs.aws.amazon.com/step-functions/latest/apireference/API_TaskScheduledEventDetails.html',
    ],
    definition: jsonata('Wait', { Wait: tokenTask({ HeartbeatSeconds: '{% $states.input.hb %}', TimeoutSeconds: 600, End: true }) }),
    input: { hb: 30 },
    callbacks: [{ kind: 'success', output: 'ok' }],
    expect: {
      status: 'SUCCEEDED',
      output: 'ok',
      history: { eventsInclude: [{ type: 'TaskScheduled', taskScheduledEventDetails: { resource: 'invoke.waitForTaskToken', resourceType: 'lambda', heartbeatInSeconds: 30, timeoutInSeconds: 600 } }] },
    },
  },
];
