/**
 * Reassignment: when a member leaves a team or goes out of office (when
 * the PUT says so, or when an absence set ahead begins: teams/absences.ts),
 * each of their open requests is issued again to another member; when a
 * team gets a new lead, the requests it asked of the previous one
 * (escalations, rescues) are issued again to the new lead. Nobody's open
 * work is lost.
 *
 * For each pending request addressed to them (found through the
 * `ASSIGNEE#<email>` pointers, one Query):
 *   1. the old link is taken from them with a conditional write on
 *      `status = pending` (links.ts takeForReassignment): an answer racing
 *      it either wins first (the request is left alone) or finds the link
 *      reassigned (410 page "Reassigned to ..."): exactly one answer reaches
 *      the execution;
 *   2. a new link holds the same task token (the execution stays where it
 *      waits) with the same deadline, and the new owner is emailed it;
 *   3. for a member's request, the lead's owner in the team changes (the
 *      funnel's by-owner figures follow the new owner from then on).
 * Then, for a member's, the team lead gets one email listing what moved where.
 */
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { ddb, tableName } from '#lib/aws/clients';
import { allItems } from '#lib/aws/paginate';
import { TEAMS, type Team } from '#lib/core/contracts';
import { asTransient } from '#lib/core/errors';
import { ASSIGNEE_LINK_SK_PREFIX, assigneePk } from '#lib/core/keys';
import { logger } from '#lib/aws/observability';
import { createLink, deleteLink, lookupLinkHash, returnFromReassignment, takeForReassignment, type FeedbackRequest } from '#lib/feedback/links';
import { feedbackRequestEmail, feedbackUrl, requestDefinition, stillWaiting } from '#lib/feedback/requests';
import { executionUrl, rescueRequestEmail, rescueTeam } from '#lib/feedback/rescue';
import { stepDefinition } from '#lib/feedback/steps';
import { leadSnapshot, renderEmail } from '#lib/mail/layout';
import { sendEmail } from '#lib/mail/mailer';
import { reassignOwner, requireLead } from '#lib/leads/profile';
import { type Roster, type RosterMember, type RosterTeam } from './roster';
import { nextOwner } from './routing';

export interface Reassignment {
  leadId: string;
  step: string;
  /** The new owner's address. */
  to: string;
}

interface ReassignInput {
  team: Team;
  /** The member whose open requests move. */
  from: RosterMember;
  /** A member's address, or round-robin over the team's other available members. */
  to: string | 'round-robin';
  /** The roster as the change leaves it. */
  roster: Roster;
  /** Why, in the new owner's email: "they left the team", "they are out of office until ...". */
  why: string;
  publicBaseUrl: string;
  /** The console whose execution pages a rescue email links to (locally). */
  consoleBaseUrl?: string;
  now?: Date;
}

/** Hashes of the links addressed to `email` (the pointers outlive their links: each is checked when taken). */
async function linksAddressedTo(email: string): Promise<string[]> {
  try {
    const rows = await allItems((ExclusiveStartKey: Record<string, unknown> | undefined) =>
      ddb.send(
        new QueryCommand({
          TableName: tableName(),
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
          ExpressionAttributeValues: { ':pk': assigneePk(email), ':prefix': ASSIGNEE_LINK_SK_PREFIX },
          ExclusiveStartKey,
        }),
      ),
    );
    return rows.map((r) => String(r.hash));
  } catch (error) {
    throw asTransient(error, 'linksAddressedTo');
  }
}

/** Who a moved request goes to: a member, or a team lead (who may be nobody's member: then their address is their name). */
interface Target {
  email: string;
  name: string;
  timeZone: string;
  /** A member's request: the lead's owner in this team becomes them. */
  ownerIn?: Team;
}

/** What the new owner's email says, and how it links. */
interface MoveContext {
  from: { email: string; name: string };
  why: string;
  publicBaseUrl: string;
  /** The console whose execution pages a rescue email links to (locally). */
  consoleBaseUrl?: string;
  now: Date;
}

/**
 * Whose answer a request asks for: a member of `team`, or its lead (an
 * escalation, a request of a lead nobody owned, a rescue: ops for a failed
 * step). Undefined for a rescue link stored before its context was kept
 * (it cannot be told apart: it stays).
 */
export function askedOf(request: Pick<FeedbackRequest, 'step' | 'answeredBy' | 'rescue'>): { team: RosterTeam; lead: boolean } | undefined {
  if (request.step === 'rescue') return request.rescue === undefined ? undefined : { team: rescueTeam(request.rescue) ?? 'ops', lead: true };
  return { team: stepDefinition(request.step).askedTeam, lead: request.answeredBy === 'team-lead' };
}

/** A person as the roster knows them: a member's name and time zone (of any team), else their address and UTC. */
export function personOf(roster: Roster, email: string): Target {
  for (const team of TEAMS) {
    const member = roster[team].members.find((m) => m.email === email);
    if (member !== undefined) return { email, name: member.name, timeZone: member.timeZone };
  }
  return { email, name: email, timeZone: 'UTC' };
}

/** "3 open requests reassigned": what a roster change did, in its history. */
export const requestsReassigned = (n: number): string => `${n} open request${n === 1 ? '' : 's'} reassigned`;

/**
 * Issues each open request of `from` again: a member's to another member
 * (`to`), one they hold as the team's lead to the team's current lead when
 * that is someone else (else it stays with them until a new lead is named).
 * Returns what moved.
 */
export async function reassignOpenRequests(input: ReassignInput): Promise<Reassignment[]> {
  const now = input.now ?? new Date();
  const others = input.roster[input.team].members.filter((m) => m.email !== input.from.email);
  const teamLead = input.roster[input.team].lead;
  const context = { from: input.from, why: input.why, publicBaseUrl: input.publicBaseUrl, ...(input.consoleBaseUrl ? { consoleBaseUrl: input.consoleBaseUrl } : {}), now };
  const moved = await moveRequests(input.from.email, context, async (request) => {
    const asked = askedOf(request);
    if (asked?.team !== input.team) return undefined;
    if (asked.lead) return teamLead === input.from.email ? undefined : personOf(input.roster, teamLead);
    return { ...(await newOwner(input, others, now)), ownerIn: input.team };
  });
  if (moved.length > 0) await tellTeamLead(input, moved, now);
  return moved;
}

/**
 * A new team lead (`PUT /teams/{team}/lead/{email}`): the open requests the
 * team asked of its previous lead (escalations, unowned requests, rescues;
 * for ops the rescues of failed steps) are issued again to the new one.
 */
export async function reassignToNewLead(input: { team: RosterTeam; before: string; roster: Roster; publicBaseUrl: string; consoleBaseUrl?: string; now: Date }): Promise<Reassignment[]> {
  const lead = input.roster[input.team].lead;
  if (lead === input.before) return [];
  const from = personOf(input.roster, input.before);
  const to = personOf(input.roster, lead);
  const context = { from, why: `${to.name} is the team lead now`, publicBaseUrl: input.publicBaseUrl, ...(input.consoleBaseUrl ? { consoleBaseUrl: input.consoleBaseUrl } : {}), now: input.now };
  return moveRequests(input.before, context, async (request) => {
    const asked = askedOf(request);
    return asked?.team === input.team && asked.lead ? to : undefined;
  });
}

/**
 * For each open request addressed to `from` (`targetOf` says where it goes,
 * undefined to leave it): the old link taken, a new one issued and emailed.
 */
async function moveRequests(from: string, context: MoveContext, targetOf: (request: FeedbackRequest) => Promise<Target | undefined>): Promise<Reassignment[]> {
  const moved: Reassignment[] = [];
  for (const hash of await linksAddressedTo(from)) {
    const found = await lookupLinkHash(hash, context.now);
    if (found.state !== 'pending') continue; // answered, expired or moved
    const { taskToken } = found.request;
    if (taskToken === undefined) continue; // being answered
    const target = await targetOf(found.request);
    if (target === undefined) continue;
    // Step Functions judges whether its wait is over (this function's clock need not be the execution's): then it is marked expired, not issued again.
    if (!(await stillWaiting(found.request))) continue;
    const old = await takeForReassignment(hash, target.name, context.now);
    if (old === undefined) continue; // answered or moved since it was read
    // The token read above is the one taken: a link's token never changes, and one taken while pending was not answered.
    const result = await reissue(old, taskToken, target, context).catch(async (error: unknown) => {
      await returnFromReassignment(hash); // the old link answers again; the caller may retry
      throw error;
    });
    moved.push(result);
  }
  return moved;
}

async function newOwner(input: ReassignInput, others: RosterMember[], now: Date): Promise<Target> {
  if (input.to !== 'round-robin') {
    const chosen = others.find((m) => m.email === input.to);
    if (chosen === undefined) throw new Error('reassignment target is not another member of the team');
    return chosen;
  }
  const { member } = await nextOwner(input.team, others, now); // skips the ones out of office
  const chosen = others.find((m) => m.email === member);
  if (chosen === undefined) throw new Error('round-robin chose nobody');
  return chosen;
}

/** The same task, a new link to `to`, the email sent, and for a member's request the lead's owner changed. */
async function reissue(old: FeedbackRequest, taskToken: string, to: Target, context: MoveContext): Promise<Reassignment> {
  const { now } = context;
  const lead = await requireLead(old.leadId);
  const created = await createLink(
    {
      leadId: old.leadId,
      step: old.step,
      taskToken,
      answers: old.answers,
      addressee: to.email,
      answeredBy: old.answeredBy,
      escalated: old.escalated,
      requestKey: `${old.requestKey}#reassigned#${old.hash.slice(0, 16)}`,
      timeoutSeconds: Math.max(1, Math.ceil((old.deadlineMs - now.getTime()) / 1000)),
      deadlineMs: old.deadlineMs,
      // The reminder stays at its time (createLink sets none for a fraction outside (0, 1): one that is past).
      ...(old.remindAt !== undefined ? { remindAfterFraction: (Date.parse(old.remindAt) - now.getTime()) / (old.deadlineMs - now.getTime()) } : {}),
      lead: old.lead ?? leadSnapshot(lead),
      ...(old.choices ? { choices: old.choices } : {}),
      ...(old.rescue ? { rescue: old.rescue } : {}),
      ...(old.context ? { context: old.context } : {}),
    },
    now,
  );
  const reassigned = { from: context.from.name, why: context.why };
  const email =
    old.rescue !== undefined
      ? rescueRequestEmail({
          lead,
          leadId: old.leadId,
          rescue: old.rescue,
          buttons: requestDefinition(old).answers.map((a) => ({ label: a.label, url: feedbackUrl(context.publicBaseUrl, created.id, a.value) })),
          deadline: created.request.deadline,
          now,
          executionUrl: executionUrl(old.rescue.executionArn, context.consoleBaseUrl),
          reassigned,
        })
      : feedbackRequestEmail({
          lead,
          step: old.step,
          linkId: created.id,
          publicBaseUrl: context.publicBaseUrl,
          deadline: created.request.deadline,
          escalated: old.escalated,
          reassigned,
          timeZone: to.timeZone,
          now,
        });
  try {
    await sendEmail({ to: to.email, ...email, idempotencyKey: `reassigned#${old.hash}` }, now);
  } catch (error) {
    await deleteLink(created.request.hash).catch(() => undefined);
    throw error;
  }
  if (to.ownerIn !== undefined) await reassignOwner(old.leadId, to.ownerIn, context.from.email, to.email, now);
  logger.info('request reassigned', { leadId: old.leadId, step: old.step, team: to.ownerIn ?? 'lead' });
  return { leadId: old.leadId, step: old.step, to: to.email };
}

/** One email to the team lead: whose requests moved, why, and to whom. */
async function tellTeamLead(input: ReassignInput, moved: Reassignment[], now: Date): Promise<void> {
  const names = new Map(input.roster[input.team].members.map((m) => [m.email, m.name]));
  const rows = await Promise.all(
    moved.map(async (m) => {
      const lead = await requireLead(m.leadId);
      return { label: `${lead.name} (${lead.company}): ${stepDefinition(m.step as FeedbackRequest['step']).title}`, value: names.get(m.to) ?? m.to };
    }),
  );
  const email = renderEmail({
    subject: `${moved.length} open request${moved.length === 1 ? '' : 's'} of ${input.from.name} reassigned`,
    heading: `${input.from.name}'s open requests were reassigned`,
    paragraphs: [`${input.from.name} (${input.from.email}): ${input.why}. Each open request went to another member with a new link; the old links no longer work.`],
    sections: [{ title: 'Reassigned (lead: step, now with)', rows }],
  });
  await sendEmail({ to: input.roster[input.team].lead, ...email, idempotencyKey: `reassigned-notice#${input.team}#${input.from.email}#${now.toISOString()}` }, now);
}
