/** Workflow variables: Assign, evaluation order and scoping across Parallel branches and Map iterations. */
import { jsonata, lambdaArn, type Scenario } from '../types';

const DOC_VARS = 'https://docs.aws.amazon.com/step-functions/latest/dg/workflow-variables.html';
const DOC_JSONATA = 'https://docs.aws.amazon.com/step-functions/latest/dg/transforming-data.html';
const LS_ASSIGN = 'localstack/localstack tests/aws/services/stepfunctions/templates/assign/statemachines';

export const variableScenarios: Scenario[] = [
  {
    name: 'Assign constants; later states read them (productName/count/available docs example)',
    source: DOC_VARS,
    definition: jsonata('Set', {
      Set: { Type: 'Pass', Assign: { productName: 'product1', count: 42, available: true }, Next: 'Between' },
      Between: { Type: 'Pass', Output: 'unrelated', Next: 'Use' },
      Use: { Type: 'Pass', Output: { productName: '{% $productName %}', count: '{% $count %}', available: '{% $available %}' }, End: true },
    }),
    expect: { status: 'SUCCEEDED', output: { productName: 'product1', count: 42, available: true } },
  },
  {
    name: 'Docs JSONPath→JSONata conversion sample: Arguments with static, input, variable and a not-evaluated string',
    source: DOC_JSONATA,
    definition: jsonata('Init', {
      Init: { Type: 'Pass', Assign: { customerName: 'María' }, Next: 'Task' },
      Task: {
        Type: 'Task',
        Resource: 'arn:aws:states:::lambda:invoke',
        Arguments: {
          FunctionName: 'Echo',
          Payload: { static: 'Hello', title: '{% $states.input.title %}', name: '{% $customerName %}', 'not-evaluated': '$customerName' },
        },
        Output: '{% $states.result.Payload %}',
        End: true,
      },
    }),
    input: { title: 'Doctor' },
    expect: { status: 'SUCCEEDED', output: { static: 'Hello', title: 'Doctor', name: 'María', 'not-evaluated': '$customerName' } },
  },
  {
    name: 'Evaluation order: Output in the assigning state sees the previous value (BASE_EVALUATION_ORDER_PASS_STATE)',
    source: [`${LS_ASSIGN}/base_evaluation_order_pass_state.json5`, DOC_VARS],
    definition: jsonata('State0', {
      State0: {
        Type: 'Pass',
        Assign: { question: 'What is the answer to life the universe and everything?', answer: 42 },
        Next: 'State1',
      },
      State1: { Type: 'Pass', Assign: { answer: '<omitted>' }, Output: { answer: '{% $answer %}', question: '{% $question %}' }, Next: 'State2' },
      State2: { Type: 'Pass', Output: { before: '{% $states.input.answer %}', now: '{% $answer %}' }, End: true },
    }),
    expect: { status: 'SUCCEEDED', output: { before: 42, now: '<omitted>' } },
  },
  {
    name: 'All Assign expressions of one state read the values from before the state (swap)',
    source: DOC_VARS,
    definition: jsonata('Init', {
      Init: { Type: 'Pass', Assign: { x: 1, y: 2 }, Next: 'Swap' },
      Swap: { Type: 'Pass', Assign: { x: '{% $y %}', y: '{% $x %}', sum: '{% $x + $y %}' }, Next: 'Show' },
      Show: { Type: 'Pass', Output: { x: '{% $x %}', y: '{% $y %}', sum: '{% $sum %}' }, End: true },
    }),
    expect: { status: 'SUCCEEDED', output: { x: 2, y: 1, sum: 3 } },
  },
  {
    name: 'Variables hold any JSON value and can be reassigned',
    source: DOC_VARS,
    definition: jsonata('A', {
      A: { Type: 'Pass', Assign: { v: { nested: [1, 2, { deep: null }] }, s: 'text', n: null }, Next: 'B' },
      B: { Type: 'Pass', Assign: { v: '{% $append($v.nested, 3) %}' }, Next: 'C' },
      C: { Type: 'Pass', Output: { v: '{% $v %}', s: '{% $s %}', n: '{% $n %}' }, End: true },
    }),
    expect: { status: 'SUCCEEDED', output: { v: [1, 2, { deep: null }, 3], s: 'text', n: null } },
  },
  {
    name: 'Parallel: branches read outer variables (BASE_SCOPE_PARALLEL)',
    source: [`${LS_ASSIGN}/base_scope_parallel.json5`, DOC_VARS],
    definition: jsonata('State0', {
      State0: { Type: 'Pass', Assign: { x: 42 }, Next: 'State1' },
      State1: {
        Type: 'Parallel',
        End: true,
        Branches: [
          { StartAt: 'Branch1', States: { Branch1: { Type: 'Pass', Assign: { innerX: '{% $x %}', value: '{% $states.input %}' }, Next: 'B1Out' }, B1Out: { Type: 'Pass', Output: '{% $innerX %}', End: true } } },
          { StartAt: 'Branch21', States: { Branch21: { Type: 'Pass', Output: '{% $x + 1 %}', End: true } } },
          { StartAt: 'Branch31', States: { Branch31: { Type: 'Pass', Output: '{% $x + 2 %}', End: true } } },
        ],
      },
    }),
    expect: { status: 'SUCCEEDED', output: [42, 43, 44] },
  },
  {
    name: 'Parallel: each branch has its own scope; sibling assignments do not leak',
    source: DOC_VARS,
    definition: jsonata('P', {
      P: {
        Type: 'Parallel',
        Branches: [
          { StartAt: 'SetA', States: { SetA: { Type: 'Pass', Assign: { mine: 'A' }, Next: 'WaitA' }, WaitA: { Type: 'Wait', Seconds: 3, Next: 'ReadA' }, ReadA: { Type: 'Pass', Output: '{% $mine %}', End: true } } },
          { StartAt: 'SetB', States: { SetB: { Type: 'Pass', Assign: { mine: 'B' }, Next: 'WaitB' }, WaitB: { Type: 'Wait', Seconds: 1, Next: 'ReadB' }, ReadB: { Type: 'Pass', Output: '{% $mine %}', End: true } } },
        ],
        End: true,
      },
    }),
    expect: { status: 'SUCCEEDED', output: ['A', 'B'] },
  },
  {
    name: 'Parallel: variables assigned in a branch are not visible after the Parallel state',
    source: DOC_VARS,
    definition: jsonata('P', {
      P: {
        Type: 'Parallel',
        Branches: [{ StartAt: 'Inner', States: { Inner: { Type: 'Pass', Assign: { branchOnly: 'inside' }, End: true } } }],
        Next: 'After',
      },
      After: { Type: 'Pass', Output: { visible: '{% $exists($branchOnly) %}' }, End: true },
    }),
    expect: { status: 'SUCCEEDED', output: { visible: false } },
  },
  {
    name: 'Parallel: the Parallel state Assign (outer scope) is visible after it',
    source: DOC_VARS,
    definition: jsonata('P', {
      P: {
        Type: 'Parallel',
        Branches: [{ StartAt: 'Inner', States: { Inner: { Type: 'Pass', Output: 7, End: true } } }],
        Assign: { fromBranches: '{% $states.result[0] %}' },
        Next: 'After',
      },
      After: { Type: 'Pass', Output: '{% $fromBranches %}', End: true },
    }),
    expect: { status: 'SUCCEEDED', output: 7 },
  },
  {
    name: 'Map: iterations read outer variables; the outer value is unchanged afterwards (BASE_SCOPE_MAP)',
    source: [`${LS_ASSIGN}/base_scope_map.json5`, DOC_VARS],
    definition: jsonata('State0', {
      State0: { Type: 'Pass', Assign: { x: 42, items: [1, 2, 3] }, Next: 'State1' },
      State1: {
        Type: 'Map',
        Items: '{% $items %}',
        MaxConcurrency: 1,
        ItemProcessor: {
          ProcessorConfig: { Mode: 'INLINE' },
          StartAt: 'Inner',
          States: { Inner: { Type: 'Pass', Assign: { innerX: '{% $x + $states.input %}' }, Next: 'InnerOut' }, InnerOut: { Type: 'Pass', Output: '{% $innerX %}', End: true } },
        },
        Next: 'State2',
      },
      State2: { Type: 'Pass', Assign: { final: '{% $x %}' }, Output: { final: '{% $x %}', results: '{% $states.input %}', leaked: '{% $exists($innerX) %}' }, End: true },
    }),
    expect: { status: 'SUCCEEDED', output: { final: 42, results: [43, 44, 45], leaked: false } },
  },
  {
    name: 'Map: each iteration has its own scope (no cross-iteration leakage)',
    source: DOC_VARS,
    definition: jsonata('M', {
      M: {
        Type: 'Map',
        Items: [1, 2, 3],
        MaxConcurrency: 1,
        ItemProcessor: {
          StartAt: 'Check',
          States: {
            Check: { Type: 'Pass', Output: { sawPrevious: '{% $exists($seen) %}' }, Assign: { seen: '{% $states.input %}' }, End: true },
          },
        },
        End: true,
      },
    }),
    expect: { status: 'SUCCEEDED', output: [{ sawPrevious: false }, { sawPrevious: false }, { sawPrevious: false }] },
  },
  {
    name: 'Map: ItemSelector reads outer variables (MAP_STATE_REFERENCE_IN_ITEM_SELECTOR)',
    source: `${LS_ASSIGN}/map_state_reference_in_item_selector.json5`,
    definition: jsonata('Init', {
      Init: { Type: 'Pass', Assign: { bias: 100 }, Next: 'M' },
      M: {
        Type: 'Map',
        Items: [1, 2],
        ItemSelector: { v: '{% $states.context.Map.Item.Value + $bias %}' },
        ItemProcessor: { StartAt: 'P', States: { P: { Type: 'Pass', Output: '{% $states.input.v %}', End: true } } },
        End: true,
      },
    }),
    expect: { status: 'SUCCEEDED', output: [101, 102] },
  },
  {
    name: 'Variables referenced in Lambda task Arguments (BASE_REFERENCE_IN_LAMBDA_TASK_FIELDS)',
    source: `${LS_ASSIGN}/base_reference_in_lambda_task_fields.json5`,
    definition: jsonata('Init', {
      Init: { Type: 'Pass', Assign: { greeting: 'hi', who: '{% $states.input.who %}' }, Next: 'Call' },
      Call: { Type: 'Task', Resource: lambdaArn('Echo'), Arguments: { message: "{% $greeting & ' ' & $who %}" }, End: true },
    }),
    input: { who: 'there' },
    expect: { status: 'SUCCEEDED', output: { message: 'hi there' } },
  },
  {
    name: 'Variables referenced in Choice conditions and Fail Cause (BASE_REFERENCE_IN_CHOICE / _IN_FAIL)',
    source: [`${LS_ASSIGN}/base_reference_in_choice.json5`, `${LS_ASSIGN}/base_reference_in_fail.json5`],
    definition: jsonata('Init', {
      Init: { Type: 'Pass', Assign: { status: 'rejected', reason: 'budget' }, Next: 'C' },
      C: { Type: 'Choice', Choices: [{ Condition: "{% $status = 'rejected' %}", Next: 'Fail' }], Default: 'Ok' },
      Ok: { Type: 'Succeed' },
      Fail: { Type: 'Fail', Error: 'Rejected', Cause: "{% 'rejected because of ' & $reason %}" },
    }),
    expect: { status: 'FAILED', error: 'Rejected', cause: 'rejected because of budget' },
  },
  {
    name: 'Expressions nested inside an Assign object value are evaluated',
    source: DOC_VARS,
    definition: jsonata('A', {
      A: { Type: 'Pass', Assign: { obj: { sum: '{% 1 + 1 %}', list: ['{% $states.input.x %}', 'literal'] } }, Next: 'B' },
      B: { Type: 'Pass', Output: '{% $obj %}', End: true },
    }),
    input: { x: 'from input' },
    expect: { status: 'SUCCEEDED', output: { sum: 2, list: ['from input', 'literal'] } },
  },
  {
    name: 'Docs pattern: Assign product and currentPrice from a Task result, read them several states later',
    source: [DOC_VARS, 'https://sst.dev/docs/component/aws/step-functions/fail'],
    definition: jsonata('GetPrice', {
      GetPrice: {
        Type: 'Task',
        Resource: 'arn:aws:states:::lambda:invoke',
        Arguments: { FunctionName: 'Pricing', Payload: { product: '{% $states.input.order.product %}' } },
        Assign: { product: '{% $states.input.order.product %}', currentPrice: '{% $states.result.Payload.current_price %}' },
        Output: { price: '{% $states.result.Payload.current_price %}' },
        Next: 'Step2',
      },
      Step2: { Type: 'Pass', Output: 'unrelated', Next: 'Step3' },
      Step3: { Type: 'Wait', Seconds: 1, Next: 'Step4' },
      Step4: { Type: 'Pass', Output: { product: '{% $product %}', currentPrice: '{% $currentPrice %}', total: '{% $currentPrice * 2 %}' }, End: true },
    }),
    lambdas: () => ({ Pricing: async (event) => ({ product: (event as { product: string }).product, current_price: 12.5 }) }),
    input: { order: { product: 'widget' } },
    expect: { status: 'SUCCEEDED', output: { product: 'widget', currentPrice: 12.5, total: 25 } },
  },
  {
    name: 'A long loop of 300 iterations over variables completes (about 1,200 history events)',
    source: [DOC_VARS, 'https://docs.aws.amazon.com/step-functions/latest/dg/service-quotas.html'],
    definition: jsonata('Init', {
      Init: { Type: 'Pass', Assign: { i: 0, acc: 0 }, Next: 'Step' },
      Step: { Type: 'Pass', Assign: { i: '{% $i + 1 %}', acc: '{% $acc + $i %}' }, Next: 'Check' },
      Check: { Type: 'Choice', Choices: [{ Condition: '{% $i < 300 %}', Next: 'Step' }], Default: 'Done' },
      Done: { Type: 'Pass', Output: { i: '{% $i %}', acc: '{% $acc %}' }, End: true },
    }),
    expect: { status: 'SUCCEEDED', output: { i: 300, acc: 44850 } },
  },
  {
    name: 'Nested scopes: a Map inside a Parallel branch inside a Map reads the top-level variable and its own enclosing ones',
    source: DOC_VARS,
    definition: jsonata('Init', {
      Init: { Type: 'Pass', Assign: { top: 'T' }, Next: 'Outer' },
      Outer: {
        Type: 'Map',
        Items: ['a', 'b'],
        ItemProcessor: {
          StartAt: 'SetOuter',
          States: {
            SetOuter: { Type: 'Pass', Assign: { outer: '{% $states.input %}' }, Next: 'Par' },
            Par: {
              Type: 'Parallel',
              Branches: [
                {
                  StartAt: 'Inner',
                  States: {
                    Inner: {
                      Type: 'Map',
                      Items: [1, 2],
                      ItemProcessor: { StartAt: 'Leaf', States: { Leaf: { Type: 'Pass', Output: "{% $top & $outer & $string($states.input) %}", End: true } } },
                      End: true,
                    },
                  },
                },
              ],
              Output: '{% $states.result[0] %}',
              End: true,
            },
          },
        },
        End: true,
      },
    }),
    expect: { status: 'SUCCEEDED', output: [['Ta1', 'Ta2'], ['Tb1', 'Tb2']] },
  },
];
