// The team roster against a real table (dynalite in-process): the seed is
// written once per team and never again, changes are kept, the last member
// cannot be removed however removals interleave, and a reassignment and an
// answer on the same link exclude each other.
import { afterAll, describe, expect, it } from 'vitest';
import { TEAMS_JSON } from './support/lambda-fixtures';
import { startLocalTable } from './support/local-table';

const table = await startLocalTable('roster-test');
const roster = await import('#lib/teams/roster');
const { parseTeams } = await import('#lib/teams/directory');
const { createLink, answerLink, takeForReassignment, lookupLink, newLinkId } = await import('#lib/feedback/links');
const { Conflict, Gone, NotFound } = await import('#lib/core/errors');

afterAll(() => table.close());

const seed = parseTeams(TEAMS_JSON);
const NOW = new Date('2026-12-07T09:00:00Z');

describe('the roster in the table', () => {
  it('is seeded once from the teams setting: a second seed (a redeploy, npm start again) changes nothing', async () => {
    expect(await roster.seedRoster(seed, 'test seed', NOW)).toEqual(['marketing', 'inside-sales', 'field-sales', 'customer-success', 'ops']);
    await roster.putMember('marketing', 'new@example.com', { name: 'New One', weight: 2, timeZone: 'Europe/Paris' }, 'tester', NOW);
    const changed = { ...seed, marketing: { lead: 'someone-else@example.com', members: ['mkt1@example.com'] } };
    expect(await roster.seedRoster(changed, 'test seed', NOW)).toEqual([]);
    const read = await roster.readRoster();
    expect(read.marketing.lead).toBe('mkt-lead@example.com');
    expect(read.marketing.members.map((m) => m.email)).toEqual(['mkt1@example.com', 'mkt2@example.com', 'new@example.com']);
    expect(read.marketing.members[2]).toEqual({ email: 'new@example.com', name: 'New One', weight: 2, timeZone: 'Europe/Paris' });
    expect(read.ops.lead).toBe('ops@example.com');
    const directory = await roster.teamDirectory(new Date(NOW.getTime() + roster.ROSTER_CACHE_MS));
    expect(directory.timeZones?.['new@example.com']).toBe('Europe/Paris');
  });

  it('keeps every change, newest first, with who made it', async () => {
    await roster.setTeamLead('ops', 'ops2@example.com', 'Ana', new Date(NOW.getTime() + 1000));
    const changes = await roster.listChanges();
    expect(changes[0]).toMatchObject({ team: 'ops', action: 'lead-changed', by: 'Ana', summary: 'lead ops2@example.com (was ops@example.com)' });
    expect(changes.some((c) => c.action === 'member-added' && c.email === 'new@example.com' && c.by === 'tester')).toBe(true);
    expect(changes.filter((c) => c.action === 'seeded')).toHaveLength(5);
  });

  it('refuses to remove the last member, even when two removals race', async () => {
    await expect(roster.removeMember('marketing', 'nobody@example.com', 'tester', NOW)).rejects.toBeInstanceOf(NotFound);
    await roster.removeMember('marketing', 'new@example.com', 'tester', NOW);
    const results = await Promise.allSettled([roster.removeMember('marketing', 'mkt1@example.com', 'a', NOW), roster.removeMember('marketing', 'mkt2@example.com', 'b', NOW)]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const refused = results.find((r) => r.status === 'rejected');
    expect(refused?.status === 'rejected' ? refused.reason : undefined).toBeInstanceOf(Conflict);
    expect((await roster.readRoster()).marketing.members).toHaveLength(1);
  });
});

describe('a request taken for reassignment', () => {
  const link = () =>
    createLink(
      {
        leadId: 'l1',
        step: 'qualification-call',
        taskToken: 'token',
        answers: ['book-meeting'],
        addressee: 'isr1@example.com',
        answeredBy: 'owner',
        escalated: false,
        requestKey: `k-${newLinkId()}`,
        timeoutSeconds: 3600,
        lead: { name: 'Ada', company: 'Engines' } as never,
      },
      NOW,
    );
  const answer = { answer: 'book-meeting', answeredAt: NOW.toISOString(), answeredBy: 'owner' } as never;

  it('cannot be answered on its old link, which names who has it now', async () => {
    const { id, request } = await link();
    expect(await takeForReassignment(request.hash, 'Sam', NOW)).toMatchObject({ taskToken: 'token', status: 'pending' });
    expect(await lookupLink(id, NOW)).toMatchObject({ state: 'reassigned', request: { reassignedTo: 'Sam' } });
    const refused = await answerLink(request.hash, answer, NOW).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(Gone);
    expect((refused as InstanceType<typeof Gone>).data).toEqual({ reassignedTo: 'Sam' });
  });

  it('and an answer exclude each other: of the two, exactly one wins', async () => {
    for (let i = 0; i < 10; i += 1) {
      const { request } = await link();
      const [taken, answered] = await Promise.allSettled([takeForReassignment(request.hash, 'Sam', NOW), answerLink(request.hash, answer, NOW)]);
      const tookIt = taken.status === 'fulfilled' && taken.value !== undefined;
      expect([tookIt, answered.status === 'fulfilled']).toContain(true);
      expect(tookIt && answered.status === 'fulfilled').toBe(false);
    }
  });
});
