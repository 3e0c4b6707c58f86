/**
 * `DELETE /leads/{id}` against the running local stack: authenticated (401
 * without a key or with a wrong one, nothing done), 400 naming `id`, 404
 * for an unknown lead; for a lead in the middle of its lifecycle, with
 * answered feedback and a reply to it, it erases the personal data: no item
 * of the whole table (scanned) holds the email, name, company, phone, title,
 * message, the team's comment or the reply's note (answered link records
 * and reply links are deleted through the lead's link pointers); it stops
 * the execution, its links (request and reply) answer 404, the anonymous
 * funnel counts stay, and it is idempotent. Other leads are untouched.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_KEY, answerLink, lead, submit, type OutboxMail } from '../e2e/harness';
import { Stack, jsonOf } from './support';

const run = Date.now().toString(36);
let stack: Stack;

beforeAll(async () => {
  stack = await Stack.start({ timeScale: 60 });
}, 150_000);

afterAll(async () => {
  if (stack !== undefined) await stack.stop();
}, 60_000);

async function del(id: string, key: string | null = API_KEY): Promise<{ status: number; body: Record<string, unknown> | undefined }> {
  const res = await fetch(`${stack.url}/leads/${encodeURIComponent(id)}`, { method: 'DELETE', headers: key === null ? {} : { authorization: `Bearer ${key}` } });
  return { status: res.status, body: jsonOf(await res.text()) };
}

async function funnelCounts(): Promise<unknown> {
  const res = await fetch(`${stack.url}/funnel`, { headers: { authorization: `Bearer ${API_KEY}` } });
  expect(res.status).toBe(200);
  const body = (await res.json()) as { stages?: { stage: string; entered?: number; count?: number }[] } & Record<string, unknown>;
  return JSON.stringify(body.stages ?? body).replace(/"(meanHoursInStage|hoursInStage|meanTimeInStage[A-Za-z]*|asOf|generatedAt)":[^,}]*/g, '');
}

describe('DELETE /leads/{id}', () => {
  const kept = { id: `keep-${run}`, company: `Kept ${run}` };
  const gone = { id: `erase-${run}`, company: `Erased Co ${run}`, name: `Ingrid Erasable ${run}`, email: `ingrid.${run}@example.org`, phone: '+49 30 901820', title: 'Head of Privacy' };
  const secret = `Ingrid said call her at home ${run}`;
  const replyNote = `Dropping Ingrid's campaign ${run}`;
  const about = (company: string) => (m: OutboxMail) => m.subject.includes(`(${company})`);

  it('refuses without a key, with a wrong key, a bad id or an unknown lead, and does nothing', async () => {
    expect((await stack.server.postLead(lead(kept.id, kept.company))).status).toBe(201);
    await stack.server.until(kept.id, 'waiting', (e) => e.currentState === 'Await qualification call');
    await stack.server.mail('call', (m) => about(kept.company)(m) && m.subject.startsWith('Qualification call'));
    const before = await stack.fingerprint();
    expect((await del(kept.id, null)).status).toBe(401);
    expect((await del(kept.id, 'wrong-key-0123456789abcdef')).status).toBe(401);
    const bad = await del('has space');
    expect(bad.status).toBe(400);
    expect(bad.body?.field).toBe('id');
    expect((await del(`nobody-${run}`)).status).toBe(404);
    expect(await stack.fingerprint()).toEqual(before);
  }, 60_000);

  it('erases personal data and team free text everywhere, stops the execution, kills the links, keeps the funnel counts', async () => {
    expect((await stack.server.postLead(lead(gone.id, gone.company, { name: gone.name, email: gone.email, phone: gone.phone, title: gone.title, message: secret }))).status).toBe(201);
    const call = await stack.server.mail('call', (m) => about(gone.company)(m) && m.subject.startsWith('Qualification call'));
    // Rated 1: flagged, so Marketing gets it at once with a reply link; Marketing replies with a note.
    expect((await submit(answerLink(call, 'book-meeting'), { answer: 'book-meeting', 'rating.lead-fit': '1', moreOf: secret, comment: secret })).status).toBe(200);
    const flagged = await stack.server.mail('flagged feedback', (m) => about(gone.company)(m) && m.subject.startsWith('Feedback from Inside Sales'));
    const replyLink = flagged.links.find((l) => new URL(l).searchParams.get('status') === 'acting-on-it') ?? '';
    expect(replyLink).toMatch(/\/feedback\//);
    expect((await submit(replyLink, { status: 'acting-on-it', note: replyNote })).status).toBe(200);
    const meeting = await stack.server.mail('meeting', (m) => about(gone.company)(m) && m.subject.startsWith('Meeting outcome'));
    await stack.server.until(gone.id, 'meeting', (e) => e.currentState === 'Await meeting outcome');
    const funnelBefore = await funnelCounts();
    const personal = [gone.email, gone.name, gone.company, gone.phone, gone.title, secret, replyNote];
    const itemsBefore = JSON.stringify(await stack.items());
    for (const v of personal) expect(itemsBefore, `present before: ${v}`).toContain(v);

    const r = await del(gone.id);
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ leadId: gone.id, erased: true, executionStopped: true });
    expect(Number(r.body?.feedbackItemsCleaned)).toBeGreaterThanOrEqual(1);
    // The call request (answered), the meeting request (pending) and the reply link.
    expect(Number(r.body?.linksDeleted)).toBeGreaterThanOrEqual(3);

    // No item of the table, of any kind, holds anything the lead supplied or the teams wrote about it.
    const after = await stack.items();
    for (const v of personal) {
      const holding = after.filter((i) => JSON.stringify(i).includes(v)).map((i) => `${String(i.pk).split('#')[0]}/${String(i.sk).split('#')[0]}`);
      expect(holding, `items still holding ${v}`).toEqual([]);
    }
    const profile = await stack.profile(gone.id);
    expect(profile).toMatchObject({ name: '(erased)', company: '(erased)', stage: 'meeting' });
    expect(typeof profile?.erasedAt).toBe('string');
    expect(profile?.score).toBeDefined();

    // The execution is stopped; its links are gone (request and reply, GET and POST alike).
    const exec = await stack.server.until(gone.id, 'stopped', (e) => e.status !== 'RUNNING');
    expect(exec.status).toBe('ABORTED');
    for (const link of [answerLink(meeting, 'held-proceed'), answerLink(call, 'book-meeting'), replyLink]) {
      const page = await fetch(link);
      expect(page.status, link).toBe(404);
      expect(await page.text()).not.toContain(gone.name);
    }
    expect((await submit(answerLink(meeting, 'held-proceed'), { answer: 'held-proceed' })).status).toBe(404);
    expect((await submit(replyLink, { status: 'acknowledged' })).status).toBe(404);

    // Anonymous funnel counts kept; erasing again is a no-op; the other lead is untouched.
    expect(await funnelCounts()).toEqual(funnelBefore);
    const again = await del(gone.id);
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ erased: false });
    expect((await stack.server.execution(kept.id))?.currentState).toBe('Await qualification call');
    const keptCall = await stack.server.mail('call', (m) => about(kept.company)(m) && m.subject.startsWith('Qualification call'));
    expect((await fetch(answerLink(keptCall, 'book-meeting'))).status).toBe(200);
  }, 90_000);
});
