/**
 * The local runtime against the web pages its user visits (local/loopback-guard.mjs),
 * over real HTTP against a started stack: every service (DynamoDB, Step
 * Functions, Secrets Manager, CloudFormation, SES and its mail viewer, the
 * app) refuses a request from another origin and one naming another host
 * (DNS rebinding); POST /local/digest and the viewer's clear refuse
 * cross-site posts; the SDKs, the app's own pages and the feedback form
 * still work. The data folder and the outbox file are the owner's only, and
 * console pages and local JSON carry the security headers of the feedback
 * pages. Then Chromium: a page served from another loopback origin cannot
 * read the DynamoDB table or /local/outbox, nor can a DNS-rebinding page.
 */
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, request, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { GetAccountCommand, SESv2Client } from '@aws-sdk/client-sesv2';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_KEY, answerLink, freePort, lead, type OutboxMail } from '../e2e/harness';
import { STATE_MACHINE_ARN, Stack, TABLE, recordFigures } from './support';

const run = Date.now().toString(36);
const company = `Security Co ${run}`;
let stack: Stack;
let info: { app: string; sfn: string; dynamodb: string; ses: string; secrets: string; cloudformation: string; eventBridge: string };
let call: OutboxMail;
let otherPort: number;
let parentDir: string;
const figures = { foreignRequestsTried: 0, foreignRequestsAccepted: 0 };

/** What the guard answers (local/loopback-guard.mjs). */
const REFUSED = /refused by this local service|Misdirected request/;

interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/** One request with exactly these headers (Host included: fetch will not send another one). */
function send(url: string, method: string, headers: Record<string, string>, body?: string): Promise<Reply> {
  const u = new URL(url);
  return new Promise((done, fail) => {
    const req = request({ host: u.hostname, port: u.port, path: `${u.pathname}${u.search}`, method, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => done({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', fail);
    req.end(body);
  });
}

interface Probe {
  name: string;
  url: string;
  method: string;
  headers: Record<string, string>;
  body?: string;
  /** Also sent without foreign headers, to show the service answers it (false: it would change something). */
  control: boolean;
}

function probes(): Probe[] {
  // A signature of the right shape (dynalite checks its form, nothing checks its value).
  const authorization = 'AWS4-HMAC-SHA256 Credential=local/20240101/us-east-1/service/aws4_request, SignedHeaders=host, Signature=0';
  const json = (target: string, type: string, body: unknown) => ({ headers: { 'content-type': type, 'x-amz-target': target, 'x-amz-date': '20240101T000000Z', authorization }, body: JSON.stringify(body) });
  return [
    { name: 'DynamoDB Scan', url: info.dynamodb, method: 'POST', ...json('DynamoDB_20120810.Scan', 'application/x-amz-json-1.0', { TableName: TABLE }), control: true },
    { name: 'Step Functions ListExecutions', url: info.sfn, method: 'POST', ...json('AWSStepFunctions.ListExecutions', 'application/x-amz-json-1.0', { stateMachineArn: STATE_MACHINE_ARN }), control: true },
    { name: 'Secrets Manager GetSecretValue', url: info.secrets, method: 'POST', ...json('secretsmanager.GetSecretValue', 'application/x-amz-json-1.1', { SecretId: 'the-model-pipeline/api-key' }), control: true },
    { name: 'EventBridge PutEvents', url: info.eventBridge, method: 'POST', ...json('AWSEvents.PutEvents', 'application/x-amz-json-1.1', { Entries: [{ Source: 'x', DetailType: 'x', Detail: '{}' }] }), control: false },
    { name: 'CloudFormation DescribeStacks', url: info.cloudformation, method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'Action=DescribeStacks&Version=2010-05-15', control: true },
    { name: 'SES GetAccount', url: `${info.ses}/v2/email/account`, method: 'GET', headers: {}, control: true },
    { name: 'mail viewer /store', url: `${info.ses}/store`, method: 'GET', headers: {}, control: true },
    { name: 'mail viewer clear', url: `${info.ses}/clear-store`, method: 'POST', headers: {}, control: false },
    { name: 'app GET /local/outbox', url: `${info.app}/local/outbox`, method: 'GET', headers: {}, control: true },
    { name: 'app GET /local/events', url: `${info.app}/local/events`, method: 'GET', headers: {}, control: true },
    { name: 'app console', url: `${info.app}/`, method: 'GET', headers: {}, control: true },
    { name: 'app POST /local/digest', url: `${info.app}/local/digest`, method: 'POST', headers: {}, control: true },
    { name: 'app POST /leads', url: `${info.app}/leads`, method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${API_KEY}` }, body: JSON.stringify(lead(`sec-x-${run}`, 'Never Co')), control: false },
  ];
}

/** Counts one foreign request; true when it was refused by the guard, with no CORS grant. */
function refused(r: Reply): boolean {
  const ok = (r.status === 403 || r.status === 421) && REFUSED.test(r.body) && r.headers['access-control-allow-origin'] === undefined;
  figures.foreignRequestsTried += 1;
  if (!ok) figures.foreignRequestsAccepted += 1;
  return ok;
}

beforeAll(async () => {
  // A data folder left readable by an older version (0755, outbox 0644): the runtime closes it.
  parentDir = mkdtempSync(join(tmpdir(), 'local-security-'));
  const dataDir = join(parentDir, 'data');
  mkdirSync(dataDir);
  chmodSync(dataDir, 0o755);
  writeFileSync(join(dataDir, 'outbox.jsonl'), '');
  chmodSync(join(dataDir, 'outbox.jsonl'), 0o644);
  stack = await Stack.start({ dataDir });
  info = await stack.server.getJson('/local/info');
  otherPort = await freePort();
  expect((await stack.server.postLead(lead(`sec-${run}`, company))).status).toBe(201);
  call = await stack.server.mail('qualification call request', (m) => m.subject.startsWith('Qualification call') && m.subject.includes(`(${company})`), 60_000);
}, 150_000);

afterAll(async () => {
  recordFigures(figures);
  if (stack !== undefined) await stack.stop();
  if (parentDir !== undefined) rmSync(parentDir, { recursive: true, force: true });
}, 60_000);

describe('every local service refuses web pages of other origins', () => {
  it('answers its SDK clients and its own pages (no Origin, or its own)', async () => {
    const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
    expect((await stack.items()).length).toBeGreaterThan(0); // DynamoDB through the SDK
    expect((await stack.sfnExecutions()).length).toBeGreaterThan(0);
    const secrets = new SecretsManagerClient({ endpoint: info.secrets, region: 'us-east-1', credentials });
    expect((await secrets.send(new GetSecretValueCommand({ SecretId: 'the-model-pipeline/api-key' }))).SecretString).toContain(API_KEY);
    secrets.destroy();
    const cfn = new CloudFormationClient({ endpoint: info.cloudformation, region: 'us-east-1', credentials });
    expect((await cfn.send(new DescribeStacksCommand({ StackName: 'CDKToolkit' }))).Stacks?.[0]?.StackStatus).toBe('CREATE_COMPLETE');
    cfn.destroy();
    const ses = new SESv2Client({ endpoint: info.ses, region: 'us-east-1', credentials });
    expect((await ses.send(new GetAccountCommand({}))).SendingEnabled).toBe(true);
    ses.destroy();
    for (const p of probes().filter((x) => x.control)) {
      const r = await send(p.url, p.method, p.headers, p.body);
      expect(r.status, `${p.name}: ${r.body.slice(0, 200)}`).toBe(200);
    }
    // The app and the viewer from their own origin, under any loopback name.
    for (const url of [`${info.app}/local/outbox`, `${info.ses}/store`]) {
      const port = new URL(url).port;
      for (const origin of [`http://127.0.0.1:${port}`, `http://localhost:${port}`]) {
        expect((await send(url, 'GET', { origin, host: `localhost:${port}` })).status, `${url} from ${origin}`).toBe(200);
      }
    }
    expect((await send(`${info.app}/local/digest`, 'POST', { origin: info.app, 'sec-fetch-site': 'same-origin' })).status).toBe(200);
    // A form the app's own page posts under Referrer-Policy: no-referrer (the feedback pages'): Origin null, same-origin.
    expect((await send(`${info.app}/local/digest`, 'POST', { origin: 'null', 'sec-fetch-site': 'same-origin' })).status).toBe(200);
  }, 60_000);

  it('refuses another origin at each service (403, no Access-Control-Allow-Origin), preflights included', async () => {
    for (const p of probes()) {
      const port = new URL(p.url).port;
      const origins = ['http://evil.example', `http://127.0.0.1:${otherPort}`, `http://localhost:${otherPort}`, `http://[::1]:${otherPort}`, 'null', `https://127.0.0.1:${port}`];
      for (const origin of origins) {
        const r = await send(p.url, p.method, { ...p.headers, origin }, p.body);
        expect(refused(r), `${p.name} from ${origin}: HTTP ${r.status} ${r.body.slice(0, 120)}`).toBe(true);
        expect(r.status).toBe(403);
      }
      const preflight = await send(p.url, 'OPTIONS', { origin: `http://localhost:${otherPort}`, 'access-control-request-method': p.method, 'access-control-request-headers': 'content-type,x-amz-target,authorization' });
      expect(refused(preflight), `${p.name} preflight: HTTP ${preflight.status}`).toBe(true);
    }
  }, 60_000);

  it('refuses a Host that is not its loopback address (DNS rebinding): 421', async () => {
    for (const p of probes()) {
      const port = new URL(p.url).port;
      for (const host of ['evil.example', `evil.example:${port}`, `rebind.127.0.0.1.nip.io:${port}`, `127.0.0.1:${otherPort}`, `localhost.:${port}`]) {
        const r = await send(p.url, p.method, { ...p.headers, host }, p.body);
        expect(refused(r), `${p.name} as ${host}: HTTP ${r.status} ${r.body.slice(0, 120)}`).toBe(true);
        expect(r.status).toBe(421);
        expect(r.body).not.toContain('/feedback/');
      }
    }
  }, 60_000);

  it('refuses posts another site made: POST /local/digest, the viewer clear, the API', async () => {
    const before = JSON.parse((await send(`${info.ses}/store`, 'GET', {})).body) as { emails: unknown[] };
    const mailsBefore = (await stack.server.outbox()).length;
    for (const p of probes().filter((x) => x.method === 'POST')) {
      for (const site of ['cross-site', 'same-site']) {
        for (const origin of [undefined, 'null']) {
          const r = await send(p.url, p.method, { ...p.headers, 'sec-fetch-site': site, 'sec-fetch-mode': 'navigate', ...(origin !== undefined ? { origin } : {}) }, p.body);
          expect(refused(r), `${p.name} ${site} (Origin ${origin ?? 'absent'}): HTTP ${r.status}`).toBe(true);
        }
      }
    }
    const digest = await send(`${info.app}/local/digest`, 'POST', { origin: 'http://evil.example', 'content-type': 'application/x-www-form-urlencoded' }, '');
    expect(digest.status).toBe(403);
    expect(refused(digest)).toBe(true);
    // Nothing happened: the viewer kept its mails, no digest went out.
    const after = JSON.parse((await send(`${info.ses}/store`, 'GET', {})).body) as { emails: unknown[] };
    expect(after.emails.length).toBe(before.emails.length);
    expect((await stack.server.outbox()).length).toBe(mailsBefore);
    // The viewer's own page may clear it (a same-origin POST through the sandbox layer to the emulator).
    const clear = await send(`${info.ses}/clear-store`, 'POST', { origin: info.ses, 'sec-fetch-site': 'same-origin' });
    expect(clear.status, clear.body).toBe(200);
    expect((JSON.parse((await send(`${info.ses}/store`, 'GET', {})).body) as { emails: unknown[] }).emails).toEqual([]);
    expect((await stack.server.outbox()).length, 'the outbox file keeps every mail').toBe(mailsBefore);
    // A link followed from another site (an email client) still opens the feedback page.
    const page = await send(call.links[0] ?? '', 'GET', { 'sec-fetch-site': 'cross-site', 'sec-fetch-mode': 'navigate' });
    expect(page.status).toBe(200);
  }, 60_000);

  it('keeps the data folder and the outbox file its owner\'s only', () => {
    const dir = stack.server.dataDir;
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    expect(statSync(join(dir, 'outbox.jsonl')).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, 'outbox.jsonl')).size).toBeGreaterThan(0);
    const open: string[] = [];
    const walk = (d: string): void => {
      for (const e of readdirSync(d, { withFileTypes: true })) {
        const path = join(d, e.name);
        if ((statSync(path).mode & 0o077) !== 0) open.push(`${path} ${(statSync(path).mode & 0o777).toString(8)}`);
        if (e.isDirectory()) walk(path);
      }
    };
    walk(dir);
    expect(open, 'nothing in the data folder is open to group or others').toEqual([]);
  });

  it('sends the feedback pages\' security headers on console pages and local JSON', async () => {
    const security = ['content-security-policy', 'cache-control', 'x-content-type-options', 'x-frame-options', 'referrer-policy', 'strict-transport-security', 'cross-origin-opener-policy', 'cross-origin-embedder-policy', 'cross-origin-resource-policy', 'permissions-policy', 'origin-agent-cluster', 'x-dns-prefetch-control', 'x-download-options', 'x-permitted-cross-domain-policies'];
    const pick = (h: IncomingHttpHeaders) => Object.fromEntries(security.filter((k) => h[k] !== undefined).map((k) => [k, h[k]]));
    const feedbackPage = await send(call.links[0] ?? '', 'GET', {});
    expect(feedbackPage.status).toBe(200);
    const htmlSet = pick(feedbackPage.headers);
    expect(Object.keys(htmlSet).sort()).toEqual([...security].sort());
    for (const path of ['/', '/stages', '/funnel-view', '/team-feedback', '/outbox', '/events', '/executions/nope']) {
      const r = await send(`${info.app}${path}`, 'GET', {});
      expect(r.headers['content-type'], path).toContain('text/html');
      expect(pick(r.headers), path).toEqual(htmlSet);
    }
    const apiJson = await send(`${info.app}/funnel`, 'GET', { authorization: `Bearer ${API_KEY}` });
    expect(apiJson.headers['content-type']).toContain('application/json');
    const jsonSet = pick(apiJson.headers);
    expect(jsonSet['content-security-policy']).toBeDefined();
    for (const path of ['/local/outbox', '/local/events', '/local/executions', '/local/leads', '/local/pending', '/local/info']) {
      const r = await send(`${info.app}${path}`, 'GET', {});
      expect(r.headers['content-type'], path).toContain('application/json');
      expect(pick(r.headers), path).toEqual(jsonSet);
    }
  }, 60_000);
});

describe('in Chromium', () => {
  let browser: Browser | undefined;
  let elsewhere: Server | undefined;

  afterAll(async () => {
    await browser?.close();
    if (elsewhere !== undefined) await new Promise<void>((done) => elsewhere?.close(() => done()));
  });

  it('a page of another loopback origin cannot read DynamoDB or /local/outbox; a DNS-rebinding page cannot either; the feedback form still works', async () => {
    // "Another site": a second tiny server on another loopback port.
    elsewhere = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end('<!doctype html><title>elsewhere</title><p>Just another page the user visits.</p>');
    });
    await new Promise<void>((done) => elsewhere?.listen(0, '127.0.0.1', () => done()));
    const elsewhereUrl = `http://127.0.0.1:${(elsewhere.address() as AddressInfo).port}`;

    browser = await chromium.launch({
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      // rebind.test resolves to 127.0.0.1: what a DNS-rebinding attacker's name does once it flips.
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-dev-shm-usage', '--no-first-run', '--disable-extensions', '--no-proxy-server', '--host-resolver-rules=MAP rebind.test 127.0.0.1'],
    });
    const page = await browser.newPage();
    await page.goto(elsewhereUrl);
    type Attempt = { name: string; read: boolean; detail: string };
    const attempts = await page.evaluate(
      async ({ dynamodb, app, table }) => {
        const attempt = async (name: string, url: string, init?: RequestInit): Promise<Attempt> => {
          try {
            const r = await fetch(url, init);
            return { name, read: true, detail: `${r.status} ${(await r.text()).slice(0, 200)}` };
          } catch (e) {
            return { name, read: false, detail: String(e) };
          }
        };
        const scan = JSON.stringify({ TableName: table });
        const sig = 'AWS4-HMAC-SHA256 Credential=x/20240101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=0';
        return [
          // Without the guard dynalite answers this one with the table (Access-Control-Allow-Origin: *).
          await attempt('DynamoDB Scan (preflighted)', dynamodb, { method: 'POST', headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': 'DynamoDB_20120810.Scan', 'x-amz-date': '20240101T000000Z', authorization: sig }, body: scan }),
          await attempt('DynamoDB Scan (simple request)', dynamodb, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: scan }),
          await attempt('GET /local/outbox', `${app}/local/outbox`),
          await attempt('GET /local/outbox (localhost)', `${app.replace('127.0.0.1', 'localhost')}/local/outbox`),
          await attempt('console', `${app}/`),
          await attempt('POST /local/digest', `${app}/local/digest`, { method: 'POST' }),
          await attempt('control: its own origin', '/'),
        ];
      },
      { dynamodb: info.dynamodb, app: info.app, table: TABLE },
    );
    const foreign = attempts.filter((a) => !a.name.startsWith('control'));
    for (const a of foreign) {
      figures.foreignRequestsTried += 1;
      if (a.read) figures.foreignRequestsAccepted += 1;
    }
    expect(foreign.filter((a) => a.read), JSON.stringify(attempts)).toEqual([]);
    expect(attempts.find((a) => a.name.startsWith('control'))?.read, 'fetch works on that page').toBe(true);

    // DNS rebinding: the attacker's name now resolves to 127.0.0.1, so its page is "same-origin" with the service.
    for (const target of [`${info.app}/local/outbox`, `${info.dynamodb}/`]) {
      const rebound = target.replace('127.0.0.1', 'rebind.test');
      const response = await page.goto(rebound);
      const status = await page.evaluate(async (t: string) => {
        const sig = 'AWS4-HMAC-SHA256 Credential=x/20240101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=0';
        const scan = { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': 'DynamoDB_20120810.Scan', 'x-amz-date': '20240101T000000Z', authorization: sig };
        const r = t.endsWith('/local/outbox') ? await fetch(t) : await fetch(t, { method: 'POST', headers: scan, body: JSON.stringify({ TableName: 'the-model-pipeline' }) });
        return { status: r.status, body: await r.text() };
      }, rebound);
      for (const r of [{ status: response?.status() ?? 0, body: (await response?.text()) ?? '' }, status]) {
        figures.foreignRequestsTried += 1;
        const ok = r.status === 421 && !r.body.includes('/feedback/');
        if (!ok) figures.foreignRequestsAccepted += 1;
        expect(ok, `${rebound}: ${r.status} ${r.body.slice(0, 120)}`).toBe(true);
      }
    }

    // The app's own pages still work: the feedback form from the mail, answered in the browser.
    await page.goto(answerLink(call, 'book-meeting'));
    expect(await page.title()).toContain('Qualification call');
    const [response] = await Promise.all([
      page.waitForResponse((r) => r.request().method() === 'POST' && r.url().startsWith(`${info.app}/feedback/`)),
      page.locator('button[type="submit"]').click(),
    ]);
    expect(response.status()).toBe(200);
    // ...and the console and its JSON open in the browser (the console runs no script: its CSP allows none).
    expect((await page.goto(`${info.app}/`))?.status()).toBe(200);
    expect(await page.title()).toContain('The Model pipeline');
    const outbox = await page.goto(`${info.app}/local/outbox`);
    expect(outbox?.status()).toBe(200);
    expect(await outbox?.text()).toContain('/feedback/');
  }, 120_000);
});
