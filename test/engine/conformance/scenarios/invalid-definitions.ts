/** Definitions createStateMachine must reject with InvalidDefinition. */
import { jsonata, type Scenario } from '../types';

const DOC_STRUCTURE = 'https://docs.aws.amazon.com/step-functions/latest/dg/statemachine-structure.html';
const DOC_JSONATA = 'https://docs.aws.amazon.com/step-functions/latest/dg/transforming-data.html';
const DOC_ERRORS = 'https://docs.aws.amazon.com/step-functions/latest/dg/concepts-error-handling.html';
const API_CREATE = 'https://docs.aws.amazon.com/step-functions/latest/apireference/API_CreateStateMachine.html';
/** This engine runs JSONata only (project brief); AWS itself accepts JSONPath states. */
const ENGINE_SCOPE = 'Engine scope: JSONata-only engine (local/engine/api.ts brief); AWS would accept this JSONPath definition';

const invalid = (name: string, source: string | string[], definition: Record<string, unknown> | string): Scenario => ({
  name,
  source,
  definition,
  expect: { createError: 'InvalidDefinition' },
});

export const invalidDefinitionScenarios: Scenario[] = [
  invalid('A JSONata state using the JSONPath field Parameters', [DOC_JSONATA, API_CREATE], jsonata('P', { P: { Type: 'Pass', Parameters: { a: 1 }, End: true } })),
  invalid('A JSONata state using InputPath', [DOC_JSONATA, API_CREATE], jsonata('P', { P: { Type: 'Pass', InputPath: '$.a', End: true } })),
  invalid('A JSONata state using ResultPath', [DOC_JSONATA, API_CREATE], jsonata('P', { P: { Type: 'Pass', ResultPath: '$.r', End: true } })),
  invalid('A JSONata Task using ResultSelector and OutputPath', [DOC_JSONATA, API_CREATE], jsonata('T', {
    T: { Type: 'Task', Resource: 'arn:aws:states:::lambda:invoke', Arguments: { FunctionName: 'Echo' }, ResultSelector: { 'p.$': '$.Payload' }, OutputPath: '$.p', End: true },
  })),
  invalid('A state declaring QueryLanguage JSONPath', ENGINE_SCOPE, jsonata('P', { P: { Type: 'Pass', QueryLanguage: 'JSONPath', InputPath: '$', End: true } })),
  invalid('A machine without QueryLanguage (JSONPath by default) using JSONPath fields', ENGINE_SCOPE, {
    StartAt: 'P',
    States: { P: { Type: 'Pass', Result: { a: 1 }, ResultPath: '$.r', End: true } },
  }),
  invalid('An unknown Task resource', [DOC_STRUCTURE, 'https://docs.aws.amazon.com/step-functions/latest/dg/integrate-services.html'], jsonata('T', {
    T: { Type: 'Task', Resource: 'arn:aws:states:::nosuchservice:doSomething', Arguments: {}, End: true },
  })),
  invalid('A Next that names a missing state', DOC_STRUCTURE, jsonata('A', { A: { Type: 'Pass', Next: 'Nowhere' } })),
  invalid('StartAt names a missing state', DOC_STRUCTURE, jsonata('Missing', { A: { Type: 'Pass', End: true } })),
  invalid('A Catch Next that names a missing state', [DOC_ERRORS, DOC_STRUCTURE], jsonata('T', {
    T: { Type: 'Task', Resource: 'arn:aws:lambda:us-east-1:123456789012:function:Echo', Catch: [{ ErrorEquals: ['States.ALL'], Next: 'Ghost' }], End: true },
  })),
  invalid('A Choice rule Next that names a missing state', ['https://docs.aws.amazon.com/step-functions/latest/dg/state-choice.html'], jsonata('C', {
    C: { Type: 'Choice', Choices: [{ Condition: '{% true %}', Next: 'Ghost' }], Default: 'D' },
    D: { Type: 'Succeed' },
  })),
  invalid('A missing Next target inside a Parallel branch', ['https://docs.aws.amazon.com/step-functions/latest/dg/state-parallel.html'], jsonata('P', {
    P: { Type: 'Parallel', Branches: [{ StartAt: 'B', States: { B: { Type: 'Pass', Next: 'Ghost' } } }], End: true },
  })),
  invalid('A state with neither Next nor End', DOC_STRUCTURE, jsonata('A', { A: { Type: 'Pass' } })),
  invalid('An unknown state Type', DOC_STRUCTURE, jsonata('A', { A: { Type: 'Teleport', End: true } })),
  invalid('An unreachable state (MISSING_TRANSITION_TARGET: State "Orphan" is not reachable)', [
    DOC_STRUCTURE,
    'AWS error quoted in localstack/localstack PR #12487 and aws-cloudformation/cfn-lint issue #4073: MISSING_TRANSITION_TARGET: State "pass2" is not reachable.',
  ], jsonata('A', { A: { Type: 'Pass', End: true }, Orphan: { Type: 'Pass', End: true } })),
  invalid('A workflow with no terminal state (MISSING_END_STATE)', [
    DOC_STRUCTURE,
    'AWS diagnostics quoted in floci-io/floci issue #2735: MISSING_END_STATE: Workflow has no terminal state',
  ], jsonata('A', { A: { Type: 'Pass', Next: 'B' }, B: { Type: 'Pass', Next: 'A' } })),
  invalid('TimeoutSeconds on a Parallel state (only Task supports it)', [
    'https://docs.aws.amazon.com/step-functions/latest/dg/state-parallel.html',
    "AWS diagnostics quoted in floci-io/floci issue #2735: SCHEMA_VALIDATION_FAILED: Field 'TimeoutSeconds' is not supported",
  ], jsonata('P', { P: { Type: 'Parallel', TimeoutSeconds: 5, Branches: [{ StartAt: 'B', States: { B: { Type: 'Pass', End: true } } }], End: true } })),
  invalid('TimeoutSeconds on a Map state (only Task supports it)', [
    'https://docs.aws.amazon.com/step-functions/latest/dg/state-map-inline.html',
    "AWS diagnostics quoted in floci-io/floci issue #2735: SCHEMA_VALIDATION_FAILED: Field 'TimeoutSeconds' is not supported",
  ], jsonata('M', { M: { Type: 'Map', TimeoutSeconds: 5, ItemProcessor: { StartAt: 'B', States: { B: { Type: 'Pass', End: true } } }, End: true } })),
  invalid('States.ALL not alone in ErrorEquals', [DOC_ERRORS], jsonata('T', {
    T: { Type: 'Task', Resource: 'arn:aws:lambda:us-east-1:123456789012:function:Echo', Retry: [{ ErrorEquals: ['States.ALL', 'Other'] }], End: true },
  })),
  invalid('States.ALL retrier not last', [DOC_ERRORS], jsonata('T', {
    T: { Type: 'Task', Resource: 'arn:aws:lambda:us-east-1:123456789012:function:Echo', Retry: [{ ErrorEquals: ['States.ALL'] }, { ErrorEquals: ['Other'] }], End: true },
  })),
  invalid('Malformed JSON', API_CREATE, '{"QueryLanguage": "JSONata", "StartAt": "A", "States": {'),
  invalid('A JSONata expression with a syntax error', [DOC_JSONATA, API_CREATE], jsonata('P', { P: { Type: 'Pass', Output: '{% $states.input. %}', End: true } })),
  invalid('Choice with End', ['https://docs.aws.amazon.com/step-functions/latest/dg/state-choice.html'], jsonata('C', {
    C: { Type: 'Choice', Choices: [{ Condition: '{% true %}', Next: 'D' }], End: true },
    D: { Type: 'Succeed' },
  })),
  invalid('Fail with Next', ['https://docs.aws.amazon.com/step-functions/latest/dg/state-fail.html'], jsonata('F', { F: { Type: 'Fail', Next: 'G' }, G: { Type: 'Succeed' } })),
  invalid('An unsupported field on a state', [DOC_STRUCTURE, API_CREATE], jsonata('A', { A: { Type: 'Pass', Bogus: 1, End: true } })),
  invalid('A Task without Resource', ['https://docs.aws.amazon.com/step-functions/latest/dg/state-task.html'], jsonata('T', { T: { Type: 'Task', End: true } })),
  invalid('An empty States object', DOC_STRUCTURE, jsonata('A', {})),
  invalid('A JSONata Pass using the JSONPath field Result', [DOC_JSONATA, 'https://docs.aws.amazon.com/step-functions/latest/dg/state-pass.html'], jsonata('P', { P: { Type: 'Pass', Result: { a: 1 }, End: true } })),
  invalid('A JSONata Map using ItemsPath', [DOC_JSONATA, 'https://docs.aws.amazon.com/step-functions/latest/dg/state-map-inline.html'], jsonata('M', {
    M: { Type: 'Map', ItemsPath: '$.items', ItemProcessor: { StartAt: 'P', States: { P: { Type: 'Pass', End: true } } }, End: true },
  })),
  invalid('A JSONata Choice rule using Variable/StringEquals', [DOC_JSONATA, 'https://docs.aws.amazon.com/step-functions/latest/dg/state-choice.html'], jsonata('C', {
    C: { Type: 'Choice', Choices: [{ Variable: '$.type', StringEquals: 'a', Next: 'D' }], Default: 'D' },
    D: { Type: 'Succeed' },
  })),
  invalid('A JSONata Wait using SecondsPath', [DOC_JSONATA, 'https://docs.aws.amazon.com/step-functions/latest/dg/state-wait.html'], jsonata('W', { W: { Type: 'Wait', SecondsPath: '$.s', End: true } })),
  invalid('A JSONata Fail using ErrorPath', [DOC_JSONATA, 'https://docs.aws.amazon.com/step-functions/latest/dg/state-fail.html'], jsonata('F', { F: { Type: 'Fail', ErrorPath: '$.e' } })),
  invalid('A Wait with both Seconds and Timestamp', ['https://docs.aws.amazon.com/step-functions/latest/dg/state-wait.html'], jsonata('W', { W: { Type: 'Wait', Seconds: 1, Timestamp: '2016-03-14T01:59:00Z', End: true } })),
  invalid('A Wait with neither Seconds nor Timestamp', ['https://docs.aws.amazon.com/step-functions/latest/dg/state-wait.html'], jsonata('W', { W: { Type: 'Wait', End: true } })),
  invalid('A Map without ItemProcessor', ['https://docs.aws.amazon.com/step-functions/latest/dg/state-map-inline.html'], jsonata('M', { M: { Type: 'Map', Items: [1], End: true } })),
  invalid('A Choice with an empty Choices array', ['https://docs.aws.amazon.com/step-functions/latest/dg/state-choice.html'], jsonata('C', { C: { Type: 'Choice', Choices: [], Default: 'D' }, D: { Type: 'Succeed' } })),
  invalid('A catcher without Next', [DOC_ERRORS], jsonata('T', {
    T: { Type: 'Task', Resource: 'arn:aws:lambda:us-east-1:123456789012:function:Echo', Catch: [{ ErrorEquals: ['States.ALL'] }], End: true },
  })),
  invalid('A retrier with BackoffRate below 1.0', [DOC_ERRORS], jsonata('T', {
    T: { Type: 'Task', Resource: 'arn:aws:lambda:us-east-1:123456789012:function:Echo', Retry: [{ ErrorEquals: ['X'], BackoffRate: 0.5 }], End: true },
  })),
  invalid('A retrier with negative MaxAttempts', [DOC_ERRORS], jsonata('T', {
    T: { Type: 'Task', Resource: 'arn:aws:lambda:us-east-1:123456789012:function:Echo', Retry: [{ ErrorEquals: ['X'], MaxAttempts: -1 }], End: true },
  })),
  invalid('A retrier with IntervalSeconds 0 (must be a positive integer)', [DOC_ERRORS], jsonata('T', {
    T: { Type: 'Task', Resource: 'arn:aws:lambda:us-east-1:123456789012:function:Echo', Retry: [{ ErrorEquals: ['X'], IntervalSeconds: 0 }], End: true },
  })),
  invalid('A retrier with an unknown JitterStrategy', [DOC_ERRORS], jsonata('T', {
    T: { Type: 'Task', Resource: 'arn:aws:lambda:us-east-1:123456789012:function:Echo', Retry: [{ ErrorEquals: ['X'], JitterStrategy: 'SOMETIMES' }], End: true },
  })),
  invalid('Output on a Fail state (Fail supports only Error and Cause)', ['https://docs.aws.amazon.com/step-functions/latest/dg/state-fail.html'], jsonata('F', { F: { Type: 'Fail', Error: 'E', Output: { a: 1 } } })),
  invalid('Assign on a Succeed state (Assign is for Pass, Task, Map, Parallel, Choice, Wait)', ['https://docs.aws.amazon.com/step-functions/latest/dg/workflow-variables.html'], jsonata('S', { S: { Type: 'Succeed', Assign: { a: 1 } } })),
];
