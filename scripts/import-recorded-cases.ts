/**
 * Imports LocalStack's Step Functions snapshots recorded against real AWS
 * (tests/aws/services/stepfunctions/v2/**\/*.snapshot.json, templates under
 * tests/aws/services/stepfunctions/templates/) as conformance cases for the
 * embedded engine: test/engine/recorded/cases.json.
 *
 * Only state machines that need no other AWS service and that the engine's
 * query language covers (JSONata: Pass, Choice, Wait, Succeed, Fail, Parallel,
 * inline Map) are imported. The table below names, for each recorded test, the
 * template it ran and how the Python test changed it (parameters), taken from
 * the test's source. The execution input is the recorded `ExecutionStarted`
 * input unless the snapshot masked it (then the test's own input is given).
 *
 * Usage (needs LocalStack's repository as a bare git dir; not needed at test time):
 *   npx tsx scripts/import-recorded-cases.ts [/path/to/localstack.git]
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const GIT_DIR = process.argv[2] ?? '/work/.mirror/localstack+localstack/repo';
const V2 = 'tests/aws/services/stepfunctions/v2';
const TPL = 'tests/aws/services/stepfunctions/templates';
const OUT = join(dirname(fileURLToPath(import.meta.url)), '..', 'test', 'engine', 'recorded', 'cases.json');

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

interface Rule {
  /** Snapshot file under v2/, without `.snapshot.json`. */
  file: string;
  /** Test id as in the snapshot key after the class (`test_x[PARAM]`). */
  test: string;
  /** Template under templates/. */
  template: string;
  /** Replaces text in `json.dumps(template)` as the Python test does. */
  replace?: [string, string];
  /** `template["States"][state].update(fields)`. */
  update?: { state: string; fields: JsonObject };
  /** The input the test passed, where the snapshot masked it. */
  input?: Json;
  /** Why the case cannot apply to this engine (kept, reported, not counted). */
  notApplicable?: string;
}

const S = 'scenarios/test_base_scenarios';
const ST = 'scenarios/statemachines';
const rules: Rule[] = [];
const add = (rule: Rule): void => {
  rules.push(rule);
};

// assign/test_assign_base.py::test_assign_in_choice
for (const id of ['CONDITION_TRUE', 'CONDITION_FALSE']) {
  add({ file: 'assign/test_assign_base', test: `test_assign_in_choice[${id}]`, template: 'assign/statemachines/choice_condition_jsonata.json5' });
}
// assign/test_assign_reference_variables.py::test_undefined_reference (the ARGUMENTS ids invoke a Lambda)
for (const id of ['BASE_UNDEFINED_OUTPUT', 'BASE_UNDEFINED_OUTPUT_FIELD', 'BASE_UNDEFINED_OUTPUT_MULTIPLE_STATES', 'BASE_UNDEFINED_ASSIGN']) {
  add({ file: 'assign/test_assign_reference_variables', test: `test_undefined_reference[${id}]`, template: `assign/statemachines/${id.toLowerCase()}.json5` });
}
// evaluate_jsonata/test_base_evaluate_expressions.py
const EJT = 'evaluatejsonata/statemachines';
const regex: Record<string, string> = {
  BASE: '{% $contains("hello$world", /^hello\\$/) %}',
  BASE_FALSE: '{% $contains("hello$world", /^hello\\ /) %}',
  BASE_SINGLE_QUOTE: "{% $contains('hello$world', /^hello\\$/) %}",
  BASE_SINGLE_QUOTE_FALSE: "{% $contains('hello$world', /^hello\\ /) %}",
};
for (const [id, expr] of Object.entries(regex)) {
  add({ file: 'evaluate_jsonata/test_base_evaluate_expressions', test: `test_base_jsonata_regular_expressions[${id}]`, template: `${EJT}/base_pass.json5`, update: { state: 'Start', fields: { Output: expr } } });
}
add({
  file: 'evaluate_jsonata/test_base_evaluate_expressions',
  test: 'test_merge_with_dynamic_args',
  template: `${EJT}/base_pass.json5`,
  update: { state: 'Start', fields: { Output: '{% $merge([$states.input.part1, $states.input.part2]) %}' } },
});
const NUM = '{% $variable := 1 %}';
const mapFields: Record<string, JsonObject> = {
  ITEMS: { Items: [1, '{% $number("2") %}', 3] },
  ITEMS_DOUBLE_QUOTES: { Items: [1, "{% $number('2') %}", 3] },
  MAX_CONCURRENCY: { MaxConcurrency: NUM },
  TOLERATED_FAILURE_PERCENTAGE: { ToleratedFailurePercentage: NUM },
  TOLERATED_FAILURE_COUNT: { ToleratedFailureCount: NUM },
};
for (const [id, fields] of Object.entries(mapFields)) {
  add({ file: 'evaluate_jsonata/test_base_evaluate_expressions', test: `test_base_map[${id}]`, template: `${EJT}/base_map.json5`, update: { state: 'Start', fields } });
}
const fromInput: Record<string, string> = { ITEMS: 'Items', MAX_CONCURRENCY: 'MaxConcurrency', TOLERATED_FAILURE_PERCENTAGE: 'ToleratedFailurePercentage', TOLERATED_FAILURE_COUNT: 'ToleratedFailureCount' };
for (const [id, field] of Object.entries(fromInput)) {
  add({
    file: 'evaluate_jsonata/test_base_evaluate_expressions',
    test: `test_base_map_from_input[${id}]`,
    template: `${EJT}/base_map.json5`,
    update: { state: 'Start', fields: { [field]: '{% $states.input.input_value %}' } },
  });
}
// intrinsic_functions/*_jsonata.py: one template, several recorded executions each
add({ file: 'intrinsic_functions/test_array_jsonata', test: 'test_array_partition', template: 'intrinsicfunctions/statemachines/array/array_partition_jsonata.json5' });
add({ file: 'intrinsic_functions/test_array_jsonata', test: 'test_array_range', template: 'intrinsicfunctions/statemachines/array/array_range_jsonata.json5' });
add({ file: 'intrinsic_functions/test_json_manipulation_jsonata', test: 'test_parse', template: 'intrinsicfunctions/statemachines/json_manipulation/parse_jsonata.json5' });
add({ file: 'intrinsic_functions/test_math_operations_jsonata', test: 'test_math_random_seeded', template: 'intrinsicfunctions/statemachines/math_operations/math_random_seeded_jsonata.json5' });
// outputdecl/test_output.py
for (const id of ['BASE_EMPTY', 'BASE_LITERALS', 'BASE_EXPR', 'BASE_DIRECT_EXPR']) {
  const notApplicable = id.endsWith('EXPR') ? 'its first state assigns with a JSONPath path ("var_input_value.$": "$.input_value"); the engine runs no JSONPath' : undefined;
  add({ file: 'outputdecl/test_output', test: `test_base_cases[${id}]`, template: `outputdecl/statemachines/${id.toLowerCase()}.json5`, ...(notApplicable ? { notApplicable } : {}) });
}
const outputAny: Record<string, Json> = {
  NULL: null,
  INT: 0,
  FLOAT: 0.1,
  BOOL: true,
  STR_LIT: 'string literal',
  JSONATA_EXPR: '{% $states.input %}',
  LIST_EMPY: [],
  LIST_RICH: [null, 0, 0.1, true, 'string', [], '$nosuchvar', '$.no.such.path', '{% $states.input %}', { key: '{% true %}' }],
};
for (const [id, value] of Object.entries(outputAny)) {
  add({ file: 'outputdecl/test_output', test: `test_base_output_any_non_dict[${id}]`, template: 'outputdecl/statemachines/base_output_any.json5', update: { state: 'State0', fields: { Output: value } } });
}
for (const id of ['CONDITION_TRUE', 'CONDITION_FALSE']) {
  add({ file: 'outputdecl/test_output', test: `test_output_in_choice[${id}]`, template: 'outputdecl/statemachines/choice_condition_jsonata.json5' });
}
// query_language/test_base_query_language.py (the JSON_PATH id runs a JSONPath machine)
add({ file: 'query_language/test_base_query_language', test: 'test_base_query_language_field[JSONATA]', template: 'querylanguage/statemachines/base_pass_jsonata.json5' });
add({ file: 'query_language/test_base_query_language', test: 'test_query_language_field_override[JSONATA_OVERRIDE]', template: 'querylanguage/statemachines/base_pass_jsonata_override.json5' });
add({ file: 'query_language/test_base_query_language', test: 'test_query_language_field_override[JSONATA_OVERRIDE_DEFAULT]', template: 'querylanguage/statemachines/base_pass_jsonata_override_default.json5' });
// scenarios/test_base_scenarios.py
const jsonataLiterals: Record<string, string> = { number: '1', string: "'string'", boolean: 'true', object: "{'foo': 'bar'}", null: 'null' };
for (const [id, literal] of Object.entries({ ...jsonataLiterals, function: '$fn := function($x){$x}' })) {
  add({ file: S, test: `test_map_state_items_eval_jsonata_fail[${id}]`, template: `${ST}/map_state_items_literal.json5`, replace: ['_tbd_', `{% ${literal} %}`] });
}
for (const [id, literal] of Object.entries({ empty: '[]', singleton: '[0]', mixed: "[1, 'two', 3]" })) {
  add({ file: S, test: `test_map_state_items_eval_jsonata[${id}]`, template: `${ST}/map_state_items_literal.json5`, replace: ['_tbd_', `{% ${literal} %}`] });
}
for (const id of ['number', 'string', 'boolean', 'object', 'null']) {
  add({ file: S, test: `test_map_state_items_input_types[${id}]`, template: `${ST}/map_state_items.json5` });
}
for (const id of ['empty', 'singleton', 'mixed']) {
  add({ file: S, test: `test_map_state_items_input_array[${id}]`, template: `${ST}/map_state_items.json5` });
}
for (const [id, literal] of Object.entries({ number: '1', string: '"string"', boolean: 'true', object: '{"foo": "bar"}', null: 'null' })) {
  add({ file: S, test: `test_map_state_items_variable_sampling[${id}]`, template: `${ST}/map_state_items_variable.json5`, replace: ['"_tbd_"', literal] });
}
for (const [id, literal] of Object.entries(jsonataLiterals)) {
  add({ file: S, test: `test_map_state_items_eval_jsonata_variable_sampling_fail[${id}]`, template: `${ST}/map_state_items_variable.json5`, replace: ['_tbd_', `{% ${literal} %}`] });
}
const timestamps: Record<string, string> = {
  SECONDS: '2016-03-14T01:59:00Z',
  NANOSECONDS: '2016-03-05T21:29:29.243167252Z',
  NO_T: '2016-12-05 21:29:29Z',
  NO_Z: '2016-12-05T21:29:29',
  INVALID_DATE: '2016-13-05T21:29:29Z',
  INVALID_TIME: '2016-12-05T25:29:29Z',
  INVALID_ISO: '05-12-2016T21:29:29Z',
};
for (const [id, value] of Object.entries(timestamps)) {
  add({ file: S, test: `test_wait_timestamp_jsonata[${id}]`, template: `${ST}/wait_timestamp_jsonata.json5`, input: { TimestampValue: value } });
}
add({ file: S, test: 'test_wait_seconds_jsonata', template: `${ST}/wait_seconds_jsonata.json5` });
add({ file: S, test: 'test_fail_error_jsonata', template: `${ST}/fail_error_jsonata.json5` });
add({ file: S, test: 'test_fail_cause_jsonata', template: `${ST}/fail_cause_jsonata.json5` });
add({ file: S, test: 'test_choice_condition_constant_jsonata', template: `${ST}/choice_state_condition_constant_jsonata.json5` });
add({ file: S, test: 'test_choice_aws_docs_scenario[CHOICE_STATE_AWS_SCENARIO_JSONATA]', template: `${ST}/choice_state_aws_scenario_jsonata.json5` });
add({ file: S, test: 'test_choice_singleton_composite[CHOICE_STATE_SINGLETON_COMPOSITE_JSONATA]', template: `${ST}/choice_state_singleton_composite_jsonata.json5` });
add({ file: S, test: 'test_choice_singleton_composite[CHOICE_STATE_SINGLETON_COMPOSITE_LITERAL_JSONATA]', template: `${ST}/choice_state_singleton_composite_literal_string_jsonata.json5` });
for (const t of ['test_choice_unsorted_parameters_positive', 'test_choice_unsorted_parameters_negative']) {
  add({ file: S, test: `${t}[CHOICE_STATE_UNSORTED_CHOICE_PARAMETERS_JSONATA]`, template: `${ST}/choice_state_unsorted_choice_parameters_jsonata.json5` });
}
for (const id of ['ESCAPE_SEQUENCES_JSONATA_COMPARISON_OUTPUT', 'ESCAPE_SEQUENCES_JSONATA_COMPARISON_ASSIGN']) {
  add({ file: S, test: `test_escape_sequence_parsing[${id}]`, template: `${ST}/${id.toLowerCase()}.json5` });
}
add({ file: S, test: 'test_map_state_item_selector[MAP_STATE_ITEM_SELECTOR_JSONATA]', template: `${ST}/map_state_item_selector_jsonata.json5` });

/** Recorded tests with JSONata templates that are left out, and why. */
const excluded: Array<{ snapshot: string; test: string; reason: string }> = [
  { snapshot: `${V2}/query_language/test_mixed_query_language.snapshot.json`, test: 'test_variable_sampling[*], test_output_to_state[*]', reason: 'the machine mixes JSONPath and JSONata states; the engine runs JSONata only' },
  { snapshot: `${V2}/query_language/test_base_query_language.snapshot.json`, test: 'test_base_query_language_field[JSON_PATH]', reason: 'JSONPath machine' },
  { snapshot: `${V2}/assign/test_assign_reference_variables.snapshot.json`, test: 'test_undefined_reference[BASE_UNDEFINED_ARGUMENTS*]', reason: 'invokes a Lambda function' },
  { snapshot: `${V2}/evaluate_jsonata/test_base_evaluate_expressions.snapshot.json`, test: 'test_base_task*', reason: 'invokes a Lambda function' },
  { snapshot: `${V2}/states_variables/test_error_output.snapshot.json`, test: '*', reason: 'invokes a Lambda function' },
  { snapshot: `${V2}/test_state/*.snapshot.json`, test: '*', reason: 'TestState API, not executions' },
];

// ---------------------------------------------------------------------------

function git(...args: string[]): string {
  return execFileSync('git', ['--git-dir', GIT_DIR, ...args], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
}

/** JSON5 as the templates use it: comments and trailing commas. */
function parseJson5(text: string): Json {
  let out = '';
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (c === '"') {
      let j = i + 1;
      while (j < text.length && text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      out += text.slice(i, j + 1);
      i = j + 1;
    } else if (c === '/' && text[i + 1] === '/') {
      while (i < text.length && text[i] !== '\n') i += 1;
    } else if (c === '/' && text[i + 1] === '*') {
      i = text.indexOf('*/', i + 2) + 2;
    } else {
      out += c;
      i += 1;
    }
  }
  return JSON.parse(out.replace(/,(\s*[}\]])/g, '$1')) as Json;
}

const isObject = (v: unknown): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);

interface RecordedCase {
  name: string;
  source: { repository: string; commit: string; snapshot: string; key: string; recording: string; recordedDate: string; template: string };
  definition: Json;
  input: Json;
  expected: { status: string; output?: Json; error?: string | null; cause?: Json; eventTypes: string[] };
  notApplicable?: string;
}

const commit = git('rev-parse', 'HEAD').trim();
const snapshots = new Map<string, Record<string, { 'recorded-date': string; 'recorded-content': JsonObject }>>();
const cases: RecordedCase[] = [];
const problems: string[] = [];

for (const rule of rules) {
  const snapshotPath = `${V2}/${rule.file}.snapshot.json`;
  let snapshot = snapshots.get(snapshotPath);
  if (!snapshot) {
    snapshot = JSON.parse(git('show', `HEAD:${snapshotPath}`)) as Record<string, { 'recorded-date': string; 'recorded-content': JsonObject }>;
    snapshots.set(snapshotPath, snapshot);
  }
  const key = Object.keys(snapshot).find((k) => k.startsWith(`${V2}/${rule.file}.py::`) && k.endsWith(`::${rule.test}`));
  if (!key) {
    problems.push(`no snapshot ${snapshotPath} ${rule.test}`);
    continue;
  }
  const entry = snapshot[key]!;
  const templatePath = `${TPL}/${rule.template}`;
  let definitionText = JSON.stringify(parseJson5(git('show', `HEAD:${templatePath}`)));
  if (rule.update) {
    const def = JSON.parse(definitionText) as { States: Record<string, JsonObject> };
    Object.assign(def.States[rule.update.state]!, rule.update.fields);
    definitionText = JSON.stringify(def);
  }
  if (rule.replace) definitionText = definitionText.split(rule.replace[0]).join(rule.replace[1]);
  const definition = JSON.parse(definitionText) as Json;
  const recordings = Object.keys(entry['recorded-content']).filter((k) => k === 'get_execution_history' || /^exec_hist_resp_\d+$/.test(k));
  for (const recording of recordings) {
    const history = entry['recorded-content'][recording];
    const events = (isObject(history) && Array.isArray(history.events) ? history.events : []) as JsonObject[];
    const started = events.find((e) => e.type === 'ExecutionStarted');
    const last = events[events.length - 1]!;
    const startedDetails = started?.executionStartedEventDetails;
    const input = rule.input ?? (isObject(startedDetails) ? (startedDetails.input ?? {}) : {});
    const terminal = String(last.type);
    const status = { ExecutionSucceeded: 'SUCCEEDED', ExecutionFailed: 'FAILED', ExecutionTimedOut: 'TIMED_OUT', ExecutionAborted: 'ABORTED' }[terminal];
    if (!status) {
      problems.push(`${key} ${recording}: last event ${terminal}`);
      continue;
    }
    const expected: RecordedCase['expected'] = { status, eventTypes: events.map((e) => String(e.type)) };
    if (status === 'SUCCEEDED') {
      const details = last.executionSucceededEventDetails;
      const output = isObject(details) ? (details.output ?? null) : null;
      // The snapshot keeps a JSON object parsed and any other output as its JSON text.
      expected.output = typeof output === "string" ? (JSON.parse(output) as Json) : output;
    } else if (status === 'FAILED') {
      const details = last.executionFailedEventDetails;
      expected.error = isObject(details) && typeof details.error === 'string' ? details.error : null;
      expected.cause = isObject(details) && details.cause !== undefined ? details.cause : null;
    }
    const suffix = recordings.length > 1 ? `#${recording.replace('exec_hist_resp_', '')}` : '';
    cases.push({
      name: `${rule.file.split('/').pop()}::${rule.test}${suffix}`,
      source: {
        repository: 'https://github.com/localstack/localstack',
        commit,
        snapshot: snapshotPath,
        key,
        recording,
        recordedDate: entry['recorded-date'],
        template: templatePath,
      },
      definition,
      input,
      expected,
      ...(rule.notApplicable ? { notApplicable: rule.notApplicable } : {}),
    });
  }
}

mkdirSync(dirname(OUT), { recursive: true });
writeFileSync(
  OUT,
  `${JSON.stringify(
    {
      about: 'Generated by scripts/import-recorded-cases.ts from LocalStack snapshots recorded against AWS Step Functions. Strings like "<ExecArnPart_0idx>", "timestamp" or "datetime" are LocalStack masks: they match any string.',
      source: { repository: 'https://github.com/localstack/localstack', commit },
      excluded,
      cases,
    },
    null,
    2,
  )}\n`,
);
console.log(`${cases.length} cases written to ${OUT}`);
for (const p of problems) console.warn(`warning: ${p}`);
