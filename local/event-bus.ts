/**
 * An EventBridge endpoint for the embedded runtime: PutEvents over the AWS
 * JSON 1.1 protocol (`X-Amz-Target: AWSEvents.PutEvents`) on loopback, so the
 * functions' plain `new EventBridgeClient({})` publishes through
 * AWS_ENDPOINT_URL_EVENTBRIDGE. It refuses what EventBridge refuses: no
 * entries or more than 10, over 256 KB in all (sizes counted as AWS counts
 * them), an unknown bus; per entry (FailedEntryCount, ErrorCode), a missing
 * Source, DetailType or Detail, a Detail that is not a JSON object, an `aws.`
 * source. Each accepted event is appended, as EventBridge delivers it to a
 * target (version, id, detail-type, source, account, time, region,
 * resources, detail), to `<data>/events.jsonl` (its owner's only: 0600),
 * which `GET /local/events` and the console's Events page read.
 */
import { randomUUID } from 'node:crypto';
import { appendFileSync, chmodSync, existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { guardServer } from './loopback-guard.mjs';
import { listenOnLoopback, readAll, type LoopbackServer } from './loopback-server';

/** An event as EventBridge hands it to a rule's target. */
export interface BusEvent {
  version: '0';
  id: string;
  'detail-type': string;
  source: string;
  account: string;
  time: string;
  region: string;
  resources: string[];
  detail: Record<string, unknown>;
}

/** EventBridge's limits on one PutEvents request. */
export const MAX_ENTRIES = 10;
export const MAX_REQUEST_BYTES = 256 * 1024;

interface Reply {
  status: number;
  body: Record<string, unknown>;
}

const error = (type: string, message: string, status = 400): Reply => ({ status, body: { __type: type, message } });

interface RequestEntry {
  Source?: unknown;
  DetailType?: unknown;
  Detail?: unknown;
  Resources?: unknown;
  EventBusName?: unknown;
  Time?: unknown;
}

const text = (v: unknown): string => (typeof v === 'string' ? v : '');

/** An entry's size as EventBridge counts it: 14 bytes for a Time, then the UTF-8 bytes of Source, DetailType, Detail and each resource. */
export function entrySize(entry: RequestEntry): number {
  const resources = Array.isArray(entry.Resources) ? entry.Resources.map(text) : [];
  return (entry.Time !== undefined ? 14 : 0) + [text(entry.Source), text(entry.DetailType), text(entry.Detail), ...resources].reduce((n, s) => n + Buffer.byteLength(s), 0);
}

/** Why EventBridge would refuse this entry, as its ErrorCode and ErrorMessage; undefined when it is accepted. */
function entryError(entry: RequestEntry): { ErrorCode: string; ErrorMessage: string } | undefined {
  for (const field of ['Source', 'DetailType', 'Detail'] as const) {
    if (typeof entry[field] !== 'string' || entry[field] === '') {
      return { ErrorCode: 'InvalidArgument', ErrorMessage: `Parameter ${field} is not valid. Reason: ${field} is a required argument.` };
    }
  }
  if (text(entry.Source).startsWith('aws.')) return { ErrorCode: 'NotAuthorizedForSourceException', ErrorMessage: 'Not authorized for the source.' };
  let detail: unknown;
  try {
    detail = JSON.parse(text(entry.Detail));
  } catch {
    detail = undefined;
  }
  if (typeof detail !== 'object' || detail === null || Array.isArray(detail)) return { ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' };
  return undefined;
}

/** The event time: the entry's Time (epoch seconds, as the SDK sends it, or ISO), else now. */
function eventTime(time: unknown, now: Date): string {
  const date = typeof time === 'number' ? new Date(time * 1000) : typeof time === 'string' ? new Date(time) : now;
  return (Number.isNaN(date.getTime()) ? now : date).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

interface BusOptions {
  /** The bus names (and their ARNs) it knows; `default` always. */
  buses: readonly string[];
  region: string;
  accountId: string;
  file: string;
}

/** Answers one request (exported for tests); appends what it accepts. */
export function answerPutEvents(options: BusOptions, target: string | undefined, raw: string, now: Date = new Date()): Reply {
  if (target !== 'AWSEvents.PutEvents') return error('UnknownOperationException', `${target ?? 'no X-Amz-Target'}: only AWSEvents.PutEvents is served by the local EventBridge`);
  let body: unknown;
  try {
    body = JSON.parse(raw);
  } catch {
    return error('SerializationException', 'Request body is not valid JSON');
  }
  const entries = typeof body === 'object' && body !== null && Array.isArray((body as { Entries?: unknown }).Entries) ? ((body as { Entries: RequestEntry[] }).Entries) : undefined;
  if (entries === undefined) return error('ValidationException', "1 validation error detected: Value null at 'entries' failed to satisfy constraint: Member must not be null");
  if (entries.length < 1 || entries.length > MAX_ENTRIES) {
    const bound = entries.length < 1 ? 'greater than or equal to 1' : `less than or equal to ${MAX_ENTRIES}`;
    return error('ValidationException', `1 validation error detected: Value at 'entries' failed to satisfy constraint: Member must have length ${bound}`);
  }
  if (entries.reduce((n, e) => n + entrySize(e), 0) > MAX_REQUEST_BYTES) return error('ValidationException', 'Total size of the entries in the request is over the limit.');
  const known = new Set(['default', ...options.buses].flatMap((name) => [name, `arn:aws:events:${options.region}:${options.accountId}:event-bus/${name}`]));
  const unknown = entries.map((e) => text(e.EventBusName) || 'default').find((name) => !known.has(name));
  if (unknown !== undefined) return error('ResourceNotFoundException', `Event bus ${unknown} does not exist.`);
  const results = entries.map((entry) => {
    const refused = entryError(entry);
    if (refused !== undefined) return refused;
    const event: BusEvent = {
      version: '0',
      id: randomUUID(),
      'detail-type': text(entry.DetailType),
      source: text(entry.Source),
      account: options.accountId,
      time: eventTime(entry.Time, now),
      region: options.region,
      resources: Array.isArray(entry.Resources) ? entry.Resources.map(text) : [],
      detail: JSON.parse(text(entry.Detail)) as Record<string, unknown>,
    };
    appendFileSync(options.file, `${JSON.stringify(event)}\n`, { mode: 0o600 });
    return { EventId: event.id };
  });
  return { status: 200, body: { FailedEntryCount: results.filter((r) => 'ErrorCode' in r).length, Entries: results } };
}

/** Every event the local bus accepted, oldest first. */
export function readBusEvents(file: string): BusEvent[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as BusEvent);
}

export async function startEventBus(options: BusOptions & { host?: string; port?: number }): Promise<LoopbackServer> {
  if (existsSync(options.file)) chmodSync(options.file, 0o600);
  const server = createServer((req, res) => {
    readAll(req)
      .then((raw) => {
        if (raw.length > 2 * MAX_REQUEST_BYTES) return error('ValidationException', 'Total size of the entries in the request is over the limit.');
        return answerPutEvents(options, req.headers['x-amz-target'] as string | undefined, raw.toString('utf8'));
      })
      .then((reply) => {
        res.writeHead(reply.status, { 'content-type': 'application/x-amz-json-1.1' });
        res.end(JSON.stringify(reply.body));
      })
      .catch(() => {
        res.writeHead(500, { 'content-type': 'application/x-amz-json-1.1' });
        res.end(JSON.stringify({ __type: 'InternalException', message: 'The local EventBridge failed' }));
      });
  });
  guardServer(server); // loopback callers only, no browser page of another origin (local/loopback-guard.mjs)
  return listenOnLoopback(server, options.host ?? '127.0.0.1', options.port);
}
