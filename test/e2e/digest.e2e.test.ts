/**
 * The team digest on the real local stack: leads driven through their
 * reviews over two periods, the digest sent with POST /local/digest, and the
 * outbox read. The figures are computed here from the answers given. Then a
 * reply through the digest's link reaches the sender in the next period's
 * digest, and running a period again sends nothing more.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main as cli } from '../../local/cli';
import { LocalStackProcess, TEAM, answerLink, lead, sleep, submit, type OutboxMail } from './harness';

let server: LocalStackProcess;
const run = Date.now().toString(36);
const WEBINAR = `dg-webinar-${run}`;
const EBOOK = `dg-ebook-${run}`;

beforeAll(async () => {
  server = await LocalStackProcess.start();
}, 150_000);

afterAll(async () => {
  if (server === undefined) return;
  const code = await server.stop();
  server.removeData();
  expect(code).toBe(0);
}, 60_000);

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
  expect((await server.postLead(lead(id, company, { campaign }))).status).toBe(201);
  const call = await server.mail(`qualification call of ${id}`, (m) => mine(company)(m) && m.subject.startsWith('Qualification call'));
  owners.set(id, call.to[0] ?? '');
  const fields: Record<string, string> = { ...answer };
  for (const [q, v] of Object.entries(ratings)) {
    fields[`rating.${q}`] = String(v);
    given.push({ team: 'marketing', group: campaign, question: q, value: v, period });
  }
  expect((await submit(answerLink(call, answer.answer ?? ''), fields)).status).toBe(200);
  // Wait for the step after "Share feedback with Marketing": the feedback is stored.
  if (answer.answer === 'book-meeting') await server.mail(`meeting request of ${id}`, (m) => mine(company)(m) && m.subject.startsWith('Meeting outcome'));
  else await server.until(id, 'returned to Marketing', (e) => e.status === 'SUCCEEDED');
}

/** Answers the meeting outcome of a booked lead (feedback to its Inside Sales owner). */
async function meet(id: string, period: Rating['period'], ratings: Record<string, number>, extra: Record<string, string> = {}): Promise<void> {
  const company = `Digest ${id}`;
  const meeting = await server.mail(`meeting request of ${id}`, (m) => mine(company)(m) && m.subject.startsWith('Meeting outcome'));
  const fields: Record<string, string> = { answer: 'held-proceed', ...extra };
  for (const [q, v] of Object.entries(ratings)) {
    fields[`rating.${q}`] = String(v);
    given.push({ team: 'inside-sales', group: owners.get(id) ?? '?', question: q, value: v, period });
  }
  expect((await submit(answerLink(meeting, 'held-proceed'), fields)).status).toBe(200);
  await server.mail(`deal decision request of ${id}`, (m) => mine(company)(m) && m.subject.startsWith('Deal decision'));
}

const mean = (values: number[]): number => Math.round((values.reduce((a, b) => a + b, 0) / values.length) * 10) / 10;

/** The rating line the digest should show, computed from the answers given. */
function expectedLine(team: Rating['team'], label: string, question: string, group?: string): string {
  const pick = (period: Rating['period']) => given.filter((r) => r.team === team && r.question === question && r.period === period && (group === undefined || r.group === group)).map((r) => r.value);
  const now = pick('current');
  const before = pick('previous');
  const head = `  ${label}: ${mean(now).toFixed(1)} / 5 from ${now.length} rating${now.length === 1 ? '' : 's'}`;
  if (before.length === 0) return `${head}; none the period before`;
  const [a, b] = [mean(now), mean(before)];
  return a === b ? `${head}; same as before (${b.toFixed(1)})` : `${head}; ${a > b ? 'up' : 'down'} from ${b.toFixed(1)}`;
}

/** The lines of the text section whose title starts with `title`. */
function section(mail: OutboxMail, title: string): string[] {
  const blocks = mail.text.split('\n\n');
  const block = blocks.find((b) => b.startsWith(title));
  if (block === undefined) throw new Error(`no section "${title}" in:\n${mail.text}`);
  return block.split('\n');
}

const isDigest = (m: OutboxMail): boolean => / feedback digest: /.test(m.subject);

async function sendDigest(period: { start: string; end: string }): Promise<{ sent: string[]; alreadySent: string[]; nothingNew: string[] }> {
  const res = await fetch(`${server.appUrl}/local/digest?start=${encodeURIComponent(period.start)}&end=${encodeURIComponent(period.end)}`, { method: 'POST' });
  expect(res.status).toBe(200);
  return (await res.json()) as { sent: string[]; alreadySent: string[]; nothingNew: string[] };
}

async function until(ms: number): Promise<void> {
  while (Date.now() <= ms) await sleep(Math.min(500, ms - Date.now() + 1));
}

describe('the team digest', () => {
  let current: { start: string; end: string };

  it('tells Marketing (by campaign) and Inside Sales (by owner) what they were told, with trends; the others get nothing', async () => {
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

    const before = (await server.outbox()).length;
    const result = await sendDigest(current);
    expect(result.sent.sort()).toEqual(['inside-sales', 'marketing']);
    expect(result.nothingNew.sort()).toEqual(['customer-success', 'field-sales']);
    const digests = (await server.outbox()).slice(before).filter(isDigest);
    expect(digests.map((m) => m.to)).toHaveLength(2);
    expect(digests.filter((m) => m.to.includes(TEAM.fieldSalesLead) || m.to.includes(TEAM.customerSuccessLead))).toEqual([]);

    const marketing = digests.find((m) => m.to.includes(TEAM.marketingLead));
    expect(marketing?.subject).toMatch(/^Marketing feedback digest: 3 new, 5 waiting for a reply /);
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
    // Every unanswered item of the last periods, oldest first, with its reply link.
    const open = m.text.split('\n\n').filter((b) => / by Inside Sales, Pat /.test(b.split('\n')[0] ?? ''));
    expect(open.map((b) => /Pat (\w+)-/.exec(b)?.[1])).toEqual(['a1', 'a2', 'b1', 'b2', 'b3']);
    for (const b of open) expect(b).toMatch(/\n {2}Reply: Acting on it: http:\/\/127\.0\.0\.1:\d+\/feedback\/\S+\?status=acting-on-it$/);

    const insideSales = digests.find((x) => x.to.includes(TEAM.insideSalesLead)) as OutboxMail;
    expect(insideSales.subject).toMatch(/^Inside Sales feedback digest: 2 new, 3 waiting for a reply /);
    for (const owner of new Set([owners.get(`b1-${run}`), owners.get(`b2-${run}`)])) {
      const lines = section(insideSales, `Owner: ${owner ?? '?'}:`);
      expect(lines).toContain(expectedLine('inside-sales', 'Accuracy of the budget information', 'budget-accuracy', owner));
    }
    expect(insideSales.text).toContain('What was missing (Field Sales, meeting outcome, Pat b1-');
    expect(insideSales.text).toContain('The CFO signs, not our contact');
  }, 240_000);

  it('sends nothing more when the same period runs again (here from the command line)', async () => {
    const before = (await server.outbox()).length;
    let out = '';
    const code = await cli(['digest', '--url', server.appUrl, '--start', current.start, '--end', current.end], (s) => (out += s), (s) => (out += s));
    expect(code).toBe(0);
    expect(out).toContain(`Digest for ${current.start} to ${current.end}`);
    expect(out).toContain('sent to: none');
    expect(out).toMatch(/already sent: (marketing, inside-sales|inside-sales, marketing)\n/);
    expect((await server.outbox()).length).toBe(before);
  }, 60_000);

  it("a reply from the digest's link reaches the sender in the next period's digest; nobody else hears of it", async () => {
    const marketing = (await server.mails(isDigest)).find((m) => m.to.includes(TEAM.marketingLead)) as OutboxMail;
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
    const before = (await server.outbox()).length;
    const result = await sendDigest(next);
    expect(result.sent).toEqual(['inside-sales']);
    const [digest, ...others] = (await server.outbox()).slice(before).filter(isDigest);
    expect(others).toEqual([]);
    expect(digest?.to).toEqual([TEAM.insideSalesLead]);
    expect(digest?.subject).toMatch(/^Inside Sales feedback digest: 0 new, /);
    expect(section(digest as OutboxMail, 'Replies to your feedback:').join('\n')).toMatch(/Marketing: Acting on it \(qualification call, Pat b1-\w+ \(Digest b1-\w+\), \d+ \w+\): Recording goes out with every invite/);
  }, 60_000);
});
