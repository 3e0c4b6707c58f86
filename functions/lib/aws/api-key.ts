/**
 * The bearer key of POST /leads, DELETE /leads/{id} and GET /funnel: read
 * from Secrets Manager (API_KEY_SECRET_ID), cached in memory for CACHE_MS,
 * compared in constant time, checked by the `requireApiKey()` middleware
 * inside those handlers (an HTTP API Lambda authorizer can only answer 403
 * to a wrong key, and costs an invocation per request).
 */
import { timingSafeEqual, createHash } from 'node:crypto';
import { GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import type { MiddlewareObj, Request } from '@middy/core';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { secrets } from './clients';
import { ENV, requireEnv } from './config';
import { Unauthorized } from '#lib/core/errors';
import { logger, metrics, MetricUnit } from './observability';

/** How long a fetched key is reused. */
export const CACHE_MS = 5 * 60 * 1000;

const cache = new Map<string, { value: string; fetchedAt: number }>();

/** Forget the cached key and secrets (tests, rotation). */
export function resetApiKeyCache(): void {
  cache.clear();
}

/**
 * A shared secret from Secrets Manager, cached for CACHE_MS: the secret
 * string itself, or its `field` when the secret is a JSON object (as CDK's
 * generated secrets are, with generateStringKey). The bearer key and the
 * webhook secret (aws/webhook-signature.ts) are read this way.
 */
export async function sharedSecret(secretId: string, field: string, nowMs: number = Date.now()): Promise<string> {
  const hit = cache.get(secretId);
  if (hit && nowMs - hit.fetchedAt < CACHE_MS) return hit.value;
  const out = await secrets.send(new GetSecretValueCommand({ SecretId: secretId }));
  const raw = out.SecretString ?? '';
  let value = raw.trim();
  if (value.startsWith('{')) {
    try {
      const parsed: unknown = JSON.parse(value);
      if (parsed && typeof parsed === 'object' && field in parsed) {
        const inner: unknown = (parsed as Record<string, unknown>)[field];
        if (typeof inner === 'string') value = inner;
      }
    } catch {
      // not JSON: use as is
    }
  }
  if (value.length < 16) throw new Error(`secret ${field} is empty or too short`);
  cache.set(secretId, { value, fetchedAt: nowMs });
  return value;
}

/** The bearer key: the secret's string, or its `apiKey` field. */
async function getApiKey(secretId: string): Promise<string> {
  return sharedSecret(secretId, 'apiKey');
}

const BEARER = /^Bearer ([A-Za-z0-9._~+/=-]{1,1024})$/i; // scheme is case-insensitive (RFC 7235)

/** The token of a well-formed `Authorization: Bearer <token>` header, else undefined. */
export function bearerToken(header: string | undefined): string | undefined {
  if (typeof header !== 'string') return undefined;
  return BEARER.exec(header.trim())?.[1];
}

/** Constant-time comparison: SHA-256 digests (equal length) through crypto.timingSafeEqual. */
export function keysMatch(presented: string, expected: string): boolean {
  const a = createHash('sha256').update(presented, 'utf8').digest();
  const b = createHash('sha256').update(expected, 'utf8').digest();
  return timingSafeEqual(a, b);
}

/**
 * Middy middleware: a request without `Authorization: Bearer <the key>`
 * (missing, empty, another scheme, malformed or wrong) is refused with 401
 * and `WWW-Authenticate: Bearer` (aws/http.ts renders Unauthorized) before the
 * handler runs. Register it right after httpMiddlewares(). Never logs the
 * header or the key.
 */
export function requireApiKey(): MiddlewareObj<APIGatewayProxyEventV2> {
  const secretId = requireEnv(ENV.apiKeySecretId);
  return {
    before: async (request: Request<APIGatewayProxyEventV2>) => {
      const token = bearerToken(request.event.headers?.authorization);
      if (token === undefined) {
        logger.info('unauthorized: missing or malformed bearer header', { routeKey: request.event.routeKey });
        metrics.addMetric('Unauthorized', MetricUnit.Count, 1);
        throw new Unauthorized('a bearer key is required (Authorization: Bearer <key>)');
      }
      if (!keysMatch(token, await getApiKey(secretId))) {
        logger.info('unauthorized: wrong key', { routeKey: request.event.routeKey });
        metrics.addMetric('Unauthorized', MetricUnit.Count, 1);
        throw new Unauthorized('a bearer key is required (Authorization: Bearer <key>)');
      }
    },
  };
}
