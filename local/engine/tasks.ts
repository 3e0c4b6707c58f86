/**
 * Task resources: Lambda (optimized lambda:invoke, .waitForTaskToken, bare
 * function ARN) through the in-process registry, and DynamoDB item actions
 * through the configured client.
 */
import { randomUUID } from 'node:crypto';
import {
  DeleteItemCommand,
  GetItemCommand,
  PutItemCommand,
  UpdateItemCommand,
  type DeleteItemCommandInput,
  type DynamoDBClient,
  type GetItemCommandInput,
  type PutItemCommandInput,
  type UpdateItemCommandInput,
} from '@aws-sdk/client-dynamodb';
import type { LambdaContext, LambdaHandler, LambdaRegistry } from './api';
import { StatesError } from './errors';
import type { Json } from './jsonata-eval';

interface LambdaTarget {
  handler: LambdaHandler;
  functionName: string;
  arn: string;
}

const LAMBDA_ARN_RE = /^arn:aws[a-z-]*:lambda:([a-z0-9-]+):(\d{12}):function:([A-Za-z0-9_-]+)(?::([A-Za-z0-9_$-]+))?$/;
const PARTIAL_RE = /^(\d{12}):function:([A-Za-z0-9_-]+)(?::([A-Za-z0-9_$-]+))?$/;

export function resolveLambda(registry: LambdaRegistry, ref: unknown, region: string, accountId: string): LambdaTarget | undefined {
  if (typeof ref !== 'string' || ref.length === 0) return undefined;
  let name = ref;
  let qualifier: string | undefined;
  const full = LAMBDA_ARN_RE.exec(ref);
  const partial = PARTIAL_RE.exec(ref);
  if (full) {
    name = full[3]!;
    qualifier = full[4];
  } else if (partial) {
    name = partial[2]!;
    qualifier = partial[3];
  } else if (ref.includes(':')) {
    const [n, q] = ref.split(':');
    name = n!;
    qualifier = q;
  }
  const arn = `arn:aws:lambda:${region}:${accountId}:function:${name}`;
  const candidates = [ref, name, arn, qualifier ? `${arn}:${qualifier}` : undefined];
  if (full) candidates.push(`arn:aws:lambda:${full[1]}:${full[2]}:function:${name}`);
  for (const c of candidates) {
    if (c === undefined) continue;
    const h = registry.get(c);
    if (h) return { handler: h, functionName: name, arn: full ? ref : arn };
  }
  return undefined;
}

export function lambdaNotFound(ref: unknown, region: string, accountId: string): StatesError {
  const name = typeof ref === 'string' ? ref : JSON.stringify(ref);
  const arn = name.startsWith('arn:') ? name : `arn:aws:lambda:${region}:${accountId}:function:${name}`;
  return new StatesError(
    'Lambda.ResourceNotFoundException',
    `Function not found: ${arn} (Service: AWSLambda; Status Code: 404; Error Code: ResourceNotFoundException; Request ID: ${randomUUID()}; Proxy: null)`,
  );
}

/** Runs a handler; a throw becomes a StatesError named after the error type, cause shaped like Lambda's. */
export async function invokeHandler(target: LambdaTarget, payload: Json, deadline: number | undefined, now: () => number): Promise<Json> {
  const requestId = randomUUID();
  const context: LambdaContext = {
    functionName: target.functionName,
    invokedFunctionArn: target.arn,
    awsRequestId: requestId,
    getRemainingTimeInMillis: () => (deadline === undefined ? 900_000 : Math.max(0, deadline - now())),
  };
  let result: unknown;
  try {
    result = await target.handler(structuredCloneJson(payload), context);
  } catch (err) {
    const e = err as { name?: string; message?: string; stack?: string };
    const errorType = typeof e?.name === 'string' && e.name ? e.name : 'Error';
    const errorMessage = typeof e?.message === 'string' ? e.message : String(err);
    const trace = typeof e?.stack === 'string' ? e.stack.split('\n') : [];
    throw new StatesError(errorType, JSON.stringify({ errorMessage, errorType, trace }));
  }
  if (result === undefined) return null;
  try {
    return JSON.parse(JSON.stringify(result)) as Json;
  } catch {
    throw new StatesError('Lambda.InvalidResponseException', 'The Lambda function returned a value that is not JSON-serializable');
  }
}

function structuredCloneJson(v: Json): Json {
  return v === null || typeof v !== 'object' ? v : (JSON.parse(JSON.stringify(v)) as Json);
}

/** The lambda:invoke result as Step Functions returns it. */
export function lambdaInvokeResult(payload: Json): Json {
  const requestId = randomUUID();
  const date = new Date().toUTCString();
  return {
    ExecutedVersion: '$LATEST',
    Payload: payload,
    SdkHttpMetadata: {
      AllHttpHeaders: {
        'X-Amz-Executed-Version': ['$LATEST'],
        'x-amzn-Remapped-Content-Length': ['0'],
        Connection: ['keep-alive'],
        'x-amzn-RequestId': [requestId],
        'Content-Length': [String(JSON.stringify(payload).length)],
        Date: [date],
        'X-Amzn-Trace-Id': [`Root=1-${randomUUID().replace(/-/g, '').slice(0, 24)}`],
        'Content-Type': ['application/json'],
      },
      HttpHeaders: {
        Connection: 'keep-alive',
        'Content-Length': String(JSON.stringify(payload).length),
        'Content-Type': 'application/json',
        Date: date,
        'X-Amz-Executed-Version': '$LATEST',
        'x-amzn-Remapped-Content-Length': '0',
        'x-amzn-RequestId': requestId,
      },
      HttpStatusCode: 200,
    },
    SdkResponseMetadata: { RequestId: requestId },
    StatusCode: 200,
  };
}

export async function dynamodbTask(client: DynamoDBClient | undefined, action: 'getItem' | 'putItem' | 'updateItem' | 'deleteItem', args: Json): Promise<Json> {
  if (!client) throw new StatesError('States.TaskFailed', 'No DynamoDB client is configured for this engine (EngineOptions.dynamodb)');
  if (args === null || typeof args !== 'object' || Array.isArray(args)) throw new StatesError('States.Runtime', 'The Arguments of a DynamoDB task must be an object');
  // The Arguments are the SDK command input as given; DynamoDB validates them.
  const input: unknown = args;
  let out: object;
  try {
    switch (action) {
      case 'getItem':
        out = await client.send(new GetItemCommand(input as GetItemCommandInput));
        break;
      case 'putItem':
        out = await client.send(new PutItemCommand(input as PutItemCommandInput));
        break;
      case 'updateItem':
        out = await client.send(new UpdateItemCommand(input as UpdateItemCommandInput));
        break;
      case 'deleteItem':
        out = await client.send(new DeleteItemCommand(input as DeleteItemCommandInput));
        break;
    }
  } catch (err) {
    const e = err as { name?: string; message?: string; $metadata?: { httpStatusCode?: number; requestId?: string } };
    const code = e.name ?? 'DynamoDbException';
    throw new StatesError(
      `DynamoDB.${code}`,
      `${e.message ?? String(err)} (Service: DynamoDb, Status Code: ${e.$metadata?.httpStatusCode ?? 400}, Request ID: ${e.$metadata?.requestId ?? randomUUID()})`,
    );
  }
  const { $metadata: _m, ...rest } = out as Record<string, unknown>;
  return JSON.parse(JSON.stringify(rest)) as Json;
}
