import { RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import type { TableOperation } from '../function-table';
import { TABLE_SCHEMA, type AttributeType, type GlobalIndexSchema, type KeyAttribute, type TableSchema } from '../table-schema';

export interface LeadTableProps {
  /** Keys, indexes and TTL attribute. @default TABLE_SCHEMA (infra/table-schema.ts) */
  readonly schema?: TableSchema;
  /**
   * What happens to the table when the stack is deleted or the table replaced.
   * @default RemovalPolicy.RETAIN (with deletion protection: leads and revenue history are business records)
   */
  readonly removalPolicy?: RemovalPolicy;
}

const ATTRIBUTE_TYPES: Record<AttributeType, dynamodb.AttributeType> = {
  S: dynamodb.AttributeType.STRING,
  N: dynamodb.AttributeType.NUMBER,
  B: dynamodb.AttributeType.BINARY,
};

const PROJECTION_TYPES: Record<GlobalIndexSchema['projection'], dynamodb.ProjectionType> = {
  ALL: dynamodb.ProjectionType.ALL,
  KEYS_ONLY: dynamodb.ProjectionType.KEYS_ONLY,
};

const attribute = (key: KeyAttribute): dynamodb.Attribute => ({ name: key.name, type: ATTRIBUTE_TYPES[key.type] });

/**
 * The pipeline's one DynamoDB table (single-table design, docs/architecture.md):
 * on-demand, point-in-time recovery, TTL, the GSIs of infra/table-schema.ts,
 * deletion protection and RETAIN.
 */
export class LeadTable extends Construct {
  public readonly table: dynamodb.TableV2;
  public readonly schema: TableSchema;

  constructor(scope: Construct, id: string, props: LeadTableProps = {}) {
    super(scope, id);
    const schema = props.schema ?? TABLE_SCHEMA;
    this.schema = schema;
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    this.table = new dynamodb.TableV2(this, 'Table', {
      partitionKey: attribute(schema.partitionKey),
      sortKey: attribute(schema.sortKey),
      billing: dynamodb.Billing.onDemand(),
      timeToLiveAttribute: schema.timeToLiveAttribute,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: removalPolicy === RemovalPolicy.RETAIN,
      removalPolicy,
      globalSecondaryIndexes: schema.globalSecondaryIndexes.map((index) => ({
        indexName: index.indexName,
        partitionKey: attribute(index.partitionKey),
        sortKey: attribute(index.sortKey),
        projectionType: PROJECTION_TYPES[index.projection],
      })),
    });
  }

  /**
   * Grants exactly the given item operations: Query on the table and its
   * indexes (listed by name, so the policy has no wildcard), the others on
   * the table. No Scan, batch or transaction actions exist in the pipeline.
   */
  grant(grantee: iam.IGrantable, operations: readonly TableOperation[]): iam.Grant | undefined {
    const indexArns = this.schema.globalSecondaryIndexes.map((i) => `${this.table.tableArn}/index/${i.indexName}`);
    const itemActions = operations.filter((op) => op !== 'Query').map((op) => `dynamodb:${op}`);
    let grant: iam.Grant | undefined;
    if (itemActions.length > 0) {
      grant = iam.Grant.addToPrincipal({ grantee, actions: itemActions, resourceArns: [this.table.tableArn] });
    }
    if (operations.includes('Query')) {
      const query = iam.Grant.addToPrincipal({
        grantee,
        actions: ['dynamodb:Query'],
        resourceArns: [this.table.tableArn, ...indexArns],
      });
      grant = grant === undefined ? query : grant.combine(query);
    }
    return grant;
  }
}
