import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import middy from '@middy/core';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { httpEvent, lambdaContext } from './support/lambda-fixtures';

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
const { resetApiKeyCache, keysMatch, bearerToken, requireApiKey, CACHE_MS } = await import('#lib/aws/api-key');
const { httpMiddlewares, json } = await import('#lib/aws/http');

const KEY = 'k3y-0123456789abcdef-ABCDEF_~.+/=';
const ctx = lambdaContext('capture-lead');

// A keyed handler as capture-lead, delete-lead and funnel build theirs; `ran` counts the work it did.
let ran = 0;
const handler = middy<APIGatewayProxyEventV2>()
  .use(httpMiddlewares({ body: 'none' }))
  .use(requireApiKey())
  .handler(async () => {
    ran += 1;
    return json(200, { ok: true });
  });

async function call(authorization?: string): Promise<{ statusCode: number; headers: Record<string, string>; body: string }> {
  return (await handler(httpEvent({ method: 'POST', path: '/leads', headers: authorization === undefined ? {} : { Authorization: authorization } }), ctx)) as never;
}

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(new Date('2026-03-02T10:00:00.000Z'));
  smMock.on(GetSecretValueCommand).resolves({ SecretString: KEY });
  timingSafeEqual.calls.length = 0;
  ran = 0;
});

afterEach(() => {
  smMock.reset();
  resetApiKeyCache();
  vi.useRealTimers();
});

function expect401(r: { statusCode: number; headers: Record<string, string>; body: string }): void {
  expect(r.statusCode).toBe(401);
  expect(r.headers['WWW-Authenticate']).toBe('Bearer');
  expect(Object.keys(JSON.parse(r.body) as object)).toEqual(['message']);
  expect(r.headers['Cache-Control']).toBe('no-store');
  expect(ran).toBe(0);
}

describe('requireApiKey', () => {
  it('lets the right bearer key through (scheme in any case)', async () => {
    expect((await call(`Bearer ${KEY}`)).statusCode).toBe(200);
    expect((await call(`bearer ${KEY}`)).statusCode).toBe(200);
    expect(ran).toBe(2);
    expect(smMock.commandCalls(GetSecretValueCommand)[0]?.args[0].input.SecretId).toBe(process.env.API_KEY_SECRET_ID);
  });

  it('accepts a JSON secret with an apiKey field', async () => {
    smMock.on(GetSecretValueCommand).resolves({ SecretString: JSON.stringify({ apiKey: KEY }) });
    expect((await call(`Bearer ${KEY}`)).statusCode).toBe(200);
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
  ])('refuses a malformed header (%s) with 401, without reading the secret or running the handler', async (_label, header) => {
    expect401(await call(header));
    expect(smMock.commandCalls(GetSecretValueCommand)).toHaveLength(0);
  });

  it.each([
    ['wrong key', 'k3y-0123456789abcdef-ABCDEF_~.+/-'],
    ['prefix of the key', KEY.slice(0, 10)],
    ['longer key', `${KEY}x`],
    ['different case', KEY.toUpperCase()],
  ])('refuses a %s with 401 and runs nothing', async (_label, token) => {
    expect401(await call(`Bearer ${token}`));
  });

  it('compares with timingSafeEqual on equal-length digests, whatever the presented length', async () => {
    await call('Bearer short');
    await call(`Bearer ${'x'.repeat(500)}`);
    await call(`Bearer ${KEY}`);
    expect(timingSafeEqual.calls).toEqual([
      [32, 32],
      [32, 32],
      [32, 32],
    ]);
    expect(keysMatch('a', 'a')).toBe(true);
    expect(keysMatch('a', 'b')).toBe(false);
  });

  it('caches the key for a few minutes, then reads it again (rotation)', async () => {
    await call(`Bearer ${KEY}`);
    await call(`Bearer ${KEY}`);
    expect(smMock.commandCalls(GetSecretValueCommand)).toHaveLength(1);
    smMock.on(GetSecretValueCommand).resolves({ SecretString: 'rotated-key-0123456789' });
    vi.setSystemTime(new Date(Date.now() + CACHE_MS + 1));
    expect((await call(`Bearer ${KEY}`)).statusCode).toBe(401);
    expect((await call('Bearer rotated-key-0123456789')).statusCode).toBe(200);
    expect(smMock.commandCalls(GetSecretValueCommand)).toHaveLength(2);
  });

  it('fails closed when the secret cannot be read: 500, the handler does not run', async () => {
    smMock.on(GetSecretValueCommand).rejects(Object.assign(new Error('denied'), { name: 'AccessDeniedException' }));
    const r = await call(`Bearer ${KEY}`);
    expect(r.statusCode).toBe(500);
    expect(ran).toBe(0);
  });

  it('parses bearer tokens strictly', () => {
    expect(bearerToken(`Bearer ${KEY}`)).toBe(KEY);
    expect(bearerToken('bearer abc')).toBe('abc');
    expect(bearerToken('Token abc')).toBeUndefined();
    expect(bearerToken(undefined)).toBeUndefined();
  });
});
