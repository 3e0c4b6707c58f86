/**
 * The embedded runtime behind `npm start`: one process, everything on
 * loopback, data in one folder so a restart loses nothing.
 *
 *   dynalite (DynamoDB API, LevelDB files)     the app table + the engine's store (own thread)
 *   aws-ses-v2-local (SES v1/v2 + viewer)      mail, copied to <data>/outbox.jsonl, behind
 *     local/ses-sandbox.ts                     SES's verified-identity checks (the sandbox:
 *                                              sesSandbox, verifiedIdentities), GetAccount, identities
 *   local CloudFormation (DescribeStacks)      a bootstrapped account (CDKToolkit) for `npm run preflight`
 *   local Secrets Manager (GetSecretValue)     the bearer key (POST /leads, DELETE /leads/{id}, GET /funnel)
 *                                              and the webhook secret (POST /webhooks/leads)
 *   local EventBridge (PutEvents)              the domain events, kept in <data>/events.jsonl (local/event-bus.ts)
 *   local/engine + its HTTP server             the Step Functions API
 *   the app server                             HTTP API routes, console, /local/*
 *
 * The functions reach these only through the standard AWS_ENDPOINT_URL_<SERVICE>
 * variables and the same environment the stack gives them (infra/function-table.ts).
 * Every service sits behind local/loopback-guard.mjs (loopback Host names only, no
 * browser page of another origin); the data folder is its owner's only (0700).
 */
import { LOCAL_ENV } from '#lib/aws/config';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { executionTimeOrigin, lockDataDir, privateDir } from './data-dir';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { CreateTableCommand, DescribeTableCommand, DynamoDBClient, ResourceNotFoundException } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Context } from 'aws-lambda';
import type { Engine, LambdaContext, LambdaHandler, LambdaRegistry } from './engine/api';
import { createEngine, DynamoDBStore } from './engine/index';
import { startSfnServer, type SfnServer } from './engine/http-server';
import { lambdaContext, type InvokableHandler, type Route } from './apigw';
import { API_ROUTES } from './api-routes';
import { startAppServer } from './app-http-server';
import { Outbox, type SesStoreModule } from './outbox';
import { guardServer } from './loopback-guard.mjs';
import { startSesSandbox } from './ses-sandbox';
import { startCloudFormationServer } from './bootstrap';
import { resolveApiKey, resolveWebhookSecret, startSecretsServer, type SecretsServer } from './secrets';

export { resolveApiKey } from './secrets';
import { readBusEvents, startEventBus } from './event-bus';
import { FaultInjector, parseFaultRules, startFaultProxy, withLambdaFaults } from './faults';
import { ConsoleData } from './console/data';
import { executionNow } from './console/history';
import { localRoutes } from './local-routes';
import type { RosterBody } from './console/roster-page';
import { digestRoute, localPeriodSoFar, startDigestTimer, type SendDigestEvent } from './digest-timer';
import { parseSchedule } from '#lib/digest/schedule';
import type { SettingKey } from '#lib/aws/settings';
import { ASL_FUNCTION_PLACEHOLDERS, aslSubstitutions, substitute, type AslFunctionPlaceholder } from '../infra/asl-substitutions';
import { FUNCTIONS, FUNCTION_NAMES, functionEnvironment, type FunctionName, type PipelineResources } from '../infra/function-table';
import { resolveSettings, type PipelineSettings } from '../infra/settings';
import { TABLE_SCHEMA, createTableInput } from '../infra/table-schema';
import { ASL_FILE, REPO_ROOT } from '../infra/paths';

export const REGION = 'us-east-1';
export const ACCOUNT_ID = '123456789012';
export const TABLE_NAME = 'the-model-pipeline';
export const ENGINE_TABLE_NAME = 'sfn-local-engine';
export const STATE_MACHINE_NAME = 'lead-lifecycle';
export const API_KEY_SECRET_NAME = 'the-model-pipeline/api-key';
export const WEBHOOK_SECRET_NAME = 'the-model-pipeline/webhook-secret';
export const EVENT_BUS_NAME = 'the-model-pipeline-events';
export const FUNCTION_PREFIX = 'the-model-pipeline-';

export interface LocalStackOptions {
  dataDir: string;
  /** App port (0: any free port). */
  port: number;
  /** Ports of the embedded services (0: any free port). */
  sfnPort?: number;
  dynamodbPort?: number;
  sesPort?: number;
  secretsPort?: number;
  /** EventBridge (PutEvents; local/event-bus.ts). Default: any free port. */
  eventBridgePort?: number;
  /** CloudFormation (DescribeStacks of the bootstrap stack only; local/bootstrap.ts). Default: any free port. */
  cloudformationPort?: number;
  host?: string;
  reset?: boolean;
  demo?: boolean;
  timeScale?: number;
  /** Bearer key; default: PIPELINE_API_KEY, else the one kept in the data folder, else a new one. */
  apiKey?: string;
  /** Webhook secret (POST /webhooks/leads); default: PIPELINE_WEBHOOK_SECRET, else the one kept in the data folder, else a new one. */
  webhookSecret?: string;
  /** Settings overrides, as `cdk deploy -c key=value` would give them. */
  settings?: Partial<Record<SettingKey, unknown>>;
  /** Interval of the reminder sweep in real milliseconds. Default: 15 minutes / time scale, between 1 s and 60 s. */
  reminderIntervalMs?: number;
  /** Send the team digests on digestSchedule (scaled by timeScale; local/digest-timer.ts). Default true. POST /local/digest works either way. */
  digestTimer?: boolean;
  /** Handler log level (Powertools). Default WARN: the console stays readable. */
  logLevel?: string;
  log?: (line: string) => void;
}

export interface LocalStack {
  urls: { app: string; console: string; sfn: string; dynamodb: string; ses: string; mailViewer: string; secrets: string; cloudformation: string; eventBridge: string };
  apiKey: string;
  webhookSecret: string;
  apiKeySource: 'env' | 'data' | 'generated';
  engine: Engine;
  stateMachineArn: string;
  settings: PipelineSettings;
  dataDir: string;
  /** Resolves when the demo leads have been seeded (immediately without demo). */
  demoDone: Promise<void>;
  close(): Promise<void>;
}

const require = createRequire(import.meta.url);

type SesServerFactory = (config: { host: string; port: number }) => Promise<Server>;

/** dynalite on its own thread (local/dynalite-worker.mjs): the DynamoDB API on the second core. */
async function startDynalite(path: string, port: number, host: string): Promise<{ port: number; close(): Promise<void> }> {
  // A young generation of 16 MB (V8's default lets each semi-space grow to 16 MB): dynalite's garbage dies young; the thread's
  // heap reserved 49 MB with 2,000 parked leads, 34 MB with this (docs/performance.md, section 5).
  const resourceLimits = { maxYoungGenerationSizeMb: 16 };
  const worker = new Worker(new URL('./dynalite-worker.mjs', import.meta.url), { workerData: { path, port, host }, resourceLimits });
  const listening = await new Promise<number>((done, fail) => {
    const onExit = (code: number): void => fail(new Error(`dynalite thread exited with ${code}`));
    worker.once('error', fail);
    worker.once('exit', onExit);
    worker.once('message', (msg: { port?: number; error?: { message: string; code?: string } }) => {
      worker.off('error', fail);
      worker.off('exit', onExit);
      if (msg.port !== undefined) done(msg.port);
      else fail(Object.assign(new Error(msg.error?.message ?? 'dynalite did not start'), { code: msg.error?.code }));
    });
  }).catch(async (err: unknown) => {
    await worker.terminate();
    throw err;
  });
  return {
    port: listening,
    async close() {
      // The thread closes dynalite (and LevelDB) and exits by itself; terminate() only if it hangs.
      // A request cut off by the stop can still reach LevelDB after it closed: dynalite then throws
      // "Database is closed" on its thread. That work is resumed at the next start (the engine's state
      // is durable), so it is not a failure of the stop; any other error is.
      let failure: Error | undefined;
      worker.on('error', (err) => {
        if (err.message !== 'Database is closed') failure ??= err;
      });
      const exited = new Promise<void>((done) => worker.once('exit', () => done()));
      const hung = setTimeout(() => void worker.terminate(), 10_000);
      worker.postMessage('close');
      await exited;
      clearTimeout(hung);
      if (failure !== undefined) throw failure;
    },
  };
}

function loadSes(): { start: SesServerFactory; store: SesStoreModule } {
  const mod = require('aws-ses-v2-local') as { default: SesServerFactory };
  const store = require('aws-ses-v2-local/dist/store.js') as SesStoreModule;
  return { start: mod.default, store };
}

async function closeServer(server: Server): Promise<void> {
  server.closeAllConnections();
  await new Promise<void>((done) => server.close(() => done()));
}

function hostUrl(host: string, port: number): string {
  return `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
}

export function functionArn(name: FunctionName): string {
  return `arn:aws:lambda:${REGION}:${ACCOUNT_ID}:function:${FUNCTION_PREFIX}${name}`;
}

/** The environment of every function at once (they share a process), plus the SDK endpoints. */
export function processEnvironment(settings: PipelineSettings, resources: PipelineResources, endpoints: { dynamodb: string; sfn: string; ses: string; secrets: string; eventBridge: string }, logLevel: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const name of FUNCTION_NAMES) {
    for (const [k, v] of Object.entries(functionEnvironment(name, settings, resources))) {
      if (env[k] !== undefined && env[k] !== v) throw new Error(`Functions disagree on ${k}: one process cannot hold both values`);
      env[k] = v;
    }
  }
  return {
    ...env,
    AWS_REGION: REGION,
    AWS_DEFAULT_REGION: REGION,
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    AWS_ENDPOINT_URL_DYNAMODB: endpoints.dynamodb,
    AWS_ENDPOINT_URL_SFN: endpoints.sfn,
    AWS_ENDPOINT_URL_SES: endpoints.ses,
    AWS_ENDPOINT_URL_SESV2: endpoints.ses,
    AWS_ENDPOINT_URL_SECRETS_MANAGER: endpoints.secrets,
    AWS_ENDPOINT_URL_EVENTBRIDGE: endpoints.eventBridge,
    AWS_EC2_METADATA_DISABLED: 'true',
    [LOCAL_ENV.consoleBaseUrl]: resources.publicBaseUrl,
    POWERTOOLS_LOG_LEVEL: logLevel,
    POWERTOOLS_METRICS_DISABLED: 'true',
    POWERTOOLS_TRACE_ENABLED: 'false',
    // Tracing is off, but the X-Ray SDK (loaded by Powertools Tracer) still installs an async hook
    // with a destroy callback on every promise and socket of the process unless in manual mode:
    // 6% of the dev server's CPU profile (registerDestroyHook), plus the garbage it leaves.
    AWS_XRAY_MANUAL_MODE: 'true',
  };
}

type HandlerModule = { handler?: unknown };

async function importHandler(name: FunctionName, log: (line: string) => void): Promise<InvokableHandler> {
  const file = join(REPO_ROOT, 'functions', `${name}.ts`);
  if (!existsSync(file)) {
    log(`warning: functions/${name}.ts is missing: whatever invokes it fails`);
    return async () => {
      throw new Error(`functions/${name}.ts is missing`);
    };
  }
  const mod = (await import(pathToFileURL(file).href)) as HandlerModule;
  if (typeof mod.handler !== 'function') throw new Error(`functions/${name}.ts does not export a handler`);
  return mod.handler as InvokableHandler;
}

/**
 * How many state-machine invocations run at once (LOCAL_LAMBDA_CONCURRENCY,
 * default 16): Lambda runs each invocation in its own sandbox, one process
 * does not; without a bound, hundreds of executions starting together share
 * one CPU and one dynalite, and every handler overruns its timeout. Waiting
 * for a slot does not count against the timeout (the invocation has not
 * started, as a throttled one on AWS has not).
 */
const LAMBDA_SLOTS = Math.max(1, Number(process.env.LOCAL_LAMBDA_CONCURRENCY ?? 16) || 16);
let lambdaRunning = 0;
const lambdaQueue: (() => void)[] = [];
async function lambdaSlot<T>(run: () => Promise<T>): Promise<T> {
  if (lambdaRunning >= LAMBDA_SLOTS) await new Promise<void>((go) => lambdaQueue.push(go));
  else lambdaRunning += 1;
  try {
    return await run();
  } finally {
    const next = lambdaQueue.shift();
    if (next !== undefined) next();
    else lambdaRunning -= 1;
  }
}

/** Wraps a handler for the engine's Lambda registry: a full Lambda context, and errors shaped as Lambda reports them. */
function forEngine(name: FunctionName, handler: InvokableHandler): LambdaHandler {
  return async (event: unknown, ctx: LambdaContext) =>
    lambdaSlot(() => {
      const context: Context = { ...lambdaContext(`${FUNCTION_PREFIX}${name}`, REGION, ACCOUNT_ID, FUNCTIONS[name].timeoutSeconds * 1000), awsRequestId: ctx.awsRequestId };
      return handler(event as never, context);
    });
}

/** Routes of the HTTP API (local/api-routes.ts), each to its function's handler. */
function apiRoutes(h: Partial<Record<FunctionName, InvokableHandler>>): Route[] {
  return API_ROUTES.map(([method, path, name]) => {
    const handler = h[name];
    if (handler === undefined) throw new Error(`missing handler ${name}`);
    return { method, path, functionName: `${FUNCTION_PREFIX}${name}`, handler };
  });
}

async function ensureTable(client: DynamoDBClient, tableName: string): Promise<boolean> {
  try {
    const existing = await client.send(new DescribeTableCommand({ TableName: tableName }));
    // dynalite cannot add an index to a table: a data folder from before an index was added must be started afresh.
    const have = new Set((existing.Table?.GlobalSecondaryIndexes ?? []).map((g) => g.IndexName));
    const missing = TABLE_SCHEMA.globalSecondaryIndexes.map((g) => g.indexName).filter((name) => !have.has(name));
    if (missing.length > 0) throw new Error(`the local table ${tableName} lacks the index ${missing.join(', ')} (added since its data folder was made): start with an empty --data folder`);
    return false;
  } catch (err) {
    if (!(err instanceof ResourceNotFoundException)) throw err;
  }
  await client.send(new CreateTableCommand(createTableInput(tableName)));
  for (let i = 0; i < 100; i += 1) {
    const d = await client.send(new DescribeTableCommand({ TableName: tableName }));
    if (d.Table?.TableStatus === 'ACTIVE' && (d.Table.GlobalSecondaryIndexes ?? []).every((g) => g.IndexStatus === 'ACTIVE')) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`table ${tableName} did not become ACTIVE`);
}

/**
 * The identities the local SES treats as verified: `verifiedIdentities` when
 * given; otherwise its default (every team address) and the sender's identity
 * (mailIdentity, by default the mailFrom address, which the stack creates),
 * so the demo runs with the sandbox on.
 */
export function localVerifiedIdentities(settings: PipelineSettings, given: boolean): string[] {
  return given ? [...settings.verifiedIdentities] : [...new Set([...settings.verifiedIdentities, settings.mailIdentity])];
}

export async function startLocalStack(options: LocalStackOptions): Promise<LocalStack> {
  const log = options.log ?? ((line: string) => process.stdout.write(`${line}\n`));
  const host = options.host ?? '127.0.0.1';
  const dataDir = resolve(options.dataDir);
  privateDir(dataDir);
  // Lock first: --reset must not wipe the folder of a runtime that is running.
  let releaseLock = lockDataDir(dataDir);
  if (options.reset === true) {
    releaseLock();
    rmSync(dataDir, { recursive: true, force: true });
    privateDir(dataDir);
    releaseLock = lockDataDir(dataDir);
  }
  const fresh = readdirSync(dataDir).every((f) => f === 'runtime.pid' || f === 'time-origin.json');
  const timeScale = options.timeScale !== undefined && options.timeScale > 0 ? options.timeScale : 1;
  const timeOrigin = executionTimeOrigin(dataDir);
  const cleanups: (() => Promise<void>)[] = [];
  const closeAll = async (): Promise<void> => {
    for (const c of cleanups.splice(0).reverse()) {
      try {
        await c();
      } catch {
        // keep closing the rest
      }
    }
    releaseLock();
  };

  try {
    const { key: apiKey, source: apiKeySource } = resolveApiKey(dataDir, options.apiKey ?? process.env.PIPELINE_API_KEY);
    const { key: webhookSecret } = resolveWebhookSecret(dataDir, options.webhookSecret ?? process.env.PIPELINE_WEBHOOK_SECRET);

    // DynamoDB
    const dynamo = await startDynalite(join(dataDir, 'dynamodb'), options.dynamodbPort ?? 0, host);
    cleanups.push(() => dynamo.close());
    const dynamoPort = dynamo.port;
    privateDir(join(dataDir, 'dynamodb')); // LevelDB's files: created with the process umask, kept in folders only the owner opens
    const dynamoUrl = hostUrl(host, dynamoPort);

    // Settings: the same code the stack uses (a bad value fails here, naming its key).
    const settings = resolveSettings({ ...(options.settings ?? {}) });

    // SES (+ the outbox file): the emulator on any port, behind the sandbox layer (local/ses-sandbox.ts) on --ses-port.
    const ses = loadSes();
    const sesServer = await ses.start({ host, port: 0 });
    // The emulator takes the sandbox layer's Host and Origin too (its viewer is browsed there, requests forwarded as they came).
    const sesFront: number[] = [];
    guardServer(sesServer, { pages: true, ports: sesFront });
    cleanups.push(() => closeServer(sesServer));
    const sandbox = await startSesSandbox({
      upstream: hostUrl(host, (sesServer.address() as AddressInfo).port),
      region: REGION,
      sandbox: settings.sesSandbox,
      verifiedIdentities: localVerifiedIdentities(settings, options.settings?.verifiedIdentities !== undefined),
      host,
      port: options.sesPort ?? 0,
    });
    cleanups.push(() => sandbox.close());
    guardServer(sandbox.server, { pages: true }); // the SES API and the mail viewer (its "clear" is a POST)
    sesFront.push((sandbox.server.address() as AddressInfo).port);
    const sesUrl = sandbox.url;
    const outbox = new Outbox(join(dataDir, 'outbox.jsonl'), ses.store);
    outbox.load();
    const detach = outbox.attach(ses.store);
    cleanups.push(async () => {
      detach();
      outbox.sync();
    });

    // Secrets Manager
    const secrets: SecretsServer = await startSecretsServer({
      secrets: [
        { name: API_KEY_SECRET_NAME, value: JSON.stringify({ apiKey }) },
        { name: WEBHOOK_SECRET_NAME, value: JSON.stringify({ secret: webhookSecret }) },
      ],
      region: REGION, accountId: ACCOUNT_ID, port: options.secretsPort ?? 0, host });
    cleanups.push(() => secrets.close());

    // EventBridge: the domain events' bus, appended to <data>/events.jsonl.
    const eventsFile = join(dataDir, 'events.jsonl');
    const eventBus = await startEventBus({ buses: [EVENT_BUS_NAME], region: REGION, accountId: ACCOUNT_ID, file: eventsFile, host, port: options.eventBridgePort ?? 0 });
    cleanups.push(() => eventBus.close());

    // A bootstrapped account, as far as `npm run preflight` asks (local/bootstrap.ts).
    const cloudformation = await startCloudFormationServer({ region: REGION, accountId: ACCOUNT_ID, host, port: options.cloudformationPort ?? 0 });
    cleanups.push(() => cloudformation.close());

    // The functions' environment: the same code the stack uses.
    const sfnPortWanted = options.sfnPort ?? 0;
    const appPortWanted = options.port;
    const stateMachineArn = `arn:aws:states:${REGION}:${ACCOUNT_ID}:stateMachine:${STATE_MACHINE_NAME}`;

    const ddbClient = new DynamoDBClient({ endpoint: dynamoUrl, region: REGION, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
    cleanups.push(async () => ddbClient.destroy());
    const tableCreated = await ensureTable(ddbClient, TABLE_NAME);

    // The engine on its durable store, its Step Functions API.
    const lambdas: LambdaRegistry = new Map();
    // The engine keeps its executions in its own table of the same dynalite (one data folder).
    const store = new DynamoDBStore({ client: ddbClient, tableName: ENGINE_TABLE_NAME });
    cleanups.push(async () => store.close?.());
    const engine = createEngine({ store, lambdas, timeScale, timeOrigin, region: REGION, accountId: ACCOUNT_ID, dynamodb: ddbClient });
    const sfn: SfnServer = await startSfnServer(engine, { port: sfnPortWanted, host });
    cleanups.push(() => sfn.close());

    // The app server starts now (routes filled in below) so PUBLIC_BASE_URL has its real port.
    const apiHolder: { routes: Route[] } = { routes: [] };
    let localHandler: Parameters<typeof startAppServer>[0]['local'] = async () => undefined;
    const app = await startAppServer({
      api: {
        get routes() {
          return apiHolder.routes;
        },
        region: REGION,
        accountId: ACCOUNT_ID,
      },
      local: (req) => localHandler(req),
      port: appPortWanted,
      host,
      ...(settings.publicBaseUrl !== undefined ? { publicBaseUrl: settings.publicBaseUrl } : {}),
      onError: (fn, err) => log(`[${fn}] ${err instanceof Error ? err.name : 'Error'}: invocation failed`),
    });
    cleanups.push(() => app.close());

    // Fault injection (PIPELINE_FAULTS, see faults.ts): the functions' DynamoDB and SES calls go through a proxy.
    const faultSpec = process.env.PIPELINE_FAULTS;
    const faults = faultSpec !== undefined && faultSpec !== '' ? new FaultInjector(parseFaultRules(faultSpec), join(dataDir, 'faults.jsonl')) : undefined;
    let functionDynamoUrl = dynamoUrl;
    let functionSesUrl = sesUrl;
    if (faults !== undefined) {
      log(`warning: fault injection on (PIPELINE_FAULTS): ${faults.rules.map((r) => r.target).join(', ')}`);
      if (faults.has('dynamodb')) {
        const proxy = await startFaultProxy('dynamodb', dynamoUrl, faults, host);
        cleanups.push(() => closeServer(proxy.server));
        functionDynamoUrl = proxy.url;
      }
      if (faults.has('ses')) {
        const proxy = await startFaultProxy('ses', sesUrl, faults, host);
        cleanups.push(() => closeServer(proxy.server));
        functionSesUrl = proxy.url;
      }
    }

    const env = processEnvironment(
      { ...settings, publicBaseUrl: settings.publicBaseUrl ?? app.url },
      { tableName: TABLE_NAME, stateMachineArn, publicBaseUrl: app.url, apiKeySecretId: API_KEY_SECRET_NAME, webhookSecretId: WEBHOOK_SECRET_NAME, eventBusName: EVENT_BUS_NAME },
      { dynamodb: functionDynamoUrl, sfn: sfn.url, ses: functionSesUrl, secrets: secrets.url, eventBridge: eventBus.url },
      options.logLevel ?? 'WARN',
    );
    for (const k of ['AWS_PROFILE', 'AWS_SESSION_TOKEN', 'AWS_ENDPOINT_URL']) delete process.env[k];
    Object.assign(process.env, env);

    // Handlers (imported after the environment is set: clients and config load at module load).
    const handlers: Partial<Record<FunctionName, InvokableHandler>> = {};
    for (const name of FUNCTION_NAMES) handlers[name] = await importHandler(name, log);
    // The roster: seeded from the teams setting on the first start (a team already in the table is left alone).
    const { seedRoster } = await import('#lib/teams/roster');
    const seeded = await seedRoster(settings.teams, 'npm start (teams setting)');
    if (seeded.length > 0) log(`roster: seeded ${seeded.join(', ')} from the teams setting`);
    const functionArns = {} as Record<AslFunctionPlaceholder, string>;
    for (const name of FUNCTION_NAMES) {
      const spec = FUNCTIONS[name];
      const handler = handlers[name];
      if (handler === undefined) continue;
      const wrapped = forEngine(name, faults === undefined ? handler : withLambdaFaults(name, handler, faults));
      lambdas.set(functionArn(name), wrapped);
      lambdas.set(`${FUNCTION_PREFIX}${name}`, wrapped);
      if (spec.aslPlaceholder !== undefined) functionArns[spec.aslPlaceholder] = functionArn(name);
    }
    for (const p of ASL_FUNCTION_PLACEHOLDERS) if (functionArns[p] === undefined) throw new Error(`no function for \${${p}}`);
    apiHolder.routes = apiRoutes(handlers);

    // The state machine: the ASL file with the same substitutions as the stack (the partition: aws).
    const definition = substitute(readFileSync(ASL_FILE, 'utf8'), aslSubstitutions(settings, functionArns, 'aws'));
    await engine.start();
    cleanups.push(() => engine.stop());
    try {
      await engine.describeStateMachine(stateMachineArn);
      await engine.updateStateMachine({ stateMachineArn, definition });
    } catch (err) {
      if (!(err instanceof Error) || err.name !== 'StateMachineDoesNotExist') throw err;
      const created = await engine.createStateMachine({ name: STATE_MACHINE_NAME, definition, roleArn: `arn:aws:iam::${ACCOUNT_ID}:role/${STATE_MACHINE_NAME}` });
      if (created.stateMachineArn !== stateMachineArn) throw new Error(`state machine ARN ${created.stateMachineArn} differs from STATE_MACHINE_ARN`);
    }

    // Console and local JSON.
    const doc = DynamoDBDocumentClient.from(ddbClient, { marshallOptions: { removeUndefinedValues: true } });
    // The console reads GET /funnel's figures through its handler, presenting the key as any client does.
    const funnel = handlers.funnel;
    const withKey: InvokableHandler | undefined =
      funnel === undefined ? undefined : (event, context) => funnel({ ...(event as { headers?: Record<string, string> }), headers: { ...(event as { headers?: Record<string, string> }).headers, authorization: `Bearer ${apiKey}` } } as never, context);
    // The outbox and the console offer only the app's own links (a mail's text holds lead input).
    const appBaseUrls = [app.url, ...(settings.publicBaseUrl !== undefined ? [settings.publicBaseUrl] : [])];
    const data = new ConsoleData({ engine, doc, tableName: TABLE_NAME, stateMachineArn, outbox, appBaseUrls, funnel: withKey, definition, timeScale, timeOrigin });
    const links = { sfnEndpoint: sfn.url, mailViewer: `${sesUrl}/`, dynamodb: dynamoUrl };
    // The Teams page reads GET /teams like any client, with the key.
    const roster = async (): Promise<RosterBody> => (await fetch(`${app.url}/teams`, { headers: { authorization: `Bearer ${apiKey}` } })).json() as Promise<RosterBody>;
    localHandler = localRoutes(
      data,
      links,
      { app: app.url, sfn: sfn.url, dynamodb: dynamoUrl, ses: sesUrl, secrets: secrets.url, cloudformation: cloudformation.url, eventBridge: eventBus.url, stateMachineArn, tableName: TABLE_NAME, timeScale, timeOrigin },
      roster,
      () => readBusEvents(eventsFile),
    );

    // Reminder sweep (EventBridge every 15 minutes on AWS). Its "now" is its event's `time`
    // (functions/remind-pending.ts): the executions' one scaled clock (see executionTimeOrigin).
    const remind = handlers['remind-pending'];
    const sweepMs = options.reminderIntervalMs ?? Math.min(60_000, Math.max(1_000, (15 * 60_000) / timeScale));
    let sweeping = false;
    const sweepTimer = setInterval(() => {
      if (remind === undefined || sweeping) return;
      sweeping = true;
      const now = executionNow(new Date(timeOrigin), timeScale);
      const event = { version: '0', id: randomBytes(8).toString('hex'), 'detail-type': 'Scheduled Event', source: 'aws.events', account: ACCOUNT_ID, time: now.toISOString(), region: REGION, resources: [`arn:aws:events:${REGION}:${ACCOUNT_ID}:rule/remind-pending`], detail: {} };
      remind(event as never, lambdaContext(`${FUNCTION_PREFIX}remind-pending`, REGION, ACCOUNT_ID, 120_000))
        .catch((err: unknown) => log(`[remind-pending] ${err instanceof Error ? err.name : 'Error'}: sweep failed`))
        .finally(() => {
          sweeping = false;
        });
    }, sweepMs);
    sweepTimer.unref();
    cleanups.push(async () => clearInterval(sweepTimer));

    // Team digests (EventBridge Scheduler on AWS): on the schedule's fire times and on POST /local/digest.
    const sendDigest = handlers['send-digest'];
    if (sendDigest !== undefined) {
      const send = (event: SendDigestEvent): Promise<unknown> => sendDigest(event as never, lambdaContext(`${FUNCTION_PREFIX}send-digest`, REGION, ACCOUNT_ID, FUNCTIONS['send-digest'].timeoutSeconds * 1000));
      const schedule = parseSchedule(settings.digestSchedule, settings.digestTimezone);
      const originMs = Date.now();
      if (options.digestTimer !== false) {
        const stopTimer = startDigestTimer({ schedule, timeScale, send, originMs, onError: (err) => log(`[send-digest] ${err instanceof Error ? err.name : 'Error'}: digest failed`) });
        cleanups.push(async () => stopTimer());
      }
      const routes = localHandler;
      const digest = digestRoute(send, () => localPeriodSoFar(schedule, originMs, timeScale, Date.now()));
      localHandler = async (req) => (await digest(req)) ?? routes(req);
    }

    let demoDone: Promise<void> = Promise.resolve();
    if (options.demo !== false && fresh && tableCreated) {
      const { seedDemo } = await import('./demo');
      demoDone = seedDemo({ appUrl: app.url, apiKey, log }).catch((err: unknown) => log(`demo: seeding stopped: ${err instanceof Error ? err.message : String(err)}`));
    }

    let closed = false;
    return {
      urls: { app: app.url, console: `${app.url}/`, sfn: sfn.url, dynamodb: dynamoUrl, ses: sesUrl, mailViewer: `${sesUrl}/`, secrets: secrets.url, cloudformation: cloudformation.url, eventBridge: eventBus.url },
      apiKey,
      webhookSecret,
      apiKeySource,
      engine,
      stateMachineArn,
      settings,
      dataDir,
      demoDone,
      async close() {
        if (closed) return;
        closed = true;
        await closeAll();
      },
    };
  } catch (err) {
    await closeAll();
    throw err;
  }
}
