/**
 * `DELETE /leads/{id}` against the running local stack: authenticated (401
 * without a key or with a wrong one, nothing done), 400 naming `id`, 404
 * for an unknown lead. A lead taken through qualification, meeting, deal and
 * onboarding review, with free text at every step (comments, the catalogue's
 * text details, a reply note), is erased while it waits for its first
 * check-in: no item of ANY table of the local stack (ListTables: the app
 * table and the engine's store, whose items hold the execution's history
 * events, inputs, outputs and variables, JSON opened up) holds any of its
 * personal values (name, email, company, phone, title, message) or any of
 * the teams' free texts about it, and no mail sent after the erasure does;
 * mails sent before it stay in the outbox, as delivered mail stays in
 * people's inboxes (README, "Erasure"). The engine's store never held them
 * in the first place: answers travel as codes. The execution is stopped, the
 * links (request and reply) answer 404, the anonymous funnel counts stay,
 * erasing again is a no-op, other leads are untouched. Then the same person
 * submitting the same campaign again is a new lead (201, the id's next
 * generation), whose execution runs, and a duplicate of that submit is 200.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_KEY, answerLink, lead, submit, type OutboxMail } from '../e2e/harness';
import { Stack, jsonOf, recordFigures, stringsIn } from './support';

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
  /** What the lead wrote in the form. */
  const secret = `Ingrid wants a demo for her home office ${run}`;
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

  /** Where each of `values` is found: every table of the local DynamoDB, every item, JSON inside strings opened up. */
  async function holdings(values: readonly string[]): Promise<Map<string, string[]>> {
    const found = new Map<string, string[]>();
    for (const table of await stack.tables()) {
      for (const item of await stack.items(table)) {
        const strings = stringsIn(item);
        for (const v of values) {
          if (strings.some((x) => x.includes(v))) found.set(v, [...(found.get(v) ?? []), `${table}: ${String(item.pk).split('#')[0]}/${String(item.sk).split('#')[0]}`]);
        }
      }
    }
    return found;
  }
  const holding = (found: Map<string, string[]>, where: (place: string) => boolean) => [...found].filter(([, places]) => places.some(where)).map(([v]) => v);

  it('erases personal data and the teams\' free text from every table, stops the execution, kills the links, keeps the funnel counts', async () => {
    const text = {
      callComment: `Ingrid said call her at home ${run}`,
      moreOf: `More webinars like Ingrid's ${run}`,
      replyNote: `Dropping Ingrid's campaign ${run}`,
      meetingComment: `Ingrid brought her deputy ${run}`,
      missing: `Ingrid's budget owner was missing ${run}`,
      dealComment: `Ingrid signed on a Sunday ${run}`,
      promises: `Ingrid was promised SSO by June ${run}`,
      reviewComment: `Ingrid is happy so far ${run}`,
      difficulties: `Ingrid struggles with the importer ${run}`,
      unkeptPromises: `Ingrid's SSO is late ${run}`,
    };
    expect((await stack.server.postLead(lead(gone.id, gone.company, { name: gone.name, email: gone.email, phone: gone.phone, title: gone.title, message: secret }))).status).toBe(201);
    const mailOf = (what: string, prefix: string) => stack.server.mail(what, (m) => about(gone.company)(m) && m.subject.startsWith(prefix), 30_000);

    const call = await mailOf('call', 'Qualification call');
    // Rated 1: flagged (every feedback is emailed at once in these tests), with a reply link; Marketing replies with a note.
    expect((await submit(answerLink(call, 'book-meeting'), { answer: 'book-meeting', 'rating.lead-fit': '1', moreOf: text.moreOf, comment: text.callComment })).status).toBe(200);
    const flagged = await mailOf('flagged feedback', 'Feedback from Inside Sales');
    const replyLink = flagged.links.find((l) => new URL(l).searchParams.get('status') === 'acting-on-it') ?? '';
    expect(replyLink).toMatch(/\/feedback\//);
    expect((await submit(replyLink, { status: 'acting-on-it', note: text.replyNote })).status).toBe(200);
    const meeting = await mailOf('meeting', 'Meeting outcome');
    expect((await submit(answerLink(meeting, 'held-proceed'), { answer: 'held-proceed', 'rating.budget-accuracy': '2', missing: text.missing, comment: text.meetingComment })).status).toBe(200);
    const deal = await mailOf('deal', 'Deal decision');
    expect((await submit(answerLink(deal, 'won'), { answer: 'won', amount: '48000', currency: 'EUR', promises: text.promises, comment: text.dealComment })).status).toBe(200);
    const review = await mailOf('onboarding review', 'Onboarding review');
    // The promises reached the CSM's brief: close-deal read them back by the answer's id.
    expect(review.text).toContain(text.promises);
    expect((await submit(answerLink(review, 'on-track'), { answer: 'on-track', 'rating.message-match': '4', difficulties: text.difficulties, unkeptPromises: text.unkeptPromises, comment: text.reviewComment })).status).toBe(200);
    await stack.server.until(gone.id, 'waiting for its check-in', (e) => e.currentState === 'Wait for next check-in');
    await mailOf('onboarding feedback', 'Feedback from Customer Success');

    const funnelBefore = await funnelCounts();
    const personal = [gone.email, gone.name, gone.company, gone.phone, gone.title, secret, ...Object.values(text)];
    expect(await stack.tables()).toEqual(expect.arrayContaining(['the-model-pipeline', 'sfn-local-engine']));
    const before = await holdings(personal);
    // Every value is stored (the scan finds it) in the app table, and none ever entered the engine's store:
    // the execution carries ids and codes only, so its history holds nothing to erase.
    expect(personal.filter((v) => !before.has(v)), 'not found before the erasure').toEqual([]);
    expect(holding(before, (p) => !p.startsWith('the-model-pipeline:')), 'outside the app table before the erasure').toEqual([]);
    await stack.server.outbox(); // syncs the outbox file
    const mailedBefore = new Set(stack.mails().map((m) => m.id));

    const r = await del(gone.id);
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ leadId: gone.id, erased: true, executionStopped: true });
    expect(Number(r.body?.feedbackItemsCleaned)).toBeGreaterThanOrEqual(4);
    // Five request links (four answered, the check-in's not yet made) and the reply links (every feedback emailed at once).
    expect(Number(r.body?.linksDeleted)).toBeGreaterThanOrEqual(5);
    const exec = await stack.server.until(gone.id, 'stopped', (e) => e.status !== 'RUNNING');
    expect(exec.status).toBe('ABORTED');

    // No item of any table, of any kind, holds anything the lead supplied or the teams wrote about it.
    const after = await holdings(personal);
    // Mail: what went out before the erasure was delivered (the outbox mirrors the inboxes: README); nothing after it names the lead.
    await stack.server.outbox();
    const mailedAfter = stack.mails().filter((m) => !mailedBefore.has(m.id));
    const inMailAfter = personal.filter((v) => mailedAfter.some((m) => stringsIn(m).some((x) => x.includes(v))));
    recordFigures({ personalValuesLeft: [...after.values()].reduce((n, places) => n + places.length, 0) + inMailAfter.length });
    expect(Object.fromEntries(after), 'items still holding personal values').toEqual({});
    expect(inMailAfter, 'mail sent after the erasure').toEqual([]);
    // The domain events (delivered elsewhere, beyond erasure) never held any of it; the erasure is one of them.
    const published = await stack.server.getJson<{ 'detail-type': string; detail: { leadId: string } }[]>('/local/events');
    expect(published.filter((e) => e.detail.leadId === gone.id).map((e) => e['detail-type'])).toContain('LeadErased.v1');
    const eventText = JSON.stringify(published);
    expect(personal.filter((v) => eventText.includes(v)), 'personal values in events').toEqual([]);
    const profile = await stack.profile(gone.id);
    expect(profile).toMatchObject({ name: '(erased)', company: '(erased)', stage: 'customer', deal: { amount: 48000, currency: 'EUR' } });
    expect(typeof profile?.erasedAt).toBe('string');
    expect(profile?.score).toBeDefined();

    // Its links are gone (request and reply, GET and POST alike).
    for (const link of [answerLink(review, 'on-track'), answerLink(call, 'book-meeting'), replyLink]) {
      const page = await fetch(link);
      expect(page.status, link).toBe(404);
      expect(await page.text()).not.toContain(gone.name);
    }
    expect((await submit(answerLink(review, 'on-track'), { answer: 'on-track' })).status).toBe(404);
    expect((await submit(replyLink, { status: 'acknowledged' })).status).toBe(404);

    // Anonymous funnel counts kept; erasing again is a no-op; the other lead is untouched.
    expect(await funnelCounts()).toEqual(funnelBefore);
    const again = await del(gone.id);
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ erased: false });
    expect((await stack.server.execution(kept.id))?.currentState).toBe('Await qualification call');
    const keptCall = await stack.server.mail('call', (m) => about(kept.company)(m) && m.subject.startsWith('Qualification call'));
    expect((await fetch(answerLink(keptCall, 'book-meeting'))).status).toBe(200);
  }, 150_000);

  it('an erased person who submits the same campaign again is a new lead: 201, a new id and execution that flow; a duplicate is 200', async () => {
    const person = { company: `Returning Co ${run}`, name: `Rita Return ${run}`, email: `rita.${run}@example.org` };
    // No client id: the id is derived from email and campaign, as for Marketing's forms.
    const { id: _none, ...form } = lead('unused', person.company, { name: person.name, email: person.email });
    const first = await stack.server.postLead(form);
    expect(first.status).toBe(201);
    const firstId = String(first.body.leadId);
    expect(firstId).toMatch(/^ld-[0-9a-f]{32}$/);
    await stack.server.mail('first call', (m) => about(person.company)(m) && m.subject.startsWith('Qualification call'));
    expect((await del(firstId)).status).toBe(200);
    await stack.server.until(firstId, 'stopped', (e) => e.status === 'ABORTED');

    const again = await stack.server.postLead(form);
    expect(again.status, JSON.stringify(again.body)).toBe(201);
    expect(again.body).toMatchObject({ leadId: `${firstId}-g2`, created: true });
    expect(String(again.body.executionArn)).toMatch(new RegExp(`:${firstId}-g2$`));
    // It flows: qualified, its request mailed, answered, on to the meeting.
    await stack.server.until(`${firstId}-g2`, 'waiting for the call', (e) => e.currentState === 'Await qualification call');
    // The state is entered before its request is mailed: wait for the mail.
    const second = await stack.server.nthMail('second call', (m) => about(person.company)(m) && m.subject.startsWith('Qualification call'), 2);
    expect(await stack.server.mails((m) => about(person.company)(m) && m.subject.startsWith('Qualification call'))).toHaveLength(2);
    expect((await submit(answerLink(second, 'book-meeting'), { answer: 'book-meeting' })).status).toBe(200);
    await stack.server.until(`${firstId}-g2`, 'meeting', (e) => e.currentState === 'Await meeting outcome');
    expect(await stack.profile(`${firstId}-g2`)).toMatchObject({ name: person.name, email: person.email, stage: 'meeting' });
    // The erased lead stays erased, its execution stopped.
    expect(await stack.profile(firstId)).toMatchObject({ name: '(erased)' });
    expect((await stack.server.execution(firstId))?.status).toBe('ABORTED');

    // The same submit again: the same new lead, no third one.
    const duplicate = await stack.server.postLead(form);
    expect(duplicate.status).toBe(200);
    expect(duplicate.body).toMatchObject({ leadId: `${firstId}-g2`, created: false });
    expect((await stack.sfnExecutions()).filter((e) => e.name?.startsWith(firstId)).map((e) => e.name).sort()).toEqual([firstId, `${firstId}-g2`]);
  }, 90_000);
});
