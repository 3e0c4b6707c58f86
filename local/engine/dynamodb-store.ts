/**
 * DynamoDB execution store (works against dynalite: no transactions, so
 * writes are ordered and conditional instead).
 *
 * One table (created if missing), key pk/sk:
 *   pk 'SM'          sk <stateMachineArn>          d: record JSON
 *   pk 'D#<id>'      sk 'D'                        t: definition text
 *   pk 'X#<arn>'     sk 'H'                        the execution head: d (record JSON without cursor),
 *                                                  st status, gsm/gsk (listing index), run='1' while RUNNING
 *   pk 'X#<arn>'     sk 'E#<first event id>'       one commit: ev (events JSON), n (event count), c (cursor JSON)
 * GSIs: 'byMachine' (gsm, gsk) for ListExecutions newest first; 'running' (run, pk) for resuming.
 *
 * A commit is a single PutItem of an event chunk carrying the cursor after
 * it (conditional on the chunk not existing): the latest chunk is the
 * execution's position. The head is written at creation and when the
 * execution ends (after its final chunk).
 *
 * A named execution is created in two conditional writes, each safe to cut
 * by a kill -9: its first event chunk (ExecutionStarted, which holds the
 * start time) claims the name; then its head, whose writer runs it. A start
 * retried after a crash between the two finishes the head with the first
 * attempt's start time, so the head's listing key (gsk, from the start time)
 * is the one that attempt may already have put in the byMachine index
 * (dynalite writes an index entry before its item): no execution is ever
 * listed twice.
 */
import {
  CreateTableCommand,
  DescribeTableCommand,
  DeleteItemCommand,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  ScanCommand,
  BatchWriteItemCommand,
  type AttributeValue,
  type DynamoDBClient,
  type QueryCommandInput,
} from '@aws-sdk/client-dynamodb';
import { allItems, items, pages } from '#lib/aws/paginate';
import { listKey, type Cursor, type ExecutionCommit, type ExecutionRecord, type ExecutionStoreImpl, type ListExecutionsQuery, type StateMachineRecord, type StoredEvent } from './store';

export interface DynamoDBStoreOptions {
  client: DynamoDBClient;
  /** Default 'sfn-local-engine'. */
  tableName?: string;
  /**
   * Group commit: commits issued in the same tick are written together with
   * BatchWriteItem (up to 25 at a time) instead of one PutItem each. Default true.
   */
  batchWrites?: boolean;
  /** Above this many RUNNING executions, start() finds them with one table scan instead of two reads each. Default 200. */
  scanResumeThreshold?: number;
}

type Item = Record<string, AttributeValue>;

const S = (s: string): AttributeValue => ({ S: s });
const N = (n: number): AttributeValue => ({ N: String(n) });

function str(item: Item | undefined, key: string): string | undefined {
  const v = item?.[key];
  return v && 'S' in v ? v.S : undefined;
}
function num(item: Item | undefined, key: string): number | undefined {
  const v = item?.[key];
  return v && 'N' in v && v.N !== undefined ? Number(v.N) : undefined;
}

/** One item for consecutive event chunks of an execution: all their events, the last cursor. */
function chunkItem(group: PendingPut[]): Item {
  const first = group[0]!.chunk!;
  const last = group[group.length - 1]!.chunk!;
  const events = group.length === 1 ? first.events : group.flatMap((g) => g.chunk!.events);
  const item: Item = { pk: S(`X#${first.arn}`), sk: S(chunkKey(events[0]!.id)), ev: S(JSON.stringify(events)), n: N(last.n) };
  const cursor = [...group].reverse().find((g) => g.chunk!.cursor)?.chunk!.cursor;
  if (cursor) item.c = S(JSON.stringify(cursor));
  return item;
}

/** A RUNNING execution's record from its head and its latest event chunk (which carries the cursor). */
function withCursor(rec: ExecutionRecord, head: Item, last: Item | undefined): ExecutionRecord {
  const c = str(last, 'c') ?? str(head, 'c');
  if (c) rec.cursor = JSON.parse(c) as Cursor;
  const n = num(last, 'n');
  if (n !== undefined) rec.eventCount = n;
  return rec;
}

function chunkKey(firstId: number): string {
  return `E#${String(firstId).padStart(10, '0')}`;
}

interface PendingPut {
  /** A finished item, or an event chunk kept open so later chunks of the same execution can join it. */
  item?: Item;
  chunk?: { arn: string; events: StoredEvent[]; n: number; cursor?: Cursor };
  resolve: () => void;
  reject: (e: unknown) => void;
}

export class DynamoDBStore implements ExecutionStoreImpl {
  readonly kind = 'dynamodb' as const;
  readonly tableName: string;
  private readonly client: DynamoDBClient;
  private readonly batch: boolean;
  private readonly scanResumeThreshold: number;
  private initialized: Promise<void> | undefined;
  private queue: PendingPut[] = [];
  private flushScheduled = false;
  private inflight = 0;
  /** Cursor-only chunks written (part of their sort key). */
  private cursorOnly = 0;

  constructor(options: DynamoDBStoreOptions) {
    this.client = options.client;
    this.tableName = options.tableName ?? 'sfn-local-engine';
    this.batch = options.batchWrites ?? true;
    this.scanResumeThreshold = options.scanResumeThreshold ?? 200;
  }

  init(): Promise<void> {
    if (!this.initialized) {
      this.initialized = this.createTable().catch((err: unknown) => {
        this.initialized = undefined;
        throw err;
      });
    }
    return this.initialized;
  }

  private async createTable(): Promise<void> {
    try {
      const d = await this.client.send(new DescribeTableCommand({ TableName: this.tableName }));
      if (d.Table?.TableStatus === 'ACTIVE') return;
    } catch (err) {
      if ((err as { name?: string }).name !== 'ResourceNotFoundException') throw err;
      try {
        await this.client.send(
          new CreateTableCommand({
            TableName: this.tableName,
            BillingMode: 'PAY_PER_REQUEST',
            AttributeDefinitions: [
              { AttributeName: 'pk', AttributeType: 'S' },
              { AttributeName: 'sk', AttributeType: 'S' },
              { AttributeName: 'gsm', AttributeType: 'S' },
              { AttributeName: 'gsk', AttributeType: 'S' },
              { AttributeName: 'run', AttributeType: 'S' },
            ],
            KeySchema: [
              { AttributeName: 'pk', KeyType: 'HASH' },
              { AttributeName: 'sk', KeyType: 'RANGE' },
            ],
            GlobalSecondaryIndexes: [
              {
                IndexName: 'byMachine',
                KeySchema: [
                  { AttributeName: 'gsm', KeyType: 'HASH' },
                  { AttributeName: 'gsk', KeyType: 'RANGE' },
                ],
                Projection: { ProjectionType: 'ALL' },
              },
              {
                IndexName: 'running',
                KeySchema: [
                  { AttributeName: 'run', KeyType: 'HASH' },
                  { AttributeName: 'pk', KeyType: 'RANGE' },
                ],
                Projection: { ProjectionType: 'KEYS_ONLY' },
              },
            ],
          }),
        );
      } catch (e) {
        if ((e as { name?: string }).name !== 'ResourceInUseException') throw e;
      }
    }
    for (let i = 0; i < 200; i++) {
      const d = await this.client.send(new DescribeTableCommand({ TableName: this.tableName }));
      const gsisActive = (d.Table?.GlobalSecondaryIndexes ?? []).every((g) => g.IndexStatus === undefined || g.IndexStatus === 'ACTIVE');
      if (d.Table?.TableStatus === 'ACTIVE' && gsisActive) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`table ${this.tableName} did not become ACTIVE`);
  }

  async close(): Promise<void> {
    await this.flushAll();
  }

  // --- state machines and definitions

  async putStateMachine(rec: StateMachineRecord, mode: 'create' | 'replace'): Promise<boolean> {
    try {
      await this.client.send(
        new PutItemCommand({
          TableName: this.tableName,
          Item: { pk: S('SM'), sk: S(rec.stateMachineArn), d: S(JSON.stringify(rec)) },
          ...(mode === 'create' ? { ConditionExpression: 'attribute_not_exists(pk)' } : {}),
        }),
      );
      return true;
    } catch (err) {
      if ((err as { name?: string }).name === 'ConditionalCheckFailedException') return false;
      throw err;
    }
  }

  async getStateMachine(arn: string): Promise<StateMachineRecord | undefined> {
    const r = await this.client.send(new GetItemCommand({ TableName: this.tableName, Key: { pk: S('SM'), sk: S(arn) }, ConsistentRead: true }));
    const d = str(r.Item, 'd');
    return d ? (JSON.parse(d) as StateMachineRecord) : undefined;
  }

  async listStateMachines(): Promise<StateMachineRecord[]> {
    const found = await this.queryAll({ TableName: this.tableName, KeyConditionExpression: 'pk = :p', ExpressionAttributeValues: { ':p': S('SM') }, ConsistentRead: true });
    return found.map((i) => JSON.parse(str(i, 'd')!) as StateMachineRecord);
  }

  async deleteStateMachine(arn: string): Promise<void> {
    await this.client.send(new DeleteItemCommand({ TableName: this.tableName, Key: { pk: S('SM'), sk: S(arn) } }));
  }

  async putDefinition(id: string, definition: string): Promise<void> {
    await this.client.send(new PutItemCommand({ TableName: this.tableName, Item: { pk: S(`D#${id}`), sk: S('D'), t: S(definition) } }));
  }

  async getDefinition(id: string): Promise<string | undefined> {
    const r = await this.client.send(new GetItemCommand({ TableName: this.tableName, Key: { pk: S(`D#${id}`), sk: S('D') } }));
    return str(r.Item, 't');
  }

  // --- executions

  private headItem(rec: ExecutionRecord): Item {
    const { cursor, ...rest } = rec;
    const item: Item = {
      pk: S(`X#${rec.executionArn}`),
      sk: S('H'),
      d: S(JSON.stringify(rest)),
      st: S(rec.status),
      gsm: S(rec.stateMachineArn),
      gsk: S(listKey(rec.startDate, rec.name)),
    };
    if (rec.status === 'RUNNING') item.run = S('1');
    if (cursor) item.c = S(JSON.stringify(cursor));
    return item;
  }

  async createExecution(rec: ExecutionRecord, events: StoredEvent[], options: { fresh?: boolean } = {}): Promise<ExecutionRecord | undefined> {
    if (options.fresh && this.batch) {
      // an engine-generated UUID name cannot exist yet: head and first events go out with the next group commit
      const writes = [this.put(this.headItem(rec))];
      if (events.length) writes.push(this.enqueue({ chunk: { arn: rec.executionArn, events, n: rec.eventCount, cursor: rec.cursor } }));
      await Promise.all(writes);
      return undefined;
    }
    // (see the top of this file) 1. the first events claim the name
    let head = rec;
    if (events.length && !(await this.putIfAbsent(chunkItem([{ chunk: { arn: rec.executionArn, events, n: rec.eventCount, cursor: rec.cursor } } as PendingPut])))) {
      const existing = await this.getExecution(rec.executionArn);
      if (existing) return existing;
      // a start killed before its head: finish it as that attempt began it
      const first = await this.firstEvent(rec.executionArn);
      if (first?.type === 'ExecutionStarted') head = { ...rec, startDate: first.timestamp };
    }
    // 2. the head: whoever writes it runs the execution
    if (!(await this.putIfAbsent(this.headItem(head)))) return this.getExecution(rec.executionArn);
    return undefined;
  }

  /** A conditional PutItem: false when the item already exists. */
  private async putIfAbsent(item: Item): Promise<boolean> {
    try {
      await this.client.send(new PutItemCommand({ TableName: this.tableName, Item: item, ConditionExpression: 'attribute_not_exists(pk)' }));
      return true;
    } catch (err) {
      if ((err as { name?: string }).name === 'ConditionalCheckFailedException') return false;
      throw err;
    }
  }

  private async firstEvent(executionArn: string): Promise<StoredEvent | undefined> {
    const r = await this.client.send(new GetItemCommand({ TableName: this.tableName, Key: { pk: S(`X#${executionArn}`), sk: S(chunkKey(1)) }, ConsistentRead: true }));
    const ev = str(r.Item, 'ev');
    return ev ? (JSON.parse(ev) as StoredEvent[])[0] : undefined;
  }

  async commit(executionArn: string, c: ExecutionCommit): Promise<void> {
    const pk = S(`X#${executionArn}`);
    let written: Promise<void> | undefined;
    if (c.events.length) {
      // the cursor rides along even on the final chunk: if the head write below is lost, a resume repeats only the last step
      written = this.enqueue({ chunk: { arn: executionArn, events: c.events, n: c.eventCount, cursor: c.cursor } });
      if (!c.final) return written;
    } else if (c.cursor && !c.final) {
      // a position change without events (a finished branch whose events a sibling's commit wrote): a cursor-only chunk
      // sorting after the last events and after earlier ones at the same count, also those of the same millisecond
      const seq = String(++this.cursorOnly % 1_000_000).padStart(6, '0');
      await this.put({ pk, sk: S(`${chunkKey(c.eventCount)}~${Date.now()}.${seq}`), n: N(c.eventCount), c: S(JSON.stringify(c.cursor)) });
    }
    if (c.final) {
      let head = c.head;
      if (!head) {
        const r = await this.client.send(new GetItemCommand({ TableName: this.tableName, Key: { pk, sk: S('H') }, ConsistentRead: true }));
        const d = str(r.Item, 'd');
        if (!d) throw new Error(`commit to unknown execution ${executionArn}`);
        head = JSON.parse(d) as ExecutionRecord;
      }
      const last = c.cursor ?? head.cursor;
      const rec: ExecutionRecord = { ...head, ...c.final, eventCount: c.eventCount };
      delete rec.cursor;
      if (last) rec.lastCursor = last;
      await Promise.all([written, this.put(this.headItem(rec))]);
    }
  }

  /** The ExecutionRedriven chunk (with the new cursor) first, then the head back to RUNNING. */
  async redrive(rec: ExecutionRecord, events: StoredEvent[]): Promise<void> {
    await this.enqueue({ chunk: { arn: rec.executionArn, events, n: rec.eventCount, cursor: rec.cursor } });
    await this.put(this.headItem(rec));
  }

  private put(item: Item): Promise<void> {
    return this.enqueue({ item });
  }

  /**
   * Group commit: writes queued in the same tick go out together with
   * BatchWriteItem (25 items per request); consecutive event chunks of one
   * execution are merged into a single item first.
   */
  private enqueue(entry: Omit<PendingPut, 'resolve' | 'reject'>): Promise<void> {
    if (!this.batch) {
      const item = entry.item ?? chunkItem([entry as PendingPut]);
      return this.client.send(new PutItemCommand({ TableName: this.tableName, Item: item })).then(() => undefined);
    }
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ ...entry, resolve, reject });
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        setImmediate(() => void this.flush());
      }
    });
  }

  private async flush(): Promise<void> {
    this.flushScheduled = false;
    const queue = this.queue;
    this.queue = [];
    // merge chunks per execution, keeping the order of everything else
    const groups: PendingPut[][] = [];
    const open = new Map<string, PendingPut[]>();
    for (const e of queue) {
      if (e.chunk) {
        const g = open.get(e.chunk.arn);
        if (g) {
          g.push(e);
          continue;
        }
        const ng = [e];
        open.set(e.chunk.arn, ng);
        groups.push(ng);
      } else {
        groups.push([e]);
      }
    }
    for (let i = 0; i < groups.length; i += 25) {
      const batch = groups.slice(i, i + 25);
      this.inflight++;
      void this.writeBatch(batch).finally(() => this.inflight--);
    }
  }

  private async writeBatch(batch: PendingPut[][]): Promise<void> {
    const all = batch.flat();
    try {
      let requests = batch.map((g) => ({ PutRequest: { Item: g[0]!.item ?? chunkItem(g) } }));
      for (let attempt = 0; requests.length; attempt++) {
        const r = await this.client.send(new BatchWriteItemCommand({ RequestItems: { [this.tableName]: requests } }));
        requests = (r.UnprocessedItems?.[this.tableName] ?? []).map((w) => ({ PutRequest: { Item: w.PutRequest!.Item! } }));
        if (requests.length && attempt > 20) throw new Error('BatchWriteItem left unprocessed items');
        if (requests.length) await new Promise((res) => setTimeout(res, 10 * (attempt + 1)));
      }
      for (const p of all) p.resolve();
    } catch (err) {
      for (const p of all) p.reject(err);
    }
  }

  private async flushAll(): Promise<void> {
    for (let i = 0; i < 1000 && (this.queue.length || this.inflight || this.flushScheduled); i++) {
      if (this.queue.length) await this.flush();
      await new Promise((r) => setTimeout(r, 5));
    }
  }

  private async latestChunk(executionArn: string): Promise<Item | undefined> {
    const r = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :p AND begins_with(sk, :e)',
        ExpressionAttributeValues: { ':p': S(`X#${executionArn}`), ':e': S('E#') },
        ScanIndexForward: false,
        Limit: 1,
        ConsistentRead: true,
      }),
    );
    return r.Items?.[0];
  }

  private async fromHead(head: Item): Promise<ExecutionRecord> {
    const rec = JSON.parse(str(head, 'd')!) as ExecutionRecord;
    return rec.status === 'RUNNING' ? withCursor(rec, head, await this.latestChunk(rec.executionArn)) : rec;
  }

  async getExecution(arn: string): Promise<ExecutionRecord | undefined> {
    const r = await this.client.send(new GetItemCommand({ TableName: this.tableName, Key: { pk: S(`X#${arn}`), sk: S('H') }, ConsistentRead: true }));
    if (!r.Item) return undefined;
    return this.fromHead(r.Item);
  }

  async listExecutions(q: ListExecutionsQuery): Promise<{ items: ExecutionRecord[]; nextToken?: string }> {
    const input: QueryCommandInput = {
      TableName: this.tableName,
      IndexName: 'byMachine',
      KeyConditionExpression: 'gsm = :m',
      ExpressionAttributeValues: { ':m': S(q.stateMachineArn) },
      ScanIndexForward: true,
      Limit: Math.max(q.maxResults + 1, 50),
    };
    if (q.statusFilter) {
      input.FilterExpression = 'st = :st';
      input.ExpressionAttributeValues![':st'] = S(q.statusFilter);
    }
    const found: Item[] = [];
    // where the last page read left off: undefined once the index has no more
    let startKey: Item | undefined = q.nextToken ? (JSON.parse(q.nextToken) as Item) : undefined;
    for await (const r of pages((ExclusiveStartKey) => this.client.send(new QueryCommand({ ...input, ExclusiveStartKey })), startKey)) {
      found.push(...(r.Items ?? []));
      startKey = r.LastEvaluatedKey;
      if (found.length > q.maxResults) break; // one more than a page: enough to know there is a next page
    }
    const page = found.slice(0, q.maxResults);
    const more = found.length > q.maxResults || (startKey !== undefined && page.length === q.maxResults);
    const last = page[page.length - 1];
    const nextToken = more && last ? JSON.stringify({ pk: last.pk, sk: last.sk, gsm: last.gsm, gsk: last.gsk }) : undefined;
    return { items: page.map((i) => JSON.parse(str(i, 'd')!) as ExecutionRecord), nextToken };
  }

  async listRunning(): Promise<ExecutionRecord[]> {
    const out: ExecutionRecord[] = [];
    await this.forEachRunning((rec) => void out.push(rec));
    return out;
  }

  async forEachRunning(fn: (rec: ExecutionRecord) => void | Promise<void>): Promise<void> {
    const keys = await this.queryAll({ TableName: this.tableName, IndexName: 'running', KeyConditionExpression: 'run = :r', ExpressionAttributeValues: { ':r': S('1') } });
    if (keys.length > this.scanResumeThreshold) return this.scanRunning(new Set(keys.map((k) => str(k, 'pk')!)), fn);
    let i = 0;
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        while (i < keys.length) {
          const k = keys[i++]!;
          const rec = await this.getExecution(str(k, 'pk')!.slice(2));
          if (rec && rec.status === 'RUNNING') await fn(rec);
        }
      }),
    );
  }

  /**
   * Many running executions: one pass over the table (without event bodies)
   * beats two reads per execution. A scan returns an execution's items
   * together, in key order, its event chunks ('E#...') before its head ('H'),
   * so each is handed over at its head and nothing is held past it.
   */
  private async scanRunning(running: Set<string>, fn: (rec: ExecutionRecord) => void | Promise<void>): Promise<void> {
    let latest: Item | undefined;
    const scan = (ExclusiveStartKey: Item | undefined) =>
      this.client.send(
        new ScanCommand({
          TableName: this.tableName,
          ProjectionExpression: '#pk, #sk, #d, #c, #n',
          ExpressionAttributeNames: { '#pk': 'pk', '#sk': 'sk', '#d': 'd', '#c': 'c', '#n': 'n' },
          ExclusiveStartKey,
          ConsistentRead: true,
        }),
      );
    for await (const item of items(scan)) {
      const pk = str(item, 'pk')!;
      if (!running.has(pk)) continue;
      const sk = str(item, 'sk')!;
      if (latest !== undefined && str(latest, 'pk') !== pk) latest = undefined;
      if (sk.startsWith('E#')) {
        if (latest === undefined || str(latest, 'sk')! < sk) latest = item;
      } else if (sk === 'H') {
        const rec = JSON.parse(str(item, 'd')!) as ExecutionRecord;
        if (rec.status !== 'RUNNING') continue;
        await fn(withCursor(rec, item, latest ?? (await this.latestChunk(rec.executionArn))));
        latest = undefined;
      }
    }
  }

  async getHistory(arn: string): Promise<StoredEvent[]> {
    const chunks = await this.queryAll({
      TableName: this.tableName,
      KeyConditionExpression: 'pk = :p AND begins_with(sk, :e)',
      ExpressionAttributeValues: { ':p': S(`X#${arn}`), ':e': S('E#') },
      ProjectionExpression: 'ev',
      ConsistentRead: true,
    });
    const events: StoredEvent[] = [];
    for (const c of chunks) {
      const ev = str(c, 'ev');
      if (ev) for (const e of JSON.parse(ev) as StoredEvent[]) events.push(e);
    }
    return events;
  }

  /** Every item a Query finds, all pages. */
  private queryAll(input: QueryCommandInput): Promise<Item[]> {
    return allItems((ExclusiveStartKey: Item | undefined) => this.client.send(new QueryCommand({ ...input, ExclusiveStartKey })));
  }
}
