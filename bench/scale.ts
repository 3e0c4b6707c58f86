/**
 * Scale: N leads (10,000 in the full run) parked on their first callback
 * ("Await qualification call"), real leads through POST /leads on the dev
 * server. A lead is parked once its request mail is out (the task's Lambda
 * has run and the execution waits for the token; the outbox is read as it
 * grows, so waiting costs the server nothing), then one listing checks every
 * execution waits there. Measures the server's resident memory with all of them parked
 * (before that listing: its garbage is the console's, not the parked leads'),
 * then stops it (Ctrl-C) and starts it again on the same data folder: time
 * until it answers, and until a sample of the parked leads, answered over
 * HTTP, have moved on (the engine resumed them from the durable store).
 */
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { DescribeExecutionCommand } from '@aws-sdk/client-sfn';
import { LocalStackProcess, lead, type LocalExecution, type OutboxMail } from '../local/stack-process';
import { residentMB, round, sleep, startPreloaded } from './lib/common';
import { Tail } from './throughput';

export interface ScaleResult {
  leads: number;
  ingestLeadsPerSecond: number;
  parkedMemoryMB: number;
  /** Of that RSS: private memory (anonymous: heaps, native allocations), and mapped files (dynalite's LevelDB tables, page cache). */
  parkedAnonMB: number;
  parkedFileMB: number;
  /** The parked server's memory (process.memoryUsage() of the main thread, MB): V8 heap reserved and used, and outside the heap. */
  parkedHeapTotalMB: number;
  parkedHeapUsedMB: number;
  parkedExternalMB: number;
  /** V8 heap reserved by the dynalite worker thread (its own isolate), MB. */
  parkedWorkerHeapTotalMB: number;
  /** Memory of the restarted server once it resumed them. */
  resumedMemoryMB: number;
  resumedAnonMB: number;
  /** Spawn of the restarted server until it answers HTTP (every RUNNING execution loaded). */
  restartSeconds: number;
  /** Spawn of the restarted server until a sample of leads answered after it moved on (DescribeExecution); the others are then checked to be RUNNING. */
  resumeSeconds: number;
  sample: number;
}

async function parkedCount(server: LocalStackProcess, tag: string): Promise<{ parked: number; running: number }> {
  const all = await server.getJson<LocalExecution[]>('/local/executions?status=RUNNING');
  const mine = all.filter((e) => e.name.startsWith(tag));
  return { parked: mine.filter((e) => e.currentState === 'Await qualification call').length, running: mine.length };
}

export async function runScale(options: { leads?: number; concurrency?: number; sample?: number } = {}): Promise<ScaleResult> {
  const n = options.leads ?? 10_000;
  const concurrency = options.concurrency ?? 16;
  const sample = Math.min(options.sample ?? 20, n);
  const tag = `sc${Date.now().toString(36)}`;
  const memFile = join(tmpdir(), `bench-mem-${process.pid}-${Date.now().toString(36)}.json`);
  const start = (opts: Parameters<typeof LocalStackProcess.start>[0]): Promise<LocalStackProcess> =>
    startPreloaded(opts, join(import.meta.dirname, 'lib', 'memory-probe.mjs'), { BENCH_MEM_FILE: memFile });
  type Usage = { heapTotal: number; heapUsed: number; external: number };
  const usage = (file: string | undefined): Usage => (file !== undefined && existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Usage) : { heapTotal: 0, heapUsed: 0, external: 0 });
  const threadFiles = (): string[] => readdirSync(dirname(memFile)).filter((f) => f.startsWith(`${basename(memFile)}.thread`)).map((f) => join(dirname(memFile), f));
  const mb = (bytes: number): number => round(bytes / 2 ** 20, 1);
  const memory = (): { heapTotal: number; heapUsed: number; external: number; workerHeapTotal: number } => {
    const m = usage(memFile);
    return { heapTotal: mb(m.heapTotal), heapUsed: mb(m.heapUsed), external: mb(m.external), workerHeapTotal: mb(threadFiles().reduce((sum, f) => sum + usage(f).heapTotal, 0)) };
  };
  let server = await start({});
  const dataDir = server.dataDir;
  try {
    const t0 = performance.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        for (;;) {
          const i = next++;
          if (i >= n) return;
          const r = await server.postLead(lead(`${tag}-${i}`, `Scale ${tag} ${i}`));
          if (r.status !== 201) throw new Error(`POST /leads: HTTP ${r.status}`);
        }
      }),
    );
    const deadline = Date.now() + Math.max(120_000, n * 100);
    const tail = new Tail(join(dataDir, 'outbox.jsonl'));
    const requested = new Set<string>();
    while (requested.size < n) {
      for (const m of tail.read()) if (m.subject.startsWith('Qualification call') && m.subject.includes(`Scale ${tag} `)) requested.add(m.subject);
      if (Date.now() > deadline) throw new Error(`only ${requested.size} of ${n} leads sent their request mail in time`);
      await sleep(250);
    }
    const ingestLeadsPerSecond = round(n / ((performance.now() - t0) / 1000), 1);
    await sleep(2000); // let the process settle
    const parkedResident = residentMB(server.child.pid ?? 0);
    const parkedMem = memory();
    const { parked } = await parkedCount(server, tag);
    if (parked !== n) throw new Error(`${parked} of ${n} leads wait for their qualification call`);
    await server.stop();

    const t1 = performance.now();
    server = await start({ dataDir, port: server.port }); // the same port: the mailed links name it
    const restartSeconds = round((performance.now() - t1) / 1000, 2);
    // Answer a sample of the parked leads; they must move on.
    const mails = readFileSync(join(dataDir, 'outbox.jsonl'), 'utf8').split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as OutboxMail);
    const ids = Array.from({ length: sample }, (_, k) => Math.floor((k * n) / sample));
    await Promise.all(
      ids.map(async (i) => {
        const mail = mails.find((m) => m.subject.includes(`Scale ${tag} ${i} `) || m.subject.includes(`Scale ${tag} ${i})`) || m.subject.endsWith(`Scale ${tag} ${i}`));
        const link = mail?.links.find((l) => new URL(l).searchParams.get('answer') === 'nurture');
        if (link === undefined) throw new Error(`no request mail for lead ${i}`);
        const u = new URL(link);
        const res = await fetch(`${u.origin}${u.pathname}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'answer=nurture&reasonCode=bad-timing' });
        if (res.status !== 200) throw new Error(`answer after restart: HTTP ${res.status}`);
      }),
    );
    // DescribeExecution per sampled lead (listing 10,000 executions per poll would measure the listing, not the resume).
    const sfn = server.sfn();
    const info = await server.getJson<{ stateMachineArn: string }>('/local/info');
    const arnOf = (i: number) => `${info.stateMachineArn.replace(':stateMachine:', ':execution:')}:${tag}-${i}`;
    try {
      const until = Date.now() + 300_000;
      const pending = new Set(ids);
      while (pending.size > 0) {
        if (Date.now() > until) throw new Error(`${pending.size} answered leads did not move on after the restart`);
        for (const i of [...pending]) {
          const d = await sfn.send(new DescribeExecutionCommand({ executionArn: arnOf(i) }));
          if (d.status !== 'RUNNING') pending.delete(i);
        }
        if (pending.size > 0) await sleep(50);
      }
    } finally {
      sfn.destroy();
    }
    const resumeSeconds = round((performance.now() - t1) / 1000, 2);
    const { running } = await parkedCount(server, tag);
    if (running !== n - sample) throw new Error(`after restart ${running} of ${n - sample} leads are RUNNING`);
    const resumedResident = residentMB(server.child.pid ?? 0);
    return {
      leads: n,
      ingestLeadsPerSecond,
      parkedMemoryMB: parkedResident.rss,
      parkedAnonMB: parkedResident.anon,
      parkedFileMB: parkedResident.file,
      parkedHeapTotalMB: parkedMem.heapTotal,
      parkedHeapUsedMB: parkedMem.heapUsed,
      parkedExternalMB: parkedMem.external,
      parkedWorkerHeapTotalMB: parkedMem.workerHeapTotal,
      resumedMemoryMB: resumedResident.rss,
      resumedAnonMB: resumedResident.anon,
      restartSeconds,
      resumeSeconds,
      sample,
    };
  } finally {
    await server.stop(); // first: the probe writes until the server exits
    for (const f of [memFile, ...threadFiles()]) rmSync(f, { force: true });
    server.removeData();
  }
}
