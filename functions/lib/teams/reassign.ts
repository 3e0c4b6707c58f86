/**
 * Reassignment: when a member leaves a team or goes out of office, each of
 * their open requests is issued again to another member, and nobody's open
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
 *   3. the lead's owner in the team changes (the funnel's by-owner figures
 *      follow the new owner from then on).
 * Then the team lead gets one email listing what moved where.
 */
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { ddb, tableName } from '#lib/aws/clients';
import { allItems } from '#lib/aws/paginate';
import type { Team } from '#lib/core/contracts';
import { asTransient } from '#lib/core/errors';
import { ASSIGNEE_LINK_SK_PREFIX, assigneePk } from '#lib/core/keys';
import { logger } from '#lib/aws/observability';
import { createLink, deleteLink, returnFromReassignment, takeForReassignment, type FeedbackRequest } from '#lib/feedback/links';
import { feedbackRequestEmail } from '#lib/feedback/requests';
import { stepDefinition } from '#lib/feedback/steps';
import { leadSnapshot, renderEmail } from '#lib/mail/layout';
import { sendEmail } from '#lib/mail/mailer';
import { reassignOwner, requireLead } from '#lib/leads/profile';
import { type Roster, type RosterMember } from './roster';
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

/** Issues each open request of `from` again to another member; returns what moved. */
export async function reassignOpenRequests(input: ReassignInput): Promise<Reassignment[]> {
  const now = input.now ?? new Date();
  const others = input.roster[input.team].members.filter((m) => m.email !== input.from.email);
  const moved: Reassignment[] = [];
  for (const hash of await linksAddressedTo(input.from.email)) {
    const target = await newOwner(input, others, now);
    const old = await takeForReassignment(hash, target.name, now);
    if (old === undefined) continue; // answered, expired or already moved: nothing to reissue
    const result = await reissue(old, target, input, now).catch(async (error: unknown) => {
      await returnFromReassignment(hash); // the old link answers again; the caller may retry
      throw error;
    });
    if (result !== undefined) moved.push(result);
  }
  if (moved.length > 0) await tellTeamLead(input, moved, now);
  return moved;
}

async function newOwner(input: ReassignInput, others: RosterMember[], now: Date): Promise<RosterMember> {
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

/** The same task, a new link to `to`, the lead's owner changed, the email sent. Undefined for a request it leaves with its old owner. */
async function reissue(old: FeedbackRequest, to: RosterMember, input: ReassignInput, now: Date): Promise<Reassignment | undefined> {
  if (old.taskToken === undefined || old.step === 'rescue') {
    // A rescue is the team lead's decision, not a member's; a request without a token is being answered.
    await returnFromReassignment(old.hash);
    return undefined;
  }
  const remindAt = old.remindAt === undefined ? undefined : Date.parse(old.remindAt);
  const lead = await requireLead(old.leadId);
  const created = await createLink(
    {
      leadId: old.leadId,
      step: old.step,
      taskToken: old.taskToken,
      answers: old.answers,
      addressee: to.email,
      answeredBy: old.answeredBy,
      escalated: old.escalated,
      requestKey: `${old.requestKey}#reassigned#${old.hash.slice(0, 16)}`,
      timeoutSeconds: Math.max(1, Math.ceil((old.deadlineMs - now.getTime()) / 1000)),
      deadlineMs: old.deadlineMs,
      ...(remindAt !== undefined && remindAt > now.getTime() ? { remindAfterFraction: (remindAt - now.getTime()) / (old.deadlineMs - now.getTime()) } : {}),
      lead: old.lead ?? leadSnapshot(lead),
      ...(old.choices ? { choices: old.choices } : {}),
      ...(old.context ? { context: old.context } : {}),
    },
    now,
  );
  const email = feedbackRequestEmail({
    lead,
    step: old.step,
    linkId: created.id,
    publicBaseUrl: input.publicBaseUrl,
    deadline: created.request.deadline,
    escalated: old.escalated,
    reassigned: { from: input.from.name, why: input.why },
    timeZone: to.timeZone,
    now,
  });
  try {
    await sendEmail({ to: to.email, ...email, idempotencyKey: `reassigned#${old.hash}` }, now);
  } catch (error) {
    await deleteLink(created.request.hash).catch(() => undefined);
    throw error;
  }
  await reassignOwner(old.leadId, input.team, input.from.email, to.email, now);
  logger.info('request reassigned', { leadId: old.leadId, step: old.step, team: input.team });
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
