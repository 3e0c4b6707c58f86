/**
 * The feedback catalogue: what each review (wait-for-feedback step) asks,
 * who answers, which upstream teams the feedback goes to, the allowed
 * answers, the 1-5 ratings and the detail questions. It is the one place a
 * question is written: the form and its parser, the schema of the recorded
 * answer (feedback/answers.ts reads it back; the state machine gets its codes
 * only), the digest's notes (digest/content.ts), the
 * flagged details (./sharing.ts) and erasure (leads/erasure.ts) all derive
 * from it through the functions below.
 *
 * Also the parser that turns a submitted form into a FeedbackAnswer
 * (ValidationError naming the field on bad input).
 */
import type { FeedbackAnswer, FeedbackStep, Team } from '#lib/core/contracts';
import type { SummaryRow } from '#lib/mail/layout';
import { ValidationError } from '#lib/core/errors';
import { feedbackStepSchema } from '#lib/core/parse';
import { isCurrency, parseAmount } from '#lib/core/currency';
import { formatMoney, isTimeZone, zonedTime } from '#lib/core/format';
import { textProblem, toWellFormed } from '#lib/core/text';
import * as z from '#lib/core/zod';

export interface Option {
  value: string;
  label: string;
}

/** An answer of a step: its label, and what happens after it (the confirmation page says so). */
export interface AnswerOption extends Option {
  next: string;
}

/** The lead facts a form shows under its question (by their leadSummary label); the rest is folded away. */
export type KeyFact = 'Title' | 'Email' | 'Phone' | 'Country' | 'Company size' | 'Budget' | 'Timeline' | 'Campaign' | 'Source' | 'Stage' | 'Message';

/** A 1-5 rating of the hand-off; `about` is the team the rating concerns (receives it). */
export interface RatingQuestion {
  id: string;
  label: string;
  about: Team;
  low: string;
  high: string;
}

export interface DetailQuestion {
  /**
   * The form field and the key in FeedbackAnswer['details']. A 'choice' is
   * stored as `reasonCode`, an 'amount' as `amount`, a 'currency' as
   * `currency`; a 'text' answer under its own field name.
   */
  field: string;
  label: string;
  /** 'date' (YYYY-MM-DD), 'time' (HH:MM) and 'timezone' (IANA) are stored as given under their field. */
  kind: 'text' | 'amount' | 'currency' | 'choice' | 'date' | 'time' | 'timezone';
  /** The team this detail is for (share-feedback routes it there); undefined = every receiving team. */
  about?: Team;
  options?: readonly Option[];
  /** Answers for which the field is shown; undefined = all. */
  shownFor?: readonly string[];
  /** Answers for which the field is required. */
  requiredFor?: readonly string[];
  /** Text only: may quote a person, so erasing the lead removes it from the stored feedback. */
  personal?: boolean;
  /** Text only: filled in, it reports a problem and the feedback needs attention (emailed at once). */
  flags?: boolean;
  /** Text only: quoted in the receiving team's digest under `heading`; `order` places it among the other notes of an item. */
  digest?: { heading: string; order: number };
}

export interface FeedbackStepDefinition {
  step: FeedbackStep;
  /** Short title for subjects and pages, e.g. "Qualification call". */
  title: string;
  /** The question put to the addressee: the form's heading. */
  question: string;
  /** Why it is asked, for the owner (the request email's intro). */
  prompt: string;
  /** The lead facts shown with the question (the rest of the lead is folded away). */
  keyFacts: readonly KeyFact[];
  /** The team asked (its owner of the lead, or its lead when escalated); 'ops' for a rescue (a stalled lead's rescue goes to the stalled step's team lead: feedback/rescue.ts). */
  askedTeam: Team | 'ops';
  /** Upstream teams that receive the feedback (share-feedback). */
  feedbackTo: readonly Team[];
  answers: readonly AnswerOption[];
  ratings: readonly RatingQuestion[];
  details: readonly DetailQuestion[];
}

/** Every review step's definition: the shape of the catalogue. */
export type FeedbackCatalogue = Readonly<Record<FeedbackStep, FeedbackStepDefinition>>;

/** The teams' display names. */
export const TEAM_NAMES: Readonly<Record<Team, string>> = {
  marketing: 'Marketing',
  'inside-sales': 'Inside Sales',
  'field-sales': 'Field Sales',
  'customer-success': 'Customer Success',
};

const QUALIFICATION_REASONS: readonly Option[] = [
  { value: 'not-ready-to-buy', label: 'Not ready to buy yet' },
  { value: 'no-budget', label: 'No budget' },
  { value: 'no-authority', label: 'Not a decision maker' },
  { value: 'no-need', label: 'No need' },
  { value: 'bad-timing', label: 'Bad timing' },
  { value: 'wrong-contact', label: 'Wrong contact details' },
  { value: 'unreachable', label: 'Could not reach them' },
  { value: 'competitor', label: 'Went with a competitor' },
  { value: 'other', label: 'Other (see comment)' },
];

const NO_FIT_REASONS: readonly Option[] = [
  { value: 'no-budget', label: 'No budget' },
  { value: 'no-authority', label: 'Not a decision maker' },
  { value: 'no-need', label: 'No need' },
  { value: 'bad-timing', label: 'Bad timing' },
  { value: 'competitor', label: 'Competitor preferred' },
  { value: 'other', label: 'Other (see comment)' },
];

const LOST_REASONS: readonly Option[] = [
  { value: 'price', label: 'Price' },
  { value: 'competitor', label: 'Lost to a competitor' },
  { value: 'no-decision', label: 'No decision' },
  { value: 'timing', label: 'Timing' },
  { value: 'product-gap', label: 'Product gap' },
  { value: 'budget-cut', label: 'Budget cut' },
  { value: 'other', label: 'Other (see comment)' },
];

const CHURN_REASONS: readonly Option[] = [
  { value: 'product-gap', label: 'Product gap' },
  { value: 'low-adoption', label: 'Low adoption' },
  { value: 'poor-onboarding', label: 'Poor onboarding' },
  { value: 'expectations-mismatch', label: 'Expectations did not match' },
  { value: 'budget-cut', label: 'Budget cut' },
  { value: 'competitor', label: 'Moved to a competitor' },
  { value: 'other', label: 'Other (see comment)' },
];

const rating = (id: string, label: string, about: Team, low = 'poor', high = 'excellent'): RatingQuestion => ({ id, label, about, low, high });

export const FEEDBACK_STEP_DEFINITIONS: FeedbackCatalogue = {
  'qualification-call': {
    step: 'qualification-call',
    title: 'Qualification call',
    question: 'What happens next with this lead?',
    prompt: 'After your call with this lead: what happens next, and how did the lead respond to the campaign?',
    keyFacts: ['Phone', 'Email', 'Title', 'Budget', 'Timeline'],
    askedTeam: 'inside-sales',
    feedbackTo: ['marketing'],
    answers: [
      { value: 'book-meeting', label: 'Book a meeting with Field Sales', next: 'A Field Sales rep is assigned and asked to hold the meeting; your ratings go to Marketing.' },
      { value: 'nurture', label: 'Return to nurture', next: 'The lead goes back to Marketing for nurturing, with your reason; your ratings go to Marketing.' },
      { value: 'disqualify', label: 'Disqualify', next: 'The lead goes back to Marketing as disqualified, with your reason; your ratings go to Marketing.' },
    ],
    ratings: [
      rating('lead-fit', 'Fit of the lead (ideal customer profile)', 'marketing'),
      rating('campaign-reaction', 'Reaction to the campaign', 'marketing', 'negative', 'very positive'),
      rating('content-relevance', 'Relevance of the content they saw', 'marketing', 'irrelevant', 'spot on'),
    ],
    details: [
      { field: 'reasonCode', label: 'Reason', kind: 'choice', options: QUALIFICATION_REASONS, shownFor: ['nurture', 'disqualify'], requiredFor: ['nurture', 'disqualify'] },
      { field: 'meetingDate', label: 'Meeting date', kind: 'date', shownFor: ['book-meeting'] },
      { field: 'meetingTime', label: 'Start time', kind: 'time', shownFor: ['book-meeting'] },
      { field: 'meetingTimeZone', label: 'Time zone', kind: 'timezone', shownFor: ['book-meeting'] },
      { field: 'moreOf', label: 'Which campaigns or content should Marketing do more of?', kind: 'text', about: 'marketing', personal: true, digest: { heading: 'Do more of', order: 4 } },
    ],
  },
  'meeting-outcome': {
    step: 'meeting-outcome',
    title: 'Meeting outcome',
    question: 'How did the meeting go?',
    prompt: 'How did the meeting go, and were the hand-off facts from Inside Sales right?',
    keyFacts: ['Title', 'Budget', 'Timeline', 'Company size', 'Message'],
    askedTeam: 'field-sales',
    feedbackTo: ['inside-sales'],
    answers: [
      { value: 'held-proceed', label: 'Held: proceed to a proposal', next: 'You will be asked for the deal decision (won or lost); your ratings go to Inside Sales.' },
      { value: 'no-fit', label: 'Held: no fit', next: 'The lead goes back to Marketing with your reason; your ratings go to Inside Sales.' },
      { value: 'no-show', label: 'No-show: reschedule', next: 'The meeting is booked again (with a new time, everyone\'s calendar invitation moves; without one, it is cancelled) and you will be asked how it went; after a few no-shows the lead goes back to Marketing.' },
    ],
    ratings: [
      rating('budget-accuracy', 'Accuracy of the budget information', 'inside-sales', 'wrong', 'exact'),
      rating('authority-accuracy', 'Accuracy of who decides (authority)', 'inside-sales', 'wrong', 'exact'),
      rating('need-accuracy', 'Accuracy of the stated need', 'inside-sales', 'wrong', 'exact'),
      rating('timeline-accuracy', 'Accuracy of the timeline', 'inside-sales', 'wrong', 'exact'),
    ],
    details: [
      { field: 'reasonCode', label: 'Why no fit?', kind: 'choice', options: NO_FIT_REASONS, shownFor: ['no-fit'], requiredFor: ['no-fit'] },
      { field: 'meetingDate', label: 'New meeting date', kind: 'date', shownFor: ['no-show'] },
      { field: 'meetingTime', label: 'New start time', kind: 'time', shownFor: ['no-show'] },
      { field: 'meetingTimeZone', label: 'Time zone', kind: 'timezone', shownFor: ['no-show'] },
      { field: 'missing', label: 'What was missing from the hand-off?', kind: 'text', about: 'inside-sales', personal: true, flags: true, digest: { heading: 'What was missing', order: 1 } },
    ],
  },
  'deal-decision': {
    step: 'deal-decision',
    title: 'Deal decision',
    question: 'Was the deal won or lost?',
    prompt: 'Was the deal won or lost?',
    keyFacts: ['Budget', 'Timeline', 'Company size'],
    askedTeam: 'field-sales',
    feedbackTo: [],
    answers: [
      { value: 'won', label: 'Won', next: 'Customer Success is asked to onboard the customer, with the deal and what was promised.' },
      { value: 'lost', label: 'Lost', next: 'The lead goes back to Marketing with your reason.' },
    ],
    ratings: [],
    details: [
      { field: 'amount', label: 'Deal amount', kind: 'amount', shownFor: ['won'], requiredFor: ['won'] },
      { field: 'currency', label: 'Currency', kind: 'currency', shownFor: ['won'], requiredFor: ['won'] },
      { field: 'promises', label: 'What was promised to the customer?', kind: 'text', shownFor: ['won'], personal: true },
      { field: 'reasonCode', label: 'Why was it lost?', kind: 'choice', options: LOST_REASONS, shownFor: ['lost'], requiredFor: ['lost'] },
    ],
  },
  'onboarding-review': {
    step: 'onboarding-review',
    title: 'Onboarding review',
    question: 'How is onboarding going?',
    prompt: 'How is onboarding going? Tell Marketing what the customer struggles with and Field Sales whether expectations were set right.',
    keyFacts: ['Email', 'Phone', 'Title'],
    askedTeam: 'customer-success',
    feedbackTo: ['marketing', 'field-sales'],
    answers: [
      { value: 'on-track', label: 'On track', next: 'Regular check-ins start; your notes go to Marketing and Field Sales.' },
      { value: 'needs-help', label: 'Needs help', next: 'Regular check-ins start; your notes go to Marketing and Field Sales.' },
      { value: 'churned', label: 'Churned', next: 'The customer is recorded as churned, with your reason; Marketing is told.' },
    ],
    ratings: [
      rating('expectations-set-right', 'Were expectations set right in the sale?', 'field-sales', 'not at all', 'exactly'),
      rating('message-match', 'Did the marketing message match the product?', 'marketing', 'not at all', 'exactly'),
    ],
    details: [
      { field: 'difficulties', label: 'Which difficulties does the customer face?', kind: 'text', about: 'marketing', personal: true, flags: true, digest: { heading: 'Difficulties the customer faces', order: 3 } },
      { field: 'unkeptPromises', label: 'Promises that could not be kept', kind: 'text', about: 'field-sales', personal: true, flags: true, digest: { heading: 'Promises not kept', order: 2 } },
      { field: 'reasonCode', label: 'Why did they churn?', kind: 'choice', options: CHURN_REASONS, shownFor: ['churned'], requiredFor: ['churned'] },
    ],
  },
  'check-in': {
    step: 'check-in',
    title: 'Customer check-in',
    question: 'How is the customer doing?',
    prompt: 'How is the customer doing?',
    keyFacts: ['Email', 'Phone', 'Title'],
    askedTeam: 'customer-success',
    feedbackTo: [],
    answers: [
      { value: 'healthy', label: 'Healthy', next: 'You will be asked again at the next check-in (or the customer renews).' },
      { value: 'at-risk', label: 'At risk', next: 'You will be asked again at the next check-in (or the customer renews).' },
      { value: 'expansion', label: 'Expansion opportunity', next: 'An expansion opportunity goes to Inside Sales as a new lead; check-ins continue.' },
      { value: 'churned', label: 'Churned', next: 'The customer is recorded as churned, with your reason; Marketing is told.' },
    ],
    ratings: [rating('health', 'Overall account health', 'customer-success', 'critical', 'thriving')],
    details: [
      { field: 'reasonCode', label: 'Reason', kind: 'choice', options: CHURN_REASONS, shownFor: ['at-risk', 'churned'], requiredFor: ['churned'] },
    ],
  },
  rescue: {
    step: 'rescue',
    title: 'Rescue lead',
    question: 'This lead is stuck: what should happen to it?',
    prompt: 'This lead is stuck. What should happen to it?',
    keyFacts: ['Stage', 'Campaign'],
    askedTeam: 'ops',
    feedbackTo: [],
    // A request offers some of these (feedback/rescue.ts): ops for a failed step retry / return / close; a team lead for a stalled lead reassign / return / close.
    answers: [
      { value: 'retry', label: 'Retry the step that failed', next: 'The step runs again with its original input; the lead goes on from there.' },
      { value: 'reassign', label: 'Reassign to a team member and ask again', next: 'The member you chose gets the request again, with new links.' },
      { value: 'return', label: 'Return the lead to Marketing', next: 'Marketing is told, with the reason.' },
      { value: 'close', label: 'Close the lead (the execution ends as failed)', next: 'The lead is closed; its execution ends as failed.' },
    ],
    ratings: [],
    // The members to reassign to are the team's, set per request (feedback/rescue.ts rescueDefinition); the member's work address is the code.
    details: [{ field: 'reasonCode', label: 'Reassign to', kind: 'choice', options: [], shownFor: ['reassign'], requiredFor: ['reassign'] }],
  },
};

// ---- What derives from the catalogue (each takes a catalogue, the real one by default) ----

/** The catalogue's free-text questions, in catalogue order. */
function textQuestions(catalogue: FeedbackCatalogue): DetailQuestion[] {
  return Object.values(catalogue).flatMap((def) => def.details.filter((d) => d.kind === 'text'));
}

const unique = (fields: readonly string[]): string[] => [...new Set(fields)];

/** The free-text detail fields (what the parse schema accepts as text). */
export function textDetailFields(catalogue: FeedbackCatalogue = FEEDBACK_STEP_DEFINITIONS): string[] {
  return unique(textQuestions(catalogue).map((d) => d.field));
}

/** The date, time and time-zone fields (stored as given, like text). */
export function valueDetailFields(catalogue: FeedbackCatalogue = FEEDBACK_STEP_DEFINITIONS): string[] {
  return unique(Object.values(catalogue).flatMap((def) => def.details.filter((d) => d.kind === 'date' || d.kind === 'time' || d.kind === 'timezone').map((d) => d.field)));
}

/** The text fields declared `personal`: erasure removes them from the lead's FEEDBACK items. */
export function personalDetailFields(catalogue: FeedbackCatalogue = FEEDBACK_STEP_DEFINITIONS): string[] {
  return unique(textQuestions(catalogue).filter((d) => d.personal === true).map((d) => d.field));
}

/** The text fields declared `flags`: filled in, the feedback needs attention. */
export function flaggedDetailFields(catalogue: FeedbackCatalogue = FEEDBACK_STEP_DEFINITIONS): string[] {
  return unique(textQuestions(catalogue).filter((d) => d.flags === true).map((d) => d.field));
}

/** The text fields the digest quotes, with their heading, lowest `order` first. */
export function digestNoteFields(catalogue: FeedbackCatalogue = FEEDBACK_STEP_DEFINITIONS): { field: string; heading: string }[] {
  const notes = textQuestions(catalogue)
    .flatMap((d) => (d.digest === undefined ? [] : [{ field: d.field, heading: d.digest.heading, order: d.digest.order }]))
    .sort((a, b) => a.order - b.order);
  const first = notes.filter((n, i) => notes.findIndex((m) => m.field === n.field) === i);
  return first.map(({ field, heading }) => ({ field, heading }));
}

const textDetailSchema = z.optional(z.string().check(z.maxLength(5000)));

/**
 * FeedbackAnswer as recorded on its link item (feedback/answers.ts reads the
 * text back from there; the state machine gets only its codes): the details
 * contracts.ts names, plus one text field per text question of the catalogue
 * (other keys are dropped).
 */
export function feedbackAnswerSchemaFor(catalogue: FeedbackCatalogue = FEEDBACK_STEP_DEFINITIONS) {
  const textDetails: Record<string, typeof textDetailSchema> = Object.fromEntries(
    [...textDetailFields(catalogue), ...valueDetailFields(catalogue)].map((field) => [field, textDetailSchema]),
  );
  return z.object({
    step: feedbackStepSchema,
    answer: z.string().check(z.minLength(1), z.maxLength(100)),
    comment: z.string().check(z.maxLength(5000)),
    ratings: z.record(z.string(), z.number().check(z.int(), z.gte(1), z.lte(5))),
    details: z.object({
      ...textDetails,
      reasonCode: z.optional(z.string().check(z.maxLength(100))),
      amount: z.optional(z.number().check(z.nonnegative())),
      currency: z.optional(z.string().check(z.maxLength(3))),
      promises: textDetailSchema,
    }),
    answeredAt: z.string().check(z.minLength(1)),
    answeredBy: z.enum(['owner', 'team-lead']),
  });
}

/** FeedbackAnswer as recorded (feedback/answers.ts loadFeedbackAnswer parses it; and an answer sent inline by an execution from before answers travelled as codes). */
export const feedbackAnswerSchema = /* @__PURE__ */ feedbackAnswerSchemaFor();

/** The definition of a step. */
export function stepDefinition(step: FeedbackStep): FeedbackStepDefinition {
  return FEEDBACK_STEP_DEFINITIONS[step];
}

/** Allowed answer values of a step. */
export function allowedAnswers(step: FeedbackStep): string[] {
  return stepDefinition(step).answers.map((a) => a.value);
}

/** Human label of an answer ('' for unknown ones). */
export function answerLabel(step: FeedbackStep, answer: string): string {
  return stepDefinition(step).answers.find((a) => a.value === answer)?.label ?? answer;
}

/** Human label of a reason code, if it is one of the step's options. */
export function reasonLabel(step: FeedbackStep, code: string): string {
  for (const d of stepDefinition(step).details) {
    const hit = d.options?.find((o) => o.value === code);
    if (hit) return hit.label;
  }
  return code;
}

/** Longest free-text detail and comment accepted (characters). */
export const MAX_TEXT = 2000;

/** A parsed form body: single or repeated fields. */
export type FormBody = Record<string, string | string[] | undefined>;

/** The one value of a form field; a repeated field is a ValidationError naming `name`. */
export function single(form: FormBody, field: string, name = field): string | undefined {
  const v = form[field];
  if (Array.isArray(v)) {
    if (v.length > 1) throw new ValidationError(name, 'must be given once');
    return v[0];
  }
  return v;
}

/**
 * Free text as stored: NFC, trimmed, '' as undefined, at most MAX_TEXT
 * characters; the one text rule of every edge (core/text.ts: well-formed
 * Unicode, no control characters but \t, \n, \r).
 */
export function text(value: string | undefined, field: string): string | undefined {
  if (value === undefined) return undefined;
  const problem = textProblem(value, { multiLine: true });
  if (problem !== undefined) throw new ValidationError(field, problem);
  const t = value.normalize('NFC').trim();
  if (t === '') return undefined;
  if (Array.from(t).length > MAX_TEXT) throw new ValidationError(field, `must be at most ${MAX_TEXT} characters`);
  return t;
}

/** The form fields of a step's form, as renderFormPage renders them: answer, `rating.<id>`, each detail, comment. */
export function formFields(def: FeedbackStepDefinition): string[] {
  return unique(['answer', ...def.ratings.map((q) => `rating.${q.id}`), ...def.details.map((d) => d.field), 'comment']);
}

/**
 * A form must hold only the fields it rendered, each at most once in all:
 * the first unknown field is a ValidationError naming it, and a body with
 * more values than the form has fields one naming `body` (aws/http.ts
 * refuses bodies with very many fields before they are parsed).
 */
export function checkFormFields(form: FormBody, fields: readonly string[]): void {
  const known = new Set(fields);
  const unknown = Object.keys(form).find((k) => !known.has(k));
  if (unknown !== undefined) {
    const name = unknown.trim() === '' ? '(a field without a name)' : toWellFormed(unknown.slice(0, 64));
    throw new ValidationError(name, 'is not a field of this form');
  }
  const values = Object.values(form).reduce((n, v) => n + (v === undefined ? 0 : Array.isArray(v) ? v.length : 1), 0);
  if (values > fields.length) throw new ValidationError('body', `has ${values} fields; the form has ${fields.length}`);
}

/** How far ahead a meeting may be booked (its outcome is awaited until after it). */
export const MAX_MEETING_AHEAD_DAYS = 90;

/**
 * Validates a submitted form for `step`. Field names: `answer`, `comment`,
 * `rating.<id>` (1-5, optional), and the detail fields by name (`reasonCode`,
 * `amount`, `currency`, ...). Errors name the field (`answer`,
 * `ratings.<id>`, `details.<field>`, `comment`).
 */
export function parseFeedbackForm(
  step: FeedbackStep,
  form: FormBody,
  meta: { answeredAt: string; answeredBy: FeedbackAnswer['answeredBy'] },
  catalogue: FeedbackCatalogue = FEEDBACK_STEP_DEFINITIONS,
): FeedbackAnswer {
  const def = catalogue[step];
  checkFormFields(form, formFields(def));
  const answer = single(form, 'answer');
  if (answer === undefined || answer === '') throw new ValidationError('answer', 'is required');
  if (!def.answers.some((a) => a.value === answer)) {
    throw new ValidationError('answer', `must be one of ${def.answers.map((a) => a.value).join(', ')}`);
  }

  const ratings: Record<string, number> = {};
  for (const q of def.ratings) {
    const raw = single(form, `rating.${q.id}`, `ratings.${q.id}`);
    if (raw === undefined || raw === '') continue;
    if (!/^[1-5]$/.test(raw.trim())) throw new ValidationError(`ratings.${q.id}`, 'must be a whole number from 1 to 5');
    ratings[q.id] = Number(raw.trim());
  }

  const details: FeedbackAnswer['details'] = {};
  for (const d of def.details) {
    const name = `details.${d.field}`;
    const shown = d.shownFor === undefined || d.shownFor.includes(answer);
    const raw = single(form, d.field, name);
    const value = shown ? text(raw, name) : undefined;
    if (value === undefined) {
      if (d.requiredFor?.includes(answer)) throw new ValidationError(name, `is required when the answer is ${answer}`);
      continue;
    }
    switch (d.kind) {
      case 'choice':
        if (!d.options?.some((o) => o.value === value)) {
          throw new ValidationError(name, `must be one of ${(d.options ?? []).map((o) => o.value).join(', ')}`);
        }
        details.reasonCode = value;
        break;
      case 'amount': {
        const parsed = parseAmount(value);
        if ('error' in parsed) throw new ValidationError(name, parsed.error);
        details.amount = parsed.amount;
        break;
      }
      case 'currency': {
        const code = value.toUpperCase();
        if (!isCurrency(code)) throw new ValidationError(name, 'must be one of the ISO 4217 currencies the form lists, such as EUR or USD');
        details.currency = code;
        break;
      }
      case 'date':
        if (!/^\d{4}-\d{2}-\d{2}$/.test(value) || Number.isNaN(Date.parse(`${value}T00:00:00Z`)) || new Date(`${value}T00:00:00Z`).toISOString().slice(0, 10) !== value) {
          throw new ValidationError(name, 'must be a date such as 2026-12-24');
        }
        details[d.field] = value;
        break;
      case 'time':
        if (!/^([01]\d|2[0-3]):[0-5]\d$/.test(value)) throw new ValidationError(name, 'must be a time such as 14:30');
        details[d.field] = value;
        break;
      case 'timezone':
        if (!isTimeZone(value)) throw new ValidationError(name, 'must be one of the time zones the form lists');
        details[d.field] = value;
        break;
      case 'text':
        details[d.field] = value;
        break;
    }
  }
  // A date needs its time and a time its date.
  const date = def.details.find((d) => d.kind === 'date');
  const time = def.details.find((d) => d.kind === 'time');
  if (date && time && (details[date.field] === undefined) !== (details[time.field] === undefined)) {
    const missing = details[date.field] === undefined ? date : time;
    throw new ValidationError(`details.${missing.field}`, `is required with the ${missing === date ? 'time' : 'date'}`);
  }
  if (date && time && typeof details[date.field] === 'string' && typeof details[time.field] === 'string') {
    // The meeting-outcome wait counts from the meeting: a date far ahead would hold the execution for months.
    const zone = def.details.find((d) => d.kind === 'timezone');
    const zoneValue = zone ? details[zone.field] : undefined;
    const start = zonedTime(String(details[date.field]), String(details[time.field]), typeof zoneValue === 'string' ? zoneValue : 'UTC');
    if (start.getTime() > Date.parse(meta.answeredAt) + MAX_MEETING_AHEAD_DAYS * 86_400_000) {
      throw new ValidationError(`details.${date.field}`, `must be within the next ${MAX_MEETING_AHEAD_DAYS} days`);
    }
  }

  const comment = text(single(form, 'comment'), 'comment') ?? '';
  return { step, answer, comment, ratings, details, answeredAt: meta.answeredAt, answeredBy: meta.answeredBy };
}

/** What an answer (or the part of it for one team) says, as labelled rows: outcome, ratings, details, comment. */
export function answerSummaryRows(
  step: FeedbackStep,
  answer: Pick<FeedbackAnswer, 'answer' | 'ratings' | 'details' | 'comment'>,
  outcomeLabel = 'Answer',
): SummaryRow[] {
  const def = stepDefinition(step);
  const out: SummaryRow[] = [{ label: outcomeLabel, value: answerLabel(step, answer.answer) }];
  for (const q of def.ratings) {
    const v = answer.ratings[q.id];
    if (v !== undefined) out.push({ label: q.label, value: `${v} / 5` });
  }
  for (const d of def.details) {
    const v = answer.details[d.field];
    if (v === undefined) continue;
    if (d.kind === 'currency' && typeof answer.details.amount === 'number') continue; // shown with the amount
    const shown = d.kind === 'amount' && typeof v === 'number' ? formatMoney(v, typeof answer.details.currency === 'string' ? answer.details.currency : undefined) : v;
    out.push({ label: d.label, value: d.field === 'reasonCode' && typeof v === 'string' ? reasonLabel(step, v) : shown });
  }
  out.push({ label: 'Comment', value: answer.comment });
  return out;
}

/**
 * The part of an answer meant for one receiving team: ratings and details
 * about that team (or about nobody in particular), plus the comment.
 */
export function feedbackFor(
  team: Team,
  answer: FeedbackAnswer,
  catalogue: FeedbackCatalogue = FEEDBACK_STEP_DEFINITIONS,
): { ratings: Record<string, number>; details: FeedbackAnswer['details'] } {
  const def = catalogue[answer.step];
  const ratings: Record<string, number> = {};
  for (const q of def.ratings) {
    const v = answer.ratings[q.id];
    if (v !== undefined && q.about === team) ratings[q.id] = v;
  }
  const details: FeedbackAnswer['details'] = {};
  for (const d of def.details) {
    if (answer.details[d.field] !== undefined && (d.about === undefined || d.about === team)) details[d.field] = answer.details[d.field];
  }
  return { ratings, details };
}
