/**
 * Hostile input against the running local stack (`npm start`'s runtime in a
 * child process): property-based requests to POST /leads and
 * GET|POST /feedback/{id}. A rejected request is never a 5xx, names the
 * problem, and changes nothing: no item of the table, no execution (Step
 * Functions API and console JSON), no mail. Valid but hostile leads are
 * stored as given and rendered inert in every page and email.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_KEY, answerLink, lead } from '../e2e/harness';
import { FREE_TEXT_MAX, MAX_LEAD_BODY_BYTES } from '#lib/leads/schema';
import { FEEDBACK_STEP_DEFINITIONS, formFields } from '#lib/feedback/steps';
import { Stack, jsonOf, linkIdOf, poll, recordFigures, type StoredMail } from './support';

let stack: Stack;
const run = Date.now().toString(36);
let link = ''; // a pending qualification-call link (the feedback properties aim at it)
let tried = 0;
let acceptedWrongly = 0; // a 2xx for an input that must be refused

beforeAll(async () => {
  stack = await Stack.start();
  expect((await stack.server.postLead(lead(`anchor-${run}`, `Anchor ${run}`))).status).toBe(201);
  const call = await stack.server.mail('qualification call', (m) => m.subject.startsWith('Qualification call') && m.subject.includes(`Anchor ${run}`));
  link = answerLink(call, 'book-meeting');
  await stack.server.until(`anchor-${run}`, 'waiting for the call', (e) => e.currentState === 'Await qualification call');
}, 150_000);

afterAll(async () => {
  recordFigures({ inputsTried: tried, inputsAcceptedWrongly: acceptedWrongly });
  if (stack !== undefined) await stack.stop();
}, 60_000);

type Reply = { status: number; headers: Headers; text: string };

/** A rejection: 4xx, not 5xx, and a JSON body whose message (and field, when given) names the problem. */
function expectJsonRejection(r: Reply, statuses: number[]): Record<string, unknown> {
  if (r.status < 300) acceptedWrongly += 1;
  expect(r.status, r.text.slice(0, 300)).toBeLessThan(500);
  expect(statuses, `status ${r.status}: ${r.text.slice(0, 300)}`).toContain(r.status);
  const body = jsonOf(r.text);
  expect(body, r.text.slice(0, 200)).toBeDefined();
  expect(typeof body?.message).toBe('string');
  expect(String(body?.message).length).toBeGreaterThan(0);
  return body ?? {};
}

const VALID = (n: string): Record<string, unknown> => lead(`pv-${run}-${n}`, `Property ${n}`);

/** For each field, values that must be refused (each generator yields only invalid values). */
const nonString = fc.oneof(fc.integer(), fc.boolean(), fc.constant(null), fc.array(fc.string(), { maxLength: 3 }), fc.dictionary(fc.string({ maxLength: 5 }), fc.string({ maxLength: 5 }), { maxKeys: 2 }));
const nonNumber = fc.oneof(fc.string({ maxLength: 10 }), fc.boolean(), fc.constant(null), fc.array(fc.integer(), { maxLength: 2 }), fc.double({ noInteger: true, noNaN: true }));
const control = fc.constantFrom('\u0000', '\u0007', '\r', '\n', '\t', '\u001b', '\u0085', '\u2028');
const printable = fc.string({ unit: 'grapheme', minLength: 1, maxLength: 20 }).filter((s) => s.trim() !== '' && !/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/.test(s));
const singleLineBad = (max: number) =>
  fc.oneof(
    nonString,
    fc.constantFrom('', '   ', '\t'),
    fc.tuple(printable, control, printable).map(([a, c, b]) => `${a}${c}${b}`),
    fc.string({ unit: fc.constantFrom('a', 'Z', '9', 'é', ' '), minLength: max + 1, maxLength: max + 40 }).map((s) => `x${s}x`),
  );
const notIn = (prefix: string) => fc.oneof(nonString, fc.string({ maxLength: 12 }).map((s) => `${prefix}${s}`));
const FIELD_BAD: Record<string, fc.Arbitrary<unknown>> = {
  id: fc.oneof(nonString, fc.constantFrom('', '-leading', '_x', 'has space', 'a/b', 'a.b', 'ä', `x${'y'.repeat(64)}`), fc.string({ minLength: 1, maxLength: 8 }).map((s) => `id ${s}`)),
  name: singleLineBad(FREE_TEXT_MAX),
  email: fc.oneof(nonString, fc.string({ maxLength: 40 }).filter((s) => !s.includes('@')), fc.constantFrom('a@', '@b.c', 'a@b', 'a b@c.d', `${'x'.repeat(250)}@example.org`)),
  company: singleLineBad(FREE_TEXT_MAX),
  title: singleLineBad(FREE_TEXT_MAX),
  industry: singleLineBad(100),
  campaign: singleLineBad(100),
  companySize: fc.oneof(fc.constantFrom(0, -1, 10_000_001, 1.5), fc.string({ maxLength: 6 }).map((s) => `band-${s}`), fc.boolean(), fc.constant(null)),
  budget: notIn('budget-'),
  timeline: notIn('when-'),
  source: notIn('from-'),
  pagesViewed: fc.oneof(nonNumber, fc.constantFrom(-1, 100_001)),
  eventsAttended: fc.oneof(nonNumber, fc.constantFrom(-1, 1_001)),
  consent: fc.oneof(fc.string({ maxLength: 5 }), fc.integer(), fc.constant(null), fc.array(fc.boolean(), { maxLength: 2 })),
  phone: fc.oneof(nonString, fc.constantFrom('', 'call me', '12', '+1 (555) 0100 ext. 7', `+${'1'.repeat(41)}`)),
  country: fc.oneof(nonString, fc.constantFrom('', 'U', 'USA', '12', 'U1', 'ü')),
  message: fc.oneof(
    nonString,
    fc.tuple(printable, fc.constantFrom('\u0000', '\u0007', '\u001b', '\u000b', '\u000c'), printable).map(([a, c, b]) => `${a}${c}${b}`),
    fc.constant('m'.repeat(FREE_TEXT_MAX + 1)),
  ),
};
const KNOWN = new Set(Object.keys(FIELD_BAD));

describe('POST /leads', () => {
  it('arbitrary bodies, encodings and content types: 400 naming the body or a field (415 for other content types), nothing changed', async () => {
    const before = await stack.fingerprint();
    const bodies = fc.oneof(
      fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v) ?? 'null'),
      fc.string({ unit: 'binary', maxLength: 300 }),
      fc.uint8Array({ maxLength: 300 }),
      fc.dictionary(fc.string({ maxLength: 12 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 8 }).map((o) => JSON.stringify(o)),
      fc.constantFrom('', '{', '[]', 'null', '"lead"', '{"name":', '\uFEFF{}', '{"__proto__":{"admin":true}}', '{"constructor":{"prototype":{"x":1}}}'),
    );
    const contentTypes = fc.constantFrom('application/json', 'application/json; charset=utf-16', 'text/plain', 'application/x-www-form-urlencoded', 'application/octet-stream', 'multipart/form-data; boundary=x', '');
    await fc.assert(
      fc.asyncProperty(bodies, contentTypes, async (body, contentType) => {
        tried += 1;
        const r = await stack.postLeadBody(body, contentType === '' ? {} : { 'content-type': contentType });
        // JSON only: another content type (or a JSON body declared as one) is 415 before the body is read.
        const isJson = contentType === 'application/json' || contentType === ''; // '': postLeadBody's application/json
        const json = expectJsonRejection(r, isJson ? [400] : [415]);
        expect(typeof json.field).toBe('string');
        // A 415 names the content type.
        expect(isJson || json.field === 'content-type', `field ${json.field}`).toBe(true);
        expect(Array.isArray(json.errors)).toBe(true);
      }),
      { numRuns: 150 },
    );
    expect(await stack.fingerprint()).toEqual(before);
  }, 120_000);

  it('a valid lead with one field made invalid: 400 whose errors name that field, nothing changed', async () => {
    const fields = fc.constantFrom(...Object.keys(FIELD_BAD));
    const mutation = fields.chain((field) => (FIELD_BAD[field] as fc.Arbitrary<unknown>).map((value) => ({ field, value })));
    const unknownKey = fc.string({ minLength: 1, maxLength: 30 }).filter((k) => !KNOWN.has(k) && k !== '__proto__').map((field) => ({ field, value: 'x' as unknown, unknown: true }));
    let n = 0;
    await fc.assert(
      fc.asyncProperty(fc.oneof({ arbitrary: mutation, weight: 9 }, { arbitrary: unknownKey, weight: 1 }), async ({ field, value }) => {
        tried += 1;
        n += 1;
        const before = await stack.fingerprint();
        const body = { ...VALID(String(n)), [field]: value };
        const r = await stack.postLeadBody(JSON.stringify(body));
        const json = expectJsonRejection(r, [400]);
        const named = (json.errors as { field: string; message: string }[]).map((e) => e.field);
        expect(named, `${field}=${JSON.stringify(value)?.slice(0, 80)}`).toContain(field.slice(0, 64));
        expect(String(json.message)).toContain(field.slice(0, 64));
        expect(await stack.fingerprint()).toEqual(before);
      }),
      { numRuns: 120 },
    );
  }, 120_000);

  it(`bodies over the ${MAX_LEAD_BODY_BYTES / 1024} KB limit get 413 naming the body; over 1 MB too; nothing changed`, async () => {
    const before = await stack.fingerprint();
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: MAX_LEAD_BODY_BYTES + 1, max: 4 * MAX_LEAD_BODY_BYTES }), fc.boolean(), async (size, asForm) => {
        tried += 1;
        const filler = 'x'.repeat(Math.max(0, size - JSON.stringify(VALID('big')).length - 20));
        const body = JSON.stringify({ ...VALID('big'), message: filler }).padEnd(size, ' ');
        const r = await stack.postLeadBody(body, asForm ? { 'content-type': 'application/x-www-form-urlencoded' } : {});
        const json = expectJsonRejection(r, [413]);
        expect(String(json.message)).toMatch(/body|too large/i);
      }),
      { numRuns: 10 },
    );
    const huge = await stack.postLeadBody('{"name":"' + 'x'.repeat(1024 * 1024 + 10) + '"}');
    tried += 1;
    expectJsonRejection(huge, [413]);
    expect(await stack.fingerprint()).toEqual(before);
  }, 60_000);

  it('other methods, no key or the wrong route: never a 5xx and nothing changed', async () => {
    const before = await stack.fingerprint();
    await fc.assert(
      fc.asyncProperty(fc.constantFrom('GET', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'HEAD'), fc.constantFrom('/leads', '/leads/', '/leads/x', '/LEADS', '/leads?x=1'), async (method, path) => {
        tried += 1;
        const r = await stack.postRaw(path, { method, headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' }, ...(method === 'GET' || method === 'HEAD' ? {} : { body: JSON.stringify(VALID('m')) }) });
        expect(r.status, `${method} ${path}`).toBeGreaterThanOrEqual(400);
        expect(r.status, `${method} ${path}`).toBeLessThan(500);
        // HEAD: the status without a body.
        expect(method === 'HEAD' ? r.text : jsonOf(r.text)?.message, r.text).toMatch(method === 'HEAD' ? /^$/ : /not found|method/i);
      }),
      { numRuns: 30 },
    );
    expect(await stack.fingerprint()).toEqual(before);
  }, 60_000);
});

const PAGE_STATUSES = [400, 404, 405, 409, 410, 413];
/** The fields of the qualification-call form (the anchor link's): anything else is refused, named. */
const FORM_FIELDS = new Set(formFields(FEEDBACK_STEP_DEFINITIONS['qualification-call']));
const unescapeHtml = (s: string | undefined): string | undefined =>
  s?.replace(/&(amp|lt|gt|quot|#39|#96);/g, (_, e: string) => ({ amp: '&', lt: '<', gt: '>', quot: '"', '#39': "'", '#96': '`' })[e] ?? '');

describe('GET|POST /feedback/{id}', () => {
  it('arbitrary, guessed, truncated and mutated ids: 404 page for GET, HEAD and POST, nothing changed', async () => {
    const real = linkIdOf(link);
    const before = await stack.fingerprint();
    const mutate = fc.tuple(fc.nat({ max: real.length - 1 }), fc.constantFrom(...'ABCxyz019-_')).map(([i, c]) => {
      const s = real.slice(0, i) + c + real.slice(i + 1);
      return s === real ? `${real}x` : s;
    });
    const ids = fc.oneof(
      fc.string({ minLength: 1, maxLength: 80 }).map((s) => encodeURIComponent(s)),
      fc.string({ unit: 'binary', minLength: 1, maxLength: 60 }).map((s) => encodeURIComponent(s)),
      fc.nat({ max: real.length - 1 }).map((n) => real.slice(0, n + 1 === real.length ? n : n + 1)),
      mutate,
      fc.uint8Array({ minLength: 32, maxLength: 32 }).map((b) => Buffer.from(b).toString('base64url')),
      // (no dot segments: clients resolve them before sending)
      fc.constantFrom('%', '%zz', '.x', `${real}%00`, `${real}/`, real.toUpperCase(), `${real}%20`),
    );
    await fc.assert(
      fc.asyncProperty(ids, fc.constantFrom('GET', 'HEAD', 'POST'), async (id, method) => {
        tried += 1;
        const r = await stack.postRaw(`/feedback/${id}`, { method, headers: { 'content-type': 'application/x-www-form-urlencoded' }, ...(method === 'POST' ? { body: 'answer=book-meeting' } : {}) });
        expect(r.status, `${method} /feedback/${id}: ${r.text.slice(0, 200)}`).toBe(404);
        expect(r.text).toMatch(method === 'HEAD' ? /^$/ : /not found/i);
      }),
      { numRuns: 200 },
    );
    expect(await stack.fingerprint()).toEqual(before);
  }, 120_000);

  it('arbitrary forms, encodings and content types on a real link: 4xx naming the field, never answered', async () => {
    const u = new URL(link);
    const path = u.pathname;
    const before = await stack.fingerprint();
    const historyBefore = (await stack.server.history((await stack.server.execution(`anchor-${run}`))?.executionArn ?? '')).length;
    const answers = fc.constantFrom('book-meeting', 'nurture', 'disqualify');
    const forms = fc.oneof(
      // No valid answer at all; a field the form did not render is named first.
      fc.dictionary(fc.string({ maxLength: 12 }), fc.string({ maxLength: 40 }), { maxKeys: 6 }).map((d) => {
        const entries = Object.entries(d).filter(([k]) => k !== 'answer');
        const unknown = entries.map(([k]) => k).filter((k) => !FORM_FIELDS.has(k));
        return { form: new URLSearchParams(entries).toString(), field: 'answer', unknown: unknown.map((k) => (k.trim() === '' ? '(a field without a name)' : k)) };
      }),
      fc.string({ maxLength: 40 }).filter((a) => !['book-meeting', 'nurture', 'disqualify'].includes(a.trim())).map((a) => ({ form: new URLSearchParams({ answer: a }).toString(), field: 'answer' })),
      // A valid answer with an invalid rating, detail or comment.
      fc.tuple(answers, fc.string({ maxLength: 5 }).filter((s) => !/^\s*[1-5]\s*$/.test(s) && s.trim() !== '')).map(([a, r]) => ({ form: new URLSearchParams({ answer: a, reasonCode: 'no-need', 'rating.lead-fit': r }).toString(), field: 'ratings.lead-fit' })),
      fc.constantFrom('nurture', 'disqualify').map((a) => ({ form: new URLSearchParams({ answer: a }).toString(), field: 'details.reasonCode' })),
      fc.tuple(answers, fc.string({ maxLength: 10 })).map(([a, r]) => ({ form: new URLSearchParams({ answer: a, reasonCode: `zz-${r}` }).toString(), field: a === 'book-meeting' ? 'comment' : 'details.reasonCode' })).map((x) => (x.field === 'comment' ? { ...x, form: `${x.form}&comment=${'c'.repeat(2001)}` } : x)),
      answers.map((a) => ({ form: `answer=${a}&answer=${a}`, field: 'answer' })),
      fc.tuple(answers, fc.constantFrom('\u0000', '\u0007', '\u001b')).map(([a, c]) => ({ form: new URLSearchParams({ answer: a, reasonCode: 'no-need', comment: `hi${c}there` }).toString(), field: 'comment' })),
    );
    const encodings = fc.constantFrom('application/x-www-form-urlencoded', 'application/x-www-form-urlencoded; charset=utf-8', 'text/plain', 'application/json', 'multipart/form-data; boundary=zz', '');
    await fc.assert(
      fc.asyncProperty(forms, encodings, async ({ form, field, unknown }: { form: string; field: string; unknown?: string[] }, contentType) => {
        tried += 1;
        const body = contentType === 'application/json' ? JSON.stringify(Object.fromEntries(new URLSearchParams(form))) : form;
        const r = await stack.postRaw(path, { method: 'POST', headers: contentType === '' ? {} : { 'content-type': contentType }, body });
        expect(r.status, `${contentType} ${form.slice(0, 100)}: ${r.text.slice(0, 300)}`).toBeLessThan(500);
        expect(PAGE_STATUSES).toContain(r.status);
        expect(r.status).toBe(400);
        expect(r.headers.get('content-type')).toMatch(/^text\/html/);
        // The error page names the field (for well-formed forms, the one we broke).
        const named = unescapeHtml(/data-field="([^"]*)"/.exec(r.text)?.[1]);
        expect(named, r.text.slice(0, 300)).toBeDefined();
        // A form: the unknown field if one was added, else the field we broke; another encoding: the body (or the answer, or that field).
        const urlencoded = contentType.startsWith('application/x-www-form-urlencoded');
        const expected = !urlencoded ? ['body', 'answer', field] : unknown !== undefined && unknown.length > 0 ? unknown : [field];
        expect(expected).toContain(named);
      }),
      { numRuns: 150 },
    );
    expect(await stack.fingerprint()).toEqual(before);
    expect((await stack.server.history((await stack.server.execution(`anchor-${run}`))?.executionArn ?? '')).length).toBe(historyBefore);
    expect((await stack.server.execution(`anchor-${run}`))?.currentState).toBe('Await qualification call');
  }, 120_000);

  it('other methods and oversized forms: 405 or 413, never a 5xx, nothing changed', async () => {
    const path = new URL(link).pathname;
    const before = await stack.fingerprint();
    for (const method of ['PUT', 'PATCH', 'DELETE', 'OPTIONS']) {
      tried += 1;
      const r = await stack.postRaw(path, { method, body: 'answer=book-meeting' });
      expect([404, 405], `${method}: ${r.status}`).toContain(r.status);
    }
    tried += 1;
    const big = await stack.postRaw(path, { headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `answer=book-meeting&comment=${'x'.repeat(1024 * 1024 + 10)}` });
    expect(big.status).toBe(413);
    expect(await stack.fingerprint()).toEqual(before);
  }, 60_000);
});

// Markup, quotes, template syntax, right-to-left text and emoji: valid, stored as given, inert everywhere.
const HOSTILE = {
  name: `<script>alert("n")</script> O'Brien "Bob" & Co`,
  company: `<img src=x onerror=alert(1)> \u202Eevil\u202C שלום עולם 🚀👩‍💻 ${run}`,
  title: `"><svg onload=alert(2)>`,
  industry: "{{7*7}} ${7*7} <%= 7*7 %> ' OR '1'='1",
  campaign: `javascript:alert(3)//<a href="javascript:x">`,
  phone: '+1 (555) 010-0199',
  message: `Line one <b>bold</b>\nSubject: injected\nBcc: victim@example.net\n\n<iframe src="https://evil.example"></iframe>\t🙂 مرحبا ${'é🚀'.repeat(600)}`,
};
/** Bidi embeddings, overrides and isolates: stripped wherever a value is shown (functions/lib/core/html.ts displayText). */
const BIDI_CONTROLS = /[\u202a-\u202e\u2066-\u2069]/;
const BIDI_CONTROLS_ALL = /[\u202a-\u202e\u2066-\u2069]/g;
const RAW_MARKERS = ['<script>', '<img src=x', '<svg onload', '<iframe', '<b>bold</b>', '<a href="javascript:x">'];

function expectInert(where: string, html: string): void {
  for (const m of RAW_MARKERS) expect(html.includes(m), `${where} contains raw ${m}`).toBe(false);
}

describe('hostile but valid leads', () => {
  it('are stored as given and rendered inert in every page and email', async () => {
    const id = `hostile-${run}`;
    const posted = await stack.server.postLead(lead(id, HOSTILE.company, { ...HOSTILE, email: `hostile.${run}@example.org` }));
    tried += 1;
    expect(posted.status, JSON.stringify(posted.body)).toBe(201);
    const profile = await stack.profile(id);
    for (const [k, v] of Object.entries(HOSTILE)) expect(profile?.[k], k).toBe(v);

    const mail = await poll('the qualification call mail', async () => {
      await stack.server.outbox();
      return stack.mails().find((m) => m.subject.startsWith('Qualification call') && m.subject.includes(run) && m.subject.includes('שלום'));
    });
    // Headers: no CR/LF can start a new header (subject and recipients are single lines).
    expect(mail.subject).not.toMatch(/[\r\n]/);
    for (const to of [...mail.to, ...mail.cc]) expect(to).not.toMatch(/[\r\n]/);
    expectInert('request email HTML', mail.html);
    expect(mail.html).toContain('&lt;script&gt;alert(&quot;n&quot;)&lt;/script&gt; O&#39;Brien &quot;Bob&quot; &amp; Co');
    expect(mail.html).toContain('&lt;img src=x onerror=alert(1)&gt;');
    // Every link is the app's http(s) link, or a mailto:/tel: built from the lead's validated email and phone (layout.ts safeHref).
    for (const href of mail.html.matchAll(/href\s*=\s*"([^"]*)"/gi)) expect(href[1], 'every link in the mail is http(s), mailto: or tel:').toMatch(/^(https?:\/\/|mailto:[^\s<>"'`]+@[^\s<>"'`]+$|tel:\+?\d+$)/);
    // Plain text keeps the value readable, as typed.
    expect(mail.text).toContain(HOSTILE.name);
    // The company's U+202E (right-to-left override) reverses nothing: no bidi control in the subject or either part.
    for (const part of [mail.subject, mail.html, mail.text]) expect(part).not.toMatch(BIDI_CONTROLS);
    expect(mail.subject).toContain('evil שלום עולם');

    // The feedback page of that mail, and the console pages.
    const pages: [string, string][] = [['feedback form', new URL(answerLink({ ...mail, links: mail.links }, 'book-meeting')).pathname + '?answer=book-meeting']];
    for (const p of ['/', `/executions/${id}`, '/stages', '/outbox', '/team-feedback', '/funnel-view']) pages.push([`console ${p}`, p]);
    for (const [what, path] of pages) {
      const res = await fetch(`${stack.url}${path}`);
      expect(res.status, what).toBe(200);
      const html = await res.text();
      expectInert(what, html);
      expect(html, what).not.toMatch(BIDI_CONTROLS);
    }
    const form = await (await fetch(`${stack.url}${pages[0]?.[1] ?? ''}`)).text();
    expect(form).toContain('&lt;script&gt;alert(&quot;n&quot;)&lt;/script&gt;');

    // Hostile feedback is inert too: answer with markup, read it in the mail to Marketing.
    const answered = await fetch(`${stack.url}${new URL(answerLink({ ...mail, links: mail.links }, 'book-meeting')).pathname}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ answer: 'book-meeting', moreOf: '<script>alert("more")</script>', comment: `<img src=x onerror=alert(1)>\n"quoted" & 'single'` }).toString(),
    });
    expect(answered.status).toBe(200);
    expectInert('confirmation page', await answered.text());
    const toMarketing = await poll('feedback mail to Marketing', async () => {
      await stack.server.outbox();
      return stack.mails().find((m) => m.subject.startsWith('Feedback from Inside Sales') && m.subject.includes(run) && m.subject.includes('שלום'));
    });
    expectInert('feedback email HTML', toMarketing.html);
    expect(toMarketing.html).toContain('&lt;script&gt;alert(&quot;more&quot;)&lt;/script&gt;');
    const teamPage = await (await fetch(`${stack.url}/team-feedback`)).text();
    expectInert('console /team-feedback after feedback', teamPage);
    expect(teamPage).not.toContain('<script>alert("more")');
  }, 90_000);

  it('10 KB fields with markup, quotes, CR/LF, right-to-left text and emoji: stored byte for byte, inert in every page and email', async () => {
    const id = `hostile10k-${run}`;
    const marker = `TenK${run}`;
    const fields = {
      name: tenKb(`<script>alert("n")</script> O'Brien "Bob" & \u202Eevil\u202C שלום 🚀👩‍💻 `, `${marker} `),
      company: tenKb(`<img src=x onerror=alert(1)> مرحبا "quoted" & 'single' ❤️ `),
      message: tenKb(`Line <b>bold</b>\r\nBcc: victim@example.net\r\n<iframe src="https://evil.example"></iframe>\t🙂 `),
    };
    for (const [k, v] of Object.entries(fields)) {
      expect(Buffer.byteLength(v), k).toBeGreaterThan(10_000);
      expect(v.length, k).toBeLessThanOrEqual(FREE_TEXT_MAX);
    }
    const posted = await stack.server.postLead(lead(id, fields.company, { ...fields, email: `ten.k.${run}@example.org` }));
    tried += 1;
    expect(posted.status, JSON.stringify(posted.body).slice(0, 300)).toBe(201);
    const profile = await stack.profile(id);
    for (const [k, v] of Object.entries(fields)) expect(Buffer.from(String(profile?.[k])).equals(Buffer.from(v)), `${k} stored byte for byte`).toBe(true);

    const mail = await poll('the 10 KB lead\'s request mail', async () => {
      await stack.server.outbox();
      return stack.mails().find((m) => m.subject.startsWith('Qualification call') && m.text.includes(marker));
    });
    expect(mail.subject).not.toMatch(/[\r\n]/);
    expectInert('10 KB lead: request email HTML', mail.html);
    expect(mail.html).toContain('&lt;script&gt;alert(&quot;n&quot;)&lt;/script&gt; O&#39;Brien');
    // Mails show the start of a long value, as typed but for bidi controls (the stored lead keeps all of it).
    expect(mail.text).toContain(fields.name.slice(0, 200).replace(BIDI_CONTROLS_ALL, ''));
    for (const part of [mail.subject, mail.html, mail.text]) expect(part).not.toMatch(BIDI_CONTROLS);
    await expectPagesInert(id, mail);
  }, 90_000);
});

/** A prefix, then a hostile unit repeated up to just under 10 KB of UTF-8 (ends trimmed, as the form's values are). */
function tenKb(unit: string, prefix = ''): string {
  let out = prefix;
  while (Buffer.byteLength(out + unit) <= 10 * 1024) out += unit;
  return out.trim();
}

/** The feedback form of the mail's first link and every console page: 200, nothing raw. */
async function expectPagesInert(leadId: string, mail: StoredMail): Promise<void> {
  const first = mail.links.find((l) => l.includes('/feedback/'));
  expect(first).toBeDefined();
  const u = new URL(first ?? '');
  const pages = [`${u.pathname}${u.search}`, '/', `/executions/${leadId}`, '/stages', '/outbox', '/team-feedback', '/funnel-view'];
  for (const path of pages) {
    const res = await fetch(`${stack.url}${path}`);
    expect(res.status, path).toBe(200);
    const html = await res.text();
    expectInert(path, html);
    expect(html, path).not.toMatch(BIDI_CONTROLS);
  }
}
