// eraseLead against a real table (dynalite in-process), seeded with every
// kind of personal data a lead accumulates: the profile's text fields, phone
// and lastError, the deal's promises, feedback details, comments and reply
// notes, and links with and without an expiry on their pointer. Each field is
// asserted gone (or kept, when anonymous), each result flag by value.
import { SFNClient, StopExecutionCommand } from '@aws-sdk/client-sfn';
import { GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { faults, startLocalTable } from './support/local-table';

const TABLE = 'erasure-fields-test';
const table = await startLocalTable(TABLE, { STATE_MACHINE_ARN: 'arn:aws:states:us-east-1:123456789012:stateMachine:lead-lifecycle' });
const sfnMock = mockClient(SFNClient);
const { ddb } = await import('#lib/aws/clients');
const { eraseLead, feedbackTextPaths } = await import('#lib/leads/erasure');
const { keepUntil, createLink, lookupLink } = await import('#lib/feedback/links');
const { leadKey, leadLinkKey, linkKey, leadPk } = await import('#lib/core/keys');
const { NotFound, TransientError } = await import('#lib/core/errors');
const { FEEDBACK_STEP_DEFINITIONS } = await import('#lib/feedback/steps');
const fault = faults(ddb);

const NOW = new Date('2026-05-04T10:00:00.000Z');
let n = 0;
let leadId = '';

afterAll(() => table.close());
beforeEach(() => {
  n += 1;
  leadId = `erase-fields-${n}`;
  sfnMock.on(StopExecutionCommand).resolves({});
});
afterEach(() => {
  sfnMock.reset();
  fault.clear();
  limit = undefined;
});

/** Forces every Query to page (Limit), so the erasure must follow LastEvaluatedKey. */
let limit: number | undefined;
ddb.middlewareStack.add(
  (next, context) => async (args) => {
    if (limit !== undefined && context.commandName === 'QueryCommand') (args.input as Record<string, unknown>).Limit = limit;
    return next(args);
  },
  { step: 'initialize', name: 'testPaging' },
);

const put = (item: Record<string, unknown>) => ddb.send(new PutCommand({ TableName: TABLE, Item: item }));
const get = async (key: { pk: string; sk: string }) => (await ddb.send(new GetCommand({ TableName: TABLE, Key: key, ConsistentRead: true }))).Item;
const partition = async () => (await ddb.send(new QueryCommand({ TableName: TABLE, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': leadPk(leadId) }, ConsistentRead: true }))).Items ?? [];

const personalDetails = { moreOf: 'more calls to Ada', missing: 'her phone 0171', promises: 'a discount for Ada', difficulties: 'Ada is hard to reach', unkeptPromises: 'the discount' };

async function seedProfile(extra: Record<string, unknown> = {}): Promise<void> {
  await put({
    ...leadKey(leadId),
    leadId,
    name: 'Ada Lovelace',
    company: 'Analytical Engines Ltd',
    email: 'ada@example.org',
    phone: '+44 20 7946 0000',
    title: 'CTO',
    message: 'Call me at home',
    lastError: 'SES refused ada@example.org',
    stage: 'won',
    score: 80,
    deal: { amount: 12000, currency: 'EUR', promises: 'free onboarding for Ada' },
    ...extra,
  });
}

const feedbackSk = (i: number) => `FEEDBACK#2026-05-0${i}T00:00:00.000Z#qualification-call#inside-sales`;
async function seedFeedback(count: number, replied: (i: number) => boolean): Promise<void> {
  for (let i = 1; i <= count; i += 1) {
    await put({
      pk: leadPk(leadId),
      sk: feedbackSk(i),
      answer: 'sales-ready',
      comment: `Ada said something ${i}`,
      ratings: { quality: 4 },
      details: { ...personalDetails, reasonCode: 'bad-timing' },
      ...(replied(i) ? { reply: { note: `we will call Ada ${i}`, rating: 5, at: 'x' } } : {}),
    });
  }
}

describe('eraseLead on a real table', () => {
  it('the profile keeps only what is anonymous: (erased) name and company, no contact fields, no promises, the deal amount stays', async () => {
    await seedProfile();
    const result = await eraseLead(leadId, NOW);
    expect(result).toEqual({ leadId, erased: true, executionStopped: true, feedbackItemsCleaned: 0, linksDeleted: 0 });
    const profile = await get(leadKey(leadId));
    expect(profile).toEqual({ ...leadKey(leadId), leadId, name: '(erased)', company: '(erased)', erasedAt: NOW.toISOString(), stage: 'won', score: 80, deal: { amount: 12000, currency: 'EUR' } });
    expect(sfnMock.commandCalls(StopExecutionCommand)[0]?.args[0].input).toMatchObject({ error: 'Lead.Erased', cause: 'The lead was erased on request.', executionArn: expect.stringContaining(leadId) });
  });

  it('feedback keeps answers and ratings, loses comments, personal details and reply notes (paged)', async () => {
    await seedProfile({ deal: undefined });
    await seedFeedback(5, (i) => i % 2 === 1);
    limit = 2;
    const result = await eraseLead(leadId, NOW);
    expect(result.feedbackItemsCleaned).toBe(5);
    limit = undefined;
    const items = (await partition()).filter((i) => String(i.sk).startsWith('FEEDBACK#'));
    expect(items).toHaveLength(5);
    for (const [index, item] of items.entries()) {
      expect(item).toMatchObject({ answer: 'sales-ready', comment: '', ratings: { quality: 4 }, details: { reasonCode: 'bad-timing' } });
      expect(Object.keys(item.details as object)).toEqual(['reasonCode']);
      expect(item.reply).toEqual(index % 2 === 0 ? { note: '', rating: 5, at: 'x' } : undefined);
    }
    expect(JSON.stringify(await partition())).not.toContain('Ada');
  });

  it('a catalogue without personal text fields: comments still go, details stay; a null reply is left alone', async () => {
    await seedProfile();
    await put({ pk: leadPk(leadId), sk: feedbackSk(1), answer: 'nurture', comment: 'Ada', details: { moreOf: 'x' }, reply: null });
    /** The same catalogue with no question declared personal. */
    const unmark = (v: unknown): unknown =>
      Array.isArray(v) ? v.map(unmark) : typeof v === 'object' && v !== null ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, k === 'personal' ? false : unmark(x)])) : v;
    const catalogue = unmark(FEEDBACK_STEP_DEFINITIONS) as typeof FEEDBACK_STEP_DEFINITIONS;
    expect(feedbackTextPaths(catalogue)).toEqual([]);
    expect((await eraseLead(leadId, NOW, catalogue)).feedbackItemsCleaned).toBe(1);
    expect(await get({ pk: leadPk(leadId), sk: feedbackSk(1) })).toMatchObject({ comment: '', details: { moreOf: 'x' }, reply: null });
  });

  it('the free-text list is the catalogue\'s personal fields', () => {
    expect(feedbackTextPaths()).toEqual(['details.moreOf', 'details.missing', 'details.promises', 'details.difficulties', 'details.unkeptPromises']);
  });

  it('links: each becomes a tombstone with its pointer\'s expiry (or 30 days from now without one), pointers go, paged', async () => {
    await seedProfile();
    const hashes = ['a', 'b', 'c', 'd', 'e'].map((c) => c.repeat(64));
    for (const [i, hash] of hashes.entries()) {
      await put({ ...linkKey(hash), type: 'LINK', leadId, lead: { name: 'Ada Lovelace' }, status: 'pending' });
      await put({ ...leadLinkKey(leadId, hash), type: 'LINK_POINTER', ...(i === 0 ? {} : { expiresAt: 1_000 + i }) });
    }
    limit = 2;
    const result = await eraseLead(leadId, NOW);
    expect(result.linksDeleted).toBe(5);
    expect(await get(linkKey(hashes[0] ?? ''))).toEqual({ ...linkKey(hashes[0] ?? ''), type: 'LINK_ERASED', expiresAt: keepUntil(NOW.getTime()) });
    expect(keepUntil(NOW.getTime())).toBe(Math.floor(NOW.getTime() / 1000) + 30 * 86400);
    expect(await get(linkKey(hashes[3] ?? ''))).toEqual({ ...linkKey(hashes[3] ?? ''), type: 'LINK_ERASED', expiresAt: 1_003 });
    limit = undefined;
    expect((await partition()).map((i) => i.sk)).toEqual(['PROFILE']);
  });

  it('a real request link: its page is gone afterwards', async () => {
    await seedProfile();
    const { id } = await createLink({ leadId, step: 'qualification-call', taskToken: 't', answers: ['nurture'], addressee: 'isr@example.com', answeredBy: 'owner', escalated: false, requestKey: 'rk', timeoutSeconds: 3600, lead: { name: 'Ada Lovelace', company: 'A', email: 'ada@example.org', stage: 'qualifying' } }, NOW);
    expect((await eraseLead(leadId, NOW)).linksDeleted).toBe(1);
    expect(await lookupLink(id, NOW)).toEqual({ state: 'missing' });
  });

  it('erasing twice: the second says erased false, changes nothing, still stops nothing it cannot', async () => {
    await seedProfile();
    await eraseLead(leadId, NOW);
    const first = await get(leadKey(leadId));
    sfnMock.on(StopExecutionCommand).rejects(Object.assign(new Error('not running'), { name: 'ExecutionNotRunning' }));
    const again = await eraseLead(leadId, new Date('2026-06-01T00:00:00.000Z'));
    expect(again).toEqual({ leadId, erased: false, executionStopped: false, feedbackItemsCleaned: 0, linksDeleted: 0 });
    expect(await get(leadKey(leadId))).toEqual(first);
  });

  it('an unknown lead is NotFound, and no profile is created', async () => {
    await expect(eraseLead(leadId, NOW)).rejects.toBeInstanceOf(NotFound);
    await expect(eraseLead(leadId, NOW)).rejects.toMatchObject({ message: 'lead not found', data: { leadId } });
    expect(await get(leadKey(leadId))).toBeUndefined();
  });

  it('no execution to stop is fine; other StopExecution errors are not swallowed', async () => {
    await seedProfile();
    sfnMock.on(StopExecutionCommand).rejects(Object.assign(new Error('gone'), { name: 'ExecutionDoesNotExist' }));
    expect((await eraseLead(leadId, NOW)).executionStopped).toBe(false);
    sfnMock.on(StopExecutionCommand).rejects(Object.assign(new Error('slow down'), { name: 'ThrottlingException' }));
    await expect(eraseLead(leadId, NOW)).rejects.toThrow(new TransientError('StopExecution: ThrottlingException'));
  });

  it('an outage while erasing the profile or the promises is TransientError, not "already erased"', async () => {
    await seedProfile();
    fault.fail((c, i) => c === 'UpdateItemCommand' && String(i.UpdateExpression).includes('erasedAt'));
    await expect(eraseLead(leadId, NOW)).rejects.toThrow(new TransientError('eraseLead: ServiceUnavailable'));
    expect((await get(leadKey(leadId)))?.email).toBe('ada@example.org');
    fault.fail((c, i) => c === 'UpdateItemCommand' && String(i.UpdateExpression).includes('#promises'));
    await expect(eraseLead(leadId, NOW)).rejects.toThrow(new TransientError('eraseLead: ServiceUnavailable'));
  });
});
