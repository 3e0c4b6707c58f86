/**
 * The AWS JSON 1.0 protocol of Step Functions over HTTP, on loopback, in
 * front of an embedded `Engine`, so that `@aws-sdk/client-sfn` (with an
 * endpoint) and `aws stepfunctions --endpoint-url` work unchanged.
 *
 *   POST /   Content-Type: application/x-amz-json-1.0
 *            X-Amz-Target: AWSStepFunctions.<Action>
 *
 * Requests are not authenticated (signatures are accepted and ignored), so
 * the server binds to 127.0.0.1 by default. It never logs request bodies:
 * they carry execution inputs and task tokens.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { guardServer } from '../loopback-guard.mjs';
import { EngineError, type Engine, type ExecutionStatus, type ExecutionSummary } from './api';
import { validateStateMachineDefinition } from './validate-definition';

const TARGET_PREFIX = 'AWSStepFunctions.';
const CONTENT_TYPE = 'application/x-amz-json-1.0';
/** AWS caps the request at 1 MiB of definition or 256 KiB of input; escaping can double that. */
const DEFAULT_MAX_BODY_BYTES = 4 * 1024 * 1024;

interface SfnServerOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  /** Default 127.0.0.1. The API is unauthenticated: keep it on loopback. */
  host?: string;
  /** Requests with a larger body get 413. Default 4 MiB. */
  maxBodyBytes?: number;
  /** One line per request (action, status, duration, request id), never bodies. Default: silent. */
  log?: (line: string) => void;
}

export interface SfnServer {
  url: string;
  port: number;
  host: string;
  close(): Promise<void>;
}

/** An error as the protocol returns it: HTTP status plus `__type` and `message`. */
class ProtocolError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    message: string,
  ) {
    super(message);
    this.name = type.includes('#') ? (type.split('#')[1] ?? type) : type;
  }
}

const SFN_NAMESPACE = 'com.amazonaws.swf.service.v2.model#';
const CORAL_SERVICE = 'com.amazon.coral.service#';
const CORAL_VALIDATE = 'com.amazon.coral.validate#';

function validationError(field: string, constraint: string, value: unknown): ProtocolError {
  const shown = value === undefined || value === null ? 'null' : typeof value === 'string' ? `'${truncate(value)}'` : JSON.stringify(value);
  return new ProtocolError(400, `${CORAL_VALIDATE}ValidationException`, `1 validation error detected: Value ${shown} at '${field}' failed to satisfy constraint: ${constraint}`);
}

function truncate(s: string): string {
  // Field values can be task tokens or inputs: never echo more than a hint of them.
  return s.length > 20 ? `${s.slice(0, 8)}...` : s;
}

// ---------------------------------------------------------------------------
// Request shapes: only the members the engine uses; unknown members are ignored
// as AWS does for optional features this engine lacks (tags, logging, ...).

type FieldSpec =
  | { kind: 'string'; required?: boolean; min?: number; max?: number; oneOf?: readonly string[] }
  | { kind: 'integer'; required?: boolean; min?: number; max?: number }
  | { kind: 'boolean'; required?: boolean };

type Shape = Record<string, FieldSpec>;

const ARN = { kind: 'string', required: true, min: 1, max: 256 } as const satisfies FieldSpec;
const TOKEN = { kind: 'string', required: true, min: 1, max: 2048 } as const satisfies FieldSpec;
const NEXT_TOKEN = { kind: 'string', min: 1, max: 3096 } as const satisfies FieldSpec;
const MAX_RESULTS = { kind: 'integer', min: 0, max: 1000 } as const satisfies FieldSpec;
const ERROR = { kind: 'string', max: 256 } as const satisfies FieldSpec;
const CAUSE = { kind: 'string', max: 32768 } as const satisfies FieldSpec;
const STATUSES: readonly ExecutionStatus[] = ['RUNNING', 'SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED', 'PENDING_REDRIVE'];

const SHAPES = {
  CreateStateMachine: {
    name: { kind: 'string', required: true, min: 1, max: 80 },
    definition: { kind: 'string', required: true, min: 1, max: 1048576 },
    roleArn: ARN,
    type: { kind: 'string', oneOf: ['STANDARD', 'EXPRESS'] },
  },
  UpdateStateMachine: {
    stateMachineArn: ARN,
    definition: { kind: 'string', min: 1, max: 1048576 },
    roleArn: { kind: 'string', min: 1, max: 256 },
  },
  DescribeStateMachine: { stateMachineArn: ARN },
  ListStateMachines: { maxResults: MAX_RESULTS, nextToken: NEXT_TOKEN },
  DeleteStateMachine: { stateMachineArn: ARN },
  StartExecution: {
    stateMachineArn: ARN,
    name: { kind: 'string', min: 1, max: 80 },
    input: { kind: 'string', max: 262144 },
  },
  StopExecution: { executionArn: ARN, error: ERROR, cause: CAUSE },
  DescribeExecution: { executionArn: ARN },
  RedriveExecution: { executionArn: ARN, clientToken: { kind: 'string', min: 1, max: 64 } },
  ListExecutions: {
    stateMachineArn: { kind: 'string', min: 1, max: 256 },
    statusFilter: { kind: 'string', oneOf: STATUSES },
    redriveFilter: { kind: 'string', oneOf: ['REDRIVEN', 'NOT_REDRIVEN'] },
    maxResults: MAX_RESULTS,
    nextToken: NEXT_TOKEN,
  },
  GetExecutionHistory: {
    executionArn: ARN,
    maxResults: MAX_RESULTS,
    nextToken: NEXT_TOKEN,
    reverseOrder: { kind: 'boolean' },
    includeExecutionData: { kind: 'boolean' },
  },
  SendTaskSuccess: { taskToken: TOKEN, output: { kind: 'string', required: true, max: 262144 } },
  SendTaskFailure: { taskToken: TOKEN, error: ERROR, cause: CAUSE },
  SendTaskHeartbeat: { taskToken: TOKEN },
  ValidateStateMachineDefinition: {
    definition: { kind: 'string', required: true, min: 0, max: 1048576 },
    type: { kind: 'string', oneOf: ['STANDARD', 'EXPRESS'] },
    severity: { kind: 'string', oneOf: ['ERROR', 'WARNING'] },
    maxResults: { kind: 'integer', min: 0, max: 100 },
  },
} as const satisfies Record<string, Shape>;

type SfnAction = keyof typeof SHAPES;

type FieldValue<F> = F extends { kind: 'string'; oneOf: readonly (infer E)[] }
  ? E
  : F extends { kind: 'string' }
    ? string
    : F extends { kind: 'integer' }
      ? number
      : boolean;
type Parsed<S extends Shape> = { [K in keyof S as S[K] extends { required: true } ? K : never]: FieldValue<S[K]> } & {
  [K in keyof S as S[K] extends { required: true } ? never : K]?: FieldValue<S[K]>;
};

function parseShape<S extends Shape>(shape: S, body: Record<string, unknown>): Parsed<S> {
  const out: Record<string, unknown> = {};
  for (const [field, spec] of Object.entries(shape)) {
    const value = body[field];
    if (value === undefined || value === null) {
      if (spec.required) throw validationError(field, 'Member must not be null', value);
      continue;
    }
    switch (spec.kind) {
      case 'string': {
        if (typeof value !== 'string') throw new ProtocolError(400, `${CORAL_SERVICE}SerializationException`, `Expected a string for '${field}'`);
        if (spec.min !== undefined && value.length < spec.min) throw validationError(field, `Member must have length greater than or equal to ${spec.min}`, value);
        if (spec.max !== undefined && value.length > spec.max) throw validationError(field, `Member must have length less than or equal to ${spec.max}`, value);
        if (spec.oneOf && !spec.oneOf.includes(value)) throw validationError(field, `Member must satisfy enum value set: [${spec.oneOf.join(', ')}]`, value);
        break;
      }
      case 'integer': {
        if (typeof value !== 'number' || !Number.isInteger(value)) throw new ProtocolError(400, `${CORAL_SERVICE}SerializationException`, `Expected an integer for '${field}'`);
        if (spec.min !== undefined && value < spec.min) throw validationError(field, `Member must have value greater than or equal to ${spec.min}`, value);
        if (spec.max !== undefined && value > spec.max) throw validationError(field, `Member must have value less than or equal to ${spec.max}`, value);
        break;
      }
      case 'boolean': {
        if (typeof value !== 'boolean') throw new ProtocolError(400, `${CORAL_SERVICE}SerializationException`, `Expected a boolean for '${field}'`);
        break;
      }
    }
    out[field] = value;
  }
  return out as Parsed<S>;
}

/** maxResults 0 means "the default page size" in the AWS API. */
function pageSize(n: number | undefined): number | undefined {
  return n === undefined || n === 0 ? undefined : n;
}

// ---------------------------------------------------------------------------
// Actions

/** The members of an execution that ListExecutions lists and DescribeExecution begins with. */
function executionSummary(e: ExecutionSummary): ExecutionSummary {
  return { executionArn: e.executionArn, stateMachineArn: e.stateMachineArn, name: e.name, status: e.status, startDate: e.startDate, stopDate: e.stopDate, redriveCount: e.redriveCount ?? 0, redriveDate: e.redriveDate };
}

type Handler = (engine: Engine, body: Record<string, unknown>) => Promise<unknown>;

const HANDLERS: Record<SfnAction, Handler> = {
  async ValidateStateMachineDefinition(_engine, body) {
    const req = parseShape(SHAPES.ValidateStateMachineDefinition, body);
    return validateStateMachineDefinition(req.definition, { type: req.type, maxResults: req.maxResults });
  },
  async CreateStateMachine(engine, body) {
    const req = parseShape(SHAPES.CreateStateMachine, body);
    const res = await engine.createStateMachine({ name: req.name, definition: req.definition, roleArn: req.roleArn, type: req.type });
    return { stateMachineArn: res.stateMachineArn, creationDate: res.creationDate };
  },
  async UpdateStateMachine(engine, body) {
    const req = parseShape(SHAPES.UpdateStateMachine, body);
    if (req.definition === undefined && req.roleArn === undefined) {
      throw new ProtocolError(400, `${SFN_NAMESPACE}MissingRequiredParameter`, 'Either the definition or the roleArn must be specified');
    }
    const res = await engine.updateStateMachine({ stateMachineArn: req.stateMachineArn, definition: req.definition, roleArn: req.roleArn });
    return { updateDate: res.updateDate };
  },
  async DescribeStateMachine(engine, body) {
    const req = parseShape(SHAPES.DescribeStateMachine, body);
    const sm = await engine.describeStateMachine(req.stateMachineArn);
    return {
      stateMachineArn: sm.stateMachineArn,
      name: sm.name,
      status: sm.status,
      definition: sm.definition,
      roleArn: sm.roleArn,
      type: sm.type,
      creationDate: sm.creationDate,
      loggingConfiguration: { level: 'OFF', includeExecutionData: false },
      tracingConfiguration: { enabled: false },
    };
  },
  async ListStateMachines(engine, body) {
    const req = parseShape(SHAPES.ListStateMachines, body);
    const page = await engine.listStateMachines({ maxResults: pageSize(req.maxResults), nextToken: req.nextToken });
    return {
      stateMachines: page.items.map((s) => ({ stateMachineArn: s.stateMachineArn, name: s.name, type: s.type, creationDate: s.creationDate })),
      nextToken: page.nextToken,
    };
  },
  async DeleteStateMachine(engine, body) {
    const req = parseShape(SHAPES.DeleteStateMachine, body);
    await engine.deleteStateMachine(req.stateMachineArn);
    return {};
  },
  async StartExecution(engine, body) {
    const req = parseShape(SHAPES.StartExecution, body);
    const res = await engine.startExecution({ stateMachineArn: req.stateMachineArn, name: req.name, input: req.input });
    return { executionArn: res.executionArn, startDate: res.startDate };
  },
  async StopExecution(engine, body) {
    const req = parseShape(SHAPES.StopExecution, body);
    const res = await engine.stopExecution({ executionArn: req.executionArn, error: req.error, cause: req.cause });
    return { stopDate: res.stopDate };
  },
  async DescribeExecution(engine, body) {
    const req = parseShape(SHAPES.DescribeExecution, body);
    const ex = await engine.describeExecution(req.executionArn);
    return {
      ...executionSummary(ex),
      input: ex.input,
      inputDetails: { included: true },
      output: ex.output,
      outputDetails: ex.output === undefined ? undefined : { included: true },
      error: ex.error,
      cause: ex.cause,
      redriveStatus: ex.redriveStatus,
      redriveStatusReason: ex.redriveStatusReason,
    };
  },
  async RedriveExecution(engine, body) {
    const req = parseShape(SHAPES.RedriveExecution, body);
    const res = await engine.redriveExecution({ executionArn: req.executionArn, clientToken: req.clientToken });
    return { redriveDate: res.redriveDate };
  },
  async ListExecutions(engine, body) {
    const req = parseShape(SHAPES.ListExecutions, body);
    if (req.stateMachineArn === undefined) {
      // AWS also accepts a mapRunArn here; this engine has no distributed Map.
      throw validationError('stateMachineArn', 'Member must not be null (a stateMachineArn is required)', undefined);
    }
    const page = await engine.listExecutions({ stateMachineArn: req.stateMachineArn, statusFilter: req.statusFilter, redriveFilter: req.redriveFilter, maxResults: pageSize(req.maxResults), nextToken: req.nextToken });
    return {
      executions: page.items.map(executionSummary),
      nextToken: page.nextToken,
    };
  },
  async GetExecutionHistory(engine, body) {
    const req = parseShape(SHAPES.GetExecutionHistory, body);
    const page = await engine.getExecutionHistory({
      executionArn: req.executionArn,
      maxResults: pageSize(req.maxResults),
      nextToken: req.nextToken,
      reverseOrder: req.reverseOrder,
      includeExecutionData: req.includeExecutionData,
    });
    return { events: page.items, nextToken: page.nextToken };
  },
  async SendTaskSuccess(engine, body) {
    const req = parseShape(SHAPES.SendTaskSuccess, body);
    await engine.sendTaskSuccess({ taskToken: req.taskToken, output: req.output });
    return {};
  },
  async SendTaskFailure(engine, body) {
    const req = parseShape(SHAPES.SendTaskFailure, body);
    await engine.sendTaskFailure({ taskToken: req.taskToken, error: req.error, cause: req.cause });
    return {};
  },
  async SendTaskHeartbeat(engine, body) {
    const req = parseShape(SHAPES.SendTaskHeartbeat, body);
    await engine.sendTaskHeartbeat({ taskToken: req.taskToken });
    return {};
  },
};

// ---------------------------------------------------------------------------
// Wire format

/** AWS JSON encodes timestamps as epoch seconds (fractional). Drops undefined members. */
function toWire(value: unknown): unknown {
  if (value instanceof Date) return value.getTime() / 1000;
  if (Array.isArray(value)) return value.map(toWire);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      if (v !== undefined) out[k] = toWire(v);
    }
    return out;
  }
  return value;
}

/** Dispatches one decoded request: the protocol without the HTTP. */
export async function dispatch(engine: Engine, target: string | undefined, rawBody: string): Promise<{ status: number; body: unknown; internalError?: unknown }> {
  try {
    const action = target?.startsWith(TARGET_PREFIX) ? target.slice(TARGET_PREFIX.length) : undefined;
    const handler = action !== undefined && Object.hasOwn(HANDLERS, action) ? HANDLERS[action as SfnAction] : undefined;
    if (!handler) {
      throw new ProtocolError(400, `${CORAL_SERVICE}UnknownOperationException`, target ? `Unknown operation ${truncate(target)}` : 'Missing X-Amz-Target header');
    }
    let parsed: unknown;
    try {
      parsed = rawBody.trim() === '' ? {} : JSON.parse(rawBody);
    } catch {
      throw new ProtocolError(400, `${CORAL_SERVICE}SerializationException`, 'The request body is not valid JSON');
    }
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
      throw new ProtocolError(400, `${CORAL_SERVICE}SerializationException`, 'The request body must be a JSON object');
    }
    return { status: 200, body: toWire(await handler(engine, parsed as Record<string, unknown>)) };
  } catch (err) {
    return errorResponse(err);
  }
}

function errorResponse(err: unknown): { status: number; body: unknown; internalError?: unknown } {
  if (err instanceof ProtocolError) return { status: err.status, body: { __type: err.type, message: err.message } };
  if (err instanceof EngineError) {
    const type = err.code === 'ValidationException' ? `${CORAL_VALIDATE}ValidationException` : `${SFN_NAMESPACE}${err.code}`;
    return { status: 400, body: { __type: type, message: err.message } };
  }
  return { status: 500, body: { __type: `${CORAL_SERVICE}InternalFailure`, message: 'An internal error occurred in the embedded Step Functions engine' }, internalError: err };
}

/** The stack of an unexpected error without its message line: messages may quote inputs or tokens. */
function describeInternalError(err: unknown): string {
  if (!(err instanceof Error)) return `internal error: ${typeof err}`;
  const frames = (err.stack ?? '').split('\n').filter((line) => line.trimStart().startsWith('at '));
  return [`internal error: ${err.name}`, ...frames].join('\n');
}

class BodyTooLarge extends Error {}

function readBody(req: IncomingMessage, limit: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > limit) {
      reject(new BodyTooLarge());
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        reject(new BodyTooLarge());
        req.removeAllListeners('data');
        req.resume();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function send(res: ServerResponse, status: number, body: unknown, requestId: string, extraHeaders: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  const headers: Record<string, string | number> = {
    'Content-Type': CONTENT_TYPE,
    'Content-Length': Buffer.byteLength(text),
    'x-amzn-RequestId': requestId,
    ...extraHeaders,
  };
  const type = status >= 400 && body !== null && typeof body === 'object' && '__type' in body ? String(body.__type) : undefined;
  if (type) headers['x-amzn-ErrorType'] = type.split('#')[1] ?? type;
  res.writeHead(status, headers);
  res.end(text);
}

/** Starts the protocol server. The engine must already be started. */
export async function startSfnServer(engine: Engine, options: SfnServerOptions = {}): Promise<SfnServer> {
  const host = options.host ?? '127.0.0.1';
  const limit = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const log = options.log;

  const server = createServer((req, res) => {
    const started = performance.now();
    const requestId = randomUUID();
    const target = req.headers['x-amz-target'];
    const targetHeader = Array.isArray(target) ? target[0] : target;
    const finish = (status: number, body: unknown, headers?: Record<string, string>): void => {
      send(res, status, body, requestId, headers);
      if (log) {
        const action = targetHeader?.startsWith(TARGET_PREFIX) ? targetHeader.slice(TARGET_PREFIX.length) : '-';
        const type = status >= 400 && body !== null && typeof body === 'object' && '__type' in body ? ` ${String(body.__type).split('#').pop()}` : '';
        log(`${req.method} ${truncate(action)} ${status}${type} ${(performance.now() - started).toFixed(1)}ms ${requestId}`);
      }
    };
    const path = (req.url ?? '/').split('?')[0];
    if (path !== '/') {
      req.resume();
      finish(404, { __type: `${CORAL_SERVICE}UnknownOperationException`, message: 'Not found: the Step Functions API is served at POST /' });
      return;
    }
    if (req.method !== 'POST') {
      req.resume();
      finish(405, { __type: `${CORAL_SERVICE}UnknownOperationException`, message: 'Method not allowed: use POST' }, { Allow: 'POST' });
      return;
    }
    readBody(req, limit).then(
      async (raw) => {
        const { status, body, internalError } = await dispatch(engine, targetHeader, raw);
        finish(status, body);
        if (internalError !== undefined && log) log(describeInternalError(internalError));
      },
      (err: unknown) => {
        if (err instanceof BodyTooLarge) {
          finish(413, { __type: `${CORAL_SERVICE}RequestEntityTooLargeException`, message: `Request body exceeds ${limit} bytes` }, { Connection: 'close' });
        } else if (!res.headersSent) {
          finish(400, { __type: `${CORAL_SERVICE}SerializationException`, message: 'Could not read the request body' });
        }
      },
    );
  });
  server.keepAliveTimeout = 5_000;
  // Unauthenticated: loopback callers only, and no browser page of another origin (local/loopback-guard.mjs).
  guardServer(server);

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const urlHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `http://${urlHost}:${address.port}`,
    port: address.port,
    host: address.address,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
}
