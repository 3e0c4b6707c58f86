/**
 * Command line for the embedded Step Functions engine.
 *
 *   npx tsx local/engine/cli.ts run <definition.json> [--input '{...}' | --input-file f] [--lambdas module.ts]
 *   npx tsx local/engine/cli.ts serve [--port 8083] [--data .data/sfn] [--lambdas module.ts]
 *   npx tsx local/engine/cli.ts --help
 */
import { mkdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type { Server } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { basename, extname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import type { Engine, ExecutionDescription, ExecutionStore, LambdaHandler, LambdaRegistry } from './api';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createEngine, DynamoDBStore } from './index';
import { startSfnServer, type SfnServer } from './http-server';

export interface DurableStoreHandle {
  store: ExecutionStore;
  close(): Promise<void>;
}

type Dynalite = (options: { path?: string; createTableMs?: number; deleteTableMs?: number; updateTableMs?: number }) => Server;

/** dynalite in process on `dataDir` (LevelDB files), on a free loopback port, and the engine's DynamoDB store on it. */
export async function openDurableStore(dataDir: string, options: { tableName?: string } = {}): Promise<DurableStoreHandle> {
  mkdirSync(dataDir, { recursive: true });
  const dynalite = createRequire(import.meta.url)('dynalite') as Dynalite;
  const server = dynalite({ path: resolve(dataDir), createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((done, fail) => {
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', fail);
      done();
    });
  });
  const { port } = server.address() as AddressInfo;
  const client = new DynamoDBClient({
    endpoint: `http://127.0.0.1:${port}`,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  const store = new DynamoDBStore({ client, tableName: options.tableName });
  return {
    store,
    async close() {
      await store.close?.();
      client.destroy();
      await new Promise<void>((done) => server.close(() => done()));
    },
  };
}

export const DEFAULT_PORT = 8083;
export const DEFAULT_DATA_DIR = '.data/sfn';
const LOCAL_ROLE_ARN = 'arn:aws:iam::123456789012:role/local-engine';

const HELP = `Embedded AWS Step Functions engine (Amazon States Language, JSONata dialect).

Usage:
  cli.ts run <definition.json> [options]   Run one execution in memory and print its result.
  cli.ts serve [options]                   Serve the Step Functions API (AWS JSON 1.0) on a durable store.
  cli.ts --help

run options:
  --input '<json>'        Execution input (default {}).
  --input-file <file>     Read the execution input from a file.
  --name <name>           Execution name (default: a UUID).
  --lambdas <module>      Module whose default export (or export "lambdas") maps function
                          names or ARNs to handlers: { [nameOrArn]: (event, context) => Promise<unknown> }.
  --sub <Key=value>       Replace \${Key} in the definition (repeatable), like CDK definitionSubstitutions.
  --time-scale <n>        Make waits n times faster (3600: an hour per second). Default 1.
  --timeout <seconds>     Give up after this much real time (exit 124). Default: wait forever.

  Prints {"status", "output"} or {"status", "error", "cause"} as JSON on stdout.
  Exit status: 0 SUCCEEDED, 1 FAILED / TIMED_OUT / ABORTED, 2 bad usage or definition, 124 timeout.

serve options:
  --port <n>              Port on 127.0.0.1 (default ${DEFAULT_PORT}; 0 picks a free one).
  --host <addr>           Bind address (default 127.0.0.1; the API has no authentication).
  --data <dir>            Data directory of the durable store (default ${DEFAULT_DATA_DIR}).
  --lambdas <module>      As for run.
  --time-scale <n>        As for run.

  Point clients at it with AWS_ENDPOINT_URL_SFN=http://127.0.0.1:<port> (AWS SDKs)
  or aws stepfunctions --endpoint-url http://127.0.0.1:<port> (AWS CLI); any credentials work.
`;

class UsageError extends Error {}

/** Loads in-process Lambda handlers from a module: default export or `lambdas`, an object or a Map. */
export async function loadLambdas(modulePath: string): Promise<LambdaRegistry> {
  const mod = (await import(pathToFileURL(resolve(modulePath)).href)) as Record<string, unknown>;
  const exported = mod.lambdas ?? mod.default;
  const entries: [string, unknown][] =
    exported instanceof Map ? [...(exported as Map<string, unknown>).entries()] : exported !== null && typeof exported === 'object' ? Object.entries(exported) : [];
  if (entries.length === 0) {
    throw new UsageError(`${modulePath}: expected a default export (or an export named "lambdas") mapping function names or ARNs to handlers`);
  }
  const registry: LambdaRegistry = new Map();
  for (const [name, handler] of entries) {
    if (typeof handler !== 'function') throw new UsageError(`${modulePath}: the handler for "${name}" is not a function`);
    registry.set(name, handler as LambdaHandler);
  }
  return registry;
}

/** Replaces `${Key}` placeholders as CDK definitionSubstitutions does; an unknown placeholder is an error. */
export function substitute(definition: string, subs: Record<string, string>): string {
  return definition.replace(/\$\{([A-Za-z0-9_.-]+)\}/g, (whole, key: string) => {
    const value = subs[key];
    if (value === undefined) throw new UsageError(`The definition uses \${${key}}: pass --sub ${key}=<value>`);
    return value;
  });
}

function parseSubs(values: string[] | undefined): Record<string, string> {
  const subs: Record<string, string> = {};
  for (const pair of values ?? []) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new UsageError(`--sub expects Key=value, got "${pair}"`);
    subs[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return subs;
}

function parseNumber(flag: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) throw new UsageError(`${flag} expects a non-negative number, got "${value}"`);
  return n;
}

function stateMachineNameFor(file: string): string {
  const name = basename(file, extname(file)).replace(/\.asl$/, '').replace(/[^A-Za-z0-9_-]/g, '-').slice(0, 80);
  return name === '' ? 'state-machine' : name;
}

/** The result line `run` prints. */
export function summarize(ex: ExecutionDescription): Record<string, unknown> {
  if (ex.status === 'SUCCEEDED') return { status: ex.status, output: ex.output === undefined ? null : (JSON.parse(ex.output) as unknown) };
  return { status: ex.status, error: ex.error ?? null, cause: ex.cause ?? null };
}

/** Waits until the execution leaves RUNNING, or until `deadline` (epoch ms) passes: then undefined. */
async function waitUntilDone(engine: Engine, executionArn: string, deadline: number | undefined): Promise<ExecutionDescription | undefined> {
  const slice = 60 * 60 * 1000; // waitForExecution takes a finite timeout; wait in slices of an hour
  for (;;) {
    const remaining = deadline === undefined ? slice : Math.min(slice, deadline - Date.now());
    if (remaining <= 0) return undefined;
    try {
      return await engine.waitForExecution(executionArn, { timeoutMs: remaining });
    } catch {
      // waitForExecution gives up after timeoutMs; unless it ended meanwhile, go on until the deadline.
      const current = await engine.describeExecution(executionArn);
      if (current.status !== 'RUNNING') return current;
    }
  }
}

async function runCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      input: { type: 'string' },
      'input-file': { type: 'string' },
      name: { type: 'string' },
      lambdas: { type: 'string' },
      sub: { type: 'string', multiple: true },
      'time-scale': { type: 'string' },
      timeout: { type: 'string' },
    },
  });
  const file = positionals[0];
  if (!file || positionals.length > 1) throw new UsageError('run expects exactly one definition file');
  if (values.input !== undefined && values['input-file'] !== undefined) throw new UsageError('use either --input or --input-file, not both');
  const input = values['input-file'] !== undefined ? await readFile(values['input-file'], 'utf8') : (values.input ?? '{}');
  try {
    JSON.parse(input);
  } catch {
    throw new UsageError('the execution input is not valid JSON');
  }
  const definition = substitute(await readFile(file, 'utf8'), parseSubs(values.sub));
  const lambdas = values.lambdas !== undefined ? await loadLambdas(values.lambdas) : new Map<string, LambdaHandler>();
  const timeScale = parseNumber('--time-scale', values['time-scale'], 1) || 1;
  const timeoutSeconds = values.timeout === undefined ? undefined : parseNumber('--timeout', values.timeout, 0);

  const engine = createEngine({ lambdas, timeScale });
  await engine.start();
  try {
    const { stateMachineArn } = await engine.createStateMachine({ name: stateMachineNameFor(file), definition, roleArn: LOCAL_ROLE_ARN });
    const { executionArn } = await engine.startExecution({ stateMachineArn, name: values.name, input });
    const result = await waitUntilDone(engine, executionArn, timeoutSeconds === undefined ? undefined : Date.now() + timeoutSeconds * 1000);
    if (!result) {
      const current = await engine.describeExecution(executionArn);
      process.stdout.write(`${JSON.stringify({ status: current.status, currentStates: current.currentStates ?? [] }, null, 2)}\n`);
      process.stderr.write(`Gave up after ${timeoutSeconds}s of real time\n`);
      return 124;
    }
    process.stdout.write(`${JSON.stringify(summarize(result), null, 2)}\n`);
    return result.status === 'SUCCEEDED' ? 0 : 1;
  } finally {
    await engine.stop();
  }
}

export interface ServeOptions {
  port?: number;
  host?: string;
  dataDir: string;
  lambdas?: LambdaRegistry;
  timeScale?: number;
  /** Request log lines (never bodies). */
  log?: (line: string) => void;
}

export interface ServeHandle {
  engine: Engine;
  server: SfnServer;
  close(): Promise<void>;
}

/** The durable engine behind the HTTP API: dynalite on a data directory, the DynamoDB store, the engine, the server. */
export async function serve(options: ServeOptions): Promise<ServeHandle> {
  const store: DurableStoreHandle = await openDurableStore(options.dataDir);
  let engine: Engine | undefined;
  let server: SfnServer | undefined;
  try {
    engine = createEngine({ store: store.store, lambdas: options.lambdas, timeScale: options.timeScale });
    await engine.start();
    server = await startSfnServer(engine, { port: options.port, host: options.host, log: options.log });
  } catch (err) {
    await engine?.stop();
    await store.close();
    throw err;
  }
  const started = { engine, server };
  return {
    ...started,
    async close() {
      await started.server.close();
      await started.engine.stop();
      await store.close();
    },
  };
}

async function serveCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      data: { type: 'string' },
      lambdas: { type: 'string' },
      'time-scale': { type: 'string' },
      quiet: { type: 'boolean' },
    },
  });
  if (positionals.length > 0) throw new UsageError(`serve takes no positional arguments, got "${positionals[0]}"`);
  const port = parseNumber('--port', values.port, DEFAULT_PORT);
  if (!Number.isInteger(port) || port > 65535) throw new UsageError(`--port expects a port number, got "${values.port}"`);
  const lambdas = values.lambdas !== undefined ? await loadLambdas(values.lambdas) : undefined;
  const handle = await serve({
    port,
    host: values.host,
    dataDir: values.data ?? DEFAULT_DATA_DIR,
    lambdas,
    timeScale: parseNumber('--time-scale', values['time-scale'], 1) || 1,
    log: values.quiet ? undefined : (line) => process.stderr.write(`${line}\n`),
  });
  process.stdout.write(
    `Step Functions API on ${handle.server.url} (data in ${resolve(values.data ?? DEFAULT_DATA_DIR)})\n` +
      `  export AWS_ENDPOINT_URL_SFN=${handle.server.url}\n` +
      `  aws stepfunctions list-state-machines --endpoint-url ${handle.server.url}\n`,
  );
  await new Promise<void>((done) => {
    const stop = (): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      done();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  await handle.close();
  return 0;
}

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    if (command === undefined || command === '--help' || command === '-h' || command === 'help' || rest.includes('--help') || rest.includes('-h')) {
      process.stdout.write(HELP);
      return command === undefined ? 2 : 0;
    }
    if (command === 'run') return await runCommand(rest);
    if (command === 'serve') return await serveCommand(rest);
    throw new UsageError(`unknown command "${command}" (expected run or serve)`);
  } catch (err) {
    if (err instanceof UsageError || (err instanceof TypeError && 'code' in err && String(err.code).startsWith('ERR_PARSE_ARGS'))) {
      process.stderr.write(`error: ${err.message}\nRun with --help for usage.\n`);
      return 2;
    }
    if (err instanceof Error && 'code' in err && err.code === 'ENOENT') {
      process.stderr.write(`error: ${err.message}\n`);
      return 2;
    }
    if (err instanceof Error && err.name === 'InvalidDefinition') {
      process.stderr.write(`InvalidDefinition: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
}

const invokedDirectly = process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href;
if (invokedDirectly) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: unknown) => {
      process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
      process.exit(1);
    },
  );
}
