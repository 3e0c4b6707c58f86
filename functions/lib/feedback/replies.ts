/**
 * Replies to received feedback: the receiving team answers a stored FEEDBACK
 * item with "acknowledged" or "acting on it" (and a note) from a reply link.
 *
 * The reply is stored on the FEEDBACK item itself (`LEAD#<id>` /
 * `FEEDBACK#...`, attribute `reply: { status, note, repliedAt }`), set once
 * by a conditional write; the giving team sees it in its digest and in the
 * ops console. Reply links are capabilities like feedback links
 * (functions/lib/feedback/links.ts, kind `reply`): `GET /feedback/{id}` shows the
 * page and never acts, `POST` records the reply; 404 unknown, 410 expired or
 * erased lead, 409 already answered (the page shows the recorded reply), 400
 * invalid. No task token, no reminder, no Step Functions call.
 */
import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { ddb, tableName } from '#lib/aws/clients';
import { Conflict, Gone, NotFound, ValidationError, asTransient, isConditionalCheckFailed } from '#lib/core/errors';
import { type FormBody, checkFormFields, single, text } from './steps';
import { REPLY_STATUSES, type FeedbackItem, type FeedbackReply, type ReplyStatus } from './records';
import { feedbackKey, leadPk } from '#lib/core/keys';
import { getLead } from '#lib/leads/profile';
import type { LeadProfile } from '#lib/leads/records';
import { type ReplyLink, createReplyLink } from './links';
import { feedbackRepliedEvent } from '#lib/events/lead-events';
import { publishEvents } from '#lib/events/publish';

/** The fields of the reply page (pages.ts renderReplyPage). */
const REPLY_FORM_FIELDS: readonly string[] = ['status', 'note'];

/**
 * Validates a reply form: `status` (acknowledged | acting-on-it) and `note`
 * (required for acting-on-it, optional otherwise; at most MAX_TEXT
 * characters, the text rule of steps.ts `text`), and nothing else (the
 * fields the reply page renders, REPLY_FORM_FIELDS). Errors name the field.
 */
export function parseReplyForm(form: FormBody, repliedAt: string): FeedbackReply {
  checkFormFields(form, REPLY_FORM_FIELDS);
  const status = single(form, 'status');
  if (status === undefined || status === '') throw new ValidationError('status', 'is required');
  const known = REPLY_STATUSES.find((s) => s === status);
  if (known === undefined) throw new ValidationError('status', `must be one of ${REPLY_STATUSES.join(', ')}`);
  const note = text(single(form, 'note'), 'note') ?? '';
  if (known === 'acting-on-it' && note === '') throw new ValidationError('note', 'is required when the status is acting-on-it: say what you will do');
  return { status: known, note, repliedAt };
}

/** `${base}/feedback/<id>` (the same route as feedback links) with an optional `?status=` preselection. */
export function replyUrl(publicBaseUrl: string, id: string, status?: ReplyStatus): string {
  const base = publicBaseUrl.replace(/\/+$/, '');
  return `${base}/feedback/${encodeURIComponent(id)}${status ? `?status=${encodeURIComponent(status)}` : ''}`;
}

/** Sort key of the stored FEEDBACK item. */
export function feedbackSkOf(item: Pick<FeedbackItem, 'leadId' | 'answeredAt' | 'step' | 'to'>): string {
  return feedbackKey(item.leadId, item.answeredAt, item.step, item.to).sk;
}

/**
 * A fresh reply link for a stored feedback item: stores the link record (only
 * its hash) and returns the URL to put in an email (instant feedback email,
 * weekly digest). Each call mints a new link; every one of them works until
 * it expires (REPLY_LINK_SECONDS), and the first reply wins.
 */
export async function replyLinkUrl(item: Pick<FeedbackItem, 'leadId' | 'answeredAt' | 'step' | 'to'>, publicBaseUrl: string, now: Date = new Date()): Promise<string> {
  const { id } = await createReplyLink({ leadId: item.leadId, feedbackSk: feedbackSkOf(item) }, now);
  return replyUrl(publicBaseUrl, id);
}

async function readFeedback(link: ReplyLink): Promise<FeedbackItem | undefined> {
  try {
    const out = await ddb.send(new GetCommand({ TableName: tableName(), Key: { pk: leadPk(link.leadId), sk: link.feedbackSk }, ConsistentRead: true }));
    if (out.Item?.type !== 'FEEDBACK') return undefined;
    const { pk: _pk, sk: _sk, type: _type, gsi2pk: _g, gsi2sk: _s, ...item } = out.Item;
    return item as FeedbackItem;
  } catch (error) {
    throw asTransient(error, 'readFeedback');
  }
}

function alreadyReplied(reply: FeedbackReply): Conflict {
  return new Conflict('feedback already replied to', { recordedReply: reply });
}

/**
 * What GET /feedback/{id} shows for a reply link: the feedback and its lead.
 * Never writes. NotFound (no such feedback), Gone (expired, or the lead was
 * erased), Conflict (already replied).
 */
export async function openReply(link: ReplyLink): Promise<{ item: FeedbackItem; lead: LeadProfile | undefined }> {
  if (link.expired) throw new Gone('reply link expired');
  const item = await readFeedback(link);
  if (item === undefined) throw new NotFound('feedback not found');
  if (item.reply !== undefined) throw alreadyReplied(item.reply);
  const lead = await getLead(link.leadId);
  if (lead?.erasedAt !== undefined) throw new Gone('the lead was erased');
  return { item, lead };
}

/**
 * POST /feedback/{id} of a reply link: validates, then sets `reply` once
 * (conditional write) and publishes FeedbackReplied; a second reply gets
 * Conflict with the recorded one, after publishing the recorded one's event
 * again (the same event id), in case the first request died before it did.
 */
export async function submitReply(link: ReplyLink, form: FormBody, now: Date = new Date()): Promise<{ item: FeedbackItem; reply: FeedbackReply }> {
  const { item } = await openReply(link);
  const reply = parseReplyForm(form, now.toISOString());
  try {
    await ddb.send(
      new UpdateCommand({
        TableName: tableName(),
        Key: { pk: leadPk(link.leadId), sk: link.feedbackSk },
        UpdateExpression: 'SET #reply = :reply',
        ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(#reply)',
        ExpressionAttributeNames: { '#reply': 'reply' },
        ExpressionAttributeValues: { ':reply': reply },
      }),
    );
  } catch (error) {
    if (!isConditionalCheckFailed(error)) throw asTransient(error, 'submitReply');
    const current = await readFeedback(link);
    if (current?.reply === undefined) throw new NotFound('feedback not found');
    await publishReplied(link, current, current.reply);
    throw alreadyReplied(current.reply);
  }
  await publishReplied(link, item, reply);
  return { item, reply };
}

async function publishReplied(link: ReplyLink, item: FeedbackItem, reply: FeedbackReply): Promise<void> {
  await publishEvents([feedbackRepliedEvent(link.leadId, { sk: link.feedbackSk, step: item.step, from: item.from, to: item.to }, reply)]);
}
