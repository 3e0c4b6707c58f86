/**
 * Scale: N leads (10,000 in the full run) parked on their first callback
 * ("Await qualification call"), real leads through POST /leads on the dev
 * server. Measures the server's resident memory with all of them parked,
 * then stops it (Ctrl-C) and starts it again on the same data folder: time
 * until it answers, and until a sample of the parked leads, answered over
 * HTTP, have moved on (the engine resumed them from the durable store).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DevServerProcess, lead, type LocalExecution, type OutboxMail } from '../test/e2e/harness';
import { round, rssMB, sleep } from './lib/common';

export interface ScaleResult {
  leads: number;
  ingestLeadsPerSecond: number;
  parkedMemoryMB: number;
  /** Memory of the restarted server once it resumed them. */
  resumedMemoryMB: number;
  /** Spawn of the restarted server until it answers HTTP (every RUNNING execution loaded). */
  restartSeconds: number;
  /** Spawn until a sample of answered leads moved on, and all N are listed RUNNING. */
  resumeSeconds: number;
  sample: number;
}

async function parkedCount(server: DevServerProcess, tag: string): Promise<{ parked: number; running: number }> {
  const all = await server.getJson<LocalExecution[]>('/local/executions?status=RUNNING');
  const mine = all.filter((e) => e.name.startsWith(tag));
  return { parked: mine.filter((e) => e.currentState === 'Await qualification call').length, running: mine.length };
}

export async function runScale(options: { leads?: number; concurrency?: number; sample?: number } = {}): Promise<ScaleResult> {
  const n = options.leads ?? 10_000;
  const concurrency = options.concurrency ?? 16;
  const sample = Math.min(options.sample ?? 20, n);
  const tag = `sc${Date.now().toString(36)}`;
  let server = await DevServerProcess.start({});
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
    for (;;) {
      if ((await parkedCount(server, tag)).parked >= n) break;
      if (Date.now() > deadline) throw new Error('leads did not all park in time');
      await sleep(1000);
    }
    const ingestLeadsPerSecond = round(n / ((performance.now() - t0) / 1000), 1);
    await sleep(2000); // let the process settle
    const parkedMemoryMB = rssMB(server.child.pid ?? 0);
    await server.stop();

    const t1 = performance.now();
    server = await DevServerProcess.start({ dataDir, port: server.port }); // the same port: the mailed links name it
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
    for (const i of ids) await server.until(`${tag}-${i}`, 'moved on', (e) => e.status !== 'RUNNING', 120_000);
    const { running } = await parkedCount(server, tag);
    if (running !== n - sample) throw new Error(`after restart ${running} of ${n - sample} leads are RUNNING`);
    const resumeSeconds = round((performance.now() - t1) / 1000, 2);
    const resumedMemoryMB = rssMB(server.child.pid ?? 0);
    return { leads: n, ingestLeadsPerSecond, parkedMemoryMB, resumedMemoryMB, restartSeconds, resumeSeconds, sample };
  } finally {
    await server.stop();
    server.removeData();
  }
}
