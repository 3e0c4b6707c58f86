/**
 * The hand-off briefs: what the next team needs to pick a lead up without
 * asking again. Field Sales gets who, company, score and what Inside Sales
 * learned on the call; Customer Success gets the deal and what was promised.
 * Pure functions over F1's email layout, which escapes every value (callers
 * pass raw lead data).
 */
import type { FeedbackStep } from './contracts';
import { leadSummary, renderEmail, type RenderedEmail, type SummaryRow } from './email-layout';
import { answerLabel, reasonLabel, stepDefinition } from './feedback-steps';
import type { Learned } from './handoff';
import type { LeadProfile } from './leads';

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

export interface HandoffBriefInput {
  lead: LeadProfile;
  rep: string;
  /** The qualification call's feedback (undefined for expansions or when none was stored). */
  call: Learned | undefined;
  reschedules: number;
  expansion: boolean;
}

/** schedule-meeting: the brief to the Field Sales rep. */
export function handoffBrief(input: HandoffBriefInput): RenderedEmail {
  const { lead, call, reschedules, expansion } = input;
  const isOwner = lead.owners?.['inside-sales'];
  const intro = expansion
    ? `${lead.company} is an existing customer and Customer Success sees an expansion opportunity. Please set up a meeting.`
    : `Inside Sales qualified ${lead.name} at ${lead.company} and booked a meeting with you. Here is what they learned.`;
  const paragraphs = [intro];
  if (reschedules > 0) paragraphs.push(`The previous meeting was a no-show: this is reschedule number ${reschedules}.`);
  paragraphs.push('After the meeting you will get a link to report how it went and whether these facts were right.');
  return renderEmail({
    subject: `${reschedules > 0 ? 'Reschedule: ' : ''}${expansion ? 'Expansion' : 'New meeting'}: ${lead.name}, ${lead.company} (score ${lead.score ?? 'n/a'})`,
    heading: expansion ? 'Expansion opportunity hand-off' : 'Meeting hand-off from Inside Sales',
    paragraphs,
    summary: leadSummary(lead),
    sections: [
      { title: 'Qualification', rows: scoringRows(lead) },
      expansion
        ? { title: 'What Customer Success saw', rows: [{ label: 'Check-in notes', value: lead.message ?? 'No notes were recorded.' }, { label: 'Customer since (lead)', value: lead.expansionOf }] }
        : { title: 'What Inside Sales learned on the call', rows: [{ label: 'Inside Sales owner', value: isOwner }, ...learnedRows('qualification-call', call)] },
    ],
    footer: expansion
      ? 'Sent by The Model pipeline. The account\'s Customer Success Manager knows the customer best.'
      : 'Sent by The Model pipeline. Reply to the Inside Sales owner with questions.',
  });
}

export interface CsmBriefInput {
  lead: LeadProfile;
  csm: string;
}

/** onboard-customer: the brief to the CSM, with what was promised in the sale. */
export function csmBrief(input: CsmBriefInput): RenderedEmail {
  const { lead } = input;
  const deal = lead.deal;
  const rep = lead.owners?.['field-sales'];
  return renderEmail({
    subject: `New customer to onboard: ${lead.company} (${lead.name})`,
    heading: 'New customer: onboarding brief',
    paragraphs: [
      `${lead.company} signed. You are their Customer Success Manager.`,
      'Please read what was promised in the sale: onboarding should deliver exactly that. You will be asked for an onboarding review.',
    ],
    summary: leadSummary(lead),
    sections: [
      {
        title: 'The deal',
        rows: [
          { label: 'Amount', value: deal ? `${formatAmount(deal.amount)} ${deal.currency}` : undefined },
          { label: 'Closed', value: deal?.closedAt },
          { label: 'Field Sales rep', value: rep },
        ],
      },
      { title: 'What was promised', rows: [{ label: 'Promises', value: deal?.promises ?? 'Nothing specific was recorded: ask the rep.' }] },
    ],
    footer: 'Sent by The Model pipeline.',
  });
}

function formatAmount(amount: number): string {
  return amount.toLocaleString('en-US', { maximumFractionDigits: 2 });
}

/** Who gets a hand-off brief: the new owner, with the previous owner in copy (questions go to the right person). */
export function briefRecipients(to: string, previousOwner: string | undefined): { to: string; cc?: string } {
  return previousOwner && previousOwner !== to ? { to, cc: previousOwner } : { to };
}
