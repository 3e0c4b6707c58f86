import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';
import { DeleteCommand, DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import middy from '@middy/core';
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';

process.env.TABLE_NAME = 'test-table';
process.env.MAIL_FROM = 'pipeline@example.com';

const ddbMock = mockClient(DynamoDBDocumentClient);
const sesMock = mockClient(SESv2Client);

const { escapeHtml, stripCrLf, truncate } = await import('#lib/core/html');
const { changeStage, putNewLead } = await import('#lib/leads/profile');
const { STALE_AFTER_MS, sendEmail } = await import('#lib/mail/mailer');
const { html, httpMiddlewares } = await import('#lib/aws/http');
const { Conflict, NotFound, TransientError, ValidationError, asTransient } = await import('#lib/core/errors');

const ccf = () => new ConditionalCheckFailedException({ message: 'failed', $metadata: {} });

afterEach(() => {
  ddbMock.reset();
  sesMock.reset();
  vi.useRealTimers();
});

describe('html', () => {
  it('escapes markup and quotes', () => {
    expect(escapeHtml(`<script>alert("x")</script>'&\``)).toBe('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&#39;&amp;&#96;');
  });
  it('strips CR/LF and control characters for headers', () => {
    expect(stripCrLf('Hi\r\nBcc: evil@example.com\u2028x')).toBe('Hi Bcc: evil@example.com x');
  });
  it('truncates by code point', () => {
    expect(truncate('😀😀😀', 2)).toBe('😀…');
    expect(truncate('abc', 3)).toBe('abc');
  });
});

describe('errors', () => {
  it('names TransientError as the state machine retries it', () => {
    expect(new TransientError('x').name).toBe('Pipeline.TransientError');
    const throttled = Object.assign(new Error('slow down'), { name: 'ThrottlingException' });
    expect(asTransient(throttled, 'op')).toBeInstanceOf(TransientError);
    const other = new Error('boom');
    expect(asTransient(other, 'op')).toBe(other);
  });
  it('ValidationError names the field', () => {
    const e = new ValidationError('answer', 'is not allowed');
    expect(e.field).toBe('answer');
    expect(e.message).toContain('answer');
  });
});

describe('observability', () => {
  it('errorSummary redacts emails and token-like strings from messages', async () => {
    const { errorSummary } = await import('#lib/aws/observability');
    const error = Object.assign(new Error('Email address is not verified: ada@example.com; token AAAAbbbbCCCCdddd-eeee_ffffGGGGhhhh1234'), { name: 'MessageRejected' });
    const summary = errorSummary(error);
    expect(summary.errorName).toBe('MessageRejected');
    expect(summary.errorMessage).toBe('Email address is not verified: <email>; token <redacted>');
  });

  it('an invocation that adds no metric writes nothing about it; other Metrics warnings still reach the log', async () => {
    const { metrics, observe } = await import('#lib/aws/observability');
    const ctx = { functionName: 'f', awsRequestId: 'r', getRemainingTimeInMillis: () => 1000 } as unknown as Context;
    const writes: string[] = [];
    const capture = (chunk: string | Uint8Array): boolean => {
      writes.push(String(chunk));
      return true;
    };
    const out = vi.spyOn(process.stdout, 'write').mockImplementation(capture);
    const err = vi.spyOn(process.stderr, 'write').mockImplementation(capture);
    const warn = vi.spyOn(console, 'warn').mockImplementation((...args: unknown[]) => void writes.push(args.join(' ')));
    try {
      const quiet = middy<unknown, string>().use(observe()).handler(async () => 'ok');
      expect(await quiet({}, ctx)).toBe('ok');
      expect(await quiet({}, ctx)).toBe('ok');
      expect(writes.join('')).not.toContain('No application metrics');
      metrics.addDimension('', 'x'); // invalid: Metrics warns through the logger
      expect(writes.join('')).toContain("doesn't meet the requirements");
    } finally {
      out.mockRestore();
      err.mockRestore();
      warn.mockRestore();
    }
  });
});

describe('leads', () => {
  it('putNewLead is conditional and idempotent', async () => {
    ddbMock.on(PutCommand).rejectsOnce(ccf()).resolves({});
    ddbMock.on(GetCommand).resolves({ Item: { pk: 'LEAD#l1', sk: 'PROFILE', leadId: 'l1', stage: 'qualifying', createdAt: '2026-01-01T00:00:00.000Z' } });
    ddbMock.on(UpdateCommand).resolves({});
    const out = await putNewLead('l1', { name: 'A', email: 'a@example.com', company: 'C' });
    expect(out.created).toBe(false);
    expect(out.lead.stage).toBe('qualifying');
    const put = ddbMock.commandCalls(PutCommand)[0]?.args[0].input;
    expect(put?.ConditionExpression).toBe('attribute_not_exists(pk)');
  });

  it('changeStage updates profile + gsi1, writes an EVENT and counts it in one FUNNEL update (three requests)', async () => {
    vi.useFakeTimers();
    vi.setSystemTime(new Date('2026-02-01T10:00:00.000Z'));
    ddbMock.on(UpdateCommand).resolves({});
    ddbMock.on(UpdateCommand, { Key: { pk: 'LEAD#l1', sk: 'PROFILE' } }).resolves({
      Attributes: { leadId: 'l1', stage: 'qualifying', stageChangedAt: '2026-02-01T09:00:00.000Z', eventSeq: 2 },
    });
    ddbMock.on(PutCommand).resolves({});
    const out = await changeStage('l1', 'meeting', { reason: 'book-meeting', patch: { owners: { 'field-sales': 'rep@example.com' } } });
    expect(out.changed).toBe(true);
    expect(out.from).toBe('qualifying');
    const updates = ddbMock.commandCalls(UpdateCommand).map((c) => c.args[0].input);
    const profile = updates[0];
    expect(profile?.ExpressionAttributeValues?.[':g1pk']).toBe('STAGE#meeting');
    expect(profile?.ExpressionAttributeValues?.[':g1sk']).toBe('2026-02-01T10:00:00.000Z#l1');
    const event = ddbMock.commandCalls(PutCommand)[0]?.args[0].input;
    expect(event?.Item?.sk).toBe('EVENT#2026-02-01T10:00:00.000Z#000003');
    expect(event?.Item?.timeInPreviousStageMs).toBe(3_600_000);
    expect(updates.map((u) => u?.Key?.sk)).toEqual(['PROFILE', 'STAGE#meeting']);
    expect(ddbMock.calls()).toHaveLength(3);
    const names = Object.values(updates[1]?.ExpressionAttributeNames ?? {});
    expect(names).toEqual(expect.arrayContaining(['entered', 'o#field-sales#rep@example.com', 'x#qualifying#n', 'x#qualifying#ms']));
    expect(out.counted).toBe(true);
  });

  it('changeStage to the current stage writes no event (retry)', async () => {
    ddbMock.on(UpdateCommand).rejects(ccf());
    ddbMock.on(GetCommand).resolves({ Item: { leadId: 'l1', stage: 'meeting', stageChangedAt: 'x' } });
    const out = await changeStage('l1', 'meeting', { reason: 'r' });
    expect(out.changed).toBe(false);
    expect(ddbMock.commandCalls(PutCommand)).toHaveLength(0);
  });

  it('a retry rebuilds the EVENT the first attempt did not write (and counts it once)', async () => {
    ddbMock.on(UpdateCommand).resolves({});
    ddbMock.on(UpdateCommand, { Key: { pk: 'LEAD#l1', sk: 'PROFILE' } }).rejects(ccf());
    ddbMock.on(GetCommand).resolves({
      Item: {
        leadId: 'l1',
        stage: 'meeting',
        stageChangedAt: '2026-02-01T10:00:00.000Z',
        previousStage: 'qualifying',
        previousStageChangedAt: '2026-02-01T09:30:00.000Z',
        reason: 'book-meeting',
        eventSeq: 3,
      },
    });
    ddbMock.on(PutCommand).resolvesOnce({}).rejects(ccf());
    const out = await changeStage('l1', 'meeting', { reason: 'book-meeting' });
    expect(out.changed).toBe(false);
    const event = ddbMock.commandCalls(PutCommand)[0]?.args[0].input;
    expect(event?.Item).toMatchObject({ sk: 'EVENT#2026-02-01T10:00:00.000Z#000003', from: 'qualifying', to: 'meeting', timeInPreviousStageMs: 1_800_000 });
    expect(event?.ConditionExpression).toBe('attribute_not_exists(pk)');
    expect(ddbMock.commandCalls(UpdateCommand).map((c) => c.args[0].input.Key?.sk)).toEqual(['PROFILE', 'STAGE#meeting']);
    expect(out.counted).toBe(true);
    // a further retry finds the event and counts nothing
    const before = ddbMock.commandCalls(UpdateCommand).length;
    await changeStage('l1', 'meeting', { reason: 'book-meeting' });
    expect(ddbMock.commandCalls(UpdateCommand).slice(before).map((c) => c.args[0].input.Key?.sk)).toEqual(['PROFILE']);
  });

  it('changeStage copies the old stage into previousStage in the same write', async () => {
    ddbMock.on(UpdateCommand).resolves({ Attributes: { leadId: 'l1', stage: 'captured', stageChangedAt: '2026-02-01T09:00:00.000Z' } });
    ddbMock.on(PutCommand).resolves({});
    await changeStage('l1', 'qualifying', { reason: 'scored' });
    const expr = ddbMock.commandCalls(UpdateCommand)[0]?.args[0].input.UpdateExpression ?? '';
    expect(expr).toContain('previousStage = #stage');
    expect(expr).toContain('previousStageChangedAt = stageChangedAt');
  });

  describe('with the profile the caller just read (current)', () => {
    const inMeeting = {
      leadId: 'l1',
      stage: 'meeting' as const,
      stageChangedAt: '2026-02-01T10:00:00.000Z',
      previousStage: 'qualifying' as const,
      previousStageChangedAt: '2026-02-01T09:30:00.000Z',
      reason: 'meeting-booked',
      eventSeq: 3,
      createdAt: '2026-02-01T09:00:00.000Z',
      updatedAt: '2026-02-01T10:00:00.000Z',
      owners: {},
      name: 'A',
      email: 'a@example.com',
      company: 'C',
    };

    it('already in the stage, entered by an earlier step (another reason): no request at all without a patch', async () => {
      const out = await changeStage('l1', 'meeting', { reason: 'meeting-rescheduled', current: inMeeting });
      expect(out).toMatchObject({ changed: false, counted: false, from: 'meeting', lead: inMeeting });
      expect(ddbMock.calls()).toHaveLength(0);
    });

    it('already in the stage: the patch alone, one request', async () => {
      ddbMock.on(UpdateCommand).resolves({ Attributes: { ...inMeeting, owners: { 'field-sales': 'rep@example.com' } } });
      const out = await changeStage('l1', 'meeting', { reason: 'meeting-rescheduled', patch: { owners: { 'field-sales': 'rep@example.com' } }, current: inMeeting });
      expect(out.lead.owners).toEqual({ 'field-sales': 'rep@example.com' });
      const update = ddbMock.commandCalls(UpdateCommand)[0]?.args[0].input;
      expect(update?.ExpressionAttributeValues?.[':to']).toBeUndefined();
      expect(update?.ConditionExpression).toBe('attribute_exists(pk)');
      expect(ddbMock.calls()).toHaveLength(1);
    });

    it('already in the stage with the same reason (a retry of this change): reads its EVENT, completes it once', async () => {
      const eventKey = { pk: 'LEAD#l1', sk: 'EVENT#2026-02-01T10:00:00.000Z#000003' };
      ddbMock.on(UpdateCommand).resolves({});
      ddbMock.on(GetCommand, { Key: eventKey }).resolvesOnce({}).resolves({ Item: { type: 'STAGE_EVENT' } });
      ddbMock.on(PutCommand).resolves({});
      const first = await changeStage('l1', 'meeting', { reason: 'meeting-booked', current: inMeeting });
      expect(first.counted).toBe(true);
      expect(ddbMock.commandCalls(PutCommand)[0]?.args[0].input.Item).toMatchObject({ sk: 'EVENT#2026-02-01T10:00:00.000Z#000003', from: 'qualifying', to: 'meeting' });
      expect(ddbMock.commandCalls(UpdateCommand).map((c) => c.args[0].input.Key?.sk)).toEqual(['STAGE#meeting']);
      // One strongly consistent read of the EVENT, in place of a conditional put bound to fail when it is there.
      expect(ddbMock.commandCalls(GetCommand).map((c) => c.args[0].input)).toEqual([expect.objectContaining({ Key: eventKey, ConsistentRead: true })]);
      const again = await changeStage('l1', 'meeting', { reason: 'meeting-booked', current: inMeeting });
      expect(again.counted).toBe(false);
      expect(ddbMock.commandCalls(PutCommand)).toHaveLength(1);
      expect(ddbMock.commandCalls(UpdateCommand)).toHaveLength(1);
    });

    it('in another stage: the conditional update decides, as without it', async () => {
      ddbMock.on(UpdateCommand).resolves({});
      ddbMock.on(UpdateCommand, { Key: { pk: 'LEAD#l1', sk: 'PROFILE' } }).resolves({ Attributes: { ...inMeeting } });
      ddbMock.on(PutCommand).resolves({});
      const out = await changeStage('l1', 'negotiating', { reason: 'awaiting-deal-decision', current: inMeeting });
      expect(out).toMatchObject({ changed: true, counted: true, from: 'meeting' });
      expect(ddbMock.commandCalls(UpdateCommand)[0]?.args[0].input.ConditionExpression).toBe('attribute_exists(pk) AND #stage <> :to');
      expect(ddbMock.calls()).toHaveLength(3);
    });
  });

  it('changeStage on a missing lead is NotFound', async () => {
    ddbMock.on(UpdateCommand).rejects(ccf());
    ddbMock.on(GetCommand).resolves({});
    await expect(changeStage('nope', 'meeting', { reason: 'r' })).rejects.toBeInstanceOf(NotFound);
  });
});

describe('mailer', () => {
  const email = { to: 'rep@example.com', subject: 'Hello\r\nBcc: x@evil.com', html: '<p>x</p>', text: 'x', idempotencyKey: 'k1' };

  it('sends once with HTML and text parts, subject stripped of CR/LF', async () => {
    ddbMock.on(PutCommand).resolves({});
    ddbMock.on(UpdateCommand).resolves({});
    sesMock.on(SendEmailCommand).resolves({ MessageId: 'm1' });
    const out = await sendEmail(email);
    expect(out.sent).toBe(true);
    const input = sesMock.commandCalls(SendEmailCommand)[0]?.args[0].input;
    expect(input?.Content?.Simple?.Subject?.Data).toBe('Hello Bcc: x@evil.com');
    expect(input?.Content?.Simple?.Body?.Html?.Data).toBe('<p>x</p>');
    expect(input?.Content?.Simple?.Body?.Text?.Data).toBe('x');
    expect(input?.FromEmailAddress).toBe('pipeline@example.com');
    const marker = ddbMock.commandCalls(PutCommand)[0]?.args[0].input;
    expect(marker?.Item?.pk).toBe('MAIL#k1');
    expect(marker?.ConditionExpression).toBe('attribute_not_exists(pk)');
  });

  it('does not send again when the marker says sent', async () => {
    ddbMock.on(PutCommand).rejects(ccf());
    ddbMock.on(UpdateCommand).rejects(ccf());
    ddbMock.on(GetCommand).resolves({ Item: { status: 'sent' } });
    const out = await sendEmail(email);
    expect(out.sent).toBe(false);
    expect(sesMock.commandCalls(SendEmailCommand)).toHaveLength(0);
  });

  it('a send in flight elsewhere is a TransientError (retry later)', async () => {
    ddbMock.on(PutCommand).rejects(ccf());
    ddbMock.on(UpdateCommand).rejects(ccf());
    ddbMock.on(GetCommand).resolves({ Item: { status: 'sending' } });
    await expect(sendEmail(email, new Date(), { inFlightWaitMs: 0 })).rejects.toBeInstanceOf(TransientError);
    expect(sesMock.commandCalls(SendEmailCommand)).toHaveLength(0);
  });

  it('waits for a send in flight elsewhere and does not send when it completes', async () => {
    ddbMock.on(PutCommand).rejects(ccf());
    ddbMock.on(UpdateCommand).rejects(ccf());
    ddbMock.on(GetCommand).resolvesOnce({ Item: { status: 'sending' } }).resolves({ Item: { status: 'sent' } });
    await expect(sendEmail(email, new Date(), { inFlightWaitMs: 2000 })).resolves.toEqual({ sent: false });
    expect(sesMock.commandCalls(SendEmailCommand)).toHaveLength(0);
  });

  it('takes over a marker abandoned mid-send (older than STALE_AFTER_MS) and sends', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2026-02-01T10:00:00.000Z'));
    ddbMock.on(PutCommand).rejects(ccf());
    ddbMock.on(UpdateCommand).resolves({});
    sesMock.on(SendEmailCommand).resolves({ MessageId: 'm3' });
    await expect(sendEmail(email)).resolves.toMatchObject({ sent: true });
    const takeover = ddbMock.commandCalls(UpdateCommand)[0]?.args[0].input;
    expect(takeover?.ConditionExpression).toBe('#status = :sending AND startedAt < :stale');
    expect(takeover?.ExpressionAttributeValues?.[':stale']).toBe(Date.parse('2026-02-01T10:00:00.000Z') - STALE_AFTER_MS);
    expect(STALE_AFTER_MS).toBeGreaterThan(15_000); // longer than any mail-sending Lambda's timeout
  });

  it('a failed send clears the marker so a retry sends', async () => {
    ddbMock.on(PutCommand).resolves({});
    ddbMock.on(DeleteCommand).resolves({});
    sesMock.on(SendEmailCommand).rejectsOnce(Object.assign(new Error('throttled'), { name: 'Throttling' })).resolves({ MessageId: 'm2' });
    await expect(sendEmail(email)).rejects.toBeInstanceOf(TransientError);
    const del = ddbMock.commandCalls(DeleteCommand)[0]?.args[0].input;
    expect(del?.Key).toEqual({ pk: 'MAIL#k1', sk: 'MAIL' });
    const out = await sendEmail(email);
    expect(out.sent).toBe(true);
    expect(sesMock.commandCalls(SendEmailCommand)).toHaveLength(2);
  });
});

describe('http stack', () => {
  const ctx = { functionName: 'f', awsRequestId: 'r', getRemainingTimeInMillis: () => 1000 } as unknown as Context;
  const event = (): APIGatewayProxyEventV2 =>
    ({ version: '2.0', rawPath: '/x', rawQueryString: '', headers: {}, requestContext: { http: { method: 'GET' } }, isBase64Encoded: false }) as unknown as APIGatewayProxyEventV2;
  let errorToThrow: Error | undefined;
  const handler = middy<APIGatewayProxyEventV2, ReturnType<typeof html>>()
    .use(httpMiddlewares())
    .handler(async () => {
      if (errorToThrow) throw errorToThrow;
      return html(200, '<p>ok</p>');
    });
  beforeAll(() => {
    errorToThrow = undefined;
  });

  it('adds security headers', async () => {
    errorToThrow = undefined;
    const res = await handler(event(), ctx);
    expect(res.headers['Content-Security-Policy']).toContain("default-src 'none'");
    expect(res.headers['Content-Security-Policy']).toContain("form-action 'self'");
    expect(res.headers['Content-Security-Policy']).toContain("frame-ancestors 'none'");
    expect(res.headers['Referrer-Policy']).toBe('no-referrer');
    expect(res.headers['X-Content-Type-Options']).toBe('nosniff');
    expect(res.headers['Cache-Control']).toBe('no-store');
  });

  // Each row says what its body holds (no expect inside a conditional); no body leaks the internal error's message.
  it.each([
    [new ValidationError('answer', 'not allowed'), 400, { field: 'answer' }],
    [new NotFound('x'), 404, {}],
    [new Conflict('x'), 409, {}],
    [new TransientError('x'), 503, {}],
    [new Error('secret detail'), 500, {}],
  ])('maps %s to %i', async (error, status, body) => {
    errorToThrow = error;
    const res = await handler(event(), ctx);
    expect(res.statusCode).toBe(status);
    expect(res.headers['Cache-Control']).toBe('no-store');
    expect(JSON.parse(res.body)).toMatchObject(body);
    expect(res.body).not.toContain('secret detail');
  });
});
