/**
 * Server-rendered pages of `GET|POST /feedback/{id}`: the form, the
 * confirmation, the reply form and its confirmation (reply links), and the
 * 400/404/409/410/5xx pages (a form with an error comes back as the form,
 * GOV.UK error pattern). No scripts; inline styles only (CSP: default-src
 * 'none'; style-src 'unsafe-inline'): the answer's own fields show through CSS :has.
 * Every lead-supplied or submitted value is escaped.
 */
import type { FeedbackAnswer } from '#lib/core/contracts';
import type { EmailSection, SummaryRow } from '#lib/mail/layout';
import { valueHtml } from '#lib/mail/layout';
import { Conflict, Gone, ValidationError } from '#lib/core/errors';
import { type DetailQuestion, type FeedbackStepDefinition, type FormBody, MAX_MEETING_AHEAD_DAYS, TEAM_NAMES, answerLabel, answerSummaryRows, stepDefinition, MAX_TEXT } from './steps';
import { type FeedbackItem, type FeedbackReply, REPLY_STATUSES, REPLY_STATUS_LABELS } from './records';
import { escapeHtml, truncate } from '#lib/core/html';
import { COMMON_TIME_ZONES, formatDateTime, formatDeadline, isTimeZone } from '#lib/core/format';
import { CURRENCIES, currencyLabel, isCurrency } from '#lib/core/currency';
import { type HttpResult, html } from '#lib/aws/http';
import { setting } from '#lib/aws/settings';

const STYLE = `
body{margin:0;padding:12px;font-family:system-ui,-apple-system,Segoe UI,Roboto,Arial,sans-serif;font-size:17px;line-height:1.4;color:#1a1a1a;background:#f3f3f3}
main{max-width:680px;margin:0 auto;background:#fff;padding:16px 16px 24px;border-radius:8px}
h1{font-size:26px;line-height:1.2;margin:0 0 8px} h2{font-size:19px;margin:24px 0 8px}
.caption{display:block;color:#505050;font-size:16px;margin:0 0 4px}
.facts{margin:0 0 8px} .facts a{color:#1d4fa0}
.due{margin:0 0 12px;color:#505050;font-size:15px}
table{border-collapse:collapse} th{text-align:left;vertical-align:top;padding:4px 12px 4px 0;color:#4a4a4a;font-weight:600}
td{padding:4px 0;white-space:pre-wrap;word-break:break-word}
fieldset{border:0;margin:0 0 16px;padding:0;min-width:0}
legend{font-weight:600;padding:0;margin:0 0 8px} legend h1{margin:0}
.field{margin:0 0 16px} .field>label{display:block;font-weight:600;margin:0 0 4px}
.choice{display:flex;align-items:center;gap:12px;min-height:48px;margin:0 0 8px;padding:4px 12px;border:2px solid #6f777b;border-radius:6px;cursor:pointer;font-weight:400}
.choice input{width:26px;height:26px;margin:0;flex:none;accent-color:#1f5fbf}
.choice:has(input:checked){border-color:#1f5fbf;background:#eef4fc}
.scale{display:flex;gap:8px;flex-wrap:wrap}
.scale label{display:flex;flex-direction:column;align-items:center;justify-content:center;min-width:52px;min-height:52px;border:2px solid #6f777b;border-radius:6px;cursor:pointer;font-weight:600}
.scale label:has(input:checked){border-color:#1f5fbf;background:#eef4fc}
.scale input{width:20px;height:20px;margin:0 0 2px;accent-color:#1f5fbf}
textarea,input[type=text],input[type=date],input[type=time],select{width:100%;box-sizing:border-box;min-height:48px;padding:10px;font:inherit;border:2px solid #6f777b;border-radius:4px;background:#fff;color:#1a1a1a}
textarea{min-height:96px} .hint{color:#505050;font-size:15px;margin:0 0 4px}
.cond{margin:0 0 0 12px;padding:0 0 8px 14px;border-left:4px solid #b1b4b6}
@supports selector(:has(*)){.cond{display:none}}
button{min-height:48px;margin-top:8px;padding:12px 22px;font:inherit;font-weight:600;background:#1f5fbf;color:#fff;border:0;border-radius:6px;cursor:pointer}
details{margin:24px 0 0;border-top:1px solid #d0d0d0;padding-top:12px} summary{cursor:pointer;color:#1d4fa0;font-weight:600;min-height:44px;line-height:44px}
.error-summary{border:4px solid #b10e1e;padding:12px 16px;margin:0 0 20px}
.error-summary h2{margin:0 0 8px} .error-summary a{color:#b10e1e;font-weight:600}
.error-message{display:block;color:#b10e1e;font-weight:600;margin:0 0 6px}
.has-error{border-left:5px solid #b10e1e;padding-left:12px}
.error{background:#fdecea;border:1px solid #f5c2c0;padding:10px;border-radius:6px}
.ok{background:#e8f5e9;border:1px solid #b9dfbb;padding:12px;border-radius:6px}
@media (min-width:700px){body{padding:24px} main{padding:24px 32px 32px} h1{font-size:30px}}
`;

function page(title: string, body: string, extraStyle = ''): string {
  return [
    '<!doctype html><html lang="en"><head><meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width,initial-scale=1">',
    '<meta name="robots" content="noindex,nofollow"><meta name="referrer" content="no-referrer">',
    `<title>${escapeHtml(title)}</title><style>${STYLE}${extraStyle}</style></head>`,
    `<body><main>${body}</main></body></html>`,
  ].join('');
}

function rows(summary: readonly SummaryRow[]): string {
  const present = summary.filter((r) => r.value !== undefined && r.value !== null && String(r.value) !== '');
  if (present.length === 0) return '';
  return `<table>${present.map((r) => `<tr><th>${escapeHtml(r.label)}</th><td dir="auto">${valueHtml(r)}</td></tr>`).join('')}</table>`;
}

/** A problem with one field of the form, in plain words (`field` is the form field; `name` what the parser called it). */
export interface FormProblem {
  /** The form field the message sits beside ('' for the form as a whole). */
  field: string;
  /** The parser's name for it (`details.amount`, `ratings.lead-fit`, ...): kept as data-field for tests and support. */
  name: string;
  message: string;
}

interface FormPageInput {
  step: FeedbackStepDefinition['step'];
  /** The definition the request offers (a rescue's answers and members); the catalogue's by default. */
  definition?: FeedbackStepDefinition;
  /** Lead facts to show (raw values; escaped here). */
  summary: readonly SummaryRow[];
  /** What the hand-off brief said (the facts the ratings ask about, the deal, the previous health), shown before the ratings. */
  context?: readonly EmailSection[];
  /** Answer preselected from ?answer= (ignored unless allowed). */
  preselect?: string;
  deadline: string;
  answeredBy: FeedbackAnswer['answeredBy'];
  /** Preselected in the currency list (default: the defaultCurrency setting, DEFAULT_CURRENCY). */
  defaultCurrency?: string;
  /** The reader's IANA time zone, when known (else UTC). */
  timeZone?: string;
  /** What was submitted (an error page keeps every value). */
  values?: FormBody;
  /** What was wrong with it. */
  problem?: FormProblem;
  now?: Date;
}

/** The options of the currency list, `selected` preselected (one string per default: the list is long). */
const currencyOptions = new Map<string, string>();
function currencyOptionsHtml(selected: string): string {
  let options = currencyOptions.get(selected);
  if (options === undefined) {
    options = CURRENCIES.map((c) => `<option value="${escapeHtml(c)}"${c === selected ? ' selected' : ''}>${escapeHtml(currencyLabel(c))}</option>`).join('');
    if (currencyOptions.size < 50) currencyOptions.set(selected, options);
  }
  return options;
}

/** The time-zone list, `selected` preselected. */
const timeZoneOptions = new Map<string, string>();
function timeZoneOptionsHtml(selected: string): string {
  let options = timeZoneOptions.get(selected);
  if (options === undefined) {
    options = (COMMON_TIME_ZONES.includes(selected) ? COMMON_TIME_ZONES : [selected, ...COMMON_TIME_ZONES]).map((z) => `<option${z === selected ? ' selected' : ''}>${escapeHtml(z)}</option>`).join('');
    if (timeZoneOptions.size < 50) timeZoneOptions.set(selected, options);
  }
  return options;
}

/** The first value of a submitted field. */
function valueOf(values: FormBody | undefined, field: string): string | undefined {
  const v = values?.[field];
  return Array.isArray(v) ? v[0] : v;
}

/** A catalogue code usable in an id and a CSS selector. */
const safeCode = (code: string): string => code.replace(/[^a-z0-9-]/gi, '_');

/** The id of the input an error message links to. */
function inputId(def: FeedbackStepDefinition, field: string): string {
  if (field === 'answer') return `answer-${safeCode(def.answers[0]?.value ?? '')}`;
  if (field.startsWith('rating.')) return `${safeCode(field)}-1`;
  return `f-${safeCode(field)}`;
}

/**
 * A parser error (steps.ts parseFeedbackForm: a ValidationError naming
 * `answer`, `ratings.<id>`, `details.<field>`, `comment`, `body` or an unknown
 * field) as the form shows it: beside its field, in plain words.
 */
export function formProblem(step: FeedbackStepDefinition['step'], error: ValidationError): FormProblem {
  const def = stepDefinition(step);
  const name = error.field;
  const raw = error.message.replace(/^[^:]*:\s*/, '');
  const once = raw.includes('must be given once');
  const textProblem = (): string =>
    raw.includes('at most') ? `Keep this to ${MAX_TEXT.toLocaleString('en-GB')} characters or fewer` : 'Remove the special or invisible characters from this text';
  if (name === 'answer') return { field: 'answer', name, message: once ? 'Select one answer' : `Select an answer: ${def.answers.map((a) => a.label).join(', ')}` };
  if (name.startsWith('ratings.')) {
    const id = name.slice('ratings.'.length);
    const q = def.ratings.find((r) => r.id === id);
    if (q) return { field: `rating.${id}`, name, message: `Choose a rating from 1 (${q.low}) to 5 (${q.high})` };
  }
  if (name === 'comment') return { field: 'comment', name, message: once ? 'Write one comment' : textProblem() };
  if (name.startsWith('details.')) {
    const d = def.details.find((x) => x.field === name.slice('details.'.length));
    if (d) {
      const required = raw.startsWith('is required');
      switch (d.kind) {
        case 'choice':
          return { field: d.field, name, message: required ? `Select an answer to "${d.label}"` : 'Select one of the reasons in the list' };
        case 'amount':
          if (required) return { field: d.field, name, message: 'Enter the deal amount' };
          if (raw.includes(',')) return { field: d.field, name, message: 'Enter the amount without commas, like 48000 or 48000.50' };
          if (raw.includes('at least') || raw.includes('at most')) return { field: d.field, name, message: 'Enter an amount from 0.01 to 1,000,000,000,000' };
          return { field: d.field, name, message: 'Enter the amount in digits, like 48000 or 48000.50' };
        case 'currency':
          return { field: d.field, name, message: required ? 'Select the currency' : 'Select a currency from the list' };
        case 'text':
          return { field: d.field, name, message: once ? 'Write this once' : textProblem() };
        case 'date':
          if (raw.includes('within')) return { field: d.field, name, message: `Choose a date within the next ${MAX_MEETING_AHEAD_DAYS} days` };
          return { field: d.field, name, message: required || raw.includes('is required') ? 'Enter the meeting date' : 'Enter a real date, like 24 December 2026' };
        case 'time':
          return { field: d.field, name, message: raw.includes('is required') ? 'Enter the start time, like 14:30' : 'Enter the time as hours and minutes, like 14:30' };
        case 'timezone':
          return { field: d.field, name, message: 'Select a time zone from the list' };
      }
    }
  }
  if (raw.includes('is not a field of this form')) {
    return { field: '', name, message: 'The form you sent had a field this form does not ask for. Please check your answers below and submit again.' };
  }
  return { field: '', name, message: 'We could not read what you sent. Please check your answers below and submit again.' };
}

/** Field names of the lead facts shown under the question. */
function factsLine(summary: readonly SummaryRow[], keyFacts: readonly string[]): string {
  const shown = keyFacts.flatMap((label) => {
    const row = summary.find((r) => r.label === label);
    if (!row || row.value === undefined || row.value === null || String(row.value) === '') return [];
    const value = valueHtml(row.label === 'Message' ? { ...row, value: truncate(row.value, 160) } : row);
    return [`<span><span class="hint">${escapeHtml(row.label)}:</span> <span dir="auto">${value}</span></span>`];
  });
  return shown.length > 0 ? `<p class="facts">${shown.join(' · ')}</p>` : '';
}

/** The brief's sections (what was handed over), each a heading and its rows; empty sections are left out. */
function contextHtml(sections: readonly EmailSection[]): string {
  return sections.map((section) => {
    const table = rows(section.rows);
    return table === '' ? '' : `<section class="context"><h2>${escapeHtml(section.title)}</h2>${table}</section>`;
  }).join('');
}

/** "Ada Lovelace, Acme Ltd" (either alone when the other is missing). */
function leadName(summary: readonly SummaryRow[]): string {
  const name = summary.find((r) => r.label === 'Lead')?.value;
  const company = summary.find((r) => r.label === 'Company')?.value;
  const parts = [name, company].filter((v) => v !== undefined && v !== null && String(v) !== '').map((v) => truncate(v, 120));
  return parts.length > 0 ? parts.join(', ') : String(summary.find((r) => r.label === 'Lead id')?.value ?? 'this lead');
}

function errorMessage(problem: FormProblem | undefined, field: string): string {
  return problem && problem.field === field ? `<span class="error-message" id="err-${escapeHtml(safeCode(field))}"><span class="vh">Error: </span>${escapeHtml(problem.message)}</span>` : '';
}

let defaultCurrency: string | undefined;
/** The defaultCurrency setting, read from the environment once (forms are rendered on every GET). */
function settingDefaultCurrency(): string {
  defaultCurrency ??= setting('defaultCurrency');
  return defaultCurrency;
}

/**
 * The form (GOV.UK question page): the question as the heading, one line
 * naming the lead and the step's key facts, the answers as large radio
 * buttons with the fields of the chosen answer under them (CSS :has shows
 * only those: no script; without :has every field shows), then ratings, the
 * other questions and the comment; the whole lead folded away. Posts to itself.
 */
export function renderFormPage(input: FormPageInput): string {
  const def = input.definition ?? stepDefinition(input.step);
  const values = input.values;
  const problem = input.problem;
  const submitted = valueOf(values, 'answer');
  const chosen = [submitted, input.preselect].find((v) => v !== undefined && def.answers.some((a) => a.value === v));
  const describedBy = (field: string): string => (problem && problem.field === field ? ` aria-describedby="err-${escapeHtml(safeCode(field))}"` : '');
  const answers = def.answers
    .map((a) => {
      const id = `answer-${safeCode(a.value)}`;
      return `<label class="choice" for="${id}"><input type="radio" id="${id}" name="answer" value="${escapeHtml(a.value)}" required${a.value === chosen ? ' checked' : ''}${describedBy('answer')}> ${escapeHtml(a.label)}</label>`;
    })
    .join('');
  const detailHtml = (d: DetailQuestion): string => {
    const name = escapeHtml(d.field);
    const id = `f-${safeCode(d.field)}`;
    const v = valueOf(values, d.field);
    const err = errorMessage(problem, d.field);
    const wrap = (control: string, hint = ''): string =>
      `<div class="field${err ? ' has-error' : ''}"><label for="${id}">${escapeHtml(d.label)}</label>${hint}${err}${control}</div>`;
    switch (d.kind) {
      case 'choice':
        return wrap(
          `<select id="${id}" name="${name}"${describedBy(d.field)}><option value="">Choose…</option>${(d.options ?? [])
            .map((o) => `<option value="${escapeHtml(o.value)}"${o.value === v ? ' selected' : ''}>${escapeHtml(o.label)}</option>`)
            .join('')}</select>`,
        );
      case 'amount':
        return wrap(
          `<input type="text" id="${id}" name="${name}" inputmode="decimal" maxlength="20" autocomplete="off"${v !== undefined ? ` value="${escapeHtml(v)}"` : ''}${describedBy(d.field)}>`,
          `<p class="hint" id="${id}-hint">In digits, like 48000 or 48000.50 (no commas)</p>`,
        );
      case 'currency': {
        const selected = v !== undefined && isCurrency(v.toUpperCase()) ? v.toUpperCase() : (input.defaultCurrency ?? settingDefaultCurrency());
        return wrap(`<select id="${id}" name="${name}"${describedBy(d.field)}>${currencyOptionsHtml(selected)}</select>`);
      }
      case 'text':
        return wrap(`<textarea id="${id}" name="${name}" maxlength="${MAX_TEXT}"${describedBy(d.field)}>${escapeHtml(v ?? '')}</textarea>`);
      case 'date':
        return wrap(`<input type="date" id="${id}" name="${name}"${v !== undefined ? ` value="${escapeHtml(v)}"` : ''}${describedBy(d.field)}>`);
      case 'time':
        return wrap(`<input type="time" id="${id}" name="${name}"${v !== undefined ? ` value="${escapeHtml(v)}"` : ''}${describedBy(d.field)}>`, '<p class="hint">Like 14:30, in the time zone below</p>');
      case 'timezone':
        return wrap(`<select id="${id}" name="${name}"${describedBy(d.field)}>${timeZoneOptionsHtml(v !== undefined && isTimeZone(v) ? v : 'UTC')}</select>`);
    }
    return '';
  };
  const conditional = def.details.filter((d) => d.shownFor !== undefined);
  const always = def.details.filter((d) => d.shownFor === undefined);
  const condBlocks = conditional
    .map((d) => `<div class="cond ${(d.shownFor ?? []).map((a) => `if-${safeCode(a)}`).join(' ')}">${detailHtml(d)}</div>`)
    .join('');
  const condStyle = def.answers
    .map((a) => `@supports selector(:has(*)){form:has(#answer-${safeCode(a.value)}:checked) .if-${safeCode(a.value)}{display:block}}`)
    .join('');
  const ratings = def.ratings
    .map((q) => {
      const field = `rating.${q.id}`;
      const v = valueOf(values, field);
      const scale = [1, 2, 3, 4, 5]
        .map(
          (n) =>
            `<label for="${escapeHtml(safeCode(field))}-${n}"><input type="radio" id="${escapeHtml(safeCode(field))}-${n}" name="${escapeHtml(field)}" value="${n}"${String(n) === v ? ' checked' : ''}${describedBy(field)}>${n}</label>`,
        )
        .join('');
      const err = errorMessage(problem, field);
      return `<fieldset class="field${err ? ' has-error' : ''}"><legend>${escapeHtml(q.label)}</legend><p class="hint">1 = ${escapeHtml(q.low)}, 5 = ${escapeHtml(q.high)}</p>${err}<div class="scale">${scale}</div></fieldset>`;
    })
    .join('');
  const name = leadName(input.summary);
  const summary = problem
    ? `<div class="error-summary" role="alert" tabindex="-1"><h2>There is a problem</h2><ul><li data-field="${escapeHtml(problem.name)}"><a href="#${escapeHtml(problem.field ? inputId(def, problem.field) : 'answer-' + safeCode(def.answers[0]?.value ?? ''))}">${escapeHtml(problem.message)}</a></li></ul></div>`
    : '';
  const comment = valueOf(values, 'comment');
  const commentErr = errorMessage(problem, 'comment');
  const answerErr = errorMessage(problem, 'answer');
  const body = [
    summary,
    '<form method="post">',
    `<fieldset class="${answerErr ? 'has-error' : ''}"><legend>`,
    `<span class="caption">${escapeHtml(def.title)} · <span dir="auto">${escapeHtml(name)}</span></span>`,
    `<h1>${escapeHtml(def.question)}</h1></legend>`,
    factsLine(input.summary, def.keyFacts),
    `<p class="due">${input.answeredBy === 'team-lead' ? 'Escalated to you: the owner did not answer in time. ' : ''}Answer by ${escapeHtml(formatDeadline(input.deadline, input.timeZone, input.now))}.</p>`,
    answerErr,
    answers,
    '</fieldset>',
    condBlocks,
    contextHtml(input.context ?? []),
    ratings ? `<h2>Rate the hand-off <span class="hint">(optional)</span></h2>${ratings}` : '',
    always.map(detailHtml).join(''),
    `<div class="field${commentErr ? ' has-error' : ''}"><label for="f-comment">Comment <span class="hint">(optional)</span></label>${commentErr}<textarea id="f-comment" name="comment" maxlength="${MAX_TEXT}"${describedBy('comment')}>${escapeHtml(comment ?? '')}</textarea></div>`,
    '<button type="submit">Send answer</button>',
    '<p class="hint">Nothing is recorded until you send it; the first answer counts.</p>',
    '</form>',
    `<details><summary>Everything about ${escapeHtml(name)}</summary>${rows(input.summary)}</details>`,
  ].join('');
  return page(`${problem ? 'Error: ' : ''}${def.question} – ${def.title}`, body, `${condStyle}.vh{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0)}`);
}

/** What a recorded answer looks like (confirmation and 409 pages). */
function answerRows(answer: FeedbackAnswer): SummaryRow[] {
  return [...answerSummaryRows(answer.step, answer), { label: 'Answered at', value: formatDateTime(answer.answeredAt) }];
}

/** 200: the answer was recorded; names the lead and says what happens next. */
export function renderConfirmationPage(answer: FeedbackAnswer, summary: readonly SummaryRow[] = []): string {
  const def = stepDefinition(answer.step);
  const next = def.answers.find((a) => a.value === answer.answer)?.next;
  const name = summary.length > 0 ? leadName(summary) : undefined;
  return page(
    `Answer recorded – ${def.title}`,
    [
      `<span class="caption">${escapeHtml(def.title)}${name ? ` · <span dir="auto">${escapeHtml(name)}</span>` : ''}</span>`,
      `<h1>Answer recorded</h1>`,
      `<p class="ok">Thank you. Your answer${name ? ` about <strong dir="auto">${escapeHtml(name)}</strong>` : ''} was recorded: <strong>${escapeHtml(answerLabel(answer.step, answer.answer))}</strong>.</p>`,
      next ? `<h2>What happens next</h2><p>${escapeHtml(next)}</p>` : '',
      `<details><summary>Your answer</summary>${rows(answerRows(answer))}</details>`,
      '<p class="hint">You can close this page.</p>',
    ].join(''),
  );
}

interface ReplyPageInput {
  /** The feedback being answered. */
  item: FeedbackItem;
  /** Lead facts to show (raw values; escaped here). */
  summary: readonly SummaryRow[];
  /** Status preselected from ?status= (ignored unless allowed). */
  preselect?: string;
  deadline: string;
  /** What was submitted (an error brings the form back with every value). */
  values?: FormBody;
  /** What was wrong with it. */
  problem?: FormProblem;
  now?: Date;
}

/** The rows of a recorded reply (confirmation and 409 pages, and the console). */
function replyRows(reply: FeedbackReply): SummaryRow[] {
  return [
    { label: 'Reply', value: REPLY_STATUS_LABELS[reply.status] },
    { label: 'Note', value: reply.note },
    { label: 'Replied at', value: formatDateTime(reply.repliedAt) },
  ];
}

/** A reply form's problem in plain words, beside its field (`status` or `note`). */
export function replyProblem(error: ValidationError): FormProblem {
  const name = error.field;
  const raw = error.message.replace(/^[^:]*:\s*/, '');
  if (name === 'status') return { field: 'status', name, message: `Select a reply: ${REPLY_STATUSES.map((s) => REPLY_STATUS_LABELS[s]).join(' or ')}` };
  if (name === 'note') {
    if (raw.startsWith('is required')) return { field: 'note', name, message: 'Say what you will do about it' };
    return { field: 'note', name, message: raw.includes('at most') ? `Keep this to ${MAX_TEXT.toLocaleString('en-GB')} characters or fewer` : 'Remove the special or invisible characters from this text' };
  }
  return { field: '', name, message: 'We could not read what you sent. Please check your reply below and send it again.' };
}

/**
 * The reply form of a reply link, built like the feedback forms (GOV.UK
 * question page): the question as the heading under one line naming the
 * feedback and the lead, the replies as large radio buttons, the note, then
 * the feedback itself and the lead folded away. An error brings it back with
 * the message beside its field and every value kept. Posts to itself.
 */
export function renderReplyPage(input: ReplyPageInput): string {
  const { item, values, problem } = input;
  const def = stepDefinition(item.step);
  const from = TEAM_NAMES[item.from];
  const submitted = valueOf(values, 'status');
  const chosen = REPLY_STATUSES.find((s) => s === submitted) ?? REPLY_STATUSES.find((s) => s === input.preselect);
  const describedBy = (field: string): string => (problem && problem.field === field ? ` aria-describedby="err-${escapeHtml(safeCode(field))}"` : '');
  const statuses = REPLY_STATUSES.map((s) => {
    const id = `status-${safeCode(s)}`;
    return `<label class="choice" for="${id}"><input type="radio" id="${id}" name="status" value="${escapeHtml(s)}" required${s === chosen ? ' checked' : ''}${describedBy('status')}> ${escapeHtml(REPLY_STATUS_LABELS[s])}</label>`;
  }).join('');
  const name = leadName(input.summary);
  const statusErr = errorMessage(problem, 'status');
  const noteErr = errorMessage(problem, 'note');
  const target = problem?.field === 'note' ? 'f-note' : `status-${safeCode(REPLY_STATUSES[0])}`;
  const summary = problem
    ? `<div class="error-summary" role="alert" tabindex="-1"><h2>There is a problem</h2><ul><li data-field="${escapeHtml(problem.name)}"><a href="#${target}">${escapeHtml(problem.message)}</a></li></ul></div>`
    : '';
  const body = [
    summary,
    '<form method="post">',
    `<fieldset class="${statusErr ? 'has-error' : ''}"><legend>`,
    `<span class="caption">Feedback from ${escapeHtml(from)} · <span dir="auto">${escapeHtml(name)}</span></span>`,
    `<h1>How do you answer ${escapeHtml(from)}'s feedback?</h1></legend>`,
    `<p class="due">After the ${escapeHtml(def.title.toLowerCase())}. Reply by ${escapeHtml(formatDeadline(input.deadline, undefined, input.now))}.</p>`,
    statusErr,
    statuses,
    '</fieldset>',
    `<div class="field${noteErr ? ' has-error' : ''}"><label for="f-note">What will you do? <span class="hint">(needed for "${escapeHtml(REPLY_STATUS_LABELS['acting-on-it'])}")</span></label>${noteErr}<textarea id="f-note" name="note" maxlength="${MAX_TEXT}"${describedBy('note')}>${escapeHtml(valueOf(values, 'note') ?? '')}</textarea></div>`,
    '<button type="submit">Send reply</button>',
    '<p class="hint">Nothing is recorded until you send it; the first reply counts.</p>',
    '</form>',
    `<h2>Their feedback</h2>${rows([...answerSummaryRows(item.step, item, 'Outcome'), { label: 'Given at', value: formatDateTime(item.answeredAt) }])}`,
    `<details><summary>Everything about ${escapeHtml(name)}</summary>${rows(input.summary)}</details>`,
  ].join('');
  return page(`${problem ? 'Error: ' : ''}Reply to ${from}`, body, '.vh{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0)}');
}

export function renderReplyConfirmationPage(item: FeedbackItem, reply: FeedbackReply): string {
  return page(
    'Reply recorded',
    `<h1>Thank you</h1><p class="ok">Your reply was recorded; ${escapeHtml(TEAM_NAMES[item.from])} will see it. You can close this page.</p>${rows(replyRows(reply))}`,
  );
}

/** Error pages by status. 409 shows the recorded answer; 400 names the field. */
function renderErrorPage(status: number, error: unknown): string {
  switch (status) {
    case 400: {
      const field = error instanceof ValidationError ? error.field : 'form';
      const message = error instanceof ValidationError ? error.message : 'The form could not be read.';
      return page(
        'Error: please check the form',
        `<div class="error-summary" role="alert"><h2>There is a problem</h2><ul><li data-field="${escapeHtml(field)}">Field <strong>${escapeHtml(field)}</strong>: ${escapeHtml(message)}</li></ul></div><h1>Please check the form</h1><p>Go back, correct it and submit again, or <a href="">open the form again</a>.</p>`,
      );
    }
    case 404:
      return page('Link not found', '<h1>Link not found</h1><p>This feedback link does not exist. Check that you opened the whole link from the email.</p>');
    case 409: {
      const recordedReply = error instanceof Conflict ? (error.data.recordedReply as FeedbackReply | undefined) : undefined;
      if (recordedReply) {
        return page('Already replied', `<h1>Already replied</h1><p>This feedback was already answered; the first reply counts.</p><h2>Recorded reply</h2>${rows(replyRows(recordedReply))}`);
      }
      const recorded = error instanceof Conflict ? (error.data.recorded as FeedbackAnswer | undefined) : undefined;
      return page(
        'Already answered',
        `<h1>Already answered</h1><p>This request was already answered; the first answer counts.</p>${recorded ? `<h2>Recorded answer</h2>${rows(answerRows(recorded))}` : ''}`,
      );
    }
    case 410: {
      const reassignedTo = error instanceof Gone ? error.data.reassignedTo : undefined;
      if (typeof reassignedTo === 'string') {
        return page(
          'Reassigned',
          `<h1>Reassigned to ${escapeHtml(reassignedTo)}</h1><p>This request now belongs to ${escapeHtml(reassignedTo)}, who received a new link for it. Nothing was recorded from this link.</p>`,
        );
      }
      return page('Link expired', '<h1>Link expired</h1><p>This request is closed: its deadline passed or the lead moved on, so there is nothing to answer here. If it was escalated, the team lead received a new link.</p>');
    }
    case 405:
      return page('Method not allowed', '<h1>Method not allowed</h1>');
    case 503:
      return page('Please try again', '<h1>Please try again</h1><p>We could not record your answer just now. Nothing was recorded; please submit again in a minute.</p>');
    default:
      return page('Something went wrong', '<h1>Something went wrong</h1><p>Please try again later.</p>');
  }
}

/** ErrorRenderer for aws/http.ts: the HTML error page with the mapped status. */
export function feedbackErrorResponse(status: number, error: unknown): HttpResult {
  return html(status, renderErrorPage(status, error));
}
