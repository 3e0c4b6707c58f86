/**
 * Issue 14, the pure parts: one text rule at every edge (well-formed Unicode,
 * one control-character rule: core/text.ts), bidi controls stripped wherever a
 * value is shown (core/html.ts displayText: subjects, email bodies, digest),
 * wrong types named as such and error lists capped (leads/schema.ts,
 * core/parse.ts), strict deal amounts and ISO 4217 currencies
 * (core/currency.ts, the deal-decision form), and forms that keep only the
 * fields they rendered (feedback/steps.ts, feedback/replies.ts).
 * Through the handlers and the real local stack: lead-edge.test.ts,
 * form-body.test.ts, mailer-well-formed.test.ts, test/reliability/hostile-text.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { HAS_CONTROL_CHARACTERS, NOT_SINGLE_LINE, NOT_WELL_FORMED, isWellFormed, textProblem, toWellFormed } from '#lib/core/text';
import { displayText, escapeHtml, stripCrLf } from '#lib/core/html';
import { CURRENCIES, isCurrency, parseAmount } from '#lib/core/currency';
import { parseInput } from '#lib/core/parse';
import * as z from '#lib/core/zod';
import { MAX_REPORTED_ERRORS, parseLead } from '#lib/leads/schema';
import { FEEDBACK_STEP_DEFINITIONS, formFields, parseFeedbackForm, text } from '#lib/feedback/steps';
import { parseReplyForm } from '#lib/feedback/replies';
import { renderFormPage } from '#lib/feedback/pages';
import { renderEmail } from '#lib/mail/layout';
import { buildDigest } from '#lib/digest/content';
import { SETTINGS } from '#lib/aws/settings';
import { parseSetting } from '#lib/aws/config';

const LONE = 'Lone \ud83d Surrogate';
const BIDI = ['\u202a', '\u202b', '\u202c', '\u202d', '\u202e', '\u2066', '\u2067', '\u2068', '\u2069'];
const HAS_BIDI = /[\u202a-\u202e\u2066-\u2069]/;
const C1 = ['\u0080', '\u0085', '\u009b', '\u009f'];
const valid = { name: 'Ada Lovelace', email: 'ada@example.com', company: 'Analytical Engines', consent: true };
const META = { answeredAt: '2026-11-18T10:00:00.000Z', answeredBy: 'owner' } as const;

function errorsOf(body: unknown): { field: string; message: string }[] {
  const r = parseLead(body);
  if (r.ok) throw new Error('accepted');
  return r.errors;
}

describe('the text rule (core/text.ts)', () => {
  it('tells lone surrogates from pairs, and replaces them with U+FFFD', () => {
    expect(isWellFormed('🚀 é 山田')).toBe(true);
    expect(isWellFormed(LONE)).toBe(false);
    expect(isWellFormed('\ude80 low first')).toBe(false);
    expect(toWellFormed(LONE)).toBe('Lone \ufffd Surrogate');
    expect(toWellFormed('🚀\ud83d')).toBe('🚀\ufffd');
    expect(toWellFormed('plain')).toBe('plain');
  });

  it('is one control-character rule: C0 (but \\t \\n \\r in multi-line text), DEL and C1', () => {
    for (const c of ['\u0000', '\u0007', '\u001b', '\u007f', ...C1]) {
      expect(textProblem(`a${c}b`, { multiLine: true }), JSON.stringify(c)).toBe(HAS_CONTROL_CHARACTERS);
      expect(textProblem(`a${c}b`, { multiLine: false }), JSON.stringify(c)).toBe(NOT_SINGLE_LINE);
    }
    for (const c of ['\t', '\n', '\r\n']) {
      expect(textProblem(`a${c}b`, { multiLine: true })).toBeUndefined();
      expect(textProblem(`a${c}b`, { multiLine: false })).toBe(NOT_SINGLE_LINE);
    }
    expect(textProblem('a\u2028b', { multiLine: false })).toBe(NOT_SINGLE_LINE);
    expect(textProblem(LONE, { multiLine: true })).toBe(NOT_WELL_FORMED);
    expect(textProblem('Ω 🚀 مرحبا', { multiLine: false })).toBeUndefined();
  });
});

describe('leads: every text rule, wrong types, capped errors (item 1, 6, 7, 8)', () => {
  it('refuses a lone surrogate in any field, naming the field', () => {
    for (const field of ['name', 'company', 'title', 'industry', 'campaign', 'message', 'email', 'phone', 'country', 'id']) {
      const errors = errorsOf({ ...valid, [field]: field === 'email' ? `a\ud83d@example.com` : LONE });
      expect(errors, field).toEqual([{ field, message: NOT_WELL_FORMED }]);
    }
    // A paired surrogate (an emoji) is fine.
    expect(parseLead({ ...valid, name: 'Ada 🚀' }).ok).toBe(true);
  });

  it('an unknown key cut to 64 characters stays well-formed', () => {
    const key = `${'k'.repeat(63)}🚀`;
    const [error] = errorsOf({ ...valid, [key]: 1 });
    expect(error?.field).toBe(`${'k'.repeat(63)}\ufffd`);
    expect(isWellFormed(error?.field ?? '')).toBe(true);
  });

  it('refuses C1 control characters in single-line fields and in the message alike', () => {
    for (const c of C1) {
      expect(errorsOf({ ...valid, name: `Ada${c}` }), JSON.stringify(c)).toEqual([{ field: 'name', message: NOT_SINGLE_LINE }]);
      expect(errorsOf({ ...valid, message: `hi${c}there` }), JSON.stringify(c)).toEqual([{ field: 'message', message: HAS_CONTROL_CHARACTERS }]);
    }
  });

  it('a wrong type is "must be text", not "is required"; a missing field is required', () => {
    expect(errorsOf({ ...valid, name: 123 })).toEqual([{ field: 'name', message: 'must be text' }]);
    expect(errorsOf({ ...valid, company: null })).toEqual([{ field: 'company', message: 'must be text' }]);
    expect(errorsOf({ ...valid, email: ['a@b.co'] })).toEqual([{ field: 'email', message: 'must be text' }]);
    const { name: _n, ...noName } = valid;
    expect(errorsOf(noName)).toEqual([{ field: 'name', message: 'is required' }]);
    // A schema's own message stays.
    expect(errorsOf({ ...valid, consent: 'yes' })).toEqual([{ field: 'consent', message: 'must be true or false' }]);
    expect(errorsOf({ ...valid, pagesViewed: 'many' })).toEqual([{ field: 'pagesViewed', message: 'must be a whole number' }]);
  });

  it('parseInput (the functions\' own inputs) names wrong types the same way', () => {
    const schema = z.object({ leadId: z.string(), n: z.number(), ok: z.boolean() });
    expect(() => parseInput(schema, { leadId: 7, n: 1, ok: true })).toThrow(expect.objectContaining({ field: 'leadId', message: 'leadId: must be text' }));
    expect(() => parseInput(schema, { n: 1, ok: true })).toThrow(expect.objectContaining({ field: 'leadId', message: 'leadId: is required' }));
    expect(() => parseInput(schema, { leadId: 'x', n: 'one', ok: true })).toThrow(expect.objectContaining({ message: 'n: must be a number' }));
  });

  it('6,000 unknown keys: the first 20 listed, and the count', () => {
    const body: Record<string, unknown> = { ...valid };
    for (let i = 0; i < 6000; i += 1) body[`unknown${i}`] = 0;
    const r = parseLead(body);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.errors).toHaveLength(MAX_REPORTED_ERRORS);
    expect(r.errorCount).toBe(6000);
    expect(r.errors[0]).toEqual({ field: 'unknown0', message: 'is not a known field' });
  });
});

describe('shown values: bidi controls stripped (item 3)', () => {
  const evil = `Mallory \u202Egnp.exe\u202C Corp ${BIDI.join('')} שלום`;

  it('displayText, escapeHtml and stripCrLf drop every bidi control and keep right-to-left text', () => {
    for (const f of [displayText, escapeHtml, stripCrLf]) {
      const out = f(evil);
      expect(out).not.toMatch(HAS_BIDI);
      expect(out).toContain('שלום');
      expect(out).toContain('gnp.exe');
    }
    expect(displayText(LONE)).toBe('Lone \ufffd Surrogate');
    expect(stripCrLf('a\u0085b\u009bc')).toBe('a b c');
  });

  it('in the subject, the HTML and the text part of an email', () => {
    const mail = renderEmail({
      subject: `Qualification call for ${evil}`,
      heading: `Call ${evil}`,
      paragraphs: [`About ${evil}`],
      summary: [{ label: 'Lead', value: evil }],
      sections: [{ title: `Section ${evil}`, rows: [{ label: 'Company', value: evil }] }],
      footer: evil,
    });
    for (const part of [mail.subject, mail.html, mail.text]) expect(part).not.toMatch(HAS_BIDI);
    expect(mail.subject).toContain('Mallory gnp.exe Corp');
  });

  it('in the digest', () => {
    const digest = buildDigest({
      team: 'marketing',
      period: { start: '2026-11-16T08:00:00.000Z', end: '2026-11-23T08:00:00.000Z' },
      previousPeriod: { start: '2026-11-09T08:00:00.000Z', end: '2026-11-16T08:00:00.000Z' },
      timezone: 'UTC',
      received: [
        {
          leadId: 'lead-1', step: 'qualification-call', from: 'inside-sales', to: 'marketing', pair: 'inside-sales->marketing',
          answer: 'book-meeting', ratings: { 'lead-fit': 2 }, details: { moreOf: `More ${evil}` }, comment: evil, answeredAt: '2026-11-18T10:00:00.000Z', answeredBy: 'owner', campaign: evil,
        },
      ],
      given: [],
      leadLabel: () => evil,
    });
    expect(digest).toBeDefined();
    for (const part of [digest?.subject ?? '', digest?.html ?? '', digest?.text ?? '']) expect(part).not.toMatch(HAS_BIDI);
    expect(digest?.text).toContain('Mallory gnp.exe Corp');
  });
});

describe('deal amounts and currencies (item 4)', () => {
  it('amounts are strict decimals of at least 0.01', () => {
    const ok: [string, number][] = [['1234.56', 1234.56], ['0.01', 0.01], ['48000', 48000], ['12 500.50', 12500.5], ['1 234 567.8', 1234567.8], ['007', 7]];
    for (const [input, amount] of ok) expect(parseAmount(input), input).toEqual({ amount });
    for (const input of ['1.234,56', '1,234.56', '1,5', '0.004', '0', '0.00', '0x1F4', '1e3', '-3', '+3', '.5', '5.', '1 23', '12  500', '1_000', 'NaN', 'Infinity', '١٢٣', '1000000000000.01']) {
      expect(parseAmount(input), input).toHaveProperty('error');
    }
    expect(parseAmount('1.234,56')).toEqual({ error: expect.stringContaining('1234.56') });
  });

  it('currencies are ISO 4217, without XXX, XTS and other non-currencies', () => {
    for (const c of ['EUR', 'USD', 'JPY', 'CHF', 'XOF', 'XAF']) expect(isCurrency(c), c).toBe(true);
    for (const c of ['zzz', 'ZZZ', 'XXX', 'XTS', 'XAU', 'XDR', 'XSU', 'eur', 'EURO', '']) expect(isCurrency(c), c).toBe(false);
    expect(CURRENCIES.length).toBeGreaterThan(100);
  });

  it('the deal-decision form refuses ambiguous, tiny and hex amounts and unknown currencies, naming the field', () => {
    const won = (over: Record<string, string>) => () => parseFeedbackForm('deal-decision', { answer: 'won', amount: '1000', currency: 'EUR', ...over }, META);
    for (const amount of ['1.234,56', '0.004', '0x1F4', '0']) expect(won({ amount }), amount).toThrow(expect.objectContaining({ field: 'details.amount' }));
    for (const currency of ['zzz', 'XXX', 'XTS']) expect(won({ currency }), currency).toThrow(expect.objectContaining({ field: 'details.currency' }));
    expect(won({ amount: '1234.56', currency: 'usd' })().details).toMatchObject({ amount: 1234.56, currency: 'USD' });
  });

  it('the form offers the currencies as a list, the setting\'s default preselected', () => {
    const page = renderFormPage({ step: 'deal-decision', summary: [], deadline: 'x', answeredBy: 'owner' });
    expect(page).toContain('<select id="f-currency" name="currency">');
    expect(page).toContain('<option value="EUR" selected>EUR: Euro</option>');
    expect(page).not.toContain('value="XXX"');
    expect(page).not.toContain('value="XTS"');
    expect(page).not.toMatch(/<input[^>]*name="currency"/);
    const usd = renderFormPage({ step: 'deal-decision', summary: [], deadline: 'x', answeredBy: 'owner', defaultCurrency: 'USD' });
    expect(usd).toContain('<option value="USD" selected>');
    expect(usd).not.toContain('<option value="EUR" selected>');
  });

  it('defaultCurrency is a setting: EUR unless set, an ISO 4217 code', () => {
    expect(SETTINGS.defaultCurrency.default).toBe('EUR');
    expect(SETTINGS.defaultCurrency.env).toBe('DEFAULT_CURRENCY');
    expect(parseSetting(SETTINGS.defaultCurrency, 'USD', 'defaultCurrency')).toBe('USD');
    for (const bad of ['XXX', 'usd', 'EURO']) expect(() => parseSetting(SETTINGS.defaultCurrency, bad, 'defaultCurrency')).toThrow(/defaultCurrency/);
  });
});

describe('forms keep only the fields they rendered; one text rule (item 8)', () => {
  it('the fields of each step\'s form are the ones renderFormPage renders', () => {
    for (const def of Object.values(FEEDBACK_STEP_DEFINITIONS)) {
      const page = renderFormPage({ step: def.step, summary: [], deadline: 'x', answeredBy: 'owner' });
      const rendered = new Set([...page.matchAll(/<(?:input|select|textarea)\b[^>]*\bname="([^"]+)"/g)].map((m) => m[1]));
      expect(new Set(formFields(def)), def.step).toEqual(rendered);
    }
  });

  it('refuses an unknown field, naming it, and more values than the form has fields', () => {
    const form = { answer: 'book-meeting' };
    expect(() => parseFeedbackForm('qualification-call', { ...form, admin: 'true' }, META)).toThrow(expect.objectContaining({ field: 'admin' }));
    expect(() => parseFeedbackForm('qualification-call', { ...form, '': 'x' }, META)).toThrow(expect.objectContaining({ field: '(a field without a name)' }));
    const fields = formFields(FEEDBACK_STEP_DEFINITIONS['qualification-call']).length;
    expect(() => parseFeedbackForm('qualification-call', { ...form, comment: Array.from({ length: fields }, () => 'c') }, META)).toThrow(
      expect.objectContaining({ field: 'body', message: expect.stringContaining(`the form has ${fields}`) }),
    );
    // A repeated field within the count: named.
    expect(() => parseFeedbackForm('qualification-call', { answer: ['book-meeting', 'nurture'] }, META)).toThrow(expect.objectContaining({ field: 'answer' }));
  });

  it('comments, details and reply notes: C1 and lone surrogates refused, \\t \\n \\r kept', () => {
    for (const c of [...C1, '\u0000', '\u001b']) {
      expect(() => parseFeedbackForm('qualification-call', { answer: 'book-meeting', comment: `hi${c}there` }, META), JSON.stringify(c)).toThrow(expect.objectContaining({ field: 'comment' }));
      expect(() => parseFeedbackForm('qualification-call', { answer: 'book-meeting', moreOf: `a${c}` }, META)).toThrow(expect.objectContaining({ field: 'details.moreOf' }));
      expect(() => parseReplyForm({ status: 'acting-on-it', note: `fix${c}` }, META.answeredAt)).toThrow(expect.objectContaining({ field: 'note' }));
    }
    expect(() => text(LONE, 'comment')).toThrow(expect.objectContaining({ field: 'comment', message: `comment: ${NOT_WELL_FORMED}` }));
    expect(parseFeedbackForm('qualification-call', { answer: 'book-meeting', comment: 'line 1\r\n\tline 2' }, META).comment).toBe('line 1\r\n\tline 2');
  });

  it('the reply form keeps only status and note', () => {
    expect(() => parseReplyForm({ status: 'acknowledged', answer: 'won' }, META.answeredAt)).toThrow(expect.objectContaining({ field: 'answer' }));
    expect(() => parseReplyForm({ status: 'acknowledged', note: ['a', 'b'] }, META.answeredAt)).toThrow(expect.objectContaining({ field: 'body' }));
    expect(() => parseReplyForm({ status: ['acknowledged', 'acting-on-it'] }, META.answeredAt)).toThrow(expect.objectContaining({ field: 'status' }));
    expect(parseReplyForm({ status: 'acknowledged', note: 'ok' }, META.answeredAt)).toMatchObject({ status: 'acknowledged', note: 'ok' });
  });
});
