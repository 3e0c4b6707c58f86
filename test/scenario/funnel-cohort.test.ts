/**
 * A cohort of leads with varied answers through the real local stack (the
 * dev server over HTTP, answers POSTed to the feedback links of the request
 * emails in the outbox), then GET /funnel against figures this test computes
 * on its own from the answers it gave: counts per stage, conversion,
 * revenue, by campaign, by owner, top reasons, ratings per team pair and
 * week, and the median time in stage against the stage events' durations.
 *
 * Most leads end early by design (scoring, the call, the meeting); time
 * scale 60 with a 60 s check-in interval makes the one check-in a second
 * away. FUNNEL_COHORT sets the size (default 300).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STAGES, type FeedbackStep, type Stage, type Team } from '#lib/core/contracts';
import type { FunnelReport, HeadlineFigures } from '#lib/funnel/report';
import { isoWeek } from '#lib/funnel/counters';
import { NURTURE_WORTHY_REASONS } from '#lib/funnel/reasons';
import { API_KEY, lead, sleep, submit, type LocalExecution, type OutboxMail } from '../e2e/harness';
import { Stack, TABLE } from '../reliability/support';

const N = Number(process.env.FUNNEL_COHORT ?? 300);
const run = Date.now().toString(36);
const CAMPAIGNS = ['spring-webinar', 'paid-search', 'partner-referral', undefined] as const;
const NONE = '(none)';

// ---- the plan: what each lead's answers will be --------------------------------------------------
type Ratings = Record<string, number>;
interface Answer {
  answer: string;
  reasonCode?: string;
  amount?: number;
  currency?: string;
  ratings?: Ratings;
}
interface Plan {
  id: string;
  campaign: string | undefined;
  score: 'sales-ready' | 'nurture' | 'disqualify';
  /** Answers per step, in the order the requests come. */
  answers: Partial<Record<FeedbackStep, Answer[]>>;
  /** The expansion lead a check-in opens (its own plan). */
  expansion?: Plan;
  expansionOf?: Plan;
}

let seed = 20261127;
const rand = (): number => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)] as T;
const rating = (): number => 1 + Math.floor(rand() * 5);
const ratingsOf = (ids: readonly string[]): Ratings => Object.fromEntries(ids.filter(() => rand() < 0.85).map((id) => [id, rating()]));

const CALL_RATINGS = ['lead-fit', 'campaign-reaction', 'content-relevance'];
const MEETING_RATINGS = ['budget-accuracy', 'authority-accuracy', 'need-accuracy', 'timeline-accuracy'];
const REVIEW_RATINGS = ['expectations-set-right', 'message-match'];

function dealAndAfter(p: Plan, wonShare: number): void {
  if (rand() >= wonShare) {
    p.answers['deal-decision'] = [{ answer: 'lost', reasonCode: pick(['price', 'competitor', 'no-decision', 'timing', 'product-gap', 'budget-cut', 'other']) }];
    return;
  }
  p.answers['deal-decision'] = [{ answer: 'won', amount: 1000 + 100 * Math.floor(rand() * 490), currency: rand() < 0.7 ? 'EUR' : 'USD' }];
  const churnAtReview = p.expansionOf === undefined && rand() < 0.15;
  p.answers['onboarding-review'] = [
    churnAtReview
      ? { answer: 'churned', reasonCode: pick(['product-gap', 'low-adoption', 'budget-cut', 'competitor', 'expectations-mismatch']), ratings: ratingsOf(REVIEW_RATINGS) }
      : { answer: pick(['on-track', 'needs-help']), ratings: ratingsOf(REVIEW_RATINGS) },
  ];
  if (churnAtReview) return;
  const r = rand();
  if (p.expansionOf === undefined && r < 0.15) {
    p.answers['check-in'] = [{ answer: 'churned', reasonCode: pick(['budget-cut', 'low-adoption', 'competitor', 'poor-onboarding']) }];
  } else if (p.expansionOf === undefined && r < 0.3) {
    p.answers['check-in'] = [{ answer: 'expansion' }];
    const x: Plan = { id: `${p.id}-x1`, campaign: p.campaign, score: 'sales-ready', answers: {}, expansionOf: p };
    x.answers['meeting-outcome'] = [{ answer: 'held-proceed', ratings: ratingsOf(MEETING_RATINGS) }];
    dealAndAfter(x, 0.5);
    p.expansion = x;
  } else {
    p.answers['check-in'] = [{ answer: 'healthy' }];
  }
}

function planFor(i: number): Plan {
  const p: Plan = { id: `co${run}-${i}`, campaign: CAMPAIGNS[i % CAMPAIGNS.length], score: i % 10 === 0 ? 'nurture' : i % 10 === 1 ? 'disqualify' : 'sales-ready', answers: {} };
  if (p.score !== 'sales-ready') return p;
  const r = rand();
  const call = ratingsOf(CALL_RATINGS);
  if (r < 0.2) {
    p.answers['qualification-call'] = [{ answer: 'nurture', reasonCode: pick(['not-ready-to-buy', 'bad-timing', 'no-budget', 'competitor']), ratings: call }];
    return p;
  }
  if (r < 0.35) {
    p.answers['qualification-call'] = [{ answer: 'disqualify', reasonCode: pick(['no-need', 'no-authority', 'wrong-contact', 'unreachable']), ratings: call }];
    return p;
  }
  p.answers['qualification-call'] = [{ answer: 'book-meeting', ratings: call }];
  const m = rand();
  const meeting = (answer: string, reasonCode?: string): Answer => ({ answer, ...(reasonCode ? { reasonCode } : {}), ratings: ratingsOf(MEETING_RATINGS) });
  if (m < 0.15) {
    p.answers['meeting-outcome'] = [meeting('no-fit', pick(['no-budget', 'no-need', 'bad-timing', 'competitor']))];
    return p;
  }
  if (m < 0.22) {
    p.answers['meeting-outcome'] = [meeting('no-show'), meeting('no-show')]; // maxReschedules 1: lost with 'no-show'
    return p;
  }
  p.answers['meeting-outcome'] = m < 0.3 ? [meeting('no-show'), meeting('held-proceed')] : [meeting('held-proceed')];
  dealAndAfter(p, 0.5);
  return p;
}

const plans = Array.from({ length: N }, (_, i) => planFor(i));
const allPlans = plans.flatMap((p) => (p.expansion ? [p, p.expansion] : [p]));
const byId = new Map(allPlans.map((p) => [p.id, p]));

// ---- driving the stack -----------------------------------------------------------------------------
let stack: Stack;
/** Owners seen as the addressees of the requests: lead id -> team -> address. */
const owners = new Map<string, Partial<Record<Team, string>>>();
/** Answers actually posted: step, answer, ratings, ISO week of the post. */
const posted: { leadId: string; step: FeedbackStep; answer: Answer; week: string }[] = [];
const outcomeMails: OutboxMail[] = [];

/** Steps told apart by an answer only they offer. */
const STEP_BY_ANSWER: Readonly<Record<string, FeedbackStep>> = {
  'book-meeting': 'qualification-call',
  'held-proceed': 'meeting-outcome',
  won: 'deal-decision',
  'on-track': 'onboarding-review',
  healthy: 'check-in',
};
const OWNER_OF_STEP: Partial<Record<FeedbackStep, Team>> = {
  'qualification-call': 'inside-sales',
  'meeting-outcome': 'field-sales',
  'onboarding-review': 'customer-success',
};

beforeAll(async () => {
  stack = await Stack.start({ timeScale: 60, settings: { checkInIntervalSeconds: 60, maxCheckIns: 1, maxReschedules: 1, qualificationCallSlaSeconds: 86400 } });
}, 150_000);

afterAll(async () => {
  if (stack !== undefined) await stack.stop();
}, 60_000);

/** Reads the outbox file from where it left off: whole lines only. */
function outboxReader(file: string): () => OutboxMail[] {
  let offset = 0;
  return () => {
    if (!existsSync(file)) return [];
    const buf = readFileSync(file);
    const end = buf.lastIndexOf(0x0a) + 1;
    if (end <= offset) return [];
    const text = buf.subarray(offset, end).toString('utf8');
    offset = end;
    return text.split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l) as OutboxMail);
  };
}

async function pool<T>(items: readonly T[], width: number, fn: (t: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(width, items.length) }, async () => {
      while (next < items.length) {
        const item = items[next] as T;
        next += 1;
        await fn(item);
      }
    }),
  );
}

const leadIdPattern = new RegExp(`co${run}-\\d+(?:-x\\d+)?`, 'g');
/** The cohort lead a mail is about: the longest cohort id in it (an expansion's id extends its account's). */
const leadIdOf = (mail: OutboxMail): string | undefined => [...`${mail.subject}\n${mail.text}`.matchAll(leadIdPattern)].map((m) => m[0]).sort((a, b) => b.length - a.length)[0];

/** Answers every request mail of the cohort as it comes, until every execution ended. */
async function driveCohort(): Promise<{ failures: string[]; executions: LocalExecution[] }> {
  const read = outboxReader(join(stack.server.dataDir, 'outbox.jsonl'));
  const answeredLinks = new Set<string>();
  const seenSteps = new Map<string, number>();
  const failures: string[] = [];
  const inFlight = new Set<Promise<void>>();
  const deadline = Date.now() + 200_000;
  let lastCheck = 0;
  for (;;) {
    for (const mail of read()) {
      if (/^(Reminder|Escalated)/.test(mail.subject)) continue;
      const leadId = leadIdOf(mail);
      if (leadId === undefined) continue;
      const answersOffered = mail.links.map((l) => new URL(l).searchParams.get('answer')).filter((a): a is string => a !== null);
      const step = answersOffered.map((a) => STEP_BY_ANSWER[a]).find((s) => s !== undefined);
      if (step === undefined) {
        if (/^Lead (lost|churned|returned to nurture|disqualified)/.test(mail.subject)) outcomeMails.push(mail);
        continue;
      }
      const plan = byId.get(leadId);
      const key = `${leadId}|${step}`;
      const n = seenSteps.get(key) ?? 0;
      const answer = plan?.answers[step]?.[n];
      const link = mail.links.find((l) => new URL(l).searchParams.get('answer') === answer?.answer);
      if (plan === undefined || answer === undefined || link === undefined) {
        failures.push(`${leadId}: unexpected ${step} request #${n + 1}`);
        continue;
      }
      const linkPath = new URL(link).pathname;
      if (answeredLinks.has(linkPath)) continue;
      answeredLinks.add(linkPath);
      seenSteps.set(key, n + 1);
      const team = OWNER_OF_STEP[step];
      if (team !== undefined && n === 0 && plan.expansionOf === undefined) owners.set(leadId, { ...owners.get(leadId), [team]: mail.to[0] ?? '?' });
      const fields: Record<string, string> = { answer: answer.answer, comment: `cohort ${step}` };
      if (answer.reasonCode) fields['reasonCode'] = answer.reasonCode;
      if (answer.amount !== undefined) fields['amount'] = String(answer.amount);
      if (answer.currency) fields['currency'] = answer.currency;
      for (const [id, v] of Object.entries(answer.ratings ?? {})) fields[`rating.${id}`] = String(v);
      const p = (async () => {
        const week = isoWeek(new Date().toISOString());
        const res = await submit(link, fields);
        if (res.status !== 200) failures.push(`${leadId} ${step} ${answer.answer}: HTTP ${res.status}`);
        else posted.push({ leadId, step, answer, week });
      })();
      inFlight.add(p);
      void p.finally(() => inFlight.delete(p));
      if (inFlight.size >= 8) await Promise.race(inFlight);
    }
    if (Date.now() - lastCheck > 1000) {
      lastCheck = Date.now();
      const executions = (await stack.localExecutions()).filter((e) => e.name.startsWith(`co${run}-`));
      if (inFlight.size === 0 && executions.length === allPlans.length && executions.every((e) => e.status !== 'RUNNING')) return { failures, executions };
      if (Date.now() > deadline) {
        const running = executions.filter((e) => e.status === 'RUNNING');
        throw new Error(`cohort not done in time: ${executions.length}/${allPlans.length} executions, ${running.length} running, e.g. ${JSON.stringify(running.slice(0, 3))}; failures: ${failures.slice(0, 5).join('; ')}`);
      }
    }
    await sleep(100);
  }
}

// ---- what the funnel must say, computed from the plans and the owners seen ---------------------------
interface Change {
  leadId: string;
  from: Stage | null;
  to: Stage;
  reason: string;
  owners: Partial<Record<Team, string>>;
  campaign: string;
  expansion: boolean;
  revenue?: { amount: number; currency: string };
}

function changesOf(p: Plan): Change[] {
  const out: Change[] = [];
  const own = p.expansionOf ? owners.get(p.expansionOf.id) ?? {} : owners.get(p.id) ?? {};
  const teamOwners = (...teams: Team[]): Partial<Record<Team, string>> => Object.fromEntries(teams.map((t) => [t, own[t]]).filter((e) => typeof e[1] === 'string'));
  let at: Stage | null = null;
  let who: Partial<Record<Team, string>> = p.expansionOf ? teamOwners('field-sales', 'customer-success') : {};
  const go = (to: Stage, reason = '', next = who, revenue?: Change['revenue']) => {
    who = next;
    out.push({ leadId: p.id, from: at, to, reason, owners: who, campaign: p.campaign ?? NONE, expansion: p.expansionOf !== undefined, ...(revenue ? { revenue } : {}) });
    at = to;
  };
  go('captured');
  if (p.score === 'nurture') return (go('nurture', 'no-budget'), out);
  if (p.score === 'disqualify') return (go('disqualified', 'no-consent'), out);
  go('qualifying', '', p.expansionOf ? who : teamOwners('inside-sales'));
  if (!p.expansionOf) {
    const call = p.answers['qualification-call']?.[0];
    if (call?.answer === 'nurture') return (go('nurture', call.reasonCode), out);
    if (call?.answer === 'disqualify') return (go('disqualified', call.reasonCode), out);
  }
  go('meeting', '', p.expansionOf ? who : teamOwners('inside-sales', 'field-sales'));
  const last = p.answers['meeting-outcome']?.at(-1);
  if (last?.answer === 'no-fit') return (go('lost', last.reasonCode), out);
  if (last?.answer === 'no-show') return (go('lost', 'no-show'), out);
  go('negotiating');
  const deal = p.answers['deal-decision']?.[0];
  if (deal?.answer === 'lost') return (go('lost', deal.reasonCode), out);
  go('onboarding', 'won', who, { amount: deal?.amount ?? 0, currency: deal?.currency ?? '?' });
  const withCsm = p.expansionOf ? who : teamOwners('inside-sales', 'field-sales', 'customer-success');
  const review = p.answers['onboarding-review']?.[0];
  if (review?.answer === 'churned') return (go('churned', review.reasonCode, withCsm), out);
  go('customer', '', withCsm);
  const checkIn = p.answers['check-in']?.[0];
  if (checkIn?.answer === 'churned') return (go('churned', checkIn.reasonCode), out);
  go('renewed', 'renewal-due');
  return out;
}

const ratio = (a: number, b: number): number | null => (b > 0 ? Math.round((a / b) * 10_000) / 10_000 : null);
const round2 = (v: number): number => Math.round(v * 100) / 100;
const HEADLINE: Record<string, Stage> = { leads: 'captured', qualified: 'qualifying', meetings: 'meeting', won: 'onboarding', onboarded: 'customer', retained: 'renewed' };

function expectedHeadline(changes: readonly Change[]) {
  const entered = (s: Stage) => changes.filter((c) => c.to === s).length;
  const n = Object.fromEntries(Object.entries(HEADLINE).map(([k, s]) => [k, entered(s)]));
  const expanded = changes.filter((c) => c.to === 'captured' && c.expansion).length;
  const money = new Map<string, { amount: number; deals: number }>();
  for (const c of changes) {
    if (!c.revenue) continue;
    const m = money.get(c.revenue.currency) ?? { amount: 0, deals: 0 };
    money.set(c.revenue.currency, { amount: m.amount + c.revenue.amount, deals: m.deals + 1 });
  }
  const steps = Object.keys(HEADLINE);
  return {
    ...n,
    expanded,
    revenue: [...money.entries()].sort((a, b) => a[0].localeCompare(b[0])).map(([currency, m]) => ({ currency, amount: m.amount, deals: m.deals, averageDeal: round2(m.amount / m.deals) })),
    conversion: { ...Object.fromEntries(steps.slice(1).map((s, i) => [s, ratio(n[s] ?? 0, n[steps[i] as string] ?? 0)])), expanded: ratio(expanded, n['onboarded'] ?? 0) },
  };
}

const headlineOnly = (h: HeadlineFigures) => ({ leads: h.leads, qualified: h.qualified, meetings: h.meetings, won: h.won, onboarded: h.onboarded, retained: h.retained, expanded: h.expanded, revenue: h.revenue, conversion: h.conversion });

// ---- the test ------------------------------------------------------------------------------------------
describe(`a cohort of ${N} leads through the local stack`, () => {
  let report: FunnelReport;
  let changes: Change[];

  it('every lead ends as its answers say, and GET /funnel reports exactly the figures the answers imply', async () => {
    const t0 = performance.now();
    await pool(plans, 16, async (p) => {
      const overrides: Record<string, unknown> = { campaign: p.campaign, ...(p.score === 'nurture' ? { budget: 'none' } : p.score === 'disqualify' ? { consent: false } : {}) };
      const res = await stack.server.postLead(lead(p.id, `Cohort ${p.id}`, overrides));
      expect(res.status, p.id).toBe(201);
    });
    const { failures, executions } = await driveCohort();
    console.log(`cohort of ${N} (+${allPlans.length - N} expansions): ${posted.length} answers, all ended in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    expect(failures).toEqual([]);
    expect(executions.filter((e) => e.status !== 'SUCCEEDED').map((e) => `${e.name}: ${e.status} ${e.stage}`)).toEqual([]);

    changes = allPlans.flatMap(changesOf);
    // Each lead ended in the stage its answers lead to.
    const finalStage = new Map(allPlans.map((p) => [p.id, changesOf(p).at(-1)?.to]));
    for (const e of executions) expect(e.stage, e.name).toBe(finalStage.get(e.name));

    const res = await fetch(`${stack.url}/funnel`, { headers: { authorization: `Bearer ${API_KEY}` } });
    expect(res.status).toBe(200);
    report = (await res.json()) as FunnelReport;

    // Headline, for everybody.
    expect(headlineOnly(report.headline)).toEqual(expectedHeadline(changes));
    expect(report.headline.leads).toBe(allPlans.length);

    // Per stage: entered, left, now, conversion along the main path.
    for (const stage of STAGES) {
      const entered = changes.filter((c) => c.to === stage).length;
      const exited = changes.filter((c) => c.from === stage).length;
      expect(report.stages.find((s) => s.stage === stage), stage).toMatchObject({ entered, exited, current: entered - exited });
    }
    const main: Stage[] = ['captured', 'qualifying', 'meeting', 'negotiating', 'onboarding', 'customer', 'renewed'];
    main.slice(0, -1).forEach((stage, i) => {
      const here = changes.filter((c) => c.to === stage).length;
      const next = changes.filter((c) => c.to === main[i + 1]).length;
      expect(report.stages.find((s) => s.stage === stage)?.conversionToNext, stage).toBe(ratio(next, here));
    });

    // Top reasons per stage left, and how many go back to Marketing's nurture.
    for (const stage of STAGES) {
      const counts = new Map<string, number>();
      for (const c of changes.filter((x) => x.from === stage && ['nurture', 'disqualified', 'lost', 'churned'].includes(x.to))) {
        counts.set(`${c.to}|${c.reason}`, (counts.get(`${c.to}|${c.reason}`) ?? 0) + 1);
      }
      const all = [...counts.entries()].map(([k, count]) => {
        const [outcome = '', reason = ''] = k.split('|');
        return { outcome, reason, count, nurtureWorthy: NURTURE_WORTHY_REASONS.includes(reason) };
      });
      const top = [...all].sort((a, b) => b.count - a.count || a.outcome.localeCompare(b.outcome) || a.reason.localeCompare(b.reason)).slice(0, 5);
      const figures = report.stages.find((s) => s.stage === stage);
      expect(figures?.topReasons, stage).toEqual(top);
      expect(figures?.backToMarketing, stage).toBe(all.filter((r) => r.nurtureWorthy).reduce((s, r) => s + r.count, 0));
    }

    // By campaign and by owner: the same headline figures.
    const campaigns = [...new Set(changes.map((c) => c.campaign))].sort();
    expect(report.byCampaign.map((c) => c.campaign)).toEqual(campaigns);
    for (const campaign of campaigns) {
      const got = report.byCampaign.find((c) => c.campaign === campaign);
      expect(got && headlineOnly(got), campaign).toEqual(expectedHeadline(changes.filter((c) => c.campaign === campaign)));
    }
    const ownerKeys = [...new Set(changes.flatMap((c) => Object.entries(c.owners).map(([team, o]) => `${team}/${o}`)))].sort();
    expect(report.byOwner.map((o) => `${o.team}/${o.owner}`).sort()).toEqual(ownerKeys);
    expect(ownerKeys.length).toBeGreaterThanOrEqual(6); // two per team
    for (const key of ownerKeys) {
      const [team, owner] = key.split('/') as [Team, string];
      const got = report.byOwner.find((o) => o.team === team && o.owner === owner);
      expect(got && headlineOnly(got), key).toEqual(expectedHeadline(changes.filter((c) => c.owners[team] === owner)));
    }

    // Hand-off quality per team pair: count, mean rating (all and per question), per ISO week.
    const ABOUT: Record<string, Team> = Object.fromEntries([...CALL_RATINGS.map((id) => [id, 'marketing']), ...MEETING_RATINGS.map((id) => [id, 'inside-sales']), ['expectations-set-right', 'field-sales'], ['message-match', 'marketing']]);
    for (const pair of report.feedback.pairs) {
      const given = posted.filter((x) => x.step === pair.step);
      const values = given.flatMap((x) => Object.entries(x.answer.ratings ?? {}).filter(([id]) => ABOUT[id] === pair.to));
      const mean = (vs: number[]) => (vs.length === 0 ? null : round2(vs.reduce((a, b) => a + b, 0) / vs.length));
      expect(pair.count, pair.pair).toBe(given.length);
      expect(pair.averageRating, pair.pair).toBe(mean(values.map(([, v]) => v)));
      const ids = [...new Set(values.map(([id]) => id))];
      expect(pair.averageRatings, pair.pair).toEqual(Object.fromEntries(ids.map((id) => [id, mean(values.filter(([i]) => i === id).map(([, v]) => v))])));
      const weeks = [...new Set(given.map((x) => x.week))].sort();
      expect(pair.weeks.map((w) => w.week), pair.pair).toEqual(weeks);
      for (const w of pair.weeks) {
        const inWeek = given.filter((x) => x.week === w.week);
        expect(w.count).toBe(inWeek.length);
        expect(w.averageRating).toBe(mean(inWeek.flatMap((x) => Object.entries(x.answer.ratings ?? {}).filter(([id]) => ABOUT[id] === pair.to).map(([, v]) => v))));
      }
      expect(pair.count, `${pair.pair} has feedback`).toBeGreaterThan(0);
    }
  }, 260_000);

  it('GET /funnel?from=&to= over a period holding the whole cohort reports the same figures, counted from the stage events by time', async () => {
    // The stack's data folder is new: a wide period holds everything it recorded, whatever clock the stages used.
    const from = new Date(Date.now() - 366 * 86_400_000).toISOString();
    const to = new Date(Date.now() + 2 * 366 * 86_400_000).toISOString();
    const res = await fetch(`${stack.url}/funnel?from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}`, { headers: { authorization: `Bearer ${API_KEY}` } });
    expect(res.status).toBe(200);
    const period = (await res.json()) as FunnelReport & { goal: unknown };
    expect(period.period).toEqual({ from, to });
    const figures = ({ generatedAt: _g, period: _p, ...rest }: FunnelReport & { goal?: unknown }) => rest;
    expect(figures(period)).toEqual(figures({ ...report, goal: null } as FunnelReport & { goal: unknown }));
  }, 60_000);

  it('median time in stage: within one histogram bucket (2^(1/4)) of the exact median of the stage events', async () => {
    expect(report).toBeDefined();
    const durations = new Map<Stage, number[]>();
    await pool(allPlans, 8, async (p) => {
      const out = await stack.doc.send(new QueryCommand({ TableName: TABLE, KeyConditionExpression: 'pk = :pk AND begins_with(sk, :e)', ExpressionAttributeValues: { ':pk': `LEAD#${p.id}`, ':e': 'EVENT#' } }));
      for (const e of out.Items ?? []) {
        if (e['from'] === null || e['from'] === undefined) continue;
        const list = durations.get(e['from'] as Stage) ?? [];
        list.push(Number(e['timeInPreviousStageMs']));
        durations.set(e['from'] as Stage, list);
      }
    });
    const figuresOf = (stage: Stage) => report.stages.find((s) => s.stage === stage);
    for (const stage of STAGES) {
      const ds = durations.get(stage) ?? [];
      expect(ds.length, stage).toBe(figuresOf(stage)?.exited);
      expect(figuresOf(stage)?.timeInStageMs, stage).toBe(ds.reduce((a, b) => a + b, 0));
    }
    // No exit, no median; else the median lies in the bucket of the middle duration(s).
    const neverExited = STAGES.filter((stage) => !durations.has(stage));
    expect(neverExited.map((stage) => figuresOf(stage)?.medianTimeInStageMs)).toEqual(neverExited.map(() => null));
    const exited = STAGES.filter((stage) => durations.has(stage));
    expect(exited.length).toBeGreaterThan(0);
    for (const stage of exited) {
      const figures = figuresOf(stage);
      const ds = (durations.get(stage) ?? []).sort((a, b) => a - b);
      const lo = ds[Math.floor((ds.length - 1) / 2)] as number;
      const hi = ds[Math.ceil((ds.length - 1) / 2)] as number;
      const median = figures?.medianTimeInStageMs ?? -1;
      // Durations under 10 ms share the first bucket [0, 10 ms); medians are rounded to whole ms.
      expect(median, stage).toBeGreaterThanOrEqual(lo < 10 ? 0 : Math.floor(lo / 2 ** 0.25));
      expect(median, stage).toBeLessThanOrEqual(Math.ceil(Math.max(hi * 2 ** 0.25, 10)));
    }
  }, 60_000);

  it('lost deals and churned customers carry their reason code end to end; nurture-worthy ones go back to Marketing to be nurtured', async () => {
    const ended = changes.filter((c) => c.to === 'lost' || c.to === 'churned');
    expect(ended.length).toBeGreaterThan(N / 10);
    await pool(ended, 8, async (c) => {
      const profile = await stack.profile(c.leadId);
      expect(profile, c.leadId).toMatchObject({ stage: c.to, reason: c.reason });
    });
    const mailFor = (leadId: string) => outcomeMails.find((m) => leadIdOf(m) === leadId);
    for (const c of ended) {
      const mail = mailFor(c.leadId);
      expect(mail?.subject, c.leadId).toMatch(c.to === 'lost' ? /^Lead lost/ : /^Lead churned/);
      const nurture = NURTURE_WORTHY_REASONS.includes(c.reason);
      const advice = !nurture ? 'No further nurture' : c.to === 'churned' ? 'win-back' : 'put this lead back into nurture';
      expect(mail?.text, c.leadId).toContain(advice);
    }
    expect(ended.some((c) => c.to === 'churned' && NURTURE_WORTHY_REASONS.includes(c.reason))).toBe(true);
  }, 60_000);

  it('the ops console funnel page shows the same figures as GET /funnel', async () => {
    const page = await (await fetch(`${stack.url}/funnel-view`)).text();
    const cells = (row: string) => Object.fromEntries([...row.matchAll(/<td data-n="(\w+)">(\d+)/g)].map((m) => [m[1], Number(m[2])]));
    const headlineRow = /<tr data-headline="all">(.*?)<\/tr>/s.exec(page)?.[1] ?? '';
    const h = report.headline;
    expect(cells(headlineRow)).toEqual({ leads: h.leads, qualified: h.qualified, meetings: h.meetings, won: h.won, onboarded: h.onboarded, retained: h.retained, expanded: h.expanded });
    for (const c of report.byCampaign) {
      const row = new RegExp(`<tr data-campaign="${c.campaign.replace(/[()]/g, '\\$&')}">(.*?)</tr>`, 's').exec(page)?.[1] ?? '';
      expect(cells(row), c.campaign).toMatchObject({ leads: c.leads, won: c.won, retained: c.retained });
    }
    for (const s of report.stages) expect(page, s.stage).toContain(`<tr data-stage="${s.stage}"><td>${s.stage}</td><td>${s.current}</td><td>${s.entered}</td><td>${s.exited}</td>`);
  });
});
