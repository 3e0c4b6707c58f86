import { describe, expect, it } from 'vitest';
import { FREE_TEXT_MAX, MAX_LEAD_BODY_BYTES, deriveLeadId, parseLead, parseLeadBody } from '#lib/leads/schema';

const valid = {
  name: 'Ada Lovelace',
  email: 'Ada@Example.COM',
  company: 'Analytical Engines Ltd',
  title: 'CTO',
  companySize: 250,
  industry: 'Software',
  budget: 'approved',
  timeline: '1-3-months',
  source: 'webinar',
  campaign: 'spring-webinar',
  pagesViewed: 4,
  eventsAttended: 1,
  consent: true,
};

function fields(body: unknown): string[] {
  const r = parseLead(body);
  if (r.ok) throw new Error('expected a validation failure');
  return r.errors.map((e) => e.field);
}

describe('parseLead', () => {
  it('accepts a valid lead, normalises it, and derives the id from email + campaign', () => {
    const r = parseLead(valid);
    if (!r.ok) throw new Error(JSON.stringify(r.errors));
    expect(r.lead.email).toBe('ada@example.com');
    expect(r.lead.companySize).toBe('201-1000');
    expect(r.lead.idSource).toBe('derived');
    expect(r.lead.id).toBe(deriveLeadId('ada@example.com', 'spring-webinar'));
    expect(r.lead.id).toMatch(/^ld-[0-9a-f]{32}$/);
  });

  it('derives the same id for the same email + campaign, another for another campaign', () => {
    expect(deriveLeadId('A@x.io', 'c1')).toBe(deriveLeadId(' a@x.io ', 'C1'));
    expect(deriveLeadId('a@x.io', 'c1')).not.toBe(deriveLeadId('a@x.io', 'c2'));
    expect(deriveLeadId('a@x.io', undefined)).toBe(deriveLeadId('a@x.io', ''));
  });

  it('keeps a client-supplied id', () => {
    const r = parseLead({ ...valid, id: 'crm-00042' });
    expect(r.ok && r.lead.id).toBe('crm-00042');
    expect(r.ok && r.lead.idSource).toBe('client');
  });

  it('fills defaults for the optional enums and counters', () => {
    const r = parseLead({ name: 'A', email: 'a@b.co', company: 'C', consent: true });
    if (!r.ok) throw new Error('expected ok');
    expect(r.lead).toMatchObject({ budget: 'unknown', timeline: 'unknown', source: 'other', pagesViewed: 0, eventsAttended: 0 });
  });

  it('names every missing required field', () => {
    expect(fields({}).sort()).toEqual(['company', 'consent', 'email', 'name']);
    const r = parseLead({});
    expect(!r.ok && r.errors.find((e) => e.field === 'email')?.message).toBe('is required');
  });

  it('names the invalid fields', () => {
    expect(fields({ ...valid, email: 'not-an-email' })).toEqual(['email']);
    expect(fields({ ...valid, budget: 'lots' })).toEqual(['budget']);
    expect(fields({ ...valid, companySize: -3 })).toEqual(['companySize']);
    expect(fields({ ...valid, companySize: '10-20' })).toEqual(['companySize']);
    expect(fields({ ...valid, pagesViewed: 1.5 })).toEqual(['pagesViewed']);
    expect(fields({ ...valid, consent: 'yes' })).toEqual(['consent']);
    expect(fields({ ...valid, id: 'has space' })).toEqual(['id']);
    expect(fields({ ...valid, id: 'x'.repeat(65) })).toEqual(['id']);
    expect(fields({ ...valid, name: '   ' })).toEqual(['name']);
    expect(fields({ ...valid, country: 'GBR' })).toEqual(['country']);
  });

  it('rejects unknown fields by name', () => {
    expect(fields({ ...valid, isAdmin: true })).toEqual(['isAdmin']);
  });

  it('enforces field length limits: free text up to 10 KB in any script, identifiers short', () => {
    expect(FREE_TEXT_MAX).toBe(10_240);
    for (const field of ['name', 'company', 'title', 'message'] as const) {
      expect(fields({ ...valid, [field]: 'n'.repeat(FREE_TEXT_MAX + 1) }), field).toEqual([field]);
      expect(parseLead({ ...valid, [field]: 'n'.repeat(FREE_TEXT_MAX) }).ok, field).toBe(true);
      // 10 KB of UTF-8 is at most 10,240 code units: 4-byte emoji (2 units each) and 2-byte letters fit too.
      expect(parseLead({ ...valid, [field]: '🚀'.repeat(2560) }).ok, field).toBe(true);
      expect(parseLead({ ...valid, [field]: 'é'.repeat(5120) }).ok, field).toBe(true);
    }
    expect(fields({ ...valid, campaign: 'c'.repeat(101) })).toEqual(['campaign']);
    expect(fields({ ...valid, email: `${'e'.repeat(250)}@example.org` })).toEqual(['email']);
  });

  it('rejects CR/LF and control characters in single-line fields, allows newlines in message', () => {
    expect(fields({ ...valid, name: 'Eve\r\nBcc: victim@example.com' })).toEqual(['name']);
    expect(fields({ ...valid, company: 'Acme\u0000' })).toEqual(['company']);
    expect(fields({ ...valid, title: 'CEO\u2028and more' })).toEqual(['title']);
    expect(parseLead({ ...valid, message: 'line 1\nline 2' }).ok).toBe(true);
    // A textarea posts CRLF line breaks: kept as sent.
    const crlf = parseLead({ ...valid, message: 'line 1\r\nline 2\r\n\tindented' });
    expect(crlf.ok && crlf.lead.message).toBe('line 1\r\nline 2\r\n\tindented');
    expect(fields({ ...valid, message: 'form\ffeed' })).toEqual(['message']);
    expect(fields({ ...valid, message: 'bell\u0007' })).toEqual(['message']);
  });

  it('accepts non-Latin scripts and HTML-looking text as data', () => {
    const r = parseLead({ ...valid, name: '山田 太郎', company: '<script>alert(1)</script>', title: 'مدير المبيعات' });
    expect(r.ok).toBe(true);
    expect(r.ok && r.lead.company).toBe('<script>alert(1)</script>');
  });

  it('rejects a body that is not an object', () => {
    expect(fields([valid])).toEqual(['body']);
    expect(fields(null)).toEqual(['body']);
    expect(fields('lead')).toEqual(['body']);
  });
});

describe('parseLeadBody', () => {
  it('parses JSON, and base64 bodies', () => {
    expect(parseLeadBody(JSON.stringify(valid)).ok).toBe(true);
    expect(parseLeadBody(Buffer.from(JSON.stringify(valid)).toString('base64'), true).ok).toBe(true);
  });

  it('rejects a missing, malformed or oversized body as field "body"', () => {
    for (const [raw, msg] of [
      [undefined, 'is required'],
      ['{"name":', 'must be valid JSON'],
      [JSON.stringify({ ...valid, message: 'x'.repeat(MAX_LEAD_BODY_BYTES) }), `must be at most ${MAX_LEAD_BODY_BYTES} bytes`],
    ] as const) {
      const r = parseLeadBody(raw);
      expect(r.ok).toBe(false);
      expect(!r.ok && r.errors).toEqual([{ field: 'body', message: msg }]);
    }
  });
});
