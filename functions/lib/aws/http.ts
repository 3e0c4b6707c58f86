/**
 * The middy stack for HTTP (API Gateway v2) handlers, and the ONE place where
 * typed domain errors become HTTP status codes.
 *
 *   export const handler = middy<APIGatewayProxyEventV2, HttpResult>()
 *     .use(httpMiddlewares({ body: 'json' }))
 *     .handler(async (event) => json(200, {...}));
 *
 * Order: Powertools (tracer, logger, metrics), header normalizer, security
 * headers, page headers (CSP, Cache-Control), body parser, and last the error
 * responder, which wraps @middy/http-error-handler (middy runs onError in
 * reverse order, so the last registered runs first).
 */
import type { MiddlewareObj, Request } from '@middy/core';
import httpErrorHandler from '@middy/http-error-handler';
import httpHeaderNormalizer from '@middy/http-header-normalizer';
import httpJsonBodyParser from '@middy/http-json-body-parser';
import httpSecurityHeaders from '@middy/http-security-headers';
import { parse as parseQueryString } from 'node:querystring';
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { Conflict, DomainError, Gone, NotFound, TransientError, Unauthorized, ValidationError } from '#lib/core/errors';
import { errorSummary, logger, observe } from './observability';
import { PAGE_HEADERS, SECURITY_HEADER_OPTIONS } from './security-headers';

/** What HTTP handlers return. */
export type HttpResult = APIGatewayProxyStructuredResultV2 & { statusCode: number; headers: Record<string, string>; body: string };

/** Renders an error response body; `status` is already decided by httpStatusOf. */
type ErrorRenderer = (status: number, error: unknown) => HttpResult;

interface HttpOptions {
  /** Body parsing: JSON, urlencoded form, or none (default). Parsers never reject a missing content type. */
  body?: 'json' | 'form' | 'none';
  /** Error page renderer (default: JSON `{ message, field? }`). */
  renderError?: ErrorRenderer;
}

/**
 * Most fields a form body may have: the largest form has ten. A body with
 * more is refused (400, field `body`) before it is parsed, so no field is
 * ever dropped silently (Node's querystring, which middy's urlencode parser
 * uses, keeps the first 1,000 and drops the rest). Each form then refuses
 * the fields it did not render (feedback/steps.ts, feedback/replies.ts).
 */
export const MAX_FORM_FIELDS = 50;

/** The `name=value` pairs of an urlencoded body (empty ones, as from `a=1&&b=2`, are skipped by the parser too). */
function formFieldCount(body: string): number {
  let count = 0;
  let start = 0;
  for (;;) {
    const end = body.indexOf('&', start);
    const stop = end < 0 ? body.length : end;
    if (stop > start) count += 1;
    if (end < 0) return count;
    start = end + 1;
  }
}

/**
 * Parses an `application/x-www-form-urlencoded` body into an object (a
 * repeated field: an array); other content types are left as they are (the
 * handler refuses a body that is not an object). Over MAX_FORM_FIELDS: ValidationError.
 */
function formBodyParser(): MiddlewareObj {
  return {
    before: (request: Request) => {
      const event = request.event as { headers?: Record<string, string | undefined>; body?: unknown; isBase64Encoded?: boolean };
      const contentType = event.headers?.['content-type'] ?? '';
      if (!/^application\/x-www-form-urlencoded\s*(;.*)?$/i.test(contentType)) return;
      // An empty form is a form without fields: the handler then names the missing one.
      if (event.body === undefined || event.body === null || event.body === '') {
        event.body = {};
        return;
      }
      if (typeof event.body !== 'string') return;
      const text = event.isBase64Encoded === true ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
      const count = formFieldCount(text);
      if (count > MAX_FORM_FIELDS) throw new ValidationError('body', `has ${count} fields; a form has at most ${MAX_FORM_FIELDS}`);
      event.body = { ...parseQueryString(text, '&', '=', { maxKeys: 0 }) };
    },
  };
}

/** The single mapping from domain errors (and middy's HTTP errors) to status codes. */
function httpStatusOf(error: unknown): number {
  if (error instanceof ValidationError) return 400;
  if (error instanceof Unauthorized) return 401;
  if (error instanceof NotFound) return 404;
  if (error instanceof Conflict) return 409;
  if (error instanceof Gone) return 410;
  if (error instanceof TransientError) return 503;
  if (error instanceof DomainError) return 500;
  const e = error as { statusCode?: unknown; expose?: unknown } | null;
  if (e && typeof e.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500) return e.statusCode;
  return 500;
}

/** A JSON response. */
export function json(statusCode: number, body: unknown, headers: Record<string, string> = {}): HttpResult {
  return { statusCode, headers: { 'Content-Type': 'application/json; charset=utf-8', ...headers }, body: JSON.stringify(body) };
}

/** An HTML response. */
export function html(statusCode: number, body: string, headers: Record<string, string> = {}): HttpResult {
  return { statusCode, headers: { 'Content-Type': 'text/html; charset=utf-8', ...headers }, body };
}

const PUBLIC_MESSAGES: Record<number, string> = {
  400: 'Bad request',
  401: 'Unauthorized',
  404: 'Not found',
  409: 'Conflict',
  410: 'Gone',
  415: 'Unsupported media type',
  422: 'Unprocessable entity',
  503: 'Temporarily unavailable, please retry',
  500: 'Internal error',
};

/** Default renderer: JSON with a safe message; validation errors name the field. */
const jsonErrorRenderer: ErrorRenderer = (status, error) => {
  if (error instanceof ValidationError) return json(status, { message: error.message, field: error.field });
  if (error instanceof DomainError && status < 500) return json(status, { message: error.message });
  return json(status, { message: PUBLIC_MESSAGES[status] ?? 'Error' });
};

/** Content-Security-Policy on every response, Cache-Control: no-store. */
function pageHeaders(): MiddlewareObj {
  const apply = (request: Request): void => {
    const response = request.response as HttpResult | null | undefined;
    if (!response || typeof response !== 'object') return;
    response.headers = {
      ...(response.headers ?? {}),
      ...PAGE_HEADERS,
    };
  };
  return { after: apply, onError: apply };
}

/** Maps errors to responses (domain errors via httpStatusOf), falling back to @middy/http-error-handler. */
function errorResponses(render: ErrorRenderer): MiddlewareObj {
  const fallback = httpErrorHandler({ logger: false, fallbackMessage: 'Internal error' });
  return {
    onError: async (request: Request) => {
      if (request.response !== undefined && request.response !== null) return;
      const status = httpStatusOf(request.error);
      if (status >= 500) {
        logger.error('request failed', errorSummary(request.error));
      } else {
        logger.info('request rejected', { status, ...errorSummary(request.error) });
      }
      if (status === 500 && !(request.error instanceof DomainError)) {
        await fallback.onError?.(request);
      }
      request.response = render(status, request.error);
      // RFC 6750: a 401 names the scheme the client must use.
      if (status === 401) request.response.headers = { ...request.response.headers, 'WWW-Authenticate': 'Bearer' };
    },
  };
}

/** The full HTTP middleware list, in order. */
export function httpMiddlewares(options: HttpOptions = {}): MiddlewareObj[] {
  const parsers: MiddlewareObj[] =
    options.body === 'json'
      ? [httpJsonBodyParser({ disableContentTypeError: true }) as MiddlewareObj]
      : options.body === 'form'
        ? [formBodyParser()]
        : [];
  return [
    ...observe(),
    httpHeaderNormalizer() as MiddlewareObj,
    httpSecurityHeaders(SECURITY_HEADER_OPTIONS) as MiddlewareObj,
    pageHeaders(),
    ...parsers,
    errorResponses(options.renderError ?? jsonErrorRenderer),
  ];
}
