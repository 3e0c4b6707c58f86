/**
 * The one set of security headers of every HTTP response: what the HTTP
 * handlers send through their middy stack (./http.ts: @middy/http-security-headers
 * with these options, then the page headers), and what the local runtime's
 * console pages and JSON routes send (local/app-http-server.ts), computed by
 * the same middleware.
 */
import httpSecurityHeaders from '@middy/http-security-headers';
import type { Request } from '@middy/core';

/** @middy/http-security-headers' options (its CSP is off: PAGE_HEADERS has ours; no reporting endpoints). */
export const SECURITY_HEADER_OPTIONS = { contentSecurityPolicy: false, reportTo: false, xssProtection: false } as const;

const CONTENT_SECURITY_POLICY = "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/** On every response, after the middleware's: the CSP, and no caching. */
export const PAGE_HEADERS: Readonly<Record<string, string>> = { 'Content-Security-Policy': CONTENT_SECURITY_POLICY, 'Cache-Control': 'no-store' };

const computed = new Map<boolean, Promise<Record<string, string>>>();

/**
 * The headers a handler's response of this content type gets from the middy
 * stack (HTML gets the HTML-only ones too: framing, COOP/COEP/CORP, permissions).
 */
export function securityHeaders(contentType: string): Promise<Record<string, string>> {
  const isHtml = contentType.includes('text/html');
  let headers = computed.get(isHtml);
  if (headers === undefined) {
    headers = (async () => {
      const request = { event: {}, context: {}, response: { statusCode: 200, headers: { 'Content-Type': isHtml ? 'text/html' : 'application/json' }, body: '' }, error: null, internal: {} };
      await httpSecurityHeaders(SECURITY_HEADER_OPTIONS).after?.(request as unknown as Request);
      const out: Record<string, string> = {};
      for (const [k, v] of Object.entries(request.response.headers as Record<string, unknown>)) {
        if (k !== 'Content-Type' && typeof v === 'string') out[k] = v;
      }
      return { ...out, ...PAGE_HEADERS };
    })();
    computed.set(isHtml, headers);
  }
  return headers;
}
