/**
 * Signed webhooks in (`POST /webhooks/leads`): form tools that cannot send a
 * bearer key sign each post with a shared secret (Secrets Manager,
 * WEBHOOK_SECRET_ID, kept and cached like the API key: aws/api-key.ts).
 *
 *   X-Signature-Timestamp: <unix seconds>
 *   X-Signature: sha256=<hex of HMAC-SHA256(secret, "<timestamp>.<raw body>")>
 *
 * The `requireWebhookSignature()` middleware refuses with 401, before the
 * handler runs: a missing or malformed header, a wrong signature (compared
 * in constant time), a timestamp more than MAX_SIGNATURE_AGE_SECONDS away
 * from now (stale), and a signature already used (a replay: each one is
 * remembered in the table with a conditional put until it would be stale
 * anyway). When the handler then fails, the signature is forgotten again, so
 * the tool's retry of the same post is not taken for a replay.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { DeleteCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { MiddlewareObj, Request } from '@middy/core';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { ddb, tableName } from './clients';
import { ENV, requireEnv } from './config';
import { sharedSecret } from './api-key';
import { Unauthorized, asTransient, isConditionalCheckFailed } from '#lib/core/errors';
import { webhookSignatureKey } from '#lib/core/keys';
import { logger, metrics, MetricUnit } from './observability';

export const SIGNATURE_HEADER = 'x-signature';
export const TIMESTAMP_HEADER = 'x-signature-timestamp';
/** A signature older (or further in the future) than this is stale: 5 minutes. */
export const MAX_SIGNATURE_AGE_SECONDS = 300;

const SIGNATURE = /^sha256=([0-9a-f]{64})$/i;
const TIMESTAMP = /^\d{1,12}$/;

/** The X-Signature value of `body` sent at `timestamp` (unix seconds) under `secret`. */
export function webhookSignature(secret: string, timestamp: string, body: Buffer | string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.`).update(body).digest('hex')}`;
}

export type SignatureVerdict = { ok: true; timestamp: number } | { ok: false; reason: 'missing' | 'malformed' | 'stale' | 'wrong' };

/** Checks the headers' signature of `body` (the raw bytes received) at `nowMs`. Constant-time comparison of the digests. */
export function verifyWebhookSignature(
  input: { timestamp: string | undefined; signature: string | undefined; body: Buffer; secret: string },
  nowMs: number,
): SignatureVerdict {
  if (input.timestamp === undefined || input.signature === undefined) return { ok: false, reason: 'missing' };
  const presented = SIGNATURE.exec(input.signature.trim())?.[1];
  const timestamp = input.timestamp.trim();
  if (presented === undefined || !TIMESTAMP.test(timestamp)) return { ok: false, reason: 'malformed' };
  const seconds = Number(timestamp);
  if (Math.abs(nowMs / 1000 - seconds) > MAX_SIGNATURE_AGE_SECONDS) return { ok: false, reason: 'stale' };
  const expected = Buffer.from(webhookSignature(input.secret, timestamp, input.body).slice('sha256='.length), 'hex');
  if (!timingSafeEqual(Buffer.from(presented, 'hex'), expected)) return { ok: false, reason: 'wrong' };
  return { ok: true, timestamp: seconds };
}

const signatureHash = (signature: string): string => createHash('sha256').update(signature.trim().toLowerCase()).digest('hex');

/**
 * Remembers a signature until it is stale (`expiresAt`: TTL); false when it
 * was already there and not yet expired (a replay). dynalite has no TTL, so
 * an expired item counts as absent here as well.
 */
export async function rememberSignature(signature: string, timestamp: number, nowMs: number): Promise<boolean> {
  try {
    await ddb.send(
      new PutCommand({
        TableName: tableName(),
        Item: { ...webhookSignatureKey(signatureHash(signature)), type: 'WEBHOOK_SIGNATURE', expiresAt: timestamp + MAX_SIGNATURE_AGE_SECONDS + 60 },
        ConditionExpression: 'attribute_not_exists(pk) OR expiresAt < :now',
        ExpressionAttributeValues: { ':now': Math.floor(nowMs / 1000) },
      }),
    );
    return true;
  } catch (error) {
    if (isConditionalCheckFailed(error)) return false;
    throw asTransient(error, 'rememberSignature');
  }
}

async function forgetSignature(signature: string): Promise<void> {
  await ddb.send(new DeleteCommand({ TableName: tableName(), Key: webhookSignatureKey(signatureHash(signature)) }));
}

function refuse(reason: string, routeKey: string | undefined): never {
  logger.info('unauthorized webhook', { reason, routeKey });
  metrics.addMetric('WebhookUnauthorized', MetricUnit.Count, 1);
  throw new Unauthorized('a valid X-Signature of X-Signature-Timestamp and the body is required (sha256=<hex HMAC-SHA256>, at most 5 minutes old, used once)');
}

/**
 * Middy middleware of the signed route: verifies X-Signature and
 * X-Signature-Timestamp against the raw body, then remembers the signature
 * (a replay: 401). Register it right after httpMiddlewares() (headers are
 * lower-cased there). Never logs the headers, the secret or the body.
 */
export function requireWebhookSignature(now: () => number = Date.now): MiddlewareObj<APIGatewayProxyEventV2> {
  const secretId = requireEnv(ENV.webhookSecretId);
  // Per request (the local runtime runs requests of one handler concurrently): keyed by the request's event.
  const taken = new WeakMap<APIGatewayProxyEventV2, string>();
  return {
    before: async (request: Request<APIGatewayProxyEventV2>) => {
      const { headers, body, isBase64Encoded, routeKey } = request.event;
      const signature = headers?.[SIGNATURE_HEADER];
      const raw = Buffer.from(body ?? '', isBase64Encoded ? 'base64' : 'utf8');
      const nowMs = now();
      const verdict = verifyWebhookSignature({ timestamp: headers?.[TIMESTAMP_HEADER], signature, body: raw, secret: await sharedSecret(secretId, 'secret') }, nowMs);
      if (!verdict.ok) refuse(verdict.reason, routeKey);
      if (signature === undefined || !(await rememberSignature(signature, verdict.timestamp, nowMs))) refuse('replayed', routeKey);
      taken.set(request.event, signature);
    },
    onError: async (request: Request<APIGatewayProxyEventV2>) => {
      // The post failed after its signature was taken: let the tool's retry of it through.
      const remembered = taken.get(request.event);
      if (remembered !== undefined) await forgetSignature(remembered).catch(() => undefined);
    },
  };
}
