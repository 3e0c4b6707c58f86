// Weighted, availability-aware round-robin (functions/lib/teams/routing.ts): pure draws by counter position.
import { describe, expect, it } from 'vitest';
import { availableAt, memberAt } from '#lib/teams/routing';
import { isOutOfOffice } from '#lib/teams/roster';

const DRAWS = 10_000;

function shares(candidates: Parameters<typeof memberAt>[0], draws = DRAWS): Map<string, number> {
  const tally = new Map<string, number>();
  for (let position = 1; position <= draws; position += 1) {
    const m = memberAt(candidates, position);
    tally.set(m, (tally.get(m) ?? 0) + 1);
  }
  return tally;
}

describe('weighted round-robin', () => {
  it.each([
    [[1, 2, 3, 4]],
    [[5, 1, 1]],
    [[7, 3, 100, 1, 13, 2]],
  ])('gives each member its weight share of 10,000 draws, within 2 points (weights %j)', (weights) => {
    const members = weights.map((weight, i) => ({ email: `m${i}@example.com`, weight }));
    const total = weights.reduce((a, b) => a + b, 0);
    const tally = shares(members);
    for (const [i, weight] of weights.entries()) {
      const share = ((tally.get(`m${i}@example.com`) ?? 0) / DRAWS) * 100;
      expect(Math.abs(share - (weight / total) * 100), `m${i}`).toBeLessThanOrEqual(2);
    }
  });

  it('deals round by round, so a heavy member does not take a run of leads', () => {
    const members = [
      { email: 'a', weight: 3 },
      { email: 'b', weight: 1 },
      { email: 'c', weight: 2 },
    ];
    expect([1, 2, 3, 4, 5, 6, 7].map((p) => memberAt(members, p))).toEqual(['a', 'b', 'c', 'a', 'c', 'a', 'a']);
  });

  it('never draws a member out of office, and draws them again once back', () => {
    const members = [
      { email: 'away@example.com', weight: 5, timeZone: 'Europe/Paris', outOfOffice: { from: '2026-07-01', until: '2026-07-14' } },
      { email: 'here@example.com', weight: 1 },
      { email: 'there@example.com', weight: 2 },
    ];
    const during = new Date('2026-07-14T21:30:00Z'); // 23:30 in Paris: still the 14th there
    const tally = shares(availableAt(members, during));
    expect(tally.get('away@example.com')).toBeUndefined();
    expect((tally.get('here@example.com') ?? 0) + (tally.get('there@example.com') ?? 0)).toBe(DRAWS);
    const after = new Date('2026-07-14T22:00:00Z'); // midnight in Paris: back
    expect(availableAt(members, after).map((m) => (typeof m === 'string' ? m : m.email))).toContain('away@example.com');
  });

  it('reads an absence with date-times as given, the until instant excluded', () => {
    const m = { timeZone: 'UTC', outOfOffice: { from: '2026-07-01T09:00:00+02:00', until: '2026-07-01T17:00:00+02:00' } };
    expect(isOutOfOffice(m, new Date('2026-07-01T06:59:59Z'))).toBe(false);
    expect(isOutOfOffice(m, new Date('2026-07-01T07:00:00Z'))).toBe(true);
    expect(isOutOfOffice(m, new Date('2026-07-01T15:00:00Z'))).toBe(false);
  });
});
