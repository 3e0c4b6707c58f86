// Feedback links against a real table (dynalite in-process): the conditional
// writes that keep "one answer wins" and "a link lives until its deadline"
// are judged by DynamoDB's own condition semantics, not by a fake that
// re-implements them. Every expiry is asserted by value, every error branch
// by what it throws.
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { FeedbackAnswer } from '#lib/core/contracts';
import { faults, startLocalTable } from './support/local-table';

const table = await startLocalTable('links-test');
const { ddb } = await import('#lib/aws/clients');
const links = await import('#lib/feedback/links');
const { linkKey, leadLinkKey } = await import('#lib/core/keys');
const { Conflict, Gone, TransientError } = await import('#lib/core/errors');
const { answerLink, createAlias, createLink, createReplyLink, deleteLink, eraseLink, lookupLink, recordedAnswer, reserveLink, revertAnswer, forgetTaskToken, markExpired, clearReminder, markReminding, keepUntil } = links;
const fault = faults(ddb);

afterAll(() => table.close());
afterEach(() => fault.clear());

const NOW = new Date('2026-05-04T10:00:00.000Z');
const DAY_S = 86400;
let n = 0;
const lead = { name: 'Ada', company: 'Acme', email: 'ada@example.org', stage: 'qualifying' as const };
const input = (over: Record<string, unknown> = {}) => {
  n += 1;
  return { leadId: `lead-${n}`, step: 'qualification-call' as const, taskToken: `token-${n}`, answers: ['nurture', 'sales-ready'], addressee: 'isr@example.com', answeredBy: 'owner' as const, escalated: false, requestKey: `rk-${n}`, timeoutSeconds: 3600, lead, ...over };
};
const answer = (a = 'nurture', at = NOW): FeedbackAnswer => ({ step: 'qualification-call', answer: a, comment: '', ratings: {}, details: {}, answeredAt: at.toISOString(), answeredBy: 'owner' });
const item = async (key: { pk: string; sk: string }) => (await ddb.send(new GetCommand({ TableName: 'links-test', Key: key, ConsistentRead: true }))).Item;
const isCommand = (name: string) => (c: string) => c === name;

describe('createLink: what it stores, and when it expires', () => {
  it('stores a pending request whose deadline is the task timeout, kept (TTL) 30 days after it; its pointer expires with it', async () => {
    const { id, request } = await createLink(input({ remindAfterFraction: 0.5 }), NOW);
    const deadlineMs = NOW.getTime() + 3600 * 1000;
    expect(request.deadlineMs).toBe(deadlineMs);
    expect(request.deadline).toBe('2026-05-04T11:00:00.000Z');
    expect(request.remindAt).toBe('2026-05-04T10:30:00.000Z');
    expect(request.status).toBe('pending');
    expect(request.hash).toBe(links.hashLinkId(id));
    const stored = await item(linkKey(request.hash));
    expect(stored).toMatchObject({ type: 'LINK', status: 'pending', deadlineMs, taskToken: request.taskToken, lead, createdAt: NOW.toISOString() });
    expect(stored?.expiresAt).toBe(Math.floor(deadlineMs / 1000) + 30 * DAY_S);
    expect(stored?.gsi3pk).toBe('REMIND#2026-05-04');
    expect(stored?.gsi3sk).toEqual(expect.stringContaining('2026-05-04T10:30:00.000Z'));
    const pointer = await item(leadLinkKey(request.leadId, request.hash));
    expect(pointer).toEqual({ ...leadLinkKey(request.leadId, request.hash), type: 'LINK_POINTER', expiresAt: Math.floor(deadlineMs / 1000) + 30 * DAY_S });
    expect(keepUntil(deadlineMs)).toBe(Math.floor(deadlineMs / 1000) + 30 * DAY_S);
  });

  it('remindAtOf: the fraction of the way from the entered time to the deadline; none outside 0 < f < 1', () => {
    const entered = new Date('2026-01-01T00:00:00.000Z');
    const deadlineMs = entered.getTime() + 4 * 3600_000;
    expect(links.remindAtOf(entered, deadlineMs, 0.75)).toBe('2026-01-01T03:00:00.000Z');
    expect(links.remindAtOf(entered, deadlineMs, 0.5)).toBe('2026-01-01T02:00:00.000Z');
    for (const f of [0, 1, 1.5, -0.2, Number.NaN, undefined]) expect(links.remindAtOf(entered, deadlineMs, f)).toBeUndefined();
    // Work that can start only later (a meeting's end): the fraction of the way from then; an earlier start changes nothing; never past the deadline.
    expect(links.remindAtOf(entered, deadlineMs, 0.5, new Date('2026-01-01T02:00:00.000Z'))).toBe('2026-01-01T03:00:00.000Z');
    expect(links.remindAtOf(entered, deadlineMs, 0.5, new Date('2025-12-31T00:00:00.000Z'))).toBe('2026-01-01T02:00:00.000Z');
    expect(links.remindAtOf(entered, deadlineMs, 0.5, new Date('2026-01-02T00:00:00.000Z'))).toBe('2026-01-01T04:00:00.000Z');
  });

  it('no reminder at fraction 0, 1 or none; a timeout below one second counts as one second', async () => {
    for (const f of [0, 1, undefined]) {
      const { request } = await createLink(input({ remindAfterFraction: f }), NOW);
      expect(request.remindAt).toBeUndefined();
      expect((await item(linkKey(request.hash)))?.gsi3pk).toBeUndefined();
    }
    const { request } = await createLink(input({ timeoutSeconds: 0 }), NOW);
    expect(request.deadlineMs).toBe(NOW.getTime() + 1000);
  });

  it("a request with choices (a rescue's reassignment options) stores them; an empty list stores none", async () => {
    const choices = [{ value: 'isr2@example.com', label: 'Grace (Inside Sales)' }];
    const withChoices = (await createLink(input({ choices }), NOW)).request;
    expect(withChoices.choices).toEqual(choices);
    expect((await item(linkKey(withChoices.hash)))?.choices).toEqual(choices);
    const none = (await createLink(input({ choices: [] }), NOW)).request;
    expect(none).not.toHaveProperty('choices');
    expect(await item(linkKey(none.hash))).not.toHaveProperty('choices');
  });

  it('a reservation for another lead is refused before anything is written', async () => {
    const reservation = await reserveLink('someone-else', 3600, NOW);
    await expect(createLink(input({ reservation }), NOW)).rejects.toThrow('the reservation is for another lead');
    expect(await item(linkKey(reservation.hash))).toBeUndefined();
  });

  it('a reservation for its own lead is used as is: the link is stored under the reserved id', async () => {
    const i = input();
    const reservation = await reserveLink(i.leadId, 3600, NOW);
    const { id } = await createLink({ ...i, reservation }, NOW);
    expect(id).toBe(reservation.id);
    expect((await item(linkKey(reservation.hash)))?.type).toBe('LINK');
  });

  it('an item of another kind already under the id is not taken for our own retried write', async () => {
    const i = input();
    const reservation = await reserveLink(i.leadId, 3600, NOW);
    await ddb.send(new PutCommand({ TableName: 'links-test', Item: { ...linkKey(reservation.hash), type: 'REPLY_LINK' } }));
    await expect(createLink({ ...i, reservation }, NOW)).rejects.toMatchObject({ name: 'ConditionalCheckFailedException' });
  });

  it('an outage while writing the pointer or the link is a TransientError, not swallowed', async () => {
    fault.fail(isCommand('PutItemCommand'));
    await expect(createLink(input(), NOW)).rejects.toThrow(new TransientError('reserveLink: ServiceUnavailable'));
    let puts = 0;
    fault.fail((c) => c === 'PutItemCommand' && (puts += 1) === 2);
    await expect(createLink(input(), NOW)).rejects.toThrow(new TransientError('createLink: ServiceUnavailable'));
  });
});

describe('reply links and aliases expire by value', () => {
  it('a reply link works 30 days and is kept 30 more; its page says expired from its deadline on', async () => {
    const { id, link } = await createReplyLink({ leadId: 'lead-r', feedbackSk: 'FEEDBACK#x' }, NOW);
    const deadlineMs = NOW.getTime() + 30 * DAY_S * 1000;
    expect(link).toMatchObject({ kind: 'reply', leadId: 'lead-r', feedbackSk: 'FEEDBACK#x', deadlineMs, deadline: new Date(deadlineMs).toISOString(), expired: false });
    const stored = await item(linkKey(link.hash));
    expect(stored).toMatchObject({ type: 'REPLY_LINK', deadlineMs, feedbackSk: 'FEEDBACK#x' });
    expect(stored?.expired).toBeUndefined();
    expect(stored?.expiresAt).toBe(Math.floor(deadlineMs / 1000) + 30 * DAY_S);
    expect((await item(leadLinkKey('lead-r', link.hash)))?.expiresAt).toBe(Math.floor(deadlineMs / 1000) + 30 * DAY_S);
    expect(await lookupLink(id, new Date(deadlineMs - 1))).toEqual({ state: 'reply', link: { ...link } });
    expect(await lookupLink(id, new Date(deadlineMs))).toEqual({ state: 'reply', link: { ...link, expired: true } });
  });

  it('an alias resolves to its request and expires with it', async () => {
    const { request } = await createLink(input(), NOW);
    const alias = await createAlias(request, NOW);
    const stored = await item(linkKey(links.hashLinkId(alias)));
    expect(stored).toMatchObject({ type: 'LINK_ALIAS', aliasOf: request.hash, createdAt: NOW.toISOString(), expiresAt: keepUntil(request.deadlineMs) });
    expect(await lookupLink(alias, NOW)).toMatchObject({ state: 'pending', request: { hash: request.hash } });
    fault.fail(isCommand('PutItemCommand'));
    await expect(createAlias(request, NOW)).rejects.toThrow(new TransientError('createAlias: ServiceUnavailable'));
  });
});

describe('lookupLink', () => {
  it('ill-formed or unknown ids are missing; pending until the deadline, expired from it on', async () => {
    expect(await lookupLink(undefined)).toEqual({ state: 'missing' });
    expect(await lookupLink('short')).toEqual({ state: 'missing' });
    expect(await lookupLink(links.newLinkId())).toEqual({ state: 'missing' });
    const { id, request } = await createLink(input(), NOW);
    const found = await lookupLink(id, new Date(request.deadlineMs - 1));
    expect(found.state).toBe('pending');
    expect(found).toMatchObject({ request: { hash: request.hash, leadId: request.leadId, taskToken: request.taskToken } });
    const stored = found.state === 'pending' ? (found.request as unknown as Record<string, unknown>) : {};
    for (const k of ['pk', 'sk', 'type', 'gsi3pk', 'gsi3sk', 'expiresAt']) expect(stored).not.toHaveProperty(k);
    expect((await lookupLink(id, new Date(request.deadlineMs))).state).toBe('expired');
    await markExpired(request.hash);
    expect((await lookupLink(id, NOW)).state).toBe('expired');
  });

  it('an erased link is missing; an outage while reading is TransientError', async () => {
    const { id, request } = await createLink(input(), NOW);
    await eraseLink(request.hash, 123);
    expect(await item(linkKey(request.hash))).toEqual({ ...linkKey(request.hash), type: 'LINK_ERASED', expiresAt: 123 });
    expect(await lookupLink(id, NOW)).toEqual({ state: 'missing' });
    expect(await recordedAnswer(request.hash)).toBe('erased');
    fault.fail(isCommand('GetItemCommand'));
    await expect(lookupLink(id, NOW)).rejects.toThrow(new TransientError('lookupLink: ServiceUnavailable'));
  });
});

describe('answerLink: exactly one answer wins', () => {
  it('the first answer is recorded; the second gets Conflict with the recorded answer; the page says answered', async () => {
    const { id, request } = await createLink(input({ remindAfterFraction: 0.5 }), NOW);
    const answered = await answerLink(request.hash, answer('nurture'), NOW);
    expect(answered).toMatchObject({ status: 'answered', answer: answer('nurture'), answeredAt: NOW.toISOString() });
    const stored = await item(linkKey(request.hash));
    expect(stored?.gsi3pk).toBeUndefined();
    expect(stored?.gsi3sk).toBeUndefined();
    const second = answerLink(request.hash, answer('sales-ready'), NOW);
    await expect(second).rejects.toBeInstanceOf(Conflict);
    await expect(second).rejects.toMatchObject({ data: { recorded: answer('nurture'), step: 'qualification-call' } });
    expect((await item(linkKey(request.hash)))?.answer).toEqual(answer('nurture'));
    expect((await lookupLink(id, NOW)).state).toBe('answered');
    expect(await recordedAnswer(request.hash)).toEqual({ leadId: request.leadId, step: 'qualification-call', answer: answer('nurture') });
  });

  it('two answers at once: one is recorded, the other gets Conflict', async () => {
    const { request } = await createLink(input(), NOW);
    const results = await Promise.allSettled([answerLink(request.hash, answer('nurture'), NOW), answerLink(request.hash, answer('sales-ready'), NOW)]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect(results.filter((r) => r.status === 'rejected' && r.reason instanceof Conflict)).toHaveLength(1);
  });

  it('at or after the deadline, on an expired request, on what is not a request link, or on nothing: Gone, nothing written', async () => {
    const { request } = await createLink(input(), NOW);
    await expect(answerLink(request.hash, answer(), new Date(request.deadlineMs))).rejects.toBeInstanceOf(Gone);
    expect((await item(linkKey(request.hash)))?.status).toBe('pending');
    await expect(answerLink(request.hash, answer(), new Date(request.deadlineMs - 1))).resolves.toMatchObject({ status: 'answered' });
    const expired = (await createLink(input(), NOW)).request;
    await markExpired(expired.hash);
    await expect(answerLink(expired.hash, answer(), NOW)).rejects.toBeInstanceOf(Gone);
    const lookalike = links.hashLinkId(links.newLinkId());
    await ddb.send(new PutCommand({ TableName: 'links-test', Item: { ...linkKey(lookalike), type: 'LINK_ALIAS', status: 'pending', deadlineMs: request.deadlineMs } }));
    await expect(answerLink(lookalike, answer(), NOW)).rejects.toBeInstanceOf(Gone);
    expect((await item(linkKey(lookalike)))?.status).toBe('pending');
    await expect(answerLink(links.hashLinkId(links.newLinkId()), answer(), NOW)).rejects.toBeInstanceOf(Gone);
  });

  it('an outage while answering is a TransientError (retried), not a 410', async () => {
    const { request } = await createLink(input(), NOW);
    fault.fail(isCommand('UpdateItemCommand'));
    await expect(answerLink(request.hash, answer(), NOW)).rejects.toThrow(new TransientError('answerLink: ServiceUnavailable'));
    expect((await item(linkKey(request.hash)))?.status).toBe('pending');
  });

  it('revertAnswer undoes only our own answer; an outage there is TransientError', async () => {
    const { request } = await createLink(input(), NOW);
    await answerLink(request.hash, answer(), NOW);
    await revertAnswer(request.hash, '2026-01-01T00:00:00.000Z');
    expect((await item(linkKey(request.hash)))?.status).toBe('answered');
    await revertAnswer(request.hash, NOW.toISOString());
    const reverted = await item(linkKey(request.hash));
    expect(reverted?.status).toBe('pending');
    expect(reverted?.answer).toBeUndefined();
    expect(reverted?.answeredAt).toBeUndefined();
    await revertAnswer(request.hash, NOW.toISOString()); // not answered any more: no-op
    expect((await item(linkKey(request.hash)))?.status).toBe('pending');
    fault.fail(isCommand('UpdateItemCommand'));
    await expect(revertAnswer(request.hash, NOW.toISOString())).rejects.toThrow(new TransientError('revertAnswer: ServiceUnavailable'));
  });
});

describe('the small updates', () => {
  it('forgetTaskToken, markReminding, clearReminder, markExpired change what they name', async () => {
    const { request } = await createLink(input({ remindAfterFraction: 0.5 }), NOW);
    await forgetTaskToken(request.hash);
    expect((await item(linkKey(request.hash)))?.taskToken).toBeUndefined();
    await markReminding(request.hash, 'batch-1');
    expect((await item(linkKey(request.hash)))?.reminderBatch).toBe('batch-1');
    await clearReminder(request.hash, NOW);
    const cleared = await item(linkKey(request.hash));
    expect(cleared?.remindedAt).toBe(NOW.toISOString());
    expect(cleared?.gsi3pk).toBeUndefined();
    const other = (await createLink(input({ remindAfterFraction: 0.5 }), NOW)).request;
    await markExpired(other.hash);
    const expired = await item(linkKey(other.hash));
    expect(expired).toMatchObject({ status: 'expired' });
    expect(expired?.taskToken).toBeUndefined();
    expect(expired?.gsi3pk).toBeUndefined();
    expect(expired?.gsi3sk).toBeUndefined();
  });

  it('on a link that is gone they write nothing (no half item appears); an outage is TransientError', async () => {
    const hash = links.hashLinkId(links.newLinkId());
    await markExpired(hash);
    await markReminding(hash, 'b');
    expect(await item(linkKey(hash))).toBeUndefined();
    fault.fail(isCommand('UpdateItemCommand'));
    await expect(markExpired(hash)).rejects.toThrow(new TransientError('updateLink: ServiceUnavailable'));
  });

  it('deleteLink and eraseLink: an outage is TransientError; deleteLink removes the item', async () => {
    const { request } = await createLink(input(), NOW);
    await deleteLink(request.hash);
    expect(await item(linkKey(request.hash))).toBeUndefined();
    fault.fail(isCommand('DeleteItemCommand'));
    await expect(deleteLink(request.hash)).rejects.toThrow(new TransientError('deleteLink: ServiceUnavailable'));
    fault.fail(isCommand('PutItemCommand'));
    await expect(eraseLink(request.hash, 1)).rejects.toThrow(new TransientError('eraseLink: ServiceUnavailable'));
  });

  it('recordedAnswer: nothing for a pending request, a reply link, or no item', async () => {
    const { request } = await createLink(input(), NOW);
    expect(await recordedAnswer(request.hash)).toBeUndefined();
    const { link } = await createReplyLink({ leadId: 'l', feedbackSk: 'FEEDBACK#y' }, NOW);
    expect(await recordedAnswer(link.hash)).toBeUndefined();
    expect(await recordedAnswer('0'.repeat(64))).toBeUndefined();
  });
});
