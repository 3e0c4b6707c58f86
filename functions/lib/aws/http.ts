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
import httpUrlencodeBodyParser from '@middy/http-urlencode-body-parser';
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { Conflict, DomainError, Gone, NotFound, TransientError, Unauthorized, ValidationError } from '#lib/core/errors';
import { errorSummary, logger, observe } from './observability';

/** What HTTP handlers return. */
export type HttpResult = APIGatewayProxyStructuredResultV2 & { statusCode: number; headers: Record<string, string>; body: string };

/** Renders an error response body; `status` is already decided by httpStatusOf. */
export type ErrorRenderer = (status: number, error: unknown) => HttpResult;

export interface HttpOptions {
  /** Body parsing: JSON, urlencoded form, or none (default). Parsers never reject a missing content type. */
  body?: 'json' | 'form' | 'none';
  /** Error page renderer (default: JSON `{ message, field? }`). */
  renderError?: ErrorRenderer;
}

export const CONTENT_SECURITY_POLICY = "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/** The single mapping from domain errors (and middy's HTTP errors) to status codes. */
export function httpStatusOf(error: unknown): number {
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
export const jsonErrorRenderer: ErrorRenderer = (status, error) => {
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
      'Content-Security-Policy': CONTENT_SECURITY_POLICY,
      'Cache-Control': 'no-store',
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
        ? [httpUrlencodeBodyParser({ disableContentTypeError: true }) as MiddlewareObj]
        : [];
  return [
    ...observe(),
    httpHeaderNormalizer() as MiddlewareObj,
    httpSecurityHeaders({ contentSecurityPolicy: false, reportTo: false, xssProtection: false }) as MiddlewareObj,
    pageHeaders(),
    ...parsers,
    errorResponses(options.renderError ?? jsonErrorRenderer),
  ];
}
