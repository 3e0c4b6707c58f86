/**
 * share-feedback domain: one FEEDBACK item per receiving team (GSI
 * byTeamFeedback), and a readable summary email to that team.
 */
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { ddb, tableName } from './clients';
import type { TeamDirectory } from './config';
import type { FeedbackAnswer, FeedbackStep, Team } from './contracts';
import { type RenderedEmail, type SummaryRow, leadSummary, renderEmail } from './email-layout';
import { asTransient } from './errors';
import { answerLabel, feedbackFor, reasonLabel, stepDefinition } from './feedback-steps';
import { countFeedback } from './funnel-counters';
import { feedbackKey, teamFeedbackIndex } from './keys';
import type { LeadProfile } from './leads';
import { sendEmail } from './mailer';

export const TEAM_NAMES: Record<Team, string> = {
  marketing: 'Marketing',
  'inside-sales': 'Inside Sales',
  'field-sales': 'Field Sales',
  'customer-success': 'Customer Success',
};

/** The stored FEEDBACK item (minus keys). */
export interface FeedbackItem {
  leadId: string;
  step: FeedbackStep;
  from: Team;
  to: Team;
  /** `<from>-><to>`, for "feedback per team pair". */
  pair: string;
  campaign?: string;
  /** Owner of the lead in the giving team. */
  owner?: string;
  answer: string;
  ratings: Record<string, number>;
  details: FeedbackAnswer['details'];
  comment: string;
  answeredAt: string;
  answeredBy: FeedbackAnswer['answeredBy'];
}

export function feedbackItem(lead: LeadProfile, step: FeedbackStep, from: Team, to: Team, feedback: FeedbackAnswer): FeedbackItem {
  const part = feedbackFor(to, feedback);
  const owner = lead.owners?.[from];
  return {
    leadId: lead.leadId,
    step,
    from,
    to,
    pair: `${from}->${to}`,
    ...(lead.campaign ? { campaign: lead.campaign } : {}),
    ...(owner ? { owner } : {}),
    answer: feedback.answer,
    ratings: part.ratings,
    details: part.details,
    comment: feedback.comment,
    answeredAt: feedback.answeredAt,
    answeredBy: feedback.answeredBy,
  };
}

/** Deterministic key (answeredAt, step, team): a retried step overwrites the same item (and counts it in the funnel only the first time). */
export async function storeFeedback(item: FeedbackItem): Promise<void> {
  let created: boolean;
  try {
    const out = await ddb.send(
      new PutCommand({
        TableName: tableName(),
        Item: {
          ...feedbackKey(item.leadId, item.answeredAt, item.step, item.to),
          type: 'FEEDBACK',
          ...item,
          ...teamFeedbackIndex(item.to, item.answeredAt, item.leadId),
        },
        ReturnValues: 'ALL_OLD',
      }),
    );
    created = out.Attributes === undefined;
  } catch (error) {
    throw asTransient(error, 'storeFeedback');
  }
  if (created) await countFeedback(item);
}

export function feedbackEmail(lead: LeadProfile, item: FeedbackItem): RenderedEmail {
  const def = stepDefinition(item.step);
  const rows: SummaryRow[] = [{ label: 'Outcome', value: answerLabel(item.step, item.answer) }];
  for (const q of def.ratings) {
    const v = item.ratings[q.id];
    if (v !== undefined) rows.push({ label: q.label, value: `${v} / 5` });
  }
  for (const d of def.details) {
    const v = item.details[d.field];
    if (v === undefined) continue;
    rows.push({ label: d.label, value: d.field === 'reasonCode' && typeof v === 'string' ? reasonLabel(item.step, v) : v });
  }
  rows.push({ label: 'Comment', value: item.comment });
  return renderEmail({
    subject: `Feedback from ${TEAM_NAMES[item.from]}: ${def.title} for ${lead.name} (${lead.company})`,
    heading: `Feedback from ${TEAM_NAMES[item.from]} to ${TEAM_NAMES[item.to]}`,
    paragraphs: [`${def.title} of this lead${item.campaign ? ` from campaign "${item.campaign}"` : ''}. Here is what ${TEAM_NAMES[item.from]} reported for you.`],
    summary: leadSummary(lead),
    sections: [{ title: 'Feedback', rows }],
    footer: 'Sent by The Model pipeline after each hand-off review.',
  });
}

/** Stores and emails the feedback for every receiving team. Returns the number stored. */
export async function shareFeedback(
  lead: LeadProfile,
  input: { step: FeedbackStep; from: Team; to: readonly Team[]; feedback: FeedbackAnswer },
  teams: TeamDirectory,
): Promise<number> {
  let shared = 0;
  for (const to of new Set(input.to)) {
    const item = feedbackItem(lead, input.step, input.from, to, input.feedback);
    await storeFeedback(item);
    shared += 1;
    const email = feedbackEmail(lead, item);
    await sendEmail({
      to: teams[to].lead,
      cc: teams[to].members,
      ...email,
      idempotencyKey: `share#${lead.leadId}#${input.step}#${to}#${input.feedback.answeredAt}`,
    });
  }
  return shared;
}
