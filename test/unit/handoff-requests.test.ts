/**
 * The hand-off brief travels in the request that follows the hand-off: the
 * Field Sales rep gets ONE email with the brief and the meeting-outcome
 * links, the CSM ONE email with the onboarding brief and the review links,
 * and the last check-in says the renewal is due.
 */
import { SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { RequestFeedbackEvent } from '#lib/core/contracts';
import type { EmailSection } from '#lib/mail/layout';
import { FakeTable } from './support/fake-link-table';
import { HOSTILE, lambdaContext, useTestRoster } from './support/lambda-fixtures';

process.env.TABLE_NAME = 'test-table';
process.env.MAIL_FROM = 'pipeline@example.com';
process.env.PUBLIC_BASE_URL = 'https://api.example.com';

const ddbMock = mockClient(DynamoDBDocumentClient);
await useTestRoster();
const sesMock = mockClient(SESv2Client);
const { handler } = await import('../../functions/request-feedback');
const { leadKey } = await import('#lib/core/keys');
const { renderFormPage } = await import('#lib/feedback/pages');

const NOW = new Date('2026-03-03T10:00:00.000Z');
const ctx = lambdaContext('request-feedback');
let table: FakeTable;

const event = (over: Partial<RequestFeedbackEvent>): RequestFeedbackEvent => ({ leadId: 'l1', step: 'meeting-outcome', taskToken: 'TOKEN-1', timeoutSeconds: 432000, escalated: false, ...over });

function seedLead(fields: Record<string, unknown> = {}): void {
  table.put({
    ...leadKey('l1'),
    leadId: 'l1',
    name: 'Ada Lovelace',
    company: 'Analytical Engines',
    email: 'ada@example.com',
    stage: 'meeting',
    stageChangedAt: NOW.toISOString(),
    createdAt: NOW.toISOString(),
    updatedAt: NOW.toISOString(),
    score: 82,
    tier: 'A',
    owners: { 'inside-sales': 'isr1@example.com', 'field-sales': 'ae2@example.com' },
    ...fields,
  });
}

function seedCallNotes(comment: string): void {
  table.put({
    pk: 'LEAD#l1',
    sk: 'FEEDBACK#2026-03-02T10:00:00.000Z#qualification-call#marketing',
    leadId: 'l1',
    step: 'qualification-call',
    answer: 'book-meeting',
    comment,
    ratings: { 'campaign-reaction': 4 },
    answeredAt: '2026-03-02T10:00:00.000Z',
    answeredBy: 'owner',
  });
}

/** An answered request of the lead: its link item and the pointer in the lead's partition (as feedback-page leaves them). */
function seedAnswered(hash: string, step: string, addressee: string, comment: string, answeredAt: string, ratings: Record<string, number> = {}, answer = 'done'): void {
  const key = hash.padEnd(64, '0');
  table.put({ pk: 'LEAD#l1', sk: `LINK#${key}`, type: 'LINK_POINTER' });
  table.put({ pk: `LINK#${key}`, sk: 'LINK', type: 'LINK', status: 'answered', leadId: 'l1', step, addressee, answer: { step, answer, comment, ratings, details: {}, answeredAt, answeredBy: 'owner' } });
}

const sent = () => sesMock.commandCalls(SendEmailCommand).map((c) => c.args[0].input);
const answersIn = (text: string) => [...text.matchAll(/https:\/\/api\.example\.com\/feedback\/[A-Za-z0-9_-]+\?answer=([a-z-]+)/g)].map((m) => m[1]);

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(NOW);
  table = new FakeTable();
  table.install(ddbMock);
  sesMock.on(SendEmailCommand).resolves({ MessageId: 'm-1' });
});
afterEach(() => {
  ddbMock.reset();
  sesMock.reset();
  vi.useRealTimers();
});

describe('meeting-outcome request with the hand-off brief', () => {
  it('sends the rep one email: what Inside Sales learned, the score, and the meeting-outcome links', async () => {
    seedLead();
    seedCallNotes('Budget approved for Q3; the CFO signs. Wants SSO.');
    await handler(event({ reschedules: 0 }), ctx);
    expect(sent()).toHaveLength(1);
    const [mail] = sent();
    expect(mail?.Destination?.ToAddresses).toEqual(['ae2@example.com']);
    expect(mail?.Destination?.CcAddresses).toBeUndefined(); // the links are the rep's alone
    expect(mail?.Content?.Simple?.Subject?.Data).toBe('Meeting outcome for Ada Lovelace (Analytical Engines): new meeting, hand-off brief inside');
    const text = mail?.Content?.Simple?.Body?.Text?.Data ?? '';
    expect(text).toContain('Meeting hand-off from Inside Sales');
    expect(text).toContain('Budget approved for Q3; the CFO signs. Wants SSO.');
    expect(text).toContain('Book a meeting with Field Sales');
    expect(text).toContain('82 / 100, tier A');
    expect(text).toContain('questions go to isr1@example.com');
    expect(answersIn(text)).toEqual(['held-proceed', 'no-fit', 'no-show']);
  });

  it('with a booked meeting: the rep\'s request carries the invitation (METHOD:REQUEST, linking to this request); the Inside Sales owner gets it in an email of their own; an escalation carries none', async () => {
    const meeting = { start: '2026-03-10T13:00:00.000Z', end: '2026-03-10T14:00:00.000Z', timeZone: 'Europe/Berlin', sequence: 0 };
    seedLead({ meeting });
    seedCallNotes('Budget approved.');
    await handler(event({ reschedules: 0 }), ctx);
    const mails = sent();
    expect(mails.map((m) => m.Destination?.ToAddresses)).toEqual([['isr1@example.com'], ['ae2@example.com']]);
    const [owner, rep] = mails;
    expect(owner?.Content?.Simple?.Subject?.Data).toBe('Meeting booked: Ada Lovelace (Analytical Engines), Tue, 10 Mar 2026, 14:00 CET (Europe/Berlin)');
    expect(rep?.Content?.Simple?.Body?.Text?.Data).toContain('The meeting is on Tue, 10 Mar 2026, 14:00 CET (Europe/Berlin).');
    const ics = (m: typeof rep) => {
      const [a] = m?.Content?.Simple?.Attachments ?? [];
      expect(a?.ContentType).toBe('text/calendar; method=REQUEST; charset=UTF-8');
      expect(a?.FileName).toBe('meeting.ics');
      return Buffer.from(a?.RawContent ?? new Uint8Array()).toString('utf8').replace(/\r\n /g, '');
    };
    const repIcs = ics(rep);
    const ownerIcs = ics(owner);
    for (const text of [repIcs, ownerIcs]) {
      expect(text).toContain('METHOD:REQUEST');
      expect(text).toContain('UID:meeting-l1@the-model-pipeline');
      expect(text).toContain('DTSTART;TZID=Europe/Berlin:20260310T140000');
      expect(text).toContain('ATTENDEE;ROLE=REQ-PARTICIPANT;PARTSTAT=NEEDS-ACTION;RSVP=TRUE:mailto:ae2@example.com');
      expect(text).toContain('ORGANIZER:mailto:pipeline@example.com');
    }
    // Each links to this request: the rep's own link (the one in the buttons), the owner's an alias of it.
    const repLink = /URL:(\S+)/.exec(repIcs)?.[1] ?? '';
    expect(rep?.Content?.Simple?.Body?.Text?.Data).toContain(`${repLink}?answer=held-proceed`);
    expect(/URL:(\S+)/.exec(ownerIcs)?.[1]).toMatch(/^https:\/\/api\.example\.com\/feedback\/[A-Za-z0-9_-]{43}$/);
    expect(/URL:(\S+)/.exec(ownerIcs)?.[1]).not.toBe(repLink);

    sesMock.resetHistory();
    await handler(event({ reschedules: 0, escalated: true, taskToken: 'TOKEN-2' }), ctx);
    expect(sent()).toHaveLength(1);
    expect(sent()[0]?.Content?.Simple?.Attachments).toBeUndefined();
  });

  it('keeps the hand-off facts on the request: its form shows them above the ratings that ask about them', async () => {
    seedLead({ budget: 'approved', timeline: '1-3-months', title: 'CTO' });
    seedCallNotes('Budget approved for Q3; the CFO signs.');
    await handler(event({ reschedules: 0 }), ctx);
    const link = [...table.items.values()].find((i) => i['type'] === 'LINK');
    const context = link?.['context'] as EmailSection[] | undefined;
    expect(context?.map((c) => c.title)).toEqual(['Qualification', 'What Inside Sales learned on the call']);
    const page = renderFormPage({ step: 'meeting-outcome', summary: [], context, deadline: '2026-03-08T10:00:00.000Z', answeredBy: 'owner', now: NOW });
    const facts = page.indexOf('<h2>What Inside Sales learned on the call</h2>');
    expect(facts).toBeGreaterThan(page.indexOf('<h1>How did the meeting go?</h1>'));
    expect(facts).toBeLessThan(page.indexOf('Rate the hand-off'));
    expect(page).toContain('Budget approved for Q3; the CFO signs.');
    expect(page).toContain('82 / 100, tier A');
  });

  it('says which reschedule it is, and that no notes were left', async () => {
    seedLead();
    await handler(event({ reschedules: 1 }), ctx);
    const [mail] = sent();
    expect(mail?.Content?.Simple?.Subject?.Data).toMatch(/: rescheduled meeting 1, brief inside$/);
    const text = mail?.Content?.Simple?.Body?.Text?.Data ?? '';
    expect(text).toContain('reschedule number 1');
    expect(text).toContain('No notes were recorded.');
  });

  it('is sent once when the task is retried', async () => {
    seedLead();
    await handler(event({}), ctx);
    await handler(event({}), ctx);
    expect(sent()).toHaveLength(1);
  });

  it('escapes hostile lead fields and call notes in the brief and keeps them out of headers', async () => {
    seedLead({ name: HOSTILE.crlf, company: HOSTILE.script, title: HOSTILE.quotes, industry: HOSTILE.nonLatin, message: HOSTILE.long });
    seedCallNotes(`${HOSTILE.script}\r\n${HOSTILE.quotes}`);
    await handler(event({}), ctx);
    const [mail] = sent();
    const subject = mail?.Content?.Simple?.Subject?.Data ?? '';
    expect(subject).not.toMatch(/[\r\n]/);
    const html = mail?.Content?.Simple?.Body?.Html?.Data ?? '';
    expect(html).not.toContain('<script>');
    expect(html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;');
    expect(html).not.toContain('<img');
    expect(html).toContain(HOSTILE.nonLatin);
    expect(html).not.toContain(HOSTILE.long);
  });
});

describe('onboarding-review request with the CSM brief', () => {
  it('sends the CSM one email: the deal, what was promised, and the review links', async () => {
    seedLead({ stage: 'onboarding', deal: { amount: 48000, currency: 'EUR', promises: 'SSO by June', closedAt: '2026-04-01T12:00:00.000Z' }, owners: { 'field-sales': 'ae1@example.com', 'customer-success': 'csm2@example.com' } });
    await handler(event({ step: 'onboarding-review', timeoutSeconds: 604800 }), ctx);
    expect(sent()).toHaveLength(1);
    const [mail] = sent();
    expect(mail?.Destination?.ToAddresses).toEqual(['csm2@example.com']);
    expect(mail?.Content?.Simple?.Subject?.Data).toBe('Onboarding review for Ada Lovelace (Analytical Engines): new customer, onboarding brief inside');
    const text = mail?.Content?.Simple?.Body?.Text?.Data ?? '';
    expect(text).toContain('SSO by June');
    expect(text).toContain('€48,000.00');
    expect(text).toContain('Closed: Wed, 1 Apr 2026, 12:00 UTC');
    expect(text).toContain('ae1@example.com closed the deal');
    expect(answersIn(text)).toEqual(['on-track', 'needs-help', 'churned']);
  });

  it("carries Inside Sales' notes and Field Sales' comments, read back from the answered requests", async () => {
    seedLead({ stage: 'onboarding', deal: { amount: 48000, currency: 'EUR', closedAt: '2026-04-01T12:00:00.000Z' }, owners: { 'inside-sales': 'isr1@example.com', 'field-sales': 'ae1@example.com', 'customer-success': 'csm2@example.com' } });
    seedAnswered('a', 'qualification-call', 'isr1@example.com', 'CFO signs; wants SSO.', '2026-03-02T10:00:00.000Z');
    seedAnswered('b', 'meeting-outcome', 'ae1@example.com', 'Demo went well, IT joins next time.', '2026-03-10T10:00:00.000Z');
    seedAnswered('c', 'deal-decision', 'ae1@example.com', 'Signed for 40 seats; pilot team first.', '2026-04-01T12:00:00.000Z');
    await handler(event({ step: 'onboarding-review', timeoutSeconds: 604800 }), ctx);
    const text = sent()[0]?.Content?.Simple?.Body?.Text?.Data ?? '';
    expect(text).toContain('What Inside Sales learned on the call');
    expect(text).toContain('Notes: CFO signs; wants SSO.');
    expect(text).toContain('After the meeting: Demo went well, IT joins next time.');
    expect(text).toContain('With the deal: Signed for 40 seats; pilot team first.');
  });
});

describe('check-in request', () => {
  it('the last one says the renewal is due; the others do not', async () => {
    seedLead({ stage: 'customer', owners: { 'customer-success': 'csm1@example.com' } });
    await handler(event({ step: 'check-in', timeoutSeconds: 259200, renewalDue: false }), ctx);
    await handler(event({ step: 'check-in', timeoutSeconds: 259200, taskToken: 'TOKEN-2', renewalDue: true }), ctx);
    const [first, last] = sent();
    expect(first?.Content?.Simple?.Subject?.Data).toBe('Customer check-in for Ada Lovelace (Analytical Engines)');
    expect(first?.Content?.Simple?.Body?.Text?.Data).not.toContain('renewal');
    expect(last?.Content?.Simple?.Subject?.Data).toBe('Customer check-in for Ada Lovelace (Analytical Engines): last check-in, renewal due');
    expect(last?.Content?.Simple?.Body?.Text?.Data).toContain('start the renewal conversation');
  });

  it('carries the deal, its number, the previous health and the renewal date', async () => {
    seedLead({ stage: 'customer', deal: { amount: 12000, currency: 'USD', promises: 'Weekly office hours', closedAt: '2026-04-01T12:00:00.000Z' }, owners: { 'customer-success': 'csm1@example.com' } });
    seedAnswered('d', 'onboarding-review', 'csm1@example.com', '', '2026-04-20T09:00:00.000Z', {}, 'on-track');
    seedAnswered('e', 'check-in', 'csm1@example.com', '', '2026-06-20T09:00:00.000Z', { health: 4 }, 'at-risk');
    await handler(event({ step: 'check-in', timeoutSeconds: 259200, checkIn: { number: 2, of: 4, renewalAt: '2026-10-18T09:00:00.000Z' } }), ctx);
    const mail = sent()[0];
    expect(mail?.Content?.Simple?.Subject?.Data).toBe('Customer check-in for Ada Lovelace (Analytical Engines): check-in 2 of 4');
    const text = mail?.Content?.Simple?.Body?.Text?.Data ?? '';
    expect(text).toContain('Check-in: 2 of 4');
    expect(text).toContain('Previous health: At risk (health 4 / 5), Sat, 20 Jun 2026, 09:00 UTC');
    expect(text).toContain('Renewal: Sun, 18 Oct 2026, 09:00 UTC');
    expect(text).toContain('Amount: US$12,000.00');
    expect(text).toContain('What was promised: Weekly office hours');
  });

  it('leaves a customer as it is: no profile write, no stage event (share-feedback made it a customer)', async () => {
    seedLead({ stage: 'customer', reason: 'onboarded', eventSeq: 6, owners: { 'customer-success': 'csm1@example.com' } });
    await handler(event({ step: 'check-in', timeoutSeconds: 259200 }), ctx);
    expect(sent()).toHaveLength(1);
    const profile = ddbMock.calls().filter((c) => JSON.stringify((c.args[0].input as { Key?: unknown; Item?: { pk?: unknown; sk?: unknown } }).Key ?? {}).includes('PROFILE'));
    expect(profile.map((c) => c.args[0].constructor.name)).toEqual(['GetCommand']);
    expect([...table.items.keys()].some((key) => key.includes('|EVENT#'))).toBe(false);
  });
});
