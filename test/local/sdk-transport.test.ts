/**
 * The in-process transport (local/sdk-transport.ts) against the real services:
 * dynalite on its thread, the SES emulator, the engine's Step Functions API
 * and the local Secrets Manager. The clients' endpoint is a closed port, so
 * any request that took the HTTP path would fail: every answer here came
 * through the services' own request listeners.
 */
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import type { IncomingMessage, Server } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConditionalCheckFailedException, CreateTableCommand, DynamoDBClient, GetItemCommand, PutItemCommand, QueryCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { GetSecretValueCommand, ResourceNotFoundException, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SendEmailCommand, SESClient } from '@aws-sdk/client-ses';
import { CreateStateMachineCommand, DescribeExecutionCommand, ExecutionDoesNotExist, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { createEngine, MemoryStore, type Engine } from '../../local/engine/index';
import { startSfnServer, type SfnServer } from '../../local/engine/http-server';
import { startSecretsServer, type SecretsServer } from '../../local/secrets';
import { sdkTransport, startDevServer, startDynalite, type DevServer } from '../../local/dev-runtime';
import { lead } from '../e2e/harness';
import { INJECTED_REQUEST_START, requestListenerOf } from '../../local/inject.mjs';
import { InProcessHandler, listenerExchange, type Exchange } from '../../local/sdk-transport';

const CLOSED = 'http://127.0.0.1:9'; // nothing listens there: the HTTP path would fail
const region = 'us-east-1';
const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
const TABLE = 'transport-test';

/** Records the raw answers (status, headers) the client deserialized. */
function rawResponses(client: { middlewareStack: DynamoDBClient['middlewareStack'] }): { statusCode: number; headers: Record<string, string> }[] {
  const seen: { statusCode: number; headers: Record<string, string> }[] = [];
  client.middlewareStack.add(
    (next) => async (args) => {
      try {
        const out = await next(args);
        seen.push(out.response as { statusCode: number; headers: Record<string, string> });
        return out;
      } catch (err) {
        const response = (err as { $response?: { statusCode: number; headers: Record<string, string> } }).$response;
        if (response !== undefined) seen.push(response);
        throw err;
      }
    },
    { step: 'deserialize', name: 'recordRawResponse', priority: 'low' },
  );
  return seen;
}

describe('in-process transport: dynalite on its thread', () => {
  let dir: string;
  let dynamo: { port: number; exchange: Exchange; close(): Promise<void> };
  let local: DynamoDBClient;
  let overHttp: DynamoDBClient;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'transport-'));
    dynamo = await startDynalite(join(dir, 'db'), 0, '127.0.0.1');
    local = new DynamoDBClient({ endpoint: CLOSED, region, credentials, requestHandler: new InProcessHandler(dynamo.exchange) });
    overHttp = new DynamoDBClient({ endpoint: `http://127.0.0.1:${dynamo.port}`, region, credentials });
    await local.send(
      new CreateTableCommand({
        TableName: TABLE,
        KeySchema: [
          { AttributeName: 'pk', KeyType: 'HASH' },
          { AttributeName: 'sk', KeyType: 'RANGE' },
        ],
        AttributeDefinitions: [
          { AttributeName: 'pk', AttributeType: 'S' },
          { AttributeName: 'sk', AttributeType: 'S' },
        ],
        BillingMode: 'PAY_PER_REQUEST',
      }),
    );
  });
  afterAll(async () => {
    local.destroy();
    overHttp.destroy();
    await dynamo.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('puts, gets, queries and updates through dynalite, which the HTTP endpoint then sees too', async () => {
    await local.send(new PutItemCommand({ TableName: TABLE, Item: { pk: { S: 'lead#1' }, sk: { S: 'profile' }, stage: { S: 'new' }, n: { N: '1' } } }));
    await local.send(new PutItemCommand({ TableName: TABLE, Item: { pk: { S: 'lead#1' }, sk: { S: 'event#1' }, kind: { S: 'captured' } } }));
    const got = await local.send(new GetItemCommand({ TableName: TABLE, Key: { pk: { S: 'lead#1' }, sk: { S: 'profile' } }, ConsistentRead: true }));
    expect(got.Item).toEqual({ pk: { S: 'lead#1' }, sk: { S: 'profile' }, stage: { S: 'new' }, n: { N: '1' } });
    const q = await local.send(new QueryCommand({ TableName: TABLE, KeyConditionExpression: 'pk = :p AND begins_with(sk, :e)', ExpressionAttributeValues: { ':p': { S: 'lead#1' }, ':e': { S: 'event#' } } }));
    expect(q.Count).toBe(1);
    expect(q.Items?.[0]?.kind).toEqual({ S: 'captured' });
    const up = await local.send(
      new UpdateItemCommand({
        TableName: TABLE,
        Key: { pk: { S: 'lead#1' }, sk: { S: 'profile' } },
        UpdateExpression: 'SET stage = :q ADD n :one',
        ConditionExpression: 'stage = :new',
        ExpressionAttributeValues: { ':q': { S: 'qualified' }, ':new': { S: 'new' }, ':one': { N: '1' } },
        ReturnValues: 'ALL_NEW',
      }),
    );
    expect(up.Attributes?.stage).toEqual({ S: 'qualified' });
    expect(up.Attributes?.n).toEqual({ N: '2' });
    const seenOverHttp = await overHttp.send(new GetItemCommand({ TableName: TABLE, Key: { pk: { S: 'lead#1' }, sk: { S: 'profile' } }, ConsistentRead: true }));
    expect(seenOverHttp.Item?.stage).toEqual({ S: 'qualified' });
  });

  it('delivers a failed condition as the SDK expects it over HTTP: ConditionalCheckFailedException, status 400, request id and checksum headers', async () => {
    const localRaw = rawResponses(local);
    const httpRaw = rawResponses(overHttp);
    const failing = (): UpdateItemCommand =>
      new UpdateItemCommand({ TableName: TABLE, Key: { pk: { S: 'lead#1' }, sk: { S: 'profile' } }, UpdateExpression: 'SET stage = :x', ConditionExpression: 'stage = :never', ExpressionAttributeValues: { ':x': { S: 'x' }, ':never': { S: 'never' } } });
    const viaLocal = await local.send(failing()).catch((err: unknown) => err);
    const viaHttp = await overHttp.send(failing()).catch((err: unknown) => err);
    expect(viaLocal).toBeInstanceOf(ConditionalCheckFailedException);
    const err = viaLocal as ConditionalCheckFailedException;
    const ref = viaHttp as ConditionalCheckFailedException;
    expect(err.name).toBe('ConditionalCheckFailedException');
    expect(err.message).toBe(ref.message);
    expect(err.message).toBe('The conditional request failed');
    expect(err.$fault).toBe('client');
    expect(err.$metadata.httpStatusCode).toBe(400);
    expect(err.$metadata.requestId).toMatch(/^[0-9A-Z]{52}$/);
    const [l, h] = [localRaw.at(-1), httpRaw.at(-1)];
    expect(l?.statusCode).toBe(400);
    expect(l?.headers['x-amzn-requestid']).toBe(err.$metadata.requestId);
    expect(l?.headers['x-amz-crc32']).toMatch(/^\d+$/);
    expect(l?.headers['content-type']).toBe(h?.headers['content-type']);
    // Same answer headers as over HTTP, less the connection's own.
    const names = (r: typeof l): string[] => Object.keys(r?.headers ?? {}).filter((k) => !['date', 'connection', 'keep-alive'].includes(k)).sort();
    expect(names(l)).toEqual(names(h));
  });

  it('carries a 350 KB item both ways intact', async () => {
    const big = 'é'.repeat(175_000) + 'x'; // two bytes each in UTF-8: ~350 KB, under the 400 KB item limit
    await local.send(new PutItemCommand({ TableName: TABLE, Item: { pk: { S: 'big' }, sk: { S: 'one' }, body: { S: big } } }));
    const got = await local.send(new GetItemCommand({ TableName: TABLE, Key: { pk: { S: 'big' }, sk: { S: 'one' } } }));
    expect(got.Item?.body?.S).toBe(big);
  });

  it('serves the document client, which shares its inner client configuration (the transport)', async () => {
    const doc = DynamoDBDocumentClient.from(local);
    expect(doc.config).toBe(local.config);
    expect(doc.config.requestHandler).toBeInstanceOf(InProcessHandler);
    const got = await doc.send(new GetCommand({ TableName: TABLE, Key: { pk: 'lead#1', sk: 'profile' } }));
    expect(got.Item).toMatchObject({ stage: 'qualified', n: 2 });
  });

  it('keeps dynalite validation errors as they are', async () => {
    const err = await local.send(new GetItemCommand({ TableName: 'no', Key: { pk: { S: 'x' } } })).catch((e: unknown) => e);
    expect((err as Error).name).toBe('ValidationException');
    expect((err as Error).message).toBe("1 validation error detected: Value 'no' at 'tableName' failed to satisfy constraint: Member must have length greater than or equal to 3");
  });
});

describe('in-process transport: services in this thread', () => {
  let sesServer: Server;
  let engine: Engine;
  let sfnServer: SfnServer;
  let secretsServer: SecretsServer;
  const require = createRequire(import.meta.url);
  const sesStore = require('aws-ses-v2-local/dist/store.js') as { getStoreReadonly(): { emails: { messageId: string; subject: string; destination: { to: string[] } }[] } };

  beforeAll(async () => {
    const start = (require('aws-ses-v2-local') as { default: (c: { host: string; port: number }) => Promise<Server> }).default;
    sesServer = await start({ host: '127.0.0.1', port: 0 });
    engine = createEngine({ store: new MemoryStore(), lambdas: new Map(), region, accountId: '123456789012' });
    await engine.start();
    sfnServer = await startSfnServer(engine);
    secretsServer = await startSecretsServer({ secrets: [{ name: 'app/key', value: '{"apiKey":"k"}' }], region, accountId: '123456789012' });
  });
  afterAll(async () => {
    sesServer.closeAllConnections();
    await new Promise((done) => sesServer.close(done));
    await sfnServer.close();
    await secretsServer.close();
    await engine.stop();
  });

  it('sends an email through the SES emulator, whose store has it, and publishes the request for counters', async () => {
    const seen: string[] = [];
    const onStart = (msg: unknown): void => {
      seen.push(((msg as { request: IncomingMessage }).request.url ?? '') + ' ' + String((msg as { request: IncomingMessage }).request.method));
    };
    subscribe(INJECTED_REQUEST_START, onStart);
    try {
      const ses = new SESClient({ endpoint: CLOSED, region, credentials, requestHandler: new InProcessHandler(listenerExchange(requestListenerOf(sesServer))) });
      const sent = await ses.send(
        new SendEmailCommand({ Source: 'sales@example.com', Destination: { ToAddresses: ['lead@example.com'] }, Message: { Subject: { Data: 'Transport check' }, Body: { Text: { Data: 'Hello & welcome' } } } }),
      );
      expect(sent.MessageId).toBeTruthy();
      const stored = sesStore.getStoreReadonly().emails.find((e) => e.messageId === sent.MessageId);
      expect(stored?.subject).toBe('Transport check');
      expect(stored?.destination.to).toEqual(['lead@example.com']);
    } finally {
      unsubscribe(INJECTED_REQUEST_START, onStart);
    }
    expect(seen).toEqual(['/ POST']);
  });

  it('starts and describes an execution through the engine API, and its errors keep their names', async () => {
    const sfn = new SFNClient({ endpoint: CLOSED, region, credentials, requestHandler: new InProcessHandler(listenerExchange(sfnServer.listener)) });
    const sm = await sfn.send(new CreateStateMachineCommand({ name: 'transport', definition: JSON.stringify({ QueryLanguage: 'JSONata', StartAt: 'Done', States: { Done: { Type: 'Pass', End: true } } }), roleArn: 'arn:aws:iam::123456789012:role/x' }));
    const started = await sfn.send(new StartExecutionCommand({ stateMachineArn: sm.stateMachineArn, name: 'one', input: '{"a":1}' }));
    const described = await sfn.send(new DescribeExecutionCommand({ executionArn: started.executionArn }));
    expect(described.name).toBe('one');
    expect(described.startDate).toBeInstanceOf(Date);
    const missing = await sfn.send(new DescribeExecutionCommand({ executionArn: `${started.executionArn}-missing` })).catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(ExecutionDoesNotExist);
    expect((missing as ExecutionDoesNotExist).$metadata.httpStatusCode).toBe(400);
  });

  it('reads a secret from the local Secrets Manager, and a missing one fails as on AWS', async () => {
    const secrets = new SecretsManagerClient({ endpoint: CLOSED, region, credentials, requestHandler: new InProcessHandler(listenerExchange(secretsServer.listener)) });
    expect((await secrets.send(new GetSecretValueCommand({ SecretId: 'app/key' }))).SecretString).toBe('{"apiKey":"k"}');
    await expect(secrets.send(new GetSecretValueCommand({ SecretId: 'app/other' }))).rejects.toBeInstanceOf(ResourceNotFoundException);
  });
});

describe('LOCAL_SDK_TRANSPORT', () => {
  it('is in-process unless set to http, and names itself when wrong', () => {
    expect(sdkTransport(undefined)).toBe('in-process');
    expect(sdkTransport('')).toBe('in-process');
    expect(sdkTransport('in-process')).toBe('in-process');
    expect(sdkTransport('http')).toBe('http');
    expect(() => sdkTransport('tcp')).toThrow(/LOCAL_SDK_TRANSPORT must be in-process or http/);
  });
});

describe('the dev runtime puts the transport under the functions’ clients', () => {
  let dir: string;
  let dev: DevServer;
  const seen: string[] = [];
  const onStart = (msg: unknown): void => {
    const { request } = msg as { request: IncomingMessage };
    seen.push(String(request.headers['x-amz-target'] ?? `${request.method} ${request.url}`));
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'transport-dev-'));
    subscribe(INJECTED_REQUEST_START, onStart);
    dev = await startDevServer({ dataDir: dir, port: 0, demo: false, digestTimer: false, apiKey: 'transport-test-key-0123456789', log: () => undefined });
  }, 60_000);
  afterAll(async () => {
    unsubscribe(INJECTED_REQUEST_START, onStart);
    await dev.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves a new lead end to end through the in-process transport (secret, execution start, first email)', async () => {
    const clients = await import('../../functions/lib/clients');
    for (const client of [clients.ddb, clients.ses, clients.sfn, clients.secrets]) expect(client.config.requestHandler).toBeInstanceOf(InProcessHandler);
    const res = await fetch(`${dev.urls.app}/leads`, { method: 'POST', headers: { authorization: 'Bearer transport-test-key-0123456789', 'content-type': 'application/json' }, body: JSON.stringify(lead('transport-1', 'Transport Co')) });
    expect(res.status).toBe(201);
    // capture-lead read its key and started the execution in-process; the execution's first email follows.
    expect(seen).toEqual(expect.arrayContaining(['secretsmanager.GetSecretValue', 'AWSStepFunctions.StartExecution']));
    for (let i = 0; i < 100 && !seen.includes('POST /'); i += 1) await new Promise((r) => setTimeout(r, 100));
    expect(seen).toContain('POST /'); // SES SendEmail (query protocol)
  });
});
