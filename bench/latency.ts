/**
 * HTTP latency under load: autocannon, 50 connections, against the dev
 * server (child process): GET /feedback/{id} (the page a person opens),
 * POST /feedback/{id} (an answer: after the first one wins, the rest take the
 * already-answered path, which reads the request and renders its page: a
 * successful answer happens once per link, its latency is measured by the
 * throughput benchmark), and POST /leads (a new lead each request, each
 * starting an execution). Each endpoint runs `runs` times; medians reported.
 * The load generator shares this machine's cores with the server.
 */
import { createRequire } from 'node:module';
import { LocalStackProcess, API_KEY, lead } from '../local/stack-process';
import { cpuMs, median, round } from './lib/common';
import { profiled, type ProfileSummary } from './lib/profile';

interface AutocannonResult {
  latency: { p50: number; p99: number; average: number };
  requests: { average: number; total: number };
  non2xx: number;
  errors: number;
  timeouts: number;
  statusCodeStats?: Record<string, { count: number }>;
  '2xx': number;
  '4xx': number;
}
type Autocannon = (opts: Record<string, unknown>, cb: (err: Error | null, result: AutocannonResult) => void) => unknown;
const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;

function cannon(opts: Record<string, unknown>): Promise<AutocannonResult> {
  return new Promise((done, fail) => {
    autocannon(opts, (err, result) => (err ? fail(err) : done(result)));
  });
}

export interface EndpointFigures {
  p50Ms: number;
  p99Ms: number;
  requestsPerSecond: number;
  statusCodes: Record<string, number>;
  runs: number;
  /** Server CPU per request (all threads, and the main thread alone), median of the runs: what the machine's load changes least. */
  serverCpuMsPerRequest: number;
  mainThreadCpuMsPerRequest: number;
}

export interface LatencyResult {
  connections: number;
  durationSeconds: number;
  getFeedback: EndpointFigures;
  postFeedback: EndpointFigures;
  postLeads: EndpointFigures;
  feedbackPageP99Ms: number;
  /** CPU profile of the server during one GET /feedback/{id} run. */
  getFeedbackProfile?: ProfileSummary;
  /** CPU profile of the server during one POST /leads run. */
  postLeadsProfile?: ProfileSummary;
}

/** A lead waiting for its qualification call, and the URL of its feedback page. */
async function feedbackPage(server: LocalStackProcess): Promise<string> {
  const company = `Latency ${Date.now().toString(36)}`;
  const created = await server.postLead(lead(`lat-${Date.now().toString(36)}`, company));
  if (created.status !== 201) throw new Error(`POST /leads: HTTP ${created.status}`);
  const mail = await server.mail('qualification call', (m) => m.subject.includes(company) && m.subject.startsWith('Qualification call'), 60_000);
  const link = mail.links.find((l) => new URL(l).searchParams.get('answer') === 'nurture');
  if (link === undefined) throw new Error('no nurture link');
  const page = new URL(link);
  return `${page.origin}${page.pathname}`;
}

function leadsRequest(server: LocalStackProcess, connections: number, duration: number): Record<string, unknown> {
  const body = JSON.stringify(lead('LATID', 'Latency Load Co')).replace('"LATID"', '"lat-[<id>]"').replace(/"email":"[^"]*"/, '"email":"lat-[<id>]@example.org"');
  return { url: `${server.appUrl}/leads`, method: 'POST', connections, duration, idReplacement: true, headers: { 'content-type': 'application/json', authorization: `Bearer ${API_KEY}` }, body };
}

async function measure(server: LocalStackProcess, runs: number, opts: Record<string, unknown>): Promise<EndpointFigures> {
  const results: AutocannonResult[] = [];
  const cpu: { all: number; main: number }[] = [];
  const pid = server.child.pid ?? 0;
  for (let i = 0; i < runs; i += 1) {
    const before = { all: cpuMs(pid), main: cpuMs(pid, true) };
    const r = await cannon(opts);
    results.push(r);
    const n = Math.max(1, r.requests.total);
    cpu.push({ all: (cpuMs(pid) - before.all) / n, main: (cpuMs(pid, true) - before.main) / n });
  }
  const codes: Record<string, number> = {};
  for (const r of results) for (const [code, s] of Object.entries(r.statusCodeStats ?? {})) codes[code] = (codes[code] ?? 0) + s.count;
  return {
    p50Ms: round(median(results.map((r) => r.latency.p50)), 1),
    p99Ms: round(median(results.map((r) => r.latency.p99)), 1),
    requestsPerSecond: round(median(results.map((r) => r.requests.average)), 1),
    statusCodes: codes,
    runs,
    serverCpuMsPerRequest: round(median(cpu.map((c) => c.all)), 2),
    mainThreadCpuMsPerRequest: round(median(cpu.map((c) => c.main)), 2),
  };
}

export async function runLatency(options: { runs?: number; durationSeconds?: number; connections?: number; profile?: boolean } = {}): Promise<LatencyResult> {
  const runs = options.runs ?? 3;
  const duration = options.durationSeconds ?? 5;
  const connections = options.connections ?? 50;
  let result: LatencyResult;
  const server = await LocalStackProcess.start({});
  try {
    const pageUrl = await feedbackPage(server);
    // Warm-up: load every handler once.
    await cannon({ url: `${pageUrl}?answer=nurture`, connections: 5, amount: 50 });
    const getFeedback = await measure(server, runs, { url: `${pageUrl}?answer=nurture`, connections, duration });
    const postFeedback = await measure(server, runs, {
      url: pageUrl,
      method: 'POST',
      connections,
      duration,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'answer=nurture&reasonCode=bad-timing',
    });
    const postLeads = await measure(server, runs, leadsRequest(server, connections, duration));
    result = { connections, durationSeconds: duration, getFeedback, postFeedback, postLeads, feedbackPageP99Ms: Math.max(getFeedback.p99Ms, postFeedback.p99Ms) };
  } finally {
    await server.stop();
    server.removeData();
  }
  if (options.profile !== false) {
    result.getFeedbackProfile = (
      await profiled({}, async (s, reset) => {
        const pageUrl = await feedbackPage(s);
        await cannon({ url: `${pageUrl}?answer=nurture`, connections: 5, amount: 50 });
        await reset(); // start-up and warm-up left out
        await cannon({ url: `${pageUrl}?answer=nurture`, connections, duration });
      })
    ).profile;
    result.postLeadsProfile = (
      await profiled({}, async (s, reset) => {
        await feedbackPage(s);
        await reset();
        await cannon(leadsRequest(s, connections, duration));
      })
    ).profile;
  }
  return result;
}
