// The mail marker against a real table (dynalite in-process): claiming,
// taking over a stale marker, releasing only our own, marking sent only our
// own, all judged by DynamoDB's condition semantics (SES is mocked).
import { SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';
import { DeleteCommand, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { faults, startLocalTable } from './support/local-table';

const TABLE = 'mailer-test';
const table = await startLocalTable(TABLE, { MAIL_FROM: 'pipeline@example.com' });
const sesMock = mockClient(SESv2Client);
const { ddb } = await import('#lib/aws/clients');
const { IN_FLIGHT_WAIT_MS, STALE_AFTER_MS, sendEmail, wasSent } = await import('#lib/mail/mailer');
const { mailKey } = await import('#lib/core/keys');
const { TransientError } = await import('#lib/core/errors');
const fault = faults(ddb);

afterAll(() => table.close());
afterEach(() => {
  sesMock.reset();
  fault.clear();
});

let n = 0;
const email = (over: Record<string, unknown> = {}) => {
  n += 1;
  return { to: 'rep@example.com', subject: 'Qualification call', html: '<p>x</p>', text: 'x', idempotencyKey: `lead-${n}#qualification-call`, ...over };
};
const marker = async (key: string) => (await ddb.send(new GetCommand({ TableName: TABLE, Key: mailKey(key), ConsistentRead: true }))).Item;
const putMarker = (key: string, fields: Record<string, unknown>) => ddb.send(new PutCommand({ TableName: TABLE, Item: { ...mailKey(key), ...fields } }));
const throttled = () => Object.assign(new Error('slow down'), { name: 'Throttling' });

describe('mailer on a real table', () => {
  it('sends once per key: the marker says sent (with the message id and a 30-day TTL); a second call does not send', async () => {
    sesMock.on(SendEmailCommand).resolves({ MessageId: 'm-1' });
    const e = email();
    const now = new Date('2026-05-04T10:00:00.000Z');
    const before = Date.now();
    await expect(sendEmail(e, now)).resolves.toEqual({ sent: true, messageId: 'm-1' });
    const after = Date.now();
    const m = await marker(e.idempotencyKey);
    expect(m).toMatchObject({ status: 'sent', messageId: 'm-1', sentAt: now.toISOString() });
    expect(m?.expiresAt).toBeGreaterThanOrEqual(Math.floor(before / 1000) + 30 * 86400);
    expect(m?.expiresAt).toBeLessThanOrEqual(Math.floor(after / 1000) + 30 * 86400);
    expect(await wasSent(e.idempotencyKey)).toBe(true);
    await expect(sendEmail(e, now)).resolves.toEqual({ sent: false });
    expect(sesMock.commandCalls(SendEmailCommand)).toHaveLength(1);
  });

  it('a stale marker (its sender died mid-send) is taken over and the email goes out', async () => {
    sesMock.on(SendEmailCommand).resolves({ MessageId: 'm-2' });
    const e = email();
    await putMarker(e.idempotencyKey, { status: 'sending', attempt: 'dead', startedAt: Date.now() - STALE_AFTER_MS - 1000 });
    await expect(sendEmail(e)).resolves.toEqual({ sent: true, messageId: 'm-2' });
    const m = await marker(e.idempotencyKey);
    expect(m).toMatchObject({ status: 'sent', messageId: 'm-2' });
    expect(m?.attempt).not.toBe('dead');
  });

  it('a send that outlives its lease: the marker it claimed is taken over by a retry, which sends; the late send does not mark it', async () => {
    const e = email();
    let held: Record<string, unknown> | undefined;
    let retried: unknown;
    sesMock
      .on(SendEmailCommand)
      .callsFakeOnce(async () => {
        held = await marker(e.idempotencyKey);
        // SES takes longer than the lease; meanwhile the state machine retries.
        await putMarker(e.idempotencyKey, { ...held, startedAt: Date.now() - STALE_AFTER_MS - 1000 });
        retried = await sendEmail(e, new Date(), { inFlightWaitMs: 0 }).catch((error: unknown) => error);
        return { MessageId: 'm-late' };
      })
      .resolves({ MessageId: 'm-retry' });
    await expect(sendEmail(e)).resolves.toEqual({ sent: true, messageId: 'm-late' });
    expect(held).toMatchObject({ status: 'sending', attempt: expect.any(String) });
    expect(retried).toEqual({ sent: true, messageId: 'm-retry' });
    const m = await marker(e.idempotencyKey);
    expect(m).toMatchObject({ status: 'sent', messageId: 'm-retry' });
    expect(m?.attempt).not.toBe(held?.attempt);
  });

  it('a marker within its lease is not taken over: TransientError after the wait, nothing sent', async () => {
    const e = email();
    await putMarker(e.idempotencyKey, { status: 'sending', attempt: 'busy', startedAt: Date.now() - STALE_AFTER_MS + 5000 });
    await expect(sendEmail(e, new Date(), { inFlightWaitMs: 0 })).rejects.toThrow(new TransientError('mail: another attempt is sending this email'));
    expect(sesMock.commandCalls(SendEmailCommand)).toHaveLength(0);
    expect((await marker(e.idempotencyKey))?.attempt).toBe('busy');
  });

  it('a marker released by its holder while we wait is claimed, and the email goes out once', async () => {
    sesMock.on(SendEmailCommand).resolves({ MessageId: 'm-3' });
    const e = email();
    await putMarker(e.idempotencyKey, { status: 'sending', attempt: 'busy', startedAt: Date.now() });
    setTimeout(() => void ddb.send(new DeleteCommand({ TableName: TABLE, Key: mailKey(e.idempotencyKey) })), 200);
    await expect(sendEmail(e, new Date(), { inFlightWaitMs: 3000 })).resolves.toEqual({ sent: true, messageId: 'm-3' });
    expect(sesMock.commandCalls(SendEmailCommand)).toHaveLength(1);
  });

  it('a marker found sent while waiting: no send, no wait', async () => {
    const e = email();
    await putMarker(e.idempotencyKey, { status: 'sent', attempt: 'done', startedAt: Date.now() });
    await expect(sendEmail(e, new Date(), { inFlightWaitMs: 60_000 })).resolves.toEqual({ sent: false });
    expect(sesMock.commandCalls(SendEmailCommand)).toHaveLength(0);
  });

  it('a failed send releases our own marker, so the retry sends', async () => {
    sesMock.on(SendEmailCommand).rejectsOnce(throttled()).resolves({ MessageId: 'm-4' });
    const e = email();
    await expect(sendEmail(e)).rejects.toThrow(new TransientError('ses: Throttling'));
    expect(await marker(e.idempotencyKey)).toBeUndefined();
    await expect(sendEmail(e)).resolves.toEqual({ sent: true, messageId: 'm-4' });
  });

  it("a failed send does not delete another attempt's marker (it took ours over meanwhile)", async () => {
    const e = email();
    sesMock.on(SendEmailCommand).callsFake(async () => {
      await putMarker(e.idempotencyKey, { status: 'sending', attempt: 'other', startedAt: Date.now() });
      throw throttled();
    });
    await expect(sendEmail(e)).rejects.toBeInstanceOf(TransientError);
    expect(await marker(e.idempotencyKey)).toMatchObject({ status: 'sending', attempt: 'other' });
  });

  it("a send that outlived its lease does not mark another attempt's marker sent", async () => {
    const e = email();
    sesMock.on(SendEmailCommand).callsFake(async () => {
      await putMarker(e.idempotencyKey, { status: 'sending', attempt: 'other', startedAt: Date.now() });
      return { MessageId: 'm-5' };
    });
    await expect(sendEmail(e)).resolves.toEqual({ sent: true, messageId: 'm-5' });
    expect(await marker(e.idempotencyKey)).toMatchObject({ status: 'sending', attempt: 'other' });
  });

  it('an outage while claiming (the put, or the take-over) or reading the marker is TransientError, and nothing is sent', async () => {
    fault.fail((c) => c === 'PutItemCommand');
    await expect(sendEmail(email())).rejects.toThrow(new TransientError('mail marker: ServiceUnavailable'));
    const e = email();
    await putMarker(e.idempotencyKey, { status: 'sending', attempt: 'dead', startedAt: 0 });
    fault.fail((c) => c === 'UpdateItemCommand');
    await expect(sendEmail(e)).rejects.toThrow(new TransientError('mail marker: ServiceUnavailable'));
    const held = email();
    await putMarker(held.idempotencyKey, { status: 'sending', attempt: 'busy', startedAt: Date.now() });
    fault.fail((c) => c === 'GetItemCommand');
    await expect(sendEmail(held, new Date(), { inFlightWaitMs: 0 })).rejects.toThrow(new TransientError('mail marker: ServiceUnavailable'));
    expect(sesMock.commandCalls(SendEmailCommand)).toHaveLength(0);
  });

  it('no recipient (none given, or only line breaks): refused before any marker or send', async () => {
    for (const to of [[], '\r\n', ['', '\n']]) {
      const e = email({ to });
      await expect(sendEmail(e)).rejects.toThrow('sendEmail: no recipient');
      expect(await marker(e.idempotencyKey)).toBeUndefined();
    }
    expect(sesMock.commandCalls(SendEmailCommand)).toHaveLength(0);
  });

  it('recipients are de-duplicated; cc drops the to addresses and is left out when empty', async () => {
    sesMock.on(SendEmailCommand).resolves({ MessageId: 'm-6' });
    await sendEmail(email({ to: ['a@example.com', 'a@example.com', 'b@example.com'], cc: ['b@example.com', 'c@example.com'] }));
    await sendEmail(email({ to: 'a@example.com', cc: 'a@example.com' }));
    await sendEmail(email({ to: 'a@example.com' }));
    const [first, second, third] = sesMock.commandCalls(SendEmailCommand).map((c) => c.args[0].input.Destination);
    expect(first).toEqual({ ToAddresses: ['a@example.com', 'b@example.com'], CcAddresses: ['c@example.com'] });
    expect(second).toEqual({ ToAddresses: ['a@example.com'] });
    expect(third).toEqual({ ToAddresses: ['a@example.com'] });
    const message = sesMock.commandCalls(SendEmailCommand)[0]?.args[0].input.Content?.Simple;
    expect([message?.Subject?.Charset, message?.Body?.Html?.Charset, message?.Body?.Text?.Charset]).toEqual(['UTF-8', 'UTF-8', 'UTF-8']);
  });

  it('a send SES accepted without a message id is still sent', async () => {
    sesMock.on(SendEmailCommand).resolves({});
    const e = email();
    await expect(sendEmail(e)).resolves.toEqual({ sent: true });
    expect(await marker(e.idempotencyKey)).toMatchObject({ status: 'sent', messageId: '' });
  });

  // Last: it waits the default 8 s (a mutation run reaches it only for mutants that survived the tests above).
  it('a marker held by another attempt is waited on for IN_FLIGHT_WAIT_MS by default, then TransientError', async () => {
    const e = email();
    await putMarker(e.idempotencyKey, { status: 'sending', attempt: 'busy', startedAt: Date.now() });
    const started = Date.now();
    await expect(sendEmail(e)).rejects.toThrow(new TransientError('mail: another attempt is sending this email'));
    expect(Date.now() - started).toBeGreaterThanOrEqual(IN_FLIGHT_WAIT_MS);
    expect(sesMock.commandCalls(SendEmailCommand)).toHaveLength(0);
  });
});
