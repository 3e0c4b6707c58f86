/**
 * Idempotent email via SES API v2 (SendEmail with Simple content: subject,
 * HTML + text parts, and attachments such as a meeting's .ics).
 *
 * Before sending, the attempt claims a `MAIL#<idempotencyKey>` marker with a
 * conditional put (status `sending`, its attempt id and start time: a lease
 * of STALE_AFTER_MS). Then:
 * - SES refuses (throttling, an outage): the attempt deletes its own marker
 *   and fails as transient; the state machine's retry sends it, once.
 * - SES refuses for good (MessageRejected: an address not verified in the
 *   sandbox; AccessDenied; MailFromDomainNotVerified; sending paused): the
 *   marker is deleted and a PermanentMailError (`Pipeline.MailRejected`,
 *   ./refusals.ts) names the address and the reason; no retry, the lead
 *   goes to "Needs attention".
 * - SES accepts: the marker becomes `sent` (retried a few times, and only by
 *   the attempt that holds it), and any later attempt returns without sending.
 * - Another attempt finds a `sending` marker within its lease: it waits for
 *   it (IN_FLIGHT_WAIT_MS), then fails as transient; it never sends blindly.
 * What remains: if the process dies after SES accepted the mail and before
 * the marker says `sent` (a window of one DynamoDB write), the marker stays
 * `sending`; after the lease a retry takes it over and the email goes out a
 * second time. SES has no idempotency key to ask whether it already sent it,
 * and a lost feedback request is worse than a duplicate.
 */
import { DeleteCommand, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { SendEmailCommand, type SendEmailCommandInput } from '@aws-sdk/client-sesv2';
import { randomUUID } from 'node:crypto';
import { ddb, ses, tableName } from '#lib/aws/clients';
import { setting } from '#lib/aws/settings';
import { logger } from '#lib/aws/observability';
import { TransientError, asTransient, isConditionalCheckFailed } from '#lib/core/errors';
import { stripCrLf, truncate } from '#lib/core/html';
import { mailKey } from '#lib/core/keys';
import { toWellFormed } from '#lib/core/text';
import { mailRefusal } from '#lib/mail/refusals';

/** A file sent with an email (SES v2 Simple content attachments: SES builds the MIME parts). */
export interface MailAttachment {
  /** Shown to the recipient, with its extension (e.g. `invite.ics`). */
  fileName: string;
  /** Its media type, parameters included (e.g. `text/calendar; method=REQUEST; charset=UTF-8`). */
  contentType: string;
  /** Its text (UTF-8). */
  content: string;
}

export interface Email {
  to: string | readonly string[];
  cc?: string | readonly string[];
  subject: string;
  html: string;
  text: string;
  attachments?: readonly MailAttachment[];
  /** Same key = same email: sent at most once. Use e.g. `${leadId}#${step}#...`. */
  idempotencyKey: string;
}

export interface SendResult {
  /** false when the marker says it was already sent (a retry). */
  sent: boolean;
  messageId?: string;
}

/**
 * After this long, a `sending` marker is considered abandoned (its sender
 * crashed between SES and the marker update): longer than any mail-sending
 * Lambda's timeout (15 s), short enough that the state machine's retries
 * (with IN_FLIGHT_WAIT_MS waits each) outlast it.
 */
export const STALE_AFTER_MS = 20_000;
/** How long one call waits on a marker held by another attempt before giving up with TransientError. */
export const IN_FLIGHT_WAIT_MS = 8_000;
const IN_FLIGHT_POLL_MS = 500;
/** Markers expire (TTL) after this many days. */
const MARKER_TTL_DAYS = 30;

let mailFrom: string | undefined;
function from(): string {
  mailFrom ??= setting('mailFrom'); // its schema refuses line breaks
  return mailFrom;
}

function addresses(value: string | readonly string[] | undefined): string[] {
  if (value === undefined) return [];
  const list = typeof value === 'string' ? [value] : [...value];
  return [...new Set(list.map((a) => stripCrLf(a)).filter((a) => a.length > 0))];
}

/** Has an email with this key been sent (marker status `sent`)? */
export async function wasSent(idempotencyKey: string): Promise<boolean> {
  try {
    const out = await ddb.send(new GetCommand({ TableName: tableName(), Key: mailKey(idempotencyKey), ConsistentRead: true }));
    return out.Item?.status === 'sent';
  } catch (error) {
    throw asTransient(error, 'mail marker');
  }
}

async function tryClaim(idempotencyKey: string, attempt: string): Promise<boolean> {
  const nowMs = Date.now();
  const item = {
    ...mailKey(idempotencyKey),
    status: 'sending',
    attempt,
    startedAt: nowMs,
    expiresAt: Math.floor(nowMs / 1000) + MARKER_TTL_DAYS * 86400,
  };
  try {
    await ddb.send(new PutCommand({ TableName: tableName(), Item: item, ConditionExpression: 'attribute_not_exists(pk)' }));
    return true;
  } catch (error) {
    if (!isConditionalCheckFailed(error)) throw asTransient(error, 'mail marker');
  }
  // Someone holds the marker: sent already, in flight, or abandoned (its sender died mid-send).
  try {
    await ddb.send(
      new UpdateCommand({
        TableName: tableName(),
        Key: mailKey(idempotencyKey),
        UpdateExpression: 'SET attempt = :attempt, startedAt = :now',
        ConditionExpression: '#status = :sending AND startedAt < :stale',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':attempt': attempt, ':now': nowMs, ':sending': 'sending', ':stale': nowMs - STALE_AFTER_MS },
      }),
    );
    return true;
  } catch (error) {
    if (!isConditionalCheckFailed(error)) throw asTransient(error, 'mail marker');
  }
  return false;
}

const sleep = (ms: number): Promise<void> => new Promise((done) => setTimeout(done, ms));

/**
 * Takes the marker, or returns false when the email was already sent. A
 * marker held by another attempt is waited on (up to `waitMs`) until it is
 * sent, released or stale; then TransientError (the state machine retries).
 */
async function claim(idempotencyKey: string, attempt: string, waitMs: number): Promise<boolean> {
  for (let waited = 0; ; waited += IN_FLIGHT_POLL_MS) {
    if (await tryClaim(idempotencyKey, attempt)) return true;
    if (await wasSent(idempotencyKey)) return false;
    if (waited >= waitMs) throw new TransientError('mail: another attempt is sending this email');
    await sleep(IN_FLIGHT_POLL_MS);
  }
}

/**
 * Sends once per idempotency key. Subject and addresses are stripped of CR/LF.
 * Throttling becomes TransientError (retried by the state machine); a
 * refusal for good, PermanentMailError (not retried).
 */
export async function sendEmail(email: Email, now: Date = new Date(), options: { inFlightWaitMs?: number } = {}): Promise<SendResult> {
  const to = addresses(email.to);
  if (to.length === 0) throw new Error('sendEmail: no recipient');
  const cc = addresses(email.cc).filter((a) => !to.includes(a));
  const attempt = randomUUID();
  if (!(await claim(email.idempotencyKey, attempt, options.inFlightWaitMs ?? IN_FLIGHT_WAIT_MS))) return { sent: false };
  let messageId: string | undefined;
  try {
    const out = await ses.send(new SendEmailCommand(sendEmailInput(email, to, cc)));
    messageId = out.MessageId;
  } catch (error) {
    await release(email.idempotencyKey, attempt);
    // A refusal no retry fixes (an unverified address in the sandbox, access denied): a PermanentMailError, not retried.
    const refusal = mailRefusal(error, { from: from(), to, cc });
    if (refusal === undefined) throw asTransient(error, 'ses');
    // Its name and SES's code only: the message names addresses.
    logger.warn('email refused by SES', { errorName: refusal.name, reasonCode: refusal.reasonCode, refused: refusal.addresses.length });
    throw refusal;
  }
  await markSent(email.idempotencyKey, attempt, messageId ?? '', now);
  return { sent: true, ...(messageId ? { messageId } : {}) };
}

/** The SES v2 SendEmail request of an email (recipients already cleaned). */
function sendEmailInput(email: Email, to: string[], cc: string[]): SendEmailCommandInput {
  const attachments = (email.attachments ?? []).map((a) => ({
    FileName: stripCrLf(a.fileName),
    ContentType: stripCrLf(a.contentType),
    ContentDisposition: 'ATTACHMENT' as const,
    // SES sends it base64-encoded: an .ics's long lines and CRLFs arrive intact.
    ContentTransferEncoding: 'BASE64' as const,
    RawContent: Buffer.from(toWellFormed(a.content), 'utf8'),
  }));
  return {
    FromEmailAddress: from(),
    Destination: { ToAddresses: to, ...(cc.length > 0 ? { CcAddresses: cc } : {}) },
    Content: {
      Simple: {
        // Well-formed text only (lone surrogates become U+FFFD): the SDK throws half way through encoding
        // a lone surrogate, and the half-built request went out with this client's next one (core/text.ts).
        Subject: { Data: toWellFormed(truncate(stripCrLf(email.subject), 200)), Charset: 'UTF-8' },
        Body: {
          Html: { Data: toWellFormed(email.html), Charset: 'UTF-8' },
          Text: { Data: toWellFormed(email.text), Charset: 'UTF-8' },
        },
        ...(attachments.length > 0 ? { Attachments: attachments } : {}),
      },
    },
  };
}

/** Tries to record a send this many times (on top of the SDK's own retries) before leaving the marker in `sending`. */
export const MARK_SENT_ATTEMPTS = 4;

/**
 * The mail is out: the marker says so, so no retry sends it again. A failed
 * write is tried again (backing off); if it still fails the send stands, and
 * the marker left in `sending` makes a retry wait for the lease, then resend.
 */
async function markSent(idempotencyKey: string, attempt: string, messageId: string, now: Date): Promise<void> {
  for (let i = 1; i <= MARK_SENT_ATTEMPTS; i += 1) {
    try {
      await ddb.send(
        new UpdateCommand({
          TableName: tableName(),
          Key: mailKey(idempotencyKey),
          UpdateExpression: 'SET #status = :sent, sentAt = :now, messageId = :id',
          ConditionExpression: 'attempt = :attempt',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':sent': 'sent', ':now': now.toISOString(), ':id': messageId, ':attempt': attempt },
        }),
      );
      return;
    } catch (error) {
      // Another attempt took the marker over (this send outlived the lease): it sends, and marks, itself.
      if (isConditionalCheckFailed(error)) return;
      if (i < MARK_SENT_ATTEMPTS) await sleep(100 * 2 ** i);
    }
  }
}

/** Deletes our own `sending` marker so a retry can send. */
async function release(idempotencyKey: string, attempt: string): Promise<void> {
  try {
    await ddb.send(
      new DeleteCommand({
        TableName: tableName(),
        Key: mailKey(idempotencyKey),
        ConditionExpression: 'attempt = :attempt',
        ExpressionAttributeValues: { ':attempt': attempt },
      }),
    );
  } catch {
    // Marker stays; it becomes stale and is taken over later.
  }
}
