/**
 * `npm start`: The Model pipeline on this machine, no AWS account.
 *
 *   npm start -- [--port 3000] [--data .data] [--reset] [--no-demo] [--time-scale 3600]
 *                [--set key=value ...] [--sfn-port 8083] [--dynamodb-port 8000]
 *                [--ses-port 8005] [--secrets-port 8007] [--events-port 8009] [--verbose]
 */
import { relative } from 'node:path';
import { parseArgs } from 'node:util';
import { setFlagsFromString } from 'node:v8';

/**
 * The dev server holds thousands of parked executions for hours after bursts of
 * work that make mostly garbage (AWS SDK requests). V8's default growth let the
 * heap reserve 3 to 4 times its live data and keep it (2,000 parked leads: 284 MB
 * reserved, about 75 MB live); growing it by 25% at a time keeps 146 MB, at no
 * CPU cost measurable in the throughput benchmark (docs/performance.md, section 5).
 * Set once started: loading thousands of executions at start-up grows the heap
 * fast, and small steps would mean many more full collections on the way.
 */
function keepHeapTight(): void {
  setFlagsFromString('--heap-growing-percent=25');
}
import { SETTING_KEYS, type SettingKey } from '#lib/aws/settings';
import { startLocalStack, TABLE_NAME, type LocalStack } from './stack';

const HELP = `npm start -- [options]   The Model pipeline on this machine (no AWS account).

  --port <n>            App, HTTP API and ops console (default $PORT or 3000; 0: any free port)
  --data <dir>          Data folder (default .data); a restart keeps every lead and execution
  --reset               Wipe the data folder first
  --no-demo             Do not seed demo leads into an empty data folder
  --time-scale <n>      Make waits and SLAs n times faster (3600: an hour per second)
  --set <key=value>     A setting, as 'cdk deploy -c key=value' (repeatable), e.g.
                        --set qualificationCallSlaSeconds=600
  --sfn-port <n>        Step Functions API (default 8083)
  --dynamodb-port <n>   DynamoDB API (default 8000)
  --ses-port <n>        SES API and mail viewer (default 8005)
  --secrets-port <n>    Secrets Manager API (default 8007)
  --events-port <n>     EventBridge API: the domain events' bus (default 8009)
  --reminder-interval <s>  Seconds between reminder sweeps (EventBridge runs it every 15 minutes
                        on AWS; default 15 min / time scale, between 1 and 60 s)
  --no-digest           Do not send the team digests on digestSchedule (scaled by --time-scale);
                        POST /local/digest or 'npx tsx local/cli.ts digest' still send them
  --verbose             Handler logs at INFO (default WARN)

The bearer key for POST /leads and GET /funnel is PIPELINE_API_KEY when set,
otherwise generated once and kept in <data>/api-key; the secret that signs
POST /webhooks/leads likewise PIPELINE_WEBHOOK_SECRET or <data>/webhook-secret.
`;

function port(flag: string, value: string | undefined, fallback: number): number {
  if (value === undefined || value === '') return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new Error(`${flag} expects a port number (0-65535), got "${value}"`);
  return n;
}

function parseCli(argv: string[]): Parameters<typeof startLocalStack>[0] & { help: boolean } {
  const { values } = parseArgs({
    args: argv,
    options: {
      port: { type: 'string' },
      data: { type: 'string' },
      reset: { type: 'boolean' },
      'no-demo': { type: 'boolean' },
      'no-digest': { type: 'boolean' },
      'time-scale': { type: 'string' },
      set: { type: 'string', multiple: true },
      'sfn-port': { type: 'string' },
      'dynamodb-port': { type: 'string' },
      'ses-port': { type: 'string' },
      'secrets-port': { type: 'string' },
      'events-port': { type: 'string' },
      'reminder-interval': { type: 'string' },
      verbose: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const timeScale = values['time-scale'] === undefined ? 1 : Number(values['time-scale']);
  if (!Number.isFinite(timeScale) || timeScale <= 0) throw new Error(`--time-scale expects a positive number, got "${values['time-scale']}"`);
  const settings: Partial<Record<SettingKey, unknown>> = {};
  for (const pair of values.set ?? []) {
    const eq = pair.indexOf('=');
    const key = eq > 0 ? pair.slice(0, eq) : '';
    if (!(SETTING_KEYS as readonly string[]).includes(key)) throw new Error(`--set expects key=value with a key among ${SETTING_KEYS.join(', ')}; got "${pair}"`);
    settings[key as SettingKey] = pair.slice(eq + 1);
  }
  const reminderSeconds = values['reminder-interval'] === undefined ? undefined : Number(values['reminder-interval']);
  if (reminderSeconds !== undefined && (!Number.isFinite(reminderSeconds) || reminderSeconds < 0.1)) throw new Error(`--reminder-interval expects seconds (at least 0.1), got "${values['reminder-interval']}"`);
  return {
    help: values.help === true,
    ...(reminderSeconds !== undefined ? { reminderIntervalMs: reminderSeconds * 1000 } : {}),
    dataDir: values.data ?? '.data',
    port: port('--port', values.port ?? process.env.PORT, 3000),
    sfnPort: port('--sfn-port', values['sfn-port'], 8083),
    dynamodbPort: port('--dynamodb-port', values['dynamodb-port'], 8000),
    sesPort: port('--ses-port', values['ses-port'], 8005),
    secretsPort: port('--secrets-port', values['secrets-port'], 8007),
    eventBridgePort: port('--events-port', values['events-port'], 8009),
    reset: values.reset === true,
    demo: values['no-demo'] !== true,
    digestTimer: values['no-digest'] !== true,
    timeScale,
    settings,
    logLevel: values.verbose === true ? 'INFO' : 'WARN',
  };
}

function banner(s: LocalStack, timeScale: number): string {
  const dataShown = relative(process.cwd(), s.dataDir) || '.';
  const cliFlags = `${s.urls.app === 'http://127.0.0.1:3000' ? '' : ` --url ${s.urls.app}`}${dataShown === '.data' || s.apiKeySource === 'env' ? '' : ` --data ${dataShown}`}`;
  const key =
    s.apiKeySource === 'env' ? '(from PIPELINE_API_KEY)' : `${s.apiKey}   (${s.apiKeySource === 'generated' ? 'new, ' : ''}kept in ${dataShown}/api-key)`;
  return [
    '',
    'The Model pipeline is running on this machine (no AWS account).',
    '',
    `  App + ops console    ${s.urls.console}`,
    `  HTTP API             POST ${s.urls.app}/leads · POST ${s.urls.app}/webhooks/leads · GET|POST ${s.urls.app}/feedback/{id} · GET ${s.urls.app}/funnel`,
    `  Step Functions API   ${s.urls.sfn}   (AWS_ENDPOINT_URL_SFN; aws stepfunctions --endpoint-url ${s.urls.sfn} list-executions --state-machine-arn ${s.stateMachineArn})`,
    `  DynamoDB             ${s.urls.dynamodb}   (table ${TABLE_NAME})`,
    `  Mail viewer (SES)    ${s.urls.mailViewer}${s.settings.sesSandbox ? '   (SES sandbox: only verified identities send and receive; --set sesSandbox=false)' : ''}`,
    `  Secrets Manager      ${s.urls.secrets}`,
    `  EventBridge          ${s.urls.eventBridge}   (the domain events: ${s.urls.app}/events, ${dataShown}/events.jsonl)`,
    `  CloudFormation       ${s.urls.cloudformation}   (DescribeStacks CDKToolkit only: a bootstrapped account for npm run preflight)`,
    `  Data folder          ${s.dataDir}   (--reset wipes it)`,
    `  API key (Bearer)     ${key}`,
    `  Webhook secret       kept in ${dataShown}/webhook-secret (or PIPELINE_WEBHOOK_SECRET)`,
    timeScale !== 1 ? `  Time scale           x${timeScale} (an hour of SLA passes in ${(3600 / timeScale).toFixed(timeScale >= 3600 ? 1 : 0)} s)` : '',
    '',
    `  Add a lead:  npx tsx local/cli.ts add --name "Ada Lovelace" --email ada@example.com --company "Analytical Engines"${cliFlags}`,
    `  Answer one:  npx tsx local/cli.ts pending${cliFlags}   then   npx tsx local/cli.ts answer <lead id> <answer>${cliFlags}`,
    '',
    'Ctrl-C stops it.',
    '',
  ]
    .filter((l, i, all) => l !== '' || all[i - 1] !== '')
    .join('\n');
}

// The AWS SDK warns once per process that Node.js 20 support ends in 2027: not news for a dev server.
process.removeAllListeners('warning');
process.on('warning', (w) => {
  if (!w.message.startsWith('NodeVersionSupportWarning')) process.stderr.write(`${w.name}: ${w.message}\n`);
});

// Powertools Metrics warns on every invocation that published no metric; in one
// process running every function that drowns the console. Drop that one line.
const stderrWrite = process.stderr.write.bind(process.stderr);
process.stderr.write = ((chunk: string | Uint8Array, ...rest: never[]) => {
  if (typeof chunk === 'string' && chunk.startsWith('No application metrics to publish.')) return true;
  return stderrWrite(chunk, ...rest);
}) as typeof process.stderr.write;

async function main(): Promise<number> {
  let options: ReturnType<typeof parseCli>;
  try {
    options = parseCli(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`error: ${err instanceof Error ? err.message : String(err)}\n\n${HELP}`);
    return 2;
  }
  if (options.help) {
    process.stdout.write(HELP);
    return 0;
  }
  const log = (line: string): void => {
    process.stdout.write(`${line}\n`);
  };
  // What the runtime writes (the data folder: LevelDB's files, the outbox, the key) is its owner's only.
  process.umask(0o077);
  let server: LocalStack;
  try {
    server = await startLocalStack({ ...options, log });
  } catch (err) {
    const e = err as { code?: string; message?: string };
    if (e.code === 'EADDRINUSE') process.stderr.write(`error: a port is in use (${e.message ?? ''}). Pick others with --port, --sfn-port, --dynamodb-port, --ses-port, --secrets-port, --events-port (0: any free port).\n`);
    else process.stderr.write(`error: ${err instanceof Error ? (options.logLevel === 'INFO' ? (err.stack ?? err.message) : err.message) : String(err)}\n`);
    return 1;
  }
  keepHeapTight();
  log(banner(server, options.timeScale ?? 1));
  void server.demoDone;
  await new Promise<void>((resolveStop) => {
    let stopping = false;
    const stop = (): void => {
      if (stopping) {
        process.stderr.write('Forced exit.\n');
        process.exit(130);
      }
      stopping = true;
      log('Stopping...');
      // Work cut off by the stop (a function call in flight when its services close) is resumed by the
      // engine at the next start (its state is durable): it is not a failure of the stop.
      process.on('unhandledRejection', (reason) => log(`while stopping, cut off: ${reason instanceof Error ? reason.name : 'error'}`));
      resolveStop();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  await server.close();
  log('Stopped. Data kept in the data folder.');
  return 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
