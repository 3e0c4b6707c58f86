/**
 * send-digest with mocked clients: which period a scheduled invocation
 * covers, how it reads (GSI time ranges, no scan), whom it emails, and that a
 * digest already sent is not built again. The content itself: digest.test.ts;
 * against the real local stack: test/e2e/digest.e2e.test.ts.
 */
import { SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';
import { DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { FeedbackItem } from '#lib/feedback/records';
import { lambdaContext, useTestRoster } from './support/lambda-fixtures';

process.env.TABLE_NAME = 'test-table';
process.env.MAIL_FROM = 'pipeline@example.com';
process.env.PUBLIC_BASE_URL = 'https://pipeline.example.com';
process.env.DIGEST_SCHEDULE = 'cron(0 8 ? * MON *)';
process.env.DIGEST_TIMEZONE = 'UTC';

const ddbMock = mockClient(DynamoDBDocumentClient);
await useTestRoster();
const sesMock = mockClient(SESv2Client);
const { handler } = await import('../../functions/send-digest');
const ctx = lambdaContext('send-digest');

const feedback: FeedbackItem = {
  leadId: 'lead-1',
  step: 'qualification-call',
  from: 'inside-sales',
  to: 'marketing',
  pair: 'inside-sales->marketing',
  campaign: 'webinar',
  answer: 'book-meeting',
  ratings: { 'lead-fit': 4 },
  details: {},
  comment: 'Keen',
  answeredAt: '2026-11-18T10:00:00.000Z',
  answeredBy: 'owner',
};

beforeEach(() => {
  ddbMock.on(QueryCommand).resolves({ Items: [] });
  ddbMock.on(QueryCommand, { ExpressionAttributeValues: { ':pk': 'FEEDBACK#marketing', ':from': '2026-10-26T08:00:00.000Z', ':to': '2026-11-23T08:00:00.000Z' } }).resolves({ Items: [feedback] });
  ddbMock.on(GetCommand).resolves({});
  ddbMock.on(GetCommand, { Key: { pk: 'LEAD#lead-1', sk: 'PROFILE' } }).resolves({ Item: { leadId: 'lead-1', name: 'Ada', company: 'Engines' } });
  ddbMock.on(PutCommand).resolves({});
  ddbMock.on(UpdateCommand).resolves({});
  sesMock.on(SendEmailCommand).resolves({ MessageId: 'm-1' });
});

afterEach(() => {
  ddbMock.reset();
  sesMock.reset();
});

describe('send-digest', () => {
  it("covers the week before the schedule's fire time, reading each team's feedback and the funnel's activity by time range on the GSIs", async () => {
    const result = await handler({ scheduledTime: '2026-11-23T08:00:00Z' }, ctx);
    expect(result).toEqual({
      period: { start: '2026-11-16T08:00:00.000Z', end: '2026-11-23T08:00:00.000Z' },
      sent: ['marketing'],
      alreadySent: [],
      nothingNew: ['inside-sales', 'field-sales', 'customer-success'],
    });
    const all = ddbMock.commandCalls(QueryCommand).map((c) => c.args[0].input);
    // The funnel of the period, of the period before, and of the goal's period (none set here): the byTime index, by month.
    expect(all.filter((q) => q.IndexName === 'byTime').map((q) => [q.ExpressionAttributeValues?.[':pk'], q.ExpressionAttributeValues?.[':from']])).toEqual([
      ['ACTIVITY#2026-11', '2026-11-16T08:00:00.000Z'],
      ['ACTIVITY#2026-11', '2026-11-09T08:00:00.000Z'],
    ]);
    const queries = all.filter((q) => q.IndexName !== 'byTime' && q.ExpressionAttributeValues?.[':from'] !== '2026-11-16T08:00:00.000Z' && q.ExpressionAttributeValues?.[':from'] !== '2026-11-09T08:00:00.000Z');
    expect(queries.length).toBeGreaterThanOrEqual(4);
    for (const q of queries) {
      expect(q.IndexName).toBe('byTeamFeedback');
      expect(q.KeyConditionExpression).toBe('gsi2pk = :pk AND gsi2sk BETWEEN :from AND :to');
    }
    // Open items reach four weeks back; older feedback is read only for this week's replies.
    expect(queries.filter((q) => q.FilterExpression === undefined).map((q) => q.ExpressionAttributeValues?.[':from'])).toEqual(Array(4).fill('2026-10-26T08:00:00.000Z'));
    expect(queries.filter((q) => q.FilterExpression !== undefined).map((q) => q.ExpressionAttributeValues?.[':repliedFrom'])).toEqual(Array(4).fill('2026-11-16T08:00:00.000Z'));

    const [mail] = sesMock.commandCalls(SendEmailCommand).map((c) => c.args[0].input);
    expect(mail?.Destination).toEqual({ ToAddresses: ['mkt-lead@example.com'], CcAddresses: ['mkt1@example.com', 'mkt2@example.com'] });
    expect(mail?.Content?.Simple?.Subject?.Data).toBe('Marketing digest: 1 new feedback, 1 waiting for a reply (16 Nov to 23 Nov)');
    expect(mail?.Content?.Simple?.Body?.Text?.Data).toContain('Ada (Engines)');
    // The open item's reply link was minted (a LINK item) and is in the email.
    const link = ddbMock.commandCalls(PutCommand).map((c) => c.args[0].input.Item ?? {}).find((i) => String(i.pk).startsWith('LINK#'));
    expect(link).toMatchObject({ leadId: 'lead-1' });
    expect(mail?.Content?.Simple?.Body?.Text?.Data).toMatch(/Reply: Acting on it: https:\/\/pipeline\.example\.com\/feedback\/\S+\?status=acting-on-it/);
    // One email per team and period: the mailer's key is the team and the period.
    expect(ddbMock.commandCalls(PutCommand).map((c) => c.args[0].input.Item?.pk)).toContain('MAIL#digest#marketing#2026-11-16T08:00:00.000Z#2026-11-23T08:00:00.000Z');
  });

  it('does not build again a digest that went out (a retried or repeated run)', async () => {
    ddbMock.on(GetCommand, { Key: { pk: 'MAIL#digest#marketing#2026-11-16T08:00:00.000Z#2026-11-23T08:00:00.000Z', sk: 'MAIL' } }).resolves({ Item: { status: 'sent' } });
    const result = await handler({ scheduledTime: '2026-11-23T08:00:30Z' }, ctx);
    expect(result.alreadySent).toEqual(['marketing']);
    expect(sesMock.commandCalls(SendEmailCommand)).toHaveLength(0);
    expect(ddbMock.commandCalls(PutCommand)).toHaveLength(0);
  });

  it('refuses a bad event naming the field', async () => {
    await expect(handler({ scheduledTime: 'monday' }, ctx)).rejects.toThrow(/scheduledTime: must be an ISO 8601 time/);
    await expect(handler({ period: { start: '2026-11-23T08:00:00Z', end: '2026-11-16T08:00:00Z' } }, ctx)).rejects.toThrow(/period\.end: start must be before end/);
  });
});
