/**
 * The one table's keys, indexes and TTL attribute, as plain data (no CDK
 * import). The stack builds its TableV2 from this (infra/constructs/lead-table.ts)
 * and the local dev server creates the identical table with CreateTable
 * (`createTableInput`), so the two cannot drift. Layout: docs/architecture.md.
 */
import type { CreateTableCommandInput, UpdateTimeToLiveCommandInput } from '@aws-sdk/client-dynamodb';

export type AttributeType = 'S' | 'N' | 'B';

export interface KeyAttribute {
  readonly name: string;
  readonly type: AttributeType;
}

export interface GlobalIndexSchema {
  readonly indexName: string;
  readonly partitionKey: KeyAttribute;
  readonly sortKey: KeyAttribute;
  /**
   * ALL: the queries read whole items from the index, no second read.
   * KEYS_ONLY: an index nothing on AWS queries; its items cost no write when
   * attributes outside the keys change.
   */
  readonly projection: 'ALL' | 'KEYS_ONLY';
}

export interface TableSchema {
  readonly partitionKey: KeyAttribute;
  readonly sortKey: KeyAttribute;
  /** Epoch seconds; DynamoDB deletes the item some time after it passes. */
  readonly timeToLiveAttribute: string;
  readonly globalSecondaryIndexes: readonly GlobalIndexSchema[];
}

/** Index names; the functions use the same strings (functions/lib/core/keys.ts INDEX). */
export const INDEX_NAMES = {
  byStage: 'byStage',
  byTeamFeedback: 'byTeamFeedback',
  byReminderDue: 'byReminderDue',
  byTime: 'byTime',
} as const;

export const TABLE_SCHEMA: TableSchema = {
  partitionKey: { name: 'pk', type: 'S' },
  sortKey: { name: 'sk', type: 'S' },
  timeToLiveAttribute: 'expiresAt',
  globalSecondaryIndexes: [
    {
      // Lead profiles by stage: `STAGE#<stage>` / `<stageChangedAt ISO>#<leadId>`.
      // Only the local console lists leads by stage (and BatchGets their
      // profiles); no function queries it, so it projects keys only: a
      // profile update that keeps the stage writes nothing to the index.
      indexName: INDEX_NAMES.byStage,
      partitionKey: { name: 'gsi1pk', type: 'S' },
      sortKey: { name: 'gsi1sk', type: 'S' },
      projection: 'KEYS_ONLY',
    },
    {
      // Feedback by receiving team: `FEEDBACK#<team>` / `<ISO time>#<leadId>`.
      indexName: INDEX_NAMES.byTeamFeedback,
      partitionKey: { name: 'gsi2pk', type: 'S' },
      sortKey: { name: 'gsi2sk', type: 'S' },
      projection: 'ALL',
    },
    {
      // Pending feedback requests due for a reminder (sparse):
      // `REMIND#<YYYY-MM-DD>` / `<remindAt ISO>#<hash>`.
      indexName: INDEX_NAMES.byReminderDue,
      partitionKey: { name: 'gsi3pk', type: 'S' },
      sortKey: { name: 'gsi3sk', type: 'S' },
      projection: 'ALL',
    },
    {
      // What the funnel counts, by time (sparse: stage events and overdue
      // requests): `ACTIVITY#<YYYY-MM>` / `<ISO time>#<leadId>#...`. The
      // funnel of a period (GET /funnel?from=&to=, the digest) reads it.
      indexName: INDEX_NAMES.byTime,
      partitionKey: { name: 'gsi4pk', type: 'S' },
      sortKey: { name: 'gsi4sk', type: 'S' },
      projection: 'ALL',
    },
  ],
};

/** Every key attribute of the table and its indexes, once each, in a stable order. */
export function attributeDefinitions(schema: TableSchema = TABLE_SCHEMA): KeyAttribute[] {
  const seen = new Map<string, KeyAttribute>();
  const keys = [schema.partitionKey, schema.sortKey, ...schema.globalSecondaryIndexes.flatMap((i) => [i.partitionKey, i.sortKey])];
  for (const key of keys) {
    const known = seen.get(key.name);
    if (known !== undefined && known.type !== key.type) {
      throw new Error(`Attribute ${key.name} is declared as both ${known.type} and ${key.type}`);
    }
    seen.set(key.name, key);
  }
  return [...seen.values()];
}

/** CreateTable input for the same table (on-demand), e.g. for DynamoDB Local or dynalite. */
export function createTableInput(tableName: string, schema: TableSchema = TABLE_SCHEMA): CreateTableCommandInput {
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: attributeDefinitions(schema).map((a) => ({ AttributeName: a.name, AttributeType: a.type })),
    KeySchema: [
      { AttributeName: schema.partitionKey.name, KeyType: 'HASH' },
      { AttributeName: schema.sortKey.name, KeyType: 'RANGE' },
    ],
    GlobalSecondaryIndexes: schema.globalSecondaryIndexes.map((index) => ({
      IndexName: index.indexName,
      KeySchema: [
        { AttributeName: index.partitionKey.name, KeyType: 'HASH' },
        { AttributeName: index.sortKey.name, KeyType: 'RANGE' },
      ],
      Projection: { ProjectionType: index.projection },
    })),
  };
}

/** UpdateTimeToLive input enabling TTL on `expiresAt` (where the local store supports it). */
export function timeToLiveInput(tableName: string, schema: TableSchema = TABLE_SCHEMA): UpdateTimeToLiveCommandInput {
  return {
    TableName: tableName,
    TimeToLiveSpecification: { AttributeName: schema.timeToLiveAttribute, Enabled: true },
  };
}
