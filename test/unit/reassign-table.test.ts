// Reassignment against a real table (dynalite in-process; SES mocked): an
// absence set ahead moves nothing until it begins, judged at the sweep's
// time, then moves each open request once (only those whose task Step
// Functions says still waits; SFN mocked too); a new team lead gets the
// requests the team asked of the previous one (escalations, rescues), and a
// member's request stays with its member.
import { SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';
import { SFNClient, SendTaskHeartbeatCommand } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { TEAMS_JSON } from './support/lambda-fixtures';
import { startLocalTable } from './support/local-table';

const table = await startLocalTable('reassign-test', { MAIL_FROM: 'pipeline@example.com' });
const sesMock = mockClient(SESv2Client);
const sfnMock = mockClient(SFNClient);
const roster = await import('#lib/teams/roster');
const { reassignBegunAbsences, reassignForAbsence, SWEEP_CHANGED_BY, untilWords } = await import('#lib/teams/absences');
const { askedOf, reassignToNewLead } = await import('#lib/teams/reassign');
const { parseTeams } = await import('#lib/teams/directory');
const { createLink, lookupLink } = await import('#lib/feedback/links');
const { putNewLead, requireLead } = await import('#lib/leads/profile');

afterAll(() => table.close());
beforeEach(() => {
  sesMock.reset();
  sesMock.on(SendEmailCommand).resolves({ MessageId: 'm' });
  sfnMock.reset();
  sfnMock.on(SendTaskHeartbeatCommand).resolves({}); // every task still waits, unless a test says otherwise
});

const NOW = new Date('2026-12-07T09:00:00Z');
const hours = (n: number) => new Date(NOW.getTime() + n * 3_600_000);
const deps = { publicBaseUrl: 'https://pipeline.example.com' };
const RESCUE = { kind: 'stalled' as const, step: 'Await qualification call', attempts: 0, executionArn: 'arn:aws:states:us-east-1:123456789012:execution:lifecycle:lead-x' };

let n = 0;
/** A lead owned by `owner` in Inside Sales, and a pending request about it addressed to `addressee`. */
async function openRequest(addressee: string, over: { owner?: string; answeredBy?: 'owner' | 'team-lead'; escalated?: boolean; rescue?: typeof RESCUE } = {}) {
  n += 1;
  const leadId = `lead-${n}`;
  await putNewLead(leadId, { name: `Ada ${n}`, email: `ada${n}@example.org`, company: `Engines ${n}`, owners: { 'inside-sales': over.owner ?? addressee } }, NOW);
  return createLink(
    {
      leadId,
      step: over.rescue ? 'rescue' : 'qualification-call',
      taskToken: `token-${n}`,
      answers: over.rescue ? ['reassign', 'return', 'close'] : ['book-meeting', 'nurture'],
      addressee,
      answeredBy: over.answeredBy ?? 'owner',
      escalated: over.escalated ?? false,
      requestKey: `feedback#${leadId}#${n}`,
      timeoutSeconds: 3 * 86400,
      lead: { name: `Ada ${n}`, company: `Engines ${n}` } as never,
      ...(over.rescue ? { rescue: over.rescue, choices: [{ value: 'isr1@example.com', label: 'isr1@example.com' }] } : {}),
    },
    NOW,
  );
}

const sentTo = () => sesMock.commandCalls(SendEmailCommand).map((c) => c.args[0].input.Destination?.ToAddresses?.[0]);
const subjects = () => sesMock.commandCalls(SendEmailCommand).map((c) => c.args[0].input.Content?.Simple?.Subject?.Data ?? '');

beforeAll(async () => {
  await roster.seedRoster(parseTeams(TEAMS_JSON), 'test seed', NOW);
});

describe('an out-of-office period set ahead', () => {
  it('moves nothing before it begins, then each open request once, at the first sweep after it began (the sweep time, not the clock)', async () => {
    const { id } = await openRequest('isr1@example.com');
    const elsewhere = await openRequest('isr1@example.com', { owner: 'isr1@example.com' });
    await roster.putMember('inside-sales', 'isr1@example.com', { name: 'Isa One', weight: 1, timeZone: 'UTC', outOfOffice: { from: hours(2).toISOString(), until: hours(48).toISOString() } }, 'tester', NOW);

    expect(await reassignBegunAbsences(deps, hours(1))).toEqual({ members: 0, reassigned: 0, failed: 0 });
    expect(await lookupLink(id, hours(1))).toMatchObject({ state: 'pending' });
    expect(sentTo()).toEqual([]);

    expect(await reassignBegunAbsences(deps, hours(2))).toEqual({ members: 1, reassigned: 2, failed: 0 });
    const old = await lookupLink(id, hours(2));
    expect(old).toMatchObject({ state: 'reassigned' });
    expect(await lookupLink(elsewhere.id, hours(2))).toMatchObject({ state: 'reassigned' });
    // Two new links to the other members (round-robin), then the notice to the team lead.
    expect(sentTo().slice(0, 2).every((to) => to === 'isr2@example.com' || to === 'isr3@example.com')).toBe(true);
    expect(sentTo()[2]).toBe('isr-lead@example.com');
    const lead = await requireLead(old.state === 'reassigned' ? old.request.leadId : '');
    expect(['isr2@example.com', 'isr3@example.com']).toContain(lead.owners['inside-sales']);

    const member = (await roster.readRoster())['inside-sales'].members.find((m) => m.email === 'isr1@example.com');
    expect(member?.outOfOffice?.reassignedAt).toBe(hours(2).toISOString());
    expect(SWEEP_CHANGED_BY).toBe('reminder sweep (out of office began)');
    const change = (await roster.listChanges()).find((c) => c.by === SWEEP_CHANGED_BY);
    expect(change).toMatchObject({ team: 'inside-sales', email: 'isr1@example.com', summary: 'out of office: 2 open requests reassigned', reassigned: 2 });

    // Handled once: the next sweeps look no more.
    sesMock.resetHistory();
    expect(await reassignBegunAbsences(deps, hours(3))).toEqual({ members: 0, reassigned: 0, failed: 0 });
    expect(sentTo()).toEqual([]);
    await roster.putMember('inside-sales', 'isr1@example.com', { name: 'Isa One', weight: 1, timeZone: 'UTC' }, 'tester', NOW);
  });

  it('that fails to move (an email refused for now) leaves the old link answering and is tried again at the next sweep', async () => {
    const { id } = await openRequest('isr2@example.com');
    await roster.putMember('inside-sales', 'isr2@example.com', { name: 'Isa Two', weight: 1, timeZone: 'UTC', outOfOffice: { from: hours(4).toISOString(), until: hours(48).toISOString() } }, 'tester', NOW);
    sesMock.on(SendEmailCommand).rejects(Object.assign(new Error('slow down'), { name: 'TooManyRequestsException' }));
    expect(await reassignBegunAbsences(deps, hours(4))).toEqual({ members: 0, reassigned: 0, failed: 1 });
    expect(await lookupLink(id, hours(4))).toMatchObject({ state: 'pending' });
    expect((await roster.readRoster())['inside-sales'].members.find((m) => m.email === 'isr2@example.com')?.outOfOffice?.reassignedAt).toBeUndefined();

    sesMock.on(SendEmailCommand).resolves({ MessageId: 'm' });
    // (with any request the first test moved to them)
    expect(await reassignBegunAbsences(deps, hours(4.25))).toMatchObject({ members: 1, failed: 0 });
    expect(await lookupLink(id, hours(4.25))).toMatchObject({ state: 'reassigned' });
    await roster.putMember('inside-sales', 'isr2@example.com', { name: 'Isa Two', weight: 1, timeZone: 'UTC' }, 'tester', NOW);
  });

  it('of the only member moves nothing (nobody to take it) and is not looked at again', async () => {
    const { id } = await openRequest('mkt1@example.com');
    await roster.removeMember('marketing', 'mkt2@example.com', 'tester', NOW);
    await roster.putMember('marketing', 'mkt1@example.com', { name: 'Mo', weight: 1, timeZone: 'UTC', outOfOffice: { from: '2026-12-08', until: '2026-12-09' } }, 'tester', NOW);
    expect(await reassignBegunAbsences(deps, new Date('2026-12-08T00:00:00Z'))).toEqual({ members: 1, reassigned: 0, failed: 0 });
    expect(await lookupLink(id, hours(1))).toMatchObject({ state: 'pending' });
    expect(await reassignBegunAbsences(deps, new Date('2026-12-08T00:15:00Z'))).toEqual({ members: 0, reassigned: 0, failed: 0 });
  });

  it('says when an absence ends in words, in the member\'s time zone', () => {
    expect(untilWords({ timeZone: 'Europe/Paris', outOfOffice: { until: '2027-01-02' } })).toBe('Sat, 2 Jan 2027');
    expect(untilWords({ timeZone: 'Europe/Paris', outOfOffice: { until: '2026-12-24T17:00:00+01:00' } })).toMatch(/^Thu, 24 Dec 2026, 17:00 (CET|GMT\+1)$/);
  });
});

describe('a new team lead', () => {
  it("gets the requests the team asked of the previous one (escalations, rescues); members' requests stay", async () => {
    const escalation = await openRequest('isr-lead@example.com', { owner: 'isr2@example.com', answeredBy: 'team-lead', escalated: true });
    const rescue = await openRequest('isr-lead@example.com', { owner: 'isr2@example.com', answeredBy: 'team-lead', rescue: RESCUE });
    // A request the same address holds as a member (not as the team lead) stays with them.
    const asMember = await openRequest('isr-lead@example.com', { owner: 'isr-lead@example.com' });
    // Its wait is over on the execution's clock (ahead of this one): marked expired, not issued again.
    const timedOut = await openRequest('isr-lead@example.com', { owner: 'isr2@example.com', answeredBy: 'team-lead', escalated: true });
    sfnMock.on(SendTaskHeartbeatCommand, { taskToken: `token-${n}` }).rejects(Object.assign(new Error('timed out'), { name: 'TaskTimedOut' }));
    const { before } = await roster.setTeamLead('inside-sales', 'new-lead@example.com', 'tester', NOW);
    const moved = await reassignToNewLead({ team: 'inside-sales', before, roster: await roster.readRoster(), ...deps, now: hours(1) });

    expect(moved.map((m) => m.to)).toEqual(['new-lead@example.com', 'new-lead@example.com']);
    expect(await lookupLink(escalation.id, hours(1))).toMatchObject({ state: 'reassigned', request: { reassignedTo: 'new-lead@example.com' } });
    expect(await lookupLink(rescue.id, hours(1))).toMatchObject({ state: 'reassigned' });
    expect(await lookupLink(asMember.id, hours(1))).toMatchObject({ state: 'pending' });
    expect(await lookupLink(timedOut.id, hours(1))).toMatchObject({ state: 'expired' });
    expect(sentTo()).toEqual(['new-lead@example.com', 'new-lead@example.com']);
    expect(subjects().some((s) => s.startsWith('Escalated: Qualification call'))).toBe(true);
    expect(subjects().some((s) => s.startsWith('Lead stalled at "Await qualification call"'))).toBe(true);
    // The lead's owner is a member's, not the team lead's: it does not change.
    expect((await requireLead(escalation.request.leadId)).owners['inside-sales']).toBe('isr2@example.com');
    // Moved once: a second pass finds nothing to move.
    const again = await reassignToNewLead({ team: 'inside-sales', before, roster: await roster.readRoster(), ...deps, now: hours(1) });
    expect(again).toEqual([]);
  });

  it('tells whose answer a request asks for', () => {
    expect(askedOf({ step: 'qualification-call', answeredBy: 'owner' })).toEqual({ team: 'inside-sales', lead: false });
    expect(askedOf({ step: 'meeting-outcome', answeredBy: 'team-lead' })).toEqual({ team: 'field-sales', lead: true });
    expect(askedOf({ step: 'rescue', answeredBy: 'owner', rescue: { ...RESCUE, kind: 'failed' } })).toEqual({ team: 'ops', lead: true });
    expect(askedOf({ step: 'rescue', answeredBy: 'team-lead', rescue: RESCUE })).toEqual({ team: 'inside-sales', lead: true });
    expect(askedOf({ step: 'rescue', answeredBy: 'team-lead' })).toBeUndefined();
  });
});

describe('reassignForAbsence (an absence that has begun, from the API or the sweep)', () => {
  it("of a member with open requests: each goes on with why in its email, a rescue to the team lead with its console link, the change kept just after the absence's own", async () => {
    // A member of their own here, so that only this test's requests are theirs.
    await roster.putMember('inside-sales', 'isr4@example.com', { name: 'Isa Four', weight: 1, timeZone: 'UTC' }, 'tester', NOW);
    const before = await roster.readRoster();
    const isr4 = before['inside-sales'].members.find((m) => m.email === 'isr4@example.com')!;
    const member = { ...isr4, outOfOffice: { from: '2026-12-07', until: '2027-01-02' } };
    const request = await openRequest(isr4.email);
    const rescue = await openRequest(isr4.email, { owner: 'isr1@example.com', answeredBy: 'team-lead', rescue: RESCUE });
    const teamLead = before['inside-sales'].lead;
    const moved = await reassignForAbsence({ team: 'inside-sales', member, roster: before, by: 'tester', now: hours(5), ...deps, consoleBaseUrl: 'http://127.0.0.1:3000/console' });

    expect(moved.map((m) => m.leadId).sort()).toEqual([request.request.leadId, rescue.request.leadId].sort());
    expect(moved.find((m) => m.leadId === rescue.request.leadId)?.to).toBe(teamLead);
    const emails = sesMock.commandCalls(SendEmailCommand).map((c) => c.args[0].input);
    const textTo = (leadName: string) => emails.map((e) => e.Content?.Simple?.Body?.Text?.Data ?? '').filter((t) => t.includes(leadName) && t.includes('so it is yours now'));
    const [memberEmail, ...moreMember] = textTo(`Ada ${n - 1}`);
    const [rescueEmail, ...moreRescue] = textTo(`Ada ${n}`);
    expect([moreMember, moreRescue]).toEqual([[], []]);
    expect(memberEmail).toContain('they are out of office until Sat, 2 Jan 2027, so it is yours now.');
    expect(rescueEmail).toContain('http://127.0.0.1:3000/console/executions/lead-x');

    const changes = (await roster.listChanges()).filter((c) => c.email === isr4.email && c.by === 'tester');
    expect(changes.map(({ at, by, team, action, summary, reassigned }) => ({ at, by, team, action, summary, reassigned }))).toContainEqual({
      at: new Date(hours(5).getTime() + 1).toISOString(),
      by: 'tester',
      team: 'inside-sales',
      action: 'member-updated',
      summary: 'out of office: 2 open requests reassigned',
      reassigned: 2,
    });
  });

  it('of a member with nothing open, or the only member of a team, moves nothing and keeps no change', async () => {
    const before = await roster.readRoster();
    const changes = (await roster.listChanges()).length;
    const ae2 = before['field-sales'].members.find((m) => m.email === 'ae2@example.com')!;
    expect(await reassignForAbsence({ team: 'field-sales', member: { ...ae2, outOfOffice: { from: '2026-12-07', until: '2026-12-09' } }, roster: before, by: 'tester', now: hours(6), ...deps })).toEqual([]);

    const csm1 = before['customer-success'].members.find((m) => m.email === 'csm1@example.com')!;
    const alone = { ...before, 'customer-success': { ...before['customer-success'], members: [csm1] } };
    // A request of Inside Sales' step, addressed to them: it would move if anyone could take it.
    const { id } = await openRequest(csm1.email, { owner: csm1.email });
    const onlyMember = { ...alone, 'inside-sales': { ...alone['inside-sales'], members: [{ ...csm1, outOfOffice: { from: '2026-12-07', until: '2026-12-09' } }] } };
    expect(await reassignForAbsence({ team: 'inside-sales', member: onlyMember['inside-sales'].members[0]!, roster: onlyMember, by: 'tester', now: hours(6), ...deps })).toEqual([]);
    expect(await lookupLink(id, hours(6))).toMatchObject({ state: 'pending' });
    expect(sentTo()).toEqual([]);
    expect((await roster.listChanges()).length).toBe(changes);
  });
});
