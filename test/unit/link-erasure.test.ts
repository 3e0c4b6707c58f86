// Erasure against request links that keep a snapshot of their lead, on a real
// table (dynalite in-process: real conditional writes), with the two flows
// interleaved at every point where they can cross: request-feedback paused
// before it reads the lead, before it writes the link, and the erasure paused
// before it erases the profile. In every order, once DELETE is done no item
// of the table holds the lead's personal data and no page shows it.
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';
import { SFNClient, StopExecutionCommand } from '@aws-sdk/client-sfn';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { PutCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import dynalite from 'dynalite';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { RequestFeedbackEvent } from '#lib/core/contracts';
import { createTableInput } from '../../infra/table-schema';
import { TEAMS_JSON, httpEvent, lambdaContext } from './support/lambda-fixtures';

const TABLE = 'erasure-test';
const server: Server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
Object.assign(process.env, {
  TABLE_NAME: TABLE,
  AWS_ENDPOINT_URL_DYNAMODB: endpoint,
  AWS_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'local',
  AWS_SECRET_ACCESS_KEY: 'local',
  MAIL_FROM: 'pipeline@example.com',
  STATE_MACHINE_ARN: 'arn:aws:states:us-east-1:123456789012:stateMachine:lead-lifecycle',
});

const sesMock = mockClient(SESv2Client);
const sfnMock = mockClient(SFNClient);

const { ddb } = await import('#lib/aws/clients');
const { parseTeams } = await import('#lib/teams/directory');
const { requestFeedback } = await import('#lib/feedback/requests');
const { eraseLead } = await import('#lib/leads/erasure');
const { leadKey, linkKey } = await import('#lib/core/keys');
const { createLink, eraseLink, reserveLink } = await import('#lib/feedback/links');
const { Gone } = await import('#lib/core/errors');
const { handler: page } = await import('../../functions/feedback-page');

/** What the lead of this run supplied (each run its own, so a leftover of one test cannot fail another). */
const personal = () => [`Ingrid Erasable ${run}`, `ingrid.${run}@example.org`, `Erasable ${run} GmbH`, `Head of Privacy (${run})`, `call her at home ${run}`];
const deps = { teams: parseTeams(TEAMS_JSON), publicBaseUrl: 'https://api.example.com' };
const ctx = lambdaContext('feedback-page');
let run = 0;
let leadId = '';

/** A pause point in the table traffic: the first request matching `when` waits until `release()`. */
interface Gate {
  reached: Promise<void>;
  release(): void;
}
let gates: { when: (command: string, input: Record<string, unknown>) => boolean; arrive: () => void; wait: Promise<void> }[] = [];
function gate(when: (command: string, input: Record<string, unknown>) => boolean): Gate {
  let arrive = (): void => undefined;
  let release = (): void => undefined;
  const reached = new Promise<void>((r) => (arrive = r));
  const wait = new Promise<void>((r) => (release = r));
  gates.push({ when, arrive, wait });
  return { reached, release };
}
ddb.middlewareStack.add(
  (next, context) => async (args) => {
    const input = args.input as Record<string, unknown>;
    const hit = gates.find((g) => g.when(String(context.commandName), input));
    if (hit !== undefined) {
      gates = gates.filter((g) => g !== hit);
      hit.arrive();
      await hit.wait;
    }
    return next(args);
  },
  { step: 'initialize', name: 'testGate' },
);
const isLinkPut = (c: string, i: Record<string, unknown>) => c === 'PutItemCommand' && (i.Item as Record<string, unknown> | undefined)?.type === 'LINK';
const isPointerPut = (c: string, i: Record<string, unknown>) => c === 'PutItemCommand' && (i.Item as Record<string, unknown> | undefined)?.type === 'LINK_POINTER';
const isProfileRead = (c: string, i: Record<string, unknown>) => c === 'GetItemCommand' && (i.Key as Record<string, unknown> | undefined)?.sk === 'PROFILE';
const isProfileErase = (c: string, i: Record<string, unknown>) => c === 'UpdateItemCommand' && String(i.UpdateExpression).includes('erasedAt');

beforeAll(async () => {
  const client = new DynamoDBClient({ endpoint });
  await client.send(new CreateTableCommand(createTableInput(TABLE)));
  client.destroy();
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

beforeEach(async () => {
  run += 1;
  leadId = `erase-${run}`;
  gates = [];
  sesMock.on(SendEmailCommand).resolves({ MessageId: 'm' });
  sfnMock.on(StopExecutionCommand).resolves({});
  const now = new Date().toISOString();
  await ddb.send(
    new PutCommand({
      TableName: TABLE,
      Item: {
        ...leadKey(leadId),
        leadId,
        name: `Ingrid Erasable ${run}`,
        email: `ingrid.${run}@example.org`,
        company: `Erasable ${run} GmbH`,
        title: `Head of Privacy (${run})`,
        message: `Please call her at home ${run}`,
        stage: 'qualifying',
        stageChangedAt: now,
        createdAt: now,
        updatedAt: now,
        owners: { 'inside-sales': 'isr1@example.com' },
      },
    }),
  );
});

afterEach(() => {
  sesMock.reset();
  sfnMock.reset();
});

const event = (): RequestFeedbackEvent => ({ leadId, step: 'qualification-call', taskToken: `token-${run}`, timeoutSeconds: 3600, escalated: false });

/** The link ids in the request emails sent so far. */
function emailedIds(): string[] {
  return sesMock.commandCalls(SendEmailCommand).flatMap((c) => [...String(c.args[0].input.Content?.Simple?.Body?.Text?.Data).matchAll(/\/feedback\/([A-Za-z0-9_-]{43})/g)].map((m) => m[1] ?? ''));
}

async function getPage(id: string): Promise<{ statusCode: number; body: string }> {
  const res = await page({ ...httpEvent({ method: 'GET', path: `/feedback/${id}` }), pathParameters: { id } }, ctx);
  return { statusCode: res.statusCode, body: res.body };
}

/** Every item of the table that still holds one of the lead's personal values. */
async function holding(): Promise<string[]> {
  const out = await ddb.send(new ScanCommand({ TableName: TABLE }));
  return (out.Items ?? []).filter((i) => personal().some((v) => JSON.stringify(i).includes(v))).map((i) => `${String(i.pk)} ${String(i.sk)}`);
}

/** The lead's link items that still answer (anything but erasure's tombstone). */
async function liveLinks(): Promise<string[]> {
  const out = await ddb.send(new ScanCommand({ TableName: TABLE }));
  return (out.Items ?? []).filter((i) => String(i.pk).startsWith('LINK#') && i.sk === 'LINK' && i.type !== 'LINK_ERASED' && i.leadId === leadId).map((i) => `${String(i.pk)} ${String(i.type)}`);
}

/**
 * No item holds the lead's data, no link of it answers, and `emailed` (how many request emails the
 * test expects) went out and each of their pages now answers 404 without it.
 * (Passing the count: a loop over the emailed ids alone passes vacuously when none went out.)
 */
async function expectErased(emailed: number): Promise<void> {
  expect(await holding()).toEqual([]);
  expect(await liveLinks()).toEqual([]);
  const ids = [...new Set(emailedIds())];
  expect(ids).toHaveLength(emailed);
  for (const id of ids) {
    const res = await getPage(id);
    expect(res.statusCode).toBe(404);
    for (const v of personal()) expect(res.body).not.toContain(v);
  }
}

describe('a request link keeps its lead; erasure leaves nothing of it', () => {
  it('request first, erasure after: the page showed the lead from the link alone; after DELETE it is 404', async () => {
    await requestFeedback(event(), deps);
    const [id] = emailedIds();
    expect(id).toBeDefined();
    const before = await getPage(id ?? '');
    expect(before.statusCode).toBe(200);
    expect(before.body).toContain(`Ingrid Erasable ${run}`);
    const result = await eraseLead(leadId);
    expect(result.linksDeleted).toBe(1);
    await expectErased(1);
  });

  it('request-feedback read the lead before the erasure and writes its link after it: the write fails, no email', async () => {
    const atLinkWrite = gate(isLinkPut);
    const requested = requestFeedback(event(), deps);
    await atLinkWrite.reached;
    await eraseLead(leadId);
    atLinkWrite.release();
    expect(await requested).toEqual({ requested: true });
    expect(sesMock.commandCalls(SendEmailCommand)).toHaveLength(0);
    await expectErased(0);
  });

  it('the erasure ran while request-feedback was about to reserve its link: it then reads the lead erased, no link, no email', async () => {
    const atReserve = gate(isPointerPut);
    const requested = requestFeedback(event(), deps);
    await atReserve.reached;
    await eraseLead(leadId);
    atReserve.release();
    expect(await requested).toEqual({ requested: true });
    expect(sesMock.commandCalls(SendEmailCommand)).toHaveLength(0);
    await expectErased(0);
  });

  it('request-feedback reserved its link, then the erasure ran, then it reads the lead: erased, no link, no email', async () => {
    const atRead = gate(isProfileRead);
    const requested = requestFeedback(event(), deps);
    await atRead.reached;
    await eraseLead(leadId);
    atRead.release();
    expect(await requested).toEqual({ requested: true });
    expect(sesMock.commandCalls(SendEmailCommand)).toHaveLength(0);
    await expectErased(0);
  });

  it('the erasure took the links and then paused; request-feedback wrote a new one meanwhile: the second pass takes it', async () => {
    const atProfile = gate(isProfileErase);
    const erasing = eraseLead(leadId);
    await atProfile.reached;
    await requestFeedback(event(), deps);
    const [id] = emailedIds();
    expect((await getPage(id ?? '')).statusCode).toBe(200); // the erasure has not reached the profile yet
    atProfile.release();
    expect((await erasing).linksDeleted).toBe(1);
    await expectErased(1);
  });

  it('a link write that finds its own item (an attempt the SDK retried after losing the answer) succeeds; one that finds a tombstone is Gone', async () => {
    const input = { leadId, step: 'qualification-call' as const, taskToken: 't', answers: ['nurture'], addressee: 'isr1@example.com', answeredBy: 'owner' as const, escalated: false, requestKey: 'rk', timeoutSeconds: 60, lead: { name: 'n', company: 'c', email: 'e@example.org', stage: 'qualifying' as const } };
    const applied = await reserveLink(leadId, 60, new Date());
    await ddb.send(new PutCommand({ TableName: TABLE, Item: { ...linkKey(applied.hash), type: 'LINK', leadId } }));
    expect((await createLink({ ...input, reservation: applied }, new Date())).id).toBe(applied.id);
    const erased = await reserveLink(leadId, 60, new Date());
    await eraseLink(erased.hash, 1);
    await expect(createLink({ ...input, reservation: erased }, new Date())).rejects.toBeInstanceOf(Gone);
  });

  it('an erased link cannot be answered: 404, nothing sent to Step Functions', async () => {
    await requestFeedback(event(), deps);
    const [id = ''] = emailedIds();
    await eraseLead(leadId);
    const res = await page(
      { ...httpEvent({ method: 'POST', path: `/feedback/${id}`, body: 'answer=nurture&reasonCode=bad-timing', headers: { 'content-type': 'application/x-www-form-urlencoded' } }), pathParameters: { id } },
      ctx,
    );
    expect(res.statusCode).toBe(404);
    expect(sfnMock.commandCalls(StopExecutionCommand)).toHaveLength(1);
    expect(sfnMock.calls().filter((c) => c.args[0].constructor.name === 'SendTaskSuccessCommand')).toHaveLength(0);
  });
});
