/**
 * Errors over the protocol: each one arrives in `@aws-sdk/client-sfn` as the
 * exception AWS throws (err.name) with AWS's HTTP status, and raw requests
 * that are not valid protocol get the protocol's own errors.
 */
import {
  CreateStateMachineCommand,
  DeleteStateMachineCommand,
  DescribeExecutionCommand,
  DescribeStateMachineCommand,
  GetExecutionHistoryCommand,
  ListExecutionsCommand,
  SFNServiceException,
  StartExecutionCommand,
  StopExecutionCommand,
  UpdateStateMachineCommand,
  ValidationException,
  ExecutionAlreadyExists,
} from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROLE_ARN, definition, rejection, startHarness, type Harness, type StoreKind } from './fixtures/sfn-harness';

const SM_ARN = 'arn:aws:states:us-east-1:123456789012:stateMachine:';
const EX_ARN = 'arn:aws:states:us-east-1:123456789012:execution:';
const PARK = definition({ Park: { Type: 'Wait', Seconds: 3600, End: true } });

describe.each<StoreKind>(['memory', 'durable'])('Step Functions API over HTTP: errors (%s store)', (store) => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness({ store });
    await h.sfn.send(new CreateStateMachineCommand({ name: 'errors', definition: PARK, roleArn: ROLE_ARN }));
  });
  afterAll(async () => {
    await h?.close();
  });

  async function raw(body: string, headers: Record<string, string> = {}, init: { method?: string; path?: string } = {}): Promise<{ status: number; json: { __type?: string; message?: string } }> {
    const res = await fetch(h.server.url + (init.path ?? '/'), {
      method: init.method ?? 'POST',
      headers: { 'Content-Type': 'application/x-amz-json-1.0', ...headers },
      body: init.method === 'GET' ? undefined : body,
    });
    expect(res.headers.get('content-type')).toBe('application/x-amz-json-1.0');
    return { status: res.status, json: (await res.json()) as { __type?: string; message?: string } };
  }

  it('ExecutionAlreadyExists: a running name with other input, as the SDK exception class', async () => {
    await h.sfn.send(new StartExecutionCommand({ stateMachineArn: `${SM_ARN}errors`, name: 'dup', input: '{"a":1}' }));
    // The rejection itself (the send's output if it resolved, which fails the first assertion).
    const err = await h.sfn.send(new StartExecutionCommand({ stateMachineArn: `${SM_ARN}errors`, name: 'dup', input: '{"a":2}' })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ExecutionAlreadyExists);
    expect(err).toBeInstanceOf(SFNServiceException);
    expect((err as ExecutionAlreadyExists).$metadata.httpStatusCode).toBe(400);
    expect((err as ExecutionAlreadyExists).$fault).toBe('client');
    expect((err as Error).message).toMatch(/dup/);
  });

  it('ExecutionDoesNotExist for describe, history and stop', async () => {
    for (const call of [
      () => h.sfn.send(new DescribeExecutionCommand({ executionArn: `${EX_ARN}errors:nope` })),
      () => h.sfn.send(new GetExecutionHistoryCommand({ executionArn: `${EX_ARN}errors:nope` })),
      () => h.sfn.send(new StopExecutionCommand({ executionArn: `${EX_ARN}errors:nope` })),
    ]) {
      expect(await rejection(call())).toMatchObject({ name: 'ExecutionDoesNotExist', status: 400, fault: 'client' });
    }
  });

  it('StateMachineDoesNotExist for start, describe, update and list', async () => {
    for (const call of [
      () => h.sfn.send(new StartExecutionCommand({ stateMachineArn: `${SM_ARN}missing` })),
      () => h.sfn.send(new DescribeStateMachineCommand({ stateMachineArn: `${SM_ARN}missing` })),
      () => h.sfn.send(new UpdateStateMachineCommand({ stateMachineArn: `${SM_ARN}missing`, definition: PARK })),
      () => h.sfn.send(new ListExecutionsCommand({ stateMachineArn: `${SM_ARN}missing` })),
    ]) {
      expect(await rejection(call())).toMatchObject({ name: 'StateMachineDoesNotExist', status: 400 });
    }
  });

  it('StateMachineAlreadyExists for the same name with another definition', async () => {
    const other = definition({ Other: { Type: 'Pass', End: true } });
    expect(await rejection(h.sfn.send(new CreateStateMachineCommand({ name: 'errors', definition: other, roleArn: ROLE_ARN })))).toMatchObject({
      name: 'StateMachineAlreadyExists',
      status: 400,
    });
  });

  it('InvalidDefinition for broken JSON, a missing state and a JSONPath-only field, naming the problem', async () => {
    const cases: [string, RegExp][] = [
      ['{"StartAt": ', /./],
      [definition({ A: { Type: 'Pass', Next: 'Nowhere' } }), /Nowhere/],
      [JSON.stringify({ QueryLanguage: 'JSONata', StartAt: 'Missing', States: { A: { Type: 'Pass', End: true } } }), /Missing/],
    ];
    for (const [body, mentions] of cases) {
      const err = await rejection(h.sfn.send(new CreateStateMachineCommand({ name: 'broken', definition: body, roleArn: ROLE_ARN })));
      expect(err).toMatchObject({ name: 'InvalidDefinition', status: 400 });
      expect(err.message).toMatch(mentions);
    }
    // And on update, leaving the machine as it was.
    const upd = await rejection(h.sfn.send(new UpdateStateMachineCommand({ stateMachineArn: `${SM_ARN}errors`, definition: '{}' })));
    expect(upd).toMatchObject({ name: 'InvalidDefinition', status: 400 });
    expect((await h.sfn.send(new DescribeStateMachineCommand({ stateMachineArn: `${SM_ARN}errors` }))).definition).toBe(PARK);
  });

  it('InvalidArn and InvalidName and InvalidExecutionInput', async () => {
    expect(await rejection(h.sfn.send(new DescribeExecutionCommand({ executionArn: 'not-an-arn' })))).toMatchObject({ name: 'InvalidArn', status: 400 });
    expect(await rejection(h.sfn.send(new DescribeStateMachineCommand({ stateMachineArn: 'not-an-arn' })))).toMatchObject({ name: 'InvalidArn', status: 400 });
    expect(await rejection(h.sfn.send(new StartExecutionCommand({ stateMachineArn: `${SM_ARN}errors`, name: 'has space' })))).toMatchObject({ name: 'InvalidName', status: 400 });
    expect(await rejection(h.sfn.send(new CreateStateMachineCommand({ name: 'bad name!', definition: PARK, roleArn: ROLE_ARN })))).toMatchObject({ name: 'InvalidName', status: 400 });
    expect(await rejection(h.sfn.send(new StartExecutionCommand({ stateMachineArn: `${SM_ARN}errors`, input: '{oops' })))).toMatchObject({
      name: 'InvalidExecutionInput',
      status: 400,
    });
  });

  it('ValidationException naming the missing or out-of-range field', async () => {
    const err = await h.sfn.send(new StartExecutionCommand({ stateMachineArn: undefined as unknown as string })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ValidationException);
    expect((err as ValidationException).$metadata.httpStatusCode).toBe(400);
    expect((err as Error).message).toContain("'stateMachineArn'");
    const noRole = await rejection(h.sfn.send(new CreateStateMachineCommand({ name: 'x', definition: PARK, roleArn: undefined as unknown as string })));
    expect(noRole).toMatchObject({ name: 'ValidationException', status: 400 });
    expect(noRole.message).toContain("'roleArn'");
    const tooMany = await rejection(h.sfn.send(new ListExecutionsCommand({ stateMachineArn: `${SM_ARN}errors`, maxResults: 1001 })));
    expect(tooMany).toMatchObject({ name: 'ValidationException', status: 400 });
    expect(tooMany.message).toContain("'maxResults'");
    const badStatus = await rejection(h.sfn.send(new ListExecutionsCommand({ stateMachineArn: `${SM_ARN}errors`, statusFilter: 'DONE' as 'RUNNING' })));
    expect(badStatus.message).toContain("'statusFilter'");
    const longName = await rejection(h.sfn.send(new StartExecutionCommand({ stateMachineArn: `${SM_ARN}errors`, name: 'n'.repeat(81) })));
    expect(longName).toMatchObject({ name: 'ValidationException', status: 400 });
    expect(longName.message).toContain("'name'");
    const noOutput = await rejection(raw(JSON.stringify({ taskToken: 'abc' }), { 'X-Amz-Target': 'AWSStepFunctions.SendTaskSuccess' }).then(throwIfError));
    expect(noOutput.name).toBe('com.amazon.coral.validate#ValidationException');
    expect(noOutput.message).toContain("'output'");
  });

  it('MissingRequiredParameter for an update that changes nothing', async () => {
    expect(await rejection(h.sfn.send(new UpdateStateMachineCommand({ stateMachineArn: `${SM_ARN}errors` })))).toMatchObject({ name: 'MissingRequiredParameter', status: 400 });
  });

  it('deletes a state machine: later starts fail, describe says so', async () => {
    await h.sfn.send(new CreateStateMachineCommand({ name: 'doomed', definition: PARK, roleArn: ROLE_ARN }));
    await h.sfn.send(new DeleteStateMachineCommand({ stateMachineArn: `${SM_ARN}doomed` }));
    const err = await rejection(h.sfn.send(new StartExecutionCommand({ stateMachineArn: `${SM_ARN}doomed` })));
    expect(['StateMachineDoesNotExist', 'StateMachineDeleting']).toContain(err.name);
  });

  it('UnknownOperationException for a missing or unknown X-Amz-Target', async () => {
    const unknown = await raw('{}', { 'X-Amz-Target': 'AWSStepFunctions.DescribeActivity' });
    expect(unknown.status).toBe(400);
    expect(unknown.json.__type).toBe('com.amazon.coral.service#UnknownOperationException');
    const other = await raw('{}', { 'X-Amz-Target': 'DynamoDB_20120810.ListTables' });
    expect(other.json.__type).toMatch(/UnknownOperationException$/);
    const none = await raw('{}');
    expect(none.status).toBe(400);
    expect(none.json.__type).toMatch(/UnknownOperationException$/);
    // Not even the prototype of the handler table is reachable.
    const proto = await raw('{}', { 'X-Amz-Target': 'AWSStepFunctions.constructor' });
    expect(proto.json.__type).toMatch(/UnknownOperationException$/);
  });

  it('SerializationException for a body that is not a JSON object or has wrong types', async () => {
    const target = { 'X-Amz-Target': 'AWSStepFunctions.ListStateMachines' };
    for (const body of ['{not json', '[]', '"x"', 'null']) {
      const res = await raw(body, target);
      expect(res.status).toBe(400);
      expect(res.json.__type).toBe('com.amazon.coral.service#SerializationException');
    }
    const wrongType = await raw(JSON.stringify({ maxResults: 'ten' }), target);
    expect(wrongType.json.__type).toMatch(/SerializationException$/);
    expect(wrongType.json.message).toContain("'maxResults'");
    // An empty body is an empty request, as the SDK sends for operations without input.
    expect((await raw('', target)).status).toBe(200);
  });

  it('413 for a body over the limit, 404 off the root path, 405 for GET', async () => {
    const big = await raw(JSON.stringify({ stateMachineArn: `${SM_ARN}errors`, input: 'x'.repeat(5 * 1024 * 1024) }), { 'X-Amz-Target': 'AWSStepFunctions.StartExecution' });
    expect(big.status).toBe(413);
    expect(big.json.__type).toMatch(/RequestEntityTooLarge/);
    expect((await raw('{}', { 'X-Amz-Target': 'AWSStepFunctions.ListStateMachines' }, { path: '/other' })).status).toBe(404);
    expect((await raw('', {}, { method: 'GET' })).status).toBe(405);
    // The server still serves after refusing a large body.
    expect((await raw('{}', { 'X-Amz-Target': 'AWSStepFunctions.ListStateMachines' })).status).toBe(200);
  });

  it('input over 256 KiB is a ValidationException naming input', async () => {
    const err = await rejection(h.sfn.send(new StartExecutionCommand({ stateMachineArn: `${SM_ARN}errors`, input: JSON.stringify({ s: 'x'.repeat(262144) }) })));
    expect(err).toMatchObject({ name: 'ValidationException', status: 400 });
    expect(err.message).toContain("'input'");
  });
});

async function throwIfError(res: { status: number; json: { __type?: string; message?: string } }): Promise<void> {
  if (res.status >= 400) throw Object.assign(new Error(res.json.message), { name: res.json.__type, $metadata: { httpStatusCode: res.status } });
}
