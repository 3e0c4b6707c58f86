/**
 * The failure path of the real state machine (statemachines/lead-lifecycle.asl.json,
 * substituted as deployed) on the embedded engine, for errors that come
 * without a cause: a step's Catch -> "Needs attention" (the real
 * record-outcome handler, DynamoDB and SES mocked) -> "Lead failed".
 * Issue 13, item 6: ops must be told ("no details given", not "undefined"),
 * the error is recorded on the lead, and the execution fails with the step's
 * error and a cause that says where, not with States.QueryEvaluationError.
 * The other steps are stubs; the engine runs at time scale 1000.
 */
import { readFileSync } from 'node:fs';
import { SESClient, SendEmailCommand } from '@aws-sdk/client-ses';
import { DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Engine, HistoryEvent, LambdaHandler } from '../../local/engine/api';
import { createEngine } from '../../local/engine/index';
import { ASL_FILE } from '../../infra/paths';
import { ASL_FUNCTION_PLACEHOLDERS, aslSubstitutions, substitute, type AslFunctionPlaceholder } from '../../infra/asl-substitutions';
import { resolveSettings } from '../../infra/settings';
import { TEAMS_JSON, lambdaContext, patchValues } from './support/lambda-fixtures';

process.env.TABLE_NAME = 'test-table';
process.env.MAIL_FROM = 'pipeline@example.com';
process.env.TEAMS = TEAMS_JSON;
process.env.PUBLIC_BASE_URL = 'https://feedback.example.com';

const ddbMock = mockClient(DynamoDBDocumentClient);
const sesMock = mockClient(SESClient);

const { handler: recordOutcome } = await import('../../functions/record-outcome');

const REGION = 'us-east-1';
const ACCOUNT = '123456789012';
const arnOf = (p: AslFunctionPlaceholder): string => `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${p.replace(/FunctionArn$/, '')}`;

const LEAD = {
  pk: 'LEAD#lead-7',
  sk: 'PROFILE',
  leadId: 'lead-7',
  name: 'Ada Lovelace',
  company: 'Analytical Engines',
  email: 'ada@example.com',
  stage: 'new',
  stageChangedAt: '2026-03-31T09:00:00.000Z',
  createdAt: '2026-03-01T09:00:00.000Z',
  updatedAt: '2026-03-31T09:00:00.000Z',
  eventSeq: 1,
};

let engine: Engine;
const started: Engine[] = [];

/** The deployed definition on a fresh engine; `stubs` answer the other steps, record-outcome is real. */
async function start(stubs: Partial<Record<AslFunctionPlaceholder, LambdaHandler>>): Promise<{ stateMachineArn: string }> {
  const arns = {} as Record<AslFunctionPlaceholder, string>;
  const lambdas = new Map<string, LambdaHandler>();
  for (const p of ASL_FUNCTION_PLACEHOLDERS) {
    arns[p] = arnOf(p);
    lambdas.set(arns[p], stubs[p] ?? (async () => ({})));
  }
  lambdas.set(arns.RecordOutcomeFunctionArn, (event) => recordOutcome(event as never, lambdaContext('record-outcome')));
  engine = createEngine({ lambdas, timeScale: 1000, region: REGION, accountId: ACCOUNT });
  started.push(engine);
  await engine.start();
  const definition = substitute(readFileSync(ASL_FILE, 'utf8'), aslSubstitutions(resolveSettings({}), arns, 'aws'));
  return engine.createStateMachine({ name: 'lead-lifecycle', definition, roleArn: `arn:aws:iam::${ACCOUNT}:role/lead-lifecycle` });
}

async function history(executionArn: string): Promise<HistoryEvent[]> {
  return (await engine.getExecutionHistory({ executionArn, maxResults: 1000 })).items;
}

const statesEntered = (events: HistoryEvent[]): string[] =>
  events.filter((e) => e.type.endsWith('StateEntered')).map((e) => (e.stateEnteredEventDetails as { name: string }).name);

const opsMails = () =>
  sesMock
    .commandCalls(SendEmailCommand)
    .map((c) => c.args[0].input)
    .filter((m) => m.Message?.Subject?.Data?.startsWith('Needs attention'));

const lastError = (): Record<string, unknown> | undefined => {
  const update = ddbMock.commandCalls(UpdateCommand, { Key: { pk: 'LEAD#lead-7', sk: 'PROFILE' } })[0]?.args[0].input;
  return update ? (patchValues(update).lastError as Record<string, unknown> | undefined) : undefined;
};

beforeEach(() => {
  ddbMock.reset();
  sesMock.reset();
  ddbMock.on(GetCommand).resolves({ Item: LEAD });
  ddbMock.on(PutCommand).resolves({});
  ddbMock.on(UpdateCommand).resolves({});
  ddbMock.on(UpdateCommand, { Key: { pk: 'LEAD#lead-7', sk: 'PROFILE' } }).resolves({ Attributes: LEAD });
  sesMock.on(SendEmailCommand).resolves({ MessageId: 'm' });
});

afterEach(async () => {
  for (const e of started.splice(0)) await e.stop();
});

describe('failure path with an error that has no cause', () => {
  it('a function error with an empty message: Needs attention tells ops "no details given"; the execution fails with the error', async () => {
    const { stateMachineArn } = await start({
      QualifyLeadFunctionArn: async () => {
        throw new Error('');
      },
    });
    const { executionArn } = await engine.startExecution({ stateMachineArn, input: JSON.stringify({ leadId: 'lead-7' }) });
    const done = await engine.waitForExecution(executionArn, { timeoutMs: 10_000 });

    const events = await history(executionArn);
    expect(statesEntered(events)).toEqual(['Qualify lead', 'Needs attention', 'Lead failed']);
    expect(events.filter((e) => e.type === 'EvaluationFailed')).toEqual([]);
    expect(done.status).toBe('FAILED');
    expect(done.error).toBe('Error');
    // Step Functions' cause of a function error is the runtime's JSON, kept as it is after "Failed at <step>: ".
    expect(done.cause?.startsWith('Failed at Qualify lead: {')).toBe(true);
    expect(JSON.parse(done.cause?.slice('Failed at Qualify lead: '.length) ?? '')).toMatchObject({ errorType: 'Error', errorMessage: '' });

    const [mail] = opsMails();
    expect(mail?.Destination?.ToAddresses).toEqual(['ops@example.com']);
    expect(mail?.Message?.Subject?.Data).toBe('Needs attention: Ada Lovelace (Analytical Engines) failed at "Qualify lead"');
    const text = mail?.Message?.Body?.Text?.Data ?? '';
    expect(text).toContain('The workflow failed at "Qualify lead" and stopped. Reason: no details given');
    expect(text).toContain('Error: Error');
    expect(text).not.toContain('undefined');
    expect(lastError()).toMatchObject({ step: 'Qualify lead', error: 'Error', cause: '' });
  });

  it('a callback failed with an error and no cause: Needs attention tells ops; the execution fails with "no details given"', async () => {
    const tokens: string[] = [];
    const { stateMachineArn } = await start({
      QualifyLeadFunctionArn: async () => ({ route: 'sales-ready', reason: 'fit' }),
      RequestFeedbackFunctionArn: async (event) => {
        tokens.push((event as { taskToken: string }).taskToken);
        return {};
      },
    });
    const { executionArn } = await engine.startExecution({ stateMachineArn, input: JSON.stringify({ leadId: 'lead-7' }) });
    for (let i = 0; tokens.length === 0 && i < 200; i += 1) await new Promise((r) => setTimeout(r, 10));
    await engine.sendTaskFailure({ taskToken: tokens[0] ?? '', error: 'Pipeline.RequestWithdrawn' });
    const done = await engine.waitForExecution(executionArn, { timeoutMs: 10_000 });

    const events = await history(executionArn);
    expect(statesEntered(events)).toEqual(['Qualify lead', 'Route qualified lead', 'Await qualification call', 'Needs attention', 'Lead failed']);
    expect(events.filter((e) => e.type === 'EvaluationFailed')).toEqual([]);
    expect(done).toMatchObject({ status: 'FAILED', error: 'Pipeline.RequestWithdrawn', cause: 'Failed at Await qualification call: no details given' });

    const [mail] = opsMails();
    expect(mail?.Destination?.ToAddresses).toEqual(['ops@example.com']);
    const text = mail?.Message?.Body?.Text?.Data ?? '';
    expect(text).toContain('The workflow failed at "Await qualification call" and stopped. Reason: no details given');
    expect(text).toContain('Error: Pipeline.RequestWithdrawn');
    expect(text).not.toContain('undefined');
    expect(lastError()).toMatchObject({ step: 'Await qualification call', error: 'Pipeline.RequestWithdrawn', cause: '' });
  });
});

describe('record-outcome for needs-attention without an error or a cause', () => {
  it.each([
    ['missing', {}],
    ['empty', { error: '', cause: '' }],
    ['a Lambda cause with an empty message', { error: ' ', cause: JSON.stringify({ errorMessage: '', errorType: 'Error', trace: [] }) }],
  ])('%s: ops read "unknown" and "no details given", never "undefined"', async (_what, fields) => {
    await recordOutcome({ leadId: 'lead-7', outcome: 'needs-attention', reason: 'Close deal', ...fields }, lambdaContext('record-outcome'));
    const [mail] = opsMails();
    const text = mail?.Message?.Body?.Text?.Data ?? '';
    const html = mail?.Message?.Body?.Html?.Data ?? '';
    expect(text).toContain('Reason: no details given');
    expect(text).toContain('Error: unknown');
    expect(html).toContain('no details given');
    expect(`${text}${html}`).not.toContain('undefined');
    expect(lastError()).toMatchObject({ step: 'Close deal', error: 'unknown', cause: '' });
  });
});
