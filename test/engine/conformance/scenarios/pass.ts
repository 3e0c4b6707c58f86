/** Pass state, Output literals and expressions. */
import { jsonata, type Scenario } from '../types';

const LS_OUTPUT = 'localstack/localstack tests/aws/services/stepfunctions/templates/outputdecl/statemachines';
const LS_OUTPUT_SNAPSHOT = 'localstack/localstack tests/aws/services/stepfunctions/v2/outputdecl/test_output.snapshot.json';
const DOC_PASS = 'https://docs.aws.amazon.com/step-functions/latest/dg/state-pass.html';
const DOC_JSONATA = 'https://docs.aws.amazon.com/step-functions/latest/dg/transforming-data.html';

export const passScenarios: Scenario[] = [
  {
    name: 'Pass without Output passes its input through',
    source: DOC_PASS,
    definition: jsonata('P', { P: { Type: 'Pass', End: true } }),
    input: { a: 1, b: [true, null] },
    expect: { status: 'SUCCEEDED', output: { a: 1, b: [true, null] }, history: { statesEntered: ['P'] } },
  },
  {
    name: 'Pass with an empty object Output (BASE_EMPTY)',
    source: [`${LS_OUTPUT}/base_empty.json5`, LS_OUTPUT_SNAPSHOT],
    definition: jsonata('State0', { State0: { Type: 'Pass', Output: {}, End: true } }),
    input: { input_value: 'string literal', input_values: [1, 2, 3] },
    expect: { status: 'SUCCEEDED', output: {} },
  },
  {
    name: 'Output literals are not evaluated unless the whole string is {% %} (BASE_LITERALS)',
    source: [`${LS_OUTPUT}/base_literals.json5`, LS_OUTPUT_SNAPSHOT],
    definition: {
      StartAt: 'State0',
      States: {
        State0: {
          QueryLanguage: 'JSONata',
          Type: 'Pass',
          Output: {
            constant_null: null,
            constant_int: 0,
            constant_float: 0.1,
            constant_bool: true,
            constant_str: 'constant string',
            constant_not_jsonata: ' {% states.input %} ',
            constant_varpath_states: '$states.input',
            constant_varpath: '$no.such.var.path',
            constant_jp_input: '$',
            'constant_jp_input.$': '$',
            constant_jp_input_path: '$.input_value',
            constant_jp_context: '$$',
            constant_if: "States.Format('Format:{}', 101)",
            constant_lst_empty: [],
            constant_lst: [null, 0, 0.1, true, [], { constant: 0 }, ' {% states.input %} ', '$states.input', '$no.such.var.path'],
            constant_obj_empty: {},
            constant_obj: { in_obj_constant_str: 'constant string', in_obj_constant_obj: { constant: 0 } },
          },
          End: true,
        },
      },
    },
    input: { input_value: 'string literal', input_values: [1, 2, 3] },
    expect: {
      status: 'SUCCEEDED',
      output: {
        constant_null: null,
        constant_int: 0,
        constant_float: 0.1,
        constant_bool: true,
        constant_str: 'constant string',
        constant_not_jsonata: ' {% states.input %} ',
        constant_varpath_states: '$states.input',
        constant_varpath: '$no.such.var.path',
        constant_jp_input: '$',
        'constant_jp_input.$': '$',
        constant_jp_input_path: '$.input_value',
        constant_jp_context: '$$',
        constant_if: "States.Format('Format:{}', 101)",
        constant_lst_empty: [],
        constant_lst: [null, 0, 0.1, true, [], { constant: 0 }, ' {% states.input %} ', '$states.input', '$no.such.var.path'],
        constant_obj_empty: {},
        constant_obj: { in_obj_constant_str: 'constant string', in_obj_constant_obj: { constant: 0 } },
      },
    },
  },
  {
    name: 'Output expressions over $states.input, a variable and $sum (BASE_EXPR)',
    source: [`${LS_OUTPUT}/base_expr.json5`, LS_OUTPUT_SNAPSHOT],
    definition: jsonata('Init', {
      Init: { Type: 'Pass', Assign: { var_input_value: '{% $states.input.input_value %}', var_constant_1: 1 }, Next: 'State0' },
      State0: {
        Type: 'Pass',
        Output: {
          ja_states_input: '{% $states.input %}',
          ja_var_access: '{% $var_input_value %}',
          ja_expr: '{% $sum($states.input.input_values) + $var_constant_1 %}',
        },
        End: true,
      },
    }),
    input: { input_value: 'string literal', input_values: [1, 2, 3] },
    expect: {
      status: 'SUCCEEDED',
      output: { ja_states_input: { input_value: 'string literal', input_values: [1, 2, 3] }, ja_var_access: 'string literal', ja_expr: 7 },
    },
  },
  {
    name: 'Output as one direct expression yields a number (BASE_DIRECT_EXPR)',
    source: [`${LS_OUTPUT}/base_direct_expr.json5`, LS_OUTPUT_SNAPSHOT],
    definition: jsonata('Init', {
      Init: { Type: 'Pass', Assign: { var_constant_1: 1 }, Next: 'State0' },
      State0: { Type: 'Pass', Output: '{% $sum($states.input.input_values) + $var_constant_1 %}', End: true },
    }),
    input: { input_value: 'string literal', input_values: [1, 2, 3] },
    expect: { status: 'SUCCEEDED', output: 7 },
  },
  {
    name: 'Output may be a float (BASE_OUTPUT_ANY FLOAT)',
    source: [`${LS_OUTPUT}/base_output_any.json5`, LS_OUTPUT_SNAPSHOT],
    definition: jsonata('F', { F: { Type: 'Pass', Output: 0.1, End: true } }),
    input: { input_value: 'stringliteral' },
    expect: { status: 'SUCCEEDED', output: 0.1 },
  },
  {
    name: 'Output may be a boolean (BASE_OUTPUT_ANY BOOL)',
    source: [`${LS_OUTPUT}/base_output_any.json5`, LS_OUTPUT_SNAPSHOT],
    definition: jsonata('B', { B: { Type: 'Pass', Output: true, End: true } }),
    input: { input_value: 'stringliteral' },
    expect: { status: 'SUCCEEDED', output: true },
  },
  {
    name: 'Output array literal with an embedded expression (LIST_RICH)',
    source: [`${LS_OUTPUT}/base_output_any.json5`, LS_OUTPUT_SNAPSHOT],
    definition: jsonata('L', {
      L: { Type: 'Pass', Output: [null, 0, 0.1, true, 'string', [], '$nosuchvar', '$.no.such.path', '{% $states.input %}', { key: true }], End: true },
    }),
    input: { input_value: 'stringliteral' },
    expect: {
      status: 'SUCCEEDED',
      output: [null, 0, 0.1, true, 'string', [], '$nosuchvar', '$.no.such.path', { input_value: 'stringliteral' }, { key: true }],
    },
  },
  {
    name: 'Output string literal (STR_LIT) and the next state receives it as input',
    source: [`${LS_OUTPUT}/base_output_any.json5`, LS_OUTPUT_SNAPSHOT],
    definition: jsonata('S', {
      S: { Type: 'Pass', Output: 'string literal', Next: 'T' },
      T: { Type: 'Pass', Output: { received: '{% $states.input %}' }, End: true },
    }),
    expect: { status: 'SUCCEEDED', output: { received: 'string literal' }, history: { statesEntered: ['S', 'T'] } },
  },
  {
    name: 'A state-level QueryLanguage JSONata inside a machine without the top-level field',
    source: 'localstack/localstack tests/aws/services/stepfunctions/templates/querylanguage/statemachines/base_pass_jsonata.json5',
    definition: {
      StartAt: 'P',
      States: { P: { Type: 'Pass', QueryLanguage: 'JSONata', Output: { doubled: '{% $states.input.n * 2 %}' }, End: true } },
    },
    input: { n: 21 },
    expect: { status: 'SUCCEEDED', output: { doubled: 42 } },
  },
  {
    name: 'JSONata path filters, $join, $uppercase and $sum over a mapped expression',
    source: DOC_JSONATA,
    definition: jsonata('P', {
      P: {
        Type: 'Pass',
        Output: {
          upper: '{% $uppercase($states.input.name) %}',
          joined: "{% $join($states.input.tags, ', ') %}",
          total: '{% $sum($states.input.items.(price * qty)) %}',
          expensive: '{% $states.input.items[price > 10].sku %}',
        },
        End: true,
      },
    }),
    input: { name: 'widget', tags: ['a', 'b'], items: [{ sku: 'x', price: 5, qty: 2 }, { sku: 'y', price: 20, qty: 1 }] },
    expect: { status: 'SUCCEEDED', output: { upper: 'WIDGET', joined: 'a, b', total: 30, expensive: 'y' } },
  },
  {
    name: 'Inside a JSONata object constructor an undefined value drops the key (only a top-level undefined is an error)',
    source: ['https://docs.jsonata.org/construction', 'https://docs.aws.amazon.com/step-functions/latest/dg/transforming-data.html'],
    definition: jsonata('P', { P: { Type: 'Pass', Output: "{% {'a': $states.input.missing, 'b': 1} %}", End: true } }),
    input: { present: true },
    expect: { status: 'SUCCEEDED', output: { b: 1 } },
  },
  {
    name: 'Expressions nested in arrays and objects of a template are evaluated',
    source: 'https://docs.aws.amazon.com/step-functions/latest/dg/transforming-data.html',
    definition: jsonata('P', {
      P: { Type: 'Pass', Output: { list: ['{% $states.input.a %}', 2, { x: '{% $states.input.b %}', y: ['{% $states.input.a + $states.input.b %}'] }] }, End: true },
    }),
    input: { a: 1, b: 2 },
    expect: { status: 'SUCCEEDED', output: { list: [1, 2, { x: 2, y: [3] }] } },
  },
  {
    name: 'State names with spaces, punctuation and non-ASCII letters',
    source: ['https://docs.aws.amazon.com/step-functions/latest/dg/statemachine-structure.html', 'https://docs.aws.amazon.com/step-functions/latest/apireference/API_CreateStateMachine.html'],
    definition: jsonata('Step 1: fetch (v2)', {
      'Step 1: fetch (v2)': { Type: 'Pass', Output: { from: '{% $states.context.State.Name %}' }, Next: 'Étape 2 — ünïcode' },
      'Étape 2 — ünïcode': { Type: 'Pass', Output: { first: '{% $states.input.from %}', second: '{% $states.context.State.Name %}' }, End: true },
    }),
    expect: {
      status: 'SUCCEEDED',
      output: { first: 'Step 1: fetch (v2)', second: 'Étape 2 — ünïcode' },
      history: { statesEntered: ['Step 1: fetch (v2)', 'Étape 2 — ünïcode'] },
    },
  },
];
