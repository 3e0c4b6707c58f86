/** Parallel state. */
import { jsonata, lambdaArn, namedError, sleep, type Scenario } from '../types';

const DOC_PARALLEL = 'https://docs.aws.amazon.com/step-functions/latest/dg/state-parallel.html';
const LS_SCEN = 'localstack/localstack tests/aws/services/stepfunctions/templates/scenarios/statemachines';

export const parallelScenarios: Scenario[] = [
  {
    name: 'Docs example: LookupCustomerInfo with LookupAddress and LookupPhone branches',
    source: DOC_PARALLEL,
    definition: jsonata('LookupCustomerInfo', {
      LookupCustomerInfo: {
        Type: 'Parallel',
        End: true,
        Branches: [
          { StartAt: 'LookupAddress', States: { LookupAddress: { Type: 'Task', Resource: lambdaArn('AddressFinder'), End: true } } },
          { StartAt: 'LookupPhone', States: { LookupPhone: { Type: 'Task', Resource: lambdaArn('PhoneFinder'), End: true } } },
        ],
      },
    }),
    lambdas: () => ({
      AddressFinder: async (event) => ({ address: `1 Main St for ${(event as { customer: string }).customer}` }),
      PhoneFinder: async (event) => ({ phone: `555-0100 for ${(event as { customer: string }).customer}` }),
    }),
    input: { customer: 'c-1' },
    expect: {
      status: 'SUCCEEDED',
      output: [{ address: '1 Main St for c-1' }, { phone: '555-0100 for c-1' }],
      invocations: { AddressFinder: 1, PhoneFinder: 1 },
      history: { eventTypesInOrder: ['ParallelStateEntered', 'ParallelStateStarted', 'ParallelStateSucceeded', 'ParallelStateExited'] },
    },
  },
  {
    name: 'Output is an array in branch order, even when the first branch finishes last',
    source: [DOC_PARALLEL, `${LS_SCEN}/parallel_state.json5`],
    definition: jsonata('P', {
      P: {
        Type: 'Parallel',
        Branches: [
          { StartAt: 'Slow', States: { Slow: { Type: 'Wait', Seconds: 20, Output: 'slow', End: true } } },
          { StartAt: 'Fast', States: { Fast: { Type: 'Pass', Output: 'fast', End: true } } },
          { StartAt: 'Mid', States: { Mid: { Type: 'Wait', Seconds: 5, Output: 'mid', End: true } } },
        ],
        End: true,
      },
    }),
    expect: { status: 'SUCCEEDED', output: ['slow', 'fast', 'mid'], history: { stateDurations: { P: { min: 20, max: 32 } } } },
  },
  {
    name: 'Every branch receives the Parallel state input by default',
    source: DOC_PARALLEL,
    definition: jsonata('P', {
      P: {
        Type: 'Parallel',
        Branches: [
          { StartAt: 'A', States: { A: { Type: 'Pass', Output: { a: '{% $states.input.v %}' }, End: true } } },
          { StartAt: 'B', States: { B: { Type: 'Pass', End: true } } },
        ],
        End: true,
      },
    }),
    input: { v: 5 },
    expect: { status: 'SUCCEEDED', output: [{ a: 5 }, { v: 5 }] },
  },
  {
    name: 'Arguments set the input of every branch',
    source: [DOC_PARALLEL, 'https://docs.aws.amazon.com/step-functions/latest/dg/transforming-data.html'],
    definition: jsonata('P', {
      P: {
        Type: 'Parallel',
        Arguments: { id: '{% $states.input.order.id %}', fixed: 'x' },
        Branches: [
          { StartAt: 'A', States: { A: { Type: 'Pass', End: true } } },
          { StartAt: 'B', States: { B: { Type: 'Pass', Output: '{% $states.input.id %}', End: true } } },
        ],
        End: true,
      },
    }),
    input: { order: { id: 'o-9' }, noise: true },
    expect: { status: 'SUCCEEDED', output: [{ id: 'o-9', fixed: 'x' }, 'o-9'] },
  },
  {
    name: 'Parallel Output and Assign read $states.result (the branch outputs array)',
    source: DOC_PARALLEL,
    definition: jsonata('P', {
      P: {
        Type: 'Parallel',
        Branches: [
          { StartAt: 'A', States: { A: { Type: 'Pass', Output: 1, End: true } } },
          { StartAt: 'B', States: { B: { Type: 'Pass', Output: 2, End: true } } },
        ],
        Assign: { count: '{% $count($states.result) %}' },
        Output: { total: '{% $sum($states.result) %}' },
        Next: 'After',
      },
      After: { Type: 'Pass', Output: { total: '{% $states.input.total %}', count: '{% $count %}' }, End: true },
    }),
    expect: { status: 'SUCCEEDED', output: { total: 3, count: 2 } },
  },
  {
    name: 'Branches with several states, including Choice and Wait',
    source: [DOC_PARALLEL, `${LS_SCEN}/parallel_state_nested.json5`],
    definition: jsonata('P', {
      P: {
        Type: 'Parallel',
        Branches: [
          {
            StartAt: 'Check',
            States: {
              Check: { Type: 'Choice', Choices: [{ Condition: '{% $states.input.n > 0 %}', Next: 'Positive' }], Default: 'NotPositive' },
              Positive: { Type: 'Pass', Output: 'positive', End: true },
              NotPositive: { Type: 'Pass', Output: 'not positive', End: true },
            },
          },
          {
            StartAt: 'Pause',
            States: { Pause: { Type: 'Wait', Seconds: 2, Next: 'Square' }, Square: { Type: 'Pass', Output: '{% $states.input.n * $states.input.n %}', End: true } },
          },
        ],
        End: true,
      },
    }),
    input: { n: 4 },
    expect: { status: 'SUCCEEDED', output: ['positive', 16] },
  },
  {
    name: 'Nested Parallel',
    source: `${LS_SCEN}/parallel_state_nested.json5`,
    definition: jsonata('Outer', {
      Outer: {
        Type: 'Parallel',
        Branches: [
          {
            StartAt: 'Inner',
            States: {
              Inner: {
                Type: 'Parallel',
                Branches: [
                  { StartAt: 'I1', States: { I1: { Type: 'Pass', Output: 'i1', End: true } } },
                  { StartAt: 'I2', States: { I2: { Type: 'Pass', Output: 'i2', End: true } } },
                ],
                End: true,
              },
            },
          },
          { StartAt: 'O2', States: { O2: { Type: 'Pass', Output: 'o2', End: true } } },
        ],
        End: true,
      },
    }),
    expect: { status: 'SUCCEEDED', output: [['i1', 'i2'], 'o2'] },
  },
  {
    name: 'A failing branch fails the Parallel state with the branch error',
    source: [DOC_PARALLEL, `${LS_SCEN}/parallel_state_fail.json5`],
    definition: jsonata('P', {
      P: {
        Type: 'Parallel',
        Branches: [
          { StartAt: 'Ok', States: { Ok: { Type: 'Wait', Seconds: 30, End: true } } },
          { StartAt: 'Bad', States: { Bad: { Type: 'Fail', Error: 'BranchError', Cause: 'branch 2 failed' } } },
        ],
        End: true,
      },
    }),
    expect: { status: 'FAILED', error: 'BranchError', cause: 'branch 2 failed', history: { eventTypesInOrder: ['ParallelStateEntered', 'ParallelStateFailed', 'ExecutionFailed'] } },
  },
  {
    name: 'A failing branch is caught on the Parallel state',
    source: [DOC_PARALLEL, `${LS_SCEN}/parallel_state_catch.json5`],
    definition: jsonata('P', {
      P: {
        Type: 'Parallel',
        Branches: [
          { StartAt: 'Ok', States: { Ok: { Type: 'Pass', End: true } } },
          { StartAt: 'Call', States: { Call: { Type: 'Task', Resource: lambdaArn('Boom'), End: true } } },
        ],
        Catch: [{ ErrorEquals: ['States.ALL'], Output: '{% $states.errorOutput.Error %}', Next: 'Recovered' }],
        End: true,
      },
      Recovered: { Type: 'Pass', End: true },
    }),
    lambdas: () => ({
      Boom: async () => {
        throw namedError('BoomError', 'kaput');
      },
    }),
    expect: { status: 'SUCCEEDED', output: 'BoomError' },
  },
  {
    name: 'A failing branch is retried on the Parallel state (the whole Parallel runs again)',
    source: [DOC_PARALLEL, 'https://docs.aws.amazon.com/step-functions/latest/dg/concepts-error-handling.html'],
    definition: jsonata('P', {
      P: {
        Type: 'Parallel',
        Branches: [
          { StartAt: 'Count', States: { Count: { Type: 'Task', Resource: lambdaArn('Counter'), End: true } } },
          { StartAt: 'Flaky', States: { Flaky: { Type: 'Task', Resource: lambdaArn('Flaky'), End: true } } },
        ],
        Retry: [{ ErrorEquals: ['Transient'], IntervalSeconds: 1, MaxAttempts: 2 }],
        End: true,
      },
    }),
    lambdas: () => {
      let flaky = 0;
      let counter = 0;
      return {
        Counter: async () => {
          counter += 1;
          return counter;
        },
        Flaky: async () => {
          flaky += 1;
          await sleep(20); // let the sibling branch's Lambda run first, as it would on AWS
          if (flaky < 2) throw namedError('Transient', 'try again');
          return 'ok';
        },
      };
    },
    expect: { status: 'SUCCEEDED', output: [2, 'ok'], invocations: { Counter: 2, Flaky: 2 } },
  },
];
