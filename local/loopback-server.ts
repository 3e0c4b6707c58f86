/**
 * Starts a local service's HTTP server on loopback: listening on `port` (0
 * for a free one), with its URL and a close that also drops kept-alive
 * connections. The local services (secrets, bootstrap, the SES sandbox, the
 * fault proxies) all start this way; each is guarded by
 * local/loopback-guard.mjs, here or by its caller. The proxies among them
 * read a request whole (`readAll`) and pass it on (`forwardTo`).
 */
import { request as httpRequest, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface LoopbackServer {
  url: string;
  port: number;
  server: Server;
  close(): Promise<void>;
}

export async function listenOnLoopback(server: Server, host: string, port = 0): Promise<LoopbackServer> {
  await new Promise<void>((done, fail) => {
    server.once('error', fail);
    server.listen(port, host, () => done());
  });
  const bound = (server.address() as AddressInfo).port;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${bound}`,
    port: bound,
    server,
    close: () =>
      new Promise<void>((done) => {
        server.closeAllConnections();
        server.close(() => done());
      }),
  };
}

/** A request's whole body. */
export function readAll(req: IncomingMessage): Promise<Buffer> {
  return new Promise((done, fail) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => done(Buffer.concat(chunks)));
    req.on('error', fail);
  });
}

/**
 * Sends a request already read (`body`) on to `upstream` with `headers`
 * (the caller's own by default) and pipes the answer back; 502 when the
 * upstream cannot be reached. `onStatus` sees the upstream's status first.
 */
export function forwardTo(upstream: URL, req: IncomingMessage, res: ServerResponse, body: Buffer, options: { headers?: IncomingHttpHeaders; onStatus?: (status: number) => void } = {}): void {
  const fwd = httpRequest({ host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: options.headers ?? req.headers }, (upRes) => {
    options.onStatus?.(upRes.statusCode ?? 502);
    res.writeHead(upRes.statusCode ?? 502, upRes.headers);
    upRes.pipe(res);
  });
  fwd.on('error', () => {
    if (!res.headersSent) res.writeHead(502);
    res.end();
  });
  fwd.end(body);
}
