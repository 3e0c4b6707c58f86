/**
 * Shared helpers of the reliability tests: the real dev server (started by
 * the e2e harness), direct reads of its DynamoDB table and outbox file (to
 * prove what a request changed or did not), and the figures that
 * `npm run test:reliability` prints as a table.
 */
import { createHash } from 'node:crypto';
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { ListExecutionsCommand, type ExecutionListItem } from '@aws-sdk/client-sfn';
import type { OutboxMail } from '../../local/outbox';
import { API_KEY, LocalStackProcess, type LocalExecution } from '../e2e/harness';

export const TABLE = 'the-model-pipeline';
export const STATE_MACHINE_ARN = 'arn:aws:states:us-east-1:123456789012:stateMachine:lead-lifecycle';

/** A mail as the outbox file keeps it (with its HTML part). */
export type StoredMail = OutboxMail;

export interface Figures {
  inputsTried?: number;
  /** Of those, taken (2xx) when they should have been refused (must be 0). */
  inputsAcceptedWrongly?: number;
  concurrentClicks?: number;
  faultsInjected?: number;
  faultsRecovered?: number;
  restarts?: number;
  leadsSubmitted?: number;
  leadsLost?: number;
  answersLost?: number;
  /** Leads that landed in Needs attention (visible, waiting for ops' rescue decision) rather than running on. */
  needsAttention?: number;
  /** Personal values and free texts of erased leads still found after the erasure, in any table or in mail sent after it (test/reliability/erase.test.ts; must be 0). */
  personalValuesLeft?: number;
  /** Emails sent a second time because a kill -9 fell between SES accepting them and their marker (functions/lib/mail/mailer.ts). */
  mailsResent?: number;
  /** Requests a web page of another origin (or a DNS-rebinding one) could make to a local service (test/reliability/local-security.test.ts). */
  foreignRequestsTried?: number;
  /** Of those, answered as if legitimate (must be 0). */
  foreignRequestsAccepted?: number;
}

/**
 * Adds figures to the run's tally (a JSON-lines file named by
 * RELIABILITY_FIGURES, set by test/reliability/run.ts); a no-op otherwise.
 */
export function recordFigures(figures: Figures): void {
  const file = process.env.RELIABILITY_FIGURES;
  if (file === undefined || file === '') return;
  appendFileSync(file, `${JSON.stringify(figures)}\n`);
}

type StartOptions = NonNullable<Parameters<typeof LocalStackProcess.start>[0]>;
/** These tests read every feedback email (markup, one mail per answer, scanners on reply links): all feedback is emailed at once. */
const withEveryFeedbackEmailed = (options: StartOptions): StartOptions => ({ ...options, settings: { instantFeedbackEmails: 'all', ...options.settings } });

/** The running stack plus direct (test-side) access to its table and outbox file. */
export class Stack {
  private constructor(
    public server: LocalStackProcess,
    public doc: DynamoDBDocumentClient,
  ) {}

  static async start(options: Parameters<typeof LocalStackProcess.start>[0] = {}): Promise<Stack> {
    const server = await LocalStackProcess.start(withEveryFeedbackEmailed(options));
    return new Stack(server, await Stack.docFor(server));
  }

  private static async docFor(server: LocalStackProcess): Promise<DynamoDBDocumentClient> {
    const info = await server.getJson<{ dynamodb: string }>('/local/info');
    const client = new DynamoDBClient({ endpoint: info.dynamodb, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, maxAttempts: 5 });
    return DynamoDBDocumentClient.from(client);
  }

  get url(): string {
    return this.server.appUrl;
  }

  /** SIGKILL, then the same data folder and port again. */
  async killAndRestart(options: Parameters<typeof LocalStackProcess.start>[0] = {}): Promise<void> {
    await this.server.kill();
    this.doc.destroy();
    this.server = await LocalStackProcess.start(withEveryFeedbackEmailed({ ...options, dataDir: this.server.dataDir, port: this.server.port }));
    this.doc = await Stack.docFor(this.server);
  }

  async stop(): Promise<number | null> {
    this.doc.destroy();
    const code = await this.server.stop();
    this.server.removeData();
    return code;
  }

  /** Every table of the local DynamoDB: the app table and the engine's store (executions, their history, inputs, outputs, variables). */
  async tables(): Promise<string[]> {
    const out: string[] = [];
    let start: string | undefined;
    do {
      const page = await this.doc.send(new ListTablesCommand({ ...(start ? { ExclusiveStartTableName: start } : {}) }));
      out.push(...(page.TableNames ?? []));
      start = page.LastEvaluatedTableName;
    } while (start !== undefined);
    return out.sort();
  }

  /** Every item of a table (the app table unless told), sorted by key. */
  async items(table = TABLE): Promise<Record<string, unknown>[]> {
    const out: Record<string, unknown>[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const page = await this.doc.send(new ScanCommand({ TableName: table, ConsistentRead: true, ...(start ? { ExclusiveStartKey: start } : {}) }));
      out.push(...((page.Items ?? []) as Record<string, unknown>[]));
      start = page.LastEvaluatedKey;
    } while (start !== undefined);
    return out.sort((a, b) => `${String(a.pk)}|${String(a.sk)}`.localeCompare(`${String(b.pk)}|${String(b.sk)}`));
  }

  async profile(leadId: string): Promise<Record<string, unknown> | undefined> {
    return (await this.doc.send(new GetCommand({ TableName: TABLE, Key: { pk: `LEAD#${leadId}`, sk: 'PROFILE' }, ConsistentRead: true }))).Item as Record<string, unknown> | undefined;
  }

  /** Executions through the Step Functions API (not the console's JSON). */
  async sfnExecutions(): Promise<ExecutionListItem[]> {
    const client = this.server.sfn();
    try {
      const out: ExecutionListItem[] = [];
      let nextToken: string | undefined;
      do {
        const page = await client.send(new ListExecutionsCommand({ stateMachineArn: STATE_MACHINE_ARN, maxResults: 1000, nextToken }));
        out.push(...(page.executions ?? []));
        nextToken = page.nextToken;
      } while (nextToken !== undefined);
      return out;
    } finally {
      client.destroy();
    }
  }

  localExecutions(): Promise<LocalExecution[]> {
    return this.server.getJson<LocalExecution[]>('/local/executions');
  }

  /** The outbox file, HTML parts included. */
  mails(): StoredMail[] {
    const file = join(this.server.dataDir, 'outbox.jsonl');
    if (!existsSync(file)) return [];
    return readFileSync(file, 'utf8')
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map((l) => JSON.parse(l) as StoredMail);
  }

  /**
   * What a request could have changed: the table (digest of every item),
   * the executions (Step Functions API and the console JSON) and the outbox.
   */
  async fingerprint(): Promise<{ table: string; items: number; sfn: number; local: number; mails: number }> {
    const items = await this.items();
    const [sfn, local] = await Promise.all([this.sfnExecutions(), this.localExecutions()]);
    await this.server.outbox(); // makes the server sync its outbox file
    return { table: createHash('sha256').update(JSON.stringify(items)).digest('hex'), items: items.length, sfn: sfn.length, local: local.length, mails: this.mails().length };
  }

  async postRaw(path: string, init: { method?: string; headers?: Record<string, string>; body?: string | Uint8Array }): Promise<{ status: number; headers: Headers; text: string }> {
    const res = await fetch(`${this.url}${path}`, { method: init.method ?? 'POST', headers: init.headers ?? {}, ...(init.body !== undefined ? { body: init.body } : {}) });
    return { status: res.status, headers: res.headers, text: await res.text() };
  }

  /** POST /leads with the key and a JSON content type unless told otherwise. */
  postLeadBody(body: string | Uint8Array, headers: Record<string, string> = {}): Promise<{ status: number; headers: Headers; text: string }> {
    return this.postRaw('/leads', { headers: { 'content-type': 'application/json', authorization: `Bearer ${API_KEY}`, ...headers }, body });
  }
}

/**
 * Every string in a value, JSON inside strings opened up (the engine's store
 * keeps events, cursors and records as JSON text), so a search finds a value
 * however deeply it was encoded.
 */
export function stringsIn(value: unknown, out: string[] = []): string[] {
  if (typeof value === 'string') {
    out.push(value);
    const t = value.trim();
    if (t.startsWith('{') || t.startsWith('[') || t.startsWith('"')) {
      try {
        stringsIn(JSON.parse(t) as unknown, out);
      } catch {
        // not JSON
      }
    }
  } else if (Array.isArray(value)) {
    for (const v of value) stringsIn(v, out);
  } else if (typeof value === 'object' && value !== null) {
    for (const [k, v] of Object.entries(value)) {
      out.push(k);
      stringsIn(v, out);
    }
  }
  return out;
}

/** Parses a JSON error body; undefined when it is not JSON. */
export function jsonOf(text: string): Record<string, unknown> | undefined {
  try {
    const v: unknown = JSON.parse(text);
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** The link id of a feedback URL. */
export function linkIdOf(link: string): string {
  const m = /\/feedback\/([^/?#]+)/.exec(new URL(link).pathname);
  if (m?.[1] === undefined) throw new Error(`not a feedback link: ${link}`);
  return decodeURIComponent(m[1]);
}

export async function poll<T>(what: string, get: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await get();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 150));
  }
}
