/**
 * Rescue requests (step 'rescue'): a lead whose step failed ("Needs
 * attention") or that stalled after a second timeout waits in its execution
 * for a person's decision, asked like any other request (the same links,
 * one answer wins):
 *   failed  -> ops: retry the step / return to Marketing / close
 *   stalled -> the stalled step's team lead: reassign to a member and ask again / return / close
 * The email says which lead, which step, the error in plain words (no stack),
 * what was already tried, and links to the execution's page.
 */
import type { RescueAnswer, RescueContext, Stage, Team } from '#lib/core/contracts';
import { formatDeadline } from '#lib/core/format';
import { type RenderedEmail, leadSummary, renderEmail } from '#lib/mail/layout';
import type { TeamDirectory } from '#lib/teams/directory';
import type { LeadProfile } from '#lib/leads/records';
import { NO_DETAILS, WAIT_STATE_TEAM } from '#lib/leads/outcomes';
import { type FeedbackStepDefinition, type Option, TEAM_NAMES, stepDefinition } from './steps';

/**
 * The stage a rescued lead goes back to once its workflow goes on (a retried
 * step that succeeds, a reassigned request): the stage it was in before it
 * needed attention or stalled. Undefined for a lead in any other stage.
 */
export function stageBeforeRescue(lead: Pick<LeadProfile, 'stage' | 'previousStage'>): Stage | undefined {
  return lead.stage === 'needs-attention' || lead.stage === 'stalled' ? lead.previousStage : undefined;
}

/** The answers offered for each kind of rescue. */
export const RESCUE_OFFERS: Readonly<Record<RescueContext['kind'], readonly RescueAnswer[]>> = {
  failed: ['retry', 'return', 'close'],
  stalled: ['reassign', 'return', 'close'],
};

/** The team whose step stalled (its lead is asked), or undefined for a failed step (ops are asked). */
export function rescueTeam(rescue: RescueContext): Team | undefined {
  return rescue.kind === 'stalled' ? WAIT_STATE_TEAM[rescue.step] : undefined;
}

/** Who is asked: ops for a failed step, the team lead for a stalled one (ops when the team is unknown). */
export function rescueAddressee(rescue: RescueContext, teams: TeamDirectory): { addressee: string; cc?: string } {
  const team = rescueTeam(rescue);
  if (team === undefined) return { addressee: teams.ops.lead };
  return { addressee: teams[team].lead, cc: teams.ops.lead };
}

/** The members a stalled lead can be reassigned to (their work addresses are the answer's code). */
export function reassignOptions(rescue: RescueContext, teams: TeamDirectory): Option[] {
  const team = rescueTeam(rescue);
  if (team === undefined) return [];
  return teams[team].members.map((m) => ({ value: m, label: m }));
}

/** The rescue step's definition as one request offers it: its answers, and its team's members to reassign to. */
export function rescueDefinition(answers: readonly string[], members: readonly Option[]): FeedbackStepDefinition {
  const def = stepDefinition('rescue');
  return {
    ...def,
    answers: def.answers.filter((a) => answers.includes(a.value)),
    details: def.details.map((d) => (d.kind === 'choice' ? { ...d, options: members } : d)),
  };
}

/** The execution's page: the configured console's (locally), else the Step Functions console's in the ARN's region. */
export function executionUrl(executionArn: string, consoleBaseUrl: string | undefined): string {
  if (consoleBaseUrl !== undefined) {
    const name = executionArn.split(':').pop() ?? executionArn;
    return `${consoleBaseUrl.replace(/\/+$/, '')}/executions/${encodeURIComponent(name)}`;
  }
  const region = executionArn.split(':')[3] ?? 'us-east-1';
  return `https://${region}.console.aws.amazon.com/states/home?region=${region}#/v2/executions/details/${executionArn}`;
}

/** What was already tried, in plain words. */
function triedSoFar(rescue: RescueContext, lead: LeadProfile | undefined): string {
  const retried =
    rescue.kind === 'failed'
      ? lead?.lastError?.error === 'Pipeline.MailRejected'
        ? 'SES refused the email for good, so the step was not retried automatically.'
        : 'The step was retried automatically (transient and Lambda service errors, with back-off) before it stopped here.'
      : `The request went to the owner, then, after its deadline, to the ${TEAM_NAMES[rescueTeam(rescue) ?? 'inside-sales']} team lead; nobody answered.`;
  const before = rescue.attempts > 0 ? ` This lead has already been rescued ${rescue.attempts} time${rescue.attempts === 1 ? '' : 's'}.` : '';
  return retried + before;
}

/** The first paragraph of a request issued again to someone else (teams/reassign.ts): whose it was, and why it moved. */
export function reassignedNote(reassigned: { from: string; why: string }): string {
  return `This request was ${reassigned.from}'s; ${reassigned.why}, so it is yours now. The links sent to them no longer work.`;
}

/** The rescue request email: one button per answer offered, and the execution's page. */
export function rescueRequestEmail(args: {
  lead: LeadProfile | undefined;
  leadId: string;
  rescue: RescueContext;
  buttons: { label: string; url: string }[];
  deadline: string;
  /** When the decision was asked for (the rescue state's entered time): "in 3 days" counts from it. */
  now?: Date;
  executionUrl: string;
  reminder?: boolean;
  /** Issued again to a new team lead (teams/reassign.ts): whose it was, and why it moved. */
  reassigned?: { from: string; why: string };
}): RenderedEmail {
  const { rescue, lead } = args;
  const who = lead ? `${lead.name} (${lead.company})` : args.leadId;
  const prefix = args.reminder ? 'Reminder: ' : '';
  const failure = lead?.lastError;
  const reason = rescue.kind === 'failed' ? (failure?.cause !== undefined && failure.cause !== '' ? failure.cause : NO_DETAILS) : `no answer at "${rescue.step}", even from the team lead`;
  return renderEmail({
    subject: rescue.kind === 'failed' ? `${prefix}Needs attention: ${who} failed at "${rescue.step}"` : `${prefix}Lead stalled at "${rescue.step}": ${who}`,
    heading: rescue.kind === 'failed' ? `${prefix}A lead needs attention` : `${prefix}A lead stalled`,
    paragraphs: [
      ...(args.reassigned ? [reassignedNote(args.reassigned)] : []),
      rescue.kind === 'failed'
        ? `The workflow stopped at "${rescue.step}" and waits for your decision. Reason: ${reason}`
        : `Nobody answered "${rescue.step}", even after escalation. The lead waits for your decision: reassign it to a member of your team (who is asked again), return it to Marketing, or close it.`,
      triedSoFar(rescue, lead),
      `Please decide by ${formatDeadline(args.deadline, undefined, args.now)}. Each button opens a short form; nothing is done until you submit it. The execution: ${args.executionUrl}`,
    ],
    summary: lead ? leadSummary(lead) : [{ label: 'Lead id', value: args.leadId }],
    sections: [
      {
        title: rescue.kind === 'failed' ? 'Error' : 'Stalled',
        rows: [
          { label: 'Step', value: rescue.step },
          ...(rescue.kind === 'failed' ? [{ label: 'Error', value: failure?.error ?? 'unknown' }] : []),
          { label: 'Reason', value: reason },
          { label: 'Execution', value: args.executionUrl },
        ],
        buttons: [{ label: 'Open the execution', url: args.executionUrl }],
      },
    ],
    buttons: args.buttons,
    footer: 'This link is personal to this request: please do not forward it.',
  });
}
