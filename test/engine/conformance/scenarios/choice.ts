/** Choice state with JSONata Conditions. */
import { jsonata, type Scenario } from '../types';

const DOC_CHOICE = 'https://docs.aws.amazon.com/step-functions/latest/dg/state-choice.html';
const LS_SCEN = 'localstack/localstack tests/aws/services/stepfunctions/templates/scenarios/statemachines';
const LS_OUTPUT_CHOICE = 'localstack/localstack tests/aws/services/stepfunctions/templates/outputdecl/statemachines/choice_condition_jsonata.json5';
const LS_OUTPUT_SNAPSHOT = 'localstack/localstack tests/aws/services/stepfunctions/v2/outputdecl/test_output.snapshot.json';
const LS_ASSIGN_CHOICE = 'localstack/localstack tests/aws/services/stepfunctions/templates/assign/statemachines/choice_condition_jsonata.json5';

/** The AWS scenario from the Choice docs, as LocalStack recorded it in JSONata. */
const awsScenario = jsonata('ChoiceStateX', {
  ChoiceStateX: {
    Type: 'Choice',
    Choices: [
      { Condition: "{% $not($states.input.type = 'Private') %}", Next: 'Public' },
      { Condition: '{% $states.input.value = 0 %}', Next: 'ValueIsZero' },
      { Condition: '{% $states.input.value >= 20 and $states.input.value < 30 %}', Next: 'ValueInTwenties' },
    ],
    Default: 'DefaultState',
  },
  Public: { Type: 'Pass', End: true },
  ValueIsZero: { Type: 'Pass', End: true },
  ValueInTwenties: { Type: 'Pass', End: true },
  DefaultState: { Type: 'Fail', Cause: 'No Matches!' },
});

const outputChoice = jsonata('ChoiceState', {
  ChoiceState: {
    Type: 'Choice',
    Choices: [{ Condition: '{% $states.input.condition %}', Next: 'ConditionTrue', Output: 'Condition Output block' }],
    Default: 'DefaultState',
    Output: 'Default Output block',
  },
  ConditionTrue: { Type: 'Pass', End: true },
  DefaultState: { Type: 'Fail', Cause: 'Condition is false' },
});

export const choiceScenarios: Scenario[] = [
  {
    name: 'AWS choice scenario: first matching rule wins (type Public)',
    source: [`${LS_SCEN}/choice_state_aws_scenario_jsonata.json5`, DOC_CHOICE],
    definition: awsScenario,
    input: { type: 'Public', value: 22 },
    expect: { status: 'SUCCEEDED', output: { type: 'Public', value: 22 }, history: { statesEntered: ['ChoiceStateX', 'Public'] } },
  },
  {
    name: 'AWS choice scenario: value 0 matches the second rule',
    source: [`${LS_SCEN}/choice_state_aws_scenario_jsonata.json5`, DOC_CHOICE],
    definition: awsScenario,
    input: { type: 'Private', value: 0 },
    expect: { status: 'SUCCEEDED', history: { statesEntered: ['ChoiceStateX', 'ValueIsZero'] } },
  },
  {
    name: 'AWS choice scenario: value 22 matches the range rule',
    source: [`${LS_SCEN}/choice_state_aws_scenario_jsonata.json5`, DOC_CHOICE],
    definition: awsScenario,
    input: { type: 'Private', value: 22 },
    expect: { status: 'SUCCEEDED', history: { statesEntered: ['ChoiceStateX', 'ValueInTwenties'] } },
  },
  {
    name: 'AWS choice scenario: no rule matches, Default goes to a Fail state',
    source: [`${LS_SCEN}/choice_state_aws_scenario_jsonata.json5`, DOC_CHOICE],
    definition: awsScenario,
    input: { type: 'Private', value: 50 },
    expect: { status: 'FAILED', error: null, cause: 'No Matches!', history: { statesEntered: ['ChoiceStateX', 'DefaultState'] } },
  },
  {
    name: 'No rule matches and no Default: States.NoChoiceMatched',
    source: DOC_CHOICE,
    definition: jsonata('C', {
      C: { Type: 'Choice', Choices: [{ Condition: '{% $states.input.n > 10 %}', Next: 'Big' }] },
      Big: { Type: 'Succeed' },
    }),
    input: { n: 1 },
    expect: { status: 'FAILED', error: 'States.NoChoiceMatched' },
  },
  {
    name: 'Choice without Output passes its input to the next state',
    source: DOC_CHOICE,
    definition: jsonata('C', {
      C: { Type: 'Choice', Choices: [{ Condition: '{% $states.input.go %}', Next: 'Next' }], Default: 'Next' },
      Next: { Type: 'Pass', End: true },
    }),
    input: { go: true, keep: 'me' },
    expect: { status: 'SUCCEEDED', output: { go: true, keep: 'me' } },
  },
  {
    name: 'Matched rule Output becomes the state output (CONDITION_TRUE)',
    source: [LS_OUTPUT_CHOICE, LS_OUTPUT_SNAPSHOT],
    definition: outputChoice,
    input: { condition: true },
    expect: { status: 'SUCCEEDED', output: 'Condition Output block', history: { statesEntered: ['ChoiceState', 'ConditionTrue'] } },
  },
  {
    name: 'Default path uses the state-level Output (CONDITION_FALSE)',
    source: [LS_OUTPUT_CHOICE, LS_OUTPUT_SNAPSHOT],
    definition: jsonata('ChoiceState', {
      ChoiceState: {
        Type: 'Choice',
        Choices: [{ Condition: '{% $states.input.condition %}', Next: 'ConditionTrue', Output: 'Condition Output block' }],
        Default: 'DefaultState',
        Output: 'Default Output block',
      },
      ConditionTrue: { Type: 'Pass', End: true },
      DefaultState: { Type: 'Pass', Output: { received: '{% $states.input %}' }, End: true },
    }),
    input: { condition: false },
    expect: { status: 'SUCCEEDED', output: { received: 'Default Output block' } },
  },
  {
    name: 'Matched rule Assign sets a variable read by the next state',
    source: [LS_ASSIGN_CHOICE, DOC_CHOICE],
    definition: jsonata('ChoiceState', {
      ChoiceState: {
        Type: 'Choice',
        Choices: [{ Condition: '{% $states.input.condition %}', Next: 'ConditionTrue', Assign: { Assignment: 'Condition assignment' } }],
        Default: 'DefaultState',
      },
      ConditionTrue: { Type: 'Pass', Output: '{% $Assignment %}', End: true },
      DefaultState: { Type: 'Fail', Cause: 'Condition is false' },
    }),
    input: { condition: true },
    expect: { status: 'SUCCEEDED', output: 'Condition assignment' },
  },
  {
    name: 'Default path applies the state-level Assign',
    source: [LS_ASSIGN_CHOICE, DOC_CHOICE],
    definition: jsonata('ChoiceState', {
      ChoiceState: {
        Type: 'Choice',
        Choices: [{ Condition: '{% $states.input.condition %}', Next: 'ConditionTrue', Assign: { Assignment: 'Condition assignment' } }],
        Default: 'DefaultState',
        Assign: { Assignment: 'Default Assignment' },
      },
      ConditionTrue: { Type: 'Pass', End: true },
      DefaultState: { Type: 'Pass', Output: '{% $Assignment %}', End: true },
    }),
    input: { condition: false },
    expect: { status: 'SUCCEEDED', output: 'Default Assignment' },
  },
  {
    name: 'Rule Assign and Output read $states.input and variables from before the state',
    source: DOC_CHOICE,
    definition: jsonata('Init', {
      Init: { Type: 'Pass', Assign: { limit: 10 }, Next: 'C' },
      C: {
        Type: 'Choice',
        Choices: [
          {
            Condition: '{% $states.input.amount > $limit %}',
            Assign: { limit: '{% $states.input.amount %}', oldLimit: '{% $limit %}' },
            Output: { over: '{% $states.input.amount - $limit %}' },
            Next: 'Report',
          },
        ],
        Default: 'Report',
      },
      Report: { Type: 'Pass', Output: { over: '{% $states.input.over %}', limit: '{% $limit %}', oldLimit: '{% $oldLimit %}' }, End: true },
    }),
    input: { amount: 25 },
    expect: { status: 'SUCCEEDED', output: { over: 15, limit: 25, oldLimit: 10 } },
  },
  {
    name: 'Conditions can reference variables (type = local)',
    source: DOC_CHOICE,
    definition: jsonata('Init', {
      Init: { Type: 'Pass', Assign: { type: '{% $states.input.type %}', foo: 1 }, Next: 'C' },
      C: {
        Type: 'Choice',
        Choices: [
          { Condition: '{% $foo = 2 %}', Next: 'NumericMatchState' },
          { Condition: "{% $type = 'local' %}", Next: 'StringMatchState' },
        ],
        Default: 'Other',
      },
      NumericMatchState: { Type: 'Succeed' },
      StringMatchState: { Type: 'Succeed' },
      Other: { Type: 'Succeed' },
    }),
    input: { type: 'local' },
    expect: { status: 'SUCCEEDED', history: { statesEntered: ['Init', 'C', 'StringMatchState'] } },
  },
  {
    name: 'Null-safe condition from the docs ($possiblyNullValue != null and = 42)',
    source: DOC_CHOICE,
    definition: jsonata('Init', {
      Init: { Type: 'Pass', Assign: { possiblyNullValue: '{% $states.input.v %}' }, Next: 'C' },
      C: {
        Type: 'Choice',
        Choices: [{ Condition: '{% $possiblyNullValue != null and $possiblyNullValue = 42 %}', Next: 'NotNullAnd42' }],
        Default: 'Other',
      },
      NotNullAnd42: { Type: 'Succeed' },
      Other: { Type: 'Succeed' },
    }),
    input: { v: null },
    expect: { status: 'SUCCEEDED', history: { statesEntered: ['Init', 'C', 'Other'] } },
  },
  {
    name: 'A loop through Choice until a counter reaches a limit',
    source: [DOC_CHOICE, `${LS_SCEN}/lambda_repeat_until_loop.json5`],
    definition: jsonata('Init', {
      Init: { Type: 'Pass', Assign: { i: 0 }, Next: 'Inc' },
      Inc: { Type: 'Pass', Assign: { i: '{% $i + 1 %}' }, Next: 'Check' },
      Check: { Type: 'Choice', Choices: [{ Condition: '{% $i < 3 %}', Next: 'Inc' }], Default: 'Done' },
      Done: { Type: 'Pass', Output: '{% $i %}', End: true },
    }),
    expect: { status: 'SUCCEEDED', output: 3, history: { statesEntered: ['Init', 'Inc', 'Check', 'Inc', 'Check', 'Inc', 'Check', 'Done'] } },
  },
  {
    name: 'A comparison with a missing field is false, not an error',
    source: ['https://docs.jsonata.org/comparison-operators', DOC_CHOICE],
    definition: jsonata('C', {
      C: { Type: 'Choice', Choices: [{ Condition: '{% $states.input.missing = 1 %}', Next: 'Yes' }], Default: 'No' },
      Yes: { Type: 'Succeed' },
      No: { Type: 'Succeed' },
    }),
    input: { present: 1 },
    expect: { status: 'SUCCEEDED', history: { statesEntered: ['C', 'No'] } },
  },
];
