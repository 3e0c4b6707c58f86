/**
 * Starts a local service's HTTP server on loopback: listening on `port` (0
 * for a free one), with its URL and a close that also drops kept-alive
 * connections. The local services (secrets, bootstrap, the SES sandbox, the
 * fault proxies) all start this way; each is guarded by
 * local/loopback-guard.mjs, here or by its caller.
 */
import type { Server } from 'node:http';
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
