/**
 * `DELETE /leads/{id}` against the running local stack: authenticated (401
 * without a key, 401 with a wrong one, nothing done), 400 naming `id`, 404
 * for an unknown lead; for a lead in the middle of its lifecycle it erases
 * the personal data (no item of the table holds the email, name, phone,
 * title or message; the team's free text about the lead is gone from the
 * profile and feedback items, and kept only in answered link records until
 * their TTL), stops the execution, makes its feedback
 * links 410, keeps the anonymous funnel counts, and is idempotent. Other
 * leads are untouched.
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

  it('erases personal data, stops the execution, invalidates the links, keeps the funnel counts', async () => {
    expect((await stack.server.postLead(lead(gone.id, gone.company, { name: gone.name, email: gone.email, phone: gone.phone, title: gone.title, message: secret }))).status).toBe(201);
    const call = await stack.server.mail('call', (m) => about(gone.company)(m) && m.subject.startsWith('Qualification call'));
    expect((await submit(answerLink(call, 'book-meeting'), { answer: 'book-meeting', moreOf: secret, comment: secret })).status).toBe(200);
    const meeting = await stack.server.mail('meeting', (m) => about(gone.company)(m) && m.subject.startsWith('Meeting outcome'));
    await stack.server.until(gone.id, 'meeting', (e) => e.currentState === 'Await meeting outcome');
    const funnelBefore = await funnelCounts();
    const itemsBefore = JSON.stringify(await stack.items());
    for (const v of [gone.email, gone.name, gone.phone, secret]) expect(itemsBefore, 'present before').toContain(v);

    const r = await del(gone.id);
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ leadId: gone.id, erased: true, executionStopped: true });
    expect(Number(r.body?.feedbackItemsCleaned)).toBeGreaterThanOrEqual(1);

    // Nothing the lead supplied is left in any item. Free text the team wrote about the lead is gone from
    // the profile and the feedback items; the answered link records keep it until their TTL (deadline + 30 days).
    const after = await stack.items();
    const itemsAfter = JSON.stringify(after);
    for (const v of [gone.email, gone.name, gone.phone, gone.title]) expect(itemsAfter.includes(v), v).toBe(false);
    const withText = after.filter((i) => JSON.stringify(i).includes(secret));
    expect(withText.map((i) => String(i.pk).split('#')[0])).toEqual(['LINK']);
    for (const i of withText) expect(Number(i.expiresAt) * 1000).toBeLessThanOrEqual(Date.parse(String(i.deadline)) + 31 * 86_400_000);
    const profile = await stack.profile(gone.id);
    expect(profile).toMatchObject({ name: '(erased)', company: '(erased)', stage: 'meeting' });
    expect(typeof profile?.erasedAt).toBe('string');
    expect(profile?.score).toBeDefined();

    // The execution is stopped; its links are gone, GET and POST alike.
    const exec = await stack.server.until(gone.id, 'stopped', (e) => e.status !== 'RUNNING');
    expect(exec.status).toBe('ABORTED');
    const page = await fetch(answerLink(meeting, 'held-proceed'));
    expect(page.status).toBe(410);
    expect(await page.text()).not.toContain(gone.name);
    expect((await submit(answerLink(meeting, 'held-proceed'), { answer: 'held-proceed' })).status).toBe(410);

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
