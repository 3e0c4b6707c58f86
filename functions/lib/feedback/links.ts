/**
 * Feedback links: capability URLs that carry a Step Functions task token.
 *
 * The link id is 256 random bits (base64url, 43 chars). Only its SHA-256
 * (hex) is stored, as the key `LINK#<hash>`: a table dump yields no usable
 * link. The request expires with the task's timeout (`deadline`: the state's
 * entered time, passed in by the state machine, plus its TimeoutSeconds, so it
 * is on the execution's clock, never this function's); the item
 * itself lives on (TTL `expiresAt`, 30 days later) so an old link gets 410,
 * not 404. Exactly one answer wins: `answerLink` is a conditional write on
 * `status = pending`.
 *
 * Reminders cannot re-send the original id (it is not stored), so they mint
 * an alias link (`LINK#<hash2>` with `aliasOf`) that resolves to the same request.
 *
 * A reply link (`type: 'REPLY_LINK'`, kind `reply`) is the same kind of
 * capability for answering received feedback: it points at a FEEDBACK item
 * (`LEAD#<id>` / `FEEDBACK#...`, where the reply itself is stored), carries
 * no task token, never enters the reminder index, and expires after
 * REPLY_LINK_SECONDS.
 *
 * Every link (not the aliases, which die with their request) also gets a
 * pointer `LEAD#<id>` / `LINK#<hash>` in its lead's partition, written
 * before the link, so erasing a lead finds its links, with the team's answers
 * and comments in them, without a scan (leads/erasure.ts), and replaces each with a
 * tombstone (`type: 'LINK_ERASED'`, nothing else): a link write that comes
 * later fails on it (links are written only where none exists), and the link answers 404.
 *
 * A request link keeps the lead as its email showed it (`lead`, a
 * LeadSnapshot), so `GET /feedback/{id}` is one read. That is safe against
 * erasure because request-feedback reserves the link (its pointer) before it
 * reads the lead: either that read sees the lead erased and no link is
 * written, or it came before the erasure, whose link pass then finds the
 * pointer (see requestFeedback and eraseLead). Links stored before the
 * snapshot existed have no `lead`: their page reads the lead.
 */
import { createHash, randomBytes } from 'node:crypto';
import { DeleteCommand, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { ddb, tableName } from '#lib/aws/clients';
import type { FeedbackAnswer, FeedbackStep, RescueContext } from '#lib/core/contracts';
import type { EmailSection, LeadSnapshot } from '#lib/mail/layout';
import { Conflict, Gone, asTransient, isConditionalCheckFailed } from '#lib/core/errors';
import { assigneeLinkKey, leadLinkKey, linkKey, reminderIndex } from '#lib/core/keys';

/** Random bytes per link id (256 bits; the design asks for at least 128). */
export const LINK_ID_BYTES = 32;
/** How long a link item is kept after its deadline (TTL), so late clicks get 410. */
const KEEP_AFTER_DEADLINE_SECONDS = 30 * 86400;

const LINK_ID_PATTERN = /^[A-Za-z0-9_-]{43}$/;

/** A fresh link id: 256 random bits, base64url without padding. */
export function newLinkId(): string {
  return randomBytes(LINK_ID_BYTES).toString('base64url');
}

/** SHA-256 hex of a link id: the only form stored. */
export function hashLinkId(id: string): string {
  return createHash('sha256').update(id, 'utf8').digest('hex');
}

/** Cheap syntactic check before any table read. */
export function isWellFormedLinkId(id: string | undefined): id is string {
  return typeof id === 'string' && LINK_ID_PATTERN.test(id);
}

export type RequestStatus = 'pending' | 'answered' | 'expired' | 'reassigned';

/** A pending (or finished) feedback request, `LINK#<hash>` / `LINK`. */
export interface FeedbackRequest {
  hash: string;
  leadId: string;
  step: FeedbackStep;
  /** Present while pending; removed once SendTaskSuccess went through. */
  taskToken?: string;
  answers: string[];
  addressee: string;
  answeredBy: FeedbackAnswer['answeredBy'];
  escalated: boolean;
  /** Idempotency key of the request (leadId, step, escalated, token digest). */
  requestKey: string;
  createdAt: string;
  /** ISO time the task times out; after it the link is Gone. */
  deadline: string;
  deadlineMs: number;
  remindAt?: string;
  /** Idempotency key of the reminder email this request went into (set just before it is sent). */
  reminderBatch?: string;
  status: RequestStatus;
  answer?: FeedbackAnswer;
  /** The lead as the request email showed it (absent on links created before it was kept). */
  lead?: LeadSnapshot;
  /** rescue of a stalled lead: the members it can be reassigned to (feedback/rescue.ts). */
  choices?: { value: string; label: string }[];
  /** rescue: what it is about (kind, step, execution): a new team lead is asked again with it (teams/reassign.ts). */
  rescue?: RescueContext;
  /** Reassigned (status 'reassigned'): the name of the member who got a new link for it (teams/reassign.ts). */
  reassignedTo?: string;
  /** What the request's brief handed over (the facts a meeting-outcome form asks to rate, a check-in's deal and health): its form shows them. */
  context?: EmailSection[];
}

interface CreateLinkInput {
  leadId: string;
  step: FeedbackStep;
  taskToken: string;
  answers: readonly string[];
  addressee: string;
  answeredBy: FeedbackAnswer['answeredBy'];
  escalated: boolean;
  requestKey: string;
  /** The task's TimeoutSeconds, counted from `enteredAt` (createLink's second argument). */
  timeoutSeconds: number;
  /** Remind when this fraction of the time has passed (0 < f < 1), or undefined for no reminder. */
  remindAfterFraction?: number;
  /** When the work can start, if later than the entered time (a booked meeting's end): the reminder counts from it. */
  workFrom?: Date;
  /** What the page shows of the lead (leadSnapshot of the profile the email shows). */
  lead: LeadSnapshot;
  /** The id reserved for it (reserveLink), when the caller had to reserve it before reading the lead. */
  reservation?: LinkReservation;
  /** rescue: the members a stalled lead can be reassigned to. */
  choices?: { value: string; label: string }[];
  /** rescue: its context, kept on the link. */
  rescue?: RescueContext;
  /** The request's deadline when it is issued again (reassignment): the task's, unchanged. @default now + timeoutSeconds */
  deadlineMs?: number;
  /** The brief's sections, shown on the form. */
  context?: EmailSection[];
}

const epochSeconds = (ms: number): number => Math.floor(ms / 1000);
/** When the task times out: the time its state was entered plus its TimeoutSeconds. */
const requestDeadlineMs = (timeoutSeconds: number, enteredAt: Date): number => enteredAt.getTime() + Math.max(1, timeoutSeconds) * 1000;

/**
 * When to remind: `fraction` of the way from the state's entered time to its
 * deadline, or undefined for no reminder (a fraction outside 0 < f < 1).
 * `workFrom`, when later than the entered time, is when the work can start
 * (a meeting's end: nobody reports a meeting before it is over); the
 * reminder then counts from it.
 */
export function remindAtOf(enteredAt: Date, deadlineMs: number, fraction: number | undefined, workFrom?: Date): string | undefined {
  if (fraction === undefined || !(fraction > 0 && fraction < 1)) return undefined;
  const from = Math.min(deadlineMs, Math.max(enteredAt.getTime(), workFrom?.getTime() ?? 0));
  return new Date(from + Math.floor((deadlineMs - from) * fraction)).toISOString();
}
/** The expiry (epoch seconds, the table's TTL) of a link item whose deadline is `deadlineMs`. */
export const keepUntil = (deadlineMs: number): number => epochSeconds(deadlineMs) + KEEP_AFTER_DEADLINE_SECONDS;

/** A fresh link id whose pointer is already in the lead's partition (reserveLink); the link item is not written yet. */
interface LinkReservation {
  id: string;
  hash: string;
  leadId: string;
}

/**
 * The first half of a new request link: a fresh id and its pointer in the
 * lead's partition (with the expiry the request's link will have). Reserve
 * before reading the lead whose snapshot the link will keep (requestFeedback).
 * `enteredAt`: when the waiting state was entered (the execution's clock).
 */
export async function reserveLink(leadId: string, timeoutSeconds: number, enteredAt: Date): Promise<LinkReservation> {
  const id = newLinkId();
  const hash = hashLinkId(id);
  await putPointer(leadId, hash, keepUntil(requestDeadlineMs(timeoutSeconds, enteredAt)), 'reserveLink');
  return { id, hash, leadId };
}

/**
 * Stores a new pending request under a fresh link id (or the reserved one);
 * returns the id (to email) and the stored request. Gone when the lead was
 * erased after the reservation (erasure left a tombstone under the id).
 * `enteredAt`: when the waiting state was entered (the execution's clock,
 * `$states.context.State.EnteredTime`); the deadline and the reminder time
 * count from it.
 */
export async function createLink(input: CreateLinkInput, enteredAt: Date): Promise<{ id: string; request: FeedbackRequest }> {
  const { reservation } = input;
  if (reservation !== undefined && reservation.leadId !== input.leadId) throw new Error('createLink: the reservation is for another lead');
  const { id, hash } = reservation ?? (await reserveLink(input.leadId, input.timeoutSeconds, enteredAt));
  const deadlineMs = input.deadlineMs ?? requestDeadlineMs(input.timeoutSeconds, enteredAt);
  const remindAt = remindAtOf(enteredAt, deadlineMs, input.remindAfterFraction, input.workFrom);
  const request: FeedbackRequest = {
    hash,
    leadId: input.leadId,
    step: input.step,
    taskToken: input.taskToken,
    answers: [...input.answers],
    addressee: input.addressee,
    answeredBy: input.answeredBy,
    escalated: input.escalated,
    requestKey: input.requestKey,
    createdAt: enteredAt.toISOString(),
    deadline: new Date(deadlineMs).toISOString(),
    deadlineMs,
    status: 'pending',
    ...(remindAt ? { remindAt } : {}),
    lead: input.lead,
    ...(input.choices && input.choices.length > 0 ? { choices: input.choices } : {}),
    ...(input.rescue ? { rescue: input.rescue } : {}),
    ...(input.context && input.context.length > 0 ? { context: input.context } : {}),
  };
  await putAssigneePointer(input.addressee, hash, input.leadId, keepUntil(deadlineMs));
  await putLinkItem(hash, { type: 'LINK', ...request, ...(remindAt ? reminderIndex(remindAt, hash) : {}), expiresAt: keepUntil(deadlineMs) }, 'createLink');
  return { id, request };
}

/** The pointer `LEAD#<id>` / `LINK#<hash>` through which erasure finds a link; written before the link. */
async function putPointer(leadId: string, hash: string, expiresAt: number, what: string): Promise<void> {
  try {
    await ddb.send(new PutCommand({ TableName: tableName(), Item: { ...leadLinkKey(leadId, hash), type: 'LINK_POINTER', expiresAt } }));
  } catch (error) {
    throw asTransient(error, what);
  }
}

/** `ASSIGNEE#<addressee>` / `LINK#<hash>`: how a member's open requests are found when they leave or go away (teams/reassign.ts). */
async function putAssigneePointer(addressee: string, hash: string, leadId: string, expiresAt: number): Promise<void> {
  try {
    await ddb.send(new PutCommand({ TableName: tableName(), Item: { ...assigneeLinkKey(addressee, hash), type: 'ASSIGNEE_POINTER', hash, leadId, expiresAt } }));
  } catch (error) {
    throw asTransient(error, 'createLink');
  }
}

/**
 * Writes a new link item, after its pointer (putPointer): a crash in between
 * leaves at most a pointer to nothing, never a link that erasure cannot
 * find. Only where nothing is: under a fresh 256-bit id, an existing item is
 * either erasure's tombstone (Gone) or this very write, applied by an attempt
 * the SDK retried after losing its answer (done).
 */
async function putLinkItem(hash: string, item: Record<string, unknown> & { expiresAt: number }, what: string): Promise<void> {
  try {
    await ddb.send(new PutCommand({ TableName: tableName(), Item: { ...linkKey(hash), ...item }, ConditionExpression: 'attribute_not_exists(pk)' }));
  } catch (error) {
    if (!isConditionalCheckFailed(error)) throw asTransient(error, what);
    const existing = await getItem(hash);
    if (existing?.type === ERASED_LINK_TYPE) throw new Gone('the lead was erased');
    if (existing?.type !== item.type) throw asTransient(error, what);
  }
}

/** How long a reply link works (30 days: the receiving team may answer from a weekly digest). */
export const REPLY_LINK_SECONDS = 30 * 86400;
const REPLY_LINK_TYPE = 'REPLY_LINK';
const ERASED_LINK_TYPE = 'LINK_ERASED';

/** A reply link (`LINK#<hash>` / `LINK`, type REPLY_LINK): lets the receiving team answer one FEEDBACK item. */
export interface ReplyLink {
  kind: 'reply';
  hash: string;
  leadId: string;
  /** Sort key of the FEEDBACK item (`FEEDBACK#<ISO>#<step>#<to team>`) under `LEAD#<leadId>`. */
  feedbackSk: string;
  createdAt: string;
  deadline: string;
  deadlineMs: number;
  /** The deadline has passed (the page answers 410). */
  expired: boolean;
}

/** Stores a reply link to the FEEDBACK item `LEAD#<leadId>` / `feedbackSk`; returns the id (to email). No reminder, no token. */
export async function createReplyLink(target: { leadId: string; feedbackSk: string }, now: Date = new Date()): Promise<{ id: string; link: ReplyLink }> {
  const id = newLinkId();
  const hash = hashLinkId(id);
  const deadlineMs = now.getTime() + REPLY_LINK_SECONDS * 1000;
  const link: ReplyLink = {
    kind: 'reply',
    hash,
    leadId: target.leadId,
    feedbackSk: target.feedbackSk,
    createdAt: now.toISOString(),
    deadline: new Date(deadlineMs).toISOString(),
    deadlineMs,
    expired: false,
  };
  const { expired: _expired, ...stored } = link;
  await putPointer(target.leadId, hash, keepUntil(deadlineMs), 'createReplyLink');
  await putLinkItem(hash, { type: REPLY_LINK_TYPE, ...stored, expiresAt: keepUntil(deadlineMs) }, 'createReplyLink');
  return { id, link };
}

function toReplyLink(item: Record<string, unknown>, now: Date): ReplyLink {
  const deadlineMs = Number(item.deadlineMs);
  return {
    kind: 'reply',
    hash: String(item.hash),
    leadId: String(item.leadId),
    feedbackSk: String(item.feedbackSk),
    createdAt: String(item.createdAt),
    deadline: String(item.deadline),
    deadlineMs,
    expired: !(deadlineMs > now.getTime()),
  };
}

/** A second link id for the same request (reminders). Expires with it. */
export async function createAlias(request: Pick<FeedbackRequest, 'hash' | 'deadlineMs'>, now: Date = new Date()): Promise<string> {
  const id = newLinkId();
  try {
    await ddb.send(
      new PutCommand({
        TableName: tableName(),
        Item: {
          ...linkKey(hashLinkId(id)),
          type: 'LINK_ALIAS',
          aliasOf: request.hash,
          createdAt: now.toISOString(),
          expiresAt: keepUntil(request.deadlineMs),
        },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
  } catch (error) {
    throw asTransient(error, 'createAlias');
  }
  return id;
}

/**
 * Erasure: replaces a link (request or reply, answered or not) with a
 * tombstone that holds nothing but its expiry: the link answers 404 and a
 * link write still to come under this id fails (putLinkItem).
 */
export async function eraseLink(hash: string, expiresAt: number): Promise<void> {
  try {
    await ddb.send(new PutCommand({ TableName: tableName(), Item: { ...linkKey(hash), type: ERASED_LINK_TYPE, expiresAt } }));
  } catch (error) {
    throw asTransient(error, 'eraseLink');
  }
}

/** Deletes a link item by hash (a request whose email never went out, or an unused alias). */
export async function deleteLink(hash: string): Promise<void> {
  try {
    await ddb.send(new DeleteCommand({ TableName: tableName(), Key: linkKey(hash) }));
  } catch (error) {
    throw asTransient(error, 'deleteLink');
  }
}

function toRequest(item: Record<string, unknown>): FeedbackRequest {
  const { pk: _pk, sk: _sk, type: _type, gsi3pk: _g, gsi3sk: _s, expiresAt: _e, ...rest } = item;
  return rest as unknown as FeedbackRequest;
}

async function getItem(hash: string): Promise<Record<string, unknown> | undefined> {
  try {
    const out = await ddb.send(new GetCommand({ TableName: tableName(), Key: linkKey(hash), ConsistentRead: true }));
    return out.Item;
  } catch (error) {
    throw asTransient(error, 'lookupLink');
  }
}

/**
 * The answer recorded on a request link (what an answer id names:
 * feedback/answers.ts loadFeedbackAnswer): `'erased'` for erasure's tombstone,
 * undefined when the item holds no answer (or is gone).
 */
export async function recordedAnswer(hash: string): Promise<{ leadId: string; step: FeedbackStep; answer: unknown } | 'erased' | undefined> {
  const item = await getItem(hash);
  if (item?.type === ERASED_LINK_TYPE) return 'erased';
  if (item?.type !== 'LINK' || item.answer === undefined) return undefined;
  return { leadId: String(item.leadId), step: item.step as FeedbackStep, answer: item.answer };
}

export type LinkLookup =
  | { state: 'missing' }
  | { state: 'pending' | 'answered' | 'expired' | 'reassigned'; request: FeedbackRequest }
  | { state: 'reply'; link: ReplyLink };

/**
 * Reads what a link id points at: a feedback request (resolving an alias) or,
 * for a reply link, the FEEDBACK item to answer. Ill-formed ids are 'missing'
 * without a read.
 */
export async function lookupLink(id: string | undefined, now: Date = new Date()): Promise<LinkLookup> {
  if (!isWellFormedLinkId(id)) return { state: 'missing' };
  return lookupLinkHash(hashLinkId(id), now);
}

/** lookupLink by the stored hash: what the local console's action buttons answer through (the same submit path as the link). */
export async function lookupLinkHash(hash: string, now: Date = new Date()): Promise<LinkLookup> {
  let item = await getItem(hash);
  if (item && item.type === 'LINK_ALIAS' && typeof item.aliasOf === 'string') {
    item = await getItem(item.aliasOf);
  }
  if (item?.type === REPLY_LINK_TYPE) return { state: 'reply', link: toReplyLink(item, now) };
  if (!item || item.type !== 'LINK') return { state: 'missing' };
  const request = toRequest(item);
  if (request.status === 'answered') return { state: 'answered', request };
  if (request.status === 'reassigned') return { state: 'reassigned', request };
  if (request.status === 'expired' || request.deadlineMs <= now.getTime()) return { state: 'expired', request };
  return { state: 'pending', request };
}

/**
 * Records the answer: conditional on `status = pending` and the deadline not
 * passed, so exactly one answer wins. The loser gets Conflict (data.recorded =
 * the winning answer) or Gone (expired). Also drops the reminder GSI attributes.
 */
export async function answerLink(hash: string, answer: FeedbackAnswer, now: Date = new Date()): Promise<FeedbackRequest> {
  try {
    const out = await ddb.send(
      new UpdateCommand({
        TableName: tableName(),
        Key: linkKey(hash),
        UpdateExpression: 'SET #status = :answered, #answer = :answer, answeredAt = :at REMOVE gsi3pk, gsi3sk',
        ConditionExpression: '#type = :link AND #status = :pending AND deadlineMs > :now',
        ExpressionAttributeNames: { '#status': 'status', '#answer': 'answer', '#type': 'type' },
        ExpressionAttributeValues: { ':answered': 'answered', ':answer': answer, ':at': now.toISOString(), ':link': 'LINK', ':pending': 'pending', ':now': now.getTime() },
        ReturnValues: 'ALL_NEW',
      }),
    );
    return toRequest(out.Attributes ?? {});
  } catch (error) {
    if (!isConditionalCheckFailed(error)) throw asTransient(error, 'answerLink');
  }
  const item = await getItem(hash);
  const current = item ? toRequest(item) : undefined;
  if (current?.status === 'answered' && current.answer) {
    throw new Conflict('feedback already answered', { recorded: current.answer, step: current.step });
  }
  if (current?.status === 'reassigned') throw reassignedGone(current);
  throw new Gone('feedback request expired');
}

/** What a reassigned request's old link answers (410): who has it now. */
export function reassignedGone(request: Pick<FeedbackRequest, 'reassignedTo'>): Gone {
  return new Gone('feedback request reassigned', { reassignedTo: request.reassignedTo ?? 'another member' });
}

/**
 * Takes a pending request from its addressee (reassignment): conditional on
 * `status = pending`, so it and an answer exclude each other (exactly one of
 * them wins). Returns the request as it was, with its task token, or
 * undefined when it was no longer pending (answered, expired, reassigned).
 * The reminder attributes go; the token stays until the new link holds it.
 */
export async function takeForReassignment(hash: string, toName: string, now: Date = new Date()): Promise<FeedbackRequest | undefined> {
  try {
    const out = await ddb.send(
      new UpdateCommand({
        TableName: tableName(),
        Key: linkKey(hash),
        UpdateExpression: 'SET #status = :reassigned, reassignedTo = :to, reassignedAt = :at REMOVE gsi3pk, gsi3sk',
        ConditionExpression: '#type = :link AND #status = :pending AND deadlineMs > :now',
        ExpressionAttributeNames: { '#status': 'status', '#type': 'type' },
        ExpressionAttributeValues: { ':reassigned': 'reassigned', ':to': toName, ':at': now.toISOString(), ':link': 'LINK', ':pending': 'pending', ':now': now.getTime() },
        ReturnValues: 'ALL_OLD',
      }),
    );
    return toRequest(out.Attributes ?? {});
  } catch (error) {
    if (isConditionalCheckFailed(error)) return undefined;
    throw asTransient(error, 'takeForReassignment');
  }
}

/** Undoes takeForReassignment when the new link could not be issued: the old link answers again. */
export async function returnFromReassignment(hash: string): Promise<void> {
  try {
    await ddb.send(
      new UpdateCommand({
        TableName: tableName(),
        Key: linkKey(hash),
        UpdateExpression: 'SET #status = :pending REMOVE reassignedTo, reassignedAt',
        ConditionExpression: '#status = :reassigned',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':pending': 'pending', ':reassigned': 'reassigned' },
      }),
    );
  } catch (error) {
    if (!isConditionalCheckFailed(error)) throw asTransient(error, 'returnFromReassignment');
  }
}

/** Undoes answerLink when SendTaskSuccess failed for a retryable reason (only our own answer). */
export async function revertAnswer(hash: string, answeredAt: string): Promise<void> {
  try {
    await ddb.send(
      new UpdateCommand({
        TableName: tableName(),
        Key: linkKey(hash),
        UpdateExpression: 'SET #status = :pending REMOVE #answer, answeredAt',
        ConditionExpression: '#status = :answered AND answeredAt = :at',
        ExpressionAttributeNames: { '#status': 'status', '#answer': 'answer' },
        ExpressionAttributeValues: { ':pending': 'pending', ':answered': 'answered', ':at': answeredAt },
      }),
    );
  } catch (error) {
    if (!isConditionalCheckFailed(error)) throw asTransient(error, 'revertAnswer');
  }
}

/** After SendTaskSuccess: the token is no longer needed, drop it. */
export async function forgetTaskToken(hash: string): Promise<void> {
  await update(hash, 'REMOVE taskToken', {}, {});
}

/** The task is gone (timed out / finished elsewhere): mark expired, drop token and reminder. */
export async function markExpired(hash: string): Promise<void> {
  await update(hash, 'SET #status = :expired REMOVE taskToken, gsi3pk, gsi3sk', { '#status': 'status' }, { ':expired': 'expired' });
}

/** The reminder went out (or is moot): remove the byReminderDue attributes. */
export async function clearReminder(hash: string, now: Date = new Date()): Promise<void> {
  await update(hash, 'SET remindedAt = :now REMOVE gsi3pk, gsi3sk', {}, { ':now': now.toISOString() });
}

/** Notes the reminder email a due request goes into, before it is sent: a retried sweep checks that email's marker. */
export async function markReminding(hash: string, reminderBatch: string): Promise<void> {
  await update(hash, 'SET reminderBatch = :batch', {}, { ':batch': reminderBatch });
}

async function update(hash: string, expression: string, names: Record<string, string>, values: Record<string, unknown>): Promise<void> {
  try {
    await ddb.send(
      new UpdateCommand({
        TableName: tableName(),
        Key: linkKey(hash),
        UpdateExpression: expression,
        ConditionExpression: 'attribute_exists(pk)',
        ...(Object.keys(names).length > 0 ? { ExpressionAttributeNames: names } : {}),
        ...(Object.keys(values).length > 0 ? { ExpressionAttributeValues: values } : {}),
      }),
    );
  } catch (error) {
    if (isConditionalCheckFailed(error)) return;
    throw asTransient(error, 'updateLink');
  }
}
