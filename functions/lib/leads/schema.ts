/**
 * The edge schema of `POST /leads`: what Marketing's forms and tools may send.
 * Validation errors name the field (`{ field: 'email', message: ... }`), so a
 * form can show them next to the input.
 *
 * The lead id doubles as the execution name (Step Functions: 1-80 chars, no
 * whitespace or special characters) and as the idempotency key of the
 * submit: a client may send its own `id`; otherwise it is derived from the
 * email and campaign, so the same person submitting the same campaign form
 * twice yields one lead and one execution.
 */
import { createHash } from 'node:crypto';
import type { LeadInput, LeadProfile } from './records';
import {
  BUDGET_STATUSES,
  COMPANY_SIZE_BANDS,
  LEAD_SOURCES,
  TIMELINES,
  companySizeBand,
  type BudgetStatus,
  type CompanySizeBand,
  type LeadSource,
  type ScoringInput,
  type Timeline,
} from './scoring';
import { issueMessage } from '#lib/core/parse';
import { NOT_WELL_FORMED, isWellFormed, textProblem, toWellFormed } from '#lib/core/text';
import * as z from '#lib/core/zod';

/**
 * Largest accepted request body (bytes, as received): room for four free-text
 * fields at their limit with JSON escaping. Over it: 413. A stored lead stays
 * far below DynamoDB's 400 KB item limit, and no lead data travels in the
 * execution's payload (256 KB): its input is `{ leadId }`.
 */
export const MAX_LEAD_BODY_BYTES = 64 * 1024;

/** Free text (name, company, title, message): 10,240 UTF-16 code units, so any 10 KB value fits, in any script. */
export const FREE_TEXT_MAX = 10 * 1024;

/**
 * Client-supplied ids: letters, digits, '-' and '_', 64 characters at most
 * (leaves room for the `-x<n>` suffix of expansion leads within the
 * 80-character execution-name limit).
 */
export const LEAD_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;

const FIELD_LIMITS = {
  id: 64,
  name: FREE_TEXT_MAX,
  /** RFC 5321's path limit. */
  email: 254,
  company: FREE_TEXT_MAX,
  title: FREE_TEXT_MAX,
  industry: 100,
  campaign: 100,
  phone: 40,
  country: 2,
  message: FREE_TEXT_MAX,
  pagesViewed: 100_000,
  eventsAttended: 1_000,
  companySize: 10_000_000,
} as const;

/** Most field errors a response (and the log) lists; `errorCount` says how many there were. */
export const MAX_REPORTED_ERRORS = 20;

/**
 * The one text rule of every edge (core/text.ts): well-formed Unicode, no
 * control characters; single-line text no line breaks or tabs either.
 */
function textRule(multiLine: boolean) {
  return z.check<string>((ctx) => {
    const problem = textProblem(ctx.value, { multiLine });
    if (problem !== undefined) ctx.issues.push({ code: 'custom', message: problem, input: ctx.value });
  });
}

/** NFC, trimmed (transform), then checked. */
function normalized(checked: z.ZodMiniString<string>) {
  return z.pipe(
    z.pipe(
      z.string(),
      z.transform((s: string) => s.normalize('NFC').trim()),
    ),
    checked,
  );
}

function singleLine(max: number) {
  return normalized(
    z.string().check(
      z.minLength(1, 'must not be empty'),
      z.maxLength(max, `must be at most ${max} characters`),
      textRule(false),
    ),
  );
}

const leadBodySchema = z.strictObject({
  id: z.optional(z.string().check(z.regex(LEAD_ID_PATTERN, "must be 1-64 letters, digits, '-' or '_', starting with a letter or digit"))),
  name: singleLine(FIELD_LIMITS.name),
  email: z.pipe(
    z.pipe(
      z.string().check(z.trim(), z.maxLength(FIELD_LIMITS.email, `must be at most ${FIELD_LIMITS.email} characters`)),
      z.email('must be an email address'),
    ),
    z.transform((s: string) => s.toLowerCase()),
  ),
  company: singleLine(FIELD_LIMITS.company),
  title: z.optional(singleLine(FIELD_LIMITS.title)),
  /** Employee count, or one of the bands. Stored as the band. */
  companySize: z.optional(
    z.union([z.int().check(z.gte(1), z.lte(FIELD_LIMITS.companySize)), z.enum(COMPANY_SIZE_BANDS)], {
      error: `must be a whole number of employees or one of ${COMPANY_SIZE_BANDS.join(', ')}`,
    }),
  ),
  industry: z.optional(singleLine(FIELD_LIMITS.industry)),
  budget: z._default(z.enum(BUDGET_STATUSES, { error: `must be one of ${BUDGET_STATUSES.join(', ')}` }), 'unknown'),
  timeline: z._default(z.enum(TIMELINES, { error: `must be one of ${TIMELINES.join(', ')}` }), 'unknown'),
  source: z._default(z.enum(LEAD_SOURCES, { error: `must be one of ${LEAD_SOURCES.join(', ')}` }), 'other'),
  campaign: z.optional(singleLine(FIELD_LIMITS.campaign)),
  pagesViewed: z._default(z.int('must be a whole number').check(z.gte(0), z.lte(FIELD_LIMITS.pagesViewed)), 0),
  eventsAttended: z._default(z.int('must be a whole number').check(z.gte(0), z.lte(FIELD_LIMITS.eventsAttended)), 0),
  /** Consent to be contacted about the offer. Required, so the form must ask. */
  consent: z.boolean('must be true or false'),
  phone: z.optional(
    z.string().check(
      z.trim(),
      z.maxLength(FIELD_LIMITS.phone, `must be at most ${FIELD_LIMITS.phone} characters`),
      z.regex(/^\+?[0-9 ().-]{3,}$/, 'must be a phone number'),
    ),
  ),
  /** ISO 3166-1 alpha-2. */
  country: z.optional(
    z.pipe(
      z.string().check(z.regex(/^[A-Za-z]{2}$/, 'must be a two-letter country code')),
      z.transform((s: string) => s.toUpperCase()),
    ),
  ),
  /** What the lead wrote in the form (multi-line). */
  message: z.optional(
    normalized(
      z.string().check(
        z.maxLength(FIELD_LIMITS.message, `must be at most ${FIELD_LIMITS.message} characters`),
        textRule(true),
      ),
    ),
  ),
});

/** The accepted field names (plus 'body' for the request as a whole). */
export const LEAD_FIELDS: ReadonlySet<string> = new Set([...Object.keys(leadBodySchema.shape), 'body']);

/** A validated lead, ready to be stored. */
interface NewLead {
  id: string;
  /** Where the id came from: the client, or derived from email + campaign. */
  idSource: 'client' | 'derived';
  name: string;
  email: string;
  company: string;
  title?: string | undefined;
  companySize?: CompanySizeBand | undefined;
  /** The employee count when the form sent a number (companySize is then its band). */
  employees?: number | undefined;
  industry?: string | undefined;
  budget: BudgetStatus;
  timeline: Timeline;
  source: LeadSource;
  campaign?: string | undefined;
  pagesViewed: number;
  eventsAttended: number;
  consent: boolean;
  phone?: string | undefined;
  country?: string | undefined;
  message?: string | undefined;
}

interface FieldError {
  /** Dotted path of the offending field ('email', 'body' for the whole body). */
  field: string;
  message: string;
}

/** A refusal lists at most MAX_REPORTED_ERRORS errors; `errorCount` counts them all. */
type LeadParseResult = { ok: true; lead: NewLead } | { ok: false; errors: FieldError[]; errorCount: number };

function refused(errors: FieldError[]): LeadParseResult {
  return { ok: false, errors: errors.slice(0, MAX_REPORTED_ERRORS), errorCount: errors.length };
}

/**
 * The deterministic id of a lead without a client id: the same email and
 * campaign always map to the same id (hex of a SHA-256, 128 bits).
 */
export function deriveLeadId(email: string, campaign: string | undefined): string {
  const key = `${email.trim().toLowerCase()}\n${(campaign ?? '').trim().toLowerCase()}`;
  return `ld-${createHash('sha256').update(key, 'utf8').digest('hex').slice(0, 32)}`;
}

/** An unknown key as an error names it: its first 64 characters, well-formed. */
const keyName = (key: PropertyKey): string => toWellFormed(String(key).slice(0, 64));

function issuesToFieldErrors(issues: readonly z.core.$ZodIssue[], body: Record<string, unknown>, skip: ReadonlySet<string>): FieldError[] {
  const out: FieldError[] = [];
  for (const issue of issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) out.push({ field: keyName(key), message: 'is not a known field' });
      continue;
    }
    const field = issue.path.length === 0 ? 'body' : issue.path.map(String).join('.');
    if (skip.has(field)) continue;
    out.push({ field, message: issueMessage(issue, body) });
  }
  return out;
}

/** Validates an already JSON-parsed body. */
export function parseLead(body: unknown): LeadParseResult {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return refused([{ field: 'body', message: 'must be a JSON object' }]);
  }
  const record = body as Record<string, unknown>;
  // Text that is not well-formed Unicode (a lone surrogate) is refused in any field, named as such (not as a bad email or phone).
  const malformed = Object.keys(leadBodySchema.shape).filter((k) => Object.hasOwn(record, k) && typeof record[k] === 'string' && !isWellFormed(record[k]));
  const parsed = leadBodySchema.safeParse(body);
  if (!parsed.success || malformed.length > 0) {
    const errors = malformed.map((field) => ({ field, message: NOT_WELL_FORMED }));
    return refused([...errors, ...(parsed.success ? [] : issuesToFieldErrors(parsed.error.issues, record, new Set(malformed)))]);
  }
  const { id, companySize, ...rest } = parsed.data;
  const lead: NewLead = {
    ...rest,
    id: id ?? deriveLeadId(rest.email, rest.campaign),
    idSource: id === undefined ? 'derived' : 'client',
    companySize: typeof companySize === 'number' ? companySizeBand(companySize) : companySize,
    employees: typeof companySize === 'number' ? companySize : undefined,
  };
  return { ok: true, lead };
}

/**
 * Validates a raw HTTP body: size first (before any parsing), then JSON,
 * then the schema.
 */
export function parseLeadBody(raw: string | undefined | null, isBase64Encoded = false): LeadParseResult {
  if (raw === undefined || raw === null || raw === '') {
    return refused([{ field: 'body', message: 'is required' }]);
  }
  if (Buffer.byteLength(raw, isBase64Encoded ? 'base64' : 'utf8') > MAX_LEAD_BODY_BYTES) {
    return refused([{ field: 'body', message: `must be at most ${MAX_LEAD_BODY_BYTES} bytes` }]);
  }
  const text = isBase64Encoded ? Buffer.from(raw, 'base64').toString('utf8') : raw;
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return refused([{ field: 'body', message: 'must be valid JSON' }]);
  }
  return parseLead(json);
}

// ---- storage mapping -----------------------------------------------------
// leads/profile.ts stores the validated fields as they are; these functions are the
// only places that read them back for scoring and that mark expansions.

/** Keys under `LeadProfile.attributes` used by this pipeline. */
export const ATTRIBUTE = {
  /** 'expansion' for an expansion opportunity (open-expansion). */
  kind: 'kind',
  /** Expansion leads: the first lead of the account... */
  rootLeadId: 'rootLeadId',
  /** ...and the check-in (its answeredAt) that opened this opportunity. */
  expansionTrigger: 'expansionTrigger',
} as const;

/** The profile fields of a validated lead (for leads.putNewLead). */
export function toLeadInput(lead: NewLead): LeadInput {
  const { id: _id, ...input } = lead;
  return input; // undefined optionals are dropped by the document client (removeUndefinedValues)
}

function oneOf<T extends string>(values: readonly T[], v: unknown): T | undefined {
  return typeof v === 'string' && (values as readonly string[]).includes(v) ? (v as T) : undefined;
}

function count(v: unknown): number {
  return typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : 0;
}

/**
 * What scoring reads from a stored profile. Tolerant: a signal that is
 * missing or not one of the known values scores as unknown.
 */
export function scoringInputOf(lead: LeadProfile): ScoringInput {
  return {
    companySize:
      oneOf(COMPANY_SIZE_BANDS, lead.companySize) ??
      (typeof lead.employees === 'number' && lead.employees > 0 ? companySizeBand(lead.employees) : undefined),
    title: lead.title,
    industry: lead.industry,
    budget: oneOf(BUDGET_STATUSES, lead.budget),
    timeline: oneOf(TIMELINES, lead.timeline),
    source: oneOf(LEAD_SOURCES, lead.source),
    campaign: lead.campaign,
    pagesViewed: count(lead.pagesViewed),
    eventsAttended: count(lead.eventsAttended),
    consent: typeof lead.consent === 'boolean' ? lead.consent : undefined,
  };
}

/** True for an expansion opportunity (opened by open-expansion for an existing customer). */
export function isExpansion(lead: LeadProfile): boolean {
  return lead.attributes?.[ATTRIBUTE.kind] === 'expansion' || (lead.expansionOf !== undefined && lead.expansionOf !== '');
}
