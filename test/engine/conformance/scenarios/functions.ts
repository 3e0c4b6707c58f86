/** JSONata functions Step Functions adds: $partition $range $hash $random $uuid $parse. */
import { createHash } from 'node:crypto';
import { jsonata, type Scenario } from '../types';

const DOC_FUNCS = 'https://docs.aws.amazon.com/step-functions/latest/dg/transforming-data.html#jsonata-functions-provided-by-sfn';
const LS_ARRAY = 'localstack/localstack tests/aws/services/stepfunctions/v2/intrinsic_functions/test_array_jsonata.snapshot.json';
const LS_JSON = 'localstack/localstack tests/aws/services/stepfunctions/v2/intrinsic_functions/test_json_manipulation_jsonata.snapshot.json';
const LS_MATH = 'localstack/localstack tests/aws/services/stepfunctions/v2/intrinsic_functions/test_math_operations_jsonata.snapshot.json';

const hex = (algorithm: string, text: string): string => createHash(algorithm).update(text).digest('hex');

const pass = (output: unknown): Record<string, unknown> => jsonata('F', { F: { Type: 'Pass', Output: output, End: true } });

export const functionScenarios: Scenario[] = [
  {
    name: '$partition splits an array into chunks (docs example, size 3)',
    source: [DOC_FUNCS, LS_ARRAY],
    definition: pass({ arrayPartition: '{% $partition([1, 2, 3, 4, 5, 6, 7, 8, 9], 3) %}' }),
    expect: { status: 'SUCCEEDED', output: { arrayPartition: [[1, 2, 3], [4, 5, 6], [7, 8, 9]] } },
  },
  {
    name: '$partition keeps a shorter last chunk',
    source: [DOC_FUNCS, LS_ARRAY],
    definition: pass('{% $partition($states.input.items, 2) %}'),
    input: { items: [1, 2, 3, 4, 5] },
    expect: { status: 'SUCCEEDED', output: [[1, 2], [3, 4], [5]] },
  },
  {
    name: '$range(0, 10, 2) includes the end value (docs example)',
    source: [DOC_FUNCS, LS_ARRAY],
    definition: pass({ evenNumbers: '{% $range(0, 10, 2) %}' }),
    expect: { status: 'SUCCEEDED', output: { evenNumbers: [0, 2, 4, 6, 8, 10] } },
  },
  {
    name: '$range with a step that does not land on the end, and a negative step',
    source: [DOC_FUNCS, LS_ARRAY],
    definition: pass({ odd: '{% $range(1, 10, 2) %}', down: '{% $range(5, 1, -2) %}' }),
    expect: { status: 'SUCCEEDED', output: { odd: [1, 3, 5, 7, 9], down: [5, 3, 1] } },
  },
  {
    name: '$hash with SHA-256, MD5, SHA-1, SHA-384 and SHA-512 (hex digest)',
    source: [DOC_FUNCS, 'https://docs.aws.amazon.com/step-functions/latest/dg/intrinsic-functions.html#asl-intrsc-func-hash-calc'],
    definition: pass({
      sha256: "{% $hash($states.input.content, 'SHA-256') %}",
      md5: "{% $hash($states.input.content, 'MD5') %}",
      sha1: "{% $hash($states.input.content, 'SHA-1') %}",
      sha384: "{% $hash($states.input.content, 'SHA-384') %}",
      sha512: "{% $hash($states.input.content, 'SHA-512') %}",
    }),
    input: { content: 'input data' },
    expect: {
      status: 'SUCCEEDED',
      output: {
        sha256: hex('sha256', 'input data'),
        md5: hex('md5', 'input data'),
        sha1: hex('sha1', 'input data'),
        sha384: hex('sha384', 'input data'),
        sha512: hex('sha512', 'input data'),
      },
    },
  },
  {
    name: '$random() is in [0, 1); $random(seed) is repeatable',
    source: [DOC_FUNCS, LS_MATH],
    definition: pass({
      inRange: '{% ($r := $random(); $r >= 0 and $r < 1) %}',
      seededInRange: '{% ($r := $random($states.input.seed); $r >= 0 and $r < 1) %}',
      repeatable: '{% $random($states.input.seed) = $random($states.input.seed) %}',
    }),
    input: { seed: 12345 },
    expect: { status: 'SUCCEEDED', output: { inRange: true, seededInRange: true, repeatable: true } },
  },
  {
    name: '$uuid() returns distinct version-4 UUIDs',
    source: DOC_FUNCS,
    definition: pass({
      v4: '{% $contains($uuid(), /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/) %}',
      distinct: '{% $uuid() != $uuid() %}',
    }),
    expect: { status: 'SUCCEEDED', output: { v4: true, distinct: true } },
  },
  {
    name: '$parse turns a JSON string into a value',
    source: [DOC_FUNCS, LS_JSON],
    definition: pass({ parsed: '{% $parse($states.input.json) %}', number: "{% $parse('42') %}", list: "{% $parse('[1,\"a\",null]') %}" }),
    input: { json: '{"hello":"world","n":[1,2]}' },
    expect: { status: 'SUCCEEDED', output: { parsed: { hello: 'world', n: [1, 2] }, number: 42, list: [1, 'a', null] } },
  },
  {
    name: '$parse result can be navigated like any value',
    source: DOC_FUNCS,
    definition: jsonata('Init', {
      Init: { Type: 'Pass', Assign: { raw: '{"customer": {"name": "Jane", "orders": 3}}' }, Next: 'P' },
      P: { Type: 'Pass', Output: "{% $parse($raw).customer.name & ':' & $string($parse($raw).customer.orders) %}", End: true },
    }),
    expect: { status: 'SUCCEEDED', output: 'Jane:3' },
  },
  {
    name: 'Standard JSONata 2.0 functions are available ($map, $filter, $reduce, $keys, $merge, $now)',
    source: 'https://docs.aws.amazon.com/step-functions/latest/dg/transforming-data.html',
    definition: pass({
      doubled: '{% $map($states.input.xs, function($v) { $v * 2 }) %}',
      big: '{% $filter($states.input.xs, function($v) { $v > 1 }) %}',
      product: '{% $reduce($states.input.xs, function($a, $b) { $a * $b }) %}',
      keys: '{% $keys($states.input.obj) %}',
      merged: '{% $merge([$states.input.obj, {"c": 3}]) %}',
      nowIsString: "{% $type($now()) = 'string' %}",
    }),
    input: { xs: [1, 2, 3], obj: { a: 1, b: 2 } },
    expect: { status: 'SUCCEEDED', output: { doubled: [2, 4, 6], big: [2, 3], product: 6, keys: ['a', 'b'], merged: { a: 1, b: 2, c: 3 }, nowIsString: true } },
  },
];
