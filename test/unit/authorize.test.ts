import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { APIGatewayRequestAuthorizerEventV2 } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { lambdaContext } from './support/lambda-fixtures';

// Observe crypto.timingSafeEqual while keeping its behaviour.
const timingSafeEqual = vi.hoisted(() => ({ calls: [] as [number, number][] }));
vi.mock('node:crypto', async (importOriginal) => {
  const actual = await importOriginal<typeof import('node:crypto')>();
  return {
    ...actual,
    timingSafeEqual: (a: NodeJS.ArrayBufferView, b: NodeJS.ArrayBufferView) => {
      timingSafeEqual.calls.push([a.byteLength, b.byteLength]);
      return actual.timingSafeEqual(a, b);
    },
  };
});

process.env.API_KEY_SECRET_ID = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:api-key';

const smMock = mockClient(SecretsManagerClient);
const { handler } = await import('../../functions/authorize');
const { resetApiKeyCache, keysMatch, bearerToken, CACHE_MS } = await import('../../functions/lib/api-key');

const KEY = 'k3y-0123456789abcdef-ABCDEF_~.+/=';
const ctx = lambdaContext('authorize');

function authEvent(authorization?: string): APIGatewayRequestAuthorizerEventV2 {
  return {
    version: '2.0',
    type: 'REQUEST',
    routeArn: 'arn:aws:execute-api:eu-west-1:123456789012:api/$default/POST/leads',
    identitySource: authorization === undefined ? [] : [authorization],
    routeKey: 'POST /leads',
    rawPath: '/leads',
    rawQueryString: '',
    cookies: [],
    headers: authorization === undefined ? {} : { authorization },
    requestContext: {
      accountId: '123456789012',
      apiId: 'api',
      domainName: 'api.example.com',
      domainPrefix: 'api',
      http: { method: 'POST', path: '/leads', protocol: 'HTTP/1.1', sourceIp: '192.0.2.1', userAgent: 'vitest' },
      requestId: 'r',
      routeKey: 'POST /leads',
      stage: '$default',
      time: '01/Jan/2026:00:00:00 +0000',
      timeEpoch: 0,
    },
  };
}

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(new Date('2026-03-02T10:00:00.000Z'));
  smMock.on(GetSecretValueCommand).resolves({ SecretString: KEY });
  timingSafeEqual.calls.length = 0;
});

afterEach(() => {
  smMock.reset();
  resetApiKeyCache();
  vi.useRealTimers();
});

describe('authorize', () => {
  it('accepts the right bearer key', async () => {
    await expect(handler(authEvent(`Bearer ${KEY}`), ctx)).resolves.toEqual({ isAuthorized: true });
    expect(smMock.commandCalls(GetSecretValueCommand)[0]?.args[0].input.SecretId).toBe(process.env.API_KEY_SECRET_ID);
  });

  it('accepts a JSON secret with an apiKey field', async () => {
    smMock.on(GetSecretValueCommand).resolves({ SecretString: JSON.stringify({ apiKey: KEY }) });
    await expect(handler(authEvent(`Bearer ${KEY}`), ctx)).resolves.toEqual({ isAuthorized: true });
  });

  it.each([
    ['missing header', undefined],
    ['empty header', ''],
    ['no scheme', KEY],
    ['wrong scheme', `Basic ${KEY}`],
    ['empty token', 'Bearer '],
    ['two tokens', `Bearer ${KEY} ${KEY}`],
    ['control characters', `Bearer ${KEY}\r\nX: y`],
    ['non-ASCII', `Bearer ${KEY}é`],
  ])('rejects a malformed header (%s) without reading the secret', async (_label, header) => {
    await expect(handler(authEvent(header), ctx)).resolves.toEqual({ isAuthorized: false });
    expect(smMock.commandCalls(GetSecretValueCommand)).toHaveLength(0);
  });

  it.each([
    ['wrong key', 'k3y-0123456789abcdef-ABCDEF_~.+/-'],
    ['prefix of the key', KEY.slice(0, 10)],
    ['longer key', `${KEY}x`],
    ['different case', KEY.toUpperCase()],
  ])('rejects a %s', async (_label, token) => {
    await expect(handler(authEvent(`Bearer ${token}`), ctx)).resolves.toEqual({ isAuthorized: false });
  });

  it('compares with timingSafeEqual on equal-length digests, whatever the presented length', async () => {
    await handler(authEvent('Bearer short'), ctx);
    await handler(authEvent(`Bearer ${'x'.repeat(500)}`), ctx);
    await handler(authEvent(`Bearer ${KEY}`), ctx);
    expect(timingSafeEqual.calls).toEqual([
      [32, 32],
      [32, 32],
      [32, 32],
    ]);
    expect(keysMatch('a', 'a')).toBe(true);
    expect(keysMatch('a', 'b')).toBe(false);
  });

  it('caches the key for a few minutes, then reads it again (rotation)', async () => {
    await handler(authEvent(`Bearer ${KEY}`), ctx);
    await handler(authEvent(`Bearer ${KEY}`), ctx);
    expect(smMock.commandCalls(GetSecretValueCommand)).toHaveLength(1);
    smMock.on(GetSecretValueCommand).resolves({ SecretString: 'rotated-key-0123456789' });
    vi.setSystemTime(new Date(Date.now() + CACHE_MS + 1));
    await expect(handler(authEvent(`Bearer ${KEY}`), ctx)).resolves.toEqual({ isAuthorized: false });
    await expect(handler(authEvent('Bearer rotated-key-0123456789'), ctx)).resolves.toEqual({ isAuthorized: true });
    expect(smMock.commandCalls(GetSecretValueCommand)).toHaveLength(2);
  });

  it('denies when the secret cannot be read', async () => {
    smMock.on(GetSecretValueCommand).rejects(Object.assign(new Error('denied'), { name: 'AccessDeniedException' }));
    await expect(handler(authEvent(`Bearer ${KEY}`), ctx)).resolves.toEqual({ isAuthorized: false });
  });

  it('parses bearer tokens strictly', () => {
    expect(bearerToken(`Bearer ${KEY}`)).toBe(KEY);
    expect(bearerToken('bearer abc')).toBe('abc');
    expect(bearerToken('Token abc')).toBeUndefined();
    expect(bearerToken(undefined)).toBeUndefined();
  });
});
