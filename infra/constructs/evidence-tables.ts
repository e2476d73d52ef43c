import { RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';
import {
  type KeyAttribute,
  TABLES,
  type TableDefinition,
  type TableId,
} from '#packages/storage/resources.ts';
import { constructIdOf } from './construct-id.ts';
import type { EvidenceTablesProps } from './evidence-tables-props.ts';

/**
 * The ledger and briefings tables, built from `TABLES` in packages/storage/resources.ts (keys,
 * global secondary indexes, TTL attribute), so the cloud and the local backends cannot drift.
 *
 * Guarantees:
 * - on-demand billing (no capacity to size or to throttle on);
 * - point-in-time recovery (35 days of continuous backups);
 * - encrypted with the stack's customer-managed KMS key;
 * - deletion protection unless the stage turns it off (dev);
 * - RETAIN on stack deletion unless the stage opts in to DESTROY.
 *
 * `dynamodb.Table` (AWS::DynamoDB::Table) rather than `TableV2` (AWS::DynamoDB::GlobalTable):
 * the single-region resource is the one LocalStack's CloudFormation supports well.
 */
export class EvidenceTables extends Construct {
  readonly tables: Readonly<Record<TableId, dynamodb.Table>>;

  constructor(scope: Construct, id: string, props: EvidenceTablesProps) {
    super(scope, id);
    const table = (definition: TableDefinition): dynamodb.Table => {
      const created = new dynamodb.Table(this, `${constructIdOf(definition.id)}Table`, {
        partitionKey: attribute(definition.partitionKey),
        sortKey: attribute(definition.sortKey),
        billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
        pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
        encryption: dynamodb.TableEncryption.CUSTOMER_MANAGED,
        encryptionKey: props.encryptionKey,
        deletionProtection: props.tableDeletionProtection ?? true,
        removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
        ...(definition.timeToLiveAttribute ? { timeToLiveAttribute: definition.timeToLiveAttribute } : {}),
      });
      for (const index of definition.globalSecondaryIndexes) {
        created.addGlobalSecondaryIndex({
          indexName: index.indexName,
          partitionKey: attribute(index.partitionKey),
          sortKey: attribute(index.sortKey),
          projectionType: dynamodb.ProjectionType.ALL,
        });
      }
      return created;
    };
    this.tables = { ledger: table(TABLES.ledger), briefings: table(TABLES.briefings) };
  }
}

function attribute(key: KeyAttribute): dynamodb.Attribute {
  return {
    name: key.name,
    type: key.type === 'N' ? dynamodb.AttributeType.NUMBER : dynamodb.AttributeType.STRING,
  };
}
