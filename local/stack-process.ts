/**
 * The local stack as a child process: starts `local/start.ts` (what `npm
 * start` runs) on free ports with a temporary data folder, and talks to it
 * only over HTTP, as a user (and the AWS SDK) would. The end-to-end tests
 * (test/e2e/harness.ts) and the benchmarks (bench/) both drive it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { GetExecutionHistoryCommand, SFNClient, type HistoryEvent } from '@aws-sdk/client-sfn';
import { executionNow } from './console/history';
import type { OutboxMail } from './outbox';
import { hotLead } from './demo';

export const REPO = resolve(import.meta.dirname, '..');
export const API_KEY = 'e2e-test-key-0123456789abcdef';
/** The secret that signs POST /webhooks/leads in the tests' runtime. */
export const WEBHOOK_SECRET = 'e2e-webhook-secret-0123456789abcdef';

/** A mail as GET /local/outbox gives it (the outbox file's record). */
export type { OutboxMail };

export interface LocalExecution {
  name: string;
  executionArn: string;
  status: string;
  currentState: string | null;
  stage: string | null;
}

export async function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const s = createServer();
    s.once('error', fail);
    s.listen(0, '127.0.0.1', () => {
      const addr = s.address();
      const port = typeof addr === 'object' && addr !== null ? addr.port : 0;
      s.close(() => done(port));
    });
  });
}

export interface ServerOptions {
  dataDir?: string;
  port?: number;
  timeScale?: number;
  settings?: Record<string, string | number>;
  demo?: boolean;
  /** Seconds between reminder sweeps. */
  reminderInterval?: number;
  /** Send the team digests on their schedule (`npm start` does; tests opt in, as for the demo). POST /local/digest works either way. */
  digest?: boolean;
  /** More environment for the stack's process (PIPELINE_FAULTS, AWS_LAMBDA_LOG_LEVEL, NODE_OPTIONS), over this process's. */
  env?: Record<string, string>;
}

export class LocalStackProcess {
  readonly appUrl: string;
  sfnUrl = '';
  private out = '';
  private exited: Promise<number | null>;

  private constructor(
    readonly child: ChildProcess,
    readonly dataDir: string,
    readonly port: number,
  ) {
    this.appUrl = `http://127.0.0.1:${port}`;
    child.stdout?.on('data', (b: Buffer) => (this.out += b.toString()));
    child.stderr?.on('data', (b: Buffer) => (this.out += b.toString()));
    this.exited = new Promise((done) => child.once('exit', (code) => done(code)));
  }

  /**
   * Starts the stack on `options.port`, or on a free port. A free port can be
   * taken by another process between the probe and the child's listen (tests
   * run in parallel): then the start is tried again on another free port.
   */
  static async start(options: ServerOptions = {}): Promise<LocalStackProcess> {
    const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'model-e2e-'));
    if (options.port !== undefined) return LocalStackProcess.startOn(options, dataDir, options.port);
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await LocalStackProcess.startOn(options, dataDir, await freePort());
      } catch (err) {
        if (attempt >= 5 || !(err instanceof Error) || !err.message.includes('EADDRINUSE')) throw err;
      }
    }
  }

  private static async startOn(options: ServerOptions, dataDir: string, port: number): Promise<LocalStackProcess> {
    const args = ['--import', 'tsx', 'local/start.ts', '--data', dataDir, '--port', String(port), '--sfn-port', '0', '--dynamodb-port', '0', '--ses-port', '0', '--secrets-port', '0', '--events-port', '0'];
    if (options.demo !== true) args.push('--no-demo');
    if (options.digest !== true) args.push('--no-digest');
    if (options.timeScale !== undefined) args.push('--time-scale', String(options.timeScale));
    if (options.reminderInterval !== undefined) args.push('--reminder-interval', String(options.reminderInterval));
    for (const [k, v] of Object.entries(options.settings ?? {})) args.push('--set', `${k}=${v}`);
    const child = spawn(process.execPath, args, { cwd: REPO, env: { ...process.env, ...options.env, PIPELINE_API_KEY: API_KEY, PIPELINE_WEBHOOK_SECRET: WEBHOOK_SECRET, PORT: '' }, stdio: ['ignore', 'pipe', 'pipe'] });
    const server = new LocalStackProcess(child, dataDir, port);
    const deadline = Date.now() + 120_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`dev server exited with ${child.exitCode}:\n${server.output()}`);
      try {
        const res = await fetch(`${server.appUrl}/local/info`);
        if (res.ok) {
          server.sfnUrl = ((await res.json()) as { sfn: string }).sfn;
          return server;
        }
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline) {
        child.kill('SIGKILL');
        throw new Error(`dev server did not start in 120 s:\n${server.output()}`);
      }
      await sleep(200);
    }
  }

  output(): string {
    return this.out.slice(-4000);
  }

  /** Ctrl-C: a clean stop. */
  async stop(): Promise<number | null> {
    if (this.child.exitCode !== null) return this.child.exitCode;
    this.child.kill('SIGINT');
    return this.exited;
  }

  /** kill -9. */
  async kill(): Promise<void> {
    if (this.child.exitCode !== null) return;
    this.child.kill('SIGKILL');
    await this.exited;
  }

  removeData(): void {
    rmSync(this.dataDir, { recursive: true, force: true });
  }

  sfn(): SFNClient {
    return new SFNClient({ endpoint: this.sfnUrl, region: 'us-east-1', credentials: { accessKeyId: 'e2e', secretAccessKey: 'e2e' } });
  }

  async getJson<T>(path: string): Promise<T> {
    const res = await fetch(`${this.appUrl}${path}`);
    if (!res.ok) throw new Error(`GET ${path}: HTTP ${res.status}`);
    return (await res.json()) as T;
  }

  /** Now on the executions' clock (the reminder sweep's too): the wall clock run at --time-scale from the data folder's first start. */
  async clock(): Promise<Date> {
    const { timeOrigin, timeScale } = await this.getJson<{ timeOrigin: number; timeScale: number }>('/local/info');
    return executionNow(new Date(timeOrigin), timeScale);
  }

  /** A keyed request to the API (changes are made "by e2e test"): its status and JSON body. */
  async api(method: string, path: string, body?: unknown, key = API_KEY): Promise<{ status: number; body: Record<string, unknown> }> {
    const res = await fetch(`${this.appUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${key}`, 'x-changed-by': 'e2e test', ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  }

  postLead(lead: Record<string, unknown>, key = API_KEY): Promise<{ status: number; body: Record<string, unknown> }> {
    return this.api('POST', '/leads', lead, key);
  }

  outbox(): Promise<OutboxMail[]> {
    return this.getJson<OutboxMail[]>('/local/outbox');
  }

  /** Waits (bounded) for a mail matching the predicate; the newest one wins. */
  async mail(what: string, match: (m: OutboxMail) => boolean, timeoutMs = 20_000): Promise<OutboxMail> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const hit = (await this.outbox()).filter(match).pop();
      if (hit !== undefined) return hit;
      if (Date.now() > deadline) throw new Error(`no mail "${what}" within ${timeoutMs} ms; outbox: ${(await this.outbox()).map((m) => `${m.to.join(',')}: ${m.subject}`).join(' | ')}`);
      await sleep(150);
    }
  }

  /** Waits (bounded) for the n-th (1-based) mail matching the predicate. */
  async nthMail(what: string, match: (m: OutboxMail) => boolean, n: number, timeoutMs = 20_000): Promise<OutboxMail> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const hit = (await this.outbox()).filter(match)[n - 1];
      if (hit !== undefined) return hit;
      if (Date.now() > deadline) throw new Error(`no mail "${what}" (#${n}) within ${timeoutMs} ms`);
      await sleep(150);
    }
  }

  async mails(match: (m: OutboxMail) => boolean): Promise<OutboxMail[]> {
    return (await this.outbox()).filter(match);
  }

  async execution(name: string): Promise<LocalExecution | undefined> {
    return (await this.getJson<LocalExecution[]>('/local/executions')).find((e) => e.name === name);
  }

  /** Waits (bounded) until the lead's execution satisfies the predicate. */
  async until(name: string, what: string, ok: (e: LocalExecution) => boolean, timeoutMs = 20_000): Promise<LocalExecution> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const e = await this.execution(name);
      if (e !== undefined && ok(e)) return e;
      if (Date.now() > deadline) throw new Error(`execution ${name} not "${what}" within ${timeoutMs} ms: ${JSON.stringify(e)}`);
      await sleep(150);
    }
  }

  /** Waits (bounded) until the execution is parked on a callback: its last history event is TaskSubmitted. Returns that history. */
  async parked(executionArn: string, timeoutMs = 20_000): Promise<HistoryEvent[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const events = await this.history(executionArn);
      if (events.at(-1)?.type === 'TaskSubmitted') return events;
      if (Date.now() > deadline) throw new Error(`execution not parked within ${timeoutMs} ms; last event ${events.at(-1)?.type ?? 'none'}`);
      await sleep(150);
    }
  }

  async history(executionArn: string): Promise<HistoryEvent[]> {
    const client = this.sfn();
    try {
      const events: HistoryEvent[] = [];
      let nextToken: string | undefined;
      do {
        const page = await client.send(new GetExecutionHistoryCommand({ executionArn, maxResults: 200, nextToken }));
        events.push(...(page.events ?? []));
        nextToken = page.nextToken;
      } while (nextToken !== undefined);
      return events;
    } finally {
      client.destroy();
    }
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** The names of the states entered, in order. */
export function statesEntered(events: readonly HistoryEvent[]): string[] {
  return events.filter((e) => e.type?.endsWith('StateEntered')).map((e) => e.stateEnteredEventDetails?.name ?? '?');
}

/** A lead that scores sales-ready with the default weights (local/demo.ts `hotLead`), at `company`. */
export function lead(id: string, company: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return hotLead(id, { name: `Pat ${id}`, email: `${id}@example.org`, company, campaign: 'e2e', ...overrides });
}

