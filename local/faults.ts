/**
 * Fault injection for the local stack (tests and drills only; off unless
 * PIPELINE_FAULTS is set). A rule names a target and when it fails:
 *
 *   PIPELINE_FAULTS='[{"target":"lambda:qualify-lead","first":2},
 *                     {"target":"dynamodb:UpdateItem","calls":[1,2,3]},
 *                     {"target":"ses:SendEmail","rate":0.2,"seed":7},
 *                     {"target":"lambda:schedule-meeting","always":true,"error":"Error"}]'
 *
 * - target: `lambda:<function name>` (the engine's invocation of that
 *   handler throws before it runs), `dynamodb:<Operation>` or
 *   `ses:<Action>` (the functions' SDK calls go through a proxy that
 *   answers the matching requests with an AWS-shaped error instead of
 *   forwarding them); `*` matches any function or operation.
 * - when: `first: n` (the first n matching calls), `calls: [k, ...]`
 *   (1-based call numbers), `rate: p` (probability, seeded PRNG), or
 *   `always: true` (a permanent fault).
 * - error: the error name. Lambda default `Lambda.ServiceException` (as the
 *   Lambda service reports a transient failure); DynamoDB default
 *   `InternalServerError` (HTTP 500), also `ProvisionedThroughputExceededException`
 *   or `ThrottlingException` (400); SES default `Throttling` (400), also
 *   `ServiceUnavailable` (503) or any other code (400).
 *
 * Every injected fault is appended to `<data>/faults.jsonl` (target, call
 * number, error, time): no payloads, no personal data.
 */
import { appendFileSync } from 'node:fs';
import { createServer, type Server, type ServerResponse } from 'node:http';
import { guardServer } from './loopback-guard.mjs';
import { forwardTo, listenOnLoopback, readAll } from './loopback-server';

interface FaultRule {
  target: string;
  first?: number;
  calls?: number[];
  rate?: number;
  seed?: number;
  always?: boolean;
  error?: string;
}

export interface InjectedFault {
  target: string;
  rule: number;
  call: number;
  error: string;
  at: string;
}

const TARGET = /^(lambda|dynamodb|ses):([A-Za-z0-9*_.-]+)$/;

/** Parses and checks PIPELINE_FAULTS; errors name the rule and field. */
export function parseFaultRules(json: string): FaultRule[] {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    throw new Error('PIPELINE_FAULTS: must be a JSON array of rules');
  }
  if (!Array.isArray(value)) throw new Error('PIPELINE_FAULTS: must be a JSON array of rules');
  return value.map((raw: unknown, i) => {
    const at = `PIPELINE_FAULTS[${i}]`;
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new Error(`${at}: must be an object`);
    const r = raw as Record<string, unknown>;
    for (const k of Object.keys(r)) if (!['target', 'first', 'calls', 'rate', 'seed', 'always', 'error'].includes(k)) throw new Error(`${at}.${k}: is not a known field`);
    if (typeof r.target !== 'string' || !TARGET.test(r.target)) throw new Error(`${at}.target: must be lambda:<function>, dynamodb:<Operation> or ses:<Action>`);
    const rule: FaultRule = { target: r.target };
    const whens = ['first', 'calls', 'rate', 'always'].filter((k) => r[k] !== undefined);
    if (whens.length !== 1) throw new Error(`${at}: needs exactly one of first, calls, rate, always`);
    if (r.first !== undefined) {
      if (!Number.isInteger(r.first) || (r.first as number) < 1) throw new Error(`${at}.first: must be a whole number of calls (1 or more)`);
      rule.first = r.first as number;
    }
    if (r.calls !== undefined) {
      if (!Array.isArray(r.calls) || r.calls.length === 0 || !r.calls.every((c) => Number.isInteger(c) && (c as number) >= 1)) throw new Error(`${at}.calls: must be a list of call numbers (1-based)`);
      rule.calls = r.calls as number[];
    }
    if (r.rate !== undefined) {
      if (typeof r.rate !== 'number' || !(r.rate > 0 && r.rate <= 1)) throw new Error(`${at}.rate: must be a probability in (0, 1]`);
      rule.rate = r.rate;
    }
    if (r.seed !== undefined) {
      if (!Number.isInteger(r.seed)) throw new Error(`${at}.seed: must be a whole number`);
      rule.seed = r.seed as number;
    }
    if (r.always !== undefined) {
      if (r.always !== true) throw new Error(`${at}.always: must be true`);
      rule.always = true;
    }
    if (r.error !== undefined) {
      if (typeof r.error !== 'string' || !/^[A-Za-z][A-Za-z0-9_.]{0,99}$/.test(r.error)) throw new Error(`${at}.error: must be an error name`);
      rule.error = r.error;
    }
    return rule;
  });
}

/** mulberry32: a small seeded PRNG, so a rate-based run can be repeated. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const DEFAULT_ERROR: Record<string, string> = { lambda: 'Lambda.ServiceException', dynamodb: 'InternalServerError', ses: 'Throttling' };

export class FaultInjector {
  private readonly counts: number[];
  private readonly random: (() => number)[];
  readonly injected: InjectedFault[] = [];

  constructor(
    readonly rules: readonly FaultRule[],
    private readonly logFile?: string,
  ) {
    this.counts = rules.map(() => 0);
    this.random = rules.map((r, i) => prng(r.seed ?? 1 + i));
  }

  /** Counts a call of `target` (e.g. `lambda:qualify-lead`) and returns the error name to inject, if any. */
  check(target: string): string | undefined {
    const [kind, name] = target.split(':') as [string, string];
    for (let i = 0; i < this.rules.length; i += 1) {
      const rule = this.rules[i] as FaultRule;
      const [rk, rn] = rule.target.split(':') as [string, string];
      if (rk !== kind || (rn !== '*' && rn !== name)) continue;
      const call = (this.counts[i] = (this.counts[i] ?? 0) + 1);
      const hit =
        rule.always === true ||
        (rule.first !== undefined && call <= rule.first) ||
        (rule.calls?.includes(call) ?? false) ||
        (rule.rate !== undefined && (this.random[i] as () => number)() < rule.rate);
      if (!hit) continue;
      const error = rule.error ?? DEFAULT_ERROR[kind] ?? 'Error';
      const fault: InjectedFault = { target, rule: i, call, error, at: new Date().toISOString() };
      this.injected.push(fault);
      if (this.logFile !== undefined) appendFileSync(this.logFile, `${JSON.stringify(fault)}\n`, { mode: 0o600 });
      return error;
    }
    return undefined;
  }

  has(kind: 'lambda' | 'dynamodb' | 'ses'): boolean {
    return this.rules.some((r) => r.target.startsWith(`${kind}:`));
  }
}

/** An error as a failed Lambda invocation surfaces it to Step Functions (its name is the error type). */
class InjectedFaultError extends Error {
  constructor(name: string, target: string) {
    super(`injected fault (${target})`);
    this.name = name;
  }
}

/** Wraps a handler: a matching rule throws instead of running it. */
export function withLambdaFaults<A extends unknown[], R>(functionName: string, handler: (...args: A) => Promise<R>, faults: FaultInjector): (...args: A) => Promise<R> {
  const target = `lambda:${functionName}`;
  return async (...args: A) => {
    const error = faults.check(target);
    if (error !== undefined) throw new InjectedFaultError(error, target);
    return handler(...args);
  };
}

/** The operation of an AWS request: DynamoDB's X-Amz-Target, SES's Action (query protocol) or its v2 REST path. */
export function operationOf(service: 'dynamodb' | 'ses', req: { method?: string; url?: string; headers: Record<string, string | string[] | undefined> }, body: Buffer): string {
  if (service === 'dynamodb') {
    const t = req.headers['x-amz-target'];
    return (typeof t === 'string' ? t.split('.').pop() : undefined) ?? 'Unknown';
  }
  const action = new URLSearchParams(body.toString('utf8')).get('Action');
  if (action !== null) return action;
  if ((req.url ?? '').startsWith('/v2/email/outbound-emails')) return 'SendEmail';
  return 'Unknown';
}

function errorReply(service: 'dynamodb' | 'ses', error: string, res: ServerResponse, url = ''): void {
  if (service === 'dynamodb') {
    const status = error === 'InternalServerError' || error === 'ServiceUnavailable' ? 500 : 400;
    const body = JSON.stringify({ __type: `com.amazonaws.dynamodb.v20120810#${error}`, message: `injected fault: ${error}` });
    res.writeHead(status, { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-requestid': 'fault', 'content-length': Buffer.byteLength(body) });
    res.end(body);
    return;
  }
  const status = error === 'ServiceUnavailable' || error === 'InternalFailure' ? 503 : 400;
  if (url.startsWith('/v2/')) {
    // SES API v2 (REST JSON): the error code in x-amzn-errortype, as SES sends it.
    const body = JSON.stringify({ message: `injected fault: ${error}` });
    res.writeHead(status, { 'content-type': 'application/json', 'x-amzn-errortype': error, 'x-amzn-requestid': 'fault', 'content-length': Buffer.byteLength(body) });
    res.end(body);
    return;
  }
  const body = `<ErrorResponse xmlns="http://ses.amazonaws.com/doc/2010-12-01/"><Error><Type>${status >= 500 ? 'Receiver' : 'Sender'}</Type><Code>${error}</Code><Message>injected fault: ${error}</Message></Error><RequestId>fault</RequestId></ErrorResponse>`;
  res.writeHead(status, { 'content-type': 'text/xml', 'x-amzn-requestid': 'fault', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

/**
 * A proxy in front of a local AWS endpoint: forwards every request, except
 * those a rule fails. Returns the proxy's URL and its server (to close).
 */
export async function startFaultProxy(service: 'dynamodb' | 'ses', upstream: string, faults: FaultInjector, host = '127.0.0.1'): Promise<{ url: string; server: Server }> {
  const up = new URL(upstream);
  const server = createServer((req, res) => {
    void (async () => {
      const body = await readAll(req);
      const error = faults.check(`${service}:${operationOf(service, req, body)}`);
      if (error !== undefined) {
        errorReply(service, error, res, req.url);
        return;
      }
      // Host names the upstream (its guard accepts its own port only; nothing checks the signature).
      forwardTo(up, req, res, body, { headers: { ...req.headers, host: up.host } });
    })().catch(() => {
      if (!res.headersSent) res.writeHead(502);
      res.end();
    });
  });
  guardServer(server); // loopback callers only, no browser page of another origin (local/loopback-guard.mjs)
  const { url } = await listenOnLoopback(server, host);
  return { url, server };
}
