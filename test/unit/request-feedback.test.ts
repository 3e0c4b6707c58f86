import { SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';
import { SFNClient } from '@aws-sdk/client-sfn';
import { DynamoDBDocumentClient, QueryCommand, ScanCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { ScheduledEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { RequestFeedbackEvent } from '#lib/core/contracts';
import { FakeTable } from './support/fake-link-table';
import { lambdaContext, useTestRoster } from './support/lambda-fixtures';

process.env.TABLE_NAME = 'test-table';
process.env.MAIL_FROM = 'pipeline@example.com';
process.env.PUBLIC_BASE_URL = 'https://api.example.com';

const ddbMock = mockClient(DynamoDBDocumentClient);
await useTestRoster();
const sesMock = mockClient(SESv2Client);
const sfnMock = mockClient(SFNClient);

const { handler } = await import('../../functions/request-feedback');
const { handler: sweep } = await import('../../functions/remind-pending');
const { hashLinkId, lookupLink } = await import('#lib/feedback/links');
const { leadKey, linkKey } = await import('#lib/core/keys');
const { TransientError, ValidationError } = await import('#lib/core/errors');

const NOW = new Date('2026-03-02T10:00:00.000Z');
const ctx = lambdaContext('request-feedback');
let table: FakeTable;

const event = (over: Partial<RequestFeedbackEvent> = {}): RequestFeedbackEvent => ({
  leadId: 'lead-1',
  step: 'qualification-call',
  taskToken: 'TOKEN-1',
  timeoutSeconds: 7200,
  escalated: false,
  ...over,
});

function seedLead(fields: Record<string, unknown> = {}): void {
  table.put({
    ...leadKey('lead-1'),
    leadId: 'lead-1',
    name: 'Ada Lovelace',
    company: 'Engines Ltd',
    email: 'ada@example.com',
    stage: 'qualifying',
    stageChangedAt: NOW.toISOString(),
    createdAt: NOW.toISOString(),
    updatedAt: NOW.toISOString(),
    owners: { 'inside-sales': 'isr2@example.com' },
    ...fields,
  });
}

function sentEmails() {
  return sesMock.commandCalls(SendEmailCommand).map((c) => c.args[0].input);
}

function linkIdsIn(text: string): { id: string; answer: string }[] {
  return [...text.matchAll(/https:\/\/api\.example\.com\/feedback\/([A-Za-z0-9_-]+)\?answer=([a-z-]+)/g)].map((m) => ({ id: m[1] ?? '', answer: m[2] ?? '' }));
}

const linkItems = () => [...table.items.values()].filter((i) => i.type === 'LINK');

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(NOW);
  table = new FakeTable();
  table.install(ddbMock);
  sesMock.on(SendEmailCommand).resolves({ MessageId: 'm-1' });
});

afterEach(() => {
  ddbMock.reset();
  sesMock.reset();
  sfnMock.reset();
  vi.useRealTimers();
});

describe('request-feedback', () => {
  it('stores the token under a hashed link and emails the owner one link per answer', async () => {
    seedLead();
    await expect(handler(event(), ctx)).resolves.toEqual({ requested: true });
    const [mail] = sentEmails();
    expect(mail?.Destination?.ToAddresses).toEqual(['isr2@example.com']);
    const text = mail?.Content?.Simple?.Body?.Text?.Data ?? '';
    const links = linkIdsIn(text);
    expect(links.map((l) => l.answer)).toEqual(['book-meeting', 'nurture', 'disqualify']);
    const ids = new Set(links.map((l) => l.id));
    expect(ids.size).toBe(1);
    const [id] = [...ids];
    const item = table.get(linkKey(hashLinkId(id ?? '')).pk, 'LINK');
    expect(item).toMatchObject({
      status: 'pending',
      taskToken: 'TOKEN-1',
      leadId: 'lead-1',
      step: 'qualification-call',
      answers: ['book-meeting', 'nurture', 'disqualify'],
      addressee: 'isr2@example.com',
      answeredBy: 'owner',
      deadline: '2026-03-02T12:00:00.000Z',
    });
    expect(JSON.stringify([...table.items.values()])).not.toContain(id);
    // HTML buttons carry the same links
    expect(mail?.Content?.Simple?.Body?.Html?.Data).toContain(`https://api.example.com/feedback/${id}?answer=book-meeting`);
  });

  it("dates the deadline and the reminder from the state's entered time passed in, not the function's clock", async () => {
    seedLead();
    // The function runs at NOW (10:00) but the state was entered at 09:00 on the execution's clock (under
    // the local --time-scale the execution runs ahead of or behind the function's clock; on AWS they agree).
    await handler(event({ enteredTime: '2026-03-02T09:00:00.000Z', timeoutSeconds: 7200 }), ctx);
    expect(linkItems()[0]).toMatchObject({ deadline: '2026-03-02T11:00:00.000Z', deadlineMs: Date.parse('2026-03-02T11:00:00.000Z'), remindAt: '2026-03-02T10:00:00.000Z', createdAt: '2026-03-02T09:00:00.000Z' });
    // "in 1 hour" counts from the entered time too (an email is read as sent when the wait began).
    expect(sentEmails()[0]?.Content?.Simple?.Body?.Text?.Data).toContain('Please answer by Mon, 2 Mar 2026, 11:00 UTC (in 2 hours).');
  });

  it("a booked meeting's outcome: the reminder counts from the meeting's end, never before the meeting is over", async () => {
    // The meeting ends two days after the request; the task waits to its end plus a 5-day SLA (the state machine's timeout).
    seedLead({ stage: 'meeting', owners: { 'inside-sales': 'isr2@example.com', 'field-sales': 'ae1@example.com' }, meeting: { start: '2026-03-04T09:00:00.000Z', end: '2026-03-04T10:00:00.000Z', timeZone: 'UTC', sequence: 0 } });
    await handler(event({ step: 'meeting-outcome', enteredTime: '2026-03-02T10:00:00.000Z', timeoutSeconds: 2 * 86_400 + 5 * 86_400 }), ctx);
    const request = linkItems().find((i) => i.addressee === 'ae1@example.com');
    // Half of the 5 days after the end (the reminder fraction 0.5), not half of the 7 days from the request (which falls before the meeting).
    expect(request).toMatchObject({ deadline: '2026-03-09T10:00:00.000Z', remindAt: '2026-03-06T22:00:00.000Z' });
    // Escalated (the rep missed it): the team lead's request counts from its own entered time, after the meeting.
    table = new FakeTable();
    table.install(ddbMock);
    seedLead({ stage: 'meeting', owners: { 'field-sales': 'ae1@example.com' }, meeting: { start: '2026-03-04T09:00:00.000Z', end: '2026-03-04T10:00:00.000Z', timeZone: 'UTC', sequence: 0 } });
    await handler(event({ step: 'meeting-outcome', escalated: true, enteredTime: '2026-03-09T10:00:00.000Z', timeoutSeconds: 5 * 86_400 }), ctx);
    expect(linkItems()[0]).toMatchObject({ deadline: '2026-03-14T10:00:00.000Z', remindAt: '2026-03-11T22:00:00.000Z' });
  });

  it('an event without enteredTime (an execution of an older definition) counts from the call; a malformed one is refused naming the field', async () => {
    seedLead();
    await handler(event(), ctx);
    expect(linkItems()[0]?.deadline).toBe('2026-03-02T12:00:00.000Z');
    await expect(handler(event({ taskToken: 'TOKEN-2', enteredTime: 'yesterday' }), ctx)).rejects.toMatchObject({ name: 'ValidationError', field: 'enteredTime' });
  });

  it('a request retried through a rescue puts the lead back in the stage it was in before it needed attention', async () => {
    seedLead({ stage: 'needs-attention', previousStage: 'qualifying', eventSeq: 3 });
    await handler(event(), ctx);
    const stageChanges = ddbMock.commandCalls(UpdateCommand).map((c) => c.args[0].input.ExpressionAttributeValues ?? {}).filter((v) => v[':to'] !== undefined);
    expect(stageChanges).toEqual([expect.objectContaining({ ':to': 'qualifying', ':reason': 'resumed' })]);
    expect(sentEmails()[0]?.Destination?.ToAddresses).toEqual(['isr2@example.com']);
  });

  it('escalated: goes to the team lead, cc the owner', async () => {
    seedLead();
    await handler(event({ escalated: true }), ctx);
    const [mail] = sentEmails();
    expect(mail?.Destination?.ToAddresses).toEqual(['isr-lead@example.com']);
    expect(mail?.Destination?.CcAddresses).toEqual(['isr2@example.com']);
    expect(mail?.Content?.Simple?.Subject?.Data).toMatch(/^Escalated: /);
    expect(linkItems()[0]?.answeredBy).toBe('team-lead');
    // It names the owner who missed the deadline and when it was due (their wait just timed out), not "You called this lead".
    const text = mail?.Content?.Simple?.Body?.Text?.Data ?? '';
    expect(text).toMatch(/isr2@example\.com did not answer by \w{3}, \d{1,2} \w{3} \d{4}, \d{2}:\d{2} UTC, so this request now comes to you as team lead/);
    expect(text).not.toContain('You called this lead');
    expect(text).not.toMatch(/\d{4}-\d{2}-\d{2}T/);
  });

  it('is idempotent on retry of the same task: one email, one link', async () => {
    seedLead();
    await handler(event(), ctx);
    await handler(event(), ctx);
    expect(sentEmails()).toHaveLength(1);
    expect(linkItems()).toHaveLength(1);
    // a new task (new token), e.g. after a reschedule, is a new request
    await handler(event({ taskToken: 'TOKEN-2' }), ctx);
    expect(sentEmails()).toHaveLength(2);
  });

  it('a failed send removes the link and is retryable; the retry sends', async () => {
    seedLead();
    sesMock.reset();
    sesMock.on(SendEmailCommand).rejectsOnce(Object.assign(new Error('Maximum sending rate exceeded'), { name: 'Throttling' })).resolves({ MessageId: 'm-2' });
    await expect(handler(event(), ctx)).rejects.toBeInstanceOf(TransientError);
    expect(linkItems()).toHaveLength(0);
    await handler(event(), ctx);
    expect(linkItems()).toHaveLength(1);
    expect(sesMock.commandCalls(SendEmailCommand)).toHaveLength(2);
  });

  it('escapes hostile lead fields and strips CR/LF from the subject', async () => {
    seedLead({
      name: 'Eve\r\nBcc: victim@example.com <script>alert(1)</script>',
      company: `"Quote" & 'Co'`,
      message: 'x'.repeat(10 * 1024),
      industry: 'שלום עולם',
      campaign: '中文活动',
    });
    await handler(event(), ctx);
    const [mail] = sentEmails();
    const subject = mail?.Content?.Simple?.Subject?.Data ?? '';
    expect(subject).not.toMatch(/[\r\n]/);
    expect(subject).toContain('Eve Bcc: victim@example.com');
    const html = mail?.Content?.Simple?.Body?.Html?.Data ?? '';
    expect(html).not.toContain('<script>');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).toContain('&quot;Quote&quot; &amp; &#39;Co&#39;');
    expect(html).toContain('שלום עולם');
    expect(html).toContain('中文活动');
    expect(html).not.toContain('x'.repeat(600));
    const text = mail?.Content?.Simple?.Body?.Text?.Data ?? '';
    expect(text).not.toContain('\r\nBcc');
  });

  it('rejects a malformed event naming the field', async () => {
    seedLead();
    const bad = { ...event(), step: 'coffee' } as unknown as RequestFeedbackEvent;
    const error = await handler(bad, ctx).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as InstanceType<typeof ValidationError>).field).toBe('step');
    expect(sentEmails()).toHaveLength(0);
  });
});

describe('remind-pending', () => {
  const scheduled: ScheduledEvent = {
    version: '0',
    id: 'e',
    'detail-type': 'Scheduled Event',
    source: 'aws.events',
    account: '123456789012',
    time: NOW.toISOString(),
    region: 'eu-west-1',
    resources: [],
    detail: {},
  };
  /** The scheduled event of a sweep at `iso`: the sweep's "now" is the event's time, whatever the function's clock says (NOW). */
  const at = (iso: string): ScheduledEvent => ({ ...scheduled, time: iso });

  it("judges due and past-deadline requests by the event's time, not the function's clock", async () => {
    seedLead();
    await handler(event(), ctx); // remindAt 11:00, deadline 12:00
    // The function's clock says 13:00 (past the deadline), the event 11:05: due, reminded.
    vi.setSystemTime(new Date('2026-03-02T13:00:00.000Z'));
    expect(await sweep(at('2026-03-02T10:55:00.000Z'), ctx)).toEqual({ reminded: 0, emails: 0, skipped: 0, failed: 0 });
    expect(await sweep(at('2026-03-02T11:05:00.000Z'), ctx)).toEqual({ reminded: 1, emails: 1, skipped: 0, failed: 0 });
    // The reminder says how long is left from the event's time.
    expect(sentEmails()[1]?.Content?.Simple?.Body?.Text?.Data).toContain('Please answer by Mon, 2 Mar 2026, 12:00 UTC (in 55 minutes).');
  });

  it('refuses an event without a time, naming the field', async () => {
    const { time: _time, ...timeless } = scheduled;
    await expect(sweep(timeless as ScheduledEvent, ctx)).rejects.toMatchObject({ name: 'ValidationError', field: 'time' });
  });

  it('queries today and yesterday on byReminderDue with sk <= now, never scans', async () => {
    await sweep(at('2026-03-03T00:10:00.000Z'), ctx);
    const queries = ddbMock.commandCalls(QueryCommand).map((c) => c.args[0].input);
    expect(queries.map((q) => q.IndexName)).toEqual(['byReminderDue', 'byReminderDue']);
    expect(queries.map((q) => q.ExpressionAttributeValues?.[':bucket'])).toEqual(['REMIND#2026-03-03', 'REMIND#2026-03-02']);
    expect(queries[0]?.KeyConditionExpression).toBe('gsi3pk = :bucket AND gsi3sk <= :upper');
    expect(queries[0]?.ExpressionAttributeValues?.[':upper']).toBe('2026-03-03T00:10:00.000Z#~');
    expect(ddbMock.commandCalls(ScanCommand)).toHaveLength(0);
  });

  it('sends one reminder per due request with a working alias link, then drops the gsi3 attributes', async () => {
    seedLead();
    await handler(event(), ctx); // remindAt = +1h (half of 2h)
    const original = linkItems()[0];
    expect(original?.gsi3pk).toBe('REMIND#2026-03-02');

    expect(await sweep(at('2026-03-02T10:30:00.000Z'), ctx)).toEqual({ reminded: 0, emails: 0, skipped: 0, failed: 0 }); // not due yet

    expect(await sweep(at('2026-03-02T11:05:00.000Z'), ctx)).toEqual({ reminded: 1, emails: 1, skipped: 0, failed: 0 });
    const mails = sentEmails();
    expect(mails).toHaveLength(2);
    const reminder = mails[1];
    expect(reminder?.Content?.Simple?.Subject?.Data).toMatch(/^Reminder: /);
    expect(reminder?.Destination?.ToAddresses).toEqual(['isr2@example.com']);
    const [alias] = linkIdsIn(reminder?.Content?.Simple?.Body?.Text?.Data ?? '');
    const found = await lookupLink(alias?.id);
    expect(found.state).toBe('pending');
    expect(found.state === 'pending' && found.request.hash).toBe(original?.hash);
    const after = table.get(`LINK#${String(original?.hash)}`, 'LINK');
    expect(after?.gsi3pk).toBeUndefined();

    // the next sweep finds nothing
    expect(await sweep(at('2026-03-02T11:20:00.000Z'), ctx)).toEqual({ reminded: 0, emails: 0, skipped: 0, failed: 0 });
    expect(sentEmails()).toHaveLength(2);
  });

  it('skips (and clears) requests already answered or past their deadline', async () => {
    seedLead();
    await handler(event({ timeoutSeconds: 600 }), ctx); // remindAt +5 min, deadline +10 min
    const hash = String(linkItems()[0]?.hash);
    expect(await sweep(at('2026-03-02T10:20:00.000Z'), ctx)).toEqual({ reminded: 0, emails: 0, skipped: 1, failed: 0 });
    expect(sentEmails()).toHaveLength(1);
    expect(table.get(`LINK#${hash}`, 'LINK')?.gsi3pk).toBeUndefined();
  });
});
