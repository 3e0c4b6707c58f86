import { SESClient, SendEmailCommand } from '@aws-sdk/client-ses';
import { DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { HOSTILE, TEAMS_JSON, lambdaContext, patchValues, profileItem } from './support/lambda-fixtures';

process.env.TABLE_NAME = 'test-table';
process.env.TEAMS = TEAMS_JSON;
process.env.MAIL_FROM = 'pipeline@example.com';

const ddbMock = mockClient(DynamoDBDocumentClient);
const sesMock = mockClient(SESClient);
const { handler } = await import('../../functions/schedule-meeting');

const callFeedback = {
  pk: 'LEAD#l1',
  sk: 'FEEDBACK#2026-03-02T10:00:00.000Z#qualification-call#marketing',
  leadId: 'l1',
  step: 'qualification-call',
  from: 'inside-sales',
  to: 'marketing',
  answer: 'book-meeting',
  comment: 'Budget approved for Q3; the CFO signs. Wants SSO.',
  ratings: { 'lead-fit': 5 },
  details: { moreOf: 'webinars' },
  answeredAt: '2026-03-02T10:00:00.000Z',
  answeredBy: 'owner',
};

function given(item: Record<string, unknown>, feedback: Record<string, unknown>[] = [callFeedback], counter = 1): void {
  ddbMock.on(GetCommand).resolves({ Item: item });
  ddbMock.on(PutCommand).resolves({});
  ddbMock.on(UpdateCommand).resolves({});
  ddbMock.on(UpdateCommand, { Key: { pk: 'LEAD#l1', sk: 'PROFILE' } }).resolves({ Attributes: item });
  ddbMock.on(UpdateCommand, { Key: { pk: 'ROUTING#field-sales', sk: 'COUNTER' } }).resolves({ Attributes: { assigned: counter } });
  ddbMock.on(QueryCommand).resolves({ Items: feedback });
  sesMock.on(SendEmailCommand).resolves({ MessageId: 'm-1' });
}
const routingCalls = () => ddbMock.commandCalls(UpdateCommand).filter((c) => String(c.args[0].input.Key?.['pk']).startsWith('ROUTING#'));
const mail = () => sesMock.commandCalls(SendEmailCommand)[0]?.args[0].input;
const mailMarker = () => ddbMock.commandCalls(PutCommand).find((c) => String(c.args[0].input.Item?.['pk']).startsWith('MAIL#'))?.args[0].input;

beforeEach(() => {
  vi.useFakeTimers();
  vi.setSystemTime(new Date('2026-03-03T10:00:00.000Z'));
});
afterEach(() => {
  ddbMock.reset();
  sesMock.reset();
  vi.useRealTimers();
});

describe('schedule-meeting', () => {
  it('assigns a Field Sales rep by round-robin, moves the lead to meeting and emails the hand-off brief', async () => {
    given(profileItem('l1', { stage: 'qualifying', score: 82, tier: 'A', owners: { 'inside-sales': 'isr1@example.com' } }), [callFeedback], 2);
    const out = await handler({ leadId: 'l1', reschedules: 0 }, lambdaContext());
    expect(out).toEqual({ rep: 'ae2@example.com' });
    expect(routingCalls()).toHaveLength(1);

    const update = ddbMock.commandCalls(UpdateCommand).find((c) => c.args[0].input.Key?.['pk'] === 'LEAD#l1')?.args[0].input;
    expect(update?.ExpressionAttributeValues?.[':to']).toBe('meeting');
    expect(patchValues(update ?? {})).toEqual({ owners: { 'inside-sales': 'isr1@example.com', 'field-sales': 'ae2@example.com' } });

    const query = ddbMock.commandCalls(QueryCommand)[0]?.args[0].input;
    expect(query?.KeyConditionExpression).toBe('pk = :pk AND begins_with(sk, :prefix)');
    expect(query?.ExpressionAttributeValues).toEqual({ ':pk': 'LEAD#l1', ':prefix': 'FEEDBACK#' });

    const m = mail();
    expect(m?.Destination?.ToAddresses).toEqual(['ae2@example.com']);
    expect(m?.Destination?.CcAddresses).toEqual(['isr1@example.com']);
    expect(m?.Message?.Subject?.Data).toBe('New meeting: Ada Lovelace, Analytical Engines (score 82)');
    const text = m?.Message?.Body?.Text?.Data ?? '';
    expect(text).toContain('Budget approved for Q3; the CFO signs. Wants SSO.');
    expect(text).toContain('Book a meeting with Field Sales');
    expect(text).toContain('82 / 100, tier A');
    expect(m?.Message?.Body?.Html?.Data).toContain('Ada Lovelace');
    expect(mailMarker()?.Item?.['pk']).toBe('MAIL#l1#schedule-meeting#handoff#0');
  });

  it('keeps the rep on a reschedule and sends a new brief for the new meeting', async () => {
    given(profileItem('l1', { stage: 'meeting', owners: { 'inside-sales': 'isr1@example.com', 'field-sales': 'ae1@example.com' } }));
    const out = await handler({ leadId: 'l1', reschedules: 1 }, lambdaContext());
    expect(out).toEqual({ rep: 'ae1@example.com' });
    expect(routingCalls()).toHaveLength(0);
    expect(mail()?.Message?.Subject?.Data).toMatch(/^Reschedule: /);
    expect(mail()?.Message?.Body?.Text?.Data).toContain('reschedule number 1');
    expect(mailMarker()?.Item?.['pk']).toBe('MAIL#l1#schedule-meeting#handoff#1');
  });

  it('does not send the brief twice when the step is retried (mail marker exists and is sent)', async () => {
    given(profileItem('l1', { stage: 'meeting', owners: { 'field-sales': 'ae1@example.com' } }));
    const { ConditionalCheckFailedException } = await import('@aws-sdk/client-dynamodb');
    ddbMock.on(PutCommand, { Item: { pk: 'MAIL#l1#schedule-meeting#handoff#0' } }).rejects(new ConditionalCheckFailedException({ message: 'x', $metadata: {} }));
    ddbMock.on(UpdateCommand, { Key: { pk: 'MAIL#l1#schedule-meeting#handoff#0' } }).rejects(new ConditionalCheckFailedException({ message: 'x', $metadata: {} }));
    ddbMock.on(GetCommand, { Key: { pk: 'MAIL#l1#schedule-meeting#handoff#0', sk: 'MAIL' } }).resolves({ Item: { status: 'sent' } });
    await handler({ leadId: 'l1', reschedules: 0 }, lambdaContext());
    expect(sesMock.commandCalls(SendEmailCommand)).toHaveLength(0);
  });

  it('says so when Inside Sales left no notes', async () => {
    given(profileItem('l1', { stage: 'qualifying' }), []);
    await handler({ leadId: 'l1', reschedules: 0 }, lambdaContext());
    expect(mail()?.Message?.Body?.Text?.Data).toContain('No notes were recorded.');
  });

  it('escapes hostile lead fields in the brief and keeps them out of headers', async () => {
    given(
      profileItem('l1', {
        stage: 'qualifying',
        name: HOSTILE.crlf,
        company: HOSTILE.script,
        title: HOSTILE.quotes,
        industry: HOSTILE.nonLatin,
        message: HOSTILE.long,
      }),
      [{ ...callFeedback, comment: `${HOSTILE.script}\r\n${HOSTILE.quotes}` }],
    );
    await handler({ leadId: 'l1', reschedules: 0 }, lambdaContext());
    const m = mail();
    const subject = m?.Message?.Subject?.Data ?? '';
    expect(subject).not.toMatch(/[\r\n]/);
    expect(subject).toContain('Eve Bcc: victim@example.com');
    const html = m?.Message?.Body?.Html?.Data ?? '';
    expect(html).not.toContain('<script>');
    expect(html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;');
    expect(html).not.toContain('<img');
    expect(html).toContain('&quot;&#39;&gt;&lt;img src=x onerror=alert(1)&gt;');
    expect(html).toContain(HOSTILE.nonLatin);
    expect(html).not.toContain(HOSTILE.long);
    expect(m?.Destination?.ToAddresses).toEqual(['ae1@example.com']);
  });
});
