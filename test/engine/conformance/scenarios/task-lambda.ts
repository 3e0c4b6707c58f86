/** Task states invoking Lambda: the optimized lambda:invoke integration and bare function ARNs. */
import { jsonata, lambdaArn, namedError, type Scenario } from '../types';

const DOC_LAMBDA = 'https://docs.aws.amazon.com/step-functions/latest/dg/connect-lambda.html';
const DOC_TASK = 'https://docs.aws.amazon.com/step-functions/latest/dg/state-task.html';
const LS_TASK_LAMBDA = 'localstack/localstack tests/aws/services/stepfunctions/templates/outputdecl/statemachines/base_task_lambda.json5';
const LS_OUTPUT_SNAPSHOT = 'localstack/localstack tests/aws/services/stepfunctions/v2/outputdecl/test_output.snapshot.json';
const LS_ERROR_OUTPUT = 'localstack/localstack tests/aws/services/stepfunctions/v2/states_variables/test_error_output.snapshot.json';

export const taskLambdaScenarios: Scenario[] = [
  {
    name: 'lambda:invoke returns the Invoke response: ExecutedVersion, Payload, StatusCode, SDK metadata (BASE_TASK_LAMBDA)',
    source: [LS_TASK_LAMBDA, LS_OUTPUT_SNAPSHOT, DOC_LAMBDA],
    definition: {
      StartAt: 'State0',
      States: {
        State0: {
          QueryLanguage: 'JSONata',
          Type: 'Task',
          Resource: 'arn:aws:states:::lambda:invoke',
          Arguments: { FunctionName: '{% $states.input.FunctionName %}', Payload: '{% $states.input.Payload %}' },
          Output: { ja_states_input: '{% $states.input %}', ja_states_result: '{% $states.result %}' },
          End: true,
        },
      },
    },
    input: { FunctionName: 'Echo', Payload: { input_value: 'string literal', input_values: [1, 2, 3] } },
    expect: {
      status: 'SUCCEEDED',
      outputPartial: {
        ja_states_input: { FunctionName: 'Echo', Payload: { input_value: 'string literal', input_values: [1, 2, 3] } },
        ja_states_result: {
          ExecutedVersion: '$LATEST',
          Payload: { input_value: 'string literal', input_values: [1, 2, 3] },
          StatusCode: 200,
          SdkHttpMetadata: { HttpStatusCode: 200 },
        },
      },
      history: { eventTypesInOrder: ['TaskStateEntered', 'TaskScheduled', 'TaskStarted', 'TaskSucceeded', 'TaskStateExited', 'ExecutionSucceeded'] },
      invocations: { Echo: 1 },
    },
  },
  {
    name: 'lambda:invoke without Output: the state output is the whole Invoke response',
    source: [DOC_LAMBDA, LS_OUTPUT_SNAPSHOT],
    definition: jsonata('Invoke', {
      Invoke: { Type: 'Task', Resource: 'arn:aws:states:::lambda:invoke', Arguments: { FunctionName: 'Echo', Payload: { hello: 'world' } }, End: true },
    }),
    expect: { status: 'SUCCEEDED', outputPartial: { Payload: { hello: 'world' }, StatusCode: 200, ExecutedVersion: '$LATEST' } },
  },
  {
    name: 'lambda:invoke Output selects $states.result.Payload',
    source: DOC_LAMBDA,
    definition: jsonata('Invoke', {
      Invoke: {
        Type: 'Task',
        Resource: 'arn:aws:states:::lambda:invoke',
        Arguments: { FunctionName: 'Double', Payload: { n: '{% $states.input.n %}' } },
        Output: '{% $states.result.Payload %}',
        End: true,
      },
    }),
    lambdas: () => ({ Double: async (event) => ({ doubled: (event as { n: number }).n * 2 }) }),
    input: { n: 21 },
    expect: { status: 'SUCCEEDED', output: { doubled: 42 }, invocations: { Double: 1 } },
  },
  {
    name: 'lambda:invoke FunctionName given as a full function ARN',
    source: DOC_LAMBDA,
    definition: jsonata('Invoke', {
      Invoke: {
        Type: 'Task',
        Resource: 'arn:aws:states:::lambda:invoke',
        Arguments: { FunctionName: lambdaArn('Echo'), Payload: { via: 'arn' } },
        Output: '{% $states.result.Payload %}',
        End: true,
      },
    }),
    expect: { status: 'SUCCEEDED', output: { via: 'arn' }, invocations: { Echo: 1 } },
  },
  {
    name: 'lambda:invoke FunctionName given as an ARN with the $LATEST qualifier',
    source: DOC_LAMBDA,
    definition: jsonata('Invoke', {
      Invoke: {
        Type: 'Task',
        Resource: 'arn:aws:states:::lambda:invoke',
        Arguments: { FunctionName: `${lambdaArn('Echo')}:$LATEST`, Payload: { via: 'qualified arn' } },
        Output: '{% $states.result.Payload %}',
        End: true,
      },
    }),
    expect: { status: 'SUCCEEDED', output: { via: 'qualified arn' }, invocations: { Echo: 1 } },
  },
  {
    name: 'Bare Lambda ARN Resource: Arguments are the event, the result is the function return value',
    source: [DOC_TASK, 'localstack/localstack tests/aws/services/stepfunctions/templates/outputdecl/statemachines/base_lambda.json5', LS_OUTPUT_SNAPSHOT],
    definition: jsonata('Init', {
      Init: { Type: 'Pass', Assign: { var_input_value: '{% $states.input.input_value %}' }, Next: 'State0' },
      State0: {
        Type: 'Task',
        Resource: lambdaArn('Echo'),
        Arguments: {
          ja_states_input: '{% $states.input %}',
          ja_var_access: '{% $var_input_value %}',
          ja_expr: '{% $sum($states.input.input_values) + 1 %}',
        },
        Output: {
          ja_var_access: '{% $var_input_value %}',
          ja_states_result: '{% $states.result %}',
          ja_states_result_access: '{% $states.result.ja_expr %}',
        },
        End: true,
      },
    }),
    input: { input_value: 'string literal', input_values: [1, 2, 3] },
    expect: {
      status: 'SUCCEEDED',
      output: {
        ja_var_access: 'string literal',
        ja_states_result: {
          ja_states_input: { input_value: 'string literal', input_values: [1, 2, 3] },
          ja_var_access: 'string literal',
          ja_expr: 7,
        },
        ja_states_result_access: 7,
      },
      history: { eventTypesInOrder: ['TaskStateEntered', 'LambdaFunctionScheduled', 'LambdaFunctionStarted', 'LambdaFunctionSucceeded', 'TaskStateExited'] },
      invocations: { Echo: 1 },
    },
  },
  {
    name: 'Bare Lambda ARN Resource without Arguments receives the state input',
    source: DOC_TASK,
    definition: jsonata('Call', { Call: { Type: 'Task', Resource: lambdaArn('Echo'), End: true } }),
    input: { whole: 'input', n: 1 },
    expect: { status: 'SUCCEEDED', output: { whole: 'input', n: 1 }, invocations: { Echo: 1 } },
  },
  {
    name: 'lambda:invoke: a function error fails the task with errorType as Error and a JSON Cause',
    source: [LS_ERROR_OUTPUT, 'https://docs.aws.amazon.com/step-functions/latest/dg/concepts-error-handling.html'],
    definition: jsonata('Invoke', {
      Invoke: { Type: 'Task', Resource: 'arn:aws:states:::lambda:invoke', Arguments: { FunctionName: 'Boom', Payload: { foo: 'foobar' } }, End: true },
    }),
    lambdas: () => ({
      Boom: async () => {
        throw namedError('CustomError', 'Some exception was raised.');
      },
    }),
    expect: {
      status: 'FAILED',
      error: 'CustomError',
      causeJson: { errorType: 'CustomError', errorMessage: 'Some exception was raised.' },
      history: { eventTypesInOrder: ['TaskScheduled', 'TaskStarted', 'TaskFailed', 'ExecutionFailed'] },
      invocations: { Boom: 1 },
    },
  },
  {
    name: 'Bare Lambda ARN: a function error fails the task (LambdaFunctionFailed)',
    source: [DOC_TASK, 'https://docs.aws.amazon.com/step-functions/latest/dg/concepts-error-handling.html'],
    definition: jsonata('Call', { Call: { Type: 'Task', Resource: lambdaArn('Boom'), End: true } }),
    lambdas: () => ({
      Boom: async () => {
        throw namedError('HandledError', 'error');
      },
    }),
    expect: {
      status: 'FAILED',
      error: 'HandledError',
      causeJson: { errorType: 'HandledError', errorMessage: 'error' },
      history: { eventTypesInOrder: ['LambdaFunctionScheduled', 'LambdaFunctionStarted', 'LambdaFunctionFailed', 'ExecutionFailed'] },
    },
  },
  {
    name: 'Task Assign sees $states.result and Output sees the old variable value',
    source: 'https://docs.aws.amazon.com/step-functions/latest/dg/workflow-variables.html',
    definition: jsonata('Init', {
      Init: { Type: 'Pass', Assign: { price: 0 }, Next: 'Quote' },
      Quote: {
        Type: 'Task',
        Resource: 'arn:aws:states:::lambda:invoke',
        Arguments: { FunctionName: 'Quote', Payload: { sku: '{% $states.input.sku %}' } },
        Assign: { price: '{% $states.result.Payload.price %}' },
        Output: { before: '{% $price %}', fromResult: '{% $states.result.Payload.price %}' },
        Next: 'After',
      },
      After: { Type: 'Pass', Output: { previous: '{% $states.input %}', after: '{% $price %}' }, End: true },
    }),
    lambdas: () => ({ Quote: async () => ({ price: 99 }) }),
    input: { sku: 'book' },
    expect: { status: 'SUCCEEDED', output: { previous: { before: 0, fromResult: 99 }, after: 99 } },
  },
  {
    name: 'Unknown function name fails the task (Lambda.ResourceNotFoundException)',
    source: 'https://docs.aws.amazon.com/lambda/latest/api/API_Invoke.html',
    definition: jsonata('Invoke', {
      Invoke: { Type: 'Task', Resource: 'arn:aws:states:::lambda:invoke', Arguments: { FunctionName: 'NoSuchFunction', Payload: {} }, End: true },
    }),
    expect: { status: 'FAILED', error: 'Lambda.ResourceNotFoundException' },
  },
  {
    name: 'Lambda receives a context with the function name',
    source: 'https://docs.aws.amazon.com/lambda/latest/dg/nodejs-context.html',
    definition: jsonata('Invoke', {
      Invoke: { Type: 'Task', Resource: 'arn:aws:states:::lambda:invoke', Arguments: { FunctionName: 'WhoAmI', Payload: {} }, Output: '{% $states.result.Payload %}', End: true },
    }),
    lambdas: () => ({ WhoAmI: async (_event, context) => ({ functionName: context.functionName }) }),
    expect: { status: 'SUCCEEDED', output: { functionName: 'WhoAmI' } },
  },
  {
    name: 'Arguments given as one JSONata expression that builds the whole object',
    source: 'https://docs.aws.amazon.com/step-functions/latest/dg/transforming-data.html',
    definition: jsonata('Invoke', {
      Invoke: {
        Type: 'Task',
        Resource: 'arn:aws:states:::lambda:invoke',
        Arguments: "{% {'FunctionName': 'Echo', 'Payload': {'wrapped': $states.input}} %}",
        Output: '{% $states.result.Payload %}',
        End: true,
      },
    }),
    input: { k: 'v' },
    expect: { status: 'SUCCEEDED', output: { wrapped: { k: 'v' } } },
  },
  {
    name: 'A Lambda returning nothing yields Payload null',
    source: [DOC_LAMBDA, 'https://docs.aws.amazon.com/lambda/latest/dg/nodejs-handler.html'],
    definition: jsonata('Invoke', {
      Invoke: { Type: 'Task', Resource: 'arn:aws:states:::lambda:invoke', Arguments: { FunctionName: 'Void', Payload: {} }, Output: { payload: '{% $states.result.Payload %}' }, End: true },
    }),
    lambdas: () => ({ Void: async () => undefined }),
    expect: { status: 'SUCCEEDED', output: { payload: null } },
  },
  {
    name: 'A task result over 256 KiB fails with States.DataLimitExceeded',
    source: [
      'https://docs.aws.amazon.com/step-functions/latest/dg/service-quotas.html#service-limits-task-executions',
      'AWS error quoted in public write-ups: {"error": "States.DataLimitExceeded", "cause": "The state/task \'Uppers\' returned a result with a size exceeding the maximum number of bytes service limit."}',
    ],
    definition: jsonata('Big', { Big: { Type: 'Task', Resource: lambdaArn('Big'), End: true } }),
    lambdas: () => ({ Big: async () => ({ blob: 'x'.repeat(300 * 1024) }) }),
    expect: {
      status: 'FAILED',
      error: 'States.DataLimitExceeded',
      causeContains: ["The state/task 'Big' returned a result with a size exceeding the maximum number of bytes service limit."],
    },
  },
  {
    name: 'States.DataLimitExceeded is terminal: a States.ALL catcher does not catch it',
    source: 'https://docs.aws.amazon.com/step-functions/latest/dg/concepts-error-handling.html (States.ALL cannot catch the States.DataLimitExceeded terminal error)',
    definition: jsonata('Big', {
      Big: { Type: 'Task', Resource: lambdaArn('Big'), Catch: [{ ErrorEquals: ['States.ALL'], Next: 'Caught' }], End: true },
      Caught: { Type: 'Pass', End: true },
    }),
    lambdas: () => ({ Big: async () => ({ blob: 'x'.repeat(300 * 1024) }) }),
    expect: { status: 'FAILED', error: 'States.DataLimitExceeded', history: { statesEntered: ['Big'] } },
  },
];
