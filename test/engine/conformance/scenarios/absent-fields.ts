/**
 * An absent field (JSONata `undefined`): how `&` joins it, what a field whose
 * whole expression is undefined does, and the idioms that give such a field a
 * default without `?:` / `??` (JSONata 2.1 operators, not in Step Functions'
 * JSONata 2.0.6). The failure path of the lead lifecycle (Catch -> "Needs
 * attention" -> "Lead failed") reads `$failure.Error` / `$failure.Cause` this way.
 *
 * AWS: "Step Functions implements JSONata based on the 2.0.6 specification. All
 * built-in JSONata functions and operators in the 2.0.6 specification are
 * supported, with one exception: $eval is not available" (DOC_JSONATA); so `&`
 * follows JSONata: an undefined operand is joined as '' (jsonata-js
 * evaluateStringConcat). A field whose whole expression is undefined fails the
 * state with States.QueryEvaluationError ("... specified for the field
 * 'Arguments/FunctionName' returned nothing (undefined)."), as AWS recorded it
 * (LS_ASSIGN_REFS, LS_ERROR_OUTPUT).
 */
import { jsonata, sleep, type Probe, type Scenario } from '../types';

const DOC_JSONATA = 'https://docs.aws.amazon.com/step-functions/latest/dg/transforming-data.html';
const DOC_ERRORS = 'https://docs.aws.amazon.com/step-functions/latest/dg/concepts-error-handling.html';
const JSONATA_CONCAT = 'https://docs.jsonata.org/other-operators (&: operands cast with $string); jsonata-js src/jsonata.js evaluateStringConcat (an undefined operand is the empty string)';
const JSONATA_STRING = 'https://docs.jsonata.org/string-functions ($string: undefined in, undefined out)';
const JSONATA_ARRAY = 'https://docs.jsonata.org/construction (array constructor: undefined items are dropped); https://docs.jsonata.org/predicate';
const LS_ASSIGN_REFS = 'localstack/localstack tests/aws/services/stepfunctions/v2/assign/test_assign_reference_variables.snapshot.json (undefined variable in Arguments/FunctionName, Output/result, Assign/result)';
const LS_ERROR_OUTPUT = 'localstack/localstack tests/aws/services/stepfunctions/v2/states_variables/test_error_output.snapshot.json (MAP_CATCH_ERROR_OUTPUT_WITH_RETRY: \'Output/error\' returned nothing)';
const LS_TIMEOUT_CAUSE = 'localstack/localstack tests/aws/services/stepfunctions/v2/error_handling/test_task_service_lambda.snapshot.json (test_invoke_timeout: the caught error output is {"Error": "States.Timeout", "Cause": ""})';

/** A failure record without a Cause (and one with an empty Cause), as a Catch might have assigned it. */
const FAILURES = {
  noCause: "{% {'Error': 'States.Timeout'} %}",
  emptyCause: "{% {'Error': 'Lambda.Unknown', 'Cause': ''} %}",
  withCause: "{% {'Error': 'Boom', 'Cause': 'disk full'} %}",
};

/** The notify -> Fail end of the lead lifecycle's failure path, with its defaults for a missing Error or Cause. */
const FAILURE_END: Record<string, unknown> = {
  'Needs attention': {
    Type: 'Task',
    Resource: 'arn:aws:states:::lambda:invoke',
    Arguments: { FunctionName: 'Notify', Payload: { reason: '{% $failedStep %}', error: "{% '' & $failure.Error %}", cause: "{% '' & $failure.Cause %}" } },
    Catch: [{ ErrorEquals: ['States.ALL'], Next: 'Lead failed' }],
    Next: 'Lead failed',
  },
  'Lead failed': {
    Type: 'Fail',
    Error: "{% [$failure.Error[$ != ''], 'Lead.Failed'][0] %}",
    Cause: "{% 'Failed at ' & $failedStep & ': ' & [$failure.Cause[$ != ''], 'no details given'][0] %}",
  },
};

/** A step whose Catch assigns `$failure` / `$failedStep` (as every Task of the lead lifecycle does), then FAILURE_END. */
const failurePath = (failing: Record<string, unknown>): Record<string, unknown> =>
  jsonata('Step', {
    Step: {
      ...failing,
      Catch: [{ ErrorEquals: ['States.ALL'], Assign: { failure: '{% $states.errorOutput %}', failedStep: '{% $states.context.State.Name %}' }, Next: 'Needs attention' }],
      Next: 'Done',
    },
    Done: { Type: 'Succeed' },
    ...FAILURE_END,
  });

const notify = (probe: Probe) => async (event: unknown) => {
  probe.set('notified', event);
  return { stage: 'needs-attention' };
};

export const absentFieldScenarios: Scenario[] = [
  {
    name: '& joins an absent field as the empty string',
    source: [DOC_JSONATA, JSONATA_CONCAT],
    definition: jsonata('P', {
      P: { Type: 'Pass', Output: { text: "{% 'Failed at ' & $states.input.step & ': ' & $states.input.absent %}", alone: "{% '' & $states.input.absent %}" }, End: true },
    }),
    input: { step: 'Qualify lead' },
    expect: { status: 'SUCCEEDED', output: { text: 'Failed at Qualify lead: ', alone: '' } },
  },
  {
    name: 'A Fail Cause built with & from an absent field is still a string: the execution fails with it',
    source: [DOC_JSONATA, JSONATA_CONCAT, 'https://docs.aws.amazon.com/step-functions/latest/dg/state-fail.html'],
    definition: jsonata('F', { F: { Type: 'Fail', Error: 'Lead.Failed', Cause: "{% 'Failed at ' & $states.input.step & ': ' & $states.input.absent %}" } }),
    input: { step: 'Qualify lead' },
    expect: { status: 'FAILED', error: 'Lead.Failed', cause: 'Failed at Qualify lead: ' },
  },
  {
    name: 'An Arguments value that is only an absent field fails the Task before it runs; States.ALL catches it',
    source: [DOC_JSONATA, DOC_ERRORS, LS_ASSIGN_REFS, LS_ERROR_OUTPUT],
    definition: jsonata('Record failure', {
      'Record failure': { Type: 'Pass', Assign: { failure: FAILURES.noCause }, Next: 'Notify' },
      Notify: {
        Type: 'Task',
        Resource: 'arn:aws:states:::lambda:invoke',
        Arguments: { FunctionName: 'Echo', Payload: { error: '{% $failure.Error %}', cause: '{% $failure.Cause %}' } },
        Catch: [
          {
            ErrorEquals: ['States.ALL'],
            Output: {
              error: '{% $states.errorOutput.Error %}',
              namesTheField: "{% $contains($states.errorOutput.Cause, \"The JSONata expression '$failure.Cause' specified for the field 'Arguments/Payload/cause' returned nothing (undefined).\") %}",
            },
            Next: 'Caught',
          },
        ],
        End: true,
      },
      Caught: { Type: 'Pass', End: true },
    }),
    expect: { status: 'SUCCEEDED', output: { error: 'States.QueryEvaluationError', namesTheField: true }, invocations: { Echo: 0 } },
  },
  {
    name: '$string() of an absent field is undefined too: it gives no default',
    source: [DOC_JSONATA, JSONATA_STRING, LS_ASSIGN_REFS],
    definition: jsonata('P', { P: { Type: 'Pass', Output: { cause: '{% $string($states.input.absent) %}' }, End: true } }),
    input: { present: 1 },
    expect: {
      status: 'FAILED',
      error: 'States.QueryEvaluationError',
      causeContains: ["The JSONata expression '$string($states.input.absent)' specified for the field 'Output/cause' returned nothing (undefined)."],
    },
  },
  {
    name: "Defaults without ?: or ??: '' & x, [x, d][0] and [x[$ != ''], d][0]",
    source: [DOC_JSONATA, JSONATA_CONCAT, JSONATA_ARRAY],
    definition: jsonata('Set', {
      Set: { Type: 'Pass', Assign: { noCause: FAILURES.noCause, emptyCause: FAILURES.emptyCause, withCause: FAILURES.withCause }, Next: 'P' },
      P: {
        Type: 'Pass',
        Output: {
          concat: ["{% '' & $noCause.Cause %}", "{% '' & $emptyCause.Cause %}", "{% '' & $withCause.Cause %}"],
          firstDefined: ["{% [$noCause.Cause, 'no details given'][0] %}", "{% [$emptyCause.Cause, 'no details given'][0] %}", "{% [$withCause.Cause, 'no details given'][0] %}"],
          firstNonEmpty: [
            "{% [$noCause.Cause[$ != ''], 'no details given'][0] %}",
            "{% [$emptyCause.Cause[$ != ''], 'no details given'][0] %}",
            "{% [$withCause.Cause[$ != ''], 'no details given'][0] %}",
          ],
          exists: ['{% $exists($noCause.Cause) %}', '{% $exists($emptyCause.Cause) %}'],
        },
        End: true,
      },
    }),
    expect: {
      status: 'SUCCEEDED',
      output: {
        concat: ['', '', 'disk full'],
        firstDefined: ['no details given', '', 'disk full'],
        firstNonEmpty: ['no details given', 'no details given', 'disk full'],
        exists: [false, true],
      },
    },
  },
  {
    name: 'A caught task timeout has an empty Cause, not an absent one',
    source: [DOC_ERRORS, LS_TIMEOUT_CAUSE],
    definition: jsonata('Slow', {
      Slow: {
        Type: 'Task',
        Resource: 'arn:aws:states:::lambda:invoke',
        Arguments: { FunctionName: 'sleep10', Payload: {} },
        TimeoutSeconds: 2,
        Catch: [{ ErrorEquals: ['States.Timeout'], Next: 'Handler' }],
        End: true,
      },
      Handler: { Type: 'Pass', End: true },
    }),
    lambdas: () => ({
      sleep10: async () => {
        await sleep(400);
        return 'woke up';
      },
    }),
    expect: { status: 'SUCCEEDED', output: { Error: 'States.Timeout', Cause: '' } },
  },
  {
    name: 'Failure path (Catch -> notify -> Fail) after a task timeout: the notification runs, the execution fails with the error and "no details given"',
    source: [DOC_ERRORS, LS_TIMEOUT_CAUSE, JSONATA_CONCAT, JSONATA_ARRAY],
    definition: failurePath({ Type: 'Task', Resource: 'arn:aws:states:::lambda:invoke', Arguments: { FunctionName: 'sleep10', Payload: {} }, TimeoutSeconds: 2 }),
    lambdas: (probe) => ({
      sleep10: async () => {
        await sleep(400);
        return 'woke up';
      },
      Notify: notify(probe),
    }),
    expect: {
      status: 'FAILED',
      error: 'States.Timeout',
      cause: 'Failed at Step: no details given',
      invocations: { Notify: 1 },
      probe: { notified: { reason: 'Step', error: 'States.Timeout', cause: '' } },
      history: { statesEntered: ['Step', 'Needs attention', 'Lead failed'] },
    },
  },
  {
    name: 'Failure path when the failure has no Cause and no Error: the notification still runs, the Fail state has an error and a cause',
    source: [DOC_JSONATA, LS_ASSIGN_REFS, JSONATA_CONCAT, JSONATA_ARRAY],
    definition: jsonata('Record failure', {
      'Record failure': { Type: 'Pass', Assign: { failure: '{% {} %}', failedStep: 'Schedule meeting' }, Next: 'Needs attention' },
      ...FAILURE_END,
    }),
    lambdas: (probe) => ({ Notify: notify(probe) }),
    expect: {
      status: 'FAILED',
      error: 'Lead.Failed',
      cause: 'Failed at Schedule meeting: no details given',
      invocations: { Notify: 1 },
      probe: { notified: { reason: 'Schedule meeting', error: '', cause: '' } },
    },
  },
  {
    name: 'Failure path with a Cause: it is passed on and ends the execution\'s cause',
    source: [DOC_ERRORS, JSONATA_ARRAY],
    definition: jsonata('Record failure', {
      'Record failure': { Type: 'Pass', Assign: { failure: FAILURES.withCause, failedStep: 'Close deal' }, Next: 'Needs attention' },
      ...FAILURE_END,
    }),
    lambdas: (probe) => ({ Notify: notify(probe) }),
    expect: { status: 'FAILED', error: 'Boom', cause: 'Failed at Close deal: disk full', probe: { notified: { reason: 'Close deal', error: 'Boom', cause: 'disk full' } } },
  },
];
