/**
 * What API Gateway (HTTP API, payload format 2.0) does in front of the
 * Lambda handlers, for the embedded runtime: match a route, shape the event,
 * call the handler in-process and turn its result into an HTTP response.
 * (The stack has no API Gateway authorizer: the functions behind the keyed
 * routes check the bearer key themselves, functions/lib/aws/api-key.ts.)
 *
 * Behaviour follows the HTTP API documentation:
 * - no route: 404 {"message":"Not Found"}
 * - handler throws: 500 {"message":"Internal Server Error"}
 * - a result without statusCode is a 200 JSON body.
 * Bodies that are not text (e.g. form posts) arrive base64-encoded with
 * isBase64Encoded: true, as HTTP APIs send them.
 */
import { randomUUID } from 'node:crypto';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE' | 'PATCH' | 'HEAD' | 'OPTIONS';

/** Any Lambda handler: middy's handlers have this shape (the callback is unused). */
export type InvokableHandler = (event: never, context: Context) => Promise<unknown>;

export interface Route {
  method: HttpMethod;
  /** As API Gateway writes it: `/feedback/{id}`. */
  path: string;
  /** Function name (for the Lambda context). */
  functionName: string;
  handler: InvokableHandler;
}

export interface ApiOptions {
  routes: Route[];
  region: string;
  accountId: string;
  apiId?: string;
  stage?: string;
}

/** A request as the local HTTP server read it. */
export interface RawRequest {
  method: string;
  /** Path plus query string, as received (`/feedback/abc?answer=x`). */
  url: string;
  /** Node's header pairs (rawHeaders: name, value, name, value...). */
  rawHeaders: string[];
  body: Buffer;
  sourceIp: string;
  /** Defaults to the Host header. */
  domainName?: string;
}

export interface RawResponse {
  statusCode: number;
  headers: Record<string, string>;
  cookies: string[];
  body: Buffer;
}

interface RouteMatch {
  route: Route;
  pathParameters: Record<string, string>;
}

/** The route for a method and path, with its path parameters decoded. */
export function matchRoute(routes: readonly Route[], method: string, path: string): RouteMatch | undefined {
  for (const route of routes) {
    if (route.method !== method.toUpperCase()) continue;
    const params = matchPath(route.path, path);
    if (params !== undefined) return { route, pathParameters: params };
  }
  return undefined;
}

function matchPath(template: string, path: string): Record<string, string> | undefined {
  const want = template.split('/');
  const got = path.split('/');
  if (want.length !== got.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < want.length; i += 1) {
    const w = want[i] ?? '';
    const g = got[i] ?? '';
    const param = /^\{([A-Za-z0-9_]+)\}$/.exec(w);
    if (param?.[1] !== undefined) {
      if (g === '') return undefined;
      let decoded: string;
      try {
        decoded = decodeURIComponent(g);
      } catch {
        return undefined;
      }
      params[param[1]] = decoded;
    } else if (w !== g) {
      return undefined;
    }
  }
  return params;
}

/** Bodies API Gateway passes as text; everything else is base64-encoded. */
function isTextContentType(contentType: string | undefined): boolean {
  if (contentType === undefined || contentType === '') return true;
  const type = contentType.split(';')[0]?.trim().toLowerCase() ?? '';
  return type.startsWith('text/') || type === 'application/json' || type.endsWith('+json') || type === 'application/xml' || type.endsWith('+xml') || type === 'application/javascript';
}

interface Parsed {
  headers: Record<string, string>;
  cookies: string[];
  rawPath: string;
  rawQueryString: string;
  query: Record<string, string> | undefined;
}

function parseRequest(req: RawRequest): Parsed {
  const headers: Record<string, string> = {};
  const cookies: string[] = [];
  for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) {
    const name = (req.rawHeaders[i] ?? '').toLowerCase();
    const value = req.rawHeaders[i + 1] ?? '';
    if (name === 'cookie') {
      for (const c of value.split(';')) if (c.trim() !== '') cookies.push(c.trim());
      continue;
    }
    headers[name] = headers[name] === undefined ? value : `${headers[name]},${value}`;
  }
  const q = req.url.indexOf('?');
  const rawPath = q < 0 ? req.url : req.url.slice(0, q);
  const rawQueryString = q < 0 ? '' : req.url.slice(q + 1);
  let query: Record<string, string> | undefined;
  if (rawQueryString !== '') {
    query = {};
    for (const [k, v] of new URLSearchParams(rawQueryString)) query[k] = query[k] === undefined ? v : `${query[k]},${v}`;
  }
  return { headers, cookies, rawPath, rawQueryString, query };
}

function requestContext(req: RawRequest, parsed: Parsed, routeKey: string, options: ApiOptions, now: Date): APIGatewayProxyEventV2['requestContext'] {
  const domainName = req.domainName ?? parsed.headers.host ?? 'localhost';
  return {
    accountId: options.accountId,
    apiId: options.apiId ?? 'local',
    domainName,
    domainPrefix: domainName.split('.')[0] ?? domainName,
    http: {
      method: req.method.toUpperCase(),
      path: parsed.rawPath,
      protocol: 'HTTP/1.1',
      sourceIp: req.sourceIp,
      userAgent: parsed.headers['user-agent'] ?? '',
    },
    requestId: randomUUID(),
    routeKey,
    stage: options.stage ?? '$default',
    time: formatRequestTime(now),
    timeEpoch: now.getTime(),
  };
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
/** API Gateway's `requestContext.time`: `27/Nov/2026:09:30:00 +0000`. */
export function formatRequestTime(d: Date): string {
  const p = (n: number): string => String(n).padStart(2, '0');
  return `${p(d.getUTCDate())}/${MONTHS[d.getUTCMonth()] ?? 'Jan'}/${d.getUTCFullYear()}:${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} +0000`;
}

/** The payload format 2.0 event for a matched route. */
export function buildEvent(req: RawRequest, match: RouteMatch, options: ApiOptions, now = new Date()): APIGatewayProxyEventV2 {
  const parsed = parseRequest(req);
  const routeKey = `${match.route.method} ${match.route.path}`;
  const event: APIGatewayProxyEventV2 = {
    version: '2.0',
    routeKey,
    rawPath: parsed.rawPath,
    rawQueryString: parsed.rawQueryString,
    headers: parsed.headers,
    requestContext: requestContext(req, parsed, routeKey, options, now),
    isBase64Encoded: false,
  };
  if (parsed.cookies.length > 0) event.cookies = parsed.cookies;
  if (parsed.query !== undefined) event.queryStringParameters = parsed.query;
  if (Object.keys(match.pathParameters).length > 0) event.pathParameters = match.pathParameters;
  if (req.body.length > 0) {
    if (isTextContentType(parsed.headers['content-type'])) {
      event.body = req.body.toString('utf8');
    } else {
      event.body = req.body.toString('base64');
      event.isBase64Encoded = true;
    }
  }
  return event;
}

/** A Lambda context for an in-process invocation. */
export function lambdaContext(functionName: string, region: string, accountId: string, timeoutMs = 30_000): Context {
  const deadline = Date.now() + timeoutMs;
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:${region}:${accountId}:function:${functionName}`,
    memoryLimitInMB: '256',
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

function json(statusCode: number, body: unknown): RawResponse {
  return { statusCode, headers: { 'content-type': 'application/json' }, cookies: [], body: Buffer.from(JSON.stringify(body)) };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Turns a handler's result into a response, as HTTP APIs do for payload format 2.0. */
export function toResponse(result: unknown): RawResponse {
  if (isRecord(result) && typeof result.statusCode === 'number') {
    const r = result as APIGatewayProxyStructuredResultV2;
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(r.headers ?? {})) headers[k.toLowerCase()] = String(v);
    const text = r.body ?? '';
    const body = r.isBase64Encoded === true ? Buffer.from(text, 'base64') : Buffer.from(text, 'utf8');
    return { statusCode: r.statusCode ?? 200, headers, cookies: r.cookies ?? [], body };
  }
  if (typeof result === 'string') return { statusCode: 200, headers: { 'content-type': 'application/json' }, cookies: [], body: Buffer.from(result) };
  return json(200, result ?? null);
}

type InvokeErrorReporter = (functionName: string, error: unknown) => void;

/** Handles one request the way the HTTP API would. */
export async function handleApiRequest(req: RawRequest, options: ApiOptions, onError?: InvokeErrorReporter): Promise<RawResponse> {
  const path = req.url.split('?')[0] ?? '/';
  const match = matchRoute(options.routes, req.method, path);
  if (match === undefined) return json(404, { message: 'Not Found' });
  const event = buildEvent(req, match, options);
  return invoke(match.route, event, options, onError);
}

async function invoke(route: Route, event: APIGatewayProxyEventV2, options: ApiOptions, onError?: InvokeErrorReporter): Promise<RawResponse> {
  try {
    const result = await route.handler(event as never, lambdaContext(route.functionName, options.region, options.accountId));
    return toResponse(result);
  } catch (err) {
    onError?.(route.functionName, err);
    return json(500, { message: 'Internal Server Error' });
  }
}
