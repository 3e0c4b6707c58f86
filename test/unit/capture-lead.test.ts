import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { ExecutionAlreadyExists, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { KEYED } from './support/api-key';
import { httpEvent, lambdaContext } from './support/lambda-fixtures';

process.env.TABLE_NAME = 'test-table';
process.env.STATE_MACHINE_ARN = 'arn:aws:states:eu-west-1:123456789012:stateMachine:LeadLifecycle';

const ddbMock = mockClient(DynamoDBDocumentClient);
const sfnMock = mockClient(SFNClient);
const { handler } = await import('../../functions/capture-lead');
const { deriveLeadId } = await import('#lib/leads/schema');

const lead = {
  name: 'Ada Lovelace',
  email: 'ada@example.com',
  company: 'Analytical Engines',
  title: 'CTO',
  companySize: '201-1000',
  source: 'webinar',
  campaign: 'spring',
  consent: true,
};
const ccf = () => new ConditionalCheckFailedException({ message: 'exists', $metadata: {} });
const post = (body: unknown) => handler(httpEvent({ method: 'POST', path: '/leads', headers: KEYED, body: typeof body === 'string' ? body : JSON.stringify(body) }), lambdaContext());
const execArn = (name: string) => `arn:aws:states:eu-west-1:123456789012:execution:LeadLifecycle:${name}`;

beforeEach(() => {
  ddbMock.on(GetCommand).resolves({}); // nothing, unless a test says (a duplicate submit reads its first EVENT: none)
  ddbMock.on(PutCommand).resolves({});
  ddbMock.on(UpdateCommand).resolves({});
});
afterEach(() => {
  ddbMock.reset();
  sfnMock.reset();
});

describe('POST /leads', () => {
  it('201: writes the lead conditionally and starts the execution named by the lead id', async () => {
    const id = deriveLeadId(lead.email, lead.campaign);
    sfnMock.on(StartExecutionCommand).resolves({ executionArn: execArn(id), startDate: new Date() });
    const res = await post(lead);
    expect(res.statusCode).toBe(201);
    expect(JSON.parse(res.body)).toEqual({ leadId: id, executionArn: execArn(id), created: true });

    const put = ddbMock.commandCalls(PutCommand).find((c) => c.args[0].input.Item?.['sk'] === 'PROFILE')?.args[0].input;
    expect(put?.ConditionExpression).toBe('attribute_not_exists(pk)');
    expect(put?.Item).toMatchObject({ pk: `LEAD#${id}`, leadId: id, stage: 'captured', email: 'ada@example.com', companySize: '201-1000', consent: true, idSource: 'derived' });

    const start = sfnMock.commandCalls(StartExecutionCommand);
    expect(start).toHaveLength(1);
    expect(start[0]?.args[0].input).toEqual({
      stateMachineArn: process.env.STATE_MACHINE_ARN,
      name: id,
      input: JSON.stringify({ leadId: id }),
    });
  });

  it('keeps a client-supplied id as lead id and execution name', async () => {
    sfnMock.on(StartExecutionCommand).resolves({ executionArn: execArn('crm-42'), startDate: new Date() });
    const res = await post({ ...lead, id: 'crm-42' });
    expect(res.statusCode).toBe(201);
    expect(sfnMock.commandCalls(StartExecutionCommand)[0]?.args[0].input.name).toBe('crm-42');
  });

  it('400 names every bad field and writes nothing', async () => {
    const res = await post({ name: '', email: 'nope', consent: 'yes', budget: 'lots', extra: 1 });
    expect(res.statusCode).toBe(400);
    expect(res.headers['Content-Type']).toMatch(/application\/json/);
    const body = JSON.parse(res.body) as { field: string; errors: Array<{ field: string; message: string }> };
    expect(body.errors.map((e) => e.field).sort()).toEqual(['budget', 'company', 'consent', 'email', 'extra', 'name']);
    expect(body.field).toBe(body.errors[0]?.field);
    expect(ddbMock.calls()).toHaveLength(0);
    expect(sfnMock.calls()).toHaveLength(0);
  });

  it('400 for malformed JSON and 413 for an oversized body, as field "body"', async () => {
    const bad = await post('{"name":');
    expect(bad.statusCode).toBe(400);
    expect(JSON.parse(bad.body)).toMatchObject({ field: 'body' });
    const big = await post({ ...lead, message: 'x'.repeat(70_000) });
    expect(big.statusCode).toBe(413);
    expect(JSON.parse(big.body)).toMatchObject({ field: 'body' });
    expect(ddbMock.calls()).toHaveLength(0);
  });

  it('200 for a duplicate submit of a lead whose execution already runs: same id, no second execution', async () => {
    const id = deriveLeadId(lead.email, lead.campaign);
    ddbMock.on(PutCommand).rejects(ccf());
    ddbMock.on(GetCommand).resolves({ Item: { pk: `LEAD#${id}`, sk: 'PROFILE', leadId: id, email: lead.email, stage: 'qualifying', createdAt: '2026-01-01T00:00:00.000Z' } });
    const res = await post(lead);
    expect(res.statusCode).toBe(200);
    expect(JSON.parse(res.body)).toEqual({ leadId: id, executionArn: execArn(id), created: false });
    expect(sfnMock.commandCalls(StartExecutionCommand)).toHaveLength(0);
  });

  it('200 when a duplicate finds the lead still captured and the execution exists (ExecutionAlreadyExists is success)', async () => {
    const id = deriveLeadId(lead.email, lead.campaign);
    ddbMock.on(PutCommand, { Item: { sk: 'PROFILE' } }).rejects(ccf());
    ddbMock.on(GetCommand).resolves({ Item: { pk: `LEAD#${id}`, sk: 'PROFILE', leadId: id, email: lead.email, stage: 'captured', createdAt: '2026-01-01T00:00:00.000Z' } });
    sfnMock.on(StartExecutionCommand).rejects(new ExecutionAlreadyExists({ message: 'exists', $metadata: {} }));
    const res = await post(lead);
    expect(res.statusCode).toBe(200);
    expect(JSON.parse(res.body)).toEqual({ leadId: id, executionArn: execArn(id), created: false });
    expect(sfnMock.commandCalls(StartExecutionCommand)[0]?.args[0].input.name).toBe(id);
  });

  it('409 when a client id is reused for another contact, without starting anything', async () => {
    ddbMock.on(PutCommand).rejects(ccf());
    ddbMock.on(GetCommand).resolves({ Item: { pk: 'LEAD#crm-1', sk: 'PROFILE', leadId: 'crm-1', email: 'someone-else@example.com', stage: 'captured', createdAt: '2026-01-01T00:00:00.000Z' } });
    const res = await post({ ...lead, id: 'crm-1' });
    expect(res.statusCode).toBe(409);
    expect(res.body).not.toContain('someone-else');
    expect(sfnMock.calls()).toHaveLength(0);
  });

  describe('after an erasure', () => {
    const erased = (leadId: string) => ({ pk: `LEAD#${leadId}`, sk: 'PROFILE', leadId, name: '(erased)', company: '(erased)', stage: 'meeting', erasedAt: '2026-02-01T00:00:00.000Z', createdAt: '2026-01-01T00:00:00.000Z' });
    const live = (leadId: string, email: string) => ({ pk: `LEAD#${leadId}`, sk: 'PROFILE', leadId, email, stage: 'qualifying', createdAt: '2026-03-01T00:00:00.000Z' });
    const profilePuts = () => ddbMock.commandCalls(PutCommand).map((c) => c.args[0].input.Item ?? {}).filter((i) => i['sk'] === 'PROFILE');

    it('the same email and campaign are a new lead: 201 under the next generation of the id, a new execution name', async () => {
      const id = deriveLeadId(lead.email, lead.campaign);
      ddbMock.on(PutCommand, { Item: { pk: `LEAD#${id}`, sk: 'PROFILE' } }).rejects(ccf());
      ddbMock.on(GetCommand, { Key: { pk: `LEAD#${id}`, sk: 'PROFILE' } }).resolves({ Item: erased(id) });
      sfnMock.on(StartExecutionCommand).callsFake((input: { name: string }) => ({ executionArn: execArn(input.name), startDate: new Date() }));
      const res = await post(lead);
      expect(res.statusCode).toBe(201);
      expect(JSON.parse(res.body)).toEqual({ leadId: `${id}-g2`, executionArn: execArn(`${id}-g2`), created: true });
      expect(profilePuts().map((i) => i['leadId'])).toEqual([id, `${id}-g2`]);
      expect(profilePuts()[1]).toMatchObject({ email: lead.email, stage: 'captured' });
      expect(sfnMock.commandCalls(StartExecutionCommand).map((c) => c.args[0].input)).toEqual([{ stateMachineArn: process.env.STATE_MACHINE_ARN, name: `${id}-g2`, input: JSON.stringify({ leadId: `${id}-g2` }) }]);
      // Nothing is written to the erased lead (no event completed for it, nothing linking it to the new one).
      const writes = [...ddbMock.commandCalls(PutCommand), ...ddbMock.commandCalls(UpdateCommand)].map((c) => c.args[0].input as { Item?: Record<string, unknown>; Key?: Record<string, unknown> });
      expect(writes.filter((w) => (w.Item?.['pk'] ?? w.Key?.['pk']) === `LEAD#${id}` && (w.Item?.['sk'] ?? w.Key?.['sk']) !== 'PROFILE')).toEqual([]);
    });

    it('a duplicate submit of the new lead is idempotent: 200, the same generation, no second execution', async () => {
      const id = deriveLeadId(lead.email, lead.campaign);
      ddbMock.on(PutCommand, { Item: { sk: 'PROFILE' } }).rejects(ccf());
      ddbMock.on(GetCommand, { Key: { pk: `LEAD#${id}`, sk: 'PROFILE' } }).resolves({ Item: erased(id) });
      ddbMock.on(GetCommand, { Key: { pk: `LEAD#${id}-g2`, sk: 'PROFILE' } }).resolves({ Item: live(`${id}-g2`, lead.email) });
      const res = await post(lead);
      expect(res.statusCode).toBe(200);
      expect(JSON.parse(res.body)).toEqual({ leadId: `${id}-g2`, executionArn: execArn(`${id}-g2`), created: false });
      expect(sfnMock.calls()).toHaveLength(0);
    });

    it('an erased client id is a new lead for whoever comes next; a later generation taken by another contact is skipped', async () => {
      ddbMock.on(PutCommand, { Item: { pk: 'LEAD#crm-7', sk: 'PROFILE' } }).rejects(ccf());
      ddbMock.on(PutCommand, { Item: { pk: 'LEAD#crm-7-g2', sk: 'PROFILE' } }).rejects(ccf());
      ddbMock.on(GetCommand, { Key: { pk: 'LEAD#crm-7', sk: 'PROFILE' } }).resolves({ Item: erased('crm-7') });
      ddbMock.on(GetCommand, { Key: { pk: 'LEAD#crm-7-g2', sk: 'PROFILE' } }).resolves({ Item: live('crm-7-g2', 'someone-else@example.com') });
      sfnMock.on(StartExecutionCommand).callsFake((input: { name: string }) => ({ executionArn: execArn(input.name), startDate: new Date() }));
      const res = await post({ ...lead, id: 'crm-7' });
      expect(res.statusCode).toBe(201);
      expect(JSON.parse(res.body)).toMatchObject({ leadId: 'crm-7-g3', created: true });
      expect(res.body).not.toContain('someone-else');
    });
  });

  it('503 when Step Functions throttles (the client retries the same submit)', async () => {
    sfnMock.on(StartExecutionCommand).rejects(Object.assign(new Error('slow'), { name: 'ThrottlingException' }));
    const res = await post(lead);
    expect(res.statusCode).toBe(503);
  });
});
