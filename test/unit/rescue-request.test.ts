// The rescue request (feedback/rescue.ts) word for word: who is asked, what
// they are offered, and the email that tells them which lead, which step,
// why, what was already tried and where the execution is. A lead that needs
// a person's decision must get one clear request, not a vague one.
import { describe, expect, it } from 'vitest';
import type { TeamDirectory } from '#lib/teams/directory';
import { RESCUE_OFFERS, executionUrl, reassignOptions, rescueAddressee, rescueDefinition, rescueRequestEmail, rescueTeam, stageBeforeRescue } from '#lib/feedback/rescue';
import { TEAMS_JSON } from './support/lambda-fixtures';

const teams = JSON.parse(TEAMS_JSON) as TeamDirectory;
const ARN = 'arn:aws:states:eu-west-1:123456789012:execution:lead-lifecycle:lead-9';
const NOW = new Date('2026-12-07T09:00:00.000Z');
const DEADLINE = '2026-12-10T09:00:00.000Z';
const EXEC = 'https://console.example.com/exec';
/** How every rescue email ends: the execution's row and button, and the footer. */
const ENDING = [`  Execution: ${EXEC}`, `  Open the execution: ${EXEC}`, '', '', 'This link is personal to this request: please do not forward it.'];
const failed = (attempts: number) => ({ kind: 'failed', step: 'Close deal', attempts, executionArn: ARN }) as const;
const stalled = (step: string, attempts = 0) => ({ kind: 'stalled', step, attempts, executionArn: ARN }) as const;
const ada = (more: Record<string, unknown> = {}) => ({ leadId: 'lead-9', name: 'Ada', company: 'Engines', stage: 'needs-attention', ...more }) as never;

describe('who is asked, and what they are offered', () => {
  it('a failed step asks ops (retry, return, close); a stalled one the team lead of its step, cc ops (reassign, return, close), offering its members', () => {
    expect(RESCUE_OFFERS).toEqual({ failed: ['retry', 'return', 'close'], stalled: ['reassign', 'return', 'close'] });
    expect(rescueTeam(failed(0))).toBeUndefined();
    expect(rescueAddressee(failed(0), teams)).toEqual({ addressee: 'ops@example.com' });
    expect(reassignOptions(failed(0), teams)).toEqual([]);
    expect(rescueTeam(stalled('Await qualification call'))).toBe('inside-sales');
    expect(rescueAddressee(stalled('Await qualification call'), teams)).toEqual({ addressee: 'isr-lead@example.com', cc: 'ops@example.com' });
    expect(reassignOptions(stalled('Await qualification call'), teams)).toEqual(teams['inside-sales'].members.map((m) => ({ value: m, label: m })));
  });

  it("a step that failed while waiting on a team (its request could not be sent) is still ops' to rescue, not the team lead's", () => {
    const rescue = { ...failed(0), step: 'Await qualification call' };
    expect(rescueTeam(rescue)).toBeUndefined();
    expect(rescueAddressee(rescue, teams)).toEqual({ addressee: 'ops@example.com' });
    expect(reassignOptions(rescue, teams)).toEqual([]);
  });

  it('a stalled step of no known team asks ops alone and offers nobody to reassign to', () => {
    expect(rescueTeam(stalled('Some new state'))).toBeUndefined();
    expect(rescueAddressee(stalled('Some new state'), teams)).toEqual({ addressee: 'ops@example.com' });
    expect(reassignOptions(stalled('Some new state'), teams)).toEqual([]);
  });

  it("the request's form offers only the answers given, and the members as the choice of whom to reassign to", () => {
    const members = [{ value: 'isr1@example.com', label: 'isr1@example.com' }];
    const def = rescueDefinition(['reassign', 'close'], members);
    expect(def.step).toBe('rescue');
    expect(def.answers.map((a) => a.value)).toEqual(['reassign', 'close']);
    expect(def.details).toEqual([expect.objectContaining({ field: 'reasonCode', kind: 'choice', options: members })]);
  });

  it('a rescued lead goes back to the stage it was in before it needed attention or stalled; any other stage has none', () => {
    expect(stageBeforeRescue({ stage: 'needs-attention', previousStage: 'meeting' })).toBe('meeting');
    expect(stageBeforeRescue({ stage: 'stalled', previousStage: 'qualifying' })).toBe('qualifying');
    expect(stageBeforeRescue({ stage: 'meeting', previousStage: 'qualifying' })).toBeUndefined();
  });
});

describe("the execution's page", () => {
  it("the configured console's (trailing slashes dropped, the name encoded), else the AWS console's in the ARN's region (us-east-1 when the ARN has none)", () => {
    expect(executionUrl(`${ARN} 2`, 'http://127.0.0.1:3000//')).toBe('http://127.0.0.1:3000/executions/lead-9%202');
    expect(executionUrl('lead-9', 'http://127.0.0.1:3000')).toBe('http://127.0.0.1:3000/executions/lead-9');
    expect(executionUrl(ARN, undefined)).toBe(`https://eu-west-1.console.aws.amazon.com/states/home?region=eu-west-1#/v2/executions/details/${ARN}`);
    expect(executionUrl('lead-9', undefined)).toBe('https://us-east-1.console.aws.amazon.com/states/home?region=us-east-1#/v2/executions/details/lead-9');
  });
});

describe('the rescue request email, word for word', () => {
  it('a failed step, as a reminder, for a lead no longer readable: its id, no details, the automatic retries, the rescues so far', () => {
    const email = rescueRequestEmail({ lead: undefined, leadId: 'lead-9', rescue: failed(2), buttons: [{ label: 'Retry', url: 'https://x.example/a' }], deadline: DEADLINE, now: NOW, executionUrl: EXEC, reminder: true });
    expect(email.subject).toBe('Reminder: Needs attention: lead-9 failed at "Close deal"');
    expect(email.text).toBe(
      [
        'Reminder: A lead needs attention',
        '',
        'The workflow stopped at "Close deal" and waits for your decision. Reason: no details given',
        '',
        'The step was retried automatically (transient and Lambda service errors, with back-off) before it stopped here. This lead has already been rescued 2 times.',
        '',
        `Please decide by Thu, 10 Dec 2026, 09:00 UTC (in 3 days). Each button opens a short form; nothing is done until you submit it. The execution: ${EXEC}`,
        '',
        'Retry: https://x.example/a',
        '',
        'Lead summary:',
        '  Lead id: lead-9',
        '',
        'Error:',
        '  Step: Close deal',
        '  Error: unknown',
        '  Reason: no details given',
        ...ENDING,
      ].join('\n'),
    );
  });

  it('a failed step whose email SES refused: the error and its cause, not retried automatically, no earlier rescue', () => {
    const lead = ada({ lastError: { step: 'Close deal', error: 'Pipeline.MailRejected', cause: 'Address blacklisted', at: NOW.toISOString() } });
    const email = rescueRequestEmail({ lead, leadId: 'lead-9', rescue: failed(0), buttons: [], deadline: DEADLINE, now: NOW, executionUrl: EXEC });
    expect(email.subject).toBe('Needs attention: Ada (Engines) failed at "Close deal"');
    expect(email.text).toContain('A lead needs attention\n\nThe workflow stopped at "Close deal" and waits for your decision. Reason: Address blacklisted\n\nSES refused the email for good, so the step was not retried automatically.\n\nPlease decide by');
    expect(email.text).toContain('Error:\n  Step: Close deal\n  Error: Pipeline.MailRejected\n  Reason: Address blacklisted\n');
    expect(email.text).toContain('Lead summary:\n  Lead: Ada\n  Company: Engines\n  Stage: Needs attention\n  Lead id: lead-9\n');
  });

  it('a failed step of a lead that has no error recorded, or an error without a cause: the error unknown or named, no details', () => {
    const bare = rescueRequestEmail({ lead: ada(), leadId: 'lead-9', rescue: failed(0), buttons: [], deadline: DEADLINE, now: NOW, executionUrl: EXEC });
    expect(bare.text).toContain('  Error: unknown\n  Reason: no details given\n');
    expect(bare.text).toContain('The step was retried automatically');
    const noCause = rescueRequestEmail({ lead: ada({ lastError: { step: 'Close deal', error: 'States.Timeout', at: NOW.toISOString() } }), leadId: 'lead-9', rescue: failed(0), buttons: [], deadline: DEADLINE, now: NOW, executionUrl: EXEC });
    expect(noCause.text).toContain('  Error: States.Timeout\n  Reason: no details given\n');
  });

  it('a failure with an empty cause says there are no details', () => {
    const lead = ada({ lastError: { step: 'Close deal', error: 'Lambda.Unknown', cause: '', at: NOW.toISOString() } });
    const email = rescueRequestEmail({ lead, leadId: 'lead-9', rescue: failed(1), buttons: [], deadline: DEADLINE, now: NOW, executionUrl: EXEC });
    expect(email.text).toContain('Reason: no details given\n\nThe step was retried automatically (transient and Lambda service errors, with back-off) before it stopped here. This lead has already been rescued 1 time.\n');
    expect(email.text).toContain('  Error: Lambda.Unknown\n  Reason: no details given\n');
  });

  it("a stalled lead: nobody answered, even the team lead of the step's team; reassign, return or close", () => {
    const email = rescueRequestEmail({ lead: ada({ stage: 'stalled' }), leadId: 'lead-9', rescue: stalled('Await meeting outcome', 1), buttons: [], deadline: DEADLINE, now: NOW, executionUrl: EXEC });
    expect(email.subject).toBe('Lead stalled at "Await meeting outcome": Ada (Engines)');
    expect(email.text).toBe(
      [
        'A lead stalled',
        '',
        'Nobody answered "Await meeting outcome", even after escalation. The lead waits for your decision: reassign it to a member of your team (who is asked again), return it to Marketing, or close it.',
        '',
        'The request went to the owner, then, after its deadline, to the Field Sales team lead; nobody answered. This lead has already been rescued 1 time.',
        '',
        `Please decide by Thu, 10 Dec 2026, 09:00 UTC (in 3 days). Each button opens a short form; nothing is done until you submit it. The execution: ${EXEC}`,
        '',
        'Lead summary:',
        '  Lead: Ada',
        '  Company: Engines',
        '  Stage: Stalled',
        '  Lead id: lead-9',
        '',
        'Stalled:',
        '  Step: Await meeting outcome',
        '  Reason: no answer at "Await meeting outcome", even from the team lead',
        ...ENDING,
      ].join('\n'),
    );
    const reminder = rescueRequestEmail({ lead: ada(), leadId: 'lead-9', rescue: stalled('Some new state'), buttons: [], deadline: DEADLINE, now: NOW, executionUrl: EXEC, reminder: true });
    expect(reminder.subject).toBe('Reminder: Lead stalled at "Some new state": Ada (Engines)');
    expect(reminder.text).toContain('Reminder: A lead stalled\n');
    // A step of no known team: the team lead named is Inside Sales' (the first to be asked about any lead).
    expect(reminder.text).toContain('to the Inside Sales team lead; nobody answered.\n');
  });
});
