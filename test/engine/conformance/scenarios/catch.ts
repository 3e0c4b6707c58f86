/** Catch: ErrorEquals order, States.ALL, Output, Assign, errorOutput {Error, Cause}. */
import { jsonata, lambdaArn, namedError, sleep, type Scenario } from '../types';

const DOC_ERRORS = 'https://docs.aws.amazon.com/step-functions/latest/dg/concepts-error-handling.html';
const DOC_ERRORS_ARCHIVE = 'awsdocs/aws-step-functions-developer-guide doc_source/concepts-error-handling.md';
const LS_EH = 'localstack/localstack tests/aws/services/stepfunctions/templates/errorhandling/statemachines';

const thrower = (name: string, message = 'error') => async (): Promise<never> => {
  throw namedError(name, message);
};

export const catchScenarios: Scenario[] = [
  {
    name: 'Docs: HandledError is caught and the fallback Pass runs',
    source: [DOC_ERRORS, DOC_ERRORS_ARCHIVE],
    definition: jsonata('HelloWorld', {
      HelloWorld: { Type: 'Task', Resource: lambdaArn('FailFunction'), Catch: [{ ErrorEquals: ['HandledError'], Next: 'fallback' }], End: true },
      fallback: { Type: 'Pass', Output: 'Hello, AWS Step Functions!', End: true },
    }),
    lambdas: () => ({ FailFunction: thrower('HandledError') }),
    expect: { status: 'SUCCEEDED', output: 'Hello, AWS Step Functions!', history: { statesEntered: ['HelloWorld', 'fallback'] } },
  },
  {
    name: 'Docs: States.TaskFailed catches any Lambda error',
    source: [DOC_ERRORS, DOC_ERRORS_ARCHIVE],
    definition: jsonata('HelloWorld', {
      HelloWorld: { Type: 'Task', Resource: lambdaArn('FailFunction'), Catch: [{ ErrorEquals: ['States.TaskFailed'], Next: 'fallback' }], End: true },
      fallback: { Type: 'Pass', Output: 'Hello, AWS Step Functions!', End: true },
    }),
    lambdas: () => ({ FailFunction: thrower('AnythingAtAll') }),
    expect: { status: 'SUCCEEDED', output: 'Hello, AWS Step Functions!' },
  },
  {
    name: 'Catchers are scanned in order: the first matching one wins',
    source: [DOC_ERRORS, `${LS_EH}/task_lambda_invoke_catch_relevant.json5`],
    definition: jsonata('T', {
      T: {
        Type: 'Task',
        Resource: lambdaArn('Fail'),
        Catch: [
          { ErrorEquals: ['ErrorB'], Next: 'B' },
          { ErrorEquals: ['ErrorC', 'ErrorA'], Next: 'A' },
          { ErrorEquals: ['ErrorA'], Next: 'A2' },
          { ErrorEquals: ['States.ALL'], Next: 'All' },
        ],
        End: true,
      },
      A: { Type: 'Pass', Output: 'A', End: true },
      A2: { Type: 'Pass', Output: 'A2', End: true },
      B: { Type: 'Pass', Output: 'B', End: true },
      All: { Type: 'Pass', Output: 'All', End: true },
    }),
    lambdas: () => ({ Fail: thrower('ErrorA') }),
    expect: { status: 'SUCCEEDED', output: 'A', history: { statesEntered: ['T', 'A'] } },
  },
  {
    name: 'States.ALL as the last catcher catches an unlisted error',
    source: [DOC_ERRORS, `${LS_EH}/task_lambda_invoke_catch_all.json5`],
    definition: jsonata('T', {
      T: {
        Type: 'Task',
        Resource: lambdaArn('Fail'),
        Catch: [
          { ErrorEquals: ['java.lang.Exception'], Next: 'RecoveryState' },
          { ErrorEquals: ['States.ALL'], Next: 'EndState' },
        ],
        End: true,
      },
      RecoveryState: { Type: 'Pass', Output: 'recovery', End: true },
      EndState: { Type: 'Pass', Output: 'end', End: true },
    }),
    lambdas: () => ({ Fail: thrower('SomethingUnexpected') }),
    expect: { status: 'SUCCEEDED', output: 'end' },
  },
  {
    name: 'No matching catcher: the error fails the execution',
    source: [DOC_ERRORS, `${LS_EH}/task_lambda_invoke_catch_unknown.json5`],
    definition: jsonata('T', {
      T: { Type: 'Task', Resource: lambdaArn('Fail'), Catch: [{ ErrorEquals: ['OtherError'], Next: 'Never' }], End: true },
      Never: { Type: 'Pass', End: true },
    }),
    lambdas: () => ({ Fail: thrower('RealError', 'the real one') }),
    expect: { status: 'FAILED', error: 'RealError', causeJson: { errorMessage: 'the real one' }, history: { statesEntered: ['T'] } },
  },
  {
    name: 'Without Output, the next state receives the error output {Error, Cause}',
    source: [DOC_ERRORS, 'https://docs.aws.amazon.com/cdk/api/v2/docs/aws-cdk-lib.aws_stepfunctions.CatchProps.html'],
    definition: jsonata('T', {
      T: { Type: 'Task', Resource: lambdaArn('Fail'), Catch: [{ ErrorEquals: ['States.ALL'], Next: 'Handler' }], End: true },
      Handler: { Type: 'Pass', Output: { keys: '{% $keys($states.input) %}', error: '{% $states.input.Error %}', message: '{% $parse($states.input.Cause).errorMessage %}' }, End: true },
    }),
    lambdas: () => ({ Fail: thrower('Oops', 'went wrong') }),
    expect: { status: 'SUCCEEDED', output: { keys: ['Error', 'Cause'], error: 'Oops', message: 'went wrong' } },
  },
  {
    name: 'Catch Output can combine the original input and the error output',
    source: [DOC_ERRORS, 'https://docs.aws.amazon.com/step-functions/latest/dg/transforming-data.html'],
    definition: jsonata('T', {
      T: {
        Type: 'Task',
        Resource: lambdaArn('Fail'),
        Catch: [{ ErrorEquals: ['States.ALL'], Output: { order: '{% $states.input.order %}', 'error-info': '{% $states.errorOutput %}' }, Next: 'RecoveryState' }],
        End: true,
      },
      RecoveryState: { Type: 'Pass', End: true },
    }),
    lambdas: () => ({ Fail: thrower('Oops', 'went wrong') }),
    input: { order: 5 },
    expect: { status: 'SUCCEEDED', outputPartial: { order: 5, 'error-info': { Error: 'Oops' } } },
  },
  {
    name: 'Catch Assign sets variables; the failed state’s own Assign does not apply',
    source: ['localstack/localstack tests/aws/services/stepfunctions/templates/assign/statemachines/base_assign_in_catch.json5', DOC_ERRORS],
    definition: jsonata('Init', {
      Init: { Type: 'Pass', Assign: { fromTask: 'initial' }, Next: 'T' },
      T: {
        Type: 'Task',
        Resource: lambdaArn('Fail'),
        Assign: { fromTask: 'task ran' },
        Catch: [{ ErrorEquals: ['States.ALL'], Assign: { caughtError: '{% $states.errorOutput.Error %}', previous: '{% $fromTask %}' }, Next: 'After' }],
        End: true,
      },
      After: { Type: 'Pass', Output: { fromTask: '{% $fromTask %}', caughtError: '{% $caughtError %}', previous: '{% $previous %}' }, End: true },
    }),
    lambdas: () => ({ Fail: thrower('Broke') }),
    expect: { status: 'SUCCEEDED', output: { fromTask: 'initial', caughtError: 'Broke', previous: 'initial' } },
  },
  {
    name: 'A catcher listing several errors matches any of them',
    source: DOC_ERRORS,
    definition: jsonata('T', {
      T: { Type: 'Task', Resource: lambdaArn('Fail'), Catch: [{ ErrorEquals: ['E1', 'E2', 'E3'], Output: 'caught', Next: 'C' }], End: true },
      C: { Type: 'Pass', End: true },
    }),
    lambdas: () => ({ Fail: thrower('E3') }),
    expect: { status: 'SUCCEEDED', output: 'caught' },
  },
  {
    name: 'Docs: a timeout is caught with States.Timeout (sleep10, TimeoutSeconds 2)',
    source: [DOC_ERRORS, DOC_ERRORS_ARCHIVE, `${LS_EH}/task_service_lambda_invoke_catch_timeout.json5`],
    definition: jsonata('HelloWorld', {
      HelloWorld: { Type: 'Task', Resource: lambdaArn('sleep10'), TimeoutSeconds: 2, Catch: [{ ErrorEquals: ['States.Timeout'], Next: 'fallback' }], End: true },
      fallback: { Type: 'Pass', Output: 'Hello, AWS Step Functions!', End: true },
    }),
    lambdas: () => ({
      sleep10: async () => {
        await sleep(400);
        return 'woke up';
      },
    }),
    expect: { status: 'SUCCEEDED', output: 'Hello, AWS Step Functions!', history: { statesEntered: ['HelloWorld', 'fallback'] } },
  },
  {
    name: 'The caught error name is the thrown name, not States.TaskFailed',
    source: [DOC_ERRORS, 'localstack/localstack tests/aws/services/stepfunctions/v2/states_variables/test_error_output.snapshot.json'],
    definition: jsonata('T', {
      T: { Type: 'Task', Resource: 'arn:aws:states:::lambda:invoke', Arguments: { FunctionName: 'Fail' }, Catch: [{ ErrorEquals: ['States.TaskFailed'], Output: '{% $states.errorOutput.Error %}', Next: 'C' }], End: true },
      C: { Type: 'Pass', End: true },
    }),
    lambdas: () => ({ Fail: thrower('CustomValidationError') }),
    expect: { status: 'SUCCEEDED', output: 'CustomValidationError' },
  },
  {
    name: 'A Node.js Lambda error Cause carries errorType, errorMessage and a trace array',
    source: ['https://docs.aws.amazon.com/lambda/latest/dg/nodejs-exceptions.html', DOC_ERRORS],
    definition: jsonata('T', {
      T: {
        Type: 'Task',
        Resource: 'arn:aws:states:::lambda:invoke',
        Arguments: { FunctionName: 'Fail', Payload: {} },
        Catch: [
          {
            ErrorEquals: ['States.ALL'],
            Output: {
              errorType: '{% $parse($states.errorOutput.Cause).errorType %}',
              errorMessage: '{% $parse($states.errorOutput.Cause).errorMessage %}',
              traceType: '{% $type($parse($states.errorOutput.Cause).trace) %}',
            },
            Next: 'C',
          },
        ],
        End: true,
      },
      C: { Type: 'Pass', End: true },
    }),
    lambdas: () => ({ Fail: thrower('ReferenceError', 'x is not defined') }),
    expect: { status: 'SUCCEEDED', output: { errorType: 'ReferenceError', errorMessage: 'x is not defined', traceType: 'array' } },
  },
];
