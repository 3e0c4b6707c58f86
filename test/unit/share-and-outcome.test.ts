import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';
import { DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { CodedAnswer, FeedbackAnswer, RecordOutcomeEvent, ShareFeedbackEvent } from '#lib/core/contracts';
import { HOSTILE, TEAMS_JSON, lambdaContext, patchValues, useTestRoster } from './support/lambda-fixtures';

process.env.TABLE_NAME = 'test-table';
process.env.MAIL_FROM = 'pipeline@example.com';
process.env.PUBLIC_BASE_URL = 'https://feedback.example.com';

const ddbMock = mockClient(DynamoDBDocumentClient);
await useTestRoster();
const sesMock = mockClient(SESv2Client);

const { handler: share } = await import('../../functions/share-feedback');
const { codedAnswer } = await import('#lib/feedback/answers');
const { handler: outcome } = await import('../../functions/record-outcome');

const NOW = new Date('2026-04-01T09:00:00.000Z');
const ctx = lambdaContext();

const LEAD = {
  pk: 'LEAD#lead-9',
  sk: 'PROFILE',
  leadId: 'lead-9',
  name: HOSTILE.script,
  company: HOSTILE.quotes,
  email: 'buyer@example.com',
  campaign: 'Spring <webinar>',
  stage: 'onboarding',
  stageChangedAt: '2026-03-31T09:00:00.000Z',
  createdAt: '2026-03-01T09:00:00.000Z',
  updatedAt: '2026-03-31T09:00:00.000Z',
  owners: { 'customer-success': 'csm2@example.com', 'field-sales': 'ae1@example.com' },
  eventSeq: 4,
};

const review: FeedbackAnswer = {
  step: 'onboarding-review',
  answer: 'needs-help',
  comment: `Comment ${HOSTILE.crlf} ${HOSTILE.script}`,
  ratings: { 'expectations-set-right': 2, 'message-match': 4 },
  details: { difficulties: 'Setting up SSO', unkeptPromises: 'Offline mode by Q2' },
  answeredAt: '2026-04-01T08:59:00.000Z',
  answeredBy: 'owner',
};

const ccf = () => new ConditionalCheckFailedException({ message: 'failed', $metadata: {} });

/** The answer id the state machine passes: the hash of the link whose item holds the recorded answer. */
const ANSWER_ID = 'c'.repeat(64);
const linkKeyOfAnswer = { pk: `LINK#${ANSWER_ID}`, sk: 'LINK' };
/** Records `answer` on its link item (as feedback-page does) and returns what the state machine passes on: its codes. */
function recorded(answer: FeedbackAnswer): CodedAnswer {
  ddbMock.on(GetCommand, { Key: linkKeyOfAnswer }).resolves({ Item: { ...linkKeyOfAnswer, type: 'LINK', leadId: 'lead-9', step: answer.step, status: 'answered', answer } });
  return codedAnswer(answer, ANSWER_ID);
}

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(NOW);
  ddbMock.on(GetCommand).resolves({ Item: LEAD });
  ddbMock.on(PutCommand).resolves({});
  ddbMock.on(UpdateCommand).resolves({});
  ddbMock.on(UpdateCommand, { Key: { pk: 'LEAD#lead-9', sk: 'PROFILE' } }).resolves({ Attributes: LEAD });
  ddbMock.on(QueryCommand).resolves({ Items: [] });
  sesMock.on(SendEmailCommand).resolves({ MessageId: 'm' });
});

afterEach(() => {
  ddbMock.reset();
  sesMock.reset();
  vi.useRealTimers();
});

const feedbackPuts = () =>
  ddbMock
    .commandCalls(PutCommand)
    .map((c) => c.args[0].input.Item ?? {})
    .filter((i) => i.type === 'FEEDBACK');
const mails = () => sesMock.commandCalls(SendEmailCommand).map((c) => c.args[0].input);

describe('share-feedback', () => {
  let event: ShareFeedbackEvent;
  beforeEach(() => {
    event = { leadId: 'lead-9', step: 'onboarding-review', from: 'customer-success', to: ['marketing', 'field-sales'], feedback: recorded(review) };
  });

  it('gets only codes from the state machine and reads the text back once, by the answer id', async () => {
    expect(JSON.stringify(event.feedback)).not.toContain('Setting up SSO');
    expect(event.feedback.answerId).toBe(ANSWER_ID);
    await share(event, ctx);
    expect(ddbMock.commandCalls(GetCommand, { Key: linkKeyOfAnswer })).toHaveLength(1);
    expect(feedbackPuts()[0]).toMatchObject({ comment: review.comment, details: { difficulties: 'Setting up SSO' } });
  });

  it('an answer without text has no answer id: nothing is read back', async () => {
    await share({ ...event, feedback: recorded({ ...review, comment: '', details: {} }) }, ctx);
    expect(ddbMock.commandCalls(GetCommand, { Key: linkKeyOfAnswer })).toHaveLength(0);
    expect(feedbackPuts()[0]).toMatchObject({ comment: '', details: {} });
  });

  it('an answer whose link was erased meanwhile (the lead is being erased) is shared without its text', async () => {
    ddbMock.on(GetCommand, { Key: linkKeyOfAnswer }).resolves({ Item: { ...linkKeyOfAnswer, type: 'LINK_ERASED', expiresAt: 1 } });
    await expect(share(event, ctx)).resolves.toEqual({ shared: 2 });
    expect(JSON.stringify(feedbackPuts())).not.toContain('Setting up SSO');
  });

  it('an execution from before answers travelled as codes passes the text inline: it is shared as it came', async () => {
    await share({ ...event, feedback: review as unknown as CodedAnswer }, ctx);
    expect(ddbMock.commandCalls(GetCommand, { Key: linkKeyOfAnswer })).toHaveLength(0);
    expect(feedbackPuts()[0]).toMatchObject({ details: { difficulties: 'Setting up SSO' } });
  });

  it('stores one FEEDBACK item per receiving team, with only what concerns it', async () => {
    await expect(share(event, ctx)).resolves.toEqual({ shared: 2 });
    const [mkt, fs] = feedbackPuts();
    expect(mkt).toMatchObject({
      pk: 'LEAD#lead-9',
      sk: 'FEEDBACK#2026-04-01T08:59:00.000Z#onboarding-review#marketing',
      gsi2pk: 'FEEDBACK#marketing',
      gsi2sk: '2026-04-01T08:59:00.000Z#lead-9',
      pair: 'customer-success->marketing',
      campaign: 'Spring <webinar>',
      owner: 'csm2@example.com',
      ratings: { 'message-match': 4 },
      details: { difficulties: 'Setting up SSO' },
      answer: 'needs-help',
    });
    expect(fs).toMatchObject({
      sk: 'FEEDBACK#2026-04-01T08:59:00.000Z#onboarding-review#field-sales',
      gsi2pk: 'FEEDBACK#field-sales',
      ratings: { 'expectations-set-right': 2 },
      details: { unkeptPromises: 'Offline mode by Q2' },
    });
    expect(mkt?.details).not.toHaveProperty('unkeptPromises');
  });

  it('emails each upstream team a readable, escaped summary', async () => {
    await share(event, ctx);
    const [toMkt, toFs] = mails();
    expect(toMkt?.Destination?.ToAddresses).toEqual(['mkt-lead@example.com']);
    expect(toMkt?.Destination?.CcAddresses).toEqual(['mkt1@example.com', 'mkt2@example.com']);
    expect(toFs?.Destination?.ToAddresses).toEqual(['ae-lead@example.com']);
    const html = toMkt?.Content?.Simple?.Body?.Html?.Data ?? '';
    expect(html).toContain('Setting up SSO');
    expect(html).not.toContain('Offline mode by Q2');
    expect(html).toContain('Did the marketing message match the product?');
    expect(html).not.toContain('<script>');
    expect(html).not.toContain('<img');
    expect(html).toContain('Spring &lt;webinar&gt;');
    expect(toMkt?.Content?.Simple?.Subject?.Data).not.toMatch(/[\r\n]/);
  });

  it('emails at once only what needs attention (default policy "flagged"), with reply links; stores everything', async () => {
    const calm: FeedbackAnswer = { ...review, ratings: { 'expectations-set-right': 4, 'message-match': 3 }, details: { difficulties: 'Setting up SSO' } };
    await expect(share({ ...event, feedback: recorded(calm) }, ctx)).resolves.toEqual({ shared: 2 });
    expect(feedbackPuts()).toHaveLength(2);
    const [toMkt, ...rest] = mails();
    expect(rest).toHaveLength(0); // Field Sales: expectations rated 4, no unkept promises -> weekly digest only
    expect(toMkt?.Destination?.ToAddresses).toEqual(['mkt-lead@example.com']);
    const text = toMkt?.Content?.Simple?.Body?.Text?.Data ?? '';
    expect(text).toMatch(/Reply: Acting on it: https:\/\/feedback\.example\.com\/feedback\/[A-Za-z0-9_-]{43}\?status=acting-on-it/);
    const links = ddbMock.commandCalls(PutCommand).map((c) => c.args[0].input.Item ?? {}).filter((i) => i.type === 'REPLY_LINK');
    expect(links).toEqual([expect.objectContaining({ leadId: 'lead-9', feedbackSk: 'FEEDBACK#2026-04-01T08:59:00.000Z#onboarding-review#marketing' })]);
    expect(links[0]).not.toHaveProperty('gsi3pk');

    ddbMock.resetHistory();
    sesMock.resetHistory();
    await share({ ...event, feedback: recorded({ ...calm, details: {} }) }, ctx);
    expect(feedbackPuts()).toHaveLength(2);
    expect(mails()).toHaveLength(0);
  });

  it('uses deterministic mail keys, so a retried step does not email twice', async () => {
    await share(event, ctx);
    const keys = ddbMock
      .commandCalls(PutCommand)
      .map((c) => c.args[0].input.Item?.pk)
      .filter((pk): pk is string => typeof pk === 'string' && pk.startsWith('MAIL#'));
    expect(keys).toEqual([
      'MAIL#share#lead-9#onboarding-review#marketing#2026-04-01T08:59:00.000Z',
      'MAIL#share#lead-9#onboarding-review#field-sales#2026-04-01T08:59:00.000Z',
    ]);
  });

  it('an onboarding review makes the lead a customer, unless the customer churned', async () => {
    const toCustomer = () =>
      ddbMock.commandCalls(UpdateCommand).filter((c) => c.args[0].input.ExpressionAttributeValues?.[':to'] === 'customer');
    const profileReads = () => ddbMock.commandCalls(GetCommand, { Key: { pk: 'LEAD#lead-9', sk: 'PROFILE' } });
    await share(event, ctx);
    expect(toCustomer()).toHaveLength(1);
    // The stage change (ALL_OLD) gave the profile the feedback items and emails are built from: no read.
    expect(profileReads()).toHaveLength(0);
    expect(feedbackPuts().map((i) => i.campaign)).toEqual(['Spring <webinar>', 'Spring <webinar>']);

    ddbMock.resetHistory();
    await share({ ...event, feedback: recorded({ ...review, answer: 'churned', details: { reasonCode: 'budget-cut' } }) }, ctx);
    expect(toCustomer()).toHaveLength(0);
    expect(profileReads()).toHaveLength(1);
  });

  it('a share retried through a rescue puts the lead back in the stage it was in before it needed attention; otherwise no stage write', async () => {
    const stageWrites = () => ddbMock.commandCalls(UpdateCommand).filter((c) => c.args[0].input.ExpressionAttributeValues?.[':to'] !== undefined);
    const qualification = { ...event, step: 'qualification-call' as const, from: 'inside-sales' as const, to: ['marketing' as const], feedback: recorded({ ...review, step: 'qualification-call', answer: 'book-meeting', comment: '', details: {} }) };
    ddbMock.on(GetCommand, { Key: { pk: 'LEAD#lead-9', sk: 'PROFILE' } }).resolves({ Item: { ...LEAD, stage: 'needs-attention', previousStage: 'qualifying' } });
    await share(qualification, ctx);
    expect(stageWrites().map((c) => c.args[0].input.ExpressionAttributeValues?.[':to'])).toEqual(['qualifying']);

    ddbMock.resetHistory();
    ddbMock.on(GetCommand, { Key: { pk: 'LEAD#lead-9', sk: 'PROFILE' } }).resolves({ Item: { ...LEAD, stage: 'qualifying', previousStage: 'captured' } });
    await share(qualification, ctx);
    expect(stageWrites()).toHaveLength(0);
  });
});

describe('record-outcome', () => {
  const run = (e: RecordOutcomeEvent) => outcome(e, ctx);
  const stageUpdate = () => ddbMock.commandCalls(UpdateCommand, { Key: { pk: 'LEAD#lead-9', sk: 'PROFILE' } })[0]?.args[0].input;

  it('lost: moves the lead to lost and tells Marketing the reason', async () => {
    await expect(run({ leadId: 'lead-9', outcome: 'lost', reason: 'price' })).resolves.toEqual({ stage: 'lost' });
    expect(stageUpdate()?.ExpressionAttributeValues?.[':to']).toBe('lost');
    expect(stageUpdate()?.ExpressionAttributeValues?.[':reason']).toBe('price');
    const [mail] = mails();
    expect(mail?.Destination?.ToAddresses).toEqual(['mkt-lead@example.com']);
    expect(mail?.Content?.Simple?.Body?.Text?.Data).toContain('Reason: Price.');
  });

  it('lost after a deal decision: Marketing reads the rep\'s comment, who gave it and when (read back from the answered request, not the execution)', async () => {
    const hash = 'd'.repeat(64);
    ddbMock.on(QueryCommand).resolves({ Items: [{ pk: 'LEAD#lead-9', sk: `LINK#${hash}`, type: 'LINK_POINTER' }] });
    const decision: FeedbackAnswer = { step: 'deal-decision', answer: 'lost', comment: 'They chose the cheaper tool; revisit in Q3.', ratings: {}, details: { reasonCode: 'price' }, answeredAt: '2026-03-31T16:00:00.000Z', answeredBy: 'owner' };
    ddbMock.on(GetCommand, { Key: { pk: `LINK#${hash}`, sk: 'LINK' } }).resolves({ Item: { pk: `LINK#${hash}`, sk: 'LINK', type: 'LINK', status: 'answered', step: 'deal-decision', addressee: 'ae1@example.com', answer: decision } });
    await run({ leadId: 'lead-9', outcome: 'lost', reason: 'price' });
    const text = mails()[0]?.Content?.Simple?.Body?.Text?.Data ?? '';
    expect(text).toContain('Why it comes back');
    expect(text).toContain('Their comment: They chose the cheaper tool; revisit in Q3.');
    expect(text).toContain('By: ae1@example.com (Field Sales)');
    expect(text).toContain('Decided at: Deal decision, Tue, 31 Mar 2026, 16:00 UTC');
  });

  it('nurture with a scoring reason keeps the raw code', async () => {
    await run({ leadId: 'lead-9', outcome: 'nurture', reason: 'score-below-threshold' });
    expect(mails()[0]?.Content?.Simple?.Body?.Text?.Data).toContain('score-below-threshold');
  });

  it('stalled: moves the lead to stalled and sends nothing (the rescue request asks the team lead)', async () => {
    await expect(run({ leadId: 'lead-9', outcome: 'stalled', reason: 'Await meeting outcome' })).resolves.toEqual({ stage: 'stalled' });
    expect(mails()).toEqual([]);
  });

  it('needs-attention: records error and cause on the lead; no email (the rescue request tells ops)', async () => {
    const cause = `${HOSTILE.script} ${'c'.repeat(5000)}`;
    await run({ leadId: 'lead-9', outcome: 'needs-attention', reason: 'Close deal', error: 'Lambda.Unknown', cause });
    const patch = patchValues(stageUpdate() ?? {});
    expect(patch.lastError).toMatchObject({ step: 'Close deal', error: 'Lambda.Unknown', at: NOW.toISOString() });
    expect(String((patch.lastError as { cause: string }).cause).length).toBeLessThanOrEqual(2000);
    expect(mails()).toEqual([]);
  });

  it('needs-attention after SES refused an email: the reason in plain words on the lead, no JSON, no stack', async () => {
    const message = 'SES refused the email to sdr9@example.com: the address is not verified (the account is in the SES sandbox, where every recipient must be a verified identity)';
    const cause = JSON.stringify({ errorMessage: message, errorType: 'Pipeline.MailRejected', trace: ['Pipeline.MailRejected: x', '    at sendEmail (/var/task/index.mjs:1:2)'] });
    await run({ leadId: 'lead-9', outcome: 'needs-attention', reason: 'Await qualification call', error: 'Pipeline.MailRejected', cause });
    const patch = patchValues(stageUpdate() ?? {});
    expect(patch.lastError).toMatchObject({ step: 'Await qualification call', error: 'Pipeline.MailRejected', cause: message });
  });

  it('needs-attention for an unknown lead creates nothing', async () => {
    ddbMock.on(GetCommand).resolves({});
    ddbMock.on(UpdateCommand, { Key: { pk: 'LEAD#ghost', sk: 'PROFILE' } }).rejects(ccf());
    await expect(run({ leadId: 'ghost', outcome: 'needs-attention', reason: 'Qualify lead', error: 'States.TaskFailed', cause: 'x' })).resolves.toEqual({ stage: 'needs-attention' });
    // The stage change is conditional on the profile existing: it creates nothing.
    const writes = ddbMock.commandCalls(UpdateCommand, { Key: { pk: 'LEAD#ghost', sk: 'PROFILE' } }).map((c) => c.args[0].input);
    expect(writes).toHaveLength(1);
    expect(writes[0]?.ConditionExpression).toContain('attribute_exists(pk)');
    expect(ddbMock.commandCalls(PutCommand).filter((c) => String(c.args[0].input.Item?.sk).startsWith('EVENT#'))).toHaveLength(0);
  });

  it('reads nothing before the stage change: its answer carries the profile for the email', async () => {
    await run({ leadId: 'lead-9', outcome: 'lost', reason: 'price' });
    expect(ddbMock.commandCalls(GetCommand, { Key: { pk: 'LEAD#lead-9', sk: 'PROFILE' } })).toHaveLength(0);
    expect(stageUpdate()?.ReturnValues).toBe('ALL_OLD');
    expect(mails()[0]?.Content?.Simple?.Subject?.Data).toContain('Lead lost');
  });

  it('renewed: moves the lead to renewed and sends nothing (the last check-in request said the renewal is due)', async () => {
    await run({ leadId: 'lead-9', outcome: 'renewed', reason: 'renewal-due' });
    expect(ddbMock.commandCalls(UpdateCommand, { Key: { pk: 'LEAD#lead-9', sk: 'PROFILE' } })[0]?.args[0].input.ExpressionAttributeValues?.[':to']).toBe('renewed');
    expect(mails()).toHaveLength(0);
  });

  it('a retry after the stage changed writes no second event and sends no second email', async () => {
    ddbMock.on(UpdateCommand, { Key: { pk: 'LEAD#lead-9', sk: 'PROFILE' } }).rejects(ccf());
    ddbMock.on(GetCommand, { Key: { pk: 'LEAD#lead-9', sk: 'PROFILE' } }).resolves({ Item: { ...LEAD, stage: 'lost' } });
    ddbMock.on(PutCommand, { Item: { pk: 'MAIL#outcome#lead-9#lost#2026-03-31T09:00:00.000Z' } }).rejects(ccf());
    ddbMock.on(UpdateCommand, { Key: { pk: 'MAIL#outcome#lead-9#lost#2026-03-31T09:00:00.000Z', sk: 'MAIL' } }).rejects(ccf());
    ddbMock.on(GetCommand, { Key: { pk: 'MAIL#outcome#lead-9#lost#2026-03-31T09:00:00.000Z', sk: 'MAIL' } }).resolves({ Item: { status: 'sent' } });
    await run({ leadId: 'lead-9', outcome: 'lost', reason: 'competitor' });
    expect(ddbMock.commandCalls(PutCommand).filter((c) => String(c.args[0].input.Item?.sk).startsWith('EVENT#'))).toHaveLength(0);
    expect(mails()).toHaveLength(0);
  });
});

describe('rescue request email (feedback/rescue.ts)', () => {
  const teams = JSON.parse(TEAMS_JSON) as import('#lib/teams/directory').TeamDirectory;
  const ARN = 'arn:aws:states:eu-west-1:123456789012:execution:lead-lifecycle:lead-9';

  it('a failed step: ops, the step, the reason in plain words (no JSON, no stack), what was tried, and the AWS console execution page', async () => {
    const { rescueAddressee, rescueRequestEmail, executionUrl } = await import('#lib/feedback/rescue');
    const rescue = { kind: 'failed', step: 'Close deal', attempts: 1, executionArn: ARN } as const;
    expect(rescueAddressee(rescue, teams)).toEqual({ addressee: 'ops@example.com' });
    const url = executionUrl(ARN, undefined);
    expect(url).toBe(`https://eu-west-1.console.aws.amazon.com/states/home?region=eu-west-1#/v2/executions/details/${ARN}`);
    const lead = { ...LEAD, lastError: { step: 'Close deal', error: 'Lambda.Unknown', cause: `${HOSTILE.script} broke`, at: NOW.toISOString() } };
    const email = rescueRequestEmail({ lead: lead as never, leadId: 'lead-9', rescue, buttons: [{ label: 'Retry the step that failed', url: 'https://x.example/feedback/a?answer=retry' }], deadline: NOW.toISOString(), executionUrl: url });
    expect(email.subject).toContain('Needs attention');
    expect(email.text).toContain('Close deal');
    expect(email.text).toContain('Lambda.Unknown');
    expect(email.text).toContain('already been rescued 1 time');
    expect(email.text).toContain(url);
    expect(email.html).not.toContain('<script>');
    for (const raw of ['errorMessage', 'trace', 'undefined']) expect(email.text).not.toContain(raw);
  });

  it('a stalled lead: the team lead of the stalled step, cc ops; the local console page when configured', async () => {
    const { rescueAddressee, reassignOptions, executionUrl } = await import('#lib/feedback/rescue');
    const rescue = { kind: 'stalled', step: 'Await meeting outcome', attempts: 0, executionArn: ARN } as const;
    expect(rescueAddressee(rescue, teams)).toEqual({ addressee: 'ae-lead@example.com', cc: 'ops@example.com' });
    expect(reassignOptions(rescue, teams).map((o) => o.value)).toEqual(teams['field-sales'].members);
    expect(executionUrl(ARN, 'http://127.0.0.1:3000/')).toBe('http://127.0.0.1:3000/executions/lead-9');
  });
});
