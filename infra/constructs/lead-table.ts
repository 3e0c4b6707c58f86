import { RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { TABLE_SCHEMA, type AttributeType, type KeyAttribute, type TableSchema } from '../table-schema';

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

const attribute = (key: KeyAttribute): dynamodb.Attribute => ({ name: key.name, type: ATTRIBUTE_TYPES[key.type] });

/** Table access levels the functions get (narrower than grantReadWriteData: no Scan, no batch or transact calls). */
export const TABLE_READ_ACTIONS = ['dynamodb:GetItem', 'dynamodb:Query'] as const;
export const TABLE_WRITE_ACTIONS = ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:ConditionCheckItem'] as const;

/**
 * The pipeline's one DynamoDB table (single-table design, docs/HELPERS.md):
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
        projectionType: dynamodb.ProjectionType.ALL,
      })),
    });
  }

  /**
   * Grants item reads (GetItem, Query on the table and its indexes) and, for
   * 'read-write', item writes (Put/Update/Delete/ConditionCheck) on the table.
   * Index ARNs are listed by name, so the policy has no wildcard.
   */
  grant(grantee: iam.IGrantable, access: 'read' | 'read-write'): iam.Grant {
    const indexArns = this.schema.globalSecondaryIndexes.map((i) => `${this.table.tableArn}/index/${i.indexName}`);
    const read = iam.Grant.addToPrincipal({
      grantee,
      actions: ['dynamodb:GetItem'],
      resourceArns: [this.table.tableArn],
    }).combine(
      iam.Grant.addToPrincipal({
        grantee,
        actions: ['dynamodb:Query'],
        resourceArns: [this.table.tableArn, ...indexArns],
      }),
    );
    if (access === 'read') return read;
    return read.combine(
      iam.Grant.addToPrincipal({
        grantee,
        actions: [...TABLE_WRITE_ACTIONS],
        resourceArns: [this.table.tableArn],
      }),
    );
  }
}
