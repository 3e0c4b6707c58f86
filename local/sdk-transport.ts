/**
 * The runtime's own AWS SDK calls without a socket. An SDK client builds,
 * signs and serializes every request as it would for AWS, then hands it to
 * its `requestHandler` (Node's HTTP client by default). `InProcessHandler`
 * takes that request (method, path, query, headers, body) and gives it to the
 * local service's own request listener instead of a TCP connection:
 *
 *   dynalite         over a MessagePort to its thread (local/dynalite-worker.mjs)
 *   SES emulator,    called directly in this thread (the same listener
 *   engine's API,    their HTTP servers run)
 *   Secrets Manager
 *
 * The service answers exactly as over HTTP (same JSON or XML, status, error
 * types, x-amzn-requestid and x-amz-crc32 headers) and the SDK deserializes
 * it as usual: what changes is the cost, not the protocol. A round trip
 * through Node's HTTP client and server was most of the main thread's CPU per
 * call (docs/performance.md, section 3).
 *
 * local/dev-runtime.ts installs it on the functions' clients
 * (functions/lib/clients.ts) and on the engine's DynamoDB client; the HTTP
 * endpoints keep serving everything outside the process (AWS CLI, tests,
 * console links).
 */
import type { RequestListener } from 'node:http';
import type { MessagePort } from 'node:worker_threads';
import { injectRequest, type WireRequest, type WireResponse } from './inject.mjs';

export type { WireRequest, WireResponse };

/** Carries one request to a service and back. */
export type Exchange = (request: WireRequest) => Promise<WireResponse>;

/** The request an SDK client hands its requestHandler (@smithy's HttpRequest, the fields used here). */
export interface SdkHttpRequest {
  method: string;
  path: string;
  query?: Record<string, string | (string | null)[] | null | undefined>;
  headers: Record<string, string>;
  body?: unknown;
}

/** What the SDK expects back (@smithy's HttpResponse): the body as bytes. */
export interface SdkHttpResponse {
  statusCode: number;
  headers: Record<string, string>;
  body: Uint8Array;
}

function pathWithQuery(request: SdkHttpRequest): string {
  const parts: string[] = [];
  for (const [name, value] of Object.entries(request.query ?? {})) {
    const key = encodeURIComponent(name);
    if (value === null || value === undefined) parts.push(key);
    else for (const v of Array.isArray(value) ? value : [value]) parts.push(v === null ? key : `${key}=${encodeURIComponent(v)}`);
  }
  return parts.length === 0 ? request.path : `${request.path}?${parts.join('&')}`;
}

function bodyOf(body: unknown): string | Uint8Array | undefined {
  if (body === undefined || body === null || typeof body === 'string' || body instanceof Uint8Array) return body ?? undefined;
  throw new TypeError('in-process transport: only string and byte request bodies are supported (no streams)');
}

function abortError(): Error {
  return Object.assign(new Error('Request aborted'), { name: 'AbortError' });
}

/** An SDK `requestHandler` (the smithy HttpHandler interface) that carries requests through an `Exchange`. */
export class InProcessHandler {
  readonly metadata = { handlerProtocol: 'http/1.1' };

  constructor(private readonly exchange: Exchange) {}

  async handle(request: SdkHttpRequest, options: { abortSignal?: { aborted: boolean } } = {}): Promise<{ response: SdkHttpResponse }> {
    const { abortSignal } = options;
    const aborted = (): boolean => abortSignal?.aborted === true;
    if (aborted()) throw abortError();
    const answer = await this.exchange({ method: request.method, url: pathWithQuery(request), headers: request.headers, body: bodyOf(request.body) });
    if (aborted()) throw abortError();
    return { response: { statusCode: answer.status, headers: answer.headers, body: Buffer.from(answer.body, 'utf8') } };
  }

  // The rest of the HttpHandler interface: nothing to configure, nothing to release.
  updateHttpClientConfig(): void {}
  httpHandlerConfigs(): Record<string, never> {
    return {};
  }
  destroy(): void {}
}

/** A service in this thread: its request listener, called directly. */
export function listenerExchange(listener: RequestListener): Exchange {
  return (request) => injectRequest(listener, request);
}

/**
 * A service on another thread that answers on a MessagePort (dynalite's:
 * { id, request } in, { id, response } or { id, error } out). `close()`
 * fails whatever is still waiting (the thread is going away).
 */
export function portExchange(port: MessagePort): { exchange: Exchange; close(reason: string): void } {
  const pending = new Map<number, { done: (r: WireResponse) => void; fail: (e: Error) => void }>();
  let next = 0;
  let closed: string | undefined;
  port.on('message', (msg: { id: number; response?: WireResponse; error?: string }) => {
    const waiting = pending.get(msg.id);
    if (waiting === undefined) return;
    pending.delete(msg.id);
    if (msg.response !== undefined) waiting.done(msg.response);
    else waiting.fail(new Error(`in-process transport: ${msg.error ?? 'no response'}`));
  });
  return {
    exchange(request) {
      if (closed !== undefined) return Promise.reject(new Error(`in-process transport: ${closed}`));
      next += 1;
      const id = next;
      return new Promise<WireResponse>((done, fail) => {
        pending.set(id, { done, fail });
        port.postMessage({ id, request });
      });
    },
    close(reason) {
      closed = reason;
      for (const { fail } of pending.values()) fail(new Error(`in-process transport: ${reason}`));
      pending.clear();
      port.close();
    },
  };
}
