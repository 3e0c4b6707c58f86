/**
 * The feedback-link machinery behind request-feedback and feedback-page:
 * who is asked, the request email (with the hand-off brief, when the request
 * follows a hand-off), answering (one answer wins, then SendTaskSuccess).
 * The reminder sweep is in feedback/reminders.ts.
 */
import { createHash } from 'node:crypto';
import { formatDateTime, formatDeadline } from '#lib/core/format';
import { SendTaskHeartbeatCommand, SendTaskSuccessCommand } from '@aws-sdk/client-sfn';
import { type RequestBrief, requestBrief } from './briefs';
import { sfn } from '#lib/aws/clients';
import { SETTINGS } from '#lib/aws/settings';
import { type TeamDirectory, timeZoneOf } from '#lib/teams/directory';
import type { FeedbackAnswer, FeedbackStep, RequestFeedbackEvent, Stage, Team } from '#lib/core/contracts';
import { type LeadSnapshot, leadSnapshot, leadSummary, renderEmail, type RenderedEmail } from '#lib/mail/layout';
import { Conflict, Gone, NotFound, TransientError, errorName } from '#lib/core/errors';
import { codedAnswer } from './answers';
import { type FeedbackStepDefinition, type FormBody, FEEDBACK_STEP_DEFINITIONS, parseFeedbackForm, stepDefinition } from './steps';
import { RESCUE_OFFERS, executionUrl, reassignOptions, reassignedNote, rescueAddressee, rescueDefinition, rescueRequestEmail, rescueTeam, stageBeforeRescue } from './rescue';
import { changeStage, getLead, requireLead } from '#lib/leads/profile';
import { recordOverdue } from '#lib/funnel/activity';
import type { LeadProfile } from '#lib/leads/records';
import {
  type FeedbackRequest,
  answerLink,
  createAlias,
  createLink,
  deleteLink,
  forgetTaskToken,
  type LinkLookup,
  markExpired,
  reassignedGone,
  reserveLink,
  revertAnswer,
} from './links';
import { type MailAttachment, sendEmail, wasSent } from '#lib/mail/mailer';
import { invitationAttachment, inviteInsideSales, isBooked } from '#lib/meetings/booking';
import { errorSummary, logger } from '#lib/aws/observability';

export interface FeedbackDeps {
  teams: TeamDirectory;
  /** PUBLIC_BASE_URL, no trailing slash. */
  publicBaseUrl: string;
  /** CONSOLE_BASE_URL: the ops console whose execution pages rescue emails link to (locally); unset on AWS. */
  consoleBaseUrl?: string;
  /** REMINDER_AFTER_FRACTION. @default the reminderAfterFraction setting's default */
  remindAfterFraction?: number;
}

/** The stage a lead is in while a review is pending, when the request itself marks a transition. */
const STAGE_WHILE_PENDING: Partial<Record<FeedbackStep, Stage>> = {
  'deal-decision': 'negotiating',
  'check-in': 'customer',
};

/** `${base}/feedback/<id>` with an optional `?answer=`. */
export function feedbackUrl(publicBaseUrl: string, id: string, answer?: string): string {
  const base = publicBaseUrl.replace(/\/+$/, '');
  return `${base}/feedback/${encodeURIComponent(id)}${answer ? `?answer=${encodeURIComponent(answer)}` : ''}`;
}

/** Who is asked: the lead's owner in the asked team, or its team lead when escalated (or unowned). */
function addresseeFor(
  lead: LeadProfile,
  team: Team,
  escalated: boolean,
  teams: TeamDirectory,
): { addressee: string; answeredBy: FeedbackAnswer['answeredBy']; cc?: string } {
  const owner = lead.owners?.[team];
  const teamLead = teams[team].lead;
  if (escalated || !owner) {
    return { addressee: teamLead, answeredBy: 'team-lead', ...(owner && owner !== teamLead ? { cc: owner } : {}) };
  }
  return { addressee: owner, answeredBy: 'owner' };
}

/** The idempotency key of a request: a retried invocation of the same task maps to the same key. */
function requestKeyOf(event: Pick<RequestFeedbackEvent, 'leadId' | 'step' | 'escalated' | 'taskToken'>): string {
  const token = createHash('sha256').update(event.taskToken, 'utf8').digest('hex').slice(0, 24);
  return `feedback#${event.leadId}#${event.step}#${event.escalated ? 'escalated' : 'owner'}#${token}`;
}

/** The request (or reminder) email: one button per answer. */
export function feedbackRequestEmail(args: {
  lead: LeadProfile;
  step: FeedbackStep;
  linkId: string;
  publicBaseUrl: string;
  deadline: string;
  escalated: boolean;
  reminder?: boolean;
  /** The hand-off brief the request carries (requestBrief), so the new owner gets one email. */
  brief?: RequestBrief;
  /** Escalated: the owner who did not answer, and when their answer was due. */
  missedBy?: string;
  missedDue?: string;
  /** Issued again to a new owner (teams/reassign.ts): whose it was, and why it moved. */
  reassigned?: { from: string; why: string };
  /** The addressee's time zone, for the deadline. @default UTC */
  timeZone?: string;
  now?: Date;
}): RenderedEmail {
  const def = stepDefinition(args.step);
  const prefix = args.reminder ? 'Reminder: ' : args.escalated ? 'Escalated: ' : '';
  const brief = args.brief;
  return renderEmail({
    subject: `${prefix}${def.title} for ${args.lead.name} (${args.lead.company})${brief?.subjectNote ? `: ${brief.subjectNote}` : ''}`,
    heading: `${prefix}${brief?.heading ?? def.title}`,
    paragraphs: [
      ...(args.reassigned ? [reassignedNote(args.reassigned)] : []),
      ...(args.escalated
        ? [`${args.missedBy ?? 'The owner'} did not answer ${args.missedDue ? `by ${formatDateTime(args.missedDue)}` : 'in time'}, so this request now comes to you as team lead: ${def.question}`]
        : [...(brief?.paragraphs ?? []), def.prompt]),
      ...(args.escalated ? (brief?.paragraphs ?? []) : []),
      `Please answer by ${formatDeadline(args.deadline, args.timeZone, args.now)}. Each button opens a short form; nothing is recorded until you send it.`,
    ],
    summary: leadSummary(args.lead),
    ...(brief ? { sections: brief.sections } : {}),
    buttons: def.answers.map((a) => ({ label: a.label, url: feedbackUrl(args.publicBaseUrl, args.linkId, a.value) })),
    footer: 'This link is personal to this request: please do not forward it.',
  });
}

/**
 * request-feedback: store the token under a fresh link and email the
 * addressee. Idempotent per (leadId, step, escalated, task token): when the
 * email for this request already went out, a retry does nothing.
 *
 * The link keeps the lead as the email shows it (its page then reads nothing
 * else), so the link is reserved (its pointer written) before the lead is
 * read: a lead erased before that read gets no link and no email; one erased
 * after it has its link found and tombstoned by the erasure (leads/erasure.ts).
 *
 * One clock: the deadline (and the reminder time) count from the state's
 * entered time, which the state machine passes in (`enteredTime`), so they
 * are on the execution's clock: the local `--time-scale` scales them as it
 * scales the task's timeout, and on AWS they match the timeout to the
 * millisecond. `invokedAt` stands in only for an execution started by a
 * definition that did not pass it yet (the same instant, give or take the
 * Lambda's start).
 */
export async function requestFeedback(event: RequestFeedbackEvent, deps: FeedbackDeps, invokedAt: Date = new Date()): Promise<{ requested: true }> {
  const requestKey = requestKeyOf(event);
  if (await wasSent(requestKey)) {
    logger.info('feedback request already sent', { leadId: event.leadId, step: event.step });
    return { requested: true };
  }
  const now = event.enteredTime !== undefined ? new Date(event.enteredTime) : invokedAt;
  const reservation = await reserveLink(event.leadId, event.timeoutSeconds, now);
  const lead = await requireLead(event.leadId); // after reserveLink: see above
  if (lead.erasedAt !== undefined) return notRequested(event);
  if (event.step === 'rescue') return requestRescue(event, deps, { reservation, lead, requestKey }, now);
  const def = stepDefinition(event.step);
  const pendingStage = STAGE_WHILE_PENDING[event.step];
  const askedTeam = def.askedTeam === 'ops' ? undefined : def.askedTeam;
  const reassigned = reassignedOwner(event, askedTeam, lead, deps.teams);
  // A rescued lead (a retried or reassigned request) is back in the stage it was in before it needed rescue.
  const resumed = stageBeforeRescue(lead);
  const resumeStage = pendingStage ?? resumed ?? (reassigned ? lead.stage : undefined);
  const reason = reassigned ? 'reassigned' : pendingStage === undefined && resumed !== undefined ? 'resumed' : `awaiting-${event.step}`;
  const current = resumeStage ? (await changeStage(event.leadId, resumeStage, { reason, current: lead, ...(reassigned ? { patch: { owners: reassigned } } : {}) })).lead : lead;
  if (askedTeam === undefined) throw new Error(`step ${event.step} asks no team`);
  const who = addresseeFor(current, askedTeam, event.escalated, deps.teams);
  const brief = await requestBrief(event, current);
  const created = await createLink(
    {
      reservation,
      lead: leadSnapshot(current),
      leadId: event.leadId,
      step: event.step,
      taskToken: event.taskToken,
      answers: def.answers.map((a) => a.value),
      addressee: who.addressee,
      answeredBy: who.answeredBy,
      escalated: event.escalated,
      requestKey,
      timeoutSeconds: event.timeoutSeconds,
      remindAfterFraction: deps.remindAfterFraction ?? SETTINGS.reminderAfterFraction.default,
      // The meeting's outcome can be reported once it is over: its deadline (the state's timeout) and its reminder count from the end.
      ...(event.step === 'meeting-outcome' && isBooked(current.meeting) ? { workFrom: new Date(current.meeting.end) } : {}),
      ...(brief ? { context: brief.sections } : {}),
    },
    now,
  ).catch((error: unknown) => {
    if (error instanceof Gone) return undefined; // erased since the read above
    throw error;
  });
  if (created === undefined) return notRequested(event);
  const { id, request } = created;
  const owner = def.askedTeam === 'ops' ? undefined : current.owners?.[def.askedTeam];
  // Escalated: the owner's answer was due now; the funnel counts it against them (their digest's overdue requests).
  if (event.escalated && owner) await recordOverdue({ leadId: event.leadId, step: event.step, team: askedTeam, owner, at: now.toISOString(), requestId: requestKey });
  const email = feedbackRequestEmail({
    lead: current,
    step: event.step,
    linkId: id,
    publicBaseUrl: deps.publicBaseUrl,
    deadline: request.deadline,
    escalated: event.escalated,
    timeZone: timeZoneOf(deps.teams, who.addressee),
    now,
    ...(brief ? { brief } : {}),
    // Escalated when the owner's wait timed out: their answer was due now.
    ...(event.escalated && owner ? { missedBy: owner, missedDue: now.toISOString() } : {}),
  });
  let sent: boolean;
  try {
    const invitation = await meetingInvitation(event, current, { id, request, publicBaseUrl: deps.publicBaseUrl, requestKey }, now);
    sent = (await sendEmail({ to: who.addressee, ...(who.cc ? { cc: who.cc } : {}), ...email, ...(invitation ? { attachments: [invitation] } : {}), idempotencyKey: requestKey })).sent;
  } catch (error) {
    await deleteLink(request.hash).catch(() => undefined);
    throw error;
  }
  if (!sent) await deleteLink(request.hash); // a concurrent attempt sent its own link
  logger.info('feedback requested', { leadId: event.leadId, step: event.step, escalated: event.escalated });
  return { requested: true };
}

/**
 * The calendar invitation (METHOD:REQUEST) of a booked meeting, for the
 * meeting-outcome request to the rep (not an escalation: the team lead is no
 * attendee), linking to that request. The Inside Sales owner gets it first,
 * in an email of its own with an alias of the link (meetings/booking.ts): a
 * retry after the rep's email went out returns before reaching here, and one
 * after a failed send re-sends the owner's (same UID and SEQUENCE: the same
 * calendar entry) with the new link.
 */
async function meetingInvitation(
  event: RequestFeedbackEvent,
  lead: LeadProfile,
  link: { id: string; request: FeedbackRequest; publicBaseUrl: string; requestKey: string },
  now: Date,
): Promise<MailAttachment | undefined> {
  if (event.step !== 'meeting-outcome' || event.escalated || !isBooked(lead.meeting)) return undefined;
  const alias = await createAlias(link.request, now);
  await inviteInsideSales(lead, lead.meeting, { outcomeUrl: feedbackUrl(link.publicBaseUrl, alias), key: `meeting#${lead.leadId}#${lead.meeting.sequence}#request#inside-sales#${link.request.hash.slice(0, 16)}`, now });
  return invitationAttachment(lead, lead.meeting, { method: 'REQUEST', outcomeUrl: feedbackUrl(link.publicBaseUrl, link.id), now });
}

/**
 * A stalled lead reassigned by its team lead (rescue 'reassign'): the owners
 * with the new member for the asked team, when `owner` is one of its members.
 */
function reassignedOwner(event: RequestFeedbackEvent, team: Team | undefined, lead: LeadProfile, teams: TeamDirectory): LeadProfile['owners'] | undefined {
  const owner = event.owner;
  if (owner === undefined || owner === '' || team === undefined) return undefined;
  if (!teams[team].members.includes(owner)) {
    logger.warn('reassignment to a non-member ignored', { leadId: event.leadId, step: event.step });
    return undefined;
  }
  return { ...(lead.owners ?? {}), [team]: owner };
}

/**
 * The rescue request (step 'rescue'): the lead moves to needs-attention or
 * stalled (the stage ops filter on), and ops (a failed step) or the stalled
 * step's team lead get the rescue email, with a link per offered answer.
 */
async function requestRescue(
  event: RequestFeedbackEvent,
  deps: FeedbackDeps,
  ctx: { reservation: Awaited<ReturnType<typeof reserveLink>>; lead: LeadProfile; requestKey: string },
  now: Date,
): Promise<{ requested: true }> {
  const rescue = event.rescue;
  if (rescue === undefined) throw new Error('a rescue request needs its rescue context');
  const stage: Stage = rescue.kind === 'failed' ? 'needs-attention' : 'stalled';
  const current = (await changeStage(event.leadId, stage, { reason: rescue.step, current: ctx.lead })).lead;
  const who = rescueAddressee(rescue, deps.teams);
  const answers = RESCUE_OFFERS[rescue.kind];
  const choices = reassignOptions(rescue, deps.teams);
  const created = await createLink(
    {
      reservation: ctx.reservation,
      lead: leadSnapshot(current),
      leadId: event.leadId,
      step: 'rescue',
      taskToken: event.taskToken,
      answers,
      addressee: who.addressee,
      answeredBy: rescueTeam(rescue) === undefined ? 'owner' : 'team-lead',
      escalated: event.escalated,
      requestKey: ctx.requestKey,
      timeoutSeconds: event.timeoutSeconds,
      remindAfterFraction: deps.remindAfterFraction ?? SETTINGS.reminderAfterFraction.default,
      choices,
      rescue,
    },
    now,
  ).catch((error: unknown) => {
    if (error instanceof Gone) return undefined;
    throw error;
  });
  if (created === undefined) return notRequested(event);
  const { id, request } = created;
  const def = rescueDefinition(answers, choices);
  const email = rescueRequestEmail({
    lead: current,
    leadId: event.leadId,
    rescue,
    buttons: def.answers.map((a) => ({ label: a.label, url: feedbackUrl(deps.publicBaseUrl, id, a.value) })),
    deadline: request.deadline,
    now,
    executionUrl: executionUrl(rescue.executionArn, deps.consoleBaseUrl),
  });
  let sent: boolean;
  try {
    sent = (await sendEmail({ to: who.addressee, ...(who.cc ? { cc: who.cc } : {}), ...email, idempotencyKey: ctx.requestKey })).sent;
  } catch (error) {
    await deleteLink(request.hash).catch(() => undefined);
    throw error;
  }
  if (!sent) await deleteLink(request.hash);
  logger.info('rescue requested', { leadId: event.leadId, kind: rescue.kind, step: rescue.step });
  return { requested: true };
}

/** The definition a request's form follows: the catalogue's, or for a rescue the answers and members it offers. */
export function requestDefinition(request: Pick<FeedbackRequest, 'step' | 'answers' | 'choices'>): FeedbackStepDefinition {
  return request.step === 'rescue' ? rescueDefinition(request.answers, request.choices ?? []) : stepDefinition(request.step);
}

/** The lead is being erased (DELETE /leads/{id} stops the execution too): nobody is asked about it. */
function notRequested(event: RequestFeedbackEvent): { requested: true } {
  logger.info('lead erased: no feedback request', { leadId: event.leadId, step: event.step });
  return { requested: true };
}

/**
 * What GET /feedback/{id} shows for a request link (`lookupLink`): the
 * pending request and its lead, as the request email showed it (kept on the
 * link: no other read). A link stored before that snapshot was kept reads the
 * lead (Gone if it was erased). NotFound/Gone/Conflict otherwise.
 */
export async function openFeedback(found: LinkLookup): Promise<{ request: FeedbackRequest; lead: (LeadSnapshot & Pick<LeadProfile, 'leadId'>) | undefined }> {
  assertPending(found);
  const { request } = found;
  await assertStillWaiting(request);
  if (request.lead !== undefined) return { request, lead: { ...request.lead, leadId: request.leadId } };
  const lead = await getLead(request.leadId);
  if (lead?.erasedAt !== undefined) throw new Gone('the lead was erased');
  return { request, lead };
}

function assertPending(found: LinkLookup): asserts found is { state: 'pending'; request: FeedbackRequest } {
  if (found.state === 'missing' || found.state === 'reply') throw new NotFound('feedback link not found');
  if (found.state === 'expired') throw new Gone('feedback request expired');
  if (found.state === 'reassigned') throw reassignedGone(found.request);
  if (found.state === 'answered') {
    // Same shape as answerLink's Conflict: the page shows the recorded answer.
    throw new Conflict('feedback already answered', { recorded: found.request.answer, step: found.request.step });
  }
}

const TASK_GONE = new Set(['TaskTimedOut', 'TaskDoesNotExist', 'InvalidToken']);

/**
 * Is the task of a pending request still waiting? Step Functions judges it,
 * on the execution's clock: the stored deadline is on that clock too, but
 * this function's clock need not be (under the local `--time-scale` the
 * execution runs ahead of it). SendTaskHeartbeat changes nothing for a task
 * without HeartbeatSeconds (none of the state machine's waits has one) and
 * answers TaskTimedOut / TaskDoesNotExist / InvalidToken once the wait is over
 * (timed out, or the execution moved on or was stopped): the request is then
 * marked expired and its page says it is closed before anyone types an
 * answer. Any other error leaves the judgement to the answer (SendTaskSuccess).
 */
async function assertStillWaiting(request: FeedbackRequest): Promise<void> {
  if (request.taskToken === undefined) return;
  try {
    await sfn.send(new SendTaskHeartbeatCommand({ taskToken: request.taskToken }));
  } catch (error) {
    if (!TASK_GONE.has(errorName(error))) {
      logger.warn('could not ask whether the task still waits', { leadId: request.leadId, step: request.step, ...errorSummary(error) });
      return;
    }
    await markExpired(request.hash);
    throw new Gone('the task is no longer waiting');
  }
}

/** Whether the task of a pending request still waits (assertStillWaiting, as yes or no): reassignment issues only those again. */
export async function stillWaiting(request: FeedbackRequest): Promise<boolean> {
  return assertStillWaiting(request).then(
    () => true,
    (error: unknown) => {
      if (error instanceof Gone) return false;
      throw error;
    },
  );
}

/**
 * POST /feedback/{id} of a request link (`lookupLink`): validate (ValidationError naming the field), record
 * the answer with a conditional write (exactly one wins), then
 * SendTaskSuccess. A task that timed out or no longer exists is Gone; a
 * retryable SendTaskSuccess failure un-records the answer (TransientError).
 *
 * The whole answer, comment and text details included, stays on the link item
 * (where erasure's tombstone takes it); SendTaskSuccess carries only its codes
 * and, when it has text, the link's hash as its answer id (answers.ts
 * codedAnswer): nothing a person wrote enters the execution's history.
 */
export async function submitFeedback(found: LinkLookup, form: FormBody, now: Date = new Date()): Promise<FeedbackAnswer> {
  if (found.state === 'answered') await deliverCutOffAnswer(found.request, now);
  assertPending(found);
  // No read of the lead to check it was not erased: erasure takes the link itself (a tombstone, so
  // lookupLink finds it missing) before it erases the profile and stops the execution. A POST racing
  // the erasure is a request that came before it; the check only narrowed that race, never closed it.
  const { request } = found;
  const catalogue = request.step === 'rescue' ? { ...FEEDBACK_STEP_DEFINITIONS, rescue: requestDefinition(request) } : FEEDBACK_STEP_DEFINITIONS;
  const answer = parseFeedbackForm(request.step, form, { answeredAt: now.toISOString(), answeredBy: request.answeredBy }, catalogue);
  const recorded = await answerLink(request.hash, answer, now);
  const token = recorded.taskToken ?? request.taskToken;
  if (!token) throw new Gone('feedback request has no task');
  try {
    await sfn.send(new SendTaskSuccessCommand({ taskToken: token, output: JSON.stringify(codedAnswer(answer, request.hash)) }));
  } catch (error) {
    if (TASK_GONE.has(errorName(error))) {
      await markExpired(request.hash);
      throw new Gone('the task is no longer waiting');
    }
    logger.warn('SendTaskSuccess failed; answer reverted', { leadId: request.leadId, step: request.step, ...errorSummary(error) });
    await revertAnswer(request.hash, answer.answeredAt);
    throw new TransientError('could not resume the workflow', {}, { cause: error });
  }
  await forgetTaskToken(request.hash).catch(() => undefined);
  logger.info('feedback answered', { leadId: request.leadId, step: request.step, answer: answer.answer });
  return answer;
}

/**
 * An answer recorded longer ago than this while its link still holds the task
 * token was cut off before SendTaskSuccess went through (the attempt died: a
 * crash or a Lambda timeout). Longer than feedback-page's 10 s Lambda timeout,
 * so it never races a live attempt.
 */
export const REDELIVER_AFTER_MS = 15_000;

/**
 * A POST on an answered link whose answer was cut off delivers the recorded
 * answer (not the new form) to the waiting task, then forgets the token; the
 * caller still gets the 409 page with the recorded answer. A task token
 * completes at most once, so a repeated delivery cannot resume the workflow twice.
 */
async function deliverCutOffAnswer(request: FeedbackRequest, now: Date): Promise<void> {
  const { taskToken, answer } = request;
  if (taskToken === undefined || answer === undefined) return;
  if (now.getTime() - Date.parse(answer.answeredAt) < REDELIVER_AFTER_MS) return;
  try {
    await sfn.send(new SendTaskSuccessCommand({ taskToken, output: JSON.stringify(codedAnswer(answer, request.hash)) }));
    logger.info('cut-off answer delivered', { leadId: request.leadId, step: request.step });
  } catch (error) {
    if (!TASK_GONE.has(errorName(error))) throw new TransientError('could not resume the workflow', {}, { cause: error });
  }
  await forgetTaskToken(request.hash).catch(() => undefined);
}
