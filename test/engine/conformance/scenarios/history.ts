/** Execution history: event types, ids, previousEventId and details as GetExecutionHistory returns them. */
import { REGION, jsonata, lambdaArn, namedError, sleep, type Scenario } from '../types';

const API_HISTORY = 'https://docs.aws.amazon.com/step-functions/latest/apireference/API_GetExecutionHistory.html';
const LS_ERROR_OUTPUT = 'localstack/localstack tests/aws/services/stepfunctions/v2/states_variables/test_error_output.snapshot.json';
const LS_OUTPUT_SNAPSHOT = 'localstack/localstack tests/aws/services/stepfunctions/v2/outputdecl/test_output.snapshot.json';
const LS_DDB_ERRORS = 'localstack/localstack tests/aws/services/stepfunctions/v2/error_handling/test_task_service_dynamodb.snapshot.json';
const ROLE = 'arn:aws:iam::123456789012:role/conformance';
const untruncated = { truncated: false };

export const historyScenarios: Scenario[] = [
  {
    name: 'API reference HelloWorld history: four events with ids, previousEventId and details',
    source: API_HISTORY,
    definition: jsonata('HelloWorld', { HelloWorld: { Type: 'Pass', Output: 'Hello World!', End: true } }),
    input: {},
    expect: {
      status: 'SUCCEEDED',
      output: 'Hello World!',
      history: {
        events: [
          { id: 1, previousEventId: 0, type: 'ExecutionStarted', executionStartedEventDetails: { input: {}, inputDetails: untruncated, roleArn: ROLE } },
          { id: 2, previousEventId: 0, type: 'PassStateEntered', stateEnteredEventDetails: { input: {}, inputDetails: untruncated, name: 'HelloWorld' } },
          { id: 3, previousEventId: 2, type: 'PassStateExited', stateExitedEventDetails: { output: '"Hello World!"', outputDetails: untruncated, name: 'HelloWorld' } },
          { id: 4, previousEventId: 3, type: 'ExecutionSucceeded', executionSucceededEventDetails: { output: '"Hello World!"', outputDetails: untruncated } },
        ],
      },
    },
  },
  {
    name: 'Caught lambda:invoke failure: TaskScheduled/Started/Failed, TaskStateExited with the Catch Output (TASK_CATCH_ERROR_OUTPUT)',
    source: LS_ERROR_OUTPUT,
    definition: jsonata('Task', {
      Task: {
        Type: 'Task',
        Resource: 'arn:aws:states:::lambda:invoke',
        Arguments: { FunctionName: lambdaArn('Raise'), Payload: { foo: 'foobar' } },
        Catch: [{ ErrorEquals: ['States.ALL'], Output: { stateInput: '{% $states.input %}', stateError: '{% $states.errorOutput %}' }, Next: 'Fallback' }],
        End: true,
      },
      Fallback: { Type: 'Pass', Output: { error: '{% $states.input %}' }, End: true },
    }),
    lambdas: () => ({
      Raise: async () => {
        throw namedError('Exception', 'Some exception was raised.');
      },
    }),
    input: { inputData: 'dummy' },
    expect: {
      status: 'SUCCEEDED',
      history: {
        events: [
          { id: 1, previousEventId: 0, type: 'ExecutionStarted' },
          { id: 2, previousEventId: 0, type: 'TaskStateEntered', stateEnteredEventDetails: { input: { inputData: 'dummy' }, name: 'Task' } },
          {
            id: 3,
            previousEventId: 2,
            type: 'TaskScheduled',
            taskScheduledEventDetails: { parameters: { FunctionName: lambdaArn('Raise'), Payload: { foo: 'foobar' } }, region: REGION, resource: 'invoke', resourceType: 'lambda' },
          },
          { id: 4, previousEventId: 3, type: 'TaskStarted', taskStartedEventDetails: { resource: 'invoke', resourceType: 'lambda' } },
          {
            id: 5,
            previousEventId: 4,
            type: 'TaskFailed',
            taskFailedEventDetails: { cause: { errorMessage: 'Some exception was raised.', errorType: 'Exception' }, error: 'Exception', resource: 'invoke', resourceType: 'lambda' },
          },
          { id: 6, previousEventId: 5, type: 'TaskStateExited', stateExitedEventDetails: { name: 'Task', output: { stateInput: { inputData: 'dummy' }, stateError: { Error: 'Exception' } } } },
          { id: 7, previousEventId: 6, type: 'PassStateEntered', stateEnteredEventDetails: { name: 'Fallback', input: { stateInput: { inputData: 'dummy' } } } },
          { id: 8, previousEventId: 7, type: 'PassStateExited', stateExitedEventDetails: { name: 'Fallback' } },
          { id: 9, previousEventId: 8, type: 'ExecutionSucceeded', executionSucceededEventDetails: { output: { error: { stateInput: { inputData: 'dummy' } } } } },
        ],
      },
    },
  },
  {
    name: 'Catch Assign is recorded in TaskStateExited.assignedVariables as JSON strings (TASK_CATCH_ERROR_VARIABLE_SAMPLING)',
    source: LS_ERROR_OUTPUT,
    definition: jsonata('Task', {
      Task: {
        Type: 'Task',
        Resource: 'arn:aws:states:::lambda:invoke',
        Arguments: { FunctionName: 'Raise', Payload: { foo: 'foobar' } },
        Catch: [{ ErrorEquals: ['States.ALL'], Assign: { inputVar: '{% $states.input %}', errorName: '{% $states.errorOutput.Error %}' }, Next: 'Fallback' }],
        End: true,
      },
      Fallback: { Type: 'Pass', End: true },
    }),
    lambdas: () => ({
      Raise: async () => {
        throw namedError('Exception', 'Some exception was raised.');
      },
    }),
    input: { inputData: 'dummy' },
    expect: {
      status: 'SUCCEEDED',
      history: {
        eventsInclude: [
          {
            type: 'TaskStateExited',
            stateExitedEventDetails: { name: 'Task', assignedVariables: { inputVar: '{"inputData":"dummy"}', errorName: '"Exception"' }, assignedVariablesDetails: untruncated },
          },
        ],
      },
    },
  },
  {
    name: 'Pass Assign is recorded in PassStateExited.assignedVariables (BASE_EXPR Init)',
    source: LS_OUTPUT_SNAPSHOT,
    definition: jsonata('Init', {
      Init: { Type: 'Pass', Assign: { var_input_value: '{% $states.input.input_value %}', var_constant_1: 1 }, Next: 'Done' },
      Done: { Type: 'Succeed' },
    }),
    input: { input_value: 'string literal', input_values: [1, 2, 3] },
    expect: {
      status: 'SUCCEEDED',
      history: {
        eventsInclude: [
          {
            type: 'PassStateExited',
            stateExitedEventDetails: { name: 'Init', assignedVariables: { var_constant_1: '1', var_input_value: '"string literal"' }, output: { input_value: 'string literal', input_values: [1, 2, 3] } },
          },
        ],
      },
    },
  },
  {
    name: 'Bare Lambda ARN: LambdaFunctionScheduled carries the resource and input, LambdaFunctionSucceeded the output',
    source: [LS_OUTPUT_SNAPSHOT, API_HISTORY],
    definition: jsonata('Call', { Call: { Type: 'Task', Resource: lambdaArn('Echo'), Arguments: { a: 1 }, End: true } }),
    expect: {
      status: 'SUCCEEDED',
      history: {
        eventsInclude: [
          { type: 'TaskStateEntered', stateEnteredEventDetails: { name: 'Call' } },
          { type: 'LambdaFunctionScheduled', lambdaFunctionScheduledEventDetails: { input: { a: 1 }, resource: lambdaArn('Echo') } },
          { type: 'LambdaFunctionStarted' },
          { type: 'LambdaFunctionSucceeded', lambdaFunctionSucceededEventDetails: { output: { a: 1 } } },
          { type: 'TaskStateExited', stateExitedEventDetails: { name: 'Call', output: { a: 1 } } },
        ],
      },
    },
  },
  {
    name: 'Callback task: TaskScheduled resource invoke.waitForTaskToken, TaskSubmitted, TaskSucceeded with the callback output',
    source: ['https://docs.aws.amazon.com/step-functions/latest/dg/connect-to-resource.html#connect-wait-token', 'localstack/localstack tests/aws/services/stepfunctions/v2/callback/test_callback.snapshot.json'],
    definition: jsonata('Ask', {
      Ask: {
        Type: 'Task',
        Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
        Arguments: { FunctionName: 'TokenSink', Payload: { token: '{% $states.context.Task.Token %}' } },
        End: true,
      },
    }),
    callbacks: [{ kind: 'success', output: { answer: 42 } }],
    expect: {
      status: 'SUCCEEDED',
      history: {
        eventsInclude: [
          { type: 'TaskScheduled', taskScheduledEventDetails: { resource: 'invoke.waitForTaskToken', resourceType: 'lambda', region: REGION } },
          { type: 'TaskStarted', taskStartedEventDetails: { resource: 'invoke.waitForTaskToken', resourceType: 'lambda' } },
          { type: 'TaskSubmitted', taskSubmittedEventDetails: { resource: 'invoke.waitForTaskToken', resourceType: 'lambda' } },
          { type: 'TaskSucceeded', taskSucceededEventDetails: { output: { answer: 42 }, resource: 'invoke.waitForTaskToken', resourceType: 'lambda' } },
        ],
      },
    },
  },
  {
    name: 'DynamoDB task failure: TaskFailed with resource putItem / resourceType dynamodb, then ExecutionFailed',
    source: LS_DDB_ERRORS,
    dynamodb: true,
    definition: jsonata('PutItem', {
      PutItem: { Type: 'Task', Resource: 'arn:aws:states:::dynamodb:putItem', Arguments: { TableName: 'NoSuchTable', Item: { id: { S: 'id1' } } }, End: true },
    }),
    expect: {
      status: 'FAILED',
      history: {
        eventsInclude: [
          { type: 'TaskScheduled', taskScheduledEventDetails: { parameters: { TableName: 'NoSuchTable', Item: { id: { S: 'id1' } } }, region: REGION, resource: 'putItem', resourceType: 'dynamodb' } },
          { type: 'TaskStarted', taskStartedEventDetails: { resource: 'putItem', resourceType: 'dynamodb' } },
          { type: 'TaskFailed', taskFailedEventDetails: { error: 'DynamoDB.ResourceNotFoundException', resource: 'putItem', resourceType: 'dynamodb' } },
          { type: 'ExecutionFailed', executionFailedEventDetails: { error: 'DynamoDB.ResourceNotFoundException' } },
        ],
      },
    },
  },
  {
    name: 'Task timeout: TaskTimedOut with States.Timeout, then ExecutionFailed',
    source: [API_HISTORY, 'localstack/localstack tests/aws/services/stepfunctions/v2/timeouts/test_timeouts.snapshot.json'],
    definition: jsonata('Slow', {
      Slow: { Type: 'Task', Resource: 'arn:aws:states:::lambda:invoke', Arguments: { FunctionName: 'Slow', Payload: {} }, TimeoutSeconds: 1, End: true },
    }),
    lambdas: () => ({
      Slow: async () => {
        await sleep(300);
        return 'late';
      },
    }),
    expect: {
      status: 'FAILED',
      history: {
        eventsInclude: [
          { type: 'TaskStarted' },
          { type: 'TaskTimedOut', taskTimedOutEventDetails: { error: 'States.Timeout', resource: 'invoke', resourceType: 'lambda' } },
          { type: 'ExecutionFailed', executionFailedEventDetails: { error: 'States.Timeout' } },
        ],
      },
    },
  },
  {
    name: 'Map events: MapStateStarted length, MapIterationStarted/Succeeded index and name',
    source: [API_HISTORY, 'localstack/localstack tests/aws/services/stepfunctions/v2/scenarios/test_base_scenarios.snapshot.json'],
    definition: jsonata('M', {
      M: { Type: 'Map', Items: ['a', 'b', 'c'], MaxConcurrency: 1, ItemProcessor: { StartAt: 'P', States: { P: { Type: 'Pass', End: true } } }, End: true },
    }),
    expect: {
      status: 'SUCCEEDED',
      history: {
        eventsInclude: [
          { type: 'MapStateEntered', stateEnteredEventDetails: { name: 'M' } },
          { type: 'MapStateStarted', mapStateStartedEventDetails: { length: 3 } },
          { type: 'MapIterationStarted', mapIterationStartedEventDetails: { index: 0, name: 'M' } },
          { type: 'PassStateEntered', stateEnteredEventDetails: { name: 'P', input: '"a"' } },
          { type: 'MapIterationSucceeded', mapIterationSucceededEventDetails: { index: 0, name: 'M' } },
          { type: 'MapIterationStarted', mapIterationStartedEventDetails: { index: 1, name: 'M' } },
          { type: 'MapIterationSucceeded', mapIterationSucceededEventDetails: { index: 1, name: 'M' } },
          { type: 'MapIterationStarted', mapIterationStartedEventDetails: { index: 2, name: 'M' } },
          { type: 'MapIterationSucceeded', mapIterationSucceededEventDetails: { index: 2, name: 'M' } },
          { type: 'MapStateSucceeded' },
          { type: 'MapStateExited', stateExitedEventDetails: { name: 'M', output: ['a', 'b', 'c'] } },
        ],
      },
    },
  },
  {
    name: 'Map iteration failure: MapIterationFailed with its index, then MapStateFailed',
    source: API_HISTORY,
    definition: jsonata('M', {
      M: {
        Type: 'Map',
        Items: [1, 2],
        MaxConcurrency: 1,
        ItemProcessor: { StartAt: 'C', States: { C: { Type: 'Choice', Choices: [{ Condition: '{% $states.input = 2 %}', Next: 'F' }], Default: 'Ok' }, F: { Type: 'Fail', Error: 'Two' }, Ok: { Type: 'Pass', End: true } } },
        End: true,
      },
    }),
    expect: {
      status: 'FAILED',
      error: 'Two',
      history: {
        eventsInclude: [
          { type: 'MapIterationSucceeded', mapIterationSucceededEventDetails: { index: 0 } },
          { type: 'MapIterationFailed', mapIterationFailedEventDetails: { index: 1 } },
          { type: 'MapStateFailed' },
          { type: 'ExecutionFailed', executionFailedEventDetails: { error: 'Two' } },
        ],
      },
    },
  },
  {
    name: 'Parallel events: ParallelStateStarted, branch states, ParallelStateSucceeded, ParallelStateExited',
    source: API_HISTORY,
    definition: jsonata('P', {
      P: { Type: 'Parallel', Branches: [{ StartAt: 'A', States: { A: { Type: 'Pass', Output: 1, End: true } } }], End: true },
    }),
    expect: {
      status: 'SUCCEEDED',
      history: {
        eventsInclude: [
          { type: 'ParallelStateEntered', stateEnteredEventDetails: { name: 'P' } },
          { type: 'ParallelStateStarted' },
          { type: 'PassStateEntered', stateEnteredEventDetails: { name: 'A' } },
          { type: 'PassStateExited', stateExitedEventDetails: { name: 'A', output: '1' } },
          { type: 'ParallelStateSucceeded' },
          { type: 'ParallelStateExited', stateExitedEventDetails: { name: 'P', output: [1] } },
        ],
      },
    },
  },
  {
    name: 'Choice and Wait events carry state names; Fail ends with ExecutionFailed details',
    source: API_HISTORY,
    definition: jsonata('C', {
      C: { Type: 'Choice', Choices: [{ Condition: '{% true %}', Next: 'W' }] },
      W: { Type: 'Wait', Seconds: 1, Next: 'F' },
      F: { Type: 'Fail', Error: 'Done', Cause: 'by design' },
    }),
    expect: {
      status: 'FAILED',
      history: {
        events: [
          { type: 'ExecutionStarted' },
          { type: 'ChoiceStateEntered', stateEnteredEventDetails: { name: 'C' } },
          { type: 'ChoiceStateExited', stateExitedEventDetails: { name: 'C' } },
          { type: 'WaitStateEntered', stateEnteredEventDetails: { name: 'W' } },
          { type: 'WaitStateExited', stateExitedEventDetails: { name: 'W' } },
          { type: 'FailStateEntered', stateEnteredEventDetails: { name: 'F' } },
          { type: 'ExecutionFailed', executionFailedEventDetails: { error: 'Done', cause: 'by design' } },
        ],
      },
    },
  },
  {
    name: 'Execution timeout: the history ends with ExecutionTimedOut',
    source: [API_HISTORY, 'https://docs.aws.amazon.com/step-functions/latest/dg/statemachine-structure.html'],
    definition: jsonata('W', { W: { Type: 'Wait', Seconds: 100, End: true } }, { TimeoutSeconds: 2 }),
    expect: {
      status: 'TIMED_OUT',
      history: { eventsInclude: [{ type: 'WaitStateEntered' }, { type: 'ExecutionTimedOut' }] },
    },
  },
];
