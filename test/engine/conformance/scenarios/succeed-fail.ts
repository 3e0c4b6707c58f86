/** Succeed and Fail states. */
import { jsonata, type Scenario } from '../types';

const DOC_SUCCEED = 'https://docs.aws.amazon.com/step-functions/latest/dg/state-succeed.html';
const DOC_FAIL = 'https://docs.aws.amazon.com/step-functions/latest/dg/state-fail.html';
const LS_SCEN = 'localstack/localstack tests/aws/services/stepfunctions/templates/scenarios/statemachines';

export const succeedFailScenarios: Scenario[] = [
  {
    name: 'Succeed passes its input through',
    source: DOC_SUCCEED,
    definition: jsonata('SuccessState', { SuccessState: { Type: 'Succeed' } }),
    input: { done: true },
    expect: { status: 'SUCCEEDED', output: { done: true }, history: { eventTypesInOrder: ['SucceedStateEntered', 'SucceedStateExited', 'ExecutionSucceeded'] } },
  },
  {
    name: 'Succeed with an Output expression',
    source: DOC_SUCCEED,
    definition: jsonata('SuccessState', { SuccessState: { Type: 'Succeed', Output: { result: "{% 'ok:' & $states.input.id %}" } } }),
    input: { id: 'x1' },
    expect: { status: 'SUCCEEDED', output: { result: 'ok:x1' } },
  },
  {
    name: 'Succeed ends a Parallel branch early, not the execution',
    source: DOC_SUCCEED,
    definition: jsonata('P', {
      P: {
        Type: 'Parallel',
        Branches: [
          { StartAt: 'Stop', States: { Stop: { Type: 'Succeed', Output: 'branch done' } } },
          { StartAt: 'Go', States: { Go: { Type: 'Pass', Output: 'other', End: true } } },
        ],
        Next: 'After',
      },
      After: { Type: 'Pass', Output: { branches: '{% $states.input %}' }, End: true },
    }),
    expect: { status: 'SUCCEEDED', output: { branches: ['branch done', 'other'] } },
  },
  {
    name: 'Fail with static Error and Cause (FailState docs example)',
    source: DOC_FAIL,
    definition: jsonata('FailState', { FailState: { Type: 'Fail', Error: 'ErrorA', Cause: 'Kaiju attack' } }),
    expect: {
      status: 'FAILED',
      error: 'ErrorA',
      cause: 'Kaiju attack',
      history: { eventTypesInOrder: ['FailStateEntered', 'ExecutionFailed'] },
    },
  },
  {
    name: 'Fail with Error from a JSONata expression (RAISE_FAILURE_ERROR_JSONATA)',
    source: [`${LS_SCEN}/fail_error_jsonata.json5`, DOC_FAIL],
    definition: jsonata('FailState', { FailState: { Type: 'Fail', Error: '{% $states.input.error %}' } }),
    input: { error: 'Exception Value' },
    expect: { status: 'FAILED', error: 'Exception Value', cause: null },
  },
  {
    name: 'Fail with Cause from a JSONata expression (RAISE_FAILURE_CAUSE_JSONATA)',
    source: [`${LS_SCEN}/fail_cause_jsonata.json5`, DOC_FAIL],
    definition: jsonata('FailState', { FailState: { Type: 'Fail', Cause: "{% 'Order ' & $states.input.order & ' rejected: ' & $states.input.reason %}" } }),
    input: { order: 'o-7', reason: 'out of stock' },
    expect: { status: 'FAILED', error: null, cause: 'Order o-7 rejected: out of stock' },
  },
  {
    name: 'Fail with both Error and Cause built from variables',
    source: [DOC_FAIL, 'https://docs.aws.amazon.com/step-functions/latest/dg/workflow-variables.html'],
    definition: jsonata('Init', {
      Init: { Type: 'Pass', Assign: { code: 'E42', detail: '{% $states.input.detail %}' }, Next: 'FailState' },
      FailState: { Type: 'Fail', Error: "{% 'Custom.' & $code %}", Cause: '{% $string($detail) %}' },
    }),
    input: { detail: { why: 'because' } },
    expect: { status: 'FAILED', error: 'Custom.E42', cause: '{"why":"because"}' },
  },
  {
    name: 'Fail without Error or Cause',
    source: ['localstack/localstack tests/aws/services/stepfunctions/templates/base/statemachines/raise_empty_failure.json5', DOC_FAIL],
    definition: jsonata('FailState', { FailState: { Type: 'Fail' } }),
    expect: { status: 'FAILED', error: null, cause: null },
  },
  {
    name: 'A Fail state inside a Map iteration fails the execution',
    source: DOC_FAIL,
    definition: jsonata('M', {
      M: {
        Type: 'Map',
        Items: [1],
        ItemProcessor: { StartAt: 'F', States: { F: { Type: 'Fail', Error: 'InIteration', Cause: 'fail inside map' } } },
        End: true,
      },
    }),
    expect: { status: 'FAILED', error: 'InIteration', cause: 'fail inside map' },
  },
];
