/**
 * The one email layout (HTML + plain text): a heading, a short intro, a lead
 * summary block, optional sections, and one button per action. Every value
 * is escaped here, so callers pass raw (lead-supplied) strings.
 */
import type { LeadProfile } from '#lib/leads/records';
import { displayText, escapeHtml, stripCrLf, truncate } from '#lib/core/html';
import { BUDGET_LABELS, SOURCE_LABELS, STAGE_LABELS, TIMELINE_LABELS, companySizeLabel, labelOf } from '#lib/leads/labels';

export interface SummaryRow {
  label: string;
  value: string | number | undefined | null;
  /** A mailto: or tel: link for the value (safeHref keeps only those). */
  href?: string;
  /** Needs a look: the value is shown bold and dark red (the value itself says why in words: colour is never the only sign). */
  alert?: boolean;
}

/** `mailto:<address>` for an email address. */
export function mailtoHref(email: string | undefined): string | undefined {
  return email ? `mailto:${encodeURIComponent(email).replace(/%40/g, '@')}` : undefined;
}

/** `tel:+4930123` for a phone number (digits and a leading + only), undefined when it has too few digits. */
export function telHref(phone: string | undefined): string | undefined {
  if (!phone) return undefined;
  const digits = phone.replace(/[^\d+]/g, '').replace(/(?!^)\+/g, '');
  return digits.replace('+', '').length >= 3 ? `tel:${digits}` : undefined;
}

/** Only mailto: and tel: links pass (built by mailtoHref/telHref). */
export function safeHref(href: string | undefined): string | undefined {
  return href && /^(mailto:[^\s<>"'`]+@[^\s<>"'`]+|tel:\+?\d+)$/.test(href) ? href : undefined;
}

export interface EmailButton {
  label: string;
  /** Absolute http(s) URL; anything else is dropped. */
  url: string;
}

export interface EmailSection {
  title: string;
  rows: SummaryRow[];
  /** Buttons shown under this section's rows (e.g. one reminder's links in a list of several). */
  buttons?: EmailButton[];
  /** Each label above its value, full width (long labels never squeeze the values on a phone). @default side by side */
  stacked?: boolean;
}

interface EmailContent {
  subject: string;
  heading: string;
  /** Plain text paragraphs (escaped). */
  paragraphs: string[];
  summary?: SummaryRow[];
  sections?: EmailSection[];
  buttons?: EmailButton[];
  footer?: string;
}

export interface RenderedEmail {
  subject: string;
  html: string;
  text: string;
}

/** Longest value shown per row in an email (code points). */
export const MAX_VALUE_CHARS = 500;

/** The lead fields leadSummary shows (besides its id). */
const SUMMARY_FIELDS = ['name', 'company', 'title', 'email', 'phone', 'country', 'industry', 'employees', 'companySize', 'budget', 'timeline', 'campaign', 'source', 'stage', 'score', 'tier', 'message'] as const;

/** What leadSummary shows of a lead, without its id: the snapshot a feedback request keeps (leadSnapshot). */
export type LeadSnapshot = Pick<LeadProfile, (typeof SUMMARY_FIELDS)[number]>;

/**
 * The lead as its summary shows it now, each text cut to what a summary row
 * shows (MAX_VALUE_CHARS), empty fields left out: stored with a feedback
 * request so its page needs no read of the lead (the request email shows the same).
 */
export function leadSnapshot(lead: LeadProfile): LeadSnapshot {
  const out: Record<string, string | number> = {};
  for (const field of SUMMARY_FIELDS) {
    const value = lead[field];
    if (value === undefined || value === null || value === '') continue;
    out[field] = typeof value === 'string' ? truncate(value, MAX_VALUE_CHARS) : value;
  }
  return out as unknown as LeadSnapshot;
}

/** The lead facts every email shows (empty ones are skipped), with human labels for its codes and mailto:/tel: links. */
export function leadSummary(lead: LeadSnapshot & Pick<LeadProfile, 'leadId'>): SummaryRow[] {
  return [
    { label: 'Lead', value: lead.name },
    { label: 'Company', value: lead.company },
    { label: 'Title', value: lead.title },
    { label: 'Email', value: lead.email, ...hrefOf(mailtoHref(lead.email)) },
    { label: 'Phone', value: lead.phone, ...hrefOf(telHref(lead.phone)) },
    { label: 'Country', value: lead.country },
    { label: 'Industry', value: lead.industry === undefined ? undefined : labelOf({}, lead.industry) },
    { label: 'Employees', value: lead.employees === undefined ? undefined : lead.employees.toLocaleString('en-GB') },
    { label: 'Company size', value: companySizeLabel(lead.companySize) },
    { label: 'Budget', value: labelOf(BUDGET_LABELS, lead.budget) },
    { label: 'Timeline', value: labelOf(TIMELINE_LABELS, lead.timeline) },
    { label: 'Campaign', value: lead.campaign },
    { label: 'Source', value: labelOf(SOURCE_LABELS, lead.source) },
    { label: 'Stage', value: labelOf(STAGE_LABELS, lead.stage) },
    { label: 'Score', value: lead.score === undefined ? undefined : `${lead.score} out of 100${lead.tier ? ` (tier ${lead.tier})` : ''}` },
    { label: 'Message', value: lead.message },
    { label: 'Lead id', value: lead.leadId },
  ];
}

function hrefOf(href: string | undefined): { href?: string } {
  return href ? { href } : {};
}

/** A row's value as HTML: escaped, cut, and a link when it has a safe mailto:/tel: href. */
export function valueHtml(row: SummaryRow): string {
  const text = escapeHtml(truncate(row.value, MAX_VALUE_CHARS));
  const href = safeHref(row.href);
  if (href) return `<a href="${escapeHtml(href)}">${text}</a>`;
  return row.alert === true ? `<strong style="color:#a4262c">${text}</strong>` : text;
}

function present(rows: SummaryRow[] | undefined): SummaryRow[] {
  return (rows ?? []).filter((r) => r.value !== undefined && r.value !== null && String(r.value) !== '');
}

function safeUrl(url: string): string | undefined {
  try {
    const parsed = new URL(url);
    return parsed.protocol === 'https:' || parsed.protocol === 'http:' ? parsed.toString() : undefined;
  } catch {
    return undefined;
  }
}

function safeButtons(buttons: EmailButton[] | undefined): EmailButton[] {
  return (buttons ?? []).flatMap((b) => {
    const url = safeUrl(b.url);
    return url ? [{ label: b.label, url }] : [];
  });
}

function buttonsHtml(buttons: EmailButton[], margin: string): string {
  if (buttons.length === 0) return '';
  return `<p style="margin:${margin}">${buttons
    .map(
      (b) =>
        `<a href="${escapeHtml(b.url)}" style="display:inline-block;margin:0 8px 8px 0;padding:13px 18px;line-height:18px;background:#1f5fbf;color:#fff;text-decoration:none;border-radius:4px;font-weight:600">${escapeHtml(b.label)}</a>`,
    )
    .join('')}</p>`;
}

function rowsHtml(rows: SummaryRow[]): string {
  return rows
    .map(
      (r) =>
        `<tr><th align="left" valign="top" style="padding:4px 12px 4px 0;color:#4a4a4a;font-weight:600">${escapeHtml(r.label)}</th>` +
        `<td dir="auto" style="padding:4px 0;white-space:pre-wrap;word-break:break-word">${valueHtml(r)}</td></tr>`,
    )
    .join('');
}

/** Rows as blocks, each label above its value. */
function stackedRowsHtml(rows: SummaryRow[]): string {
  return rows
    .map(
      (r) =>
        `<div style="margin:0 0 10px"><div style="color:#4a4a4a;font-weight:600">${escapeHtml(r.label)}</div>` +
        `<div dir="auto" style="white-space:pre-wrap;word-break:break-word">${valueHtml(r)}</div></div>`,
    )
    .join('');
}

function rowsText(rows: SummaryRow[]): string {
  return rows.map((r) => `  ${r.label}: ${stripCrLf(truncate(r.value, MAX_VALUE_CHARS))}`).join('\n');
}

/**
 * Renders the layout. The subject is stripped of CR/LF and cut to 200
 * characters; every value, in the subject and both parts, is shown through
 * core/html.ts displayText (bidi controls removed, well-formed Unicode).
 */
export function renderEmail(content: EmailContent): RenderedEmail {
  const subject = truncate(stripCrLf(content.subject), 200);
  const summary = present(content.summary);
  const sections = (content.sections ?? [])
    .map((s) => ({ title: s.title, rows: present(s.rows), buttons: safeButtons(s.buttons), stacked: s.stacked === true }))
    .filter((s) => s.rows.length > 0 || s.buttons.length > 0);
  const buttons = safeButtons(content.buttons);

  const html = [
    '<!doctype html><html lang="en"><head><meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width,initial-scale=1">',
    `<title>${escapeHtml(subject)}</title></head>`,
    '<body style="margin:0;padding:12px;font-family:Arial,Helvetica,sans-serif;font-size:15px;color:#222;background:#f6f6f6">',
    '<div style="max-width:600px;margin:0 auto;background:#fff;padding:20px;border-radius:6px">',
    `<h1 style="font-size:20px;margin:0 0 16px">${escapeHtml(content.heading)}</h1>`,
    ...content.paragraphs.map((p) => `<p dir="auto" style="margin:0 0 12px">${escapeHtml(p)}</p>`),
    buttonsHtml(buttons, '12px 0 8px'),
    summary.length > 0 ? `<h2 style="font-size:16px;margin:20px 0 8px">Lead summary</h2><table role="presentation" cellpadding="0" cellspacing="0">${rowsHtml(summary)}</table>` : '',
    ...sections.map(
      (s) =>
        `<h2 style="font-size:16px;margin:20px 0 8px">${escapeHtml(s.title)}</h2>` +
        (s.rows.length === 0 ? '' : s.stacked ? stackedRowsHtml(s.rows) : `<table role="presentation" cellpadding="0" cellspacing="0">${rowsHtml(s.rows)}</table>`) +
        buttonsHtml(s.buttons, '12px 0 0'),
    ),
    content.footer ? `<p style="margin:24px 0 0;font-size:13px;color:#595959">${escapeHtml(content.footer)}</p>` : '',
    '</div></body></html>',
  ].join('');

  // The plain-text part as shown (core/html.ts displayText: no bidi controls, well-formed), like the HTML part's escaped values.
  const text = displayText([
    content.heading,
    '',
    ...content.paragraphs.flatMap((p) => [p, '']),
    ...(buttons.length > 0 ? [...buttons.map((b) => `${b.label}: ${b.url}`), ''] : []),
    ...(summary.length > 0 ? ['Lead summary:', rowsText(summary), ''] : []),
    ...sections.flatMap((s) => [`${s.title}:`, ...(s.rows.length > 0 ? [rowsText(s.rows)] : []), ...s.buttons.map((b) => `  ${b.label}: ${b.url}`), '']),
    ...(content.footer ? ['', content.footer] : []),
  ].join('\n'));

  return { subject, html, text };
}
