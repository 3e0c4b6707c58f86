/**
 * share-feedback domain: one FEEDBACK item per receiving team (GSI
 * byTeamFeedback). Every item goes into the receiving team's weekly digest;
 * it is also emailed at once, with reply links, when the INSTANT_FEEDBACK_EMAILS
 * policy says so (by default only when it `needsAttention`).
 */
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { ddb, tableName } from '#lib/aws/clients';
import type { InstantFeedbackEmails } from '#lib/aws/config';
import type { TeamDirectory } from '#lib/teams/directory';
import type { FeedbackAnswer, FeedbackStep, Team } from '#lib/core/contracts';
import { type EmailButton, type RenderedEmail, leadSummary, renderEmail } from '#lib/mail/layout';
import { asTransient } from '#lib/core/errors';
import { REPLY_STATUSES, REPLY_STATUS_LABELS, type FeedbackItem } from './records';
import { feedbackSkOf, replyUrl } from './replies';
import { FEEDBACK_STEP_DEFINITIONS, type FeedbackCatalogue, TEAM_NAMES, answerSummaryRows, feedbackFor, flaggedDetailFields, stepDefinition } from './steps';
import { countFeedback } from '#lib/funnel/counters';
import { feedbackKey, teamFeedbackIndex } from '#lib/core/keys';
import type { LeadProfile } from '#lib/leads/records';
import { createReplyLink, deleteLink } from './links';
import { sendEmail } from '#lib/mail/mailer';
import { feedbackSharedEvent } from '#lib/events/lead-events';
import { publishEvents } from '#lib/events/publish';

export function feedbackItem(lead: LeadProfile, step: FeedbackStep, from: Team, to: Team, feedback: FeedbackAnswer): FeedbackItem {
  const part = feedbackFor(to, feedback);
  const owner = lead.owners?.[from];
  const toOwner = lead.owners?.[to];
  return {
    leadId: lead.leadId,
    step,
    from,
    to,
    pair: `${from}->${to}`,
    ...(lead.campaign ? { campaign: lead.campaign } : {}),
    ...(owner ? { owner } : {}),
    ...(toOwner ? { toOwner } : {}),
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

/** A rating at or below this needs attention. */
const LOW_RATING = 2;

/**
 * Feedback that needs the receiving team's attention now, not in next week's
 * digest: any rating of LOW_RATING (2) or below, or a filled problem detail
 * (a text question the catalogue declares with `flags: true`: what was
 * missing from the hand-off, promises that could not be kept, the
 * difficulties the customer faces). Judged on the part for that team.
 */
export function needsAttention(item: Pick<FeedbackItem, 'ratings' | 'details'>, catalogue: FeedbackCatalogue = FEEDBACK_STEP_DEFINITIONS): boolean {
  return Object.values(item.ratings).some((r) => r <= LOW_RATING) || flaggedDetailFields(catalogue).some((d) => (item.details[d] ?? '') !== '');
}

/** Whether share-feedback emails this item at once under the policy (it is stored and digested either way). */
export function emailsAtOnce(policy: InstantFeedbackEmails, item: Pick<FeedbackItem, 'ratings' | 'details'>): boolean {
  return policy === 'all' || (policy === 'flagged' && needsAttention(item));
}

/** The instant email: the feedback, the lead, and one reply button per status (all opening the same reply link). */
export function feedbackEmail(lead: LeadProfile, item: FeedbackItem, replyLink?: string): RenderedEmail {
  const def = stepDefinition(item.step);
  const buttons: EmailButton[] = replyLink ? REPLY_STATUSES.map((s) => ({ label: `Reply: ${REPLY_STATUS_LABELS[s]}`, url: `${replyLink}?status=${s}` })) : [];
  return renderEmail({
    subject: `Feedback from ${TEAM_NAMES[item.from]}: ${def.title} for ${lead.name} (${lead.company})`,
    heading: `Feedback from ${TEAM_NAMES[item.from]} to ${TEAM_NAMES[item.to]}`,
    paragraphs: [
      `${def.title} of this lead${item.campaign ? ` from campaign "${item.campaign}"` : ''}. Here is what ${TEAM_NAMES[item.from]} reported for you.`,
      ...(needsAttention(item) ? ['It comes at once because it needs attention (a rating of 2 or below, or a problem reported); other feedback waits for your weekly digest.'] : []),
      ...(replyLink ? [`Let ${TEAM_NAMES[item.from]} know you read it: reply "acknowledged", or "acting on it" with what you will do.`] : []),
    ],
    summary: leadSummary(lead),
    sections: [{ title: 'Feedback', rows: answerSummaryRows(item.step, item, 'Outcome') }],
    buttons,
    footer: 'Sent by The Model pipeline after each hand-off review. All feedback also goes into your weekly digest.',
  });
}

interface ShareDeps {
  teams: TeamDirectory;
  /** PUBLIC_BASE_URL (reply links). */
  publicBaseUrl: string;
  /** INSTANT_FEEDBACK_EMAILS. */
  instantEmails: InstantFeedbackEmails;
}

/**
 * Stores the feedback for every receiving team, publishes FeedbackShared
 * (once for the review, before any email: a retried step stores and
 * publishes again, under the same event id), then emails it at once (with a
 * reply link) where the policy says so.
 */
export async function shareFeedback(
  lead: LeadProfile,
  input: { step: FeedbackStep; from: Team; to: readonly Team[]; feedback: FeedbackAnswer },
  deps: ShareDeps,
): Promise<{ shared: number; emailed: number }> {
  const items = [...new Set(input.to)].map((to) => feedbackItem(lead, input.step, input.from, to, input.feedback));
  for (const item of items) await storeFeedback(item);
  const { answer, ratings, details, answeredAt } = input.feedback;
  await publishEvents([feedbackSharedEvent(lead.leadId, { step: input.step, from: input.from, to: input.to, answer, ratings, reasonCode: details.reasonCode, answeredAt })]);
  const shared = items.length;
  let emailed = 0;
  for (const item of items) {
    const to = item.to;
    if (!emailsAtOnce(deps.instantEmails, item)) continue;
    const { id, link } = await createReplyLink({ leadId: item.leadId, feedbackSk: feedbackSkOf(item) });
    let sent: boolean;
    try {
      sent = (
        await sendEmail({
          to: deps.teams[to].lead,
          cc: deps.teams[to].members,
          ...feedbackEmail(lead, item, replyUrl(deps.publicBaseUrl, id)),
          idempotencyKey: `share#${lead.leadId}#${input.step}#${to}#${input.feedback.answeredAt}`,
        })
      ).sent;
    } catch (error) {
      await deleteLink(link.hash).catch(() => undefined);
      throw error;
    }
    if (sent) emailed += 1;
    else await deleteLink(link.hash); // a retried step: the first attempt's email (and link) went out
  }
  return { shared, emailed };
}
