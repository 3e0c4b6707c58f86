/** Inline Map state: Items, ItemSelector, ItemProcessor, MaxConcurrency, $states.context.Map.Item. */
import type { LambdaHandler } from '../../../../local/engine/api';
import { jsonata, lambdaArn, namedError, sleep, type Probe, type Scenario } from '../types';

const DOC_MAP = 'https://docs.aws.amazon.com/step-functions/latest/dg/state-map-inline.html';
const DOC_ITEMSELECTOR = 'https://docs.aws.amazon.com/step-functions/latest/dg/input-output-itemselector.html';
const LS_SCEN = 'localstack/localstack tests/aws/services/stepfunctions/templates/scenarios/statemachines';

/** A Lambda that records how many invocations overlap; each call takes `ms` of real time. */
function concurrencyProbe(probe: Probe, ms: number): LambdaHandler {
  let inflight = 0;
  probe.set('maxInflight', 0);
  return async (event) => {
    inflight += 1;
    probe.push('started', event);
    const seen = probe.values.get('maxInflight');
    if (typeof seen === 'number' && inflight > seen) probe.set('maxInflight', inflight);
    await sleep(ms);
    inflight -= 1;
    return event;
  };
}

const shipInput = {
  'ship-date': '2016-03-14T01:59:00Z',
  detail: {
    'delivery-partner': 'UQS',
    shipped: [
      { prod: 'R31', 'dest-code': 9511, quantity: 1344 },
      { prod: 'S39', 'dest-code': 9511, quantity: 40 },
      { prod: 'R31', 'dest-code': 9833, quantity: 12 },
      { prod: 'R40', 'dest-code': 9860, quantity: 887 },
      { prod: 'R40', 'dest-code': 9511, quantity: 1220 },
    ],
  },
};

const passThroughMap = (extra: Record<string, unknown>): Record<string, unknown> => ({
  Type: 'Map',
  ItemProcessor: { ProcessorConfig: { Mode: 'INLINE' }, StartAt: 'Pass', States: { Pass: { Type: 'Pass', End: true } } },
  End: true,
  ...extra,
});

export const mapScenarios: Scenario[] = [
  {
    name: 'Docs example: validate-all over detail.shipped with ItemSelector parcel/courier',
    source: [DOC_MAP, DOC_ITEMSELECTOR],
    definition: jsonata('Validate-All', {
      'Validate-All': {
        Type: 'Map',
        Items: '{% $states.input.detail.shipped %}',
        ItemSelector: { parcel: '{% $states.context.Map.Item.Value %}', courier: '{% $states.input.detail.`delivery-partner` %}' },
        MaxConcurrency: 0,
        ItemProcessor: {
          ProcessorConfig: { Mode: 'INLINE' },
          StartAt: 'Validate',
          States: { Validate: { Type: 'Task', Resource: lambdaArn('ship-val'), End: true } },
        },
        End: true,
      },
    }),
    lambdas: () => ({
      'ship-val': async (event) => {
        const { parcel, courier } = event as { parcel: { prod: string; quantity: number }; courier: string };
        return `${parcel.prod}x${parcel.quantity} via ${courier}`;
      },
    }),
    input: shipInput,
    expect: {
      status: 'SUCCEEDED',
      output: ['R31x1344 via UQS', 'S39x40 via UQS', 'R31x12 via UQS', 'R40x887 via UQS', 'R40x1220 via UQS'],
      invocations: { 'ship-val': 5 },
      history: { eventCounts: { MapIterationStarted: 5, MapIterationSucceeded: 5 }, eventTypesInOrder: ['MapStateEntered', 'MapStateStarted', 'MapStateSucceeded', 'MapStateExited'] },
    },
  },
  {
    name: 'ItemSelector with Map.Item.Value, a variable and a string literal (LocalStack MAP_STATE_ITEM_SELECTOR_JSONATA)',
    source: `${LS_SCEN}/map_state_item_selector_jsonata.json5`,
    definition: jsonata('Start', {
      Start: { Type: 'Pass', Assign: { ItemsVar: ['Item1', 'Item2'] }, Next: 'MapIterateState' },
      MapIterateState: {
        Type: 'Map',
        MaxConcurrency: 1,
        Items: '{% $ItemsVar %}',
        ItemSelector: { map_item_value: '{% $states.context.Map.Item.Value %}', var_sample: '{% $ItemsVar %}', string_literal: 'string literal' },
        ItemProcessor: { ProcessorConfig: { Mode: 'INLINE' }, StartAt: 'Pass', States: { Pass: { Type: 'Pass', End: true } } },
        End: true,
      },
    }),
    expect: {
      status: 'SUCCEEDED',
      output: [
        { map_item_value: 'Item1', var_sample: ['Item1', 'Item2'], string_literal: 'string literal' },
        { map_item_value: 'Item2', var_sample: ['Item1', 'Item2'], string_literal: 'string literal' },
      ],
    },
  },
  {
    name: 'Items from a variable, no ItemSelector: each item is the iteration input (MAP_STATE_ITEMS_VARIABLE)',
    source: `${LS_SCEN}/map_state_items_variable.json5`,
    definition: jsonata('Start', {
      Start: { Type: 'Pass', Assign: { ItemsVar: [{ a: 1 }, { a: 2 }, 'three'] }, Next: 'MapIterateState' },
      MapIterateState: passThroughMap({ MaxConcurrency: 1, Items: '{% $ItemsVar %}' }),
    }),
    expect: { status: 'SUCCEEDED', output: [{ a: 1 }, { a: 2 }, 'three'], history: { statesEntered: ['Start', 'MapIterateState', 'Pass', 'Pass', 'Pass'] } },
  },
  {
    name: 'Items as a literal JSON array (MAP_STATE_ITEMS_LITERAL)',
    source: `${LS_SCEN}/map_state_items_literal.json5`,
    definition: jsonata('M', { M: passThroughMap({ Items: [1, 'two', { three: 3 }, [4]] }) }),
    expect: { status: 'SUCCEEDED', output: [1, 'two', { three: 3 }, [4]] },
  },
  {
    name: 'Without Items the state input array is iterated',
    source: DOC_MAP,
    definition: jsonata('M', { M: passThroughMap({}) }),
    input: ['a', 'b'],
    expect: { status: 'SUCCEEDED', output: ['a', 'b'] },
  },
  {
    name: 'Empty Items yields an empty array',
    source: DOC_MAP,
    definition: jsonata('M', { M: passThroughMap({ Items: '{% $states.input.list %}' }) }),
    input: { list: [] },
    expect: { status: 'SUCCEEDED', output: [] },
  },
  {
    name: 'ItemSelector exposes Map.Item.Index and the Map state input',
    source: [DOC_ITEMSELECTOR, 'https://docs.aws.amazon.com/step-functions/latest/dg/input-output-contextobject.html'],
    definition: jsonata('M', {
      M: passThroughMap({
        Items: '{% $states.input.names %}',
        ItemSelector: { index: '{% $states.context.Map.Item.Index %}', name: '{% $states.context.Map.Item.Value %}', prefix: '{% $states.input.prefix %}' },
      }),
    }),
    input: { prefix: 'Dr.', names: ['Ada', 'Grace'] },
    expect: { status: 'SUCCEEDED', output: [{ index: 0, name: 'Ada', prefix: 'Dr.' }, { index: 1, name: 'Grace', prefix: 'Dr.' }] },
  },
  {
    name: 'ItemProcessor with several states; iteration $states.input is the selected item',
    source: DOC_MAP,
    definition: jsonata('M', {
      M: {
        Type: 'Map',
        Items: '{% $states.input.numbers %}',
        ItemSelector: { n: '{% $states.context.Map.Item.Value %}' },
        ItemProcessor: {
          StartAt: 'Square',
          States: {
            Square: { Type: 'Pass', Output: { n: '{% $states.input.n %}', sq: '{% $states.input.n * $states.input.n %}' }, Next: 'Even' },
            Even: {
              Type: 'Choice',
              Choices: [{ Condition: '{% $states.input.sq % 2 = 0 %}', Next: 'IsEven' }],
              Default: 'IsOdd',
            },
            IsEven: { Type: 'Pass', Output: "{% $string($states.input.n) & ' even' %}", End: true },
            IsOdd: { Type: 'Pass', Output: "{% $string($states.input.n) & ' odd' %}", End: true },
          },
        },
        End: true,
      },
    }),
    input: { numbers: [1, 2, 3] },
    expect: { status: 'SUCCEEDED', output: ['1 odd', '2 even', '3 odd'] },
  },
  {
    name: 'MaxConcurrency 1 runs iterations one at a time, in order',
    source: [DOC_MAP, 'localstack/localstack tests/aws/services/stepfunctions/templates/assign/statemachines/base_scope_map.json5'],
    definition: jsonata('M', {
      M: {
        Type: 'Map',
        Items: '{% $states.input.items %}',
        MaxConcurrency: 1,
        ItemProcessor: { StartAt: 'Work', States: { Work: { Type: 'Task', Resource: lambdaArn('Work'), End: true } } },
        End: true,
      },
    }),
    lambdas: (probe) => ({ Work: concurrencyProbe(probe, 5) }),
    input: { items: ['a', 'b', 'c', 'd'] },
    expect: { status: 'SUCCEEDED', output: ['a', 'b', 'c', 'd'], probe: { maxInflight: 1, started: ['a', 'b', 'c', 'd'] } },
  },
  {
    name: 'MaxConcurrency 2 never runs more than two iterations at once, and does run two',
    source: DOC_MAP,
    definition: jsonata('M', {
      M: {
        Type: 'Map',
        Items: '{% $states.input.items %}',
        MaxConcurrency: 2,
        ItemProcessor: { StartAt: 'Work', States: { Work: { Type: 'Task', Resource: lambdaArn('Work'), End: true } } },
        End: true,
      },
    }),
    lambdas: (probe) => ({ Work: concurrencyProbe(probe, 20) }),
    input: { items: [1, 2, 3, 4, 5, 6] },
    expect: { status: 'SUCCEEDED', output: [1, 2, 3, 4, 5, 6], probe: { maxInflight: 2 }, invocations: { Work: 6 } },
  },
  {
    name: 'MaxConcurrency as a JSONata expression',
    source: ['localstack/localstack tests/aws/services/stepfunctions/templates/assign/statemachines/map_state_reference_in_max_concurrency_path.json5', DOC_MAP],
    definition: jsonata('M', {
      M: {
        Type: 'Map',
        Items: '{% $states.input.items %}',
        MaxConcurrency: '{% $states.input.limit %}',
        ItemProcessor: { StartAt: 'Work', States: { Work: { Type: 'Task', Resource: lambdaArn('Work'), End: true } } },
        End: true,
      },
    }),
    lambdas: (probe) => ({ Work: concurrencyProbe(probe, 20) }),
    input: { limit: 3, items: [1, 2, 3, 4, 5, 6, 7] },
    expect: { status: 'SUCCEEDED', output: [1, 2, 3, 4, 5, 6, 7], probe: { maxInflight: 3 } },
  },
  {
    name: 'MaxConcurrency 0 (unlimited) runs all iterations concurrently',
    source: DOC_MAP,
    definition: jsonata('M', {
      M: {
        Type: 'Map',
        Items: '{% $states.input.items %}',
        MaxConcurrency: 0,
        ItemProcessor: { StartAt: 'Work', States: { Work: { Type: 'Task', Resource: lambdaArn('Work'), End: true } } },
        End: true,
      },
    }),
    lambdas: (probe) => ({ Work: concurrencyProbe(probe, 40) }),
    input: { items: [1, 2, 3, 4] },
    expect: { status: 'SUCCEEDED', output: [1, 2, 3, 4], probe: { maxInflight: 4 } },
  },
  {
    name: 'Map Output and Assign read $states.result (the array of iteration outputs)',
    source: DOC_MAP,
    definition: jsonata('M', {
      M: passThroughMap({
        Items: '{% $states.input.prices %}',
        Assign: { n: '{% $count($states.result) %}' },
        Output: { total: '{% $sum($states.result) %}', original: '{% $states.input.prices %}' },
        End: undefined,
        Next: 'After',
      }),
      After: { Type: 'Pass', Output: { total: '{% $states.input.total %}', n: '{% $n %}' }, End: true },
    }),
    input: { prices: [3, 4, 5] },
    expect: { status: 'SUCCEEDED', output: { total: 12, n: 3 } },
  },
  {
    name: 'A failing iteration fails the Map state with the iteration error',
    source: [DOC_MAP, `${LS_SCEN}/map_state_catch.json5`],
    definition: jsonata('M', {
      M: {
        Type: 'Map',
        Items: '{% $states.input.items %}',
        MaxConcurrency: 1,
        ItemProcessor: {
          StartAt: 'Check',
          States: {
            Check: { Type: 'Choice', Choices: [{ Condition: "{% $states.input = 'bad' %}", Next: 'Bad' }], Default: 'Good' },
            Bad: { Type: 'Fail', Error: 'BadItem', Cause: 'item was bad' },
            Good: { Type: 'Pass', End: true },
          },
        },
        End: true,
      },
    }),
    input: { items: ['ok', 'bad', 'ok'] },
    expect: { status: 'FAILED', error: 'BadItem', cause: 'item was bad', history: { eventTypesInOrder: ['MapStateEntered', 'MapIterationFailed', 'MapStateFailed', 'ExecutionFailed'] } },
  },
  {
    name: 'A failing iteration is caught on the Map state',
    source: `${LS_SCEN}/map_state_catch.json5`,
    definition: jsonata('M', {
      M: {
        Type: 'Map',
        Items: '{% $states.input.items %}',
        ItemProcessor: { StartAt: 'Call', States: { Call: { Type: 'Task', Resource: lambdaArn('Picky'), End: true } } },
        Catch: [{ ErrorEquals: ['States.ALL'], Output: { caught: '{% $states.errorOutput.Error %}' }, Next: 'Handled' }],
        End: true,
      },
      Handled: { Type: 'Pass', End: true },
    }),
    lambdas: () => ({
      Picky: async (event) => {
        if (event === 2) throw namedError('PickyError', 'no twos');
        return event;
      },
    }),
    input: { items: [1, 2, 3] },
    expect: { status: 'SUCCEEDED', output: { caught: 'PickyError' } },
  },
  {
    name: 'Nested Map: inner iterations see their own Map.Item.Index',
    source: [`${LS_SCEN}/map_state_nested.json5`, DOC_MAP],
    definition: jsonata('Outer', {
      Outer: {
        Type: 'Map',
        Items: '{% $states.input.rows %}',
        ItemSelector: { row: '{% $states.context.Map.Item.Index %}', cells: '{% $states.context.Map.Item.Value %}' },
        ItemProcessor: {
          StartAt: 'Inner',
          States: {
            Inner: {
              Type: 'Map',
              Items: '{% $states.input.cells %}',
              ItemSelector: { at: "{% $string($states.input.row) & ',' & $string($states.context.Map.Item.Index) %}", v: '{% $states.context.Map.Item.Value %}' },
              ItemProcessor: { StartAt: 'Cell', States: { Cell: { Type: 'Pass', Output: "{% $states.input.at & '=' & $states.input.v %}", End: true } } },
              End: true,
            },
          },
        },
        End: true,
      },
    }),
    input: { rows: [['a', 'b'], ['c']] },
    expect: { status: 'SUCCEEDED', output: [['0,0=a', '0,1=b'], ['1,0=c']] },
  },
  {
    name: 'A Succeed state ends one iteration with its output',
    source: [DOC_MAP, 'https://docs.aws.amazon.com/step-functions/latest/dg/state-succeed.html'],
    definition: jsonata('M', {
      M: {
        Type: 'Map',
        Items: [1, 2, 3],
        ItemProcessor: {
          StartAt: 'C',
          States: {
            C: { Type: 'Choice', Choices: [{ Condition: '{% $states.input = 2 %}', Next: 'Early' }], Default: 'Normal' },
            Early: { Type: 'Succeed', Output: 'early' },
            Normal: { Type: 'Pass', Output: '{% $states.input * 10 %}', End: true },
          },
        },
        End: true,
      },
    }),
    expect: { status: 'SUCCEEDED', output: [10, 'early', 30] },
  },
  {
    name: 'A Map over 200 items with unlimited concurrency keeps item order',
    source: DOC_MAP,
    definition: jsonata('M', {
      M: {
        Type: 'Map',
        Items: '{% $range(1, 200, 1) %}',
        ItemProcessor: { StartAt: 'Sq', States: { Sq: { Type: 'Pass', Output: '{% $states.input * $states.input %}', End: true } } },
        Output: { count: '{% $count($states.result) %}', first: '{% $states.result[0] %}', last: '{% $states.result[199] %}', sum: '{% $sum($states.result) %}' },
        End: true,
      },
    }),
    expect: { status: 'SUCCEEDED', output: { count: 200, first: 1, last: 40000, sum: 2686700 } },
  },
];
