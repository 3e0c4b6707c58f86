/**
 * The reminder sweep batches per person: one email listing all of a
 * person's due requests, each with its own working links; each request is
 * reminded exactly once, also when a sweep stops half-way and is retried.
 */
import { SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';
import { DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
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
const { handler: request } = await import('../../functions/request-feedback');
const { handler: sweep } = await import('../../functions/remind-pending');
const { lookupLink } = await import('#lib/feedback/links');
const { leadKey } = await import('#lib/core/keys');

const NOW = new Date('2026-03-02T10:00:00.000Z');
const LATER = new Date('2026-03-02T11:05:00.000Z'); // past every remindAt below (half of 2 h)
const ctx = lambdaContext('remind-pending');
const scheduled = { version: '0', id: 'e', 'detail-type': 'Scheduled Event', source: 'aws.events', account: '123456789012', time: LATER.toISOString(), region: 'eu-west-1', resources: [], detail: {} } as ScheduledEvent;
let table: FakeTable;

/** A lead owned by `owner` in Inside Sales, with a pending qualification-call request (remindAt +1 h). */
async function pending(leadId: string, owner: string): Promise<void> {
  table.put({
    ...leadKey(leadId),
    leadId,
    name: `Name ${leadId}`,
    company: `Company ${leadId}`,
    email: `${leadId}@example.com`,
    stage: 'qualifying',
    stageChangedAt: NOW.toISOString(),
    createdAt: NOW.toISOString(),
    updatedAt: NOW.toISOString(),
    owners: { 'inside-sales': owner },
  });
  const event: RequestFeedbackEvent = { leadId, step: 'qualification-call', taskToken: `TOKEN-${leadId}`, timeoutSeconds: 7200, escalated: false };
  await request(event, lambdaContext('request-feedback'));
}

const sent = () => sesMock.commandCalls(SendEmailCommand).map((c) => c.args[0].input);
const reminders = () => sent().filter((m) => String(m.Content?.Simple?.Subject?.Data).startsWith('Reminder: '));
const requests = () => [...table.items.values()].filter((i) => i.type === 'LINK');
const due = () => requests().filter((i) => i.gsi3pk !== undefined);
const linkIds = (text: string) => [...new Set([...text.matchAll(/https:\/\/api\.example\.com\/feedback\/([A-Za-z0-9_-]+)\?answer=/g)].map((m) => m[1] ?? ''))];

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
  vi.useRealTimers();
});

describe('reminder sweep, batched per person', () => {
  it('sends one email per person, listing every due request of theirs with its own working links', async () => {
    await pending('a', 'isr1@example.com');
    await pending('b', 'isr1@example.com');
    await pending('c', 'isr1@example.com');
    await pending('d', 'isr2@example.com');
    vi.setSystemTime(LATER);
    expect(await sweep(scheduled, ctx)).toEqual({ reminded: 4, emails: 2, skipped: 0, failed: 0 });

    const [batch, single] = [reminders().find((m) => m.Destination?.ToAddresses?.[0] === 'isr1@example.com'), reminders().find((m) => m.Destination?.ToAddresses?.[0] === 'isr2@example.com')];
    expect(reminders()).toHaveLength(2);
    expect(batch?.Content?.Simple?.Subject?.Data).toBe('Reminder: 3 requests waiting for your answer');
    const text = batch?.Content?.Simple?.Body?.Text?.Data ?? '';
    for (const id of ['a', 'b', 'c']) expect(text).toContain(`Company ${id}`);
    // One alias link per request, each resolving to its own pending request.
    const ids = linkIds(text);
    expect(ids).toHaveLength(3);
    const resolved = await Promise.all(ids.map((id) => lookupLink(id)));
    expect(resolved.map((r) => (r.state === 'pending' ? r.request.leadId : r.state)).sort()).toEqual(['a', 'b', 'c']);
    // A single due request keeps the full request layout.
    expect(single?.Content?.Simple?.Subject?.Data).toBe('Reminder: Qualification call for Name d (Company d)');
    // Every request left the index once reminded: the next sweep sends nothing.
    expect(due()).toHaveLength(0);
    expect(requests().every((r) => typeof r.remindedAt === 'string')).toBe(true);
    expect(await sweep(scheduled, ctx)).toEqual({ reminded: 0, emails: 0, skipped: 0, failed: 0 });
    expect(reminders()).toHaveLength(2);
  });

  it('a sweep that stopped after sending, before clearing, is not sent again when retried (and a newly due request gets its own)', async () => {
    await pending('a', 'isr1@example.com');
    await pending('b', 'isr1@example.com');
    vi.setSystemTime(LATER);
    // The clearing write of the first request fails once: the sweep stops after the email went out.
    ddbMock.on(UpdateCommand, { UpdateExpression: 'SET remindedAt = :now REMOVE gsi3pk, gsi3sk' }).rejectsOnce(Object.assign(new Error('throttled'), { name: 'ProvisionedThroughputExceededException' }));
    const first = await sweep(scheduled, ctx);
    expect(first.emails).toBe(0); // counted as failed: the email went out but the sweep did not finish
    expect(first.failed).toBe(2);
    expect(reminders()).toHaveLength(1);
    expect(due().length).toBeGreaterThan(0);

    // Meanwhile a third request of the same person becomes due.
    table.install(ddbMock);
    vi.setSystemTime(NOW);
    await pending('c', 'isr1@example.com');
    vi.setSystemTime(new Date('2026-03-02T11:10:00.000Z'));
    const retried = await sweep({ ...scheduled }, ctx);
    expect(reminders()).toHaveLength(2);
    const second = reminders()[1];
    expect(second?.Content?.Simple?.Subject?.Data).toBe('Reminder: Qualification call for Name c (Company c)');
    expect(retried.reminded).toBe(1);
    expect(due()).toHaveLength(0);
  });

  it('a sweep whose email failed reminds the same requests on the next sweep, once', async () => {
    await pending('a', 'isr1@example.com');
    await pending('b', 'isr1@example.com');
    vi.setSystemTime(LATER);
    sesMock.reset();
    sesMock.on(SendEmailCommand).rejectsOnce(Object.assign(new Error('Maximum sending rate exceeded'), { name: 'Throttling' })).resolves({ MessageId: 'm-2' });
    expect(await sweep(scheduled, ctx)).toEqual({ reminded: 0, emails: 0, skipped: 0, failed: 2 });
    expect(due()).toHaveLength(2);
    expect(await sweep(scheduled, ctx)).toEqual({ reminded: 2, emails: 1, skipped: 0, failed: 0 });
    expect(await sweep(scheduled, ctx)).toEqual({ reminded: 0, emails: 0, skipped: 0, failed: 0 });
    const delivered = sesMock.commandCalls(SendEmailCommand).map((c) => c.args[0].input).filter((m) => String(m.Content?.Simple?.Subject?.Data).startsWith('Reminder: '));
    // The failed attempt and the one that went out: no third.
    expect(delivered.map((m) => m.Content?.Simple?.Subject?.Data)).toEqual(['Reminder: 2 requests waiting for your answer', 'Reminder: 2 requests waiting for your answer']);
    // Only the alias links of the email that went out are stored.
    expect([...table.items.values()].filter((i) => i.type === 'LINK_ALIAS')).toHaveLength(2);
  });
});
