/**
 * The team digest on the real local stack: leads driven through their
 * reviews over two periods, the digest sent with POST /local/digest, and the
 * outbox read. The ratings are computed here from the answers given; the
 * funnel figures are GET /funnel?from=&to='s for the same period. Then a
 * reply through the digest's link reaches the sender in the next period's
 * digest, running a period again sends nothing more, and the shared goal set
 * with PUT /goal shows the same progress in every team's digest, GET /funnel
 * and the console.
 */
import { describe, expect, it } from 'vitest';
import { campaignLines, campaignRows, goalHeadline, goalRows, ownerLines, ownerRows } from '#lib/digest/figures';
import type { FunnelWithGoal } from '#lib/funnel/goal';
import type { SummaryRow } from '#lib/mail/layout';
import { main as cli } from '../../local/cli';
import { API_KEY, TEAM, answerLink, lead, sleep, submit, type OutboxMail, stackForFile } from './harness';

const run = Date.now().toString(36);
const WEBINAR = `dg-webinar-${run}`;
const EBOOK = `dg-ebook-${run}`;

const stack = stackForFile();

interface Rating {
  team: 'marketing' | 'inside-sales';
  group: string;
  question: string;
  value: number;
  period: 'previous' | 'current';
}
const given: Rating[] = [];
const owners = new Map<string, string>();

const mine = (company: string) => (m: OutboxMail) => m.subject.includes(`(${company})`);

/** Captures a lead of `campaign` and answers its qualification call; returns its Inside Sales owner. */
async function qualify(id: string, campaign: string, period: Rating['period'], answer: Record<string, string>, ratings: Record<string, number>): Promise<void> {
  const company = `Digest ${id}`;
  expect((await stack().postLead(lead(id, company, { campaign }))).status).toBe(201);
  const call = await stack().mail(`qualification call of ${id}`, (m) => mine(company)(m) && m.subject.startsWith('Qualification call'));
  owners.set(id, call.to[0] ?? '');
  const fields: Record<string, string> = { ...answer };
  for (const [q, v] of Object.entries(ratings)) {
    fields[`rating.${q}`] = String(v);
    given.push({ team: 'marketing', group: campaign, question: q, value: v, period });
  }
  expect((await submit(answerLink(call, answer.answer ?? ''), fields)).status).toBe(200);
  // Wait for the step after "Share feedback with Marketing": the feedback is stored.
  if (answer.answer === 'book-meeting') await stack().mail(`meeting request of ${id}`, (m) => mine(company)(m) && m.subject.startsWith('Meeting outcome'));
  else await stack().until(id, 'returned to Marketing', (e) => e.status === 'SUCCEEDED');
}

/** Answers the meeting outcome of a booked lead (feedback to its Inside Sales owner). */
async function meet(id: string, period: Rating['period'], ratings: Record<string, number>, extra: Record<string, string> = {}): Promise<void> {
  const company = `Digest ${id}`;
  const meeting = await stack().mail(`meeting request of ${id}`, (m) => mine(company)(m) && m.subject.startsWith('Meeting outcome'));
  const fields: Record<string, string> = { answer: 'held-proceed', ...extra };
  for (const [q, v] of Object.entries(ratings)) {
    fields[`rating.${q}`] = String(v);
    given.push({ team: 'inside-sales', group: owners.get(id) ?? '?', question: q, value: v, period });
  }
  expect((await submit(answerLink(meeting, 'held-proceed'), fields)).status).toBe(200);
  await stack().mail(`deal decision request of ${id}`, (m) => mine(company)(m) && m.subject.startsWith('Deal decision'));
}

const mean = (values: number[]): number => Math.round((values.reduce((a, b) => a + b, 0) / values.length) * 10) / 10;

/** The rating line the digest should show, computed from the answers given. */
function expectedLine(team: Rating['team'], label: string, question: string, group?: string): string {
  const pick = (period: Rating['period']) => given.filter((r) => r.team === team && r.question === question && r.period === period && (group === undefined || r.group === group)).map((r) => r.value);
  const now = pick('current');
  const before = pick('previous');
  const head = `  ${label}: ${mean(now) < 3 ? '⚠ Low: ' : ''}${mean(now).toFixed(1)} / 5 from ${now.length} rating${now.length === 1 ? '' : 's'}`;
  if (before.length === 0) return `${head}; none the period before`;
  const [a, b] = [mean(now), mean(before)];
  return a === b ? `${head}; same as before (${b.toFixed(1)})` : `${head}; ${a > b ? '▲ up' : '▼ falling'} from ${b.toFixed(1)}`;
}

/** GET /funnel with the bearer key, all time or for a period. */
async function funnel(period?: { start: string; end: string }): Promise<FunnelWithGoal> {
  const query = period === undefined ? '' : `?from=${encodeURIComponent(period.start)}&to=${encodeURIComponent(period.end)}`;
  const res = await fetch(`${stack().appUrl}/funnel${query}`, { headers: { authorization: `Bearer ${API_KEY}` } });
  expect(res.status).toBe(200);
  return (await res.json()) as FunnelWithGoal;
}

/** Rows as the text part shows them. */
const asLines = (rows: readonly SummaryRow[]): string[] => rows.map((r) => `  ${r.label}: ${String(r.value)}`);

/** The lines of the text section whose title starts with `title`. */
function section(mail: OutboxMail, title: string): string[] {
  const blocks = mail.text.split('\n\n');
  const block = blocks.find((b) => b.startsWith(title));
  if (block === undefined) throw new Error(`no section "${title}" in:\n${mail.text}`);
  return block.split('\n');
}

const isDigest = (m: OutboxMail): boolean => / digest: \d+ new feedback, /.test(m.subject);

interface DigestRun {
  period: { start: string; end: string };
  sent: string[];
  alreadySent: string[];
  nothingNew: string[];
}

/** POST /local/digest: for the period given, else the period so far. */
async function sendDigest(period?: { start: string; end: string }): Promise<DigestRun> {
  const query = period === undefined ? '' : `?start=${encodeURIComponent(period.start)}&end=${encodeURIComponent(period.end)}`;
  const res = await fetch(`${stack().appUrl}/local/digest${query}`, { method: 'POST' });
  expect(res.status).toBe(200);
  return (await res.json()) as DigestRun;
}

async function until(ms: number): Promise<void> {
  while (Date.now() <= ms) await sleep(Math.min(500, ms - Date.now() + 1));
}

describe('the team digest', () => {
  let current: { start: string; end: string };

  it('tells Marketing (by campaign) and Inside Sales (by owner) what they were told, with trends, beside the figures GET /funnel gives for the period; Customer Success gets nothing', async () => {
    const t0 = Date.now();
    // The previous period.
    await qualify(`a1-${run}`, WEBINAR, 'previous', { answer: 'book-meeting' }, { 'lead-fit': 2, 'campaign-reaction': 3 });
    await meet(`a1-${run}`, 'previous', { 'budget-accuracy': 4, 'need-accuracy': 3 });
    await qualify(`a2-${run}`, EBOOK, 'previous', { answer: 'book-meeting' }, { 'lead-fit': 4 });
    const t1 = Date.now();
    // The current period.
    await qualify(`b1-${run}`, WEBINAR, 'current', { answer: 'book-meeting', comment: 'Asked for <b>the</b> "recording"', moreOf: 'Customer webinars' }, { 'lead-fit': 4, 'campaign-reaction': 5 });
    await meet(`b1-${run}`, 'current', { 'budget-accuracy': 2, 'need-accuracy': 5 }, { missing: 'The CFO signs, not our contact' });
    await qualify(`b2-${run}`, WEBINAR, 'current', { answer: 'book-meeting' }, { 'lead-fit': 5 });
    await meet(`b2-${run}`, 'current', { 'budget-accuracy': 3 });
    await qualify(`b3-${run}`, EBOOK, 'current', { answer: 'nurture', reasonCode: 'bad-timing' }, { 'lead-fit': 3 });
    const t2 = Date.now();
    // Two periods of one length: [t1 - L, t1) holds the first batch, [t1, t1 + L) the second.
    const length = Math.max(t1 - t0, t2 - t1) + 1000;
    current = { start: new Date(t1).toISOString(), end: new Date(t1 + length).toISOString() };
    await until(t1 + length);

    const before = (await stack().outbox()).length;
    const result = await sendDigest(current);
    // Field Sales had meetings booked with its reps in the period: its figures are news too.
    expect(result.sent.sort()).toEqual(['field-sales', 'inside-sales', 'marketing']);
    expect(result.nothingNew).toEqual(['customer-success']);
    const digests = (await stack().outbox()).slice(before).filter(isDigest);
    expect(digests.map((m) => m.to)).toHaveLength(3);
    expect(digests.filter((m) => m.to.includes(TEAM.customerSuccessLead))).toEqual([]);

    const marketing = digests.find((m) => m.to.includes(TEAM.marketingLead));
    // Five answers wait for a reply; only b1's says something (a comment): one listed, four counted.
    expect(marketing?.subject).toMatch(/^Marketing digest: 3 new feedback, 1 waiting for a reply /);
    const m = marketing as OutboxMail;
    expect(section(m, 'Ratings, all campaigns')).toContain(expectedLine('marketing', 'Fit of the lead (ideal customer profile)', 'lead-fit'));
    const webinar = section(m, `Campaign: ${WEBINAR}:`);
    expect(webinar).toContain(expectedLine('marketing', 'Fit of the lead (ideal customer profile)', 'lead-fit', WEBINAR));
    expect(webinar).toContain(expectedLine('marketing', 'Reaction to the campaign', 'campaign-reaction', WEBINAR));
    expect(webinar.join('\n')).toContain('Asked for <b>the</b> "recording"'); // the text part is plain text
    expect(webinar.join('\n')).toContain('Do more of (Inside Sales, qualification call, Pat b1-');
    const ebook = section(m, `Campaign: ${EBOOK}:`);
    expect(ebook).toContain(expectedLine('marketing', 'Fit of the lead (ideal customer profile)', 'lead-fit', EBOOK));
    expect(ebook).toContain('  Feedback items: 1 (Return to nurture (Bad timing) ×1)');
    // The unanswered feedback that says something, with its reply link; the rest counted, not listed.
    const open = m.text.split('\n\n').filter((b) => / by Inside Sales, Pat /.test(b.split('\n')[0] ?? ''));
    expect(open.map((b) => /Pat (\w+)-/.exec(b)?.[1])).toEqual(['b1']);
    for (const b of open) expect(b).toMatch(/\n {2}Reply: Acting on it: http:\/\/127\.0\.0\.1:\d+\/feedback\/\S+\?status=acting-on-it$/);
    expect(section(m, 'Waiting for your reply')).toContain('  Without comments: 4 more answers without comments (their ratings are counted above)');
    expect(m.text.match(/Reply: Acknowledged: /g)).toHaveLength(1);
    // A falling rating is marked in words: the ebook's lead fit went from 4 to 3.
    expect(ebook).toContain('  Fit of the lead (ideal customer profile): 3.0 / 5 from 1 rating; ▼ falling from 4.0');

    // The campaign figures are GET /funnel's for the same period, shown as the digest shows them.
    const period = await funnel(current);
    expect(period.period).toEqual({ from: current.start, to: current.end });
    const campaigns = campaignLines(period);
    const webinarFigures = campaigns.find((c) => c.campaign === WEBINAR);
    // Computed from what was done in the period: b1 and b2 captured, qualified, met; b3 (ebook) nurtured for bad timing.
    expect(webinarFigures?.figures).toMatchObject({ leads: 2, qualified: 2, meetings: 2, won: 0, lost: 0, nurtured: 0 });
    expect(campaigns.find((c) => c.campaign === EBOOK)?.figures).toMatchObject({ leads: 1, qualified: 1, nurtured: 1, nurtureReasons: [{ reason: 'bad-timing', count: 1 }] });
    for (const c of [WEBINAR, EBOOK]) {
      const figures = campaigns.find((x) => x.campaign === c);
      expect(figures).toBeDefined();
      const lines = section(m, `Campaign: ${c}:`);
      for (const line of asLines(campaignRows(figures!))) expect(lines).toContain(line);
    }

    const insideSales = digests.find((x) => x.to.includes(TEAM.insideSalesLead)) as OutboxMail;
    expect(insideSales.subject).toMatch(/^Inside Sales digest: 2 new feedback, 1 waiting for a reply /);
    // A low rating (2 and 3: 2.5 of 5), falling from 4: marked in words and signs.
    expect(section(insideSales, 'Ratings, all owners')).toContain('  Accuracy of the budget information: ⚠ Low: 2.5 / 5 from 2 ratings; ▼ falling from 4.0');
    const previous = await funnel({ start: new Date(Date.parse(current.start) - (Date.parse(current.end) - Date.parse(current.start))).toISOString(), end: current.start });
    const ownerFigures = ownerLines('inside-sales', period, previous);
    for (const owner of new Set([owners.get(`b1-${run}`), owners.get(`b2-${run}`)])) {
      const lines = section(insideSales, `Owner: ${owner ?? '?'}:`);
      expect(lines).toContain(expectedLine('inside-sales', 'Accuracy of the budget information', 'budget-accuracy', owner));
      const figures = ownerFigures.find((o) => o.owner === owner);
      expect(figures).toBeDefined();
      // Conversion, time to answer and overdue requests: the same as GET /funnel for the period.
      for (const line of asLines(ownerRows(figures!))) expect(lines).toContain(line);
    }
    expect(insideSales.text).toContain('What was missing (Field Sales, meeting outcome, Pat b1-');
    expect(insideSales.text).toContain('The CFO signs, not our contact');
  }, 240_000);

  it('sends nothing more when the same period runs again (here from the command line)', async () => {
    const before = (await stack().outbox()).length;
    let out = '';
    const code = await cli(['digest', '--url', stack().appUrl, '--start', current.start, '--end', current.end], (s) => (out += s), (s) => (out += s));
    expect(code).toBe(0);
    expect(out).toContain(`Digest for ${current.start} to ${current.end}`);
    expect(out).toContain('sent to: none');
    const already = /already sent: (.*)\n/.exec(out)?.[1]?.split(', ').sort();
    expect(already).toEqual(['field-sales', 'inside-sales', 'marketing']);
    expect((await stack().outbox()).length).toBe(before);
  }, 60_000);

  it("a reply from the digest's link reaches the sender in the next period's digest; nobody else hears of it", async () => {
    const marketing = (await stack().mails(isDigest)).find((m) => m.to.includes(TEAM.marketingLead)) as OutboxMail;
    const b1 = marketing.text.split('\n\n').find((b) => (b.split('\n')[0] ?? '').includes(`Pat b1-${run}`)) ?? '';
    const link = /Reply: Acting on it: (\S+)/.exec(b1)?.[1] ?? '';
    expect((await fetch(link)).status).toBe(200);
    const r0 = Date.now();
    expect((await submit(link, { status: 'acting-on-it', note: 'Recording goes out with every invite' })).status).toBe(200);
    const r1 = Date.now();

    // A short period around the reply: the feedback replied to is older than its open-item window,
    // so the reply is found by the query of older feedback replied to in the period.
    const next = { start: new Date(r0).toISOString(), end: new Date(r1 + 1).toISOString() };
    await until(r1 + 1);
    const before = (await stack().outbox()).length;
    const result = await sendDigest(next);
    expect(result.sent).toEqual(['inside-sales']);
    const [digest, ...others] = (await stack().outbox()).slice(before).filter(isDigest);
    expect(others).toEqual([]);
    expect(digest?.to).toEqual([TEAM.insideSalesLead]);
    expect(digest?.subject).toMatch(/^Inside Sales digest: 0 new feedback, /);
    expect(section(digest as OutboxMail, 'Replies to your feedback:').join('\n')).toMatch(/Marketing: Acting on it \(qualification call, Pat b1-\w+ \(Digest b1-\w+\), \d+ \w+\): Recording goes out with every invite/);
  }, 60_000);

  it('PUT /goal sets the shared goal (a bad field: 400 naming it, nothing changed); its progress is the same in every digest, GET /funnel and the console', async () => {
    const put = (body: unknown) =>
      fetch(`${stack().appUrl}/goal`, { method: 'PUT', headers: { 'content-type': 'application/json', authorization: `Bearer ${API_KEY}` }, body: JSON.stringify(body) });
    expect((await fetch(`${stack().appUrl}/goal`, { method: 'PUT', body: '{}' })).status).toBe(401);
    const bad = await put({ amount: -5, currency: 'EUR', period: 'quarter' });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ field: 'amount' });
    expect((await funnel()).goal).toBeNull();
    const ok = await put({ amount: 500_000, currency: 'EUR', period: 'quarter' });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toMatchObject({ goal: { amount: 500_000, currency: 'EUR', period: 'quarter', source: 'api' } });

    // A deal won: b2's deal decision.
    const company = `Digest b2-${run}`;
    const deal = await stack().mail(`deal decision of b2-${run}`, (x) => mine(company)(x) && x.subject.startsWith('Deal decision'));
    expect((await submit(answerLink(deal, 'won'), { answer: 'won', amount: '120000', currency: 'EUR', promises: 'SSO' })).status).toBe(200);
    await stack().mail(`onboarding review of b2-${run}`, (x) => mine(company)(x) && x.subject.startsWith('Onboarding review'));

    // "Send the digest now": the period so far.
    const before = (await stack().outbox()).length;
    const result = await sendDigest();
    expect(Date.parse(result.period.end)).toBeLessThanOrEqual(Date.now());
    expect(result.sent.length).toBeGreaterThanOrEqual(3);
    const now = await funnel();
    const goal = now.goal;
    expect(goal).toMatchObject({ amount: 500_000, currency: 'EUR', won: 120_000, deals: 1, share: 0.24 });
    const progress = asLines(goalRows(goal!)).find((l) => l.startsWith('  Progress: '));
    expect(progress).toBe('  Progress: €120,000.00 of €500,000.00 won this quarter (24%); €380,000.00 to go');
    const digests = (await stack().outbox()).slice(before).filter(isDigest);
    expect(digests.map((d) => d.to[0]).sort()).toEqual(result.sent.map((t) => ({ marketing: TEAM.marketingLead, 'inside-sales': TEAM.insideSalesLead, 'field-sales': TEAM.fieldSalesLead, 'customer-success': TEAM.customerSuccessLead })[t as 'marketing']).sort());
    // Progress and what each team's work added, in the same words in every team's digest as from GET /funnel
    // (all but the day it was counted to, which a run across midnight could change).
    const expected = ['Our shared goal:', ...asLines(goalRows(goal!))].filter((l) => !l.startsWith('  Goal period:'));
    expect(expected).toContain('  Field Sales added: €120,000.00, deals won (1 deal)');
    for (const d of digests) {
      // The section (the intro's sentence starts with the same words, then the headline).
      expect(section(d, 'Our shared goal:\n').filter((l) => !l.startsWith('  Goal period:')), d.subject).toEqual(expected);
      expect(d.text, d.subject).toContain(`Our shared goal: ${goalHeadline(goal!)}.`);
    }
    const page = await (await fetch(`${stack().appUrl}/funnel-view`)).text();
    expect(page).toContain(`Our shared goal: ${goalHeadline(goal!).replace(/&/g, '&amp;')}`);
    expect(page).toContain('€120,000.00 of €500,000.00 won this quarter (24%); €380,000.00 to go');
  }, 120_000);
});
