/**
 * The Step Functions API over the AWS JSON 1.0 protocol, through the real
 * `@aws-sdk/client-sfn`: state machines, executions, history and listing.
 */
import {
  CreateStateMachineCommand,
  DeleteStateMachineCommand,
  DescribeExecutionCommand,
  DescribeStateMachineCommand,
  GetExecutionHistoryCommand,
  ListExecutionsCommand,
  ListStateMachinesCommand,
  StartExecutionCommand,
  StopExecutionCommand,
  UpdateStateMachineCommand,
  type ExecutionListItem,
} from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROLE_ARN, definition, eventually, fullHistory, lambdaArn, rejection, startHarness, type Harness, type StoreKind } from './fixtures/sfn-harness';

const PASS_MACHINE = definition({
  Greet: { Type: 'Pass', Output: { greeting: "{% 'hello ' & $states.input.who %}" }, Next: 'Done' },
  Done: { Type: 'Succeed' },
});

/** Parks on a callback until the test answers; the token goes to `tokens`. */
const CALLBACK_MACHINE = definition({
  'Await answer': {
    Type: 'Task',
    Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
    Arguments: { FunctionName: lambdaArn('park'), Payload: { token: '{% $states.context.Task.Token %}', input: '{% $states.input %}' } },
    Output: '{% $states.result %}',
    End: true,
  },
});

describe.each<StoreKind>(['memory', 'durable'])('Step Functions API over HTTP: state machines and executions (%s store)', (store) => {
  let h: Harness;
  const tokens = new Map<string, string>(); // execution input id -> task token

  beforeAll(async () => {
    h = await startHarness({
      store,
      lambdas: {
        park: async (event) => {
          const e = event as { token: string; input: { id: string } };
          tokens.set(e.input.id, e.token);
          return {};
        },
      },
    });
  });
  afterAll(async () => {
    await h?.close();
  });

  it('creates, describes, lists, updates and deletes a state machine', async () => {
    const created = await h.sfn.send(new CreateStateMachineCommand({ name: 'crud', definition: PASS_MACHINE, roleArn: ROLE_ARN }));
    expect(created.stateMachineArn).toBe('arn:aws:states:us-east-1:123456789012:stateMachine:crud');
    expect(created.creationDate).toBeInstanceOf(Date);
    expect(Math.abs(created.creationDate!.getTime() - Date.now())).toBeLessThan(60_000);

    const described = await h.sfn.send(new DescribeStateMachineCommand({ stateMachineArn: created.stateMachineArn }));
    expect(described).toMatchObject({ name: 'crud', status: 'ACTIVE', type: 'STANDARD', roleArn: ROLE_ARN, definition: PASS_MACHINE });
    expect(described.creationDate?.getTime()).toBe(created.creationDate?.getTime());

    const listed = await h.sfn.send(new ListStateMachinesCommand({}));
    expect(listed.stateMachines?.map((s) => s.name)).toContain('crud');

    const newDefinition = definition({ Only: { Type: 'Pass', Output: { v: 2 }, End: true } });
    const updated = await h.sfn.send(new UpdateStateMachineCommand({ stateMachineArn: created.stateMachineArn, definition: newDefinition }));
    expect(updated.updateDate).toBeInstanceOf(Date);
    const after = await h.sfn.send(new DescribeStateMachineCommand({ stateMachineArn: created.stateMachineArn }));
    expect(after.definition).toBe(newDefinition);

    const run = await h.sfn.send(new StartExecutionCommand({ stateMachineArn: created.stateMachineArn }));
    await h.engine.waitForExecution(run.executionArn!, { timeoutMs: 5_000 });
    const ran = await h.sfn.send(new DescribeExecutionCommand({ executionArn: run.executionArn }));
    expect(JSON.parse(ran.output ?? 'null')).toEqual({ v: 2 });

    await h.sfn.send(new DeleteStateMachineCommand({ stateMachineArn: created.stateMachineArn }));
    const gone = await rejection(h.sfn.send(new DescribeStateMachineCommand({ stateMachineArn: created.stateMachineArn })));
    expect(gone).toMatchObject({ name: 'StateMachineDoesNotExist', status: 400 });
  });

  it('pages through state machines', async () => {
    for (const n of ['page-a', 'page-b', 'page-c']) {
      await h.sfn.send(new CreateStateMachineCommand({ name: n, definition: PASS_MACHINE, roleArn: ROLE_ARN }));
    }
    const names: string[] = [];
    let nextToken: string | undefined;
    let pages = 0;
    do {
      const page = await h.sfn.send(new ListStateMachinesCommand({ maxResults: 1, nextToken }));
      expect(page.stateMachines?.length).toBeLessThanOrEqual(1);
      names.push(...(page.stateMachines ?? []).map((s) => s.name ?? ''));
      nextToken = page.nextToken;
      pages++;
    } while (nextToken && pages < 100);
    expect(names).toEqual(expect.arrayContaining(['page-a', 'page-b', 'page-c']));
    expect(new Set(names).size).toBe(names.length);
    expect(pages).toBeGreaterThanOrEqual(3);
  });

  it('runs an execution and describes it with input, output and dates', async () => {
    const { stateMachineArn } = await h.sfn.send(new CreateStateMachineCommand({ name: 'greeter', definition: PASS_MACHINE, roleArn: ROLE_ARN }));
    const started = await h.sfn.send(new StartExecutionCommand({ stateMachineArn, name: 'greet-ada', input: JSON.stringify({ who: 'Ada' }) }));
    expect(started.executionArn).toBe('arn:aws:states:us-east-1:123456789012:execution:greeter:greet-ada');
    expect(started.startDate).toBeInstanceOf(Date);

    const done = await eventually('the execution to finish', async () => {
      const d = await h.sfn.send(new DescribeExecutionCommand({ executionArn: started.executionArn }));
      return d.status === 'RUNNING' ? undefined : d;
    });
    expect(done).toMatchObject({ status: 'SUCCEEDED', name: 'greet-ada', stateMachineArn, executionArn: started.executionArn });
    expect(JSON.parse(done.input ?? '')).toEqual({ who: 'Ada' });
    expect(JSON.parse(done.output ?? '')).toEqual({ greeting: 'hello Ada' });
    expect(done.startDate?.getTime()).toBe(started.startDate?.getTime());
    expect(done.stopDate!.getTime()).toBeGreaterThanOrEqual(done.startDate!.getTime());
    expect(done.error).toBeUndefined();
  });

  it('returns the history with AWS event types, ids, previousEventId and details', async () => {
    const { stateMachineArn } = await h.sfn.send(new CreateStateMachineCommand({ name: 'history', definition: PASS_MACHINE, roleArn: ROLE_ARN }));
    const { executionArn } = await h.sfn.send(new StartExecutionCommand({ stateMachineArn, input: JSON.stringify({ who: 'Grace' }) }));
    await h.engine.waitForExecution(executionArn!, { timeoutMs: 5_000 });

    const { events = [], nextToken } = await h.sfn.send(new GetExecutionHistoryCommand({ executionArn }));
    expect(nextToken).toBeUndefined();
    expect(events.map((e) => e.type)).toEqual([
      'ExecutionStarted',
      'PassStateEntered',
      'PassStateExited',
      'SucceedStateEntered',
      'SucceedStateExited',
      'ExecutionSucceeded',
    ]);
    expect(events.map((e) => e.id)).toEqual([1, 2, 3, 4, 5, 6]);
    // As in the GetExecutionHistory reference example: the first state's entered event points at 0, not at ExecutionStarted.
    expect(events.map((e) => e.previousEventId)).toEqual([0, 0, 2, 3, 4, 5]);
    for (const e of events) expect(e.timestamp).toBeInstanceOf(Date);
    const times = events.map((e) => e.timestamp!.getTime());
    expect(times, 'timestamps never go back').toEqual([...times].sort((a, b) => a - b));
    expect(JSON.parse(events[0]?.executionStartedEventDetails?.input ?? '')).toEqual({ who: 'Grace' });
    expect(events[0]?.executionStartedEventDetails?.roleArn).toBe(ROLE_ARN);
    expect(events[1]?.stateEnteredEventDetails?.name).toBe('Greet');
    expect(JSON.parse(events[1]?.stateEnteredEventDetails?.input ?? '')).toEqual({ who: 'Grace' });
    expect(events[2]?.stateExitedEventDetails?.name).toBe('Greet');
    expect(JSON.parse(events[2]?.stateExitedEventDetails?.output ?? '')).toEqual({ greeting: 'hello Grace' });
    expect(JSON.parse(events[5]?.executionSucceededEventDetails?.output ?? '')).toEqual({ greeting: 'hello Grace' });

    // reverseOrder: newest first, same events.
    const reversed = await h.sfn.send(new GetExecutionHistoryCommand({ executionArn, reverseOrder: true }));
    expect(reversed.events?.map((e) => e.id)).toEqual([6, 5, 4, 3, 2, 1]);
    expect(reversed.events?.[0]?.type).toBe('ExecutionSucceeded');

    // Pagination, forwards and backwards.
    const page1 = await h.sfn.send(new GetExecutionHistoryCommand({ executionArn, maxResults: 4 }));
    expect(page1.events?.map((e) => e.id)).toEqual([1, 2, 3, 4]);
    expect(page1.nextToken).toEqual(expect.any(String));
    const page2 = await h.sfn.send(new GetExecutionHistoryCommand({ executionArn, maxResults: 4, nextToken: page1.nextToken }));
    expect(page2.events?.map((e) => e.id)).toEqual([5, 6]);
    expect(page2.nextToken).toBeUndefined();
    const back1 = await h.sfn.send(new GetExecutionHistoryCommand({ executionArn, maxResults: 5, reverseOrder: true }));
    expect(back1.events?.map((e) => e.id)).toEqual([6, 5, 4, 3, 2]);
    const back2 = await h.sfn.send(new GetExecutionHistoryCommand({ executionArn, maxResults: 5, reverseOrder: true, nextToken: back1.nextToken }));
    expect(back2.events?.map((e) => e.id)).toEqual([1]);
    expect(back2.nextToken).toBeUndefined();
    expect(await fullHistory(h.sfn, executionArn!, 1)).toHaveLength(6);

    // includeExecutionData: false leaves inputs and outputs out.
    const bare = await h.sfn.send(new GetExecutionHistoryCommand({ executionArn, includeExecutionData: false }));
    expect(bare.events?.map((e) => e.type)).toEqual(events.map((e) => e.type));
    expect(bare.events?.[0]?.executionStartedEventDetails?.input).toBeUndefined();
    expect(bare.events?.[1]?.stateEnteredEventDetails?.name).toBe('Greet');
    expect(bare.events?.[1]?.stateEnteredEventDetails?.input).toBeUndefined();
    expect(bare.events?.[5]?.executionSucceededEventDetails?.output).toBeUndefined();
  });

  it('pages through a long history the same forwards and backwards, at any page size', async () => {
    const states: Record<string, Record<string, unknown>> = {};
    for (let i = 1; i <= 15; i++) states[`Step ${i}`] = { Type: 'Pass', Output: { i }, ...(i < 15 ? { Next: `Step ${i + 1}` } : { End: true }) };
    const { stateMachineArn } = await h.sfn.send(new CreateStateMachineCommand({ name: 'long-history', definition: definition(states), roleArn: ROLE_ARN }));
    const { executionArn } = await h.sfn.send(new StartExecutionCommand({ stateMachineArn }));
    await h.engine.waitForExecution(executionArn!, { timeoutMs: 10_000 });
    const all = await fullHistory(h.sfn, executionArn!, 1000);
    expect(all).toHaveLength(32); // started + 15 x (entered, exited) + succeeded
    expect(all.map((e) => e.id)).toEqual(all.map((_, i) => i + 1));
    for (const size of [1, 5, 7, 31, 32]) {
      expect((await fullHistory(h.sfn, executionArn!, size)).map((e) => e.id)).toEqual(all.map((e) => e.id));
      const backwards: number[] = [];
      let nextToken: string | undefined;
      do {
        const page = await h.sfn.send(new GetExecutionHistoryCommand({ executionArn, maxResults: size, reverseOrder: true, nextToken }));
        expect(page.events!.length).toBeLessThanOrEqual(size);
        backwards.push(...(page.events ?? []).map((e) => e.id ?? 0));
        nextToken = page.nextToken;
      } while (nextToken);
      expect(backwards).toEqual(all.map((e) => e.id).reverse());
    }
    // A token from another execution's history: the same position there, or a client error; never a server error.
    const page = await h.sfn.send(new GetExecutionHistoryCommand({ executionArn, maxResults: 5 }));
    const other = await h.sfn.send(new StartExecutionCommand({ stateMachineArn }));
    await h.engine.waitForExecution(other.executionArn!, { timeoutMs: 10_000 });
    const misuse = await h.sfn.send(new GetExecutionHistoryCommand({ executionArn: other.executionArn, maxResults: 5, nextToken: page.nextToken })).then(
      (r) => r.events?.map((e) => e.id),
      (e: Error) => e.name,
    );
    expect([[6, 7, 8, 9, 10], 'InvalidToken', 'ValidationException']).toContainEqual(misuse);
  });

  it('lists executions newest first, filtered by status and paginated', async () => {
    const { stateMachineArn } = await h.sfn.send(new CreateStateMachineCommand({ name: 'listing', definition: CALLBACK_MACHINE, roleArn: ROLE_ARN }));
    const names = ['l1', 'l2', 'l3', 'l4', 'l5'];
    for (const name of names) {
      await h.sfn.send(new StartExecutionCommand({ stateMachineArn, name, input: JSON.stringify({ id: name }) }));
    }
    await eventually('every execution to park on its callback', () => (names.every((n) => tokens.has(n)) ? true : undefined));
    // Finish two of them.
    for (const name of ['l2', 'l4']) {
      await h.engine.sendTaskSuccess({ taskToken: tokens.get(name)!, output: JSON.stringify({ answered: name }) });
      await h.engine.waitForExecution(`arn:aws:states:us-east-1:123456789012:execution:listing:${name}`, { timeoutMs: 5_000 });
    }

    const all: ExecutionListItem[] = [];
    let nextToken: string | undefined;
    let pages = 0;
    do {
      const page = await h.sfn.send(new ListExecutionsCommand({ stateMachineArn, maxResults: 2, nextToken }));
      expect(page.executions!.length).toBeLessThanOrEqual(2);
      all.push(...(page.executions ?? []));
      nextToken = page.nextToken;
      pages++;
    } while (nextToken && pages < 20);
    expect(pages).toBe(3);
    expect(all.map((e) => e.name)).toEqual(['l5', 'l4', 'l3', 'l2', 'l1']); // newest first, as AWS lists them
    expect(all.find((e) => e.name === 'l2')).toMatchObject({ status: 'SUCCEEDED', stateMachineArn });
    expect(all.find((e) => e.name === 'l2')?.stopDate).toBeInstanceOf(Date);
    expect(all.find((e) => e.name === 'l1')?.stopDate).toBeUndefined();

    const running = await h.sfn.send(new ListExecutionsCommand({ stateMachineArn, statusFilter: 'RUNNING' }));
    expect(running.executions?.map((e) => e.name).sort()).toEqual(['l1', 'l3', 'l5']);
    expect(running.executions?.every((e) => e.status === 'RUNNING')).toBe(true);
    const succeeded = await h.sfn.send(new ListExecutionsCommand({ stateMachineArn, statusFilter: 'SUCCEEDED' }));
    expect(succeeded.executions?.map((e) => e.name).sort()).toEqual(['l2', 'l4']);
    const failed = await h.sfn.send(new ListExecutionsCommand({ stateMachineArn, statusFilter: 'FAILED' }));
    expect(failed.executions).toEqual([]);

    // Stop one of the parked executions.
    const l1 = `arn:aws:states:us-east-1:123456789012:execution:listing:l1`;
    const stopped = await h.sfn.send(new StopExecutionCommand({ executionArn: l1, error: 'Operator.Stop', cause: 'test' }));
    expect(stopped.stopDate).toBeInstanceOf(Date);
    const d = await h.sfn.send(new DescribeExecutionCommand({ executionArn: l1 }));
    expect(d).toMatchObject({ status: 'ABORTED', error: 'Operator.Stop', cause: 'test' });
    const aborted = await h.sfn.send(new ListExecutionsCommand({ stateMachineArn, statusFilter: 'ABORTED' }));
    expect(aborted.executions?.map((e) => e.name)).toEqual(['l1']);
    const history = await fullHistory(h.sfn, l1);
    expect(history.at(-1)?.type).toBe('ExecutionAborted');
    expect(history.at(-1)?.executionAbortedEventDetails).toMatchObject({ error: 'Operator.Stop', cause: 'test' });
  });

  it('keeps names unique under concurrent starts: one execution per name, the same ARN for the same input', async () => {
    const { stateMachineArn } = await h.sfn.send(new CreateStateMachineCommand({ name: 'racing', definition: CALLBACK_MACHINE, roleArn: ROLE_ARN }));
    const same = JSON.stringify({ id: 'race-same' });
    const sameInput = await Promise.all(Array.from({ length: 10 }, () => h.sfn.send(new StartExecutionCommand({ stateMachineArn, name: 'race-same', input: same }))));
    expect(new Set(sameInput.map((r) => r.executionArn)).size).toBe(1);

    const outcomes = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        h.sfn.send(new StartExecutionCommand({ stateMachineArn, name: 'race-other', input: JSON.stringify({ id: `race-other-${i}` }) })).then(
          () => 'started',
          (e: Error) => e.name,
        ),
      ),
    );
    expect(outcomes.filter((o) => o === 'started')).toHaveLength(1);
    expect(outcomes.filter((o) => o === 'ExecutionAlreadyExists')).toHaveLength(9);

    const many = await Promise.all(Array.from({ length: 50 }, (_, i) => h.sfn.send(new StartExecutionCommand({ stateMachineArn, name: `race-${i}`, input: JSON.stringify({ id: `race-${i}` }) }))));
    expect(new Set(many.map((r) => r.executionArn)).size).toBe(50);
    const listed: string[] = [];
    let nextToken: string | undefined;
    do {
      const page = await h.sfn.send(new ListExecutionsCommand({ stateMachineArn, maxResults: 20, nextToken }));
      listed.push(...(page.executions ?? []).map((e) => e.name ?? ''));
      nextToken = page.nextToken;
    } while (nextToken);
    expect(listed.sort()).toEqual(['race-other', 'race-same', ...Array.from({ length: 50 }, (_, i) => `race-${i}`)].sort());
  });

  it('starts idempotently: same name and input returns the same execution, other input is ExecutionAlreadyExists', async () => {
    const { stateMachineArn } = await h.sfn.send(new CreateStateMachineCommand({ name: 'idem', definition: CALLBACK_MACHINE, roleArn: ROLE_ARN }));
    const input = JSON.stringify({ id: 'idem-1' });
    const first = await h.sfn.send(new StartExecutionCommand({ stateMachineArn, name: 'lead-42', input }));
    const again = await h.sfn.send(new StartExecutionCommand({ stateMachineArn, name: 'lead-42', input }));
    expect(again.executionArn).toBe(first.executionArn);
    expect(again.startDate?.getTime()).toBe(first.startDate?.getTime());

    const clash = await rejection(h.sfn.send(new StartExecutionCommand({ stateMachineArn, name: 'lead-42', input: JSON.stringify({ id: 'other' }) })));
    expect(clash).toMatchObject({ name: 'ExecutionAlreadyExists', status: 400, fault: 'client' });

    const listed = await h.sfn.send(new ListExecutionsCommand({ stateMachineArn }));
    expect(listed.executions?.map((e) => e.name)).toEqual(['lead-42']);

    // Once closed, even the same input is ExecutionAlreadyExists (names are unique for 90 days on AWS).
    await eventually('the token', () => tokens.get('idem-1'));
    await h.sfn.send(new StopExecutionCommand({ executionArn: first.executionArn }));
    const closed = await rejection(h.sfn.send(new StartExecutionCommand({ stateMachineArn, name: 'lead-42', input })));
    expect(closed).toMatchObject({ name: 'ExecutionAlreadyExists', status: 400 });
  });
});
