/**
 * The app's HTTP server in the embedded runtime: the HTTP API's routes
 * (through the API Gateway emulation), the ops console pages and the
 * local-only JSON endpoints, all on one loopback port.
 *
 * Behind local/loopback-guard.mjs: a Host other than this loopback address
 * (DNS rebinding) gets 421; an Origin other than the app's own, or a POST
 * (the API's, /local/digest) another site's page made, 403. Console pages and
 * local JSON carry the same security headers as the HTTP API's responses
 * (#lib/aws/security-headers).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { securityHeaders } from '#lib/aws/security-headers';
import { handleApiRequest, type ApiOptions, type RawRequest, type RawResponse } from './apigw';
import { guardListener } from './loopback-guard.mjs';

/** A page or JSON route of the local server (not part of the HTTP API). */
export type LocalRoute = (req: LocalRequest) => Promise<LocalReply | undefined>;

export interface LocalRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  /** Reads the request body (undefined when larger than the server's limit); only a route that answers may read it. */
  body?: () => Promise<Buffer | undefined>;
}

export interface LocalReply {
  status: number;
  contentType: string;
  body: string;
}

interface AppServerOptions {
  api: ApiOptions;
  local: LocalRoute;
  port: number;
  host: string;
  /** One line per failed invocation; never the event. */
  onError?: (functionName: string, error: unknown) => void;
  maxBodyBytes?: number;
  /** A public base URL other than this server's (PUBLIC_BASE_URL set to a tunnel): its Host and Origin are accepted too. */
  publicBaseUrl?: string;
}

interface AppServer {
  server: Server;
  port: number;
  url: string;
  close(): Promise<void>;
}

async function readBody(req: IncomingMessage, max: number): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buf = chunk as Buffer;
    size += buf.length;
    if (size > max) return undefined;
    chunks.push(buf);
  }
  return Buffer.concat(chunks);
}

function send(res: ServerResponse, r: RawResponse): void {
  const headers: Record<string, string | string[]> = { ...r.headers };
  if (r.cookies.length > 0) headers['set-cookie'] = r.cookies;
  headers['content-length'] = String(r.body.length);
  res.writeHead(r.statusCode, headers);
  res.end(r.body);
}

export async function startAppServer(options: AppServerOptions): Promise<AppServer> {
  const max = options.maxBodyBytes ?? 1024 * 1024; // HTTP APIs accept 10 MB; 1 MB is plenty here.
  const base = options.publicBaseUrl === undefined ? undefined : new URL(options.publicBaseUrl);
  const guard = { pages: true, ...(base !== undefined ? { hosts: [base.host], origins: [base.origin] } : {}) };
  const server = createServer(guardListener((req, res) => {
    void (async () => {
      const method = (req.method ?? 'GET').toUpperCase();
      const url = req.url ?? '/';
      const q = url.indexOf('?');
      const path = q < 0 ? url : url.slice(0, q);
      try {
        const local = await options.local({ method, path, query: new URLSearchParams(q < 0 ? '' : url.slice(q + 1)), body: () => readBody(req, max) });
        if (local !== undefined) {
          req.resume();
          const body = Buffer.from(local.body);
          res.writeHead(local.status, { ...(await securityHeaders(local.contentType)), 'content-type': local.contentType, 'content-length': String(body.length) });
          res.end(method === 'HEAD' ? undefined : body);
          return;
        }
        const body = await readBody(req, max);
        if (body === undefined) {
          send(res, { statusCode: 413, headers: { 'content-type': 'application/json' }, cookies: [], body: Buffer.from('{"message":"Request Entity Too Large"}') });
          return;
        }
        const raw: RawRequest = { method, url, rawHeaders: req.rawHeaders, body, sourceIp: req.socket.remoteAddress ?? '127.0.0.1' };
        send(res, await handleApiRequest(raw, options.api, options.onError));
      } catch (err) {
        options.onError?.('local-server', err);
        if (!res.headersSent) {
          res.writeHead(500, { 'content-type': 'application/json' });
          res.end('{"message":"Internal Server Error"}');
        } else {
          res.end();
        }
      }
    })();
  }, guard));
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  return {
    server,
    port,
    url: `http://${options.host}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
