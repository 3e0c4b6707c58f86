/**
 * `$states.context` per state type, field by field and in AWS's order: what
 * AWS recorded (Pass: no RetryCount; Task: State.RetryCount) and documents
 * (Task.Token only in a callback task, Map.Item only in a Map's ItemSelector).
 * Each scenario lists the field names of every object, so an extra field
 * fails it.
 */
import { jsonata, type Scenario } from '../types';

const DOC_CONTEXT = 'https://docs.aws.amazon.com/step-functions/latest/dg/input-output-contextobject.html';
const LS_PASS = 'localstack/localstack tests/aws/services/stepfunctions/v2/context_object/test_context_object.snapshot.json (test_input_path[$$]: PassStateExited output)';
const LS_TASK = 'localstack/localstack tests/aws/services/stepfunctions/v2/scenarios/test_base_scenarios.snapshot.json (test_lambda_service_invoke_with_retry_extended_input: TaskScheduled parameters)';

/** The field names of `$states.context` and of its objects, joined (JSONata collapses one-element arrays). */
const SHAPE = {
  context: "{% $join($keys($states.context), ',') %}",
  Execution: "{% $join($keys($states.context.Execution), ',') %}",
  StateMachine: "{% $join($keys($states.context.StateMachine), ',') %}",
  State: "{% $join($keys($states.context.State), ',') %}",
};

const EXECUTION = 'Id,Input,StartTime,Name,RoleArn,RedriveCount';
/** A state without Retry (Pass, Choice, Wait, Succeed, Fail). */
const PLAIN = { context: 'Execution,StateMachine,State', Execution: EXECUTION, StateMachine: 'Id,Name', State: 'Name,EnteredTime' };
/** A state that retries (Task, Parallel, Map). */
const RETRYING = { ...PLAIN, State: 'Name,EnteredTime,RetryCount' };

export const contextObjectScenarios: Scenario[] = [
  {
    name: 'Pass: Execution, StateMachine and State (Name, EnteredTime), no RetryCount, Task or Map',
    source: [DOC_CONTEXT, LS_PASS],
    definition: jsonata('P', { P: { Type: 'Pass', Output: SHAPE, End: true } }),
    expect: { status: 'SUCCEEDED', output: PLAIN },
  },
  {
    name: 'Choice: the same fields as Pass, in the Output of a rule',
    source: DOC_CONTEXT,
    definition: jsonata('C', { C: { Type: 'Choice', Choices: [{ Condition: true, Output: SHAPE, Next: 'Done' }] }, Done: { Type: 'Succeed' } }),
    expect: { status: 'SUCCEEDED', output: PLAIN },
  },
  {
    name: 'Wait: the same fields as Pass',
    source: DOC_CONTEXT,
    definition: jsonata('W', { W: { Type: 'Wait', Seconds: 0, Output: SHAPE, End: true } }),
    expect: { status: 'SUCCEEDED', output: PLAIN },
  },
  {
    name: 'Succeed: the same fields as Pass',
    source: DOC_CONTEXT,
    definition: jsonata('S', { S: { Type: 'Succeed', Output: SHAPE } }),
    expect: { status: 'SUCCEEDED', output: PLAIN },
  },
  {
    name: 'Fail: the same fields as Pass, in its Cause',
    source: DOC_CONTEXT,
    definition: jsonata('F', { F: { Type: 'Fail', Error: 'Shape', Cause: "{% $join($keys($states.context), ',') & '|' & $join($keys($states.context.State), ',') %}" } }),
    expect: { status: 'FAILED', error: 'Shape', cause: 'Execution,StateMachine,State|Name,EnteredTime' },
  },
  {
    name: 'Task: State has RetryCount, in Arguments and in Output; no Task.Token without a callback',
    source: [DOC_CONTEXT, LS_TASK],
    definition: jsonata('T', {
      T: { Type: 'Task', Resource: 'arn:aws:states:::lambda:invoke', Arguments: { FunctionName: 'Echo', Payload: SHAPE }, Output: { args: '{% $states.result.Payload %}', output: SHAPE }, End: true },
    }),
    expect: { status: 'SUCCEEDED', output: { args: RETRYING, output: RETRYING } },
  },
  {
    name: 'Task with waitForTaskToken: Task holds only Token, in Arguments',
    source: [DOC_CONTEXT, 'https://docs.aws.amazon.com/step-functions/latest/dg/connect-to-resource.html#connect-wait-token'],
    definition: jsonata('T', {
      T: {
        Type: 'Task',
        Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
        Arguments: { FunctionName: 'TokenSink', Payload: { token: '{% $states.context.Task.Token %}', shape: SHAPE, task: "{% $join($keys($states.context.Task), ',') %}" } },
        End: true,
      },
    }),
    callbacks: [{ kind: 'success', output: 'answered' }],
    expect: {
      status: 'SUCCEEDED',
      output: 'answered',
      history: { eventsInclude: [{ type: 'TaskScheduled', taskScheduledEventDetails: { parameters: { Payload: { shape: { ...RETRYING, context: 'Execution,StateMachine,State,Task' }, task: 'Token' } } } }] },
    },
  },
  {
    name: 'Map: Map.Item (Index, Value) in ItemSelector only; the ItemProcessor states and the Map Output see no Map field',
    source: DOC_CONTEXT,
    definition: jsonata('M', {
      M: {
        Type: 'Map',
        Items: ['a', 'b'],
        ItemSelector: { shape: { ...SHAPE, item: "{% $join($keys($states.context.Map.Item), ',') %}" }, index: '{% $states.context.Map.Item.Index %}', value: '{% $states.context.Map.Item.Value %}' },
        ItemProcessor: { ProcessorConfig: { Mode: 'INLINE' }, StartAt: 'P', States: { P: { Type: 'Pass', Output: { selected: '{% $states.input %}', inner: SHAPE }, End: true } } },
        Output: { iterations: '{% $states.result %}', own: SHAPE },
        End: true,
      },
    }),
    expect: {
      status: 'SUCCEEDED',
      output: {
        iterations: ['a', 'b'].map((value, index) => ({ selected: { shape: { ...RETRYING, context: 'Execution,StateMachine,State,Map', item: 'Index,Value' }, index, value }, inner: PLAIN })),
        own: RETRYING,
      },
    },
  },
  {
    name: 'Parallel: State has RetryCount in its Arguments; branch states see plain state fields',
    source: DOC_CONTEXT,
    definition: jsonata('Both', {
      Both: {
        Type: 'Parallel',
        Arguments: SHAPE,
        Branches: [{ StartAt: 'P', States: { P: { Type: 'Pass', Output: { args: '{% $states.input %}', inner: SHAPE }, End: true } } }],
        End: true,
      },
    }),
    expect: { status: 'SUCCEEDED', output: [{ args: RETRYING, inner: PLAIN }] },
  },
];
