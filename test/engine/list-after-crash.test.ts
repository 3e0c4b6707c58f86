/**
 * ListExecutions after a kill -9, on the DynamoDB store against dynalite:
 * dynalite writes a GSI entry before its item, so a process killed between
 * the two leaves an index entry without its item. The crash is simulated
 * inside dynalite (its index update runs, then the write fails as if the
 * process had died), then the start is retried, as a client does after a
 * restart. Every execution must be listed exactly once, across pages.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import dynalite from 'dynalite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoDBStore } from '../../local/engine/index';
import type { ExecutionRecord, StoredEvent } from '../../local/engine/store';

type Item = Record<string, Record<string, string>>;
type UpdateIndexes = (store: unknown, table: { TableName: string }, existing: Item | undefined, item: Item | undefined, cb: (err?: Error | null) => void) => void;
const dynaliteDb = createRequire(import.meta.url)('dynalite/db') as { updateIndexes: UpdateIndexes };
const original = dynaliteDb.updateIndexes;

/** The next head write on `table` dies: after its index entries ('after-index') or before anything ('before-index'). */
let crash: { table: string; when: 'after-index' | 'before-index' } | undefined;
dynaliteDb.updateIndexes = (store, table, existing, item, cb) => {
  const c = crash;
  const isHead = item?.pk?.S?.startsWith('X#') === true && item.sk?.S === 'H';
  if (c === undefined || table.TableName !== c.table || !isHead) return original(store, table, existing, item, cb);
  crash = undefined;
  // The request fails as a dead server's would (a 500 the client does not retry: one attempt).
  const killed = Object.assign(new Error('simulated kill -9'), { statusCode: 500, body: { __type: 'com.amazonaws.dynamodb.v20120810#InternalFailure', message: 'simulated kill -9' } });
  if (c.when === 'before-index') return cb(killed);
  original(store, table, existing, item, (err) => cb(err ?? killed));
};

let server: Server;
let client: DynamoDBClient;
let dir: string;
let tables = 0;
const SM = 'arn:aws:states:us-east-1:123456789012:stateMachine:crashy';

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'engine-crash-'));
  server = dynalite({ path: dir, createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  // One attempt per call: the "dead" process does not retry.
  client = new DynamoDBClient({ endpoint: `http://127.0.0.1:${port}`, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' }, maxAttempts: 1 });
});

afterAll(async () => {
  dynaliteDb.updateIndexes = original;
  client.destroy();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  rmSync(dir, { recursive: true, force: true });
});

function record(name: string, startDate: number): ExecutionRecord {
  return { executionArn: `arn:aws:states:us-east-1:123456789012:execution:crashy:${name}`, stateMachineArn: SM, name, status: 'RUNNING', input: '{}', startDate, definitionId: 'd', roleArn: 'r', eventCount: 1 };
}

/** What the engine passes with a new execution: its ExecutionStarted event. */
function started(rec: ExecutionRecord): StoredEvent[] {
  return [{ id: 1, previousEventId: 0, timestamp: rec.startDate, type: 'ExecutionStarted', executionStartedEventDetails: { input: rec.input, inputDetails: { truncated: false }, roleArn: rec.roleArn } }];
}

/** createExecution as the engine calls it. */
function create(store: DynamoDBStore, rec: ExecutionRecord): Promise<ExecutionRecord | undefined> {
  return store.createExecution(rec, started(rec));
}

/** Every name ListExecutions gives, page by page (one execution per page). */
async function listedNames(store: DynamoDBStore): Promise<string[]> {
  const names: string[] = [];
  let nextToken: string | undefined;
  do {
    const page = await store.listExecutions({ stateMachineArn: SM, maxResults: 1, ...(nextToken ? { nextToken } : {}) });
    names.push(...page.items.map((r) => r.name));
    nextToken = page.nextToken;
  } while (nextToken !== undefined);
  return names.sort();
}

async function freshStore(): Promise<{ store: DynamoDBStore; table: string }> {
  const table = `crash-test-${++tables}`;
  const store = new DynamoDBStore({ client, tableName: table });
  await store.init();
  return { store, table };
}

describe('ListExecutions after a kill -9 between an index entry and its item', () => {
  it('a start cut off in its head write (index entry written, item not) and retried later is listed once, across pages', async () => {
    const { store, table } = await freshStore();
    const t0 = Date.UTC(2026, 10, 27, 12);
    for (const [i, name] of ['a', 'c', 'd'].entries()) await create(store, record(name, t0 + i * 10));
    crash = { table, when: 'after-index' };
    await expect(create(store, record('b', t0 + 100))).rejects.toThrow();
    expect(crash).toBeUndefined(); // the crash happened
    // After the restart the client retries: a new attempt, a later start time. It runs the execution (undefined: not a duplicate).
    const restarted = new DynamoDBStore({ client, tableName: table });
    expect(await create(restarted, record('b', t0 + 5_000))).toBeUndefined();
    expect(await listedNames(restarted)).toEqual(['a', 'b', 'c', 'd']);
    // As the first attempt began it: its start time, its one ExecutionStarted event.
    const arn = record('b', 0).executionArn;
    expect((await restarted.getExecution(arn))?.startDate).toBe(t0 + 100);
    expect((await restarted.getHistory(arn)).filter((e) => e.type === 'ExecutionStarted').map((e) => e.timestamp)).toEqual([t0 + 100]);
    // A further retry is a duplicate start: the existing execution.
    expect((await create(restarted, record('b', t0 + 9_000)))?.startDate).toBe(t0 + 100);
    expect(await listedNames(restarted)).toEqual(['a', 'b', 'c', 'd']);
  });

  it('a start killed before its head write began is finished by the retry, listed once', async () => {
    const { store, table } = await freshStore();
    const t0 = Date.UTC(2026, 10, 27, 13);
    await create(store, record('a', t0));
    crash = { table, when: 'before-index' };
    await expect(create(store, record('b', t0 + 100))).rejects.toThrow();
    expect(crash).toBeUndefined();
    const restarted = new DynamoDBStore({ client, tableName: table });
    expect((await restarted.listRunning()).map((r) => r.name)).toEqual(['a']);
    expect(await create(restarted, record('b', t0 + 9_000))).toBeUndefined();
    expect((await restarted.listRunning()).map((r) => r.name).sort()).toEqual(['a', 'b']);
    expect(await listedNames(restarted)).toEqual(['a', 'b']);
    expect((await restarted.getHistory(record('b', 0).executionArn)).filter((e) => e.type === 'ExecutionStarted')).toHaveLength(1);
  });
});
