/** States.QueryEvaluationError: JSONata expressions that fail or yield values a field cannot take. */
import { jsonata, type Scenario } from '../types';

const DOC_JSONATA = 'https://docs.aws.amazon.com/step-functions/latest/dg/transforming-data.html';
const DOC_ERRORS = 'https://docs.aws.amazon.com/step-functions/latest/dg/concepts-error-handling.html';
/** A real AWS error recorded in a public repository's code comment (umccr): cause wording for an undefined field. */
const AWS_UNDEFINED_CAUSE =
  'AWS execution error quoted in a public repo (umccr): "An error occurred while executing the state \'Run S3 Data Push\' (entered at the event id #6). The JSONata expression \'$states.input.pushLocation\' specified for the field \'Arguments/Input/pushLocation\' returned nothing (undefined)."';
const LS_ASSIGN = 'localstack/localstack tests/aws/services/stepfunctions/templates/assign/statemachines';

export const queryErrorScenarios: Scenario[] = [
  {
    name: 'An Output field that evaluates to nothing fails with States.QueryEvaluationError naming the field',
    source: [DOC_JSONATA, AWS_UNDEFINED_CAUSE, `${LS_ASSIGN}/base_undefined_output_field.json5`],
    definition: jsonata('P', { P: { Type: 'Pass', Output: { v: '{% $states.input.absent %}' }, End: true } }),
    input: { present: 1 },
    expect: {
      status: 'FAILED',
      error: 'States.QueryEvaluationError',
      cause: "An error occurred while executing the state 'P' (entered at the event id #2). The JSONata expression '$states.input.absent' specified for the field 'Output/v' returned nothing (undefined).",
    },
  },
  {
    name: 'A whole Output expression that evaluates to nothing (BASE_UNDEFINED_OUTPUT)',
    source: [`${LS_ASSIGN}/base_undefined_output.json5`, AWS_UNDEFINED_CAUSE],
    definition: jsonata('P', { P: { Type: 'Pass', Output: '{% $states.input.absent %}', End: true } }),
    expect: { status: 'FAILED', error: 'States.QueryEvaluationError', causeContains: ["specified for the field 'Output' returned nothing (undefined)"] },
  },
  {
    name: 'A nested Arguments field that evaluates to nothing (BASE_UNDEFINED_ARGUMENTS_FIELD)',
    source: [`${LS_ASSIGN}/base_undefined_arguments_field.json5`, AWS_UNDEFINED_CAUSE],
    definition: jsonata('T', {
      T: { Type: 'Task', Resource: 'arn:aws:states:::lambda:invoke', Arguments: { FunctionName: 'Echo', Payload: { pushLocation: '{% $states.input.pushLocation %}' } }, End: true },
    }),
    expect: {
      status: 'FAILED',
      error: 'States.QueryEvaluationError',
      cause:
        "An error occurred while executing the state 'T' (entered at the event id #2). The JSONata expression '$states.input.pushLocation' specified for the field 'Arguments/Payload/pushLocation' returned nothing (undefined).",
      invocations: { Echo: 0 },
    },
  },
  {
    name: 'An Assign value that evaluates to nothing (BASE_UNDEFINED_ASSIGN)',
    source: [`${LS_ASSIGN}/base_undefined_assign.json5`, AWS_UNDEFINED_CAUSE],
    definition: jsonata('P', { P: { Type: 'Pass', Assign: { x: '{% $states.input.nothing %}' }, End: true } }),
    expect: { status: 'FAILED', error: 'States.QueryEvaluationError', causeContains: ["specified for the field 'Assign/x' returned nothing (undefined)"] },
  },
  {
    name: 'A JSONata runtime error ($number of a non-numeric string)',
    source: DOC_JSONATA,
    definition: jsonata('P', { P: { Type: 'Pass', Output: "{% $number('abc') %}", End: true } }),
    expect: { status: 'FAILED', error: 'States.QueryEvaluationError' },
  },
  {
    name: 'A Choice Condition that is not a boolean',
    source: ['https://docs.aws.amazon.com/step-functions/latest/dg/state-choice.html', DOC_ERRORS],
    definition: jsonata('C', {
      C: { Type: 'Choice', Choices: [{ Condition: '{% $states.input.name %}', Next: 'D' }], Default: 'D' },
      D: { Type: 'Succeed' },
    }),
    input: { name: 'not a boolean' },
    expect: { status: 'FAILED', error: 'States.QueryEvaluationError' },
  },
  {
    name: 'Map Items that are not an array',
    source: ['https://docs.aws.amazon.com/step-functions/latest/dg/state-map-inline.html', DOC_ERRORS],
    definition: jsonata('M', {
      M: { Type: 'Map', Items: '{% $states.input.notArray %}', ItemProcessor: { StartAt: 'P', States: { P: { Type: 'Pass', End: true } } }, End: true },
    }),
    input: { notArray: { a: 1 } },
    expect: { status: 'FAILED', error: 'States.QueryEvaluationError' },
  },
  {
    name: 'Wait Seconds that is not a number',
    source: ['https://docs.aws.amazon.com/step-functions/latest/dg/state-wait.html', DOC_ERRORS],
    definition: jsonata('W', { W: { Type: 'Wait', Seconds: '{% $states.input.s %}', End: true } }),
    input: { s: 'ten' },
    expect: { status: 'FAILED', error: 'States.QueryEvaluationError' },
  },
  {
    name: 'Wait Timestamp that is not a timestamp',
    source: ['https://docs.aws.amazon.com/step-functions/latest/dg/state-wait.html', DOC_ERRORS],
    definition: jsonata('W', { W: { Type: 'Wait', Timestamp: '{% $states.input.when %}', End: true } }),
    input: { when: 'tomorrow-ish' },
    expect: { status: 'FAILED', error: 'States.QueryEvaluationError' },
  },
  {
    name: 'States.QueryEvaluationError can be caught by name on a Task',
    source: DOC_ERRORS,
    definition: jsonata('T', {
      T: {
        Type: 'Task',
        Resource: 'arn:aws:states:::lambda:invoke',
        Arguments: { FunctionName: 'Echo', Payload: '{% $number($states.input.n) %}' },
        Catch: [{ ErrorEquals: ['States.QueryEvaluationError'], Output: { caught: '{% $states.errorOutput.Error %}' }, Next: 'Handled' }],
        End: true,
      },
      Handled: { Type: 'Pass', End: true },
    }),
    input: { n: 'x' },
    expect: { status: 'SUCCEEDED', output: { caught: 'States.QueryEvaluationError' }, invocations: { Echo: 0 } },
  },
  {
    name: 'A failing Output expression on a Task is caught by States.ALL',
    source: DOC_ERRORS,
    definition: jsonata('T', {
      T: {
        Type: 'Task',
        Resource: 'arn:aws:states:::lambda:invoke',
        Arguments: { FunctionName: 'Echo', Payload: {} },
        Output: '{% $states.result.Payload.missing %}',
        Catch: [{ ErrorEquals: ['States.ALL'], Output: '{% $states.errorOutput.Error %}', Next: 'Handled' }],
        End: true,
      },
      Handled: { Type: 'Pass', End: true },
    }),
    expect: { status: 'SUCCEEDED', output: 'States.QueryEvaluationError', invocations: { Echo: 1 } },
  },
  {
    name: 'A Choice Condition that evaluates to nothing',
    source: [DOC_JSONATA, AWS_UNDEFINED_CAUSE],
    definition: jsonata('C', {
      C: { Type: 'Choice', Choices: [{ Condition: '{% $states.input.missing %}', Next: 'D' }], Default: 'D' },
      D: { Type: 'Succeed' },
    }),
    input: { present: 1 },
    expect: { status: 'FAILED', error: 'States.QueryEvaluationError' },
  },
];
