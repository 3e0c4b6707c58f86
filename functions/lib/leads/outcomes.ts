/**
 * record-outcome domain: the stage of each terminal outcome, and who is told.
 *   nurture / disqualified / lost / churned -> Marketing, with the reason, and the
 *     comment of the answer that ended the lead and who gave it (feedback/history.ts);
 *     for a nurture-worthy reason (funnel/reasons.ts: timing, budget, not ready)
 *     the email asks Marketing to nurture the lead again (a win-back for a
 *     churned customer); the reason stays on the profile and in the funnel
 *   stalled -> nobody here: the rescue request that follows asks the team lead (feedback/rescue.ts)
 *   needs-attention -> error + the reason in plain words (failureReason) recorded on the lead; the rescue request that follows asks ops
 *   renewed -> nobody: the last check-in's request said the renewal is due
 *   closed -> no stage change and no email to Marketing: ops or the team lead closed the lead
 *     from its rescue request ("Close lead"), and the execution ends FAILED
 * A lead that leaves with a meeting still booked (a no-show, or a meeting to
 * come; nurture, disqualified, lost or closed) has it cancelled in the rep's
 * and Inside Sales' calendars, and recorded as cancelled (meetings/booking.ts).
 */
import type { TeamDirectory } from '#lib/teams/directory';
import { FEEDBACK_STEPS, type Outcome, type RecordOutcomeEvent, type Stage, type Team } from '#lib/core/contracts';
import { type RenderedEmail, leadSummary, renderEmail } from '#lib/mail/layout';
import { NotFound } from '#lib/core/errors';
import { TEAM_NAMES, reasonLabel, stepDefinition } from '#lib/feedback/steps';
import { type AnsweredRequest, answeredRequests } from '#lib/feedback/history';
import { formatDateTime } from '#lib/core/format';
import { truncate } from '#lib/core/html';
import { changeStage, getLead } from './profile';
import type { LeadProfile } from './records';
import { isNurtureWorthy } from '#lib/funnel/reasons';
import { sendEmail } from '#lib/mail/mailer';
import { cancelMeeting } from '#lib/meetings/booking';

/** The stage each outcome moves the lead to (closed moves it nowhere). */
export const OUTCOME_STAGE: Readonly<Record<Exclude<Outcome, 'closed'>, Stage>> = {
  nurture: 'nurture',
  disqualified: 'disqualified',
  lost: 'lost',
  stalled: 'stalled',
  renewed: 'renewed',
  churned: 'churned',
  'needs-attention': 'needs-attention',
};

/** ASL state names of the waits, to the team that was asked (stalled reason = overdue state name). */
export const WAIT_STATE_TEAM: Readonly<Record<string, Team>> = {
  'Await qualification call': 'inside-sales',
  'Await meeting outcome': 'field-sales',
  'Await deal decision': 'field-sales',
  'Await onboarding review': 'customer-success',
  'Check in with customer': 'customer-success',
};

/** Human label of a reason code from any review step (raw code when unknown). */
export function describeReason(code: string): string {
  for (const step of FEEDBACK_STEPS) {
    const label = reasonLabel(step, code);
    if (label !== code) return label;
  }
  return code;
}

/** What ops read when a failure came with no cause (a timeout's Cause is empty; an error output may have none). */
export const NO_DETAILS = 'no details given';

/** The error name of a failure; 'unknown' when Step Functions gave none (missing or empty). */
export function errorName(error: string | undefined): string {
  const name = error?.trim() ?? '';
  return name === '' ? 'unknown' : name;
}

/**
 * The reason of a failure in plain words, from Step Functions' `Cause`: for a
 * Lambda error that is JSON (`{"errorMessage", "errorType", "trace"}`), of
 * which only the message is kept, no stack; any other cause (a timeout, a
 * service's text) is kept as it is. Undefined when there is none.
 */
export function failureReason(cause: string | undefined): string | undefined {
  if (cause === undefined || cause.trim() === '') return undefined;
  try {
    const parsed: unknown = JSON.parse(cause);
    if (typeof parsed === 'object' && parsed !== null && typeof (parsed as { errorMessage?: unknown }).errorMessage === 'string') {
      const message = (parsed as { errorMessage: string }).errorMessage.trim();
      return message === '' ? undefined : truncate(message, 1000);
    }
  } catch {
    // not JSON: a plain cause
  }
  return truncate(cause.trim(), 1000);
}

interface Mail {
  to: string;
  cc?: string[];
  email: RenderedEmail;
}

/** Who answered the request that ended the lead: "sdr1@example.com (Inside Sales)", "... (Field Sales team lead)". */
function answeredByLine(ending: AnsweredRequest): string {
  const def = stepDefinition(ending.step);
  const team = def.askedTeam === 'ops' ? 'ops' : TEAM_NAMES[def.askedTeam];
  return `${ending.addressee} (${team}${ending.answer.answeredBy === 'team-lead' && def.askedTeam !== 'ops' ? ' team lead' : ''})`;
}

/** The section of Marketing's email on why the lead came back: the reason, the answer's comment, who gave it and when. */
function whySection(event: RecordOutcomeEvent, ending: AnsweredRequest | undefined): { title: string; rows: { label: string; value: string | undefined }[] } {
  return {
    title: 'Why it comes back',
    rows: [
      { label: 'Reason', value: describeReason(event.reason) },
      ...(ending
        ? [
            { label: 'Decided at', value: `${stepDefinition(ending.step).title}, ${formatDateTime(ending.answer.answeredAt)}` },
            { label: 'By', value: answeredByLine(ending) },
            { label: 'Their comment', value: ending.answer.comment === '' ? 'No comment was left.' : ending.answer.comment },
          ]
        : [{ label: 'Decided by', value: 'The pipeline (the lead\'s score), no one answered a request' }]),
    ],
  };
}

/**
 * Who gets which email for an outcome (none for unknown combinations).
 * `ending` is the answered request that ended the lead (its reason, comment and who), when there was one.
 */
export function outcomeMail(event: RecordOutcomeEvent, lead: LeadProfile | undefined, teams: TeamDirectory, ending?: AnsweredRequest): Mail | undefined {
  const summary = lead ? leadSummary(lead) : [{ label: 'Lead id', value: event.leadId }];
  const who = lead ? `${lead.name} (${lead.company})` : event.leadId;
  switch (event.outcome) {
    case 'nurture':
    case 'disqualified':
    case 'lost':
    case 'churned': {
      const titles = { nurture: 'returned to nurture', disqualified: 'disqualified', lost: 'lost', churned: 'churned' } as const;
      return {
        to: teams.marketing.lead,
        cc: teams.marketing.members,
        email: renderEmail({
          subject: `Lead ${titles[event.outcome]}: ${who}`,
          heading: `Lead ${titles[event.outcome]}`,
          paragraphs: [
            `This lead comes back to Marketing. Reason: ${describeReason(event.reason)}.`,
            isNurtureWorthy(event.reason)
              ? event.outcome === 'churned'
                ? 'The reason is timing or budget, not the product: worth a win-back campaign. Please put this customer into nurture.'
                : 'The reason is timing or budget, not fit: please put this lead back into nurture.'
              : 'No further nurture is suggested for this reason.',
          ],
          summary,
          sections: [whySection(event, ending)],
        }),
      };
    }
    case 'stalled':
    case 'needs-attention':
      // No email here: the lead then waits in "Await rescue decision", whose request (feedback/rescue.ts) tells
      // ops (a failed step) or the team lead (a stalled lead) what happened, with a link per decision.
      return undefined;
    case 'renewed':
      // No email: the last check-in's request already told the CSM the renewal is due (feedback/briefs.ts, RENEWAL_BRIEF).
      return undefined;
    case 'closed':
      // No email to Marketing: the lead was closed, not handed back (that is the rescue's "return").
      return undefined;
  }
}

/**
 * Moves the lead to the outcome's stage and sends the outcome's email
 * (idempotent on retry). No read first: the stage change returns the profile.
 * An unknown lead (NotFound) still gets its email, naming the lead id;
 * `lead` is then undefined.
 */
export async function recordOutcome(event: RecordOutcomeEvent, teams: TeamDirectory, now: Date = new Date()): Promise<{ stage: Stage | undefined; lead: LeadProfile | undefined }> {
  if (event.outcome === 'closed') return closeLead(event, now);
  const stage = OUTCOME_STAGE[event.outcome];
  const patch =
    event.outcome === 'needs-attention'
      ? { lastError: { step: event.reason, error: truncate(errorName(event.error), 200), cause: truncate(failureReason(event.cause) ?? '', 2000), at: now.toISOString() } }
      : undefined;
  let lead: LeadProfile | undefined;
  try {
    lead = (await changeStage(event.leadId, stage, { reason: event.reason, ...(patch ? { patch } : {}), now })).lead;
  } catch (error) {
    if (!(error instanceof NotFound)) throw error;
  }
  if (lead && ['nurture', 'disqualified', 'lost'].includes(event.outcome)) {
    await cancelMeeting(lead, event.reason, event.reason === 'no-show' ? 'the lead did not show up and goes back to Marketing' : 'the lead went back to Marketing', now);
  }
  // The answer that ended the lead (its comment and who gave it): read back here, it does not travel through the execution.
  const returns = ['nurture', 'disqualified', 'lost', 'churned'].includes(event.outcome);
  const ending = lead && returns ? (await answeredRequests(event.leadId)).at(-1) : undefined;
  const mail = outcomeMail(event, lead, teams, ending);
  if (mail) {
    const marker = lead ? lead.stageChangedAt : 'no-lead';
    await sendEmail({ to: mail.to, ...(mail.cc ? { cc: mail.cc } : {}), ...mail.email, idempotencyKey: `outcome#${event.leadId}#${event.outcome}#${marker}` }, now);
  }
  return { stage, lead };
}

/** Who closed the lead, from the closed outcome's reason (the rescue decision's kind). */
const CLOSED_BY: Readonly<Record<string, string>> = { 'closed-by-ops': 'ops closed the lead', 'closed-by-team-lead': 'the team lead closed the lead' };

/**
 * A lead closed from its rescue request (outcome closed, "Close lead"): its
 * stage stays (needs-attention or stalled, where the funnel counts it) and a
 * meeting still to come is cancelled (meetings/booking.ts cancelMeeting,
 * once across retries). An unknown lead has nothing to cancel.
 */
async function closeLead(event: RecordOutcomeEvent, now: Date): Promise<{ stage: Stage | undefined; lead: LeadProfile | undefined }> {
  const lead = await getLead(event.leadId);
  if (lead === undefined) return { stage: undefined, lead: undefined };
  await cancelMeeting(lead, event.reason, CLOSED_BY[event.reason] ?? 'the lead was closed', now);
  return { stage: lead.stage, lead };
}
