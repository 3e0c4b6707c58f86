/**
 * Server-rendered pages of `GET|POST /feedback/{id}`: the form, the
 * confirmation, the reply form and its confirmation (reply links), and the
 * 400/404/409/410/5xx pages. No scripts; inline
 * styles only (CSP: default-src 'none'; style-src 'unsafe-inline').
 * Every lead-supplied or submitted value is escaped.
 */
import type { FeedbackAnswer } from '#lib/core/contracts';
import type { SummaryRow } from '#lib/mail/layout';
import { MAX_VALUE_CHARS } from '#lib/mail/layout';
import { Conflict, ValidationError } from '#lib/core/errors';
import { type FeedbackStepDefinition, TEAM_NAMES, answerLabel, answerSummaryRows, stepDefinition, MAX_TEXT } from './steps';
import { type FeedbackItem, type FeedbackReply, REPLY_STATUSES, REPLY_STATUS_LABELS } from './records';
import { escapeHtml, truncate } from '#lib/core/html';
import { CURRENCIES, currencyLabel } from '#lib/core/currency';
import { type HttpResult, html } from '#lib/aws/http';
import { setting } from '#lib/aws/settings';

const STYLE = `
body{margin:0;padding:24px;font-family:system-ui,-apple-system,Segoe UI,Roboto,Arial,sans-serif;color:#222;background:#f6f6f6}
main{max-width:680px;margin:0 auto;background:#fff;padding:24px;border-radius:8px}
h1{font-size:22px;margin:0 0 12px} h2{font-size:17px;margin:24px 0 8px}
table{border-collapse:collapse} th{text-align:left;vertical-align:top;padding:4px 12px 4px 0;color:#555}
td{padding:4px 0;white-space:pre-wrap;word-break:break-word}
fieldset{border:1px solid #ddd;border-radius:6px;margin:12px 0;padding:12px}
legend{font-weight:600} label{display:block;margin:6px 0}
.scale label{display:inline-block;margin-right:12px}
textarea,input[type=text],select{width:100%;box-sizing:border-box;padding:8px;font:inherit}
textarea{min-height:90px} .hint{color:#666;font-size:13px}
button{margin-top:16px;padding:10px 18px;font:inherit;background:#1f5fbf;color:#fff;border:0;border-radius:4px}
.error{background:#fdecea;border:1px solid #f5c2c0;padding:10px;border-radius:6px}
.ok{background:#e8f5e9;border:1px solid #b9dfbb;padding:10px;border-radius:6px}
`;

function page(title: string, body: string): string {
  return [
    '<!doctype html><html lang="en"><head><meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width,initial-scale=1">',
    '<meta name="robots" content="noindex,nofollow"><meta name="referrer" content="no-referrer">',
    `<title>${escapeHtml(title)}</title><style>${STYLE}</style></head>`,
    `<body><main>${body}</main></body></html>`,
  ].join('');
}

function rows(summary: readonly SummaryRow[]): string {
  const present = summary.filter((r) => r.value !== undefined && r.value !== null && String(r.value) !== '');
  if (present.length === 0) return '';
  return `<table>${present.map((r) => `<tr><th>${escapeHtml(r.label)}</th><td dir="auto">${escapeHtml(truncate(r.value, MAX_VALUE_CHARS))}</td></tr>`).join('')}</table>`;
}

interface FormPageInput {
  step: FeedbackStepDefinition['step'];
  /** The definition the request offers (a rescue's answers and members); the catalogue's by default. */
  definition?: FeedbackStepDefinition;
  /** Lead facts to show (raw values; escaped here). */
  summary: readonly SummaryRow[];
  /** Answer preselected from ?answer= (ignored unless allowed). */
  preselect?: string;
  deadline: string;
  answeredBy: FeedbackAnswer['answeredBy'];
  /** Preselected in the currency list (default: the defaultCurrency setting, DEFAULT_CURRENCY). */
  defaultCurrency?: string;
}

/** The options of the currency list, `selected` preselected (one string per default: the list is long). */
const currencyOptions = new Map<string, string>();
function currencyOptionsHtml(selected: string): string {
  let options = currencyOptions.get(selected);
  if (options === undefined) {
    options = CURRENCIES.map((c) => `<option value="${escapeHtml(c)}"${c === selected ? ' selected' : ''}>${escapeHtml(currencyLabel(c))}</option>`).join('');
    currencyOptions.set(selected, options);
  }
  return options;
}

/** Digits (grouped in threes by spaces, or not), then optionally . and 1-2 decimals: core/currency.ts parseAmount, checked by the browser too. */
const AMOUNT_PATTERN = '[0-9]{1,3}( [0-9]{3})+(\\.[0-9]{1,2})?|[0-9]+(\\.[0-9]{1,2})?';

/** The form: answers as radio buttons, 1-5 ratings, detail fields, a comment box. Posts to itself. */
export function renderFormPage(input: FormPageInput): string {
  const def = input.definition ?? stepDefinition(input.step);
  const pre = def.answers.some((a) => a.value === input.preselect) ? input.preselect : undefined;
  const answers = def.answers
    .map(
      (a) =>
        `<label><input type="radio" name="answer" value="${escapeHtml(a.value)}" required${a.value === pre ? ' checked' : ''}> ${escapeHtml(a.label)}</label>`,
    )
    .join('');
  const ratings = def.ratings
    .map((q) => {
      const scale = [1, 2, 3, 4, 5]
        .map((n) => `<label><input type="radio" name="rating.${escapeHtml(q.id)}" value="${n}"> ${n}</label>`)
        .join('');
      return `<fieldset class="scale"><legend>${escapeHtml(q.label)}</legend>${scale}<div class="hint">1 = ${escapeHtml(q.low)}, 5 = ${escapeHtml(q.high)}</div></fieldset>`;
    })
    .join('');
  const details = def.details
    .map((d) => {
      const when = d.shownFor ? ` <span class="hint">(if ${d.shownFor.map((v) => escapeHtml(answerLabel(def.step, v))).join(' / ')})</span>` : '';
      const label = `${escapeHtml(d.label)}${when}`;
      const name = escapeHtml(d.field);
      switch (d.kind) {
        case 'choice':
          return `<label>${label}<select name="${name}"><option value="">(choose)</option>${(d.options ?? [])
            .map((o) => `<option value="${escapeHtml(o.value)}">${escapeHtml(o.label)}</option>`)
            .join('')}</select></label>`;
        case 'amount':
          return `<label>${label}<input type="text" name="${name}" inputmode="decimal" maxlength="20" autocomplete="off" placeholder="1234.56" pattern="${AMOUNT_PATTERN}" title="Digits, optionally . and up to 2 decimals, e.g. 1234.56 (no commas)"><span class="hint">Digits, optionally . and up to 2 decimals, e.g. 1234.56 (no commas)</span></label>`;
        case 'currency':
          return `<label>${label}<select name="${name}">${currencyOptionsHtml(input.defaultCurrency ?? setting('defaultCurrency'))}</select></label>`;
        case 'text':
          return `<label>${label}<textarea name="${name}" maxlength="${MAX_TEXT}"></textarea></label>`;
      }
      return '';
    })
    .join('');
  const body = [
    `<h1>${escapeHtml(def.title)}</h1>`,
    `<p>${escapeHtml(def.prompt)}</p>`,
    input.answeredBy === 'team-lead' ? '<p class="hint">Escalated: the owner did not answer in time.</p>' : '',
    `<p class="hint">Please answer before ${escapeHtml(input.deadline)} (UTC). Nothing is recorded until you submit.</p>`,
    `<h2>Lead</h2>${rows(input.summary)}`,
    '<form method="post">',
    `<fieldset><legend>Outcome</legend>${answers}</fieldset>`,
    ratings ? `<h2>Ratings</h2>${ratings}` : '',
    details ? `<h2>Details</h2>${details}` : '',
    `<label>Comment<textarea name="comment" maxlength="${MAX_TEXT}"></textarea></label>`,
    '<button type="submit">Submit</button>',
    '</form>',
  ].join('');
  return page(`${def.title}`, body);
}

/** What a recorded answer looks like (confirmation and 409 pages). */
function answerRows(answer: FeedbackAnswer): SummaryRow[] {
  return [...answerSummaryRows(answer.step, answer), { label: 'Answered at', value: answer.answeredAt }];
}

/** 200: the answer was recorded. */
export function renderConfirmationPage(answer: FeedbackAnswer): string {
  const def = stepDefinition(answer.step);
  return page(`${def.title}: thank you`, `<h1>Thank you</h1><p class="ok">Your answer was recorded. You can close this page.</p>${rows(answerRows(answer))}`);
}

interface ReplyPageInput {
  /** The feedback being answered. */
  item: FeedbackItem;
  /** Lead facts to show (raw values; escaped here). */
  summary: readonly SummaryRow[];
  /** Status preselected from ?status= (ignored unless allowed). */
  preselect?: string;
  deadline: string;
}

/** The rows of a recorded reply (confirmation and 409 pages, and the console). */
function replyRows(reply: FeedbackReply): SummaryRow[] {
  return [
    { label: 'Reply', value: REPLY_STATUS_LABELS[reply.status] },
    { label: 'Note', value: reply.note },
    { label: 'Replied at', value: reply.repliedAt },
  ];
}

/** The reply form of a reply link: the feedback received, the lead, a status and a note. Posts to itself. */
export function renderReplyPage(input: ReplyPageInput): string {
  const { item } = input;
  const def = stepDefinition(item.step);
  const from = TEAM_NAMES[item.from];
  const pre = REPLY_STATUSES.find((s) => s === input.preselect);
  const statuses = REPLY_STATUSES.map(
    (s) => `<label><input type="radio" name="status" value="${escapeHtml(s)}" required${s === pre ? ' checked' : ''}> ${escapeHtml(REPLY_STATUS_LABELS[s])}</label>`,
  ).join('');
  const body = [
    `<h1>Reply to ${escapeHtml(from)}</h1>`,
    `<p>${escapeHtml(from)} gave ${escapeHtml(TEAM_NAMES[item.to])} this feedback after the ${escapeHtml(def.title.toLowerCase())}. Tell them you read it, or what you will do about it.</p>`,
    `<p class="hint">This link works until ${escapeHtml(input.deadline)} (UTC). Nothing is recorded until you submit; the first reply counts.</p>`,
    `<h2>Feedback</h2>${rows([...answerSummaryRows(item.step, item, 'Outcome'), { label: 'Given at', value: item.answeredAt }])}`,
    `<h2>Lead</h2>${rows(input.summary)}`,
    '<form method="post">',
    `<fieldset><legend>Your reply</legend>${statuses}</fieldset>`,
    `<label>Note <span class="hint">(required for "Acting on it": what will you do?)</span><textarea name="note" maxlength="${MAX_TEXT}"></textarea></label>`,
    '<button type="submit">Send reply</button>',
    '</form>',
  ].join('');
  return page(`Reply to ${from}`, body);
}

/** 200: the reply was recorded. */
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
        'Please check the form',
        `<h1>Please check the form</h1><p class="error">Field <strong>${escapeHtml(field)}</strong>: ${escapeHtml(message)}</p><p>Go back, correct it and submit again, or <a href="">open the form again</a>.</p>`,
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
    case 410:
      return page('Link expired', '<h1>Link expired</h1><p>This request is no longer open: its deadline passed or the lead moved on. If it was escalated, the team lead received a new link.</p>');
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
