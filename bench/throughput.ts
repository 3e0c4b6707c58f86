/**
 * Throughput: leads carried through the whole lifecycle (captured, qualified,
 * met, won, onboarded, one check-in, renewed) on the dev server, every
 * answer posted over HTTP as soon as its request mail lands in the outbox
 * (<data>/outbox.jsonl, read incrementally). Leads per second = renewed leads /
 * seconds from the first POST /leads until a poll (every 250 ms) finds the
 * last execution ended (time scale 60: the check-in Wait of 60 s takes one
 * second; the executions' own stop dates are in that scaled time). One extra
 * run under `node --cpu-prof` names the bottleneck.
 */
import { existsSync, openSync, readSync, closeSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { LocalStackProcess, lead, type LocalExecution, type OutboxMail, type ServerOptions } from '../local/stack-process';
import { cpuMs, median, percentile, round, sleep } from './lib/common';
import { profiled, type ProfileSummary } from './lib/profile';

const ANSWERS: { prefix: string; answer: string; fields: Record<string, string> }[] = [
  { prefix: 'Qualification call', answer: 'book-meeting', fields: { 'rating.campaign-reaction': '4' } },
  { prefix: 'Meeting outcome', answer: 'held-proceed', fields: { 'rating.budget-accuracy': '4' } },
  { prefix: 'Deal decision', answer: 'won', fields: { amount: '48000', currency: 'EUR', promises: 'SSO' } },
  { prefix: 'Onboarding review', answer: 'on-track', fields: { 'rating.expectations-set-right': '4', 'rating.message-match': '4' } },
  { prefix: 'Customer check-in', answer: 'healthy', fields: { 'rating.health': '5' } },
];

export const SERVER_OPTIONS: ServerOptions = { timeScale: 60, settings: { checkInIntervalSeconds: 60, maxCheckIns: 1 } };

/** New lines of a growing JSON-lines file. */
export class Tail {
  private offset = 0;
  private rest = '';
  constructor(private readonly file: string) {}
  read(): OutboxMail[] {
    if (!existsSync(this.file)) return [];
    const size = statSync(this.file).size;
    if (size <= this.offset) return [];
    const fd = openSync(this.file, 'r');
    const buf = Buffer.alloc(size - this.offset);
    readSync(fd, buf, 0, buf.length, this.offset);
    closeSync(fd);
    this.offset = size;
    const text = this.rest + buf.toString('utf8');
    const lines = text.split('\n');
    this.rest = lines.pop() ?? '';
    return lines.filter((l) => l !== '').map((l) => JSON.parse(l) as OutboxMail);
  }
}

export interface ThroughputRun {
  leads: number;
  seconds: number;
  leadsPerSecond: number;
  answers: number;
  answerP50Ms: number;
  answerP99Ms: number;
  failed: number;
  /** CPU time the server process (all its threads) used per lead during the run: what the machine's load does not change much. */
  serverCpuMsPerLead: number;
  /** The same for the server's main thread alone (handlers, engine, HTTP routes; not dynalite's thread): one core bounds it. */
  mainThreadCpuMsPerLead: number;
  /** Ends of the leads: status/stage -> count. */
  outcomes: Record<string, number>;
}

export async function driveLeads(server: LocalStackProcess, leads: number, concurrency = 10): Promise<ThroughputRun> {
  const tag = `tp${Date.now().toString(36)}`;
  const tail = new Tail(join(server.dataDir, 'outbox.jsonl'));
  tail.read(); // skip earlier mail
  const answerMs: number[] = [];
  let answers = 0;
  const inflight = new Set<Promise<void>>();
  const started = performance.now();
  const pid = server.child.pid ?? 0;
  const cpuAtStart = [cpuMs(pid), cpuMs(pid, true)];
  let stopped = false;

  const answer = async (link: string, a: (typeof ANSWERS)[number]): Promise<void> => {
    const u = new URL(link);
    const t = performance.now();
    const res = await fetch(`${u.origin}${u.pathname}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ answer: a.answer, ...a.fields }).toString() });
    await res.text();
    if (res.status === 200) {
      answerMs.push(performance.now() - t);
      answers += 1;
    }
  };
  const pump = (async () => {
    while (!stopped) {
      for (const mail of tail.read()) {
        if (!mail.subject.includes(tag)) continue;
        const a = ANSWERS.find((x) => mail.subject.startsWith(x.prefix));
        const link = a === undefined ? undefined : mail.links.find((l) => new URL(l).searchParams.get('answer') === a.answer);
        if (a === undefined || link === undefined) continue;
        const p = answer(link, a).finally(() => inflight.delete(p));
        inflight.add(p);
      }
      await sleep(20);
    }
  })();

  const ids = Array.from({ length: leads }, (_, i) => `${tag}-${i}`);
  for (let i = 0; i < ids.length; i += concurrency) {
    await Promise.all(ids.slice(i, i + concurrency).map(async (id) => {
      const r = await server.postLead(lead(id, `Co ${tag} ${id}`));
      if (r.status !== 201) throw new Error(`POST /leads: HTTP ${r.status}`);
    }));
  }
  const wanted = new Set(ids);
  let ended: LocalExecution[] = [];
  const deadline = Date.now() + Math.max(120_000, leads * 2_000);
  for (;;) {
    const all = await server.getJson<LocalExecution[]>('/local/executions');
    ended = all.filter((e) => wanted.has(e.name) && e.status !== 'RUNNING');
    if (ended.length === leads) break;
    if (Date.now() > deadline) break;
    await sleep(250);
  }
  const seconds = (performance.now() - started) / 1000;
  const serverCpu = cpuMs(pid) - (cpuAtStart[0] ?? 0);
  const mainCpu = cpuMs(pid, true) - (cpuAtStart[1] ?? 0);
  stopped = true;
  await pump;
  await Promise.all([...inflight]);
  const ok = ended.filter((e) => e.status === 'SUCCEEDED' && e.stage === 'renewed').length;
  const outcomes: Record<string, number> = {};
  for (const e of ended) outcomes[`${e.status}/${e.stage ?? ''}/${e.currentState ?? ''}`] = (outcomes[`${e.status}/${e.stage ?? ''}/${e.currentState ?? ''}`] ?? 0) + 1;
  if (ended.length < leads) outcomes.RUNNING = leads - ended.length;
  return {
    leads,
    seconds: round(seconds, 2),
    leadsPerSecond: round(ok / seconds, 2),
    answers,
    answerP50Ms: round(percentile(answerMs, 50), 1),
    answerP99Ms: round(percentile(answerMs, 99), 1),
    failed: leads - ok,
    serverCpuMsPerLead: Math.round(serverCpu / leads),
    mainThreadCpuMsPerLead: Math.round(mainCpu / leads),
    outcomes,
  };
}

export interface ThroughputResult {
  runs: ThroughputRun[];
  leadsPerSecond: number;
  answerP50Ms: number;
  answerP99Ms: number;
  serverCpuMsPerLead: number;
  mainThreadCpuMsPerLead: number;
  profile?: ProfileSummary;
}

export async function runThroughput(options: { leads?: number; runs?: number; profile?: boolean } = {}): Promise<ThroughputResult> {
  const leads = options.leads ?? 100;
  const runs: ThroughputRun[] = [];
  for (let i = 0; i < (options.runs ?? 3); i += 1) {
    const server = await LocalStackProcess.start(SERVER_OPTIONS);
    try {
      await driveLeads(server, 3); // warm-up, not counted
      runs.push(await driveLeads(server, leads));
    } finally {
      await server.stop();
      server.removeData();
    }
  }
  let profile: ProfileSummary | undefined;
  if (options.profile !== false) {
    profile = (await profiled(SERVER_OPTIONS, async (server, reset) => {
      await driveLeads(server, 3);
      await reset(); // profile the measured run only, not start-up and warm-up
      return driveLeads(server, leads);
    })).profile;
  }
  return {
    runs,
    leadsPerSecond: median(runs.map((r) => r.leadsPerSecond)),
    answerP50Ms: median(runs.map((r) => r.answerP50Ms)),
    answerP99Ms: median(runs.map((r) => r.answerP99Ms)),
    serverCpuMsPerLead: median(runs.map((r) => r.serverCpuMsPerLead)),
    mainThreadCpuMsPerLead: median(runs.map((r) => r.mainThreadCpuMsPerLead)),
    ...(profile !== undefined ? { profile } : {}),
  };
}
