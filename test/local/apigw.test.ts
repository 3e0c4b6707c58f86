import { describe, expect, it } from 'vitest';
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { buildEvent, formatRequestTime, handleApiRequest, matchRoute, toResponse, type ApiOptions, type RawRequest, type Route } from '../../local/apigw';

const seen: unknown[] = [];
const echo = async (event: never, context: Context): Promise<unknown> => {
  seen.push(event);
  return { statusCode: 201, headers: { 'Content-Type': 'text/plain', 'X-Fn': context.functionName }, body: 'ok' };
};
const routes: Route[] = [
  { method: 'POST', path: '/leads', functionName: 'capture-lead', handler: echo },
  { method: 'GET', path: '/feedback/{id}', functionName: 'feedback-page', handler: echo },
  { method: 'POST', path: '/feedback/{id}', functionName: 'feedback-page', handler: echo },
];
const options: ApiOptions = { routes, region: 'us-east-1', accountId: '123456789012' };

function req(method: string, url: string, headers: Record<string, string> = {}, body = ''): RawRequest {
  return { method, url, rawHeaders: Object.entries({ Host: '127.0.0.1:3000', ...headers }).flat(), body: Buffer.from(body), sourceIp: '127.0.0.1' };
}

describe('API Gateway v2 emulation', () => {
  it('matches routes and decodes path parameters', () => {
    expect(matchRoute(routes, 'GET', '/feedback/ab%2Fc')?.pathParameters).toEqual({ id: 'ab/c' });
    expect(matchRoute(routes, 'GET', '/feedback/')).toBeUndefined();
    expect(matchRoute(routes, 'DELETE', '/feedback/x')).toBeUndefined();
    expect(matchRoute(routes, 'GET', '/feedback/a/b')).toBeUndefined();
  });

  it('shapes a payload 2.0 event: lower-case headers, joined query values, cookies, base64 form body', () => {
    const r = req('POST', '/feedback/abc?answer=won&x=1&x=2', { 'Content-Type': 'application/x-www-form-urlencoded', Cookie: 'a=1; b=2', 'User-Agent': 'UA' }, 'answer=won&comment=hi');
    const match = matchRoute(routes, r.method, '/feedback/abc');
    if (match === undefined) throw new Error('no match');
    const e = buildEvent(r, match, options, new Date('2026-11-27T09:05:03Z'));
    expect(e.version).toBe('2.0');
    expect(e.routeKey).toBe('POST /feedback/{id}');
    expect(e.rawPath).toBe('/feedback/abc');
    expect(e.rawQueryString).toBe('answer=won&x=1&x=2');
    expect(e.queryStringParameters).toEqual({ answer: 'won', x: '1,2' });
    expect(e.pathParameters).toEqual({ id: 'abc' });
    expect(e.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(e.cookies).toEqual(['a=1', 'b=2']);
    expect(e.isBase64Encoded).toBe(true);
    expect(Buffer.from(e.body ?? '', 'base64').toString()).toBe('answer=won&comment=hi');
    expect(e.requestContext.http).toEqual({ method: 'POST', path: '/feedback/abc', protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'UA' });
    expect(e.requestContext.time).toBe('27/Nov/2026:09:05:03 +0000');
    expect(formatRequestTime(new Date('2026-01-02T03:04:05Z'))).toBe('02/Jan/2026:03:04:05 +0000');
    const j = buildEvent(req('POST', '/feedback/abc', { 'content-type': 'application/json' }, '{"a":1}'), match, options);
    expect(j).toMatchObject({ isBase64Encoded: false, body: '{"a":1}' });
  });

  it('passes every request to the route\'s handler, the Authorization header included (the functions check the key)', async () => {
    seen.length = 0;
    const ok = await handleApiRequest(req('POST', '/leads', { Authorization: 'Bearer good', 'content-type': 'application/json' }, '{}'), options);
    expect(ok.statusCode).toBe(201);
    expect(ok.headers).toEqual({ 'content-type': 'text/plain', 'x-fn': 'capture-lead' });
    expect((seen[0] as APIGatewayProxyEventV2).headers.authorization).toBe('Bearer good');
    const none = await handleApiRequest(req('POST', '/leads', { 'content-type': 'application/json' }, '{}'), options);
    expect(none.statusCode).toBe(201);
    expect((seen[1] as APIGatewayProxyEventV2).headers.authorization).toBeUndefined();
  });

  it('answers 404 for unknown routes and 500 when a handler throws', async () => {
    expect((await handleApiRequest(req('GET', '/nope'), options)).statusCode).toBe(404);
    const errors: string[] = [];
    const boom: ApiOptions = { ...options, routes: [{ method: 'GET', path: '/x', functionName: 'x', handler: async () => Promise.reject(new Error('boom')) }] };
    const r = await handleApiRequest(req('GET', '/x'), boom, (fn) => errors.push(fn));
    expect(r.statusCode).toBe(500);
    expect(JSON.parse(r.body.toString())).toEqual({ message: 'Internal Server Error' });
    expect(errors).toEqual(['x']);
  });

  it('turns results without a status code into 200 JSON', () => {
    expect(toResponse({ a: 1 })).toMatchObject({ statusCode: 200, headers: { 'content-type': 'application/json' } });
    expect(toResponse({ a: 1 }).body.toString()).toBe('{"a":1}');
    expect(toResponse({ statusCode: 302, headers: { Location: '/x' }, cookies: ['c=1'] })).toMatchObject({ statusCode: 302, headers: { location: '/x' }, cookies: ['c=1'] });
    expect(toResponse({ statusCode: 200, body: Buffer.from('hi').toString('base64'), isBase64Encoded: true }).body.toString()).toBe('hi');
  });
});
