/**
 * Cost per lead on AWS, from a real local run: each path is driven through
 * the dev server (child process, temp data folder, time scale) over HTTP,
 * answers posted after realistic delays in execution time, and counted:
 *   - state transitions: StateEntered events of GetExecutionHistory;
 *   - Lambda invocations and billed ms: the history's Task events (duration
 *     from TaskStarted to TaskSubmitted/TaskSucceeded, divided back by the
 *     time scale) plus the HTTP-triggered functions (capture-lead and,
 *     per answer, feedback-page twice), timed as the HTTP request;
 *   - DynamoDB requests and request units: every request the dynalite
 *     endpoint receives for the app table (bench/lib/ddb-counter.mjs, preloaded
 *     into the server), priced by requestUnits();
 *   - emails: the outbox's recipients (To and Cc: SES bills each one), and
 *     the bytes of their attachments (the meeting invitations) per recipient;
 *     HTTP requests: the ones this driver sends.
 * The baseline (bench/baseline/, reminders as a Wait loop inside each wait)
 * runs the same paths, on a second server of the same run.
 *
 * A rescued lead (RESCUED) is measured apart, on a third server whose
 * qualify-lead fails once (PIPELINE_FAULTS): the disqualified path with
 * "Qualify lead" failed, ops asked in "Await rescue decision" and the step
 * retried through their link. Its cost over the disqualified path's is what
 * a rescue costs; no path of the mix meets a rescue wait.
 *
 * Two costs fall outside one lead's run and are amortized per lead, with the
 * assumptions in ASSUMPTIONS (docs/performance.md section 1):
 *   - reminders: the sweep sends one email per person per sweep listing all
 *     their due requests, so an email carries on average mu / (1 - e^-mu)
 *     requests when a person has mu due per sweep (Poisson arrivals), from
 *     the weekly volume, the mix, the team sizes and the working-hour sweeps;
 *   - the weekly per-team feedback digest: its emails divided by the week's leads.
 */
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ListExecutionsCommand, StopExecutionCommand, UpdateStateMachineCommand, type HistoryEvent } from '@aws-sdk/client-sfn';
import { LocalStackProcess, lead, statesEntered, type OutboxMail } from '../local/stack-process';
import { ASL_FUNCTION_PLACEHOLDERS, aslSubstitutions, substitute, type AslFunctionPlaceholder } from '../infra/asl-substitutions';
import { FUNCTIONS, FUNCTION_NAMES, type FunctionName } from '../infra/function-table';
import { resolveSettings } from '../infra/settings';
import { functionArn } from '../local/stack';
import { buildBaseline } from './baseline/make-baseline';
import { round, sleep, startPreloaded } from './lib/common';
import { PRICES, PRICES_DATE, addUsage, price, requestUnits, type Cost, type DdbRecord, type Usage } from './lib/pricing';
import type { Team } from '#lib/core/contracts';
import { INDEX, linkKey } from '#lib/core/keys';
import { hashLinkId } from '#lib/feedback/links';
import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';

const DAY = 86_400;
const HOUR = 3_600;
const COUNTER = join(import.meta.dirname, 'lib', 'ddb-counter.mjs');
const APP_TABLE = 'the-model-pipeline';

export const PATHS = ['won', 'lost', 'nurture', 'disqualified', 'stalled'] as const;
export type PathName = (typeof PATHS)[number];

/** A realistic mix of 1,000 captured leads (assumption, see docs/performance.md). */
export const MIX: Record<PathName, number> = { won: 0.1, lost: 0.15, nurture: 0.4, disqualified: 0.3, stalled: 0.05 };

/** What the amortized costs assume (docs/performance.md section 1). */
export const ASSUMPTIONS = {
  /** Leads captured per week, in the MIX. */
  weeklyLeads: 1000,
  /** People answering requests, per team (the round-robin pools). */
  teamSizes: { 'inside-sales': 5, 'field-sales': 5, 'customer-success': 3 } as Partial<Record<Team, number>>,
  /** Reminder sweeps (every 15 minutes) in the 50 working hours of a week, when reminders come due. */
  sweepsPerWeek: 200,
  /**
   * Weekly digest emails, counted per recipient (SES bills each): one per team
   * that receives feedback, to its lead with its members in copy: 4 leads +
   * Marketing 3 + Inside Sales 5 + Field Sales 5 + Customer Success 3 members.
   */
  digestEmailsPerWeek: 20,
} as const;

interface Step {
  subject: string;
  /** The team asked (and reminded); undefined for ops (a rescue: answered before any reminder). */
  team: Team | undefined;
  answer: string;
  /** The form's fields, or a function of when the request was made (the execution's clock). */
  fields: Record<string, string> | ((askedAt: Date) => Record<string, string>);
  /** When the person answers, seconds of execution time after the request (reminded if later than the request's remindAt). */
  delaySeconds: number;
}

/** Settings of both servers: one check-in a day after onboarding (a Wait's cost does not depend on its length). */
export const SETTINGS = { checkInIntervalSeconds: DAY, maxCheckIns: 1 };
const S = resolveSettings(SETTINGS);

const QC = (answer: string, fields: Step['fields'] = {}): Step => ({ subject: 'Qualification call', team: 'inside-sales', answer, fields, delaySeconds: 1 * HOUR });
const MEETING = (fields: Record<string, string>): Step => ({ subject: 'Meeting outcome', team: 'field-sales', answer: 'held-proceed', fields, delaySeconds: 3 * DAY });
/**
 * The won path's meeting: two days after the qualification call was asked
 * (on the execution's clock, which runs ahead under the time scale), on the
 * hour, in UTC; its outcome is reported a day after it (MEETING's delay).
 */
function meetingInTwoDays(askedAt: Date): Record<string, string> {
  const at = new Date(Math.ceil((askedAt.getTime() + 2 * DAY * 1000) / (HOUR * 1000)) * HOUR * 1000).toISOString();
  return { meetingDate: at.slice(0, 10), meetingTime: at.slice(11, 16), meetingTimeZone: 'UTC' };
}

/**
 * The won path is a smooth one: good ratings and no problem reported at any
 * hand-off, so its feedback goes to the weekly digests, not into emails at
 * once (share-feedback's default policy 'flagged'). The lost path reports
 * what was missing from the hand-off (emailed at once).
 */
/** A path of the mix, or the rescued lead (measured apart). */
type DrivenPath = PathName | 'rescued';

const steps: Record<DrivenPath, Step[]> = {
  won: [
    // A meeting booked with its time: the rep and the Inside Sales owner get the calendar invitation.
    QC('book-meeting', (askedAt) => ({ 'rating.campaign-reaction': '4', 'rating.lead-fit': '4', comment: 'Liked the webinar', ...meetingInTwoDays(askedAt) })),
    MEETING({ 'rating.budget-accuracy': '4' }),
    { subject: 'Deal decision', team: 'field-sales', answer: 'won', fields: { amount: '48000', currency: 'EUR', promises: 'SSO by Q3' }, delaySeconds: 10 * DAY },
    { subject: 'Onboarding review', team: 'customer-success', answer: 'on-track', fields: { 'rating.expectations-set-right': '4', 'rating.message-match': '4' }, delaySeconds: 5 * DAY },
    { subject: 'Customer check-in', team: 'customer-success', answer: 'healthy', fields: { 'rating.health': '5' }, delaySeconds: 1 * DAY },
  ],
  lost: [
    QC('book-meeting'),
    MEETING({ 'rating.budget-accuracy': '3', missing: 'Timeline owner' }),
    { subject: 'Deal decision', team: 'field-sales', answer: 'lost', fields: { reasonCode: 'price', comment: 'Cheaper tool' }, delaySeconds: 10 * DAY },
  ],
  nurture: [QC('nurture', { reasonCode: 'bad-timing' })],
  disqualified: [QC('disqualify', { reasonCode: 'no-need' })],
  // Stalled after the request and its escalation time out; the Inside Sales team lead then closes it from the rescue request.
  stalled: [{ subject: 'Lead stalled at', team: 'inside-sales', answer: 'close', fields: {}, delaySeconds: 1 * DAY }],
  // "Qualify lead" failed once (the third server's fault): ops retry it from the rescue request, then the disqualified path.
  rescued: [{ subject: 'Needs attention', team: undefined, answer: 'retry', fields: {}, delaySeconds: 1 * HOUR }, QC('disqualify', { reasonCode: 'no-need' })],
};

/** The fault of the rescued lead's server: its second qualify-lead call (the first is the warm-up lead's) fails, as a plain function error (not retried). */
const RESCUED_FAULTS = JSON.stringify([{ target: 'lambda:qualify-lead', calls: [2], error: 'Error' }]);

export interface PathMeasure {
  usage: Usage;
  cost: Cost;
  states: string[];
  status: string;
  /** Reminders the design sends on this path (the sweep's, or the loop's), in total and by team reminded. */
  reminders: number;
  remindersByTeam: Partial<Record<Team, number>>;
  ddbByOp: Record<string, number>;
  /** Subjects of the emails sent (company and name replaced by <company> and <name>). */
  emailSubjects: string[];
}

/**
 * A server whose app-table requests are counted. Its reminder sweep is off
 * (once a day): the sweep's time runs on the scaled clock, so it would remind
 * during the run, and reminders are priced per request and per email below.
 */
async function startCounting(timeScale: number, env: Record<string, string> = {}): Promise<{ server: LocalStackProcess; log: string }> {
  const log = join(tmpdir(), `bench-ddb-${process.pid}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}.jsonl`);
  const server = await startPreloaded({ timeScale, reminderInterval: DAY, settings: SETTINGS }, COUNTER, { BENCH_DDB_LOG: log, ...env });
  return { server, log };
}

/**
 * When a request was made and when its reminder is due (the execution's
 * clock), read from its link item in the server's table, with a header that
 * keeps this read out of the counted requests (ddb-counter.mjs).
 */
async function requestTimes(server: LocalStackProcess, mail: OutboxMail): Promise<{ createdAt: Date; remindAt: Date | undefined }> {
  const link = mail.links[0];
  if (link === undefined) throw new Error(`no link in "${mail.subject}"`);
  const id = new URL(link).pathname.split('/').pop() ?? '';
  const { dynamodb, tableName } = await server.getJson<{ dynamodb: string; tableName: string }>('/local/info');
  const client = new DynamoDBClient({ endpoint: dynamodb, region: 'us-east-1', credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' } });
  client.middlewareStack.add(
    (next) => async (args) => {
      (args.request as { headers: Record<string, string> }).headers['x-bench-probe'] = '1';
      return next(args);
    },
    { step: 'build' },
  );
  try {
    const { Item } = await client.send(new GetItemCommand({ TableName: tableName, Key: marshall(linkKey(hashLinkId(id))) }));
    const item = Item === undefined ? undefined : unmarshall(Item);
    if (item === undefined) throw new Error(`no request behind the link in "${mail.subject}"`);
    return { createdAt: new Date(String(item.createdAt)), remindAt: item.remindAt === undefined ? undefined : new Date(String(item.remindAt)) };
  } finally {
    client.destroy();
  }
}

function readDdb(log: string): DdbRecord[] {
  if (!existsSync(log)) return [];
  return readFileSync(log, 'utf8').split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as DdbRecord);
}

const secondsOf = (e: HistoryEvent): number => (e.timestamp instanceof Date ? e.timestamp.getTime() : new Date(String(e.timestamp)).getTime());

/** Lambda invocations of the history and their real durations (ms). */
export function lambdaDurations(history: readonly HistoryEvent[], timeScale: number): number[] {
  const out: number[] = [];
  let started: number | undefined;
  let submitted = false;
  let isLambda = false;
  for (const e of history) {
    if (e.type === 'TaskScheduled') isLambda = (e.taskScheduledEventDetails?.resourceType ?? '') === 'lambda';
    else if (e.type === 'TaskStarted') {
      started = secondsOf(e);
      submitted = false;
    } else if (e.type === 'TaskSubmitted' && started !== undefined) {
      if (isLambda) out.push((secondsOf(e) - started) / timeScale);
      submitted = true;
    } else if ((e.type === 'TaskSucceeded' || e.type === 'TaskFailed' || e.type === 'TaskTimedOut') && started !== undefined) {
      if (!submitted && isLambda) out.push((secondsOf(e) - started) / timeScale);
      started = undefined;
    }
  }
  return out;
}

/** Polls the outbox every 10 ms (the harness polls every 150 ms: too slow for a 4-hour SLA at a day per second). */
async function waitForMail(server: LocalStackProcess, match: (m: OutboxMail) => boolean, what: string, timeoutMs = 60_000): Promise<OutboxMail> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const hit = (await server.outbox()).find(match);
    if (hit !== undefined) return hit;
    if (Date.now() > deadline) throw new Error(`no "${what}" mail within ${timeoutMs} ms`);
    await sleep(10);
  }
}

async function timed<T>(f: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const t = performance.now();
  const value = await f();
  return { value, ms: performance.now() - t };
}

/** Drives one lead along a path; returns what it used. */
async function drive(server: LocalStackProcess, log: string, path: DrivenPath, tag: string, timeScale: number): Promise<PathMeasure> {
  const id = `${tag}-${path}-${Date.now().toString(36)}`;
  const company = `Bench ${tag} ${path} ${Date.now().toString(36)}`;
  const mine = (m: OutboxMail) => m.subject.includes(company);
  const mailsBefore = (await server.outbox()).length;
  const ddbBefore = readDdb(log).length;
  const httpMs: number[] = [];
  let http = 0;
  let httpLambdas = 0;

  const captured = await timed(() => server.postLead(lead(id, company)));
  if (captured.value.status !== 201) throw new Error(`POST /leads: HTTP ${captured.value.status}`);
  http += 1;
  // capture-lead, and the authorizer where the stack has one (cached 5 min on AWS: counted once per lead, conservatively)
  httpLambdas += AUTHORIZER ? 2 : 1;
  httpMs.push(...(AUTHORIZER ? [captured.ms, captured.ms] : [captured.ms]));
  const executionArn = String(captured.value.body.executionArn);

  const remindersByTeam: Partial<Record<Team, number>> = {};
  const remind = (team: Team, n = 1): void => {
    remindersByTeam[team] = (remindersByTeam[team] ?? 0) + n;
  };
  for (const step of steps[path]) {
    const first = await waitForMail(server, (m) => mine(m) && m.subject.startsWith(step.subject), step.subject);
    const firstAt = Date.now();
    // Reminded when the answer comes after the request's reminder time (as the product set it: a meeting's outcome counts from the meeting's end).
    const asked = await requestTimes(server, first);
    if (step.team !== undefined && asked.remindAt !== undefined && asked.createdAt.getTime() + step.delaySeconds * 1000 > asked.remindAt.getTime()) remind(step.team);
    await sleep(Math.max(0, (step.delaySeconds * 1000) / timeScale - (Date.now() - firstAt)));
    // The newest request for this step (a re-request would carry a new link).
    const mails = await server.mails((m) => mine(m) && m.subject.startsWith(step.subject));
    const mail = mails[mails.length - 1] ?? first;
    const link = mail.links.find((l) => new URL(l).searchParams.get('answer') === step.answer);
    if (link === undefined) throw new Error(`${path}: no ${step.answer} link in "${step.subject}"`);
    const u = new URL(link);
    const opened = await timed(() => fetch(link).then((r) => r.text()));
    const posted = await timed(() =>
      fetch(`${u.origin}${u.pathname}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ answer: step.answer, ...(typeof step.fields === 'function' ? step.fields(asked.createdAt) : step.fields) }).toString() }).then(async (r) => ({ status: r.status, body: await r.text() })),
    );
    if (posted.value.status !== 200 && process.env.BENCH_DEBUG === '1') {
      const h = await server.history(executionArn);
      process.stderr.write(`${h.map((e) => `${e.type} ${e.stateEnteredEventDetails?.name ?? ''} ${String(e.timestamp instanceof Date ? e.timestamp.toISOString() : e.timestamp)}`).join('\n')}\nnow ${new Date().toISOString()} firstAt ${new Date(firstAt).toISOString()}\n`);
    }
    if (posted.value.status !== 200) throw new Error(`${path}: answer ${step.answer} to "${step.subject}": HTTP ${posted.value.status} ${posted.value.body.replace(/<style[\s\S]*?<\/style>/, "").replace(/<[^>]+>/g, " ").replace(/\s+/g, " ").slice(0, 400)}`);
    http += 2;
    httpLambdas += 2;
    httpMs.push(opened.ms, posted.ms);
  }
  if (path === 'stalled') remind('inside-sales', 2); // the request and its escalation each get one reminder before their timeout
  const reminders = Object.values(remindersByTeam).reduce((a, b) => a + b, 0);
  const done = await server.until(id, 'ended', (e) => e.status !== 'RUNNING', 120_000);
  await sleep(300); // writes after the last state (none expected) and the outbox file
  const history = await server.history(executionArn);
  const states = statesEntered(history);
  const durations = [...lambdaDurations(history, timeScale), ...httpMs];
  const sent = (await server.outbox()).slice(mailsBefore);
  // SES bills (and counts against the sending quota) every recipient, To and Cc.
  const emails = sent.reduce((n, m) => n + m.to.length + m.cc.length, 0);
  // And the attachments' data (the meeting invitations), once per recipient.
  const attachmentBytes = sent.reduce((n, m) => n + (m.to.length + m.cc.length) * (m.attachments ?? []).reduce((b, a) => b + a.size, 0), 0);
  const emailSubjects = sent.map((m) => m.subject.replaceAll(company, '<company>').replaceAll(String(lead(id, company).name), '<name>'));
  const ddb = readDdb(log).slice(ddbBefore).filter((r) => r.table === APP_TABLE && r.probe !== true && !(r.op === 'Query' && r.index === INDEX.byReminderDue));
  let wru = 0;
  let rru = 0;
  const ddbByOp: Record<string, number> = {};
  for (const r of ddb) {
    const u = requestUnits(r);
    wru += u.wru;
    rru += u.rru;
    ddbByOp[r.op] = (ddbByOp[r.op] ?? 0) + 1;
  }
  const usage: Usage = {
    transitions: states.length,
    lambdaInvocations: lambdaDurations(history, timeScale).length + httpLambdas,
    lambdaBilledMs: durations.reduce((s, d) => s + Math.max(1, Math.ceil(d)), 0),
    ddbRequests: ddb.length,
    wru,
    rru,
    emails,
    attachmentBytes,
    httpRequests: http,
  };
  return { usage, cost: price(usage), states, status: `${done.status}/${done.stage ?? ''}`, reminders, remindersByTeam, ddbByOp, emailSubjects };
}

/**
 * A path again with a new lead when an answer came too late for its scaled
 * SLA (HTTP 410: the machine was too busy to answer within the scaled
 * deadline): that run followed another path, so it is not counted.
 */
async function driveRetrying(server: LocalStackProcess, log: string, path: DrivenPath, tag: string, timeScale: number, attempts = 3): Promise<PathMeasure> {
  for (let i = 1; ; i += 1) {
    try {
      return await drive(server, log, path, tag, timeScale);
    } catch (err) {
      if (i >= attempts || !(err instanceof Error) || !err.message.includes('HTTP 410')) throw err;
      process.stderr.write(`cost: ${path} (${tag}) answered after its scaled deadline; again with a new lead\n`);
      await stopRunning(server);
    }
  }
}

/**
 * Warms a server up with a nurture lead (not counted: the first request of
 * each handler loads modules and opens connections), then stops it if it is
 * still running: a warm-up that missed its scaled SLA would escalate, stall and
 * keep asking for a rescue (emails, table requests) during the measured runs.
 */
async function warmUp(server: LocalStackProcess, log: string, timeScale: number): Promise<void> {
  await drive(server, log, 'nurture', 'warm', timeScale).catch(() => undefined);
  await stopRunning(server);
}

/** Stops the server's running executions: between two measured leads, none but an abandoned one (it would escalate, stall and keep asking). */
async function stopRunning(server: LocalStackProcess): Promise<void> {
  const sfn = server.sfn();
  try {
    const { stateMachineArn } = await server.getJson<{ stateMachineArn: string }>('/local/info');
    const running = await sfn.send(new ListExecutionsCommand({ stateMachineArn, statusFilter: 'RUNNING' }));
    for (const e of running.executions ?? []) if (e.executionArn !== undefined) await sfn.send(new StopExecutionCommand({ executionArn: e.executionArn }));
  } finally {
    sfn.destroy();
  }
}

/** Does the deployed stack have an HTTP API Lambda authorizer (one more invocation per POST /leads)? */
const AUTHORIZER = (FUNCTION_NAMES as readonly string[]).includes('authorize');

/**
 * The sweep's work per reminded request (functions/lib/feedback/reminders.ts): its
 * share of the GSI query, the lead read, the request marked with its email,
 * the alias link put, the request leaving the index (LINK writes also write
 * the byReminderDue index while the request is in it).
 */
export const REMINDER_PER_REQUEST: Partial<Usage> = { ddbRequests: 5, rru: 1.5, wru: 6 };
/**
 * The sweep's work per reminder email, whatever the number of requests in it:
 * the email, the mail marker (conditional put, then marked sent), and (so as
 * to be conservative) one Lambda invocation each, though the sweep runs every
 * 15 minutes anyway. The measured servers run no sweep (startCounting): both
 * designs' reminders are priced with these.
 */
export const REMINDER_PER_EMAIL: Partial<Usage> = { lambdaInvocations: 1, lambdaBilledMs: 50, emails: 1, ddbRequests: 2, wru: 2 };

const scale = (u: Partial<Usage>, k: number): Partial<Usage> => Object.fromEntries(Object.entries(u).map(([key, v]) => [key, (v ?? 0) * k]));

/**
 * Requests per reminder email, by team: a person with mu requests due per
 * sweep (Poisson) gets an email in a sweep with probability 1 - e^-mu, so an
 * email carries mu / (1 - e^-mu) requests on average. mu comes from the
 * measured reminders per path, the MIX, the weekly volume, the team sizes and
 * the working-hour sweeps (ASSUMPTIONS).
 */
export function requestsPerReminderEmail(measures: Record<PathName, Pick<PathMeasure, 'remindersByTeam'>>): Partial<Record<Team, number>> {
  const weekly: Partial<Record<Team, number>> = {};
  for (const p of PATHS) for (const [team, n] of Object.entries(measures[p].remindersByTeam) as [Team, number][]) weekly[team] = (weekly[team] ?? 0) + MIX[p] * ASSUMPTIONS.weeklyLeads * n;
  const out: Partial<Record<Team, number>> = {};
  for (const [team, n] of Object.entries(weekly) as [Team, number][]) {
    const mu = n / (ASSUMPTIONS.teamSizes[team] ?? 1) / ASSUMPTIONS.sweepsPerWeek;
    out[team] = mu > 0 ? round(mu / (1 - Math.exp(-mu)), 3) : 1;
  }
  return out;
}

/** The weekly digests' share of one lead: their emails divided by the week's leads. */
export const DIGEST_PER_LEAD: Partial<Usage> = { emails: ASSUMPTIONS.digestEmailsPerWeek / ASSUMPTIONS.weeklyLeads };

export function baselineDefinition(): string {
  const main = JSON.parse(readFileSync(join(import.meta.dirname, '..', 'statemachines', 'lead-lifecycle.asl.json'), 'utf8')) as Record<string, unknown>;
  const arns = {} as Record<AslFunctionPlaceholder, string>;
  for (const [name, spec] of Object.entries(FUNCTIONS)) if (spec.aslPlaceholder !== undefined) arns[spec.aslPlaceholder] = functionArn(name as FunctionName);
  for (const p of ASL_FUNCTION_PLACEHOLDERS) if (arns[p] === undefined) throw new Error(`no function for ${p}`);
  return substitute(JSON.stringify(buildBaseline(main)), {
    ...aslSubstitutions(S, arns),
    ReminderPollSeconds: String(HOUR),
    ReminderAfterFraction: String(S.reminderAfterFraction),
    RemindPendingFunctionArn: functionArn('remind-pending'),
  });
}

export interface CostResult {
  pricesDate: string;
  prices: typeof PRICES;
  timeScale: number;
  mix: Record<PathName, number>;
  assumptions: typeof ASSUMPTIONS;
  /** Reminder requests per email the sweep sends, by team (1 = no batching). */
  requestsPerReminderEmail: Partial<Record<Team, number>>;
  pipeline: Record<PathName, PathMeasure>;
  baseline: Record<PathName, PathMeasure>;
  /** Dollars per 1,000 leads, reminders and digests included, by path and for the mix. */
  costPer1000Leads: Record<PathName | 'mix', number>;
  baselineCostPer1000Leads: Record<PathName | 'mix', number>;
  reminderLoopCostRatio: number;
  reminderLoopCostRatioByPath: Record<PathName, number>;
  /** A rescued lead, unless runCost was asked not to measure it. */
  rescued?: RescuedMeasure;
}

/**
 * Dollars per 1,000 leads: the measured run, plus its reminders (batched per
 * person by the sweep: requestsPerEmail; the baseline's loop sends one email
 * per request from its own measured Lambda), plus the digests' share.
 */
function per1000(measures: Record<PathName, PathMeasure>, reminders: Reminders): Record<PathName | 'mix', number> {
  const out = {} as Record<PathName | 'mix', number>;
  let mix = 0;
  for (const p of PATHS) {
    const total = perLead(measures[p], reminders);
    out[p] = round(total * 1000, 4);
    mix += MIX[p] * total * 1000;
  }
  out.mix = round(mix, 4);
  return out;
}

interface Reminders {
  perEmail: Partial<Usage>;
  requestsPerEmail: Partial<Record<Team, number>>;
}

/** Dollars for one lead of a measured path: the run, its reminders, the digests' share. */
function perLead(m: PathMeasure, reminders: Reminders): number {
  let usage = addUsage(m.usage, DIGEST_PER_LEAD);
  for (const [team, n] of Object.entries(m.remindersByTeam) as [Team, number][]) {
    usage = addUsage(usage, scale(REMINDER_PER_REQUEST, n));
    usage = addUsage(usage, scale(reminders.perEmail, n / (reminders.requestsPerEmail[team] ?? 1)));
  }
  return price(usage).total;
}

/** The rescued lead (RESCUED_FAULTS), on its own server: what it used, and what the rescue adds to the disqualified path. */
export interface RescuedMeasure {
  measure: PathMeasure;
  costPer1000Leads: number;
  /** Dollars per 1,000 rescued leads over the same leads not rescued (the disqualified path). */
  rescueCostPer1000Leads: number;
}

async function measureRescued(timeScale: number, disqualified: PathMeasure, reminders: Reminders): Promise<RescuedMeasure> {
  const c = await startCounting(timeScale, { PIPELINE_FAULTS: RESCUED_FAULTS });
  try {
    await warmUp(c.server, c.log, timeScale); // qualify-lead call 1
    const measure = await drive(c.server, c.log, 'rescued', 'cost', timeScale);
    const costPer1000Leads = round(perLead(measure, reminders) * 1000, 4);
    return { measure, costPer1000Leads, rescueCostPer1000Leads: round(costPer1000Leads - perLead(disqualified, reminders) * 1000, 4) };
  } finally {
    await c.server.stop();
    c.server.removeData();
    rmSync(c.log, { force: true });
  }
}

export async function runCost(options: { timeScale?: number; paths?: readonly PathName[]; rescued?: boolean } = {}): Promise<CostResult> {
  const timeScale = options.timeScale ?? 6 * HOUR;
  const paths = options.paths ?? PATHS;
  // Two servers of the same run: the pipeline as deployed, and the baseline definition.
  // One after the other: each spawn reads the environment that names its request log.
  const a = await startCounting(timeScale);
  const b = await startCounting(timeScale);
  try {
    const sfn = b.server.sfn();
    const info = await b.server.getJson<{ stateMachineArn: string }>('/local/info');
    await sfn.send(new UpdateStateMachineCommand({ stateMachineArn: info.stateMachineArn, definition: baselineDefinition() }));
    sfn.destroy();
    await Promise.all([warmUp(a.server, a.log, timeScale), warmUp(b.server, b.log, timeScale)]);
    const pipeline = {} as Record<PathName, PathMeasure>;
    const baseline = {} as Record<PathName, PathMeasure>;
    for (const p of paths) {
      const [x, y] = await Promise.all([driveRetrying(a.server, a.log, p, 'cost', timeScale), driveRetrying(b.server, b.log, p, 'base', timeScale)]);
      pipeline[p] = x;
      baseline[p] = y;
    }
    for (const p of PATHS) {
      pipeline[p] ??= pipeline[paths[0] as PathName];
      baseline[p] ??= baseline[paths[0] as PathName];
    }
    const batching = requestsPerReminderEmail(pipeline);
    const costPer1000Leads = per1000(pipeline, { perEmail: REMINDER_PER_EMAIL, requestsPerEmail: batching });
    // The baseline's reminder Lambda ran in the measured run ("Send reminder: X"): only its email and marker work are added, one email per request.
    const baselineCostPer1000Leads = per1000(baseline, { perEmail: { ...REMINDER_PER_EMAIL, lambdaInvocations: 0, lambdaBilledMs: 0 }, requestsPerEmail: {} });
    const byPath = Object.fromEntries(PATHS.map((p) => [p, round(baselineCostPer1000Leads[p] / costPer1000Leads[p], 2)])) as Record<PathName, number>;
    // The rescue's cost is counted over the disqualified path, measured in this run.
    const rescued = options.rescued === false || !paths.includes('disqualified') ? undefined : await measureRescued(timeScale, pipeline.disqualified, { perEmail: REMINDER_PER_EMAIL, requestsPerEmail: batching });
    return {
      pricesDate: PRICES_DATE,
      prices: PRICES,
      timeScale,
      mix: MIX,
      assumptions: ASSUMPTIONS,
      requestsPerReminderEmail: batching,
      pipeline,
      baseline,
      costPer1000Leads,
      baselineCostPer1000Leads,
      reminderLoopCostRatio: round(baselineCostPer1000Leads.mix / costPer1000Leads.mix, 2),
      reminderLoopCostRatioByPath: byPath,
      ...(rescued ? { rescued } : {}),
    };
  } finally {
    for (const s of [a, b]) {
      await s.server.stop();
      s.server.removeData();
      rmSync(s.log, { force: true });
    }
  }
}


