import { DynamoDBDocumentClient, UpdateCommand, type UpdateCommandInput } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';

process.env.TABLE_NAME = 'test-table';

const ddbMock = mockClient(DynamoDBDocumentClient);
const { memberAt, nextOwner, ownerFor } = await import('#lib/teams/routing');
const { TransientError } = await import('#lib/core/errors');

/** A fake table that applies `ADD #n :one` atomically per key, as DynamoDB does. */
function counterTable(): Map<string, number> {
  const counters = new Map<string, number>();
  ddbMock.on(UpdateCommand).callsFake((input: UpdateCommandInput) => {
    const key = `${String(input.Key?.['pk'])}|${String(input.Key?.['sk'])}`;
    const next = (counters.get(key) ?? 0) + Number(input.ExpressionAttributeValues?.[':one']);
    counters.set(key, next);
    return { Attributes: { assigned: next } };
  });
  return counters;
}

afterEach(() => {
  ddbMock.reset();
});

describe('memberAt', () => {
  it('cycles through members from the first', () => {
    const m = ['a', 'b', 'c'];
    expect([1, 2, 3, 4, 5, 6, 7].map((p) => memberAt(m, p))).toEqual(['a', 'b', 'c', 'a', 'b', 'c', 'a']);
  });
  it('refuses an empty team', () => {
    expect(() => memberAt([], 1)).toThrow(/empty/);
  });
});

describe('nextOwner', () => {
  it('spreads N concurrent assignments over M members evenly (differ by at most one)', async () => {
    const counters = counterTable();
    const members = ['ae1@example.com', 'ae2@example.com', 'ae3@example.com'];
    const results = await Promise.all(Array.from({ length: 100 }, () => nextOwner('field-sales', members)));
    const tally = new Map<string, number>();
    for (const r of results) tally.set(r.member, (tally.get(r.member) ?? 0) + 1);
    expect([...tally.values()].sort()).toEqual([33, 33, 34]);
    // every call consumed its own position: no two calls shared a turn
    expect(new Set(results.map((r) => r.position)).size).toBe(100);
    // the position is persisted per team
    expect(counters.get('ROUTING#field-sales|COUNTER')).toBe(100);
  });

  it('keeps one counter per team and continues from the persisted position', async () => {
    const counters = counterTable();
    counters.set('ROUTING#inside-sales|COUNTER', 4);
    const a = await nextOwner('inside-sales', ['i1', 'i2']);
    const b = await nextOwner('customer-success', ['c1', 'c2']);
    expect(a).toEqual({ member: 'i1', position: 5 });
    expect(b).toEqual({ member: 'c1', position: 1 });
  });

  it('advances the counter with an atomic ADD on ROUTING#<team>/COUNTER', async () => {
    counterTable();
    await nextOwner('customer-success', ['c1']);
    const input = ddbMock.commandCalls(UpdateCommand)[0]?.args[0].input;
    expect(input?.TableName).toBe('test-table');
    expect(input?.Key).toEqual({ pk: 'ROUTING#customer-success', sk: 'COUNTER' });
    expect(input?.UpdateExpression).toMatch(/^ADD #n :one/);
    expect(input?.ExpressionAttributeValues?.[':one']).toBe(1);
    expect(input?.ReturnValues).toBe('UPDATED_NEW');
  });

  it('turns throttling into a TransientError the state machine retries', async () => {
    ddbMock.on(UpdateCommand).rejects(Object.assign(new Error('slow down'), { name: 'ProvisionedThroughputExceededException' }));
    await expect(nextOwner('field-sales', ['a'])).rejects.toBeInstanceOf(TransientError);
  });
});

describe('ownerFor', () => {
  it("keeps the lead's owner in the team: no turn taken, nothing to write", async () => {
    const counters = counterTable();
    await expect(ownerFor({ owners: { 'field-sales': 'ae2' } }, 'field-sales', ['ae1', 'ae2'])).resolves.toEqual({ member: 'ae2' });
    expect(counters.size).toBe(0);
  });

  it("takes the next turn for a lead without one, and returns the lead's owners with it", async () => {
    counterTable();
    const owner = await ownerFor({ owners: { 'inside-sales': 'isr1' } }, 'customer-success', ['c1', 'c2']);
    expect(owner).toEqual({ member: 'c1', owners: { 'inside-sales': 'isr1', 'customer-success': 'c1' } });
  });
});
