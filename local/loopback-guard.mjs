// The guard in front of every service of the local runtime (local/stack.ts):
// the DynamoDB endpoint (dynalite, in its worker: local/dynalite-worker.mjs),
// SES and its mail viewer, Secrets Manager, CloudFormation, the Step
// Functions API, the fault proxies and the app server. None of them checks a
// signature or a key of its own, so what keeps a web page the user happens to
// visit away from them is that a browser says where a request comes from:
//
// - Host must name this service on loopback: localhost, 127.0.0.1 or [::1]
//   (or the address the connection came in on), with the port the service
//   listens on (or that of a proxy in front of it). A DNS-rebinding page
//   (evil.example resolving to 127.0.0.1) sends Host: evil.example: 421.
// - Origin, when sent, must be this service's own origin (http, one of those
//   names, one of those ports) or one given (the app's PUBLIC_BASE_URL): a
//   page of another origin, also another port on localhost, gets 403 with no
//   Access-Control-Allow-Origin, so its preflight and its fetch fail (dynalite
//   itself would answer `Access-Control-Allow-Origin: *`). AWS SDKs, the CLI,
//   curl and Node's fetch send no Origin. `Origin: null` passes only with
//   Sec-Fetch-Site: same-origin: a form a page posts to its own origin under
//   `Referrer-Policy: no-referrer` (the feedback pages') says null, as do
//   sandboxed frames and file: pages, which are cross-site.
// - Sec-Fetch-Site cross-site or same-site (a request another site's page
//   made): refused by the AWS APIs always; by a service with pages (the app,
//   the mail viewer) unless it is a GET or HEAD (a link followed from an email
//   or another site), so no form of another site can POST to them.
//
// Plain JavaScript (with loopback-guard.d.mts): the dynalite worker thread
// loads it too, and worker threads do not get tsx's loader.

const LOOPBACK_NAMES = ['localhost', '127.0.0.1', '[::1]'];
const SAFE_METHODS = new Set(['GET', 'HEAD']);

/** The Host form of a socket address: IPv6 in brackets, an IPv4-mapped address as IPv4. */
function hostForm(address) {
  if (address === undefined || address === '') return undefined;
  const plain = address.startsWith('::ffff:') && address.includes('.') ? address.slice('::ffff:'.length) : address;
  return plain.includes(':') ? `[${plain.toLowerCase()}]` : plain;
}

/** Name and port of a Host header value (`name`, `name:port`, `[v6]:port`); undefined when malformed. */
export function parseHost(value) {
  const match = /^(\[[0-9a-f:.]+\]|[^:[\]/\s@]+)(?::(\d{1,5}))?$/i.exec(value.trim());
  if (match === null) return undefined;
  return { name: (match[1] ?? '').toLowerCase(), port: match[2] === undefined ? 80 : Number(match[2]) };
}

function single(value) {
  return Array.isArray(value) ? value[0] : value;
}

/**
 * Why this request must be refused, or undefined when it may pass.
 * options: { ports?: number[] (more ports Host and Origin may name, e.g. a proxy's; read on each request),
 *            hosts?: string[] (more Host values accepted as given, e.g. PUBLIC_BASE_URL's),
 *            origins?: string[] (more origins accepted),
 *            pages?: boolean (serves pages: GET/HEAD from another site pass) }
 */
export function refusal(req, options = {}) {
  const ports = new Set([req.socket.localPort, ...(options.ports ?? [])]);
  const names = new Set(LOOPBACK_NAMES);
  const local = hostForm(req.socket.localAddress);
  if (local !== undefined) names.add(local);
  const own = (name, port) => names.has(name) && ports.has(port);

  const host = single(req.headers.host);
  if (host !== undefined) {
    const parsed = parseHost(host);
    const given = (options.hosts ?? []).some((h) => h.toLowerCase() === host.trim().toLowerCase());
    if (!given && (parsed === undefined || !own(parsed.name, parsed.port))) {
      return { status: 421, message: 'Misdirected request: this local service answers only on its loopback address (Host)' };
    }
  }

  const origin = single(req.headers.origin);
  const site = single(req.headers['sec-fetch-site']);
  if (origin !== undefined) {
    let ok = (options.origins ?? []).includes(origin) || (origin === 'null' && site === 'same-origin');
    if (!ok) {
      try {
        const url = new URL(origin);
        ok = url.protocol === 'http:' && url.origin === origin && own(url.hostname.toLowerCase(), url.port === '' ? 80 : Number(url.port));
      } catch {
        ok = false; // "null" from another site, or garbage
      }
    }
    if (!ok) return { status: 403, message: 'Forbidden: requests from another origin are refused by this local service' };
  }

  if ((site === 'cross-site' || site === 'same-site') && !(options.pages === true && SAFE_METHODS.has((req.method ?? 'GET').toUpperCase()))) {
    return { status: 403, message: 'Forbidden: requests from another site are refused by this local service' };
  }
  return undefined;
}

/** Answers a refused request (no CORS headers: the browser shows the calling page nothing). */
export function refuse(req, res, why) {
  req.resume();
  const body = JSON.stringify({ message: why.message });
  res.writeHead(why.status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(body),
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
  });
  res.end(req.method === 'HEAD' ? undefined : body);
}

/** A request listener that refuses what `refusal` refuses and hands the rest to `listener`. */
export function guardListener(listener, options = {}) {
  return (req, res) => {
    const why = refusal(req, options);
    if (why !== undefined) {
      refuse(req, res, why);
      return;
    }
    listener(req, res);
  };
}

/**
 * Puts the guard in front of a server's request listeners (for servers
 * created elsewhere: dynalite, aws-ses-v2-local, the SES sandbox layer).
 * Returns the server.
 */
export function guardServer(server, options = {}) {
  const listeners = server.listeners('request');
  server.removeAllListeners('request');
  server.on(
    'request',
    guardListener((req, res) => {
      for (const l of listeners) l.call(server, req, res);
    }, options),
  );
  return server;
}
