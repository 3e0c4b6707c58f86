/**
 * Everyday local use of a running `npm start`, over HTTP only:
 *
 *   npx tsx local/cli.ts add --name "Ada Lovelace" --email ada@example.com --company "Analytical Engines" [--title ...]
 *   npx tsx local/cli.ts import leads.csv          (progress bar; bad rows reported by line and skipped)
 *   npx tsx local/cli.ts list [--stage qualifying] [--json]
 *   npx tsx local/cli.ts pending [--lead <id>]
 *   npx tsx local/cli.ts answer <leadId> <answer> [--step <step>] [--comment ...] [--rating id=1..5] [--reason code]
 *                                  [--amount 120000 --currency EUR] [--field name=value]
 *   npx tsx local/cli.ts digest [--start <ISO> --end <ISO>]   (each team's digest, now)
 *   npx tsx local/cli.ts teams [put|remove|lead] ...           (the roster: local/teams-cli.ts)
 *
 * Options for every command: --url (default $PIPELINE_URL or http://127.0.0.1:3000),
 * --key (default $PIPELINE_API_KEY or <data>/api-key), --data (default .data).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { parseCsv, type CsvProblem } from './csv';
import { textProblem } from '#lib/core/text';
import { getJson, isFeedbackStep, postLead, submitFeedback } from './feedback-client';
import type { PendingRequest } from './console/data';
import { runTeams } from './teams-cli';

const HELP = `Usage: npx tsx local/cli.ts <command> [options]

Commands:
  add --name N --email E --company C [--title T] [--company-size 250|51-200] [--industry I]
      [--budget approved|planned|exploring|none|unknown] [--timeline immediate|1-3-months|...]
      [--source demo-request|referral|...] [--campaign X] [--pages-viewed N] [--events-attended N]
      [--phone P] [--country DE] [--message M] [--id ID] [--no-consent]
                      Add one lead (POST /leads).
  import <file.csv>   Add every row of a CSV file whose header names the fields above
                      (name,email,company,title,companySize,industry,budget,timeline,source,
                      campaign,pagesViewed,eventsAttended,consent,phone,country,message,id).
                      Bad rows are reported by line number and skipped; good rows are added.
  list [--stage S] [--json]
                      Leads, by stage.
  pending [--lead ID] Feedback requests waiting for an answer, with their links.
  answer <leadId> <answer> [--step S] [--comment C] [--rating id=1..5 ...] [--reason CODE]
      [--amount N] [--currency EUR] [--field name=value ...]
                      Answer a lead's pending request as the person asked would.
  digest [--start ISO --end ISO]
                      Send each team's digest now (POST /local/digest): for the
                      period given, else the period so far (since digestSchedule last fired).
                      Once per team and period: running it again sends nothing more.
  teams [--json]      The team roster (GET /teams) and its latest changes.
  teams put <team> <email> --name N [--weight 1-100] [--time-zone Europe/Paris]
      [--away-from 2026-12-24 --away-until 2027-01-02]
                      Add or replace a member (their open requests move when away now).
  teams remove <team> <email> [--reassign-to <email>|round-robin]
                      Remove a member; their open requests go to another member.
  teams lead <team> <email>
                      Make someone the team's lead (ops too).

Options: --url <app url> (default $PIPELINE_URL or http://127.0.0.1:3000)
         --key <bearer key> (default $PIPELINE_API_KEY, else <data>/api-key)
         --data <dir> (default .data)
`;

export class UsageError extends Error {}

const NUMERIC = new Set(['pagesViewed', 'eventsAttended']);
const KNOWN_COLUMNS = ['id', 'name', 'email', 'company', 'title', 'companySize', 'industry', 'budget', 'timeline', 'source', 'campaign', 'pagesViewed', 'eventsAttended', 'consent', 'phone', 'country', 'message'];
const COLUMN_ALIASES: Record<string, string> = Object.fromEntries(
  KNOWN_COLUMNS.flatMap((c) => [
    [c.toLowerCase(), c],
    [c.replace(/[A-Z]/g, (m) => `_${m.toLowerCase()}`), c],
    [c.replace(/[A-Z]/g, (m) => `-${m.toLowerCase()}`), c],
  ]),
);

/** A CSV record as a POST /leads body: known columns, numbers and booleans typed, empty cells left out. */
export function rowToLead(record: Record<string, string>): { lead: Record<string, unknown>; problems: string[] } {
  const lead: Record<string, unknown> = {};
  const problems: string[] = [];
  for (const [column, raw] of Object.entries(record)) {
    const field = COLUMN_ALIASES[column.trim().toLowerCase()] ?? column.trim();
    const value = raw.trim();
    if (value === '') continue;
    // The text rule of every edge (functions/lib/core/text.ts), as POST /leads applies it: the row is reported, not sent.
    const problem = textProblem(value, { multiLine: field === 'message' });
    if (problem !== undefined) {
      problems.push(`${field}: ${problem}`);
      continue;
    }
    if (NUMERIC.has(field)) {
      if (!/^\d+$/.test(value)) problems.push(`${field}: must be a whole number`);
      else lead[field] = Number(value);
    } else if (field === 'companySize') {
      lead[field] = /^\d+$/.test(value) ? Number(value) : value;
    } else if (field === 'consent') {
      const v = value.toLowerCase();
      if (['true', 'yes', 'y', '1'].includes(v)) lead[field] = true;
      else if (['false', 'no', 'n', '0'].includes(v)) lead[field] = false;
      else problems.push('consent: must be true or false');
    } else {
      lead[field] = value;
    }
  }
  if (lead.consent === undefined && problems.length === 0 && !('consent' in record)) lead.consent = true;
  return { lead, problems };
}

interface Common {
  url: string;
  key?: string;
  dataDir: string;
}

function apiKey(c: Common): string {
  if (c.key !== undefined && c.key !== '') return c.key;
  const env = process.env.PIPELINE_API_KEY;
  if (env !== undefined && env !== '') return env;
  const file = join(resolve(c.dataDir), 'api-key');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  throw new UsageError(`no API key: pass --key, set PIPELINE_API_KEY, or run from the folder holding ${c.dataDir}/api-key`);
}

function errorText(body: Record<string, unknown>): string {
  const errors = body.errors;
  if (Array.isArray(errors) && errors.length > 0) {
    return errors
      .map((e) => {
        const r = e as { field?: unknown; message?: unknown };
        return `${String(r.field ?? '?')}: ${String(r.message ?? '')}`;
      })
      .join('; ');
  }
  return typeof body.message === 'string' ? body.message : 'rejected';
}

export interface ImportReport {
  added: number;
  duplicates: number;
  skipped: CsvProblem[];
}

/** Imports CSV text: every good row is posted (a few at a time); bad ones are reported by line. */
export async function importCsv(text: string, post: (lead: Record<string, unknown>) => Promise<{ status: number; body: Record<string, unknown> }>, onProgress?: (done: number, total: number, skipped: number) => void, concurrency = 4): Promise<ImportReport> {
  const parsed = parseCsv(text);
  const skipped: CsvProblem[] = [...parsed.problems];
  const rows = parsed.rows;
  let added = 0;
  let duplicates = 0;
  let done = 0;
  const total = rows.length;
  onProgress?.(0, total, skipped.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    for (;;) {
      const row = rows[next];
      next += 1;
      if (row === undefined) return;
      const { lead, problems } = rowToLead(row.record);
      if (problems.length > 0) {
        skipped.push({ line: row.line, message: problems.join('; ') });
      } else {
        try {
          const r = await post(lead);
          if (r.status === 201) added += 1;
          else if (r.status === 200) duplicates += 1;
          else skipped.push({ line: row.line, message: r.status === 400 ? errorText(r.body) : `HTTP ${r.status}: ${errorText(r.body)}` });
        } catch (err) {
          skipped.push({ line: row.line, message: err instanceof Error ? err.message : String(err) });
        }
      }
      done += 1;
      onProgress?.(done, total, skipped.length);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, concurrency) }, () => worker()));
  skipped.sort((a, b) => a.line - b.line);
  return { added, duplicates, skipped };
}

export function progressBar(done: number, total: number, skipped: number, width = 30): string {
  const share = total === 0 ? 1 : done / total;
  const filled = Math.round(share * width);
  return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${done}/${total} rows${skipped > 0 ? `, ${skipped} bad` : ''}`;
}

function table(rows: string[][]): string {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
  return rows.map((r) => r.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ').trimEnd()).join('\n');
}

/** What `list` and `pending` print: the items as JSON (--json), `none` when there are none, else a table of `header` and a row per item. */
function listing<T>(items: readonly T[], json: boolean, none: string, header: string[], row: (item: T) => string[]): string {
  if (json) return `${JSON.stringify(items, null, 2)}\n`;
  if (items.length === 0) return none;
  return `${table([header, ...items.map(row)])}\n`;
}

function pageMessage(html: string): string {
  const text = html
    .replace(/<(script|style)[\s\S]*?<\/\1>/gi, '')
    .replace(/<[^>]+>/g, ' ')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&')
    .replace(/\s+/g, ' ')
    .trim();
  return text.slice(0, 300);
}

export async function main(argv: string[], out: (s: string) => void = (s) => process.stdout.write(s), err: (s: string) => void = (s) => process.stderr.write(s)): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    out(HELP);
    return command === undefined ? 2 : 0;
  }
  try {
    const { values, positionals } = parseArgs({
      args: rest,
      allowPositionals: true,
      options: {
        url: { type: 'string' },
        key: { type: 'string' },
        data: { type: 'string' },
        json: { type: 'boolean' },
        stage: { type: 'string' },
        lead: { type: 'string' },
        step: { type: 'string' },
        comment: { type: 'string' },
        rating: { type: 'string', multiple: true },
        reason: { type: 'string' },
        amount: { type: 'string' },
        currency: { type: 'string' },
        field: { type: 'string', multiple: true },
        id: { type: 'string' },
        name: { type: 'string' },
        email: { type: 'string' },
        company: { type: 'string' },
        title: { type: 'string' },
        'company-size': { type: 'string' },
        industry: { type: 'string' },
        budget: { type: 'string' },
        timeline: { type: 'string' },
        source: { type: 'string' },
        campaign: { type: 'string' },
        'pages-viewed': { type: 'string' },
        'events-attended': { type: 'string' },
        phone: { type: 'string' },
        country: { type: 'string' },
        message: { type: 'string' },
        'no-consent': { type: 'boolean' },
        start: { type: 'string' },
        end: { type: 'string' },
        weight: { type: 'string' },
        'time-zone': { type: 'string' },
        'away-from': { type: 'string' },
        'away-until': { type: 'string' },
        'reassign-to': { type: 'string' },
      },
    });
    const common: Common = { url: (values.url ?? process.env.PIPELINE_URL ?? 'http://127.0.0.1:3000').replace(/\/+$/, ''), dataDir: values.data ?? '.data' };
    if (values.key !== undefined) common.key = values.key;

    switch (command) {
      case 'add': {
        const record: Record<string, string> = {};
        const flagToField: [keyof typeof values, string][] = [
          ['id', 'id'], ['name', 'name'], ['email', 'email'], ['company', 'company'], ['title', 'title'], ['company-size', 'companySize'], ['industry', 'industry'],
          ['budget', 'budget'], ['timeline', 'timeline'], ['source', 'source'], ['campaign', 'campaign'], ['pages-viewed', 'pagesViewed'], ['events-attended', 'eventsAttended'],
          ['phone', 'phone'], ['country', 'country'], ['message', 'message'],
        ];
        for (const [flag, field] of flagToField) {
          const v = values[flag];
          if (typeof v === 'string') record[field] = v;
        }
        record.consent = values['no-consent'] === true ? 'false' : 'true';
        const { lead, problems } = rowToLead(record);
        if (problems.length > 0) throw new UsageError(problems.join('; '));
        const r = await postLead(common.url, apiKey(common), lead);
        if (r.status === 201 || r.status === 200) {
          out(`${r.status === 201 ? 'Added' : 'Already there (duplicate submit)'}: lead ${String(r.body.leadId)}\n  ${common.url}/executions/${encodeURIComponent(String(r.body.leadId))}\n`);
          return 0;
        }
        err(`Rejected (HTTP ${r.status}): ${errorText(r.body)}\n`);
        return 1;
      }
      case 'import': {
        const file = positionals[0];
        if (file === undefined) throw new UsageError('import needs a CSV file');
        const text = readFileSync(file, 'utf8');
        const key = apiKey(common);
        const tty = process.stderr.isTTY === true;
        let last = '';
        const report = await importCsv(
          text,
          (lead) => postLead(common.url, key, lead),
          (done, total, bad) => {
            const bar = progressBar(done, total, bad);
            if (tty) err(`\r${bar}`);
            else if (done === total || done % 50 === 0) {
              if (bar !== last) err(`${bar}\n`);
            }
            last = bar;
          },
        );
        if (tty) err('\n');
        out(`Added ${report.added} lead(s)${report.duplicates > 0 ? `, ${report.duplicates} already there` : ''}, skipped ${report.skipped.length} row(s).\n`);
        for (const p of report.skipped) out(`  line ${p.line}: ${p.message}\n`);
        return report.skipped.length > 0 ? 1 : 0;
      }
      case 'list': {
        const q = values.stage !== undefined ? `?stage=${encodeURIComponent(values.stage)}` : '';
        const leads = await getJson<{ leadId: string; label: string; stage: string; stageChangedAt: string | null }[]>(`${common.url}/local/leads${q}`);
        out(listing(leads, values.json === true, 'No leads.\n', ['STAGE', 'LEAD', 'SINCE', 'COMPANY / NAME'], (l) => [l.stage, l.leadId, (l.stageChangedAt ?? '').replace(/\.\d+Z$/, 'Z'), l.label]));
        return 0;
      }
      case 'digest': {
        const q = new URLSearchParams();
        if (values.start !== undefined) q.set('start', values.start);
        if (values.end !== undefined) q.set('end', values.end);
        const res = await fetch(`${common.url}/local/digest${q.size > 0 ? `?${q.toString()}` : ''}`, { method: 'POST' });
        const body = (await res.json()) as { message?: string; period?: { start: string; end: string }; sent?: string[]; alreadySent?: string[]; nothingNew?: string[] };
        if (!res.ok) {
          err(`Digest not sent (HTTP ${res.status}): ${body.message ?? ''}\n`);
          return 1;
        }
        if (values.json === true) {
          out(`${JSON.stringify(body, null, 2)}\n`);
          return 0;
        }
        const list = (teams: string[] | undefined): string => (teams === undefined || teams.length === 0 ? 'none' : teams.join(', '));
        out(`Digest for ${body.period?.start ?? '?'} to ${body.period?.end ?? '?'}\n  sent to: ${list(body.sent)}\n  already sent: ${list(body.alreadySent)}\n  nothing new: ${list(body.nothingNew)}\n`);
        return 0;
      }
      case 'pending': {
        const q = values.lead !== undefined ? `?leadId=${encodeURIComponent(values.lead)}` : '';
        const pending = await getJson<PendingRequest[]>(`${common.url}/local/pending${q}`);
        out(listing(pending, values.json === true, 'No feedback request is waiting.\n', ['LEAD', 'STEP', 'ANSWERS', 'TO', 'PAGE'], (p) => [p.leadId, p.step, p.answers.join('|'), p.to.join(','), p.url]));
        return 0;
      }
      case 'answer': {
        const [leadId, answer] = positionals;
        if (leadId === undefined || answer === undefined) throw new UsageError('answer needs <leadId> <answer>');
        if (values.step !== undefined && !isFeedbackStep(values.step)) throw new UsageError(`--step: unknown step "${values.step}"`);
        const pending = (await getJson<PendingRequest[]>(`${common.url}/local/pending?leadId=${encodeURIComponent(leadId)}`)).filter((p) => values.step === undefined || p.step === values.step);
        const request = pending[pending.length - 1];
        if (request === undefined) {
          err(`No pending feedback request for lead ${leadId}${values.step !== undefined ? ` at step ${values.step}` : ''}.\n`);
          return 1;
        }
        const fields: Record<string, string> = { answer };
        if (values.comment !== undefined) fields.comment = values.comment;
        if (values.reason !== undefined) fields.reasonCode = values.reason;
        if (values.amount !== undefined) fields.amount = values.amount;
        if (values.currency !== undefined) fields.currency = values.currency;
        for (const r of values.rating ?? []) {
          const m = /^([A-Za-z0-9-]+)=([1-5])$/.exec(r);
          if (m?.[1] === undefined || m[2] === undefined) throw new UsageError(`--rating expects id=1..5, got "${r}"`);
          fields[`rating.${m[1]}`] = m[2];
        }
        for (const f of values.field ?? []) {
          const eq = f.indexOf('=');
          if (eq <= 0) throw new UsageError(`--field expects name=value, got "${f}"`);
          fields[f.slice(0, eq)] = f.slice(eq + 1);
        }
        const res = await submitFeedback(request.url, fields);
        if (res.status >= 200 && res.status < 300) {
          out(`Recorded ${request.step} = ${answer} for lead ${leadId}.\n`);
          return 0;
        }
        err(`Not recorded (HTTP ${res.status}): ${pageMessage(res.body)}\n`);
        return 1;
      }
      case 'teams':
        return await runTeams(
          positionals,
          {
            url: common.url,
            key: apiKey(common),
            json: values.json === true,
            name: values.name,
            weight: values.weight,
            timeZone: values['time-zone'],
            awayFrom: values['away-from'],
            awayUntil: values['away-until'],
            reassignTo: values['reassign-to'],
          },
          out,
          err,
        );
      default:
        throw new UsageError(`unknown command "${command}"`);
    }
  } catch (e) {
    if (e instanceof UsageError || (e instanceof TypeError && 'code' in e && String((e as { code?: unknown }).code).startsWith('ERR_PARSE_ARGS'))) {
      err(`error: ${e.message}\nRun with --help for usage.\n`);
      return 2;
    }
    const cause = (e as { cause?: { code?: string } }).cause;
    if (cause?.code === 'ECONNREFUSED') {
      err('error: nothing answers at the app URL. Is `npm start` running? (--url to point elsewhere)\n');
      return 1;
    }
    err(`error: ${e instanceof Error ? e.message : String(e)}\n`);
    return 1;
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e: unknown) => {
      process.stderr.write(`error: ${e instanceof Error ? e.message : String(e)}\n`);
      process.exit(1);
    },
  );
}
