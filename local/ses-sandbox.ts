/**
 * The local SES endpoint: a loopback layer in front of aws-ses-v2-local that
 * answers as SES would where the emulator cannot.
 *
 * - Verified identities. SES refuses a send whose sender is not a verified
 *   identity, and, while the account is in the sandbox (`sesSandbox`, every
 *   new account), one with any recipient (To, Cc, Bcc) that is not: HTTP 400,
 *   error code MessageRejected, "Email address is not verified. The
 *   following identities failed the check in region US-EAST-1: <addresses>".
 *   This layer does the same for SES v1 SendEmail / SendRawEmail and SESv2
 *   SendEmail, against `verifiedIdentities` (an address matches itself; a
 *   domain every address at it and at its subdomains). The mailbox
 *   simulator's addresses (@simulator.amazonses.com) pass, as on SES.
 * - What `npm run preflight` asks (scripts/preflight.ts) and the emulator
 *   lacks: SESv2 GetAccount (ProductionAccessEnabled false in the sandbox,
 *   the sandbox's send quota: 200 a day, 1 a second), ListEmailIdentities and
 *   GetEmailIdentity (the verified identities, each VerifiedForSendingStatus true).
 *
 * - What SES refuses in a message's content (local/ses-limits.ts): an
 *   attachment of an unsupported type (.exe, .bat, .js, ...) and a message
 *   over the size limit (10 MB with SES v1, 40 MB with SESv2), with SES's
 *   error codes.
 *
 * Everything else (the mail viewer, /store, other actions) goes to the
 * emulator unchanged. The quota is reported, not enforced: the local stack
 * sends as fast as its tests need.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { forwardTo, listenOnLoopback, readAll } from './loopback-server';
import { contentRefusal, v1Content, v2Content } from './ses-limits';

export interface SesSandboxOptions {
  /** aws-ses-v2-local's URL. */
  upstream: string;
  region: string;
  /** The account is in the SES sandbox: recipients must be verified too. */
  sandbox: boolean;
  /** Verified identities: addresses and domains. */
  verifiedIdentities: readonly string[];
  host?: string;
  port?: number;
}

export interface SesSandbox {
  url: string;
  server: Server;
  close(): Promise<void>;
}

/** SES's sending quotas: a new account's sandbox, and a typical first production quota. */
export const SANDBOX_QUOTA = { Max24HourSend: 200, MaxSendRate: 1 } as const;
export const PRODUCTION_QUOTA = { Max24HourSend: 50_000, MaxSendRate: 14 } as const;

const SIMULATOR_DOMAIN = 'simulator.amazonses.com';
const EMAIL = /[^\s@<>"'(),;:]+@[^\s@<>"'(),;:]+/g;

/** The bare address of `Name <addr>` (or the value itself), lowercased. */
export function bareAddress(value: string): string {
  const match = /<([^<>]+)>\s*$/.exec(value);
  return (match?.[1] ?? value).trim().toLowerCase();
}

/** Is `address` covered by one of the identities (itself, or a domain it is at, subdomains included)? */
export function isVerified(address: string, identities: readonly string[]): boolean {
  const addr = bareAddress(address);
  const domain = addr.slice(addr.lastIndexOf('@') + 1);
  return identities.some((raw) => {
    const id = raw.trim().toLowerCase();
    if (id.includes('@')) return id === addr;
    return domain === id || domain.endsWith(`.${id}`);
  });
}

/**
 * The identities SES would name as failing a send, in its order: the sender
 * (as given and, for `Name <addr>`, its address), then, in the sandbox, each
 * recipient not verified. Empty: the send passes.
 */
export function failingIdentities(send: { from: string | undefined; recipients: readonly string[] }, options: { sandbox: boolean; verifiedIdentities: readonly string[] }): string[] {
  const failing: string[] = [];
  if (send.from !== undefined && send.from !== '' && !isVerified(send.from, options.verifiedIdentities)) {
    const addr = bareAddress(send.from);
    if (send.from.trim().toLowerCase() !== addr) failing.push(send.from.trim());
    failing.push(addr);
  }
  if (options.sandbox) {
    for (const r of send.recipients) {
      const addr = bareAddress(r);
      if (addr.endsWith(`@${SIMULATOR_DOMAIN}`) || isVerified(addr, options.verifiedIdentities)) continue;
      if (!failing.includes(addr)) failing.push(addr);
    }
  }
  return failing;
}

export function notVerifiedMessage(region: string, identities: readonly string[]): string {
  return `Email address is not verified. The following identities failed the check in region ${region.toUpperCase()}: ${identities.join(', ')}`;
}

function xmlEscape(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** Addresses of a list header (To, Cc, Bcc, From): the `<addr>` of each entry, or the bare address. */
function headerAddresses(value: string): string[] {
  return [...value.matchAll(EMAIL)].map((m) => m[0].replace(/^</, '').replace(/>$/, ''));
}

/** The From / To / Cc / Bcc headers of a raw MIME message (unfolded, up to the first blank line). */
export function rawHeaders(raw: string): { from?: string; to: string[]; cc: string[]; bcc: string[] } {
  const head = raw.split(/\r?\n\r?\n/, 1)[0] ?? '';
  const lines = head.replace(/\r?\n[ \t]+/g, ' ').split(/\r?\n/);
  const get = (name: string): string[] => lines.filter((l) => l.toLowerCase().startsWith(`${name}:`)).map((l) => l.slice(name.length + 1).trim());
  const from = get('from')[0];
  return { ...(from !== undefined ? { from } : {}), to: get('to').flatMap(headerAddresses), cc: get('cc').flatMap(headerAddresses), bcc: get('bcc').flatMap(headerAddresses) };
}

function membersOf(form: URLSearchParams, prefix: string): string[] {
  const out: { n: number; v: string }[] = [];
  for (const [k, v] of form) {
    if (!k.startsWith(prefix)) continue;
    const n = Number(k.slice(prefix.length));
    if (Number.isInteger(n)) out.push({ n, v });
  }
  return out.sort((a, b) => a.n - b.n).map((e) => e.v);
}

interface Send {
  from: string | undefined;
  recipients: string[];
}

/** Sender and recipients of an SES v1 SendEmail / SendRawEmail (query protocol). */
export function v1Send(form: URLSearchParams): Send | undefined {
  const action = form.get('Action');
  if (action === 'SendEmail') {
    return {
      from: form.get('Source') ?? undefined,
      recipients: ['To', 'Cc', 'Bcc'].flatMap((k) => membersOf(form, `Destination.${k}Addresses.member.`)),
    };
  }
  if (action === 'SendRawEmail') {
    const data = form.get('RawMessage.Data') ?? '';
    const headers = rawHeaders(Buffer.from(data, 'base64').toString('utf8'));
    const destinations = membersOf(form, 'Destinations.member.');
    return {
      from: form.get('Source') ?? headers.from,
      recipients: destinations.length > 0 ? destinations : [...headers.to, ...headers.cc, ...headers.bcc],
    };
  }
  return undefined;
}

/** Sender and recipients of an SESv2 SendEmail (REST JSON). */
export function v2Send(body: unknown): Send {
  const b = (typeof body === 'object' && body !== null ? body : {}) as {
    FromEmailAddress?: string;
    Destination?: { ToAddresses?: string[]; CcAddresses?: string[]; BccAddresses?: string[] };
    Content?: { Raw?: { Data?: string } };
  };
  const raw = b.Content?.Raw?.Data;
  const headers = raw === undefined ? undefined : rawHeaders(Buffer.from(raw, 'base64').toString('utf8'));
  const destination = [...(b.Destination?.ToAddresses ?? []), ...(b.Destination?.CcAddresses ?? []), ...(b.Destination?.BccAddresses ?? [])];
  return {
    from: b.FromEmailAddress ?? headers?.from,
    recipients: destination.length > 0 || headers === undefined ? destination : [...headers.to, ...headers.cc, ...headers.bcc],
  };
}

function replyV1Error(res: ServerResponse, code: string, message: string, status = 400): void {
  const body = `<ErrorResponse xmlns="http://ses.amazonaws.com/doc/2010-12-01/"><Error><Type>Sender</Type><Code>${code}</Code><Message>${xmlEscape(message)}</Message></Error><RequestId>${randomUUID()}</RequestId></ErrorResponse>`;
  res.writeHead(status, { 'content-type': 'text/xml', 'x-amzn-requestid': randomUUID(), 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

function replyJson(res: ServerResponse, status: number, value: unknown, errorType?: string): void {
  const body = JSON.stringify(value);
  res.writeHead(status, {
    'content-type': 'application/json',
    'x-amzn-requestid': randomUUID(),
    ...(errorType !== undefined ? { 'x-amzn-errortype': errorType } : {}),
    'content-length': Buffer.byteLength(body),
  });
  res.end(body);
}

const DAY_MS = 24 * 3600_000;

export async function startSesSandbox(options: SesSandboxOptions): Promise<SesSandbox> {
  const up = new URL(options.upstream);
  const host = options.host ?? '127.0.0.1';
  const identities = [...new Set(options.verifiedIdentities.map((i) => i.trim().toLowerCase()))];
  /** When each accepted send went out (real time): SentLast24Hours. */
  const sent: number[] = [];

  const identity = (name: string) => ({
    IdentityType: name.includes('@') ? 'EMAIL_ADDRESS' : 'DOMAIN',
    IdentityName: name,
    SendingEnabled: true,
    VerificationStatus: 'SUCCESS',
  });

  // Host and Origin go on unchanged: the emulator's guard accepts this proxy's port (local/stack.ts).
  const forward = (req: IncomingMessage, res: ServerResponse, body: Buffer, isSend: boolean): void =>
    forwardTo(up, req, res, body, {
      onStatus: (status) => {
        if (isSend && status < 300) sent.push(Date.now());
      },
    });

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const body = await readAll(req);
    const url = new URL(req.url ?? '/', 'http://local');
    const path = url.pathname;

    // SES v1 (query protocol): POST / with Action.
    if (req.method === 'POST' && path === '/') {
      const form = new URLSearchParams(body.toString('utf8'));
      const content = v1Content(form);
      const refused = content === undefined ? undefined : contentRefusal('v1', content);
      if (refused !== undefined) return replyV1Error(res, refused.code, refused.message, refused.status);
      const send = v1Send(form);
      if (send !== undefined) {
        const failing = failingIdentities(send, { sandbox: options.sandbox, verifiedIdentities: identities });
        if (failing.length > 0) return replyV1Error(res, 'MessageRejected', notVerifiedMessage(options.region, failing));
      }
      return forward(req, res, body, send !== undefined);
    }

    // SESv2 (REST JSON).
    if (req.method === 'POST' && path === '/v2/email/outbound-emails') {
      let parsed: unknown;
      try {
        parsed = JSON.parse(body.toString('utf8'));
      } catch {
        return replyJson(res, 400, { message: 'Request body is not valid JSON' }, 'BadRequestException');
      }
      const content = v2Content(parsed);
      const refused = content === undefined ? undefined : contentRefusal('v2', content);
      if (refused !== undefined) return replyJson(res, refused.status, { message: refused.message }, refused.code);
      const failing = failingIdentities(v2Send(parsed), { sandbox: options.sandbox, verifiedIdentities: identities });
      if (failing.length > 0) return replyJson(res, 400, { message: notVerifiedMessage(options.region, failing) }, 'MessageRejected');
      return forward(req, res, body, true);
    }
    if (req.method === 'GET' && path === '/v2/email/account') {
      while (sent.length > 0 && (sent[0] ?? 0) < Date.now() - DAY_MS) sent.shift();
      return replyJson(res, 200, {
        DedicatedIpAutoWarmupEnabled: false,
        EnforcementStatus: 'HEALTHY',
        ProductionAccessEnabled: !options.sandbox,
        SendQuota: { ...(options.sandbox ? SANDBOX_QUOTA : PRODUCTION_QUOTA), SentLast24Hours: sent.length },
        SendingEnabled: true,
        SuppressionAttributes: { SuppressedReasons: [] },
      });
    }
    // ListEmailIdentities: POST /v2/email/list-identities (JSON body) in current SDKs, GET /v2/email/identities (query) in older ones.
    if ((req.method === 'POST' && path === '/v2/email/list-identities') || (req.method === 'GET' && path === '/v2/email/identities')) {
      let paging: { PageSize?: unknown; NextToken?: unknown } = { PageSize: url.searchParams.get('PageSize') ?? undefined, NextToken: url.searchParams.get('NextToken') ?? undefined };
      if (req.method === 'POST' && body.length > 0) {
        try {
          paging = JSON.parse(body.toString('utf8')) as typeof paging;
        } catch {
          return replyJson(res, 400, { message: 'Request body is not valid JSON' }, 'BadRequestException');
        }
      }
      const size = Math.min(1000, Math.max(1, Number(paging.PageSize ?? 100) || 100));
      const start = Number(paging.NextToken ?? 0) || 0;
      const page = identities.slice(start, start + size);
      return replyJson(res, 200, { EmailIdentities: page.map(identity), ...(start + size < identities.length ? { NextToken: String(start + size) } : {}) });
    }
    const one = /^\/v2\/email\/identities\/([^/]+)$/.exec(path);
    if (req.method === 'GET' && one !== null) {
      const name = decodeURIComponent(one[1] ?? '').toLowerCase();
      if (!identities.includes(name)) return replyJson(res, 404, { message: `Email identity ${name} does not exist.` }, 'NotFoundException');
      const domain = !name.includes('@');
      return replyJson(res, 200, {
        IdentityType: domain ? 'DOMAIN' : 'EMAIL_ADDRESS',
        FeedbackForwardingStatus: true,
        VerifiedForSendingStatus: true,
        VerificationStatus: 'SUCCESS',
        DkimAttributes: domain
          ? { SigningEnabled: true, Status: 'SUCCESS', SigningAttributesOrigin: 'AWS_SES', Tokens: [] }
          : { SigningEnabled: false, Status: 'NOT_STARTED', SigningAttributesOrigin: 'AWS_SES' },
        MailFromAttributes: { BehaviorOnMxFailure: 'USE_DEFAULT_VALUE', MailFromDomainStatus: 'SUCCESS' },
        Policies: {},
        Tags: [],
      });
    }
    return forward(req, res, body, false);
  };

  const server = createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) res.writeHead(502);
      res.end();
    });
  });
  return listenOnLoopback(server, host, options.port);
}
