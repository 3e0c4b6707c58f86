// Replies to received feedback: the instant-email policy, the reply form's
// parsing, the reply link kind, and GET|POST /feedback/{id} on a reply link.
import { SFNClient } from '@aws-sdk/client-sfn';
import { DynamoDBDocumentClient, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { FeedbackAnswer } from '#lib/core/contracts';
import { FakeTable } from './support/fake-link-table';
import { httpEvent, lambdaContext } from './support/lambda-fixtures';

process.env.TABLE_NAME = 'test-table';

const ddbMock = mockClient(DynamoDBDocumentClient);
const sfnMock = mockClient(SFNClient);

const { handler } = await import('../../functions/feedback-page');
const { needsAttention, emailsAtOnce, feedbackItem, feedbackEmail } = await import('#lib/feedback/sharing');
const { parseReplyForm, replyLinkUrl, feedbackSkOf } = await import('#lib/feedback/replies');
const { createLink, lookupLink, hashLinkId, REPLY_LINK_SECONDS } = await import('#lib/feedback/links');
const { setting } = await import('#lib/aws/settings');
const { functionEnvironment } = await import('../../infra/function-table');
const { resolveSettings } = await import('../../infra/settings');
const { feedbackKey, leadKey, linkKey, teamFeedbackIndex } = await import('#lib/core/keys');
const { ValidationError } = await import('#lib/core/errors');
const { leadSnapshot } = await import('#lib/mail/layout');
type LeadProfile = import('#lib/leads/records').LeadProfile;

const NOW = new Date('2026-03-02T10:00:00.000Z');
const ctx = lambdaContext('feedback-page');
let table: FakeTable;

const LEAD: LeadProfile = {
  leadId: 'lead-1',
  name: '<script>alert("x")</script>',
  email: 'lead@example.com',
  company: 'Acme "Quotes"',
  consent: true,
  campaign: 'spring',
  stage: 'negotiating',
  stageChangedAt: NOW.toISOString(),
  createdAt: NOW.toISOString(),
  updatedAt: NOW.toISOString(),
  owners: { 'inside-sales': 'sdr1@example.com', 'field-sales': 'ae1@example.com' },
} as LeadProfile;

const meeting: FeedbackAnswer = {
  step: 'meeting-outcome',
  answer: 'held-proceed',
  comment: 'Good call <b>overall</b>',
  ratings: { 'budget-accuracy': 2, 'need-accuracy': 5 },
  details: { missing: 'The real budget owner' },
  answeredAt: '2026-03-02T09:00:00.000Z',
  answeredBy: 'owner',
};
const item = feedbackItem(LEAD, 'meeting-outcome', 'field-sales', 'inside-sales', meeting);

function seed(): void {
  table.put({ ...leadKey('lead-1'), ...LEAD });
  table.put({ ...feedbackKey(item.leadId, item.answeredAt, item.step, item.to), type: 'FEEDBACK', ...item, ...teamFeedbackIndex(item.to, item.answeredAt, item.leadId) });
}

const idOf = (url: string): string => decodeURIComponent(new URL(url).pathname.split('/').pop() ?? '');

function request(method: string, id: string, form?: Record<string, string>, query?: Record<string, string>) {
  const ev = httpEvent({
    method,
    path: `/feedback/${id}`,
    ...(form ? { body: new URLSearchParams(form).toString(), headers: { 'content-type': 'application/x-www-form-urlencoded' } } : {}),
    ...(query ? { query } : {}),
  });
  return handler({ ...ev, pathParameters: { id } }, ctx);
}

const storedReply = () => table.get(`LEAD#lead-1`, feedbackSkOf(item))?.reply;

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(NOW);
  table = new FakeTable();
  table.install(ddbMock);
  seed();
});

afterEach(() => {
  ddbMock.reset();
  sfnMock.reset();
  vi.useRealTimers();
});

describe('which feedback is emailed at once', () => {
  const calm = { ratings: { 'lead-fit': 4, 'campaign-reaction': 3 }, details: { moreOf: 'webinars', reasonCode: 'bad-timing' } };

  it('needs attention: a rating of 2 or below, or what was missing / unkept promises / difficulties filled in', () => {
    expect(needsAttention(calm)).toBe(false);
    expect(needsAttention({ ratings: {}, details: {} })).toBe(false);
    expect(needsAttention({ ...calm, ratings: { 'lead-fit': 3 } })).toBe(false);
    expect(needsAttention({ ...calm, ratings: { 'lead-fit': 2 } })).toBe(true);
    expect(needsAttention({ ...calm, ratings: { 'lead-fit': 5, 'content-relevance': 1 } })).toBe(true);
    expect(needsAttention({ ratings: {}, details: { missing: 'the budget owner' } })).toBe(true);
    expect(needsAttention({ ratings: {}, details: { unkeptPromises: 'SSO by Q3' } })).toBe(true);
    expect(needsAttention({ ratings: {}, details: { difficulties: 'data import' } })).toBe(true);
  });

  it('is judged on the part for each receiving team', () => {
    const review: FeedbackAnswer = { ...meeting, step: 'onboarding-review', answer: 'on-track', ratings: { 'expectations-set-right': 4, 'message-match': 1 }, details: {} };
    expect(needsAttention(feedbackItem(LEAD, 'onboarding-review', 'customer-success', 'marketing', review))).toBe(true);
    expect(needsAttention(feedbackItem(LEAD, 'onboarding-review', 'customer-success', 'field-sales', review))).toBe(false);
  });

  it('the setting: all, flagged (the default) or none', () => {
    expect(emailsAtOnce('all', calm)).toBe(true);
    expect(emailsAtOnce('flagged', calm)).toBe(false);
    expect(emailsAtOnce('flagged', item)).toBe(true);
    expect(emailsAtOnce('none', item)).toBe(false);
    try {
      vi.stubEnv('INSTANT_FEEDBACK_EMAILS', '');
      expect(setting('instantFeedbackEmails')).toBe('flagged');
      vi.stubEnv('INSTANT_FEEDBACK_EMAILS', 'none');
      expect(setting('instantFeedbackEmails')).toBe('none');
      vi.stubEnv('INSTANT_FEEDBACK_EMAILS', 'some');
      expect(() => setting('instantFeedbackEmails')).toThrow('INSTANT_FEEDBACK_EMAILS: must be one of all, flagged, none');
    } finally {
      vi.unstubAllEnvs();
    }
  });

  it('is the instantFeedbackEmails setting, passed to share-feedback (with PUBLIC_BASE_URL for the reply links)', () => {
    const resources = { tableName: 't', stateMachineArn: 'arn:sm', publicBaseUrl: 'https://api.example.com', apiKeySecretId: 's', webhookSecretId: 'w', eventBusName: 'b' };
    const byDefault = functionEnvironment('share-feedback', resolveSettings(), resources);
    expect(byDefault).toMatchObject({ INSTANT_FEEDBACK_EMAILS: 'flagged', PUBLIC_BASE_URL: 'https://api.example.com' });
    expect(functionEnvironment('share-feedback', resolveSettings({}, (k) => (k === 'instantFeedbackEmails' ? 'all' : undefined)), resources).INSTANT_FEEDBACK_EMAILS).toBe('all');
    expect(() => resolveSettings({ instantFeedbackEmails: 'sometimes' })).toThrow(/instantFeedbackEmails/);
    expect(functionEnvironment('feedback-page', resolveSettings(), resources)).not.toHaveProperty('INSTANT_FEEDBACK_EMAILS');
  });
});

describe('the stored feedback item', () => {
  it('carries lead, campaign, both owners and the team pair', () => {
    expect(item).toMatchObject({ leadId: 'lead-1', campaign: 'spring', owner: 'ae1@example.com', toOwner: 'sdr1@example.com', pair: 'field-sales->inside-sales' });
    expect(feedbackItem(LEAD, 'qualification-call', 'inside-sales', 'marketing', { ...meeting, step: 'qualification-call' })).not.toHaveProperty('toOwner');
  });

  it('the instant email carries one reply button per status, on the same reply link', () => {
    const mail = feedbackEmail(LEAD, item, 'https://x.example/feedback/abc');
    expect(mail.text).toContain('Reply: Acknowledged: https://x.example/feedback/abc?status=acknowledged');
    expect(mail.text).toContain('Reply: Acting on it: https://x.example/feedback/abc?status=acting-on-it');
    expect(mail.html).not.toContain('<script>');
    expect(mail.text).toContain('It comes at once because it needs attention');
    expect(feedbackEmail(LEAD, item).text).not.toContain('/feedback/');
    expect(feedbackEmail(LEAD, { ...item, ratings: { 'need-accuracy': 4 }, details: {} }).text).not.toContain('needs attention');
  });
});

describe('parseReplyForm', () => {
  const at = NOW.toISOString();
  const fieldOf = (form: Record<string, string | string[]>): string => {
    try {
      parseReplyForm(form, at);
    } catch (error) {
      if (error instanceof ValidationError) return error.field;
      throw error;
    }
    return 'accepted';
  };

  it('accepts acknowledged with or without a note, and acting-on-it with one', () => {
    expect(parseReplyForm({ status: 'acknowledged' }, at)).toEqual({ status: 'acknowledged', note: '', repliedAt: at });
    expect(parseReplyForm({ status: 'acknowledged', note: '  thanks \u0065\u0301 ' }, at).note).toBe('thanks \u00e9');
    expect(parseReplyForm({ status: 'acting-on-it', note: 'We now ask who signs' }, at)).toEqual({ status: 'acting-on-it', note: 'We now ask who signs', repliedAt: at });
  });

  it('names the field it refuses', () => {
    expect(fieldOf({})).toBe('status');
    expect(fieldOf({ status: 'maybe' })).toBe('status');
    expect(fieldOf({ status: ['acknowledged', 'acting-on-it'] })).toBe('status');
    expect(fieldOf({ status: 'acting-on-it' })).toBe('note');
    expect(fieldOf({ status: 'acting-on-it', note: '   ' })).toBe('note');
    expect(fieldOf({ status: 'acknowledged', note: 'x'.repeat(2001) })).toBe('note');
    expect(fieldOf({ status: 'acknowledged', note: 'bell\u0007' })).toBe('note');
  });
});

describe('reply links', () => {
  it('are stored only as their hash, point at the FEEDBACK item, never enter the reminder index, and expire', async () => {
    const url = await replyLinkUrl(item, 'https://x.example/', NOW);
    expect(url).toMatch(/^https:\/\/x\.example\/feedback\/[A-Za-z0-9_-]{43}$/);
    const id = idOf(url);
    const stored = table.get(linkKey(hashLinkId(id)).pk, 'LINK');
    expect(stored).toMatchObject({ type: 'REPLY_LINK', kind: 'reply', leadId: 'lead-1', feedbackSk: 'FEEDBACK#2026-03-02T09:00:00.000Z#meeting-outcome#inside-sales' });
    expect(stored).not.toHaveProperty('gsi3pk');
    expect(stored).not.toHaveProperty('taskToken');
    expect(JSON.stringify([...table.items.values()])).not.toContain(id);
    expect(stored?.deadlineMs).toBe(NOW.getTime() + REPLY_LINK_SECONDS * 1000);

    expect(await lookupLink(id, NOW)).toMatchObject({ state: 'reply', link: { expired: false, leadId: 'lead-1' } });
    expect(await lookupLink(id, new Date(NOW.getTime() + REPLY_LINK_SECONDS * 1000))).toMatchObject({ state: 'reply', link: { expired: true } });
  });

  it('GET shows the feedback and the form, escaped, and changes nothing', async () => {
    const id = idOf(await replyLinkUrl(item, 'https://x.example', NOW));
    const before = JSON.stringify([...table.items.entries()]);
    const writes = ddbMock.commandCalls(PutCommand).length + ddbMock.commandCalls(UpdateCommand).length;
    const res = await request('GET', id, undefined, { status: 'acting-on-it' });
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('Reply to Field Sales');
    expect(res.body).toContain('The real budget owner');
    expect(res.body).toContain('value="acting-on-it" required checked');
    expect(res.body).not.toContain('<script>alert');
    expect(res.body).not.toContain('<b>overall</b>');
    expect((await request('HEAD', id)).statusCode).toBe(200);
    expect(ddbMock.commandCalls(PutCommand).length + ddbMock.commandCalls(UpdateCommand).length).toBe(writes);
    expect(JSON.stringify([...table.items.entries()])).toBe(before);
  });

  it('POST records the reply once: 400 naming the field first, then 200, then 409 showing it; no workflow call', async () => {
    const id = idOf(await replyLinkUrl(item, 'https://x.example', NOW));
    // A mistake brings the form back (400): the message in plain words beside its field, every value kept.
    const bad = await request('POST', id, { status: 'later', note: 'Kept <note>' });
    expect(bad.statusCode).toBe(400);
    expect(bad.body).toContain('<title>Error: Reply to Field Sales</title>');
    expect(bad.body).toContain('data-field="status"');
    expect(bad.body).toContain('Select a reply: Acknowledged or Acting on it');
    expect(bad.body).toContain('>Kept &lt;note&gt;</textarea>');
    const noNote = await request('POST', id, { status: 'acting-on-it' });
    expect(noNote.statusCode).toBe(400);
    expect(noNote.body).toContain('data-field="note"');
    expect(noNote.body).toMatch(/<span class="error-message" id="err-note">.*Say what you will do about it<\/span><textarea id="f-note"/);
    expect(noNote.body).toContain('value="acting-on-it" required checked');
    expect(storedReply()).toBeUndefined();

    const ok = await request('POST', id, { status: 'acting-on-it', note: 'We ask <who> signs' });
    expect(ok.statusCode).toBe(200);
    expect(ok.body).toContain('We ask &lt;who&gt; signs');
    expect(storedReply()).toEqual({ status: 'acting-on-it', note: 'We ask <who> signs', repliedAt: NOW.toISOString() });

    // Another link to the same feedback (e.g. from the digest): already answered.
    const other = idOf(await replyLinkUrl(item, 'https://x.example', NOW));
    const again = await request('POST', other, { status: 'acknowledged' });
    expect(again.statusCode).toBe(409);
    expect(again.body).toContain('We ask &lt;who&gt; signs');
    expect((await request('GET', id)).statusCode).toBe(409);
    expect(storedReply()).toMatchObject({ status: 'acting-on-it' });
    expect(sfnMock.calls()).toHaveLength(0);
  });

  it('404 for an unknown id, 410 when expired or the lead was erased', async () => {
    expect((await request('GET', 'A'.repeat(43))).statusCode).toBe(404);
    const id = idOf(await replyLinkUrl(item, 'https://x.example', NOW));
    vi.setSystemTime(new Date(NOW.getTime() + REPLY_LINK_SECONDS * 1000 + 1));
    expect((await request('POST', id, { status: 'acknowledged' })).statusCode).toBe(410);
    vi.setSystemTime(NOW);
    table.put({ ...leadKey('lead-1'), ...LEAD, erasedAt: NOW.toISOString() });
    expect((await request('GET', id)).statusCode).toBe(410);
    expect((await request('POST', id, { status: 'acknowledged' })).statusCode).toBe(410);
    expect(storedReply()).toBeUndefined();
  });

  it('a reply link is no feedback request, and a feedback request link is no reply link', async () => {
    const id = idOf(await replyLinkUrl(item, 'https://x.example', NOW));
    // The request form's fields on a reply link: refused naming the field the reply form does not have, nothing sent to Step Functions.
    const res = await request('POST', id, { answer: 'book-meeting' });
    expect(res.statusCode).toBe(400);
    expect(res.body).toContain('data-field="answer"');
    expect(res.body).toContain('We could not read what you sent');
    expect(sfnMock.calls()).toHaveLength(0);

    const { id: requestId } = await createLink(
      { leadId: 'lead-1', step: 'deal-decision', taskToken: 'T', answers: ['won', 'lost'], addressee: 'ae1@example.com', answeredBy: 'owner', escalated: false, requestKey: 'rk', timeoutSeconds: 3600, lead: leadSnapshot(LEAD) },
      NOW,
    );
    const asReply = await request('POST', requestId, { status: 'acknowledged' });
    expect(asReply.statusCode).toBe(400);
    expect(asReply.body).toContain('data-field="status"');
    expect(asReply.body).toContain('this form does not ask for');
    expect(storedReply()).toBeUndefined();
  });
});
