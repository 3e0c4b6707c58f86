/**
 * Signed webhooks (POST /webhooks/leads): the signature check and the replay
 * guard, on the real table (dynalite: conditional puts as DynamoDB does
 * them); the secret from a mocked Secrets Manager.
 */
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import middy from '@middy/core';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { httpEvent, lambdaContext } from './support/lambda-fixtures';
import { startLocalTable } from './support/local-table';

const table = await startLocalTable('webhook-test', { WEBHOOK_SECRET_ID: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:webhook' });
const SECRET = 'whsec_0123456789abcdefghijklmnop';
mockClient(SecretsManagerClient).on(GetSecretValueCommand).resolves({ SecretString: JSON.stringify({ secret: SECRET }) });

const { MAX_SIGNATURE_AGE_SECONDS, requireWebhookSignature, verifyWebhookSignature, webhookSignature } = await import('#lib/aws/webhook-signature');
const { httpMiddlewares, json } = await import('#lib/aws/http');

afterAll(() => table.close());

const NOW = Date.parse('2026-03-01T10:00:00.000Z');
const nowSeconds = String(NOW / 1000);
let clock = NOW;
let ran = 0;
let failNext = false;
const handler = middy<APIGatewayProxyEventV2>()
  .use(httpMiddlewares({ body: 'none' }))
  .use(requireWebhookSignature(() => clock))
  .handler(async () => {
    if (failNext) {
      failNext = false;
      throw new Error('capture failed');
    }
    ran += 1;
    return json(201, { ok: true });
  });

const post = (body: string, headers: Record<string, string>) =>
  handler(httpEvent({ method: 'POST', path: '/webhooks/leads', body, headers }), lambdaContext('lead-webhook')) as Promise<{ statusCode: number; body: string; headers: Record<string, string> }>;
const signed = (body: string, timestamp = nowSeconds, secret = SECRET) => ({ 'x-signature-timestamp': timestamp, 'x-signature': webhookSignature(secret, timestamp, body) });

beforeEach(() => {
  clock = NOW;
  ran = 0;
});

describe('verifyWebhookSignature', () => {
  const body = Buffer.from('{"name":"Ada"}');
  const check = (timestamp: string | undefined, signature: string | undefined, at = NOW) => verifyWebhookSignature({ timestamp, signature, body, secret: SECRET }, at);

  it('takes sha256=<hex HMAC-SHA256 of "<timestamp>.<body>"> under the secret', () => {
    const signature = webhookSignature(SECRET, nowSeconds, body);
    expect(signature).toMatch(/^sha256=[0-9a-f]{64}$/);
    expect(check(nowSeconds, signature)).toEqual({ ok: true, timestamp: NOW / 1000 });
    expect(check(nowSeconds, signature.toUpperCase().replace('SHA256=', 'sha256='))).toEqual({ ok: true, timestamp: NOW / 1000 });
  });

  it('refuses another secret, another body, another timestamp, a missing or malformed header', () => {
    expect(check(nowSeconds, webhookSignature('another-secret-0123456789', nowSeconds, body))).toEqual({ ok: false, reason: 'wrong' });
    expect(check(nowSeconds, webhookSignature(SECRET, nowSeconds, '{"name":"Eve"}'))).toEqual({ ok: false, reason: 'wrong' });
    expect(check(String(NOW / 1000 + 1), webhookSignature(SECRET, nowSeconds, body))).toEqual({ ok: false, reason: 'wrong' });
    expect(check(undefined, webhookSignature(SECRET, nowSeconds, body))).toEqual({ ok: false, reason: 'missing' });
    expect(check(nowSeconds, undefined)).toEqual({ ok: false, reason: 'missing' });
    expect(check(nowSeconds, 'sha1=abc')).toEqual({ ok: false, reason: 'malformed' });
    expect(check('yesterday', webhookSignature(SECRET, nowSeconds, body))).toEqual({ ok: false, reason: 'malformed' });
  });

  it('refuses a timestamp more than 5 minutes away, past or future, even correctly signed', () => {
    const old = String(NOW / 1000 - MAX_SIGNATURE_AGE_SECONDS - 1);
    const edge = String(NOW / 1000 - MAX_SIGNATURE_AGE_SECONDS);
    const future = String(NOW / 1000 + MAX_SIGNATURE_AGE_SECONDS + 1);
    expect(check(old, webhookSignature(SECRET, old, body))).toEqual({ ok: false, reason: 'stale' });
    expect(check(future, webhookSignature(SECRET, future, body))).toEqual({ ok: false, reason: 'stale' });
    expect(check(edge, webhookSignature(SECRET, edge, body))).toMatchObject({ ok: true });
  });
});

describe('requireWebhookSignature', () => {
  it('valid: the handler runs', async () => {
    const body = '{"lead":"valid"}';
    const res = await post(body, signed(body));
    expect(res.statusCode).toBe(201);
    expect(ran).toBe(1);
  });

  it('wrong: 401 and nothing done', async () => {
    const body = '{"lead":"wrong"}';
    const res = await post(body, signed(body, nowSeconds, 'not-the-secret-0123456789'));
    expect(res.statusCode).toBe(401);
    expect(JSON.parse(res.body).message).toContain('X-Signature');
    expect(ran).toBe(0);
  });

  it('stale: 401 and nothing done', async () => {
    const body = '{"lead":"stale"}';
    const res = await post(body, signed(body, String(NOW / 1000 - 301)));
    expect(res.statusCode).toBe(401);
    expect(ran).toBe(0);
  });

  it('replayed: the same signed post a second time is 401; signed anew, the same body is a new post', async () => {
    const body = '{"lead":"replayed"}';
    const headers = signed(body);
    expect((await post(body, headers)).statusCode).toBe(201);
    clock = NOW + 60_000;
    expect((await post(body, headers)).statusCode).toBe(401);
    expect(ran).toBe(1);
    // Signed again (a new timestamp), the same body is a new post.
    expect((await post(body, signed(body, String(NOW / 1000 + 60)))).statusCode).toBe(201);
    expect(ran).toBe(2);
  });

  it('a post that fails after its signature was taken can be retried with the same signature', async () => {
    const body = '{"lead":"retried"}';
    const headers = signed(body);
    failNext = true;
    expect((await post(body, headers)).statusCode).toBe(500);
    expect((await post(body, headers)).statusCode).toBe(201);
    expect((await post(body, headers)).statusCode).toBe(401);
    expect(ran).toBe(1);
  });
});
