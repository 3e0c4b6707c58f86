/**
 * No personal data or secrets in logs: the dev server runs with every
 * handler at DEBUG (AWS_LAMBDA_LOG_LEVEL, which Powertools honours over its
 * own setting, as Lambda's advanced logging controls do), a lead goes
 * through its whole lifecycle to a renewed customer, with a bad answer, a
 * second click and a bad key on the way; all the server printed is
 * searched for email addresses, task tokens, link ids, the lead's name,
 * company and phone, and the API key.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_KEY, answerLink, lead, submit, type OutboxMail } from '../e2e/harness';
import { Stack, linkIdOf } from './support';

const run = Date.now().toString(36);
let stack: Stack;
let captured = '';

beforeAll(async () => {
  stack = await Stack.start({ timeScale: 60, settings: { checkInIntervalSeconds: 60, maxCheckIns: 1 }, env: { AWS_LAMBDA_LOG_LEVEL: 'DEBUG' } });
  stack.server.child.stdout?.on('data', (b: Buffer) => (captured += b.toString()));
  stack.server.child.stderr?.on('data', (b: Buffer) => (captured += b.toString()));
}, 150_000);

afterAll(async () => {
  if (stack !== undefined) await stack.stop();
}, 60_000);

describe('logs of a full lifecycle', () => {
  it('hold no email address, task token, link id, personal data or key', async () => {
    const id = `priv-${run}`;
    const company = `Privacy Works ${run}`;
    const person = { name: `Zelda Quixote ${run}`, email: `zelda.${run}@example.org`, phone: '+44 20 7946 0958' };
    const is = (m: OutboxMail): boolean => m.subject.includes(`(${company})`);
    expect((await stack.server.postLead(lead(id, company, person))).status).toBe(201);
    expect((await stack.server.postLead(lead(`bad-${run}`, company, { email: `not-an-email-${run}` }))).status).toBe(400);
    expect((await stack.server.postLead(lead(`k-${run}`, company), 'wrong-key-0123456789abcdef')).status).toBe(401);

    const steps: [string, string, Record<string, string>][] = [
      ['Qualification call', 'book-meeting', { answer: 'book-meeting', comment: `call with ${person.email}` }],
      ['Meeting outcome', 'held-proceed', { answer: 'held-proceed' }],
      ['Deal decision', 'won', { answer: 'won', amount: '5000', currency: 'EUR', promises: 'SSO' }],
      ['Onboarding review', 'on-track', { answer: 'on-track' }],
      ['Customer check-in', 'healthy', { answer: 'healthy' }],
    ];
    for (const [subject, answer, form] of steps) {
      const mail = await stack.server.mail(subject, (m) => is(m) && m.subject.startsWith(subject), 30_000);
      const link = answerLink(mail, answer);
      expect((await submit(link, { answer: 'not-an-answer' })).status).toBe(400);
      expect((await submit(link, form)).status, subject).toBe(200);
      expect((await submit(link, form)).status, subject).toBe(409);
    }
    const done = await stack.server.until(id, 'renewed', (e) => e.status !== 'RUNNING', 60_000);
    expect(done).toMatchObject({ status: 'SUCCEEDED', stage: 'renewed' });
    await new Promise((r) => setTimeout(r, 500));

    // What must not appear: from the outbox (every address and link id) and the history (every task token).
    const mails = await stack.server.outbox();
    const addresses = new Set(mails.flatMap((m) => [...m.to, ...m.cc]));
    addresses.add(person.email);
    const linkIds = new Set(mails.flatMap((m) => m.links.filter((l) => l.includes('/feedback/')).map(linkIdOf)));
    const tokens = new Set<string>();
    for (const e of await stack.server.history(done.executionArn)) {
      const params = e.taskScheduledEventDetails?.parameters;
      const token = params === undefined ? undefined : /"taskToken"\s*:\s*"([^"]+)"/.exec(params)?.[1];
      if (token !== undefined) tokens.add(token);
    }
    expect(linkIds.size).toBeGreaterThanOrEqual(5);
    expect(tokens.size).toBeGreaterThanOrEqual(5);
    // The handlers' logs were on and captured: one line per step at least.
    for (const message of ['lead captured', 'lead rejected', 'unauthorized: wrong key', 'feedback requested', 'feedback answered', 'request rejected', 'deal won']) expect(captured, message).toContain(`"message":"${message}"`);

    const found: string[] = [];
    for (const m of captured.matchAll(/[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+/g)) found.push(`email address ${m[0]}`);
    for (const a of addresses) if (captured.includes(a)) found.push(`address ${a}`);
    for (const t of tokens) if (captured.includes(t) || captured.includes(t.slice(0, 24))) found.push('a task token');
    for (const l of linkIds) if (captured.includes(l) || captured.includes(l.slice(0, 16))) found.push('a link id');
    for (const [what, v] of [['name', person.name], ['phone', person.phone], ['API key', API_KEY]] as const) if (captured.includes(v)) found.push(what);
    console.log(`captured ${captured.length} characters of server output (${captured.split('\n').length} lines); searched for ${addresses.size} addresses, ${tokens.size} tokens, ${linkIds.size} link ids`);
    expect(found).toEqual([]);
  }, 150_000);
});
