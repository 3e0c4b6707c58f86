// One HTTP request through a server's own request listener, without a socket:
// light-my-request builds the request (a readable stream with method, url and
// headers, as Node's HTTP server gives it) and a real http.ServerResponse that
// collects what the listener writes. Used by local/sdk-transport.ts (same
// thread) and by dynalite's thread (local/dynalite-worker.mjs). Plain
// JavaScript: worker threads do not get tsx's loader.
import { channel } from 'node:diagnostics_channel';
import inject from 'light-my-request';

/**
 * Published with { request, response } before the listener runs, as Node's
 * HTTP server publishes `http.server.request.start` for a request off a
 * socket: bench/lib/ddb-counter.mjs listens to both.
 */
export const INJECTED_REQUEST_START = 'local.injected.request.start';
const started = channel(INJECTED_REQUEST_START);

/** The request listener of a server (`createServer(listener)`, Express's `app.listen`). */
export function requestListenerOf(server) {
  const [listener] = server.listeners('request');
  if (typeof listener !== 'function') throw new Error('the server has no request listener');
  return listener;
}

/**
 * Runs { method, url, headers, body } through `listener`; resolves to
 * { status, headers, body } (header values as strings, the body as text: the
 * local AWS endpoints answer JSON or XML).
 */
export async function injectRequest(listener, { method, url, headers, body }) {
  const dispatch = (req, res) => {
    // Express (the SES emulator) swaps the response's prototype for its own, which sits on
    // http.ServerResponse: keep light-my-request's collecting methods as the response's own.
    const collecting = Object.getPrototypeOf(res);
    for (const name of Object.getOwnPropertyNames(collecting)) {
      if (name !== 'constructor' && typeof collecting[name] === 'function') res[name] = collecting[name];
    }
    if (started.hasSubscribers) started.publish({ request: req, response: res });
    listener(req, res);
  };
  // A Uint8Array that crossed a MessagePort is no longer a Buffer (light-my-request would JSON it).
  const payload = body instanceof Uint8Array && !Buffer.isBuffer(body) ? Buffer.from(body.buffer, body.byteOffset, body.byteLength) : body;
  const res = await inject(dispatch, { method, url, headers, payload, validate: false });
  const flat = {};
  for (const [name, value] of Object.entries(res.headers)) {
    if (value !== undefined) flat[name] = Array.isArray(value) ? value.join(', ') : String(value);
  }
  return { status: res.statusCode, headers: flat, body: res.payload };
}
