/** Retry: IntervalSeconds, MaxAttempts, BackoffRate, MaxDelaySeconds, JitterStrategy; attempts counted per Lambda. */
import { failsThenSucceeds, jsonata, lambdaArn, namedError, sleep, throwsSequence, type Scenario } from '../types';

const DOC_ERRORS = 'https://docs.aws.amazon.com/step-functions/latest/dg/concepts-error-handling.html';
const DOC_ERRORS_ARCHIVE = 'awsdocs/aws-step-functions-developer-guide doc_source/concepts-error-handling.md';
const LS_SCEN = 'localstack/localstack tests/aws/services/stepfunctions/templates/scenarios/statemachines';

const alwaysFails = (errorName: string) => failsThenSucceeds(Number.MAX_SAFE_INTEGER, errorName);

export const retryScenarios: Scenario[] = [
  {
    name: 'Docs: retry HandledError twice with backoff, then fail (FailFunction)',
    source: [DOC_ERRORS, DOC_ERRORS_ARCHIVE],
    definition: jsonata('HelloWorld', {
      HelloWorld: {
        Type: 'Task',
        Resource: lambdaArn('FailFunction'),
        Retry: [{ ErrorEquals: ['HandledError'], IntervalSeconds: 1, MaxAttempts: 2, BackoffRate: 2.0 }],
        End: true,
      },
    }),
    lambdas: () => ({ FailFunction: alwaysFails('HandledError') }),
    expect: {
      status: 'FAILED',
      error: 'HandledError',
      invocations: { FailFunction: 3 },
      history: { eventCounts: { LambdaFunctionScheduled: 3, LambdaFunctionFailed: 3 }, stateDurations: { HelloWorld: { min: 3, max: 20 } } },
    },
  },
  {
    name: 'Docs: States.TaskFailed matches any error a Lambda function outputs',
    source: [DOC_ERRORS, DOC_ERRORS_ARCHIVE],
    definition: jsonata('HelloWorld', {
      HelloWorld: {
        Type: 'Task',
        Resource: lambdaArn('FailFunction'),
        Retry: [{ ErrorEquals: ['States.TaskFailed'], IntervalSeconds: 1, MaxAttempts: 2, BackoffRate: 2.0 }],
        End: true,
      },
    }),
    lambdas: () => ({ FailFunction: alwaysFails('SomethingElse') }),
    expect: { status: 'FAILED', error: 'SomethingElse', invocations: { FailFunction: 3 } },
  },
  {
    name: 'A Lambda failing twice succeeds on the third attempt (lambda:invoke, TaskScheduled per attempt)',
    source: [DOC_ERRORS, `${LS_SCEN}/lambda_invoke_with_retry_base.json5`],
    definition: jsonata('Invoke', {
      Invoke: {
        Type: 'Task',
        Resource: 'arn:aws:states:::lambda:invoke',
        Arguments: { FunctionName: 'Flaky', Payload: { id: 1 } },
        Retry: [{ ErrorEquals: ['Transient'], IntervalSeconds: 1, MaxAttempts: 3, BackoffRate: 1 }],
        Output: '{% $states.result.Payload %}',
        End: true,
      },
    }),
    lambdas: () => ({ Flaky: failsThenSucceeds(2, 'Transient') }),
    expect: {
      status: 'SUCCEEDED',
      output: { attempt: 3, event: { id: 1 } },
      invocations: { Flaky: 3 },
      history: { eventCounts: { TaskScheduled: 3, TaskFailed: 2, TaskSucceeded: 1 }, stateDurations: { Invoke: { min: 2, max: 15 } } },
    },
  },
  {
    name: 'MaxAttempts 0 never retries',
    source: DOC_ERRORS,
    definition: jsonata('T', {
      T: { Type: 'Task', Resource: lambdaArn('Flaky'), Retry: [{ ErrorEquals: ['States.ALL'], MaxAttempts: 0 }], End: true },
    }),
    lambdas: () => ({ Flaky: failsThenSucceeds(1, 'Transient') }),
    expect: { status: 'FAILED', error: 'Transient', invocations: { Flaky: 1 } },
  },
  {
    name: 'Retrier defaults: IntervalSeconds 1, MaxAttempts 3, BackoffRate 2 (waits 1+2+4 s)',
    source: DOC_ERRORS,
    definition: jsonata('T', { T: { Type: 'Task', Resource: lambdaArn('Always'), Retry: [{ ErrorEquals: ['Nope'] }], End: true } }),
    lambdas: () => ({ Always: alwaysFails('Nope') }),
    expect: { status: 'FAILED', error: 'Nope', invocations: { Always: 4 }, history: { stateDurations: { T: { min: 7, max: 20 } } } },
  },
  {
    name: 'BackoffRate multiplies the interval: 2, 6, 18 s',
    source: DOC_ERRORS,
    definition: jsonata('T', {
      T: { Type: 'Task', Resource: lambdaArn('Flaky'), Retry: [{ ErrorEquals: ['Transient'], IntervalSeconds: 2, BackoffRate: 3, MaxAttempts: 3 }], End: true },
    }),
    lambdas: () => ({ Flaky: failsThenSucceeds(3, 'Transient') }),
    expect: { status: 'SUCCEEDED', outputPartial: { attempt: 4 }, invocations: { Flaky: 4 }, history: { stateDurations: { T: { min: 26, max: 45 } } } },
  },
  {
    name: 'MaxDelaySeconds caps the backoff: 2, 5, 5 s instead of 2, 6, 18 s',
    source: DOC_ERRORS,
    definition: jsonata('T', {
      T: {
        Type: 'Task',
        Resource: lambdaArn('Flaky'),
        Retry: [{ ErrorEquals: ['Transient'], IntervalSeconds: 2, BackoffRate: 3, MaxAttempts: 3, MaxDelaySeconds: 5 }],
        End: true,
      },
    }),
    lambdas: () => ({ Flaky: failsThenSucceeds(3, 'Transient') }),
    timeScale: 20, // keeps scheduling overhead small against the 26 s an uncapped backoff would take
    expect: { status: 'SUCCEEDED', invocations: { Flaky: 4 }, history: { stateDurations: { T: { min: 12, max: 21 } } } },
  },
  {
    name: 'JitterStrategy NONE waits the full interval every time (5 x 10 s)',
    source: DOC_ERRORS,
    definition: jsonata('T', {
      T: {
        Type: 'Task',
        Resource: lambdaArn('Flaky'),
        Retry: [{ ErrorEquals: ['Transient'], IntervalSeconds: 10, BackoffRate: 1, MaxAttempts: 5, JitterStrategy: 'NONE' }],
        End: true,
      },
    }),
    lambdas: () => ({ Flaky: failsThenSucceeds(5, 'Transient') }),
    expect: { status: 'SUCCEEDED', invocations: { Flaky: 6 }, history: { stateDurations: { T: { min: 50, max: 70 } } } },
  },
  {
    name: 'JitterStrategy FULL draws each wait from [0, interval]: 5 retries of 10 s total well under 50 s',
    source: [DOC_ERRORS, 'https://docs.aws.amazon.com/cdk/api/v2/docs/aws-cdk-lib.aws_stepfunctions.JitterType.html'],
    definition: jsonata('T', {
      T: {
        Type: 'Task',
        Resource: lambdaArn('Flaky'),
        Retry: [{ ErrorEquals: ['Transient'], IntervalSeconds: 10, BackoffRate: 1, MaxAttempts: 5, JitterStrategy: 'FULL' }],
        End: true,
      },
    }),
    lambdas: () => ({ Flaky: failsThenSucceeds(5, 'Transient') }),
    timeScale: 20, // keeps scheduling overhead (in execution time) small against the bound
    // The sum of five uniform draws from [0, 10] exceeds 42 s with probability about 0.2 %.
    expect: { status: 'SUCCEEDED', invocations: { Flaky: 6 }, history: { stateDurations: { T: { max: 44 } } } },
  },
  {
    name: 'Docs complex retry: ErrorA, ErrorB share a retrier (MaxAttempts 2), ErrorC has its own; the 4th error is caught',
    source: [DOC_ERRORS, DOC_ERRORS_ARCHIVE],
    definition: jsonata('X', {
      X: {
        Type: 'Task',
        Resource: lambdaArn('X'),
        Next: 'Y',
        Retry: [
          { ErrorEquals: ['ErrorA', 'ErrorB'], IntervalSeconds: 1, BackoffRate: 2.0, MaxAttempts: 2 },
          { ErrorEquals: ['ErrorC'], IntervalSeconds: 5 },
        ],
        Catch: [{ ErrorEquals: ['States.ALL'], Next: 'Z' }],
      },
      Y: { Type: 'Pass', End: true },
      Z: { Type: 'Pass', Output: '{% $states.input.Error %}', End: true },
    }),
    lambdas: () => ({ X: throwsSequence(['ErrorA', 'ErrorB', 'ErrorC', 'ErrorB', 'ErrorB']) }),
    expect: {
      status: 'SUCCEEDED',
      output: 'ErrorB',
      invocations: { X: 4 },
      history: { statesEntered: ['X', 'Z'], stateDurations: { X: { min: 8, max: 20 } } },
    },
  },
  {
    name: 'Only the first matching retrier applies; once exhausted, later retriers do not retry it',
    source: DOC_ERRORS,
    definition: jsonata('T', {
      T: {
        Type: 'Task',
        Resource: lambdaArn('Always'),
        Retry: [
          { ErrorEquals: ['Specific'], IntervalSeconds: 1, MaxAttempts: 1 },
          { ErrorEquals: ['States.ALL'], IntervalSeconds: 1, MaxAttempts: 5 },
        ],
        End: true,
      },
    }),
    lambdas: () => ({ Always: alwaysFails('Specific') }),
    expect: { status: 'FAILED', error: 'Specific', invocations: { Always: 2 } },
  },
  {
    name: 'Docs: retry every error except States.Timeout',
    source: [DOC_ERRORS, DOC_ERRORS_ARCHIVE],
    definition: jsonata('T', {
      T: {
        Type: 'Task',
        Resource: lambdaArn('Slow'),
        TimeoutSeconds: 2,
        Retry: [
          { ErrorEquals: ['States.Timeout'], MaxAttempts: 0 },
          { ErrorEquals: ['States.ALL'], IntervalSeconds: 1 },
        ],
        End: true,
      },
    }),
    lambdas: () => ({
      Slow: async () => {
        await sleep(400);
        return 'late';
      },
    }),
    expect: { status: 'FAILED', error: 'States.Timeout', invocations: { Slow: 1 } },
  },
  {
    name: 'Retries exhausted, then the Catch applies',
    source: DOC_ERRORS,
    definition: jsonata('T', {
      T: {
        Type: 'Task',
        Resource: lambdaArn('Always'),
        Retry: [{ ErrorEquals: ['Broken'], IntervalSeconds: 1, MaxAttempts: 2, BackoffRate: 1 }],
        Catch: [{ ErrorEquals: ['Broken'], Output: { recovered: '{% $states.errorOutput.Error %}' }, Next: 'Recover' }],
        End: true,
      },
      Recover: { Type: 'Pass', End: true },
    }),
    lambdas: () => ({ Always: alwaysFails('Broken') }),
    expect: { status: 'SUCCEEDED', output: { recovered: 'Broken' }, invocations: { Always: 3 }, history: { statesEntered: ['T', 'Recover'] } },
  },
  {
    name: 'Retry on a Map state reruns the whole Map',
    source: [`${LS_SCEN}/map_state_retry.json5`, DOC_ERRORS],
    definition: jsonata('M', {
      M: {
        Type: 'Map',
        Items: [1],
        ItemProcessor: { StartAt: 'Call', States: { Call: { Type: 'Task', Resource: lambdaArn('Flaky'), End: true } } },
        Retry: [{ ErrorEquals: ['Transient'], IntervalSeconds: 1, MaxAttempts: 2 }],
        End: true,
      },
    }),
    lambdas: () => ({ Flaky: failsThenSucceeds(2, 'Transient') }),
    expect: { status: 'SUCCEEDED', outputPartial: [{ attempt: 3 }], invocations: { Flaky: 3 } },
  },
  {
    name: 'Retry counts start afresh each time the state is entered',
    source: [DOC_ERRORS, DOC_ERRORS_ARCHIVE],
    definition: jsonata('Init', {
      Init: { Type: 'Pass', Assign: { round: 0 }, Next: 'T' },
      T: {
        Type: 'Task',
        Resource: lambdaArn('OddFails'),
        Retry: [{ ErrorEquals: ['Odd'], IntervalSeconds: 1, MaxAttempts: 1 }],
        Assign: { round: '{% $round + 1 %}' },
        Next: 'Again',
      },
      Again: { Type: 'Choice', Choices: [{ Condition: '{% $round < 2 %}', Next: 'T' }], Default: 'Done' },
      Done: { Type: 'Pass', Output: '{% $round %}', End: true },
    }),
    lambdas: () => {
      let calls = 0;
      return {
        OddFails: async () => {
          calls += 1;
          if (calls % 2 === 1) throw namedError('Odd', `call ${calls}`);
          return calls;
        },
      };
    },
    expect: { status: 'SUCCEEDED', output: 2, invocations: { OddFails: 4 } },
  },
  {
    name: '$states.context.State.RetryCount counts the retries of the current state',
    source: ['https://docs.aws.amazon.com/step-functions/latest/dg/input-output-contextobject.html', DOC_ERRORS],
    definition: jsonata('T', {
      T: {
        Type: 'Task',
        Resource: lambdaArn('Recorder'),
        Arguments: { retryCount: '{% $states.context.State.RetryCount %}' },
        Retry: [{ ErrorEquals: ['Again'], IntervalSeconds: 1, MaxAttempts: 3, BackoffRate: 1 }],
        End: true,
      },
    }),
    lambdas: (probe) => ({
      Recorder: async (event) => {
        const retryCount = (event as { retryCount?: unknown }).retryCount;
        probe.push('retryCounts', retryCount);
        if (probe.inc('calls') < 3) throw namedError('Again', 'retry me');
        return { retryCount };
      },
    }),
    expect: { status: 'SUCCEEDED', output: { retryCount: 2 }, probe: { retryCounts: [0, 1, 2] } },
  },
];
