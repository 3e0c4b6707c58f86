/**
 * The failure path of the real state machine (statemachines/lead-lifecycle.asl.json,
 * substituted as deployed) on the embedded engine, for errors that come
 * without a cause: a step's Catch -> "Needs attention" (the real
 * record-outcome handler, DynamoDB and SES mocked) -> "Await rescue decision"
 * (request-feedback stubbed; the test answers as ops would) -> retry, return or
 * close ("Close lead": record-outcome again, outcome closed, then "Lead failed").
 * Issue 13, item 6: ops must be told ("no details given", not "undefined"),
 * the error is recorded on the lead, and the execution fails with the step's
 * error and a cause that says where, not with States.QueryEvaluationError.
 * The other steps are stubs; the engine runs at time scale 1000.
 */
import { readFileSync } from 'node:fs';
import { SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';
import { DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Engine, HistoryEvent, LambdaHandler } from '../../local/engine/api';
import { createEngine } from '../../local/engine/index';
import { ASL_FILE } from '../../infra/paths';
import { ASL_FUNCTION_PLACEHOLDERS, aslSubstitutions, substitute, type AslFunctionPlaceholder } from '../../infra/asl-substitutions';
import { resolveSettings } from '../../infra/settings';
import { lambdaContext, patchValues, useTestRoster } from './support/lambda-fixtures';

process.env.TABLE_NAME = 'test-table';
process.env.MAIL_FROM = 'pipeline@example.com';
process.env.PUBLIC_BASE_URL = 'https://feedback.example.com';

const ddbMock = mockClient(DynamoDBDocumentClient);
await useTestRoster();
const sesMock = mockClient(SESv2Client);

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
    .filter((m) => m.Content?.Simple?.Subject?.Data?.startsWith('Needs attention'));

const lastError = (): Record<string, unknown> | undefined => {
  const update = ddbMock.commandCalls(UpdateCommand, { Key: { pk: 'LEAD#lead-7', sk: 'PROFILE' } })[0]?.args[0].input;
  return update ? (patchValues(update).lastError as Record<string, unknown> | undefined) : undefined;
};

beforeEach(() => {
  ddbMock.reset();
  sesMock.reset();
  ddbMock.on(GetCommand).resolves({ Item: LEAD });
  ddbMock.on(PutCommand).resolves({});
  ddbMock.on(QueryCommand).resolves({ Items: [] });
  ddbMock.on(UpdateCommand).resolves({});
  ddbMock.on(UpdateCommand, { Key: { pk: 'LEAD#lead-7', sk: 'PROFILE' } }).resolves({ Attributes: LEAD });
  sesMock.on(SendEmailCommand).resolves({ MessageId: 'm' });
});

afterEach(async () => {
  for (const e of started.splice(0)) await e.stop();
});

/** The rescue requests the stubbed request-feedback got, and a way to answer them. */
function rescueStub(): { handler: LambdaHandler; requests: Array<{ taskToken: string; step: string; rescue?: Record<string, unknown> }> } {
  const requests: Array<{ taskToken: string; step: string; rescue?: Record<string, unknown> }> = [];
  return {
    requests,
    handler: async (event) => {
      requests.push(event as { taskToken: string; step: string });
      return {};
    },
  };
}

async function until<T>(what: () => T | undefined): Promise<T> {
  for (let i = 0; i < 500; i += 1) {
    const v = what();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error('timed out');
}

const coded = (answer: string, details: Record<string, unknown> = {}) =>
  JSON.stringify({ step: 'rescue', answer, ratings: {}, details, answeredAt: '2026-04-01T00:00:00.000Z', answeredBy: 'owner' });

describe('failure path: the lead waits for a rescue decision', () => {
  it('a function error with an empty message: the error is recorded, ops are asked, and "close" fails the execution with the error', async () => {
    const rescue = rescueStub();
    const { stateMachineArn } = await start({
      QualifyLeadFunctionArn: async () => {
        throw new Error('');
      },
      RequestFeedbackFunctionArn: rescue.handler,
    });
    const { executionArn } = await engine.startExecution({ stateMachineArn, input: JSON.stringify({ leadId: 'lead-7' }) });
    const asked = await until(() => rescue.requests.find((r) => r.step === 'rescue'));
    expect(asked.rescue).toEqual({ kind: 'failed', step: 'Qualify lead', attempts: 0, executionArn });
    expect((await engine.describeExecution(executionArn)).status).toBe('RUNNING');
    // record-outcome no longer emails: the rescue request does (feedback/rescue.ts).
    expect(opsMails()).toEqual([]);
    expect(lastError()).toMatchObject({ step: 'Qualify lead', error: 'Error', cause: '' });

    await engine.sendTaskSuccess({ taskToken: asked.taskToken, output: coded('close') });
    const done = await engine.waitForExecution(executionArn, { timeoutMs: 10_000 });
    const events = await history(executionArn);
    expect(statesEntered(events)).toEqual(['Qualify lead', 'Needs attention', 'Await rescue decision', 'Rescue decision', 'Close lead', 'Lead failed']);
    expect(events.filter((e) => e.type === 'EvaluationFailed')).toEqual([]);
    expect(done.status).toBe('FAILED');
    expect(done.error).toBe('Error');
    expect(done.cause?.startsWith('Closed after failing at Qualify lead: {')).toBe(true);
  });

  it('"retry" re-runs the failed step with its input in the same execution, and the lead goes on', async () => {
    const rescue = rescueStub();
    let attempts = 0;
    const inputs: unknown[] = [];
    const { stateMachineArn } = await start({
      QualifyLeadFunctionArn: async (event) => {
        attempts += 1;
        inputs.push(event);
        if (attempts === 1) throw new Error('the scoring table was missing');
        return { route: 'nurture', reason: 'score-below-threshold' };
      },
      RequestFeedbackFunctionArn: rescue.handler,
    });
    const { executionArn } = await engine.startExecution({ stateMachineArn, input: JSON.stringify({ leadId: 'lead-7' }) });
    const asked = await until(() => rescue.requests.find((r) => r.step === 'rescue'));
    await engine.sendTaskSuccess({ taskToken: asked.taskToken, output: coded('retry') });
    const done = await engine.waitForExecution(executionArn, { timeoutMs: 10_000 });
    const events = await history(executionArn);
    expect(done.status).toBe('SUCCEEDED');
    expect(events.filter((e) => e.type === 'ExecutionStarted')).toHaveLength(1);
    expect(attempts).toBe(2);
    expect(inputs[1]).toEqual(inputs[0]);
    expect(statesEntered(events)).toEqual([
      'Qualify lead',
      'Needs attention',
      'Await rescue decision',
      'Rescue decision',
      'Qualify lead',
      'Route qualified lead',
      'Return lead to Marketing',
      'Lead returned to Marketing',
    ]);
  });

  it('"return" sends a failed lead back to Marketing', async () => {
    const rescue = rescueStub();
    const outcomes: unknown[] = [];
    const { stateMachineArn } = await start({
      QualifyLeadFunctionArn: async () => ({ route: 'sales-ready', reason: 'fit' }),
      RequestFeedbackFunctionArn: rescue.handler,
    });
    const { executionArn } = await engine.startExecution({ stateMachineArn, input: JSON.stringify({ leadId: 'lead-7' }) });
    const first = await until(() => rescue.requests.find((r) => r.step === 'qualification-call'));
    await engine.sendTaskFailure({ taskToken: first.taskToken, error: 'Pipeline.RequestWithdrawn' });
    const asked = await until(() => rescue.requests.find((r) => r.step === 'rescue'));
    expect(asked.rescue).toMatchObject({ kind: 'failed', step: 'Await qualification call' });
    await engine.sendTaskSuccess({ taskToken: asked.taskToken, output: coded('return') });
    const done = await engine.waitForExecution(executionArn, { timeoutMs: 10_000 });
    outcomes.push(...statesEntered(await history(executionArn)).slice(-2));
    expect(done.status).toBe('SUCCEEDED');
    expect(outcomes).toEqual(['Return lead to Marketing', 'Lead returned to Marketing']);
  });
});

describe('record-outcome for needs-attention without an error or a cause', () => {
  it.each([
    ['missing', {}],
    ['empty', { error: '', cause: '' }],
    ['a Lambda cause with an empty message', { error: ' ', cause: JSON.stringify({ errorMessage: '', errorType: 'Error', trace: [] }) }],
  ])('%s: the lead records "unknown" and no cause, never "undefined"; no email (the rescue request tells ops)', async (_what, fields) => {
    await recordOutcome({ leadId: 'lead-7', outcome: 'needs-attention', reason: 'Close deal', ...fields }, lambdaContext('record-outcome'));
    expect(opsMails()).toEqual([]);
    expect(lastError()).toMatchObject({ step: 'Close deal', error: 'unknown', cause: '' });
  });
});
