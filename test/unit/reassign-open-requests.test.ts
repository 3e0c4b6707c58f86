// Reassignment (teams/reassign.ts) against a real table (dynalite in-process;
// SES is mocked): each open request of a member who leaves is issued again
// to another member with the same task token and deadline, the lead changes
// hands, the team lead hears what moved where, and a request that cannot be
// issued again is given back to its old link: nobody's open work is lost.
import { SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';
import { SFNClient, SendTaskHeartbeatCommand } from '@aws-sdk/client-sfn';
import { GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TEAMS_JSON } from './support/lambda-fixtures';
import { faults, startLocalTable } from './support/local-table';

const TABLE = 'reassign-test';
const table = await startLocalTable(TABLE, { MAIL_FROM: 'pipeline@example.com' });
const sesMock = mockClient(SESv2Client);
// Step Functions says every task still waits, unless a test says otherwise.
const sfnMock = mockClient(SFNClient);
const { ddb } = await import('#lib/aws/clients');
const { personOf, reassignOpenRequests, reassignToNewLead, requestsReassigned } = await import('#lib/teams/reassign');
const { answerLink, createLink, forgetTaskToken, keepUntil, lookupLink, lookupLinkHash } = await import('#lib/feedback/links');
const { getLead, putNewLead } = await import('#lib/leads/profile');
const { rosterOf } = await import('#lib/teams/roster');
const { assigneePk, leadLinkKey, linkKey, mailKey } = await import('#lib/core/keys');
const { TransientError } = await import('#lib/core/errors');
const fault = faults(ddb);

afterAll(() => table.close());
beforeEach(() => {
  sfnMock.reset();
  sfnMock.on(SendTaskHeartbeatCommand).resolves({});
});
afterEach(() => {
  sesMock.reset();
  fault.clear();
});

type Roster = ReturnType<typeof rosterOf>;
const H = 3_600_000;
const NOW = new Date('2026-12-07T09:00:00.000Z');
const BASE = 'https://pipeline.example.com';
const ann = { email: 'ann@example.com', name: 'Ann', weight: 1, timeZone: 'UTC' };
const bob = { email: 'bob@example.com', name: 'Bob', weight: 1, timeZone: 'Europe/Paris' };
const cy = { email: 'cy@example.com', name: 'Cy', weight: 1, timeZone: 'UTC' };
/** A member who leaves (one per test, so that each test moves only its own requests). */
const leaver = (name: string) => ({ email: `${name.toLowerCase()}@example.com`, name, weight: 1, timeZone: 'UTC' });
/** The roster with Inside Sales as the members given (Ann, Bob and Cy by default). */
const rosterWith = (members = [ann, bob, cy]): Roster => {
  const roster = rosterOf(JSON.parse(TEAMS_JSON) as Parameters<typeof rosterOf>[0]);
  return { ...roster, 'inside-sales': { lead: 'isr-lead@example.com', members } };
};

let n = 0;
/** A lead owned by `owner` in Inside Sales, and a pending qualification-call request to them (entered at NOW - 1 h, due NOW + 2 h, reminder at NOW + 1 h). */
async function openRequest(owner = ann.email, over: Partial<Parameters<typeof createLink>[0]> = {}) {
  n += 1;
  const leadId = `lead-${n}`;
  await putNewLead(leadId, { name: `Ada ${n}`, email: `ada${n}@example.org`, company: 'Engines', owners: { 'inside-sales': owner } }, new Date(NOW.getTime() - 2 * H));
  const entered = new Date(NOW.getTime() - H);
  const created = await createLink(
    {
      leadId,
      step: 'qualification-call',
      taskToken: `token-${n}`,
      answers: ['book-meeting', 'nurture'],
      addressee: owner,
      answeredBy: 'owner',
      escalated: false,
      requestKey: `${leadId}#qualification-call`,
      timeoutSeconds: 3 * 3600,
      remindAfterFraction: 2 / 3,
      lead: { name: `Ada ${n}`, company: 'Engines' } as never,
      ...over,
    },
    entered,
  );
  return { leadId, ...created };
}

/** The link items addressed to `email` (through their ASSIGNEE# pointers). */
async function linksOf(email: string): Promise<Record<string, unknown>[]> {
  const pointers = (await ddb.send(new QueryCommand({ TableName: TABLE, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': assigneePk(email) } }))).Items ?? [];
  const items = await Promise.all(pointers.map(async (p) => (await ddb.send(new GetCommand({ TableName: TABLE, Key: linkKey(String(p.hash)), ConsistentRead: true }))).Item));
  return items.filter((i): i is Record<string, unknown> => i !== undefined);
}
const itemAt = async (key: { pk: string; sk: string }) => (await ddb.send(new GetCommand({ TableName: TABLE, Key: key, ConsistentRead: true }))).Item;
const sent = () => sesMock.commandCalls(SendEmailCommand).map((c) => c.args[0].input);
const recipient = (e: ReturnType<typeof sent>[number]) => e.Destination?.ToAddresses?.[0];
const textOf = (e: ReturnType<typeof sent>[number]) => e.Content?.Simple?.Body?.Text?.Data ?? '';
const linkIdIn = (text: string): string => {
  const id = new RegExp(`${BASE}/feedback/([A-Za-z0-9_-]{43})`).exec(text)?.[1];
  if (id === undefined) throw new Error(`no link in ${text}`);
  return id;
};

describe('reassignOpenRequests on a real table', () => {
  it('moves an open request to the member named: same token and deadline, a new link and email, the old link says who has it, the lead changes hands, the team lead is told', async () => {
    sesMock.on(SendEmailCommand).resolves({ MessageId: 'm-1' });
    const context = [{ title: 'What the hand-off said', rows: [{ label: 'Budget', value: '50,000 EUR' }] }];
    const { leadId, id: oldId, request: old } = await openRequest(ann.email, { context });
    const moved = await reassignOpenRequests({ team: 'inside-sales', from: ann, to: bob.email, roster: rosterWith(), why: 'they left the team', publicBaseUrl: BASE, now: NOW });
    expect(moved).toEqual([{ leadId, step: 'qualification-call', to: bob.email }]);

    expect(await lookupLink(oldId, NOW)).toMatchObject({ state: 'reassigned', request: { reassignedTo: 'Bob', status: 'reassigned' } });
    const [link, ...more] = await linksOf(bob.email);
    expect(more).toEqual([]);
    expect(link).toMatchObject({
      leadId,
      step: 'qualification-call',
      taskToken: old.taskToken,
      answers: ['book-meeting', 'nurture'],
      addressee: bob.email,
      answeredBy: 'owner',
      escalated: false,
      requestKey: `${old.requestKey}#reassigned#${old.hash.slice(0, 16)}`,
      createdAt: NOW.toISOString(),
      deadline: old.deadline,
      deadlineMs: old.deadlineMs,
      // The reminder stays where it was: 2/3 of the way from the old link's start.
      remindAt: old.remindAt,
      status: 'pending',
      expiresAt: keepUntil(old.deadlineMs),
    });
    // What the old link's page showed, exactly (not a new snapshot of the lead), and the brief's sections.
    expect(link?.lead).toEqual({ name: `Ada ${n}`, company: 'Engines' });
    expect(link?.context).toEqual(context);
    expect(old.remindAt).toBe(new Date(NOW.getTime() + H).toISOString());
    // The new link's pointer in the lead's partition (erasure finds it) expires with it.
    expect(await itemAt(leadLinkKey(leadId, String(link?.hash)))).toMatchObject({ type: 'LINK_POINTER', expiresAt: keepUntil(old.deadlineMs) });

    expect((await getLead(leadId))?.owners).toEqual({ 'inside-sales': bob.email });

    const [toBob, toLead, ...others] = sent();
    expect(others).toEqual([]);
    expect(recipient(toBob!)).toBe(bob.email);
    expect(textOf(toBob!)).toContain("This request was Ann's; they left the team, so it is yours now.");
    // Bob's deadline is in his time zone (Europe/Paris: 11:00 UTC is 12:00).
    expect(textOf(toBob!)).toMatch(/12:00/);
    expect(await lookupLink(linkIdIn(textOf(toBob!)), NOW)).toMatchObject({ state: 'pending', request: { hash: link?.hash } });
    expect(await itemAt(mailKey(`reassigned#${old.hash}`))).toMatchObject({ status: 'sent' });

    expect(recipient(toLead!)).toBe('isr-lead@example.com');
    expect(toLead!.Content?.Simple?.Subject?.Data).toBe('1 open request of Ann reassigned');
    expect(textOf(toLead!)).toBe(
      [
        "Ann's open requests were reassigned",
        '',
        'Ann (ann@example.com): they left the team. Each open request went to another member with a new link; the old links no longer work.',
        '',
        'Reassigned (lead: step, now with):',
        `  Ada ${n} (Engines): Qualification call: Bob`,
        '',
      ].join('\n'),
    );
    expect(await itemAt(mailKey(`reassigned-notice#inside-sales#${ann.email}#${NOW.toISOString()}`))).toMatchObject({ status: 'sent' });
  });

  it('round-robin spreads the requests over the other available members (not the one leaving, not one out of office); one notice lists them all', async () => {
    sesMock.on(SendEmailCommand).resolves({ MessageId: 'm-2' });
    const dee = { email: 'dee@example.com', name: 'Dee', weight: 1, timeZone: 'UTC' };
    const away = { ...bob, email: 'away@example.com', name: 'Away', outOfOffice: { from: '2026-12-01', until: '2026-12-31' } };
    const eve = leaver('Eve');
    const a = await openRequest(eve.email);
    const b = await openRequest(eve.email);
    const moved = await reassignOpenRequests({ team: 'inside-sales', from: eve, to: 'round-robin', roster: rosterWith([eve, away, cy, dee]), why: 'they are out of office', publicBaseUrl: BASE, now: NOW });
    expect(moved.map((m) => m.leadId).sort()).toEqual([a.leadId, b.leadId].sort());
    // Two turns in a row over Cy and Dee (equal weights): one each.
    expect(moved.map((m) => m.to).sort()).toEqual([cy.email, dee.email]);
    expect(await linksOf('away@example.com')).toEqual([]);
    expect((await linksOf(eve.email)).map((l) => `${String(l.status)} to ${String(l.reassignedTo)}`).sort()).toEqual(['reassigned to Cy', 'reassigned to Dee']);
    const notices = sent().filter((e) => recipient(e) === 'isr-lead@example.com');
    expect(notices.map((e) => e.Content?.Simple?.Subject?.Data)).toEqual(['2 open requests of Eve reassigned']);
  });

  it('leaves alone what is no longer open (answered, expired) and gives a rescue, or a request being answered (no token), back to its old link: nothing moved, no notice', async () => {
    sesMock.on(SendEmailCommand).resolves({ MessageId: 'm-3' });
    const [fay, gil] = [leaver('Fay'), leaver('Gil')];
    const answered = await openRequest(fay.email);
    await answerLink(answered.request.hash, { answer: 'nurture', answeredAt: NOW.toISOString(), answeredBy: 'owner' } as never, NOW);
    const expired = await openRequest(fay.email, { timeoutSeconds: 60 }); // due 59 minutes ago
    const rescue = await openRequest(fay.email, { step: 'rescue', answers: ['reassign', 'return', 'close'] });
    const beingAnswered = await openRequest(fay.email);
    await forgetTaskToken(beingAnswered.request.hash);
    const moved = await reassignOpenRequests({ team: 'inside-sales', from: fay, to: gil.email, roster: rosterWith([fay, gil]), why: 'they left the team', publicBaseUrl: BASE, now: NOW });
    expect(moved).toEqual([]);
    expect(sent()).toEqual([]);
    // Step Functions is not even asked about a request that is not pending or has no token.
    expect(sfnMock.commandCalls(SendTaskHeartbeatCommand)).toEqual([]);
    expect(await linksOf(gil.email)).toEqual([]);
    expect(await lookupLinkHash(answered.request.hash, NOW)).toMatchObject({ request: { status: 'answered' } });
    expect(await lookupLinkHash(expired.request.hash, NOW)).toMatchObject({ request: { status: 'pending' } });
    expect(await lookupLinkHash(rescue.request.hash, NOW)).toMatchObject({ state: 'pending', request: { status: 'pending', taskToken: rescue.request.taskToken } });
    expect((await itemAt(linkKey(rescue.request.hash)))?.reassignedTo).toBeUndefined();
    expect(await lookupLinkHash(beingAnswered.request.hash, NOW)).toMatchObject({ state: 'pending', request: { status: 'pending' } });
    expect((await getLead(rescue.leadId))?.owners).toEqual({ 'inside-sales': fay.email });
  });

  it('a target that is not another member of the team is refused before any link is taken', async () => {
    const hal = leaver('Hal');
    const { request } = await openRequest(hal.email);
    for (const to of ['stranger@example.com', hal.email]) {
      await expect(reassignOpenRequests({ team: 'inside-sales', from: hal, to, roster: rosterWith([hal, bob]), why: 'x', publicBaseUrl: BASE, now: NOW })).rejects.toThrow('reassignment target is not another member of the team');
    }
    expect(await lookupLinkHash(request.hash, NOW)).toMatchObject({ state: 'pending', request: { status: 'pending' } });
  });

  it("an email that cannot go out gives the request back: the old link answers again, the new one is gone, the lead keeps its owner", async () => {
    sesMock.on(SendEmailCommand).rejects(Object.assign(new Error('slow down'), { name: 'TooManyRequestsException' }));
    const [ida, jo] = [leaver('Ida'), leaver('Jo')];
    const { leadId, id } = await openRequest(ida.email);
    const input = { team: 'inside-sales' as const, from: ida, to: jo.email, roster: rosterWith([ida, jo]), why: 'they left the team', publicBaseUrl: BASE, now: NOW };
    await expect(reassignOpenRequests(input)).rejects.toThrow(new TransientError('ses: TooManyRequestsException'));
    expect(await lookupLink(id, NOW)).toMatchObject({ state: 'pending', request: { status: 'pending' } });
    expect(await linksOf(jo.email)).toEqual([]);
    expect((await getLead(leadId))?.owners).toEqual({ 'inside-sales': ida.email });
    // The caller retries and it goes through.
    sesMock.reset();
    sesMock.on(SendEmailCommand).resolves({ MessageId: 'm-4' });
    expect(await reassignOpenRequests(input)).toEqual([{ leadId, step: 'qualification-call', to: jo.email }]);
    expect((await getLead(leadId))?.owners).toEqual({ 'inside-sales': jo.email });
  });

  it('an outage while finding the open requests is TransientError', async () => {
    fault.fail((c, input) => c === 'QueryCommand' && (input.ExpressionAttributeValues as Record<string, unknown>)[':pk'] === assigneePk('gone@example.com'));
    await expect(reassignOpenRequests({ team: 'inside-sales', from: { ...ann, email: 'gone@example.com' }, to: bob.email, roster: rosterWith(), why: 'x', publicBaseUrl: BASE, now: NOW })).rejects.toThrow(new TransientError('linksAddressedTo: ServiceUnavailable'));
  });
});

const RESCUE = { kind: 'stalled' as const, step: 'Await qualification call', attempts: 1, executionArn: 'arn:aws:states:eu-west-1:123456789012:execution:lifecycle:lead-x' };
/** A stalled lead's rescue request to `addressee`, with its choice of members. */
const openRescue = (addressee: string) =>
  openRequest(addressee, { step: 'rescue', answers: ['reassign', 'return', 'close'], answeredBy: 'team-lead', rescue: RESCUE, choices: [{ value: cy.email, label: 'Cy' }] });

describe('who a request goes to', () => {
  it('names a person as the roster knows them, in any team; else by their address, in UTC', () => {
    const roster = rosterWith();
    expect(personOf(roster, bob.email)).toEqual({ email: bob.email, name: 'Bob', timeZone: 'Europe/Paris' });
    const fieldRep = roster['field-sales'].members[0]!;
    expect(personOf(roster, fieldRep.email)).toEqual({ email: fieldRep.email, name: fieldRep.name, timeZone: fieldRep.timeZone });
    expect(personOf(roster, 'nobody@example.com')).toEqual({ email: 'nobody@example.com', name: 'nobody@example.com', timeZone: 'UTC' });
  });

  it('counts what a roster change moved in words', () => {
    expect([0, 1, 2].map(requestsReassigned)).toEqual(['0 open requests reassigned', '1 open request reassigned', '2 open requests reassigned']);
  });

  it("a member who leaves holding a request as the team's lead hands it to the team lead; the team lead leaving keeps theirs until a new lead is named", async () => {
    sesMock.on(SendEmailCommand).resolves({ MessageId: 'm-5' });
    const kim = leaver('Kim');
    const lead = { email: 'isr-lead@example.com', name: 'Lee', weight: 1, timeZone: 'Europe/Paris' };
    const escalation = await openRequest(kim.email, { answeredBy: 'team-lead', escalated: true });
    const moved = await reassignOpenRequests({ team: 'inside-sales', from: kim, to: 'round-robin', roster: rosterWith([kim, lead, bob]), why: 'they left the team', publicBaseUrl: BASE, now: NOW });
    expect(moved).toEqual([{ leadId: escalation.leadId, step: 'qualification-call', to: lead.email }]);
    expect(await lookupLink(escalation.id, NOW)).toMatchObject({ state: 'reassigned', request: { reassignedTo: 'Lee' } });
    expect((await linksOf(lead.email)).filter((l) => l.leadId === escalation.leadId).map((l) => [l.escalated, l.answeredBy, l.status])).toEqual([[true, 'team-lead', 'pending']]);
    // The lead's owner is a member's: an escalation moving does not change it.
    expect((await getLead(escalation.leadId))?.owners).toEqual({ 'inside-sales': kim.email });

    sesMock.resetHistory();
    const kept = await openRequest(lead.email, { answeredBy: 'team-lead', escalated: true });
    expect(await reassignOpenRequests({ team: 'inside-sales', from: lead, to: bob.email, roster: rosterWith([kim, lead, bob]), why: 'they left the team', publicBaseUrl: BASE, now: NOW })).toEqual([]);
    expect(await lookupLink(kept.id, NOW)).toMatchObject({ state: 'pending' });
    expect(sent()).toEqual([]);
  });

  it('a rescue moves with its choices, its context and a link to the execution in the local console', async () => {
    sesMock.on(SendEmailCommand).resolves({ MessageId: 'm-6' });
    const lou = leaver('Lou');
    const rescue = await openRescue(lou.email);
    const moved = await reassignOpenRequests({ team: 'inside-sales', from: lou, to: bob.email, roster: rosterWith([lou, bob]), why: 'they left the team', publicBaseUrl: BASE, consoleBaseUrl: 'http://127.0.0.1:3000/console/', now: NOW });
    expect(moved).toEqual([{ leadId: rescue.leadId, step: 'rescue', to: 'isr-lead@example.com' }]);
    const [link, ...more] = (await linksOf('isr-lead@example.com')).filter((l) => l.leadId === rescue.leadId);
    expect(more).toEqual([]);
    expect(link).toMatchObject({ step: 'rescue', taskToken: rescue.request.taskToken, rescue: RESCUE, choices: [{ value: cy.email, label: 'Cy' }] });
    // The team lead gets the rescue, then the notice of what moved.
    const [email, notice, ...others] = sent();
    expect(others).toEqual([]);
    expect([email, notice].map((e) => recipient(e!))).toEqual(['isr-lead@example.com', 'isr-lead@example.com']);
    expect(notice!.Content?.Simple?.Subject?.Data).toBe('1 open request of Lou reassigned');
    const text = textOf(email!);
    expect(text).toContain('http://127.0.0.1:3000/console/executions/lead-x');
    expect(text).toContain("This request was Lou's; they left the team, so it is yours now.");
    // Every answer's button is the new link's.
    const newId = linkIdIn(text);
    expect(await lookupLink(newId, NOW)).toMatchObject({ state: 'pending', request: { hash: link?.hash } });
    for (const answer of ['reassign', 'return', 'close']) expect(text).toContain(`${BASE}/feedback/${newId}?answer=${answer}`);
  });

  it('a request answered between being read and being taken stays answered: nothing issued again, no email', async () => {
    sesMock.on(SendEmailCommand).resolves({ MessageId: 'm-7' });
    const [max, ned] = [leaver('Max'), leaver('Ned')];
    const { request } = await openRequest(max.email);
    // Step Functions is asked whether the task waits after the request was read: the rep answers meanwhile.
    sfnMock.on(SendTaskHeartbeatCommand).callsFake(async () => {
      await answerLink(request.hash, { answer: 'nurture', answeredAt: NOW.toISOString(), answeredBy: 'owner' } as never, NOW);
      return {};
    });
    expect(await reassignOpenRequests({ team: 'inside-sales', from: max, to: ned.email, roster: rosterWith([max, ned]), why: 'they left the team', publicBaseUrl: BASE, now: NOW })).toEqual([]);
    expect(await lookupLinkHash(request.hash, NOW)).toMatchObject({ state: 'answered', request: { status: 'answered' } });
    expect(await linksOf(ned.email)).toEqual([]);
    expect(sent()).toEqual([]);
  });
});

describe('reassignToNewLead on a real table', () => {
  it("moves what the team asked of its previous lead, named in the new lead's email; not what another team asked of them, nor a rescue stored without its context", async () => {
    sesMock.on(SendEmailCommand).resolves({ MessageId: 'm-8' });
    const old = 'old-lead@example.com';
    const roster = { ...rosterWith([ann, bob]), 'inside-sales': { lead: bob.email, members: [ann, bob] } };
    const escalation = await openRequest(old, { answeredBy: 'team-lead', escalated: true });
    const otherTeam = await openRequest(old, { step: 'meeting-outcome', answers: ['won', 'lost'], answeredBy: 'team-lead', escalated: true });
    const legacyRescue = await openRequest(old, { step: 'rescue', answers: ['reassign', 'return', 'close'], answeredBy: 'team-lead' });
    const rescue = await openRescue(old);
    const moved = await reassignToNewLead({ team: 'inside-sales', before: old, roster, publicBaseUrl: BASE, consoleBaseUrl: 'http://127.0.0.1:3000/console', now: NOW });
    // (in the order of the links' hashes)
    expect([...moved].sort((a, b) => a.step.localeCompare(b.step))).toEqual([
      { leadId: escalation.leadId, step: 'qualification-call', to: bob.email },
      { leadId: rescue.leadId, step: 'rescue', to: bob.email },
    ]);
    expect(await lookupLink(otherTeam.id, NOW)).toMatchObject({ state: 'pending' });
    expect(await lookupLink(legacyRescue.id, NOW)).toMatchObject({ state: 'pending' });
    expect(sent().map(recipient)).toEqual([bob.email, bob.email]);
    const stalled = (e: ReturnType<typeof sent>[number]) => (e.Content?.Simple?.Subject?.Data ?? '').startsWith('Lead stalled');
    const [rescueEmail, ...moreRescues] = sent().filter(stalled);
    const [email, ...moreOthers] = sent().filter((e) => !stalled(e));
    expect([moreRescues, moreOthers]).toEqual([[], []]);
    expect(textOf(email!)).toContain(`This request was ${old}'s; Bob is the team lead now, so it is yours now.`);
    expect(textOf(rescueEmail!)).toContain('http://127.0.0.1:3000/console/executions/lead-x');
  });

  it('moves nothing when the lead named is the one before', async () => {
    const { id } = await openRequest('isr-lead@example.com', { answeredBy: 'team-lead', escalated: true });
    expect(await reassignToNewLead({ team: 'inside-sales', before: 'isr-lead@example.com', roster: rosterWith(), publicBaseUrl: BASE, now: NOW })).toEqual([]);
    expect(await lookupLink(id, NOW)).toMatchObject({ state: 'pending' });
    expect(sent()).toEqual([]);
  });
});
