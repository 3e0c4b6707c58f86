/**
 * `npm run test:reliability`: the reliability tests at full size (1,000
 * leads unless RELIABILITY_LEADS says otherwise), then the table of what
 * they tried and what was lost. Exits non-zero when a test failed,
 * anything was lost, a local service accepted a foreign-origin request, an
 * erased lead's personal value was found after its erasure, or an input that
 * must be refused was taken.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Figures } from './support';

const repo = resolve(import.meta.dirname, '..', '..');
const dir = mkdtempSync(join(tmpdir(), 'reliability-'));
const file = join(dir, 'figures.jsonl');
const result = spawnSync(process.execPath, [join(repo, 'node_modules', 'vitest', 'vitest.mjs'), 'run', 'test/reliability', ...process.argv.slice(2)], {
  cwd: repo,
  stdio: 'inherit',
  env: { ...process.env, RELIABILITY_FIGURES: file, RELIABILITY_LEADS: process.env.RELIABILITY_LEADS ?? '1000' },
});

const totals: Required<Figures> = { inputsTried: 0, inputsAcceptedWrongly: 0, concurrentClicks: 0, faultsInjected: 0, faultsRecovered: 0, restarts: 0, leadsSubmitted: 0, leadsLost: 0, answersLost: 0, needsAttention: 0, mailsResent: 0, foreignRequestsTried: 0, foreignRequestsAccepted: 0, personalValuesLeft: 0 };
if (existsSync(file)) {
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (line.trim() === '') continue;
    const f = JSON.parse(line) as Figures;
    for (const k of Object.keys(totals) as (keyof Figures)[]) totals[k] += f[k] ?? 0;
  }
}
rmSync(dir, { recursive: true, force: true });

const rows: [string, number, string][] = [
  ['inputs tried', totals.inputsTried, 'malformed, hostile and oversized requests, forms and texts (input.test.ts, hostile-text.test.ts)'],
  ['inputs accepted wrongly', totals.inputsAcceptedWrongly, 'must be 0'],
  ['concurrent clicks', totals.concurrentClicks, ''],
  ['faults injected', totals.faultsInjected, 'Lambda, DynamoDB and SES errors (PIPELINE_FAULTS)'],
  ['faults recovered', totals.faultsRecovered, 'retried to success; the permanent ones land in Needs attention'],
  ['restarts (kill -9)', totals.restarts, ''],
  ['leads submitted', totals.leadsSubmitted, ''],
  ['leads in Needs attention', totals.needsAttention, "visibly, waiting for ops' rescue decision (retry / return / close)"],
  ['leads lost', totals.leadsLost, 'must be 0'],
  ['answers lost', totals.answersLost, 'must be 0'],
  ['personal values left after erasure', totals.personalValuesLeft, 'must be 0: every table (app, engine history) and mail sent after it'],
  ['emails sent twice', totals.mailsResent, 'a kill -9 between SES accepting and the marker write (docs/reliability.md)'],
  ['foreign-origin requests tried', totals.foreignRequestsTried, 'other origins, DNS rebinding, cross-site posts, at every local service (also in Chromium)'],
  ['foreign-origin requests accepted', totals.foreignRequestsAccepted, 'must be 0'],
];
const w = Math.max(...rows.map((r) => r[0].length));
const n = Math.max(...rows.map((r) => String(r[1]).length));
const line = `+-${'-'.repeat(w)}-+-${'-'.repeat(n)}-+`;
process.stdout.write(`\nReliability (test/reliability, ${process.env.RELIABILITY_LEADS ?? '1000'} leads)\n${line}\n`);
for (const [label, value, note] of rows) process.stdout.write(`| ${label.padEnd(w)} | ${String(value).padStart(n)} |${note ? ` ${note}` : ''}\n`);
process.stdout.write(`${line}\n`);
const lost = totals.leadsLost + totals.answersLost;
process.exit(result.status !== 0 ? (result.status ?? 1) : lost + totals.foreignRequestsAccepted + totals.personalValuesLeft + totals.inputsAcceptedWrongly > 0 ? 1 : 0);
