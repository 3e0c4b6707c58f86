/**
 * Domain events and signed webhooks end to end on `npm start`'s runtime:
 * leads driven over HTTP to a renewal, a lost deal and an erasure; every
 * event the local EventBridge received (GET /local/events) valid against its
 * JSON Schema (ajv), in the expected sequence per lead, with no personal data
 * or free text. Then POST /webhooks/leads: valid, wrong, stale, replayed.
 */
import { describe, expect, it } from 'vitest';
import { API_KEY, WEBHOOK_SECRET, answerLink, lead, stackForFile, sleep, submit, type OutboxMail } from './harness';
import { webhookSignature } from '#lib/aws/webhook-signature';
import { schemaErrors } from '../unit/support/event-schemas';

interface LocalEvent {
  'detail-type': string;
  source: string;
  time: string;
  detail: { leadId: string; eventId: string; [key: string]: unknown };
}

const stack = stackForFile({ timeScale: 60, settings: { checkInIntervalSeconds: 60, maxCheckIns: 1 } });
const run = Date.now().toString(36);

const events = (): Promise<LocalEvent[]> => stack().getJson<LocalEvent[]>('/local/events');

/** The lead's events once its last one has arrived (bounded wait), oldest first. */
async function eventsOf(leadId: string, last: string, timeoutMs = 20_000): Promise<LocalEvent[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const mine = (await events()).filter((e) => e.detail.leadId === leadId);
    if (mine.some((e) => e['detail-type'] === last)) return mine;
    if (Date.now() > deadline) throw new Error(`no ${last} for ${leadId} within ${timeoutMs} ms; got ${mine.map((e) => e['detail-type']).join(', ')}`);
    await sleep(150);
  }
}

/** `StageChanged.v1 qualifying` for a stage change, the detail-type otherwise: a readable sequence. */
const step = (e: LocalEvent): string => (e['detail-type'] === 'StageChanged.v1' ? `StageChanged.v1 ${String(e.detail.to)}` : e['detail-type']);

/** A lead's events up to the deal decision: captured, qualified, the call's feedback, the meeting and its feedback, negotiating. */
const TO_DEAL_DECISION = [
  'LeadCaptured.v1',
  'StageChanged.v1 qualifying',
  'FeedbackShared.v1',
  'StageChanged.v1 meeting',
  'FeedbackShared.v1',
  'StageChanged.v1 negotiating',
];

const about = (company: string) => (m: OutboxMail) => m.subject.includes(`(${company})`);

/** Personal data and free text of the leads driven here: none of it may reach an event. */
const secrets: string[] = [];

describe('domain events of a lead lifecycle', () => {
  it('a won lead: captured, each stage, the feedback shared and replied to, the deal won, the customer renewed', async () => {
    const id = `ev-won-${run}`;
    const company = `Events Won ${run}`;
    const comment = `Campaign felt off ${run}`;
    const promises = `Dedicated onboarding ${run}`;
    const note = `Reworking the campaign ${run}`;
    secrets.push(`Pat ${id}`, `${id}@example.org`, company, comment, promises, note);
    const is = about(company);
    expect((await stack().postLead(lead(id, company))).status).toBe(201);
    const call = await stack().mail('call', (m) => is(m) && m.subject.startsWith('Qualification call'));
    expect((await submit(answerLink(call, 'book-meeting'), { answer: 'book-meeting', 'rating.campaign-reaction': '1', comment })).status).toBe(200);
    const flagged = await stack().mail('flagged feedback to Marketing', (m) => is(m) && m.subject.startsWith('Feedback from Inside Sales'));
    const meeting = await stack().mail('meeting', (m) => is(m) && m.subject.startsWith('Meeting outcome'));
    expect((await submit(answerLink(meeting, 'held-proceed'), { answer: 'held-proceed' })).status).toBe(200);
    const deal = await stack().mail('deal', (m) => is(m) && m.subject.startsWith('Deal decision'));
    expect((await submit(answerLink(deal, 'won'), { answer: 'won', amount: '48000', currency: 'EUR', promises })).status).toBe(200);
    const review = await stack().mail('onboarding review', (m) => is(m) && m.subject.startsWith('Onboarding review'));
    expect((await submit(answerLink(review, 'on-track'), { answer: 'on-track', 'rating.expectations-set-right': '4', 'rating.message-match': '4' })).status).toBe(200);
    const checkIn = await stack().mail('check-in', (m) => is(m) && m.subject.startsWith('Customer check-in'));
    expect((await submit(answerLink(checkIn, 'healthy'), { answer: 'healthy', 'rating.health': '5' })).status).toBe(200);
    expect(await stack().until(id, 'renewed', (e) => e.status !== 'RUNNING')).toMatchObject({ status: 'SUCCEEDED', stage: 'renewed' });
    // Marketing replies to the flagged feedback (after the renewal, so the reply's event comes last).
    const reply = flagged.links.find((l) => new URL(l).searchParams.get('status') === 'acting-on-it');
    expect(reply).toBeDefined();
    expect((await submit(String(reply), { status: 'acting-on-it', note })).status).toBe(200);

    const mine = await eventsOf(id, 'FeedbackReplied.v1');
    expect(mine.map(step)).toEqual([
      ...TO_DEAL_DECISION,
      'StageChanged.v1 onboarding',
      'DealWon.v1',
      'StageChanged.v1 customer',
      'FeedbackShared.v1',
      'StageChanged.v1 renewed',
      'CustomerRenewed.v1',
      'FeedbackReplied.v1',
    ]);
    expect(mine.find((e) => e['detail-type'] === 'DealWon.v1')?.detail).toMatchObject({ amount: 48000, currency: 'EUR' });
    expect(mine.filter((e) => e['detail-type'] === 'FeedbackShared.v1').map((e) => [e.detail.step, e.detail.from, e.detail.to])).toEqual([
      ['qualification-call', 'inside-sales', ['marketing']],
      ['meeting-outcome', 'field-sales', ['inside-sales']],
      ['onboarding-review', 'customer-success', ['marketing', 'field-sales']],
    ]);
    expect(mine.at(-1)?.detail).toMatchObject({ step: 'qualification-call', from: 'inside-sales', to: 'marketing', status: 'acting-on-it' });
    expect(new Set(mine.map((e) => e.source))).toEqual(new Set(['the-model-pipeline']));
  }, 120_000);

  it('a lost deal: captured, qualified, met, negotiated, lost with its reason code', async () => {
    const id = `ev-lost-${run}`;
    const company = `Events Lost ${run}`;
    const comment = `Went with a cheaper tool ${run}`;
    secrets.push(`Pat ${id}`, `${id}@example.org`, company, comment);
    const is = about(company);
    expect((await stack().postLead(lead(id, company))).status).toBe(201);
    const call = await stack().mail('call', (m) => is(m) && m.subject.startsWith('Qualification call'));
    expect((await submit(answerLink(call, 'book-meeting'), { answer: 'book-meeting' })).status).toBe(200);
    const meeting = await stack().mail('meeting', (m) => is(m) && m.subject.startsWith('Meeting outcome'));
    expect((await submit(answerLink(meeting, 'held-proceed'), { answer: 'held-proceed' })).status).toBe(200);
    const deal = await stack().mail('deal', (m) => is(m) && m.subject.startsWith('Deal decision'));
    expect((await submit(answerLink(deal, 'lost'), { answer: 'lost', reasonCode: 'price', comment })).status).toBe(200);

    const mine = await eventsOf(id, 'DealLost.v1');
    expect(mine.map(step)).toEqual([...TO_DEAL_DECISION, 'StageChanged.v1 lost', 'DealLost.v1']);
    expect(mine.at(-1)?.detail).toMatchObject({ reasonCode: 'price' });
  }, 60_000);

  it('an erased lead: captured, qualified, erased', async () => {
    const id = `ev-erased-${run}`;
    const company = `Events Erased ${run}`;
    secrets.push(`Pat ${id}`, `${id}@example.org`, company);
    expect((await stack().postLead(lead(id, company))).status).toBe(201);
    await stack().until(id, 'waiting for the call', (e) => e.currentState === 'Await qualification call');
    const erased = await fetch(`${stack().appUrl}/leads/${id}`, { method: 'DELETE', headers: { authorization: `Bearer ${API_KEY}` } });
    expect(erased.status).toBe(200);
    const mine = await eventsOf(id, 'LeadErased.v1');
    expect(mine.map(step)).toEqual(['LeadCaptured.v1', 'StageChanged.v1 qualifying', 'LeadErased.v1']);
  }, 60_000);

  it('every event is valid against its schema, has a unique id, and holds no personal data or free text', async () => {
    const all = await events();
    const mine = all.filter((e) => e.detail.leadId.endsWith(run));
    expect(mine.length).toBeGreaterThanOrEqual(13 + 8 + 3);
    for (const e of all) expect(schemaErrors(e['detail-type'], e.detail), JSON.stringify(e.detail)).toEqual([]);
    expect(new Set(all.map((e) => e.detail.eventId)).size).toBe(all.length);
    expect(secrets.length).toBeGreaterThan(10);
    const text = JSON.stringify(all);
    for (const value of secrets) expect(text, value).not.toContain(value);
  });

  it('the console shows them on its Events page', async () => {
    const page = await fetch(`${stack().appUrl}/events`);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('<title>Events · The Model pipeline (local)</title>');
    expect(html).toContain(`ev-won-${run}`);
    expect(html).toContain('DealWon.v1');
    expect(await (await fetch(`${stack().appUrl}/`)).text()).toContain('<a href="/events"');
  });
});

describe('POST /webhooks/leads', () => {
  const url = () => `${stack().appUrl}/webhooks/leads`;
  const now = () => String(Math.floor(Date.now() / 1000));
  const post = (body: string, headers: Record<string, string>) => fetch(url(), { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
  const signed = (body: string, timestamp = now(), secret = WEBHOOK_SECRET) => ({ 'x-signature-timestamp': timestamp, 'x-signature': webhookSignature(secret, timestamp, body) });

  it('valid: a signed lead is captured as POST /leads would, and its execution starts', async () => {
    const id = `hook-${run}`;
    const body = JSON.stringify(lead(id, `Webhook ${run}`));
    const res = await post(body, signed(body));
    expect(res.status).toBe(201);
    expect(await res.json()).toMatchObject({ leadId: id, created: true });
    await stack().until(id, 'qualifying', (e) => e.stage === 'qualifying');
    expect((await eventsOf(id, 'LeadCaptured.v1')).map(step)[0]).toBe('LeadCaptured.v1');
  }, 60_000);

  it('validated like any lead: a signed bad lead is 400 naming the field', async () => {
    const body = JSON.stringify({ ...lead(`hook-bad-${run}`, 'Bad'), email: 'not-an-email' });
    const res = await post(body, signed(body));
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ field: 'email' });
  });

  it('wrong: another secret, a changed body, no signature: 401 and no lead', async () => {
    const id = `hook-wrong-${run}`;
    const body = JSON.stringify(lead(id, `Wrong ${run}`));
    expect((await post(body, signed(body, now(), 'not-the-webhook-secret-0123'))).status).toBe(401);
    expect((await post(body.replace('Wrong', 'Changed'), signed(body))).status).toBe(401);
    expect((await post(body, {})).status).toBe(401);
    expect((await post(body, { authorization: `Bearer ${API_KEY}` })).status).toBe(401);
    expect(await stack().execution(id)).toBeUndefined();
  });

  it('stale: signed more than 5 minutes ago: 401 and no lead', async () => {
    const id = `hook-stale-${run}`;
    const body = JSON.stringify(lead(id, `Stale ${run}`));
    const res = await post(body, signed(body, String(Math.floor(Date.now() / 1000) - 6 * 60)));
    expect(res.status).toBe(401);
    expect(await stack().execution(id)).toBeUndefined();
  });

  it('replayed: the same signed post again is 401', async () => {
    const id = `hook-replay-${run}`;
    const body = JSON.stringify(lead(id, `Replay ${run}`));
    const headers = signed(body);
    expect((await post(body, headers)).status).toBe(201);
    const again = await post(body, headers);
    expect(again.status).toBe(401);
    expect(again.headers.get('www-authenticate')).not.toBeNull();
  });
});
