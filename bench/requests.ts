/**
 * Where a lead's DynamoDB requests come from: won leads driven through the
 * dev server by the throughput driver (bench/throughput.ts: every answer
 * posted over HTTP, no page views), every request the functions send to the
 * app table recorded with the function that sent it (bench/lib/ddb-callers.mjs,
 * preloaded into the server), printed per function, operation and helper.
 * docs/performance.md section 3 has the figures.
 *
 *   npx tsx bench/requests.ts          one won lead
 *   BENCH_REQUESTS_LEADS=3 npx tsx bench/requests.ts
 */
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { INDEX } from '#lib/core/keys';
import { startPreloaded } from './lib/common';
import { driveLeads, SERVER_OPTIONS } from './throughput';

const CALLERS = join(import.meta.dirname, 'lib', 'ddb-callers.mjs');
const APP_TABLE = 'the-model-pipeline';

/** One request as bench/lib/ddb-callers.mjs records it. */
export interface CallerRecord {
  op: string;
  table: string | null;
  /** The handler file (`functions/<handler>.ts`) the request came from; null outside the functions. */
  handler: string | null;
  /** The `name@file` frames of functions/ on its stack, innermost first. */
  via: string[];
  /** Kind of key: the part of pk and sk before the first '#'. */
  pk: string | null;
  sk: string | null;
  index: string | null;
}

export interface RequestBreakdown {
  leads: number;
  /** All app-table requests per lead (the reminder sweep's queries not included: they are per sweep, not per lead). */
  perLead: number;
  /** handler -> operation -> requests per lead. */
  byHandler: Record<string, Record<string, number>>;
  /** `handler  operation  key kind  helper` -> requests per lead. */
  detail: Record<string, number>;
  /** App-table item writes with no function on their stack (none expected: the runtime only creates the table and seeds the roster, as the deploy's RosterSeed does; the console and /local/* read the table to show it). */
  unattributed: number;
}

const TABLE_OPS = new Set(['CreateTable', 'DescribeTable', 'UpdateTimeToLive', 'DescribeTimeToLive']);
/** Reads: the console's pages and /local/* read the table (no function). */
const READ_OPS = new Set(['GetItem', 'Query', 'Scan', 'BatchGetItem']);
/** The runtime's seeding of the team roster on its first start (local/stack.ts, as the deploy's RosterSeed custom resource). */
const isRosterSeed = (r: { pk?: string | null }): boolean => typeof r.pk === 'string' && r.pk.startsWith('ROSTER');

/** The helper that made the call: the innermost frame outside the SDK wrappers of functions/lib. */
function helperOf(r: CallerRecord): string {
  return r.via[0] ?? '?';
}

export function breakdown(records: readonly CallerRecord[], leads: number): RequestBreakdown {
  const mine = records.filter((r) => r.table === APP_TABLE && r.handler !== null && !(r.op === 'Query' && r.index === INDEX.byReminderDue));
  const byHandler: Record<string, Record<string, number>> = {};
  const detail: Record<string, number> = {};
  for (const r of mine) {
    const handler = r.handler ?? '?';
    const ops = (byHandler[handler] ??= {});
    ops[r.op] = (ops[r.op] ?? 0) + 1 / leads;
    const key = `${handler}  ${r.op}  ${r.pk ?? r.index ?? '-'}/${r.sk ?? '-'}  ${helperOf(r)}`;
    detail[key] = (detail[key] ?? 0) + 1 / leads;
  }
  const unattributed = records.filter((r) => r.table === APP_TABLE && r.handler === null && !TABLE_OPS.has(r.op) && !READ_OPS.has(r.op) && !isRosterSeed(r)).length;
  return { leads, perLead: mine.length / leads, byHandler, detail, unattributed };
}

/** Drives `leads` won leads (one at a time) through a fresh dev server and attributes its DynamoDB requests. */
export async function runRequests(options: { leads?: number } = {}): Promise<RequestBreakdown> {
  const leads = options.leads ?? 1;
  const log = join(tmpdir(), `bench-callers-${process.pid}-${Date.now().toString(36)}.jsonl`);
  const server = await startPreloaded(SERVER_OPTIONS, CALLERS, { BENCH_DDB_CALLERS_LOG: log });
  try {
    const run = await driveLeads(server, leads, 1);
    if (run.failed > 0) throw new Error(`requests: ${run.failed} of ${leads} leads did not renew: ${JSON.stringify(run.outcomes)}`);
    const records = existsSync(log) ? readFileSync(log, 'utf8').split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as CallerRecord) : [];
    return breakdown(records, leads);
  } finally {
    await server.stop();
    server.removeData();
    rmSync(log, { force: true });
  }
}

export function report(b: RequestBreakdown): string {
  const ops = ['GetItem', 'PutItem', 'UpdateItem', 'DeleteItem', 'Query'];
  const n = (v: number | undefined) => String(Math.round((v ?? 0) * 100) / 100);
  const lines = [`DynamoDB requests per won lead, by function (${b.leads} lead${b.leads === 1 ? '' : 's'}, answers posted, no page views): ${n(b.perLead)}`];
  lines.push(`  ${'function'.padEnd(18)}${'total'.padStart(6)}${ops.map((o) => o.padStart(11)).join('')}`);
  for (const [handler, byOp] of Object.entries(b.byHandler).sort()) {
    const total = Object.values(byOp).reduce((s, v) => s + v, 0);
    lines.push(`  ${handler.padEnd(18)}${n(total).padStart(6)}${ops.map((o) => n(byOp[o]).padStart(11)).join('')}`);
  }
  lines.push('', '  per function, operation, key and helper:');
  for (const [k, v] of Object.entries(b.detail).sort()) lines.push(`  ${n(v).padStart(5)}  ${k}`);
  return lines.join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const b = await runRequests({ leads: Number(process.env.BENCH_REQUESTS_LEADS ?? '1') });
  process.stdout.write(`${report(b)}\n`);
}
