/**
 * The hand-off briefs: what the next team needs to pick a lead up without
 * asking again. They travel in the request email that follows the hand-off
 * (request-feedback), so the new owner gets ONE email with the facts and the
 * links to report on them: Field Sales gets who, company, score and what
 * Inside Sales learned on the call with the meeting-outcome links; Customer
 * Success gets the deal and what was promised with the onboarding-review
 * links, with what Inside Sales and Field Sales said; each check-in the deal,
 * its number, the previous health and the renewal date, and the last one says
 * the renewal is due. The builders are pure
 * over the email layout, which escapes every value (callers pass raw lead
 * data); requestBrief reads the call notes and the answered requests.
 */
import type { FeedbackStep, RequestFeedbackEvent } from '#lib/core/contracts';
import type { EmailSection, SummaryRow } from '#lib/mail/layout';
import { answerLabel, reasonLabel, stepDefinition } from './steps';
import { latestFeedback, type Learned } from '#lib/leads/handoff';
import { isExpansion } from '#lib/leads/schema';
import type { LeadProfile } from '#lib/leads/records';
import { bookingIn, isBooked, meetingWhen } from '#lib/meetings/booking';
import { formatDateTime, formatMoney } from '#lib/core/format';
import { type AnsweredRequest, answeredRequests, latestAnswer } from './history';

function scoringRows(lead: LeadProfile): SummaryRow[] {
  const a = lead.attributes ?? {};
  return [
    { label: 'Score', value: lead.score === undefined ? undefined : `${lead.score} / 100${lead.tier ? `, tier ${lead.tier}` : ''}` },
    { label: 'Fit', value: typeof a['fitScore'] === 'number' ? `${a['fitScore']} / 100` : undefined },
    { label: 'Engagement', value: typeof a['engagementScore'] === 'number' ? `${a['engagementScore']} / 100` : undefined },
    { label: 'Seniority', value: typeof a['seniority'] === 'string' ? a['seniority'] : undefined },
    { label: 'Pages viewed', value: lead.pagesViewed },
    { label: 'Events attended', value: lead.eventsAttended },
  ];
}

function learnedRows(step: FeedbackStep, learned: Learned | undefined): SummaryRow[] {
  if (!learned) return [{ label: 'Notes', value: 'No notes were recorded.' }];
  const details = learned.details ?? {};
  const reason = typeof details['reasonCode'] === 'string' ? reasonLabel(step, details['reasonCode']) : undefined;
  return [
    { label: 'Outcome', value: answerLabel(step, learned.answer) },
    { label: 'Reason', value: reason },
    { label: 'Notes', value: learned.comment },
    ...Object.entries(learned.ratings ?? {}).map(([id, v]) => ({
      label: stepDefinition(step).ratings.find((q) => q.id === id)?.label ?? id,
      value: `${v} / 5`,
    })),
    { label: 'Answered', value: learned.answeredAt },
  ];
}

/** "Thu, 10 Dec 2026, 14:00 CET (Europe/Berlin)": the meeting an answer booked, if it gave its date and time. */
export function meetingTime(answer: Learned | undefined): string | undefined {
  const booking = bookingIn(answer);
  return booking ? meetingWhen({ start: booking.start.toISOString(), timeZone: booking.timeZone }) : undefined;
}

/** What a request email adds when it hands a lead over (or announces the renewal). */
export interface RequestBrief {
  /** Appended to the request's subject, e.g. "new meeting, hand-off brief inside" ('' for nothing). */
  subjectNote: string;
  heading: string;
  /** Shown before the request's own prompt. */
  paragraphs: string[];
  sections: EmailSection[];
}

interface MeetingBriefInput {
  lead: LeadProfile;
  /** The qualification call's feedback (undefined for expansions or when none was stored). */
  call: Learned | undefined;
  reschedules: number;
  expansion: boolean;
}

/** The meeting-outcome request: the hand-off from Inside Sales (or Customer Success, for an expansion) to the rep. */
function meetingBrief(input: MeetingBriefInput): RequestBrief {
  const { lead, call, reschedules, expansion } = input;
  const isOwner = lead.owners?.['inside-sales'];
  const paragraphs = [
    expansion
      ? `${lead.company} is an existing customer and Customer Success sees an expansion opportunity. Please set up a meeting; the account's Customer Success Manager knows the customer best.`
      : `Inside Sales qualified ${lead.name} at ${lead.company} and booked a meeting with you. Here is what they learned${isOwner ? `; questions go to ${isOwner}` : ''}.`,
  ];
  // The meeting as scheduled (a reschedule's new time included); a lead scheduled before that was kept: the call's booking.
  const when = isBooked(lead.meeting) ? meetingWhen(lead.meeting) : lead.meeting === undefined ? meetingTime(call) : undefined;
  paragraphs.push(when ? `The meeting is on ${when}.` : 'No time was booked yet: agree one with the lead.');
  if (reschedules > 0) paragraphs.push(`The previous meeting was a no-show: this is reschedule number ${reschedules}.`);
  paragraphs.push('After the meeting, report how it went with the buttons below.');
  return {
    subjectNote: reschedules > 0 ? `rescheduled meeting ${reschedules}, brief inside` : expansion ? 'expansion meeting, brief inside' : 'new meeting, hand-off brief inside',
    heading: expansion ? 'Expansion opportunity hand-off' : 'Meeting hand-off from Inside Sales',
    paragraphs,
    sections: [
      { title: 'Qualification', rows: scoringRows(lead) },
      expansion
        ? { title: 'What Customer Success saw', rows: [{ label: 'Check-in notes', value: lead.message ?? 'No notes were recorded.' }, { label: 'Customer since (lead)', value: lead.expansionOf }] }
        : { title: 'What Inside Sales learned on the call', rows: [{ label: 'Inside Sales owner', value: isOwner }, ...learnedRows('qualification-call', call)] },
    ],
  };
}

/** The deal as the next team reads it: amount with its currency, when it closed, who closed it. */
function dealRows(lead: LeadProfile): SummaryRow[] {
  const deal = lead.deal;
  return [
    { label: 'Amount', value: deal ? formatMoney(deal.amount, deal.currency) : 'Not recorded' },
    { label: 'Closed', value: deal?.closedAt ? formatDateTime(deal.closedAt) : undefined },
    { label: 'Field Sales rep', value: lead.owners?.['field-sales'] },
  ];
}

/** A team's notes from an answer: its comment, or that none was left. */
const notes = (answer: AnsweredRequest | undefined): string => (answer && answer.answer.comment !== '' ? answer.answer.comment : 'No notes were recorded.');

/**
 * The onboarding-review request: the brief to the CSM, with the deal, what was
 * promised, what Inside Sales learned on the call and what Field Sales said
 * (the answers' comments, read back from DynamoDB: feedback/history.ts).
 */
function onboardingBrief(lead: LeadProfile, answered: readonly AnsweredRequest[]): RequestBrief {
  const rep = lead.owners?.['field-sales'];
  const call = latestAnswer(answered, ['qualification-call']);
  const meeting = latestAnswer(answered, ['meeting-outcome']);
  const decision = latestAnswer(answered, ['deal-decision']);
  return {
    subjectNote: 'new customer, onboarding brief inside',
    heading: 'New customer: onboarding brief',
    paragraphs: [
      `${lead.company} signed. You are their Customer Success Manager${rep ? `; ${rep} closed the deal` : ''}.`,
      'Please read what was promised in the sale: onboarding should deliver exactly that. Once onboarding is under way, send your review with the buttons below.',
    ],
    sections: [
      { title: 'The deal', rows: dealRows(lead) },
      { title: 'What was promised', rows: [{ label: 'Promises', value: lead.deal?.promises ?? 'Nothing specific was recorded: ask the rep.' }] },
      { title: 'What Inside Sales learned on the call', rows: [{ label: 'Inside Sales owner', value: lead.owners?.['inside-sales'] }, { label: 'Notes', value: notes(call) }] },
      {
        title: 'What Field Sales said',
        rows: [
          { label: 'After the meeting', value: notes(meeting) },
          { label: 'With the deal', value: notes(decision) },
        ],
      },
    ],
  };
}

/** "Healthy (health 4 / 5), 2 Feb 2027" from the previous check-in, or the onboarding review's answer before the first. */
function previousHealth(answered: readonly AnsweredRequest[]): string {
  const last = latestAnswer(answered, ['check-in', 'onboarding-review']);
  if (!last) return 'Not reported yet';
  const health = last.answer.ratings['health'];
  const what = last.step === 'check-in' ? answerLabel('check-in', last.answer.answer) : `Onboarding: ${answerLabel('onboarding-review', last.answer.answer)}`;
  return `${what}${health === undefined ? '' : ` (health ${health} / 5)`}, ${formatDateTime(last.answer.answeredAt)}`;
}

/**
 * A check-in request: the deal, which check-in this is, the previous health
 * and the renewal date; the last one also says the renewal is due (no
 * separate "Renewal due" email).
 */
function checkInBrief(lead: LeadProfile, event: Pick<RequestFeedbackEvent, 'renewalDue' | 'checkIn'>, answered: readonly AnsweredRequest[]): RequestBrief {
  const last = event.renewalDue === true;
  const checkIn = event.checkIn;
  return {
    subjectNote: last ? 'last check-in, renewal due' : checkIn ? `check-in ${checkIn.number} of ${checkIn.of}` : '',
    heading: last ? 'Last check-in: renewal due' : 'Customer check-in',
    paragraphs: last ? ['This is the last check-in of the cycle: unless the customer churned, their renewal is due after your answer. Please start the renewal conversation.'] : [],
    sections: [
      {
        title: 'This check-in',
        rows: [
          { label: 'Check-in', value: checkIn ? `${checkIn.number} of ${checkIn.of}` : undefined },
          { label: 'Previous health', value: previousHealth(answered) },
          { label: 'Renewal', value: checkIn ? formatDateTime(checkIn.renewalAt) : undefined },
          { label: 'Customer Success Manager', value: lead.owners?.['customer-success'] },
        ],
      },
      { title: 'The deal', rows: [...dealRows(lead), { label: 'What was promised', value: lead.deal?.promises }] },
    ],
  };
}

/** The brief a request email carries, by step (none for the other steps). */
export async function requestBrief(event: Pick<RequestFeedbackEvent, 'leadId' | 'step' | 'reschedules' | 'renewalDue' | 'checkIn'>, lead: LeadProfile): Promise<RequestBrief | undefined> {
  switch (event.step) {
    case 'meeting-outcome': {
      const expansion = isExpansion(lead);
      const call = expansion ? undefined : await latestFeedback(event.leadId, 'qualification-call');
      return meetingBrief({ lead, call, reschedules: event.reschedules ?? 0, expansion });
    }
    case 'onboarding-review':
      return onboardingBrief(lead, await answeredRequests(event.leadId));
    case 'check-in':
      return checkInBrief(lead, event, await answeredRequests(event.leadId));
    default:
      return undefined;
  }
}
