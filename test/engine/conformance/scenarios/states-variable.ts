/** The reserved $states variable: input, result, errorOutput, context. */
import { ACCOUNT, REGION, jsonata, lambdaArn, namedError, type Scenario } from '../types';

const DOC_VARS = 'https://docs.aws.amazon.com/step-functions/latest/dg/workflow-variables.html#reserved-variable-states';
const DOC_CONTEXT = 'https://docs.aws.amazon.com/step-functions/latest/dg/input-output-contextobject.html';
const LS_OUTPUT_SNAPSHOT = 'localstack/localstack tests/aws/services/stepfunctions/v2/outputdecl/test_output.snapshot.json';
const LS_ERROR_OUTPUT = 'localstack/localstack tests/aws/services/stepfunctions/v2/states_variables/test_error_output.snapshot.json';

export const statesVariableScenarios: Scenario[] = [
  {
    name: '$states.input is the original state input in every field of the state',
    source: DOC_VARS,
    definition: jsonata('T', {
      T: {
        Type: 'Task',
        Resource: lambdaArn('Echo'),
        Arguments: { got: '{% $states.input.a %}' },
        Assign: { inputSeenByAssign: '{% $states.input.a %}' },
        Output: { inputSeenByOutput: '{% $states.input.a %}', result: '{% $states.result %}' },
        Next: 'V',
      },
      V: { Type: 'Pass', Output: { fromOutput: '{% $states.input %}', fromAssign: '{% $inputSeenByAssign %}' }, End: true },
    }),
    input: { a: 'original' },
    expect: { status: 'SUCCEEDED', output: { fromOutput: { inputSeenByOutput: 'original', result: { got: 'original' } }, fromAssign: 'original' } },
  },
  {
    name: '$states.context: Execution, StateMachine and State fields (BASE_EXPR ja_states_context)',
    source: [DOC_CONTEXT, 'localstack/localstack tests/aws/services/stepfunctions/templates/outputdecl/statemachines/base_expr.json5', LS_OUTPUT_SNAPSHOT],
    stateMachineName: 'ctx-machine',
    executionName: 'ctx-exec',
    definition: jsonata('State0', {
      State0: {
        Type: 'Pass',
        Output: {
          executionId: '{% $states.context.Execution.Id %}',
          executionName: '{% $states.context.Execution.Name %}',
          executionInput: '{% $states.context.Execution.Input %}',
          startTimeIsIso: "{% $contains($states.context.Execution.StartTime, /^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d+)?Z$/) %}",
          redriveCount: '{% $states.context.Execution.RedriveCount %}',
          roleArn: '{% $states.context.Execution.RoleArn %}',
          stateMachineId: '{% $states.context.StateMachine.Id %}',
          stateMachineName: '{% $states.context.StateMachine.Name %}',
          stateName: '{% $states.context.State.Name %}',
          enteredAfterStart: '{% $toMillis($states.context.State.EnteredTime) >= $toMillis($states.context.Execution.StartTime) %}',
        },
        End: true,
      },
    }),
    input: { input_value: 'string literal' },
    expect: {
      status: 'SUCCEEDED',
      output: {
        executionId: `arn:aws:states:${REGION}:${ACCOUNT}:execution:ctx-machine:ctx-exec`,
        executionName: 'ctx-exec',
        executionInput: { input_value: 'string literal' },
        startTimeIsIso: true,
        redriveCount: 0,
        roleArn: 'arn:aws:iam::123456789012:role/conformance',
        stateMachineId: `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:ctx-machine`,
        stateMachineName: 'ctx-machine',
        stateName: 'State0',
        enteredAfterStart: true,
      },
    },
  },
  {
    name: '$states.context.Execution.Input stays the execution input in later states',
    source: DOC_CONTEXT,
    definition: jsonata('A', {
      A: { Type: 'Pass', Output: 'changed', Next: 'B' },
      B: { Type: 'Pass', Output: { input: '{% $states.input %}', original: '{% $states.context.Execution.Input %}', state: '{% $states.context.State.Name %}' }, End: true },
    }),
    input: { first: true },
    expect: { status: 'SUCCEEDED', output: { input: 'changed', original: { first: true }, state: 'B' } },
  },
  {
    name: '$states.context has no Map or Task fields in a plain Pass state',
    source: DOC_CONTEXT,
    definition: jsonata('P', {
      P: { Type: 'Pass', Output: { hasMap: '{% $exists($states.context.Map) %}', hasTask: '{% $exists($states.context.Task) %}' }, End: true },
    }),
    expect: { status: 'SUCCEEDED', output: { hasMap: false, hasTask: false } },
  },
  {
    name: '$states.result is the task result in Output and Assign',
    source: DOC_VARS,
    definition: jsonata('T', {
      T: { Type: 'Task', Resource: lambdaArn('Echo'), Arguments: { v: 5 }, Assign: { r: '{% $states.result.v * 10 %}' }, Output: '{% $states.result %}', Next: 'U' },
      U: { Type: 'Pass', Output: { input: '{% $states.input %}', r: '{% $r %}' }, End: true },
    }),
    expect: { status: 'SUCCEEDED', output: { input: { v: 5 }, r: 50 } },
  },
  {
    name: '$states.errorOutput in Catch Output and Assign (TASK_CATCH_ERROR_OUTPUT / VARIABLE_SAMPLING)',
    source: [LS_ERROR_OUTPUT, DOC_VARS],
    definition: jsonata('Task', {
      Task: {
        Type: 'Task',
        Resource: 'arn:aws:states:::lambda:invoke',
        Arguments: { FunctionName: 'Raise', Payload: { foo: 'foobar' } },
        Catch: [
          {
            ErrorEquals: ['States.ALL'],
            Assign: { errorVar: '{% $states.errorOutput %}', inputVar: '{% $states.input %}' },
            Output: { stateInput: '{% $states.input %}', stateError: '{% $states.errorOutput %}' },
            Next: 'Fallback',
          },
        ],
        End: true,
      },
      Fallback: { Type: 'Pass', Output: { error: '{% $states.input %}', errorVarError: '{% $errorVar.Error %}', inputVar: '{% $inputVar %}' }, End: true },
    }),
    lambdas: () => ({
      Raise: async () => {
        throw namedError('Exception', 'Some exception was raised.');
      },
    }),
    input: { inputData: 'dummy' },
    expect: {
      status: 'SUCCEEDED',
      outputPartial: {
        error: { stateInput: { inputData: 'dummy' }, stateError: { Error: 'Exception' } },
        errorVarError: 'Exception',
        inputVar: { inputData: 'dummy' },
      },
    },
  },
  {
    name: '$states.errorOutput.Cause of a Lambda error is a JSON string with errorMessage and errorType',
    source: LS_ERROR_OUTPUT,
    definition: jsonata('Task', {
      Task: {
        Type: 'Task',
        Resource: 'arn:aws:states:::lambda:invoke',
        Arguments: { FunctionName: 'Raise', Payload: {} },
        Catch: [{ ErrorEquals: ['States.ALL'], Output: '{% $parse($states.errorOutput.Cause) %}', Next: 'Fallback' }],
        End: true,
      },
      Fallback: { Type: 'Pass', End: true },
    }),
    lambdas: () => ({
      Raise: async () => {
        throw namedError('Exception', 'Some exception was raised.');
      },
    }),
    expect: { status: 'SUCCEEDED', outputPartial: { errorMessage: 'Some exception was raised.', errorType: 'Exception' } },
  },
];
