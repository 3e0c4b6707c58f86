import { createHash } from 'node:crypto';
import { SFNClient, SendTaskHeartbeatCommand, SendTaskSuccessCommand, TaskTimedOut, TaskDoesNotExist } from '@aws-sdk/client-sfn';
import { DeleteCommand, DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { FakeTable } from './support/fake-link-table';
import { httpEvent, lambdaContext } from './support/lambda-fixtures';

process.env.TABLE_NAME = 'test-table';

const ddbMock = mockClient(DynamoDBDocumentClient);
const sfnMock = mockClient(SFNClient);

const { handler } = await import('../../functions/feedback-page');
const { hashLinkId, newLinkId, createLink, lookupLink, isWellFormedLinkId, LINK_ID_BYTES } = await import('#lib/feedback/links');
const { leadKey, linkKey } = await import('#lib/core/keys');
const { leadSnapshot } = await import('#lib/mail/layout');
type LeadProfile = import('#lib/leads/records').LeadProfile;

const NOW = new Date('2026-03-02T10:00:00.000Z');
const ctx = lambdaContext('feedback-page');
let table: FakeTable;

const HOSTILE = {
  name: '<script>alert("x")</script>',
  company: `Acme "Quotes" & 'Apostrophes'`,
  title: 'CEO\r\nBcc: victim@example.com',
  message: 'A'.repeat(10 * 1024),
  industry: 'مرحبا بالعالم',
  country: 'JP',
  campaign: '日本語キャンペーン <b>bold</b>',
  source: '\u202Eevil\u202C',
};

function seedLead(): void {
  table.put({
    ...leadKey('lead-1'),
    leadId: 'lead-1',
    email: 'lead@example.com',
    stage: 'qualifying',
    stageChangedAt: NOW.toISOString(),
    createdAt: NOW.toISOString(),
    updatedAt: NOW.toISOString(),
    owners: { 'inside-sales': 'isr1@example.com' },
    ...HOSTILE,
  });
}

async function seedLink(overrides: { timeoutSeconds?: number; step?: 'qualification-call' | 'deal-decision' } = {}): Promise<string> {
  const { id } = await createLink(
    {
      leadId: 'lead-1',
      step: overrides.step ?? 'qualification-call',
      taskToken: 'TASK-TOKEN-SECRET',
      answers: ['book-meeting', 'nurture', 'disqualify'],
      addressee: 'isr1@example.com',
      answeredBy: 'owner',
      escalated: false,
      requestKey: 'rk',
      timeoutSeconds: overrides.timeoutSeconds ?? 3600,
      remindAfterFraction: 0.5,
      lead: leadSnapshot(table.get(leadKey('lead-1').pk, 'PROFILE') as unknown as LeadProfile),
    },
    NOW,
  );
  return id;
}

/** What Step Functions answers for a task that no longer waits (timed out, or its execution moved on or stopped). */
const TASK_GONE = [
  ['TaskTimedOut', new TaskTimedOut({ message: 'timed out', $metadata: {} })],
  ['TaskDoesNotExist', new TaskDoesNotExist({ message: 'gone', $metadata: {} })],
] as const;

function post(id: string, form: Record<string, string>) {
  const ev = httpEvent({
    method: 'POST',
    path: `/feedback/${id}`,
    body: new URLSearchParams(form).toString(),
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
  });
  return handler({ ...ev, pathParameters: { id } }, ctx);
}

function withId(ev: APIGatewayProxyEventV2, id: string): APIGatewayProxyEventV2 {
  return { ...ev, pathParameters: { id } };
}

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(NOW);
  table = new FakeTable();
  table.install(ddbMock);
  seedLead();
});

afterEach(() => {
  ddbMock.reset();
  sfnMock.reset();
  vi.useRealTimers();
});

describe('link ids', () => {
  it('have at least 128 bits of entropy, base64url, unique', () => {
    const ids = new Set(Array.from({ length: 2000 }, () => newLinkId()));
    expect(ids.size).toBe(2000);
    for (const id of [...ids].slice(0, 50)) {
      expect(id).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(Buffer.from(id, 'base64url').length).toBe(LINK_ID_BYTES);
    }
    expect(LINK_ID_BYTES * 8).toBeGreaterThanOrEqual(128);
  });

  it('are stored only as their SHA-256: no raw id and no raw token key in the table', async () => {
    const id = await seedLink();
    const hash = createHash('sha256').update(id).digest('hex');
    expect(hashLinkId(id)).toBe(hash);
    const item = table.get(linkKey(hash).pk, 'LINK');
    expect(item).toBeDefined();
    const dump = JSON.stringify([...table.items.values()]);
    expect(dump).not.toContain(id);
    expect(item?.gsi3pk).toBe('REMIND#2026-03-02');
    expect(item?.gsi3sk).toBe(`2026-03-02T10:30:00.000Z#${hash}`);
    expect(item?.deadline).toBe('2026-03-02T11:00:00.000Z');
  });

  it('ill-formed ids are not looked up', async () => {
    expect(isWellFormedLinkId('short')).toBe(false);
    expect(isWellFormedLinkId(`${'a'.repeat(42)}$`)).toBe(false);
    expect(await lookupLink('../../etc/passwd')).toEqual({ state: 'missing' });
    expect(ddbMock.commandCalls(GetCommand)).toHaveLength(0);
  });
});

describe('GET /feedback/{id}', () => {
  it('shows the form with the answer preselected and never acts', async () => {
    const id = await seedLink();
    const writesBefore = ddbMock.commandCalls(PutCommand).length;
    const res = await handler(withId(httpEvent({ method: 'GET', path: `/feedback/${id}`, query: { answer: 'nurture' } }), id), ctx);
    expect(res.statusCode).toBe(200);
    expect(res.headers['Content-Type']).toContain('text/html');
    expect(res.body).toContain('value="nurture" required checked');
    expect(res.body).not.toContain('value="book-meeting" required checked');
    expect(res.body).toContain('name="rating.lead-fit"');
    expect(res.body).toContain('name="comment"');
    expect(sfnMock.commandCalls(SendTaskSuccessCommand)).toHaveLength(0);
    expect(ddbMock.commandCalls(PutCommand)).toHaveLength(writesBefore);
    expect(ddbMock.commandCalls(UpdateCommand)).toHaveLength(0);
    expect(ddbMock.commandCalls(DeleteCommand)).toHaveLength(0);
    expect(table.get(linkKey(hashLinkId(id)).pk, 'LINK')?.status).toBe('pending');
  });

  it('ignores an unknown ?answer= value', async () => {
    const id = await seedLink();
    const res = await handler(withId(httpEvent({ method: 'GET', path: `/feedback/${id}`, query: { answer: '"><script>' } }), id), ctx);
    expect(res.statusCode).toBe(200);
    expect(res.body).not.toContain(' checked');
    expect(res.body).not.toContain('"><script>');
  });

  it('HEAD returns the status without a body and without acting', async () => {
    const id = await seedLink();
    const res = await handler(withId(httpEvent({ method: 'HEAD', path: `/feedback/${id}` }), id), ctx);
    expect(res.statusCode).toBe(200);
    expect(res.body).toBe('');
    expect(sfnMock.commandCalls(SendTaskSuccessCommand)).toHaveLength(0);
    expect(ddbMock.commandCalls(UpdateCommand)).toHaveLength(0);
  });

  it('escapes hostile lead fields', async () => {
    const id = await seedLink();
    const res = await handler(withId(httpEvent({ method: 'GET', path: `/feedback/${id}` }), id), ctx);
    expect(res.body).not.toContain('<script>');
    expect(res.body).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;');
    expect(res.body).toContain('Acme &quot;Quotes&quot; &amp; &#39;Apostrophes&#39;');
    expect(res.body).not.toContain('<b>bold</b>');
    expect(res.body).toContain('日本語キャンペーン');
    expect(res.body).toContain('مرحبا بالعالم');
    expect(res.body).toContain('dir="auto"');
    // the 10 KB message is cut
    expect(res.body).not.toContain('A'.repeat(600));
    expect(res.body.length).toBeLessThan(20_000);
    expect(res.headers['Content-Security-Policy']).toContain("default-src 'none'");
    expect(res.headers['Cache-Control']).toBe('no-store');
    expect(res.headers['Referrer-Policy']).toBe('no-referrer');
    expect(res.headers['X-Content-Type-Options']).toBe('nosniff');
  });

  it('404 for an unknown id, 404 for a malformed one', async () => {
    const unknown = newLinkId();
    const res = await handler(withId(httpEvent({ method: 'GET', path: `/feedback/${unknown}` }), unknown), ctx);
    expect(res.statusCode).toBe(404);
    expect(res.body).toContain('Link not found');
    const bad = await handler(withId(httpEvent({ method: 'GET', path: '/feedback/x' }), 'x'), ctx);
    expect(bad.statusCode).toBe(404);
  });

  it('is one read: the lead as the request email showed it comes with the link', async () => {
    const id = await seedLink();
    const gets = ddbMock.commandCalls(GetCommand).length;
    table.items.delete(`${leadKey('lead-1').pk}|PROFILE`); // the page does not need it
    const res = await handler(withId(httpEvent({ method: 'GET', path: `/feedback/${id}` }), id), ctx);
    expect(res.statusCode).toBe(200);
    expect(ddbMock.commandCalls(GetCommand).length - gets).toBe(1);
    expect(res.body).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;');
    expect(res.body).toContain('lead@example.com');
    expect(res.body).toContain('<th>Lead id</th><td dir="auto">lead-1</td>');
    // The snapshot keeps a summary row's worth of each text, not the 10 KB message.
    const stored = table.get(linkKey(hashLinkId(id)).pk, 'LINK')?.lead as Record<string, unknown>;
    expect(Array.from(String(stored.message))).toHaveLength(500);
    expect(stored).not.toHaveProperty('owners');
  });

  it('a link stored before the snapshot was kept reads the lead, and says 410 once the lead was erased', async () => {
    const id = await seedLink();
    const key = linkKey(hashLinkId(id));
    const { lead: _snapshot, ...old } = table.get(key.pk, key.sk) ?? {};
    table.put(old);
    const gets = ddbMock.commandCalls(GetCommand).length;
    const res = await handler(withId(httpEvent({ method: 'GET', path: `/feedback/${id}` }), id), ctx);
    expect(res.statusCode).toBe(200);
    expect(ddbMock.commandCalls(GetCommand).length - gets).toBe(2);
    expect(res.body).toContain('Acme &quot;Quotes&quot; &amp; &#39;Apostrophes&#39;');
    table.put({ ...table.get(leadKey('lead-1').pk, 'PROFILE'), name: '(erased)', company: '(erased)', email: undefined, erasedAt: NOW.toISOString() });
    const erased = await handler(withId(httpEvent({ method: 'GET', path: `/feedback/${id}` }), id), ctx);
    expect(erased.statusCode).toBe(410);
    expect(erased.body).not.toContain('Apostrophes');
  });

  it('410 once the deadline passed', async () => {
    const id = await seedLink({ timeoutSeconds: 60 });
    vi.setSystemTime(new Date(NOW.getTime() + 61_000));
    const res = await handler(withId(httpEvent({ method: 'GET', path: `/feedback/${id}` }), id), ctx);
    expect(res.statusCode).toBe(410);
    expect(res.body).toContain('Link expired');
  });

  it('asks Step Functions whether the task still waits (a heartbeat, which changes nothing for a task without HeartbeatSeconds)', async () => {
    sfnMock.on(SendTaskHeartbeatCommand).resolves({});
    const id = await seedLink();
    const res = await handler(withId(httpEvent({ method: 'GET', path: `/feedback/${id}` }), id), ctx);
    expect(res.statusCode).toBe(200);
    expect(sfnMock.commandCalls(SendTaskHeartbeatCommand).map((c) => c.args[0].input)).toEqual([{ taskToken: 'TASK-TOKEN-SECRET' }]);
    expect(sfnMock.commandCalls(SendTaskSuccessCommand)).toHaveLength(0);
  });

  it.each(TASK_GONE)('410 before anyone types when the wait is over on the execution\'s clock (%s), though its stored deadline is still ahead of this clock', async (_name, error) => {
    sfnMock.on(SendTaskHeartbeatCommand).rejects(error);
    const id = await seedLink({ timeoutSeconds: 3 * 86400 });
    const res = await handler(withId(httpEvent({ method: 'GET', path: `/feedback/${id}` }), id), ctx);
    expect(res.statusCode).toBe(410);
    expect(res.body).toContain('Link expired');
    expect(res.body).toContain('This request is closed');
    expect(res.body).not.toContain('name="comment"');
    const item = table.get(linkKey(hashLinkId(id)).pk, 'LINK');
    expect(item).toMatchObject({ status: 'expired' });
    expect(item?.taskToken).toBeUndefined();
  });

  it('shows the form when Step Functions cannot be asked (throttled): the answer itself is judged on submit', async () => {
    sfnMock.on(SendTaskHeartbeatCommand).rejects(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }));
    const id = await seedLink();
    const res = await handler(withId(httpEvent({ method: 'GET', path: `/feedback/${id}` }), id), ctx);
    expect(res.statusCode).toBe(200);
    expect(table.get(linkKey(hashLinkId(id)).pk, 'LINK')?.status).toBe('pending');
  });
});

describe('POST /feedback/{id}', () => {
  it('records the whole answer on the link and resumes the execution with its codes and answer id only', async () => {
    sfnMock.on(SendTaskSuccessCommand).resolves({});
    const id = await seedLink();
    const res = await post(id, { answer: 'book-meeting', 'rating.lead-fit': '4', comment: 'Great <fit>', moreOf: 'webinars' });
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('Thank you');
    expect(res.body).toContain('Great &lt;fit&gt;');
    const call = sfnMock.commandCalls(SendTaskSuccessCommand)[0]?.args[0].input;
    expect(call?.taskToken).toBe('TASK-TOKEN-SECRET');
    // Only ids and codes go into the execution (its history cannot be erased): the text stays on the link item.
    expect(JSON.parse(call?.output ?? '{}')).toEqual({
      step: 'qualification-call',
      answer: 'book-meeting',
      ratings: { 'lead-fit': 4 },
      details: {},
      answeredBy: 'owner',
      answeredAt: NOW.toISOString(),
      answerId: hashLinkId(id),
    });
    expect(call?.output).not.toContain('Great');
    expect(call?.output).not.toContain('webinars');
    const item = table.get(linkKey(hashLinkId(id)).pk, 'LINK');
    expect(item?.answer).toMatchObject({ comment: 'Great <fit>', details: { moreOf: 'webinars' }, ratings: { 'lead-fit': 4 } });
    expect(item?.status).toBe('answered');
    expect(item?.taskToken).toBeUndefined();
    expect(item?.gsi3pk).toBeUndefined();
    // One read (the link): the lead is not read to answer.
    expect(ddbMock.commandCalls(GetCommand).map((c) => c.args[0].input.Key?.sk)).toEqual(['LINK']);
  });

  it('one answer wins: a second POST gets 409 showing the recorded answer', async () => {
    sfnMock.on(SendTaskSuccessCommand).resolves({});
    const id = await seedLink();
    const first = await post(id, { answer: 'nurture', reasonCode: 'no-budget' });
    expect(first.statusCode).toBe(200);
    const second = await post(id, { answer: 'disqualify', reasonCode: 'no-need' });
    expect(second.statusCode).toBe(409);
    expect(second.body).toContain('Already answered');
    expect(second.body).toContain('Return to nurture');
    expect(second.body).toContain('No budget');
    expect(sfnMock.commandCalls(SendTaskSuccessCommand)).toHaveLength(1);
  });

  it('an answer cut off before SendTaskSuccess (crash) is delivered by a later POST, once the attempt is surely dead', async () => {
    const id = await seedLink();
    sfnMock.on(SendTaskSuccessCommand).rejects(new Error('the process died here'));
    expect((await post(id, { answer: 'nurture', reasonCode: 'no-budget' })).statusCode).toBe(503);
    // What a kill -9 between the recorded answer and SendTaskSuccess leaves: answered, token still held.
    const hash = hashLinkId(id);
    const recorded = { step: 'qualification-call', answer: 'nurture', ratings: {}, details: { reasonCode: 'no-budget' }, comment: '', answeredBy: 'owner', answeredAt: NOW.toISOString() };
    table.put({ ...table.get(linkKey(hash).pk, 'LINK'), status: 'answered', answer: recorded, answeredAt: NOW.toISOString() });
    sfnMock.reset();
    sfnMock.on(SendTaskSuccessCommand).resolves({});

    // Within the grace period the first attempt may still be alive: nothing is sent.
    vi.setSystemTime(new Date(NOW.getTime() + 5_000));
    expect((await post(id, { answer: 'disqualify', reasonCode: 'no-need' })).statusCode).toBe(409);
    expect(sfnMock.commandCalls(SendTaskSuccessCommand)).toHaveLength(0);

    vi.setSystemTime(new Date(NOW.getTime() + 20_000));
    const retry = await post(id, { answer: 'disqualify', reasonCode: 'no-need' });
    expect(retry.statusCode).toBe(409);
    expect(retry.body).toContain('Return to nurture');
    const calls = sfnMock.commandCalls(SendTaskSuccessCommand);
    expect(calls).toHaveLength(1);
    expect(calls[0]?.args[0].input.taskToken).toBe('TASK-TOKEN-SECRET');
    expect(JSON.parse(calls[0]?.args[0].input.output ?? '{}')).toEqual({ step: 'qualification-call', answer: 'nurture', ratings: {}, details: { reasonCode: 'no-budget' }, answeredBy: 'owner', answeredAt: NOW.toISOString() });
    expect(table.get(linkKey(hash).pk, 'LINK')?.taskToken).toBeUndefined();

    // Delivered: the token is gone, so a further POST sends nothing.
    expect((await post(id, { answer: 'nurture', reasonCode: 'no-budget' })).statusCode).toBe(409);
    expect(sfnMock.commandCalls(SendTaskSuccessCommand)).toHaveLength(1);
  });

  it('one answer wins in a race: both saw pending, the conditional write lets one through', async () => {
    sfnMock.on(SendTaskSuccessCommand).resolves({});
    const id = await seedLink();
    const [a, b] = await Promise.all([post(id, { answer: 'nurture', reasonCode: 'no-budget' }), post(id, { answer: 'book-meeting' })]);
    expect([a.statusCode, b.statusCode].sort()).toEqual([200, 409]);
    expect(sfnMock.commandCalls(SendTaskSuccessCommand)).toHaveLength(1);
  });

  it('400 names the field: unknown answer', async () => {
    const id = await seedLink();
    const res = await post(id, { answer: 'maybe' });
    expect(res.statusCode).toBe(400);
    // The same form comes back (GOV.UK error pattern): title prefixed "Error:", a summary linking to the field, the message beside it.
    expect(res.body).toContain('<title>Error: ');
    expect(res.body).toContain('data-field="answer"');
    expect(res.body).toContain('<span class="error-message" id="err-answer">');
    expect(res.body).toContain('<form method="post">');
    expect(sfnMock.commandCalls(SendTaskSuccessCommand)).toHaveLength(0);
    expect(table.get(linkKey(hashLinkId(id)).pk, 'LINK')?.status).toBe('pending');
  });

  it('400 names the field: rating out of range, missing reason', async () => {
    const id = await seedLink();
    const rating = await post(id, { answer: 'book-meeting', 'rating.lead-fit': '9' });
    expect(rating.statusCode).toBe(400);
    expect(rating.body).toContain('ratings.lead-fit');
    const reason = await post(id, { answer: 'disqualify' });
    expect(reason.statusCode).toBe(400);
    expect(reason.body).toContain('details.reasonCode');
  });

  it('400 brings the form back with every value kept and the message in plain words beside its field', async () => {
    const id = await seedLink();
    const res = await post(id, { answer: 'disqualify', 'rating.lead-fit': '2', moreOf: 'webinars <b>', comment: 'called twice' });
    expect(res.statusCode).toBe(400);
    expect(res.body).toContain('data-field="details.reasonCode"');
    expect(res.body).toContain('Select an answer to &quot;Reason&quot;');
    expect(res.body).not.toContain('is required when');
    expect(res.body).toContain('value="disqualify" required checked');
    expect(res.body).toContain('name="rating.lead-fit" value="2" checked');
    expect(res.body).toContain('>webinars &lt;b&gt;</textarea>');
    expect(res.body).toContain('>called twice</textarea>');
  });

  it('400 escapes a hostile field value in the message', async () => {
    const id = await seedLink({ step: 'deal-decision' });
    const res = await post(id, { answer: 'won', amount: '<img src=x>', currency: 'EUR' });
    expect(res.statusCode).toBe(400);
    expect(res.body).toContain('details.amount');
    expect(res.body).not.toContain('<img');
  });

  it('404 for an unknown id', async () => {
    const res = await post(newLinkId(), { answer: 'nurture' });
    expect(res.statusCode).toBe(404);
  });

  it('410 after the deadline', async () => {
    const id = await seedLink({ timeoutSeconds: 60 });
    vi.setSystemTime(new Date(NOW.getTime() + 120_000));
    const res = await post(id, { answer: 'book-meeting' });
    expect(res.statusCode).toBe(410);
    expect(sfnMock.commandCalls(SendTaskSuccessCommand)).toHaveLength(0);
  });

  it.each(TASK_GONE)('410 when SendTaskSuccess says %s, and the request is marked expired', async (_name, error) => {
    sfnMock.on(SendTaskSuccessCommand).rejects(error);
    const id = await seedLink();
    const res = await post(id, { answer: 'book-meeting' });
    expect(res.statusCode).toBe(410);
    const item = table.get(linkKey(hashLinkId(id)).pk, 'LINK');
    expect(item?.status).toBe('expired');
    expect(item?.taskToken).toBeUndefined();
  });

  it('503 and the answer is un-recorded when SendTaskSuccess is throttled; a retry then succeeds', async () => {
    sfnMock
      .on(SendTaskSuccessCommand)
      .rejectsOnce(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }))
      .resolves({});
    const id = await seedLink();
    const res = await post(id, { answer: 'book-meeting' });
    expect(res.statusCode).toBe(503);
    expect(table.get(linkKey(hashLinkId(id)).pk, 'LINK')?.status).toBe('pending');
    const retry = await post(id, { answer: 'book-meeting' });
    expect(retry.statusCode).toBe(200);
  });

  it('logs neither the task token nor the link id', async () => {
    const writes: string[] = [];
    const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      writes.push(String(chunk));
      return true;
    });
    try {
      sfnMock.on(SendTaskSuccessCommand).resolves({});
      const id = await seedLink();
      await handler(withId(httpEvent({ method: 'GET', path: `/feedback/${id}` }), id), ctx);
      await post(id, { answer: 'maybe' });
      await post(id, { answer: 'book-meeting', comment: 'private comment' });
      await post(id, { answer: 'nurture', reasonCode: 'no-budget' });
      const out = writes.join('');
      expect(out).toContain('feedback answered');
      expect(out).not.toContain('TASK-TOKEN-SECRET');
      expect(out).not.toContain(id);
      expect(out).not.toContain(hashLinkId(id));
      expect(out).not.toContain('private comment');
      expect(out).not.toContain('lead@example.com');
    } finally {
      spy.mockRestore();
    }
  });

  it('405 for other methods', async () => {
    const id = await seedLink();
    const res = await handler(withId(httpEvent({ method: 'DELETE', path: `/feedback/${id}` }), id), ctx);
    expect(res.statusCode).toBe(405);
    expect(res.headers.Allow).toBe('GET, HEAD, POST');
  });
});
