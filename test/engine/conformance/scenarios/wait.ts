/** Wait state: Seconds, Timestamp and their JSONata forms. Durations are in execution time (timeScale 100). */
import { jsonata, type Scenario } from '../types';

const DOC_WAIT = 'https://docs.aws.amazon.com/step-functions/latest/dg/state-wait.html';
const LS_WAIT = 'localstack/localstack tests/aws/services/stepfunctions/v2/base/test_wait.snapshot.json';
const LS_EVAL = 'localstack/localstack tests/aws/services/stepfunctions/templates/evaluatejsonata/statemachines/base_wait.json5';

export const waitScenarios: Scenario[] = [
  {
    name: 'Seconds: 10 waits ten seconds (wait_ten_seconds)',
    source: [DOC_WAIT, 'localstack/localstack tests/aws/services/stepfunctions/templates/base/statemachines/wait_10_sec_and_pass.json5'],
    definition: jsonata('wait_ten_seconds', {
      wait_ten_seconds: { Type: 'Wait', Seconds: 10, Next: 'NextState' },
      NextState: { Type: 'Pass', End: true },
    }),
    input: { keep: 1 },
    expect: {
      status: 'SUCCEEDED',
      output: { keep: 1 },
      history: { statesEntered: ['wait_ten_seconds', 'NextState'], stateDurations: { wait_ten_seconds: { min: 10, max: 20 } } },
    },
  },
  {
    name: 'Seconds as a JSONata expression from the input',
    source: [DOC_WAIT, LS_EVAL, LS_WAIT],
    definition: jsonata('W', { W: { Type: 'Wait', Seconds: '{% $states.input.waitSeconds %}', End: true } }),
    input: { waitSeconds: 20 },
    expect: { status: 'SUCCEEDED', output: { waitSeconds: 20 }, history: { stateDurations: { W: { min: 20, max: 30 } } } },
  },
  {
    name: 'Seconds computed from a variable',
    source: [DOC_WAIT, 'https://docs.aws.amazon.com/step-functions/latest/dg/workflow-variables.html'],
    definition: jsonata('Init', {
      Init: { Type: 'Pass', Assign: { base: 3 }, Next: 'W' },
      W: { Type: 'Wait', Seconds: '{% $base * 4 %}', End: true },
    }),
    expect: { status: 'SUCCEEDED', history: { stateDurations: { W: { min: 12, max: 22 } } } },
  },
  {
    name: 'Timestamp in the past does not wait (wait_until 2016-03-14T01:59:00Z)',
    source: DOC_WAIT,
    definition: jsonata('wait_until', { wait_until: { Type: 'Wait', Timestamp: '2016-03-14T01:59:00Z', End: true } }),
    input: { x: 1 },
    expect: { status: 'SUCCEEDED', output: { x: 1 }, history: { stateDurations: { wait_until: { min: 0, max: 8 } } } },
  },
  {
    name: 'Timestamp expression: execution start + 30 s',
    source: [DOC_WAIT, 'localstack/localstack tests/aws/services/stepfunctions/templates/base/statemachines/wait_timestamppath.json5'],
    definition: jsonata('W', {
      W: {
        Type: 'Wait',
        Timestamp: "{% $fromMillis($toMillis($states.context.Execution.StartTime) + 30000, '[Y0001]-[M01]-[D01]T[H01]:[m01]:[s01]Z') %}",
        End: true,
      },
    }),
    expect: { status: 'SUCCEEDED', history: { stateDurations: { W: { min: 28, max: 40 } } } },
  },
  {
    name: 'Timestamp expression from the input in the past',
    source: [DOC_WAIT, LS_WAIT],
    definition: jsonata('W', { W: { Type: 'Wait', Timestamp: '{% $states.input.expirydate %}', End: true } }),
    input: { expirydate: '2016-03-14T01:59:00Z' },
    expect: { status: 'SUCCEEDED', history: { stateDurations: { W: { max: 8 } } } },
  },
  {
    name: 'Wait with Assign and Output (variables read before the state)',
    source: ['localstack/localstack tests/aws/services/stepfunctions/templates/assign/statemachines/base_assign_in_wait.json5', DOC_WAIT],
    definition: jsonata('Init', {
      Init: { Type: 'Pass', Assign: { n: 1 }, Next: 'W' },
      W: { Type: 'Wait', Seconds: 1, Assign: { n: '{% $n + 1 %}' }, Output: { seen: '{% $n %}', input: '{% $states.input %}' }, Next: 'After' },
      After: { Type: 'Pass', Output: { waited: '{% $states.input %}', n: '{% $n %}' }, End: true },
    }),
    input: { a: 'b' },
    expect: { status: 'SUCCEEDED', output: { waited: { seen: 1, input: { a: 'b' } }, n: 2 } },
  },
  {
    name: 'Two waits in sequence add up',
    source: DOC_WAIT,
    definition: jsonata('W1', {
      W1: { Type: 'Wait', Seconds: 5, Next: 'W2' },
      W2: { Type: 'Wait', Seconds: 7, Next: 'Done' },
      Done: { Type: 'Succeed' },
    }),
    expect: { status: 'SUCCEEDED', history: { stateDurations: { W1: { min: 5, max: 12 }, W2: { min: 7, max: 14 } } } },
  },
  {
    name: 'Waits (first state, after a Pass, after a Task) last at least Seconds from their WaitStateEntered event (timeScale 1000)',
    source: DOC_WAIT,
    definition: jsonata('Pause0', {
      Pause0: { Type: 'Wait', Seconds: 10, Next: 'Step' },
      Step: { Type: 'Pass', Next: 'Pause1' },
      Pause1: { Type: 'Wait', Seconds: 10, Next: 'Work' },
      Work: { Type: 'Task', Resource: 'arn:aws:lambda:us-east-1:123456789012:function:Echo', Arguments: { n: 1 }, Next: 'Pause' },
      Pause: { Type: 'Wait', Seconds: 10, Next: 'Work2' },
      Work2: { Type: 'Task', Resource: 'arn:aws:lambda:us-east-1:123456789012:function:Echo', Arguments: { n: 2 }, Next: 'Pause2' },
      Pause2: { Type: 'Wait', Seconds: 10, End: true },
    }),
    // A high timeScale magnifies any gap between the time the engine bases the deadline on and
    // the WaitStateEntered timestamp (1 ms of real time is 1 s of execution time here).
    timeScale: 1000,
    expect: { status: 'SUCCEEDED', history: { stateDurations: { Pause0: { min: 10 }, Pause1: { min: 10 }, Pause: { min: 10 }, Pause2: { min: 10 } } } },
  },
];
