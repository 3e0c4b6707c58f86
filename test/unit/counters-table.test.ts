// The funnel counters and the round-robin counter against a real table
// (dynalite in-process): what each UpdateItem does to the item, not just
// which key it names. Applied twice, the ADDs sum.
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { faults, startLocalTable } from './support/local-table';

const TABLE = 'counters-test';
const table = await startLocalTable(TABLE);
const { ddb } = await import('#lib/aws/clients');
const { countFeedback, countOverdue, countStageChange, bucketOf, pairKey } = await import('#lib/funnel/counters');
const { nextOwner, ownerFor } = await import('#lib/teams/routing');
const { funnelKey, funnelOverdueKey, routingKey } = await import('#lib/core/keys');
const { TransientError } = await import('#lib/core/errors');
const fault = faults(ddb);

afterAll(() => table.close());
afterEach(() => {
  fault.clear();
  answer = undefined;
});

/** Replaces the table's answer to the next UpdateItem (a result DynamoDB should not give). */
let answer: Record<string, unknown> | undefined;
ddb.middlewareStack.add(
  (next, context) => async (args) => {
    if (answer !== undefined && context.commandName === 'UpdateItemCommand') {
      const output = answer;
      answer = undefined;
      return { output: { $metadata: {}, ...output }, response: {} } as never;
    }
    return next(args);
  },
  { step: 'initialize', name: 'testAnswer' },
);

const get = async (key: { pk: string; sk: string }) => (await ddb.send(new GetCommand({ TableName: TABLE, Key: key, ConsistentRead: true }))).Item;
const at = '2026-05-04T10:00:00.000Z'; // ISO week 2026-W19

describe('countStageChange on a real table', () => {
  it('a first stage (from null) counts an entry, its campaign, owners and week, and no exit anywhere', async () => {
    // An owner that is empty or undefined is no owner.
    const owners = { 'inside-sales': 'isr@example.com', 'field-sales': '', 'customer-success': undefined };
    await countStageChange({ from: null, to: 'captured', reason: '', at, timeInPreviousStageMs: 5000, campaign: '  ', owners, expansion: false });
    expect(await get(funnelKey('captured'))).toEqual({ ...funnelKey('captured'), entered: 1, 'c#(none)': 1, 'o#inside-sales#isr@example.com': 1, 'w#2026-W19': 1 });
  });

  it('leaving a stage counts the exit, its time (rounded, never negative), its bucket and, into an outcome, the reason; twice sums', async () => {
    const change = { from: 'negotiating' as const, to: 'lost' as const, reason: 'price', at, timeInPreviousStageMs: 1234.6, campaign: 'spring', expansion: false };
    await countStageChange(change);
    await countStageChange({ ...change, reason: '', timeInPreviousStageMs: -50 });
    const item = await get(funnelKey('lost'));
    expect(item).toEqual({
      ...funnelKey('lost'),
      entered: 2,
      'c#spring': 2,
      'w#2026-W19': 2,
      'x#negotiating#n': 2,
      'x#negotiating#ms': 1235,
      [`x#negotiating#h#${bucketOf(1235)}`]: 1,
      [`x#negotiating#h#${bucketOf(0)}`]: 1,
      'x#negotiating#r#price': 1,
      'x#negotiating#r#unspecified': 1,
      // Lost and nurtured: the reasons per campaign too (Marketing's digest).
      'cr#price#spring': 1,
      'cr#unspecified#spring': 1,
    });
  });

  it('into a stage that is not an outcome: no reason counted; expansions and revenue by campaign, owner and expansion; the time to answer of the owner the stage waited on', async () => {
    await countStageChange({ from: 'negotiating', to: 'onboarding', reason: 'won', at, timeInPreviousStageMs: 10, campaign: 'spring', owners: { 'field-sales': 'ae@example.com' }, expansion: true, revenue: { amount: 500, currency: 'EUR' } });
    expect(await get(funnelKey('onboarding'))).toEqual({
      ...funnelKey('onboarding'),
      entered: 1,
      expansion: 1,
      'c#spring': 1,
      'cx#spring': 1,
      'o#field-sales#ae@example.com': 1,
      'ox#field-sales#ae@example.com': 1,
      'w#2026-W19': 1,
      'rev#EUR': 500,
      'deals#EUR': 1,
      'rev#EUR#c#spring': 500,
      'deals#EUR#c#spring': 1,
      'rev#EUR#o#field-sales#ae@example.com': 500,
      'deals#EUR#o#field-sales#ae@example.com': 1,
      'rev#EUR#x': 500,
      'deals#EUR#x': 1,
      'x#negotiating#n': 1,
      'x#negotiating#ms': 10,
      [`x#negotiating#h#${bucketOf(10)}`]: 1,
      // negotiating waits on Field Sales' deal decision: its owner answered in 10 ms.
      'an#field-sales#ae@example.com': 1,
      'am#field-sales#ae@example.com': 10,
    });
  });

  it('a deal won that is no expansion: revenue and deals overall, by campaign and by owner, and no expansion segment', async () => {
    await countStageChange({ from: 'negotiating', to: 'onboarding', reason: 'won', at, timeInPreviousStageMs: 10, campaign: 'autumn', owners: { 'field-sales': 'ae2@example.com' }, expansion: false, revenue: { amount: 300, currency: 'USD' } });
    const item = await get(funnelKey('onboarding'));
    expect(Object.keys(item ?? {}).filter((k) => k.startsWith('rev#USD') || k.startsWith('deals#USD')).sort()).toEqual(
      ['deals#USD', 'deals#USD#c#autumn', 'deals#USD#o#field-sales#ae2@example.com', 'rev#USD', 'rev#USD#c#autumn', 'rev#USD#o#field-sales#ae2@example.com'].sort(),
    );
    expect(item?.['rev#USD#o#field-sales#ae2@example.com']).toBe(300);
  });

  it("leaving onboarding counts the Customer Success owner's answer (the onboarding review) and its time", async () => {
    await countStageChange({ from: 'onboarding', to: 'customer', reason: 'on-track', at, timeInPreviousStageMs: 7000, owners: { 'field-sales': 'ae@example.com', 'customer-success': 'csm@example.com' }, expansion: false });
    expect(await get(funnelKey('customer'))).toMatchObject({ 'an#customer-success#csm@example.com': 1, 'am#customer-success#csm@example.com': 7000 });
    expect(Object.keys((await get(funnelKey('customer'))) ?? {}).filter((k) => k.startsWith('an#') || k.startsWith('am#'))).toHaveLength(2);
  });

  it('an outage is TransientError', async () => {
    fault.fail((c) => c === 'UpdateItemCommand');
    await expect(countStageChange({ from: null, to: 'captured', reason: '', at, timeInPreviousStageMs: 0, expansion: false })).rejects.toThrow(new TransientError('funnelCounters: ServiceUnavailable'));
  });
});

describe('countFeedback on a real table', () => {
  it('counts the item and each finite rating, all time and per week; ratings that are not finite numbers are skipped', async () => {
    const item = { step: 'qualification-call' as const, from: 'marketing' as const, to: 'inside-sales' as const, answeredAt: at, ratings: { quality: 4, speed: Number.NaN, tone: Number.POSITIVE_INFINITY, odd: '3' as unknown as number } };
    await countFeedback(item);
    await countFeedback({ ...item, ratings: { quality: 2 } });
    expect(await get(pairKey('qualification-call', 'marketing', 'inside-sales'))).toEqual({
      ...pairKey('qualification-call', 'marketing', 'inside-sales'),
      count: 2,
      's#quality': 6,
      'n#quality': 2,
      'w#2026-W19#count': 2,
      'w#2026-W19#s': 6,
      'w#2026-W19#n': 2,
      'w#2026-W19#s#quality': 6,
      'w#2026-W19#n#quality': 2,
    });
  });

  it('an outage is TransientError', async () => {
    fault.fail((c) => c === 'UpdateItemCommand');
    await expect(countFeedback({ step: 'qualification-call', from: 'marketing', to: 'inside-sales', answeredAt: at, ratings: {} })).rejects.toThrow(new TransientError('feedbackCounters: ServiceUnavailable'));
  });
});

describe('countOverdue on a real table', () => {
  it("adds one to the owner's overdue requests on FUNNEL / OVERDUE; twice sums", async () => {
    await countOverdue({ team: 'inside-sales', owner: 'isr@example.com' });
    await countOverdue({ team: 'inside-sales', owner: 'isr@example.com' });
    await countOverdue({ team: 'field-sales', owner: 'ae@example.com' });
    expect(await get(funnelOverdueKey())).toEqual({ ...funnelOverdueKey(), 'o#inside-sales#isr@example.com': 2, 'o#field-sales#ae@example.com': 1 });
  });

  it('an outage is TransientError', async () => {
    fault.fail((c) => c === 'UpdateItemCommand');
    await expect(countOverdue({ team: 'inside-sales', owner: 'isr@example.com' })).rejects.toThrow(new TransientError('overdueCounters: ServiceUnavailable'));
  });
});

describe('round-robin on a real table', () => {
  it('each call takes the next position; the counter item records team and time', async () => {
    const members = ['a@example.com', 'b@example.com', 'c@example.com'];
    const now = new Date('2026-05-04T10:00:00.000Z');
    const picks = [];
    for (let i = 0; i < 4; i += 1) picks.push(await nextOwner('field-sales', members, now));
    expect(picks).toEqual([
      { member: 'a@example.com', position: 1 },
      { member: 'b@example.com', position: 2 },
      { member: 'c@example.com', position: 3 },
      { member: 'a@example.com', position: 4 },
    ]);
    expect(await get(routingKey('field-sales'))).toEqual({ ...routingKey('field-sales'), assigned: 4, team: 'field-sales', updatedAt: now.toISOString() });
  });

  it('a kept owner is kept without a counter step; a new one is added to the owners', async () => {
    await expect(ownerFor({ owners: { 'customer-success': 'kept@example.com' } }, 'customer-success', ['x@example.com', 'kept@example.com'])).resolves.toEqual({ member: 'kept@example.com' });
    expect(await get(routingKey('customer-success'))).toBeUndefined();
    await expect(ownerFor({ owners: { 'inside-sales': 'i@example.com' } }, 'customer-success', ['x@example.com'])).resolves.toEqual({ member: 'x@example.com', owners: { 'inside-sales': 'i@example.com', 'customer-success': 'x@example.com' } });
    await expect(ownerFor({}, 'customer-success', ['x@example.com'])).resolves.toEqual({ member: 'x@example.com', owners: { 'customer-success': 'x@example.com' } });
  });

  it('an owner who left the team (or is out of office) is replaced by the member whose turn it is', async () => {
    await expect(ownerFor({ owners: { 'marketing': 'gone@example.com' } }, 'marketing', ['x@example.com'])).resolves.toEqual({ member: 'x@example.com', owners: { marketing: 'x@example.com' } });
    const away = { email: 'away@example.com', outOfOffice: { from: '2026-01-01', until: '2026-12-31' } };
    await expect(ownerFor({ owners: { marketing: 'away@example.com' } }, 'marketing', [away, 'x@example.com'], new Date('2026-06-01T00:00:00Z'))).resolves.toEqual({ member: 'x@example.com', owners: { marketing: 'x@example.com' } });
  });

  it('an empty team, an outage, or a result without a usable counter: errors, not a guessed owner', async () => {
    await expect(nextOwner('inside-sales', [])).rejects.toThrow('team inside-sales has no members');
    fault.fail((c) => c === 'UpdateItemCommand');
    await expect(nextOwner('inside-sales', ['a@example.com'])).rejects.toThrow(new TransientError('round-robin inside-sales: ServiceUnavailable'));
    for (const attributes of [undefined, {}, { assigned: '1' }, { assigned: Number.NaN }]) {
      answer = attributes === undefined ? {} : { Attributes: attributes };
      await expect(nextOwner('inside-sales', ['a@example.com'])).rejects.toThrow('round-robin counter missing from UpdateItem result');
    }
  });
});
