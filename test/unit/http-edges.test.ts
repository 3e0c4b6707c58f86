/**
 * Issue 14 at the HTTP edges: POST /leads takes JSON only (415 otherwise),
 * names a wrong type as such and a lone surrogate as not well-formed, and
 * caps its error list (body and log); a form body with more fields than
 * any form has is refused before parsing, so no field is dropped silently
 * (Node's querystring keeps 1,000).
 */
import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { DynamoDBDocumentClient, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import middy from '@middy/core';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { KEYED } from './support/api-key';
import { httpEvent, lambdaContext } from './support/lambda-fixtures';

process.env.TABLE_NAME = 'test-table';
process.env.STATE_MACHINE_ARN = 'arn:aws:states:eu-west-1:123456789012:stateMachine:LeadLifecycle';

const ddbMock = mockClient(DynamoDBDocumentClient);
const sfnMock = mockClient(SFNClient);
const { handler, isJsonContentType } = await import('../../functions/capture-lead');
const { MAX_REPORTED_ERRORS } = await import('#lib/leads/schema');
const { NOT_WELL_FORMED } = await import('#lib/core/text');
const { logger } = await import('#lib/aws/observability');
const { MAX_FORM_FIELDS, httpMiddlewares, json } = await import('#lib/aws/http');

const lead = { name: 'Ada Lovelace', email: 'ada@example.com', company: 'Analytical Engines', consent: true };
const post = (body: string, headers: Record<string, string> = {}) =>
  handler(httpEvent({ method: 'POST', path: '/leads', headers: { ...KEYED, ...headers }, body }), lambdaContext());
const bodyOf = (r: { body?: string }) => JSON.parse(r.body ?? '{}') as { message: string; field: string; errors: { field: string; message: string }[]; errorCount: number };

beforeEach(() => {
  ddbMock.on(PutCommand).resolves({});
  ddbMock.on(UpdateCommand).resolves({});
  sfnMock.on(StartExecutionCommand).resolves({ executionArn: 'arn:x' });
});
afterEach(() => {
  ddbMock.reset();
  sfnMock.reset();
  vi.restoreAllMocks();
});

describe('POST /leads', () => {
  it('takes application/json (charset utf-8 or none) and nothing else: 415 naming content-type', async () => {
    for (const type of ['application/json', 'application/json; charset=utf-8', 'Application/JSON; charset="UTF-8"']) expect(isJsonContentType(type), type).toBe(true);
    for (const type of [undefined, '', 'text/plain', 'text/plain;charset=UTF-8', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/json; charset=utf-16', 'application/jsonx', 'application/xml']) {
      expect(isJsonContentType(type), String(type)).toBe(false);
      const r = await post(JSON.stringify(lead), { 'content-type': type ?? '' });
      expect(r.statusCode, String(type)).toBe(415);
      expect(bodyOf(r)).toMatchObject({ field: 'content-type', errors: [{ field: 'content-type', message: 'must be application/json' }] });
    }
    expect(ddbMock.calls()).toHaveLength(0);
    expect(sfnMock.calls()).toHaveLength(0);
    expect((await post(JSON.stringify(lead), { 'content-type': 'application/json; charset=utf-8' })).statusCode).toBe(201);
  });

  it('"name": 123 is "name: must be text"; a lone surrogate is refused naming the field', async () => {
    const wrong = await post(JSON.stringify({ ...lead, name: 123 }));
    expect(wrong.statusCode).toBe(400);
    expect(bodyOf(wrong)).toMatchObject({ message: 'name: must be text', field: 'name' });
    // Valid JSON holding a lone surrogate (as a client would send it).
    const lone = await post('{"name":"Lone \\ud83d Surrogate","email":"ada@example.com","company":"A","consent":true}');
    expect(lone.statusCode).toBe(400);
    expect(bodyOf(lone)).toMatchObject({ field: 'name', errors: [{ field: 'name', message: NOT_WELL_FORMED }] });
    expect(ddbMock.calls()).toHaveLength(0);
  });

  it('6,000 unknown keys: 20 errors and the count in the body (a few KB, not 478), 20 field names and the count in the log', async () => {
    const info = vi.spyOn(logger, 'info');
    const body: Record<string, unknown> = { ...lead };
    for (let i = 0; i < 6000; i += 1) body[`k${i}`] = 0;
    const raw = JSON.stringify(body);
    expect(Buffer.byteLength(raw)).toBeLessThan(64 * 1024);
    const r = await post(raw);
    expect(r.statusCode).toBe(400);
    expect(Buffer.byteLength(r.body ?? '')).toBeLessThan(3 * 1024);
    const b = bodyOf(r);
    expect(b.errors).toHaveLength(MAX_REPORTED_ERRORS);
    expect(b.errorCount).toBe(6000);
    expect(b.message).toMatch(/; and 5980 more \(6000 errors, the first 20 listed\)$/);
    const logged = info.mock.calls.find((c) => c[0] === 'lead rejected')?.[1] as { fields: string[]; errorCount: number } | undefined;
    expect(logged?.fields).toHaveLength(MAX_REPORTED_ERRORS);
    expect(logged?.errorCount).toBe(6000);
    expect(JSON.stringify(info.mock.calls).length).toBeLessThan(4 * 1024);
  });
});

describe('form bodies (aws/http.ts)', () => {
  const echo = middy<APIGatewayProxyEventV2 & { body?: unknown }>()
    .use(httpMiddlewares({ body: 'form' }))
    .handler(async (event) => json(200, event.body));
  const form = (body: string, type = 'application/x-www-form-urlencoded') =>
    echo(httpEvent({ method: 'POST', path: '/feedback/x', headers: { 'content-type': type }, body }) as never, lambdaContext()) as Promise<{ statusCode: number; body: string }>;

  it('parses every field, repeated ones as lists', async () => {
    // MAX_FORM_FIELDS fields in all (an empty pair, as in `&&`, is none).
    const fields = Array.from({ length: MAX_FORM_FIELDS - 2 }, (_, i) => `f${i}=${i}`).join('&');
    const r = await form(`${fields}&f0=again&&empty=`);
    expect(r.statusCode).toBe(200);
    const parsed = JSON.parse(r.body) as Record<string, unknown>;
    expect(Object.keys(parsed)).toHaveLength(MAX_FORM_FIELDS - 1);
    expect(parsed.f0).toEqual(['0', 'again']);
    expect(parsed.empty).toBe('');
  });

  it('more fields than any form has (1,001 and more, where Node keeps 1,000): 400 naming the body, nothing dropped silently', async () => {
    for (const n of [MAX_FORM_FIELDS + 1, 1001, 5000]) {
      const r = await form(['answer=book-meeting', ...Array.from({ length: n - 1 }, (_, i) => `x${i}=1`)].join('&'));
      expect(r.statusCode, String(n)).toBe(400);
      expect(JSON.parse(r.body)).toMatchObject({ field: 'body', message: `body: has ${n} fields; a form has at most ${MAX_FORM_FIELDS}` });
    }
    const repeated = await form(Array.from({ length: 1500 }, () => 'comment=x').join('&'));
    expect(repeated.statusCode).toBe(400);
  });

  it('leaves other content types unparsed (the handler refuses a body that is not a form)', async () => {
    const r = await form('answer=book-meeting', 'text/plain');
    expect(JSON.parse(r.body)).toBe('answer=book-meeting');
  });
});
