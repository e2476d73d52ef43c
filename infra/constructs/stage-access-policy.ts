import { Stack } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';
import type { BucketAccess, StageAccess } from '#packages/pipeline/definition.ts';
import { type BucketId, TABLES, type TableId } from '#packages/storage/resources.ts';
import { StageAccessError } from '../errors.ts';

/** The resources a stage's access is granted on. */
export interface StageAccessTargets {
  readonly buckets: Readonly<Record<BucketId, s3.IBucket>>;
  readonly tables: Readonly<Record<TableId, dynamodb.ITable>>;
  /** The key the buckets and tables are encrypted with. */
  readonly encryptionKey: kms.IKey;
  /** Required when the access includes `putEvents`. */
  readonly eventBus?: events.IEventBus;
}

export interface StageAccessPolicy {
  readonly statements: iam.PolicyStatement[];
  /**
   * Object ARNs ending in a key wildcard (`arn:…:bucket/raw/*`). cdk-nag reports each as an IAM5
   * finding; the caller acknowledges exactly these.
   */
  readonly prefixScopedObjectArns: string[];
}

/** S3 actions per kind of access. Never `s3:*`: each list is what the pipeline code calls. */
const S3_ACTIONS = {
  read: ['s3:GetObject'],
  // Multipart uploads (lib-storage Upload) are authorised by s3:PutObject; aborting is separate.
  write: ['s3:PutObject', 's3:AbortMultipartUpload'],
  delete: ['s3:DeleteObject'],
} as const;

const DYNAMODB_ACTIONS = {
  read: [
    'dynamodb:GetItem',
    'dynamodb:Query',
    'dynamodb:Scan',
    'dynamodb:BatchGetItem',
    'dynamodb:DescribeTable',
  ],
  // ConditionCheckItem: the ConditionCheck entry of TransactWriteItems (the version pointer flip).
  write: [
    'dynamodb:PutItem',
    'dynamodb:UpdateItem',
    'dynamodb:DeleteItem',
    'dynamodb:BatchWriteItem',
    'dynamodb:ConditionCheckItem',
  ],
} as const;

/**
 * IAM statements granting exactly `access`: S3 actions only on the listed prefixes of the listed
 * buckets, DynamoDB actions on the listed tables and their indexes, the key only through S3 and
 * DynamoDB, and `events:PutEvents` on the pipeline bus only when asked.
 */
export function stageAccessPolicy(
  scope: Construct,
  stageId: string,
  access: StageAccess,
  targets: StageAccessTargets,
): StageAccessPolicy {
  const statements: iam.PolicyStatement[] = [];
  const prefixScopedObjectArns: string[] = [];
  const keyActions = new Set<string>();
  const keyServices = new Set<string>();
  const region = Stack.of(scope).region;

  for (const [bucketId, bucketAccess] of Object.entries(access.buckets) as [BucketId, BucketAccess][]) {
    const bucket = targets.buckets[bucketId];
    for (const kind of ['read', 'write', 'delete'] as const) {
      const prefixes = bucketAccess[kind] ?? [];
      if (prefixes.length === 0) continue;
      for (const prefix of prefixes) assertObjectPrefix(stageId, bucketId, prefix);
      const objectArns = prefixes.map((prefix) => bucket.arnForObjects(prefix));
      prefixScopedObjectArns.push(...objectArns);
      statements.push(new iam.PolicyStatement({ actions: [...S3_ACTIONS[kind]], resources: objectArns }));
      if (kind === 'read') {
        // Listing is allowed only for the same prefixes the stage may read.
        statements.push(
          new iam.PolicyStatement({
            actions: ['s3:ListBucket'],
            resources: [bucket.bucketArn],
            conditions: { StringLike: { 's3:prefix': [...prefixes] } },
          }),
        );
        keyActions.add('kms:Decrypt');
      }
      if (kind === 'write') {
        // SSE-KMS: a PUT needs a data key; a multipart upload also decrypts it for each part.
        keyActions.add('kms:GenerateDataKey');
        keyActions.add('kms:Decrypt');
      }
      keyServices.add(`s3.${region}.amazonaws.com`);
    }
  }

  for (const [tableId, tableAccess] of Object.entries(access.tables) as [
    TableId,
    { read?: boolean; write?: boolean },
  ][]) {
    const table = targets.tables[tableId];
    const indexArns = TABLES[tableId].globalSecondaryIndexes.map(
      (index) => `${table.tableArn}/index/${index.indexName}`,
    );
    if (tableAccess.read) {
      // Index ARNs are listed by name (from TABLES), not as `index/*`, so no wildcard is needed.
      statements.push(
        new iam.PolicyStatement({
          actions: [...DYNAMODB_ACTIONS.read],
          resources: [table.tableArn, ...indexArns],
        }),
      );
      keyActions.add('kms:Decrypt');
      keyActions.add('kms:DescribeKey');
    }
    if (tableAccess.write) {
      statements.push(
        new iam.PolicyStatement({ actions: [...DYNAMODB_ACTIONS.write], resources: [table.tableArn] }),
      );
      keyActions.add('kms:Decrypt');
      keyActions.add('kms:DescribeKey');
      keyActions.add('kms:Encrypt');
      keyActions.add('kms:GenerateDataKey');
    }
    if (tableAccess.read || tableAccess.write) keyServices.add(`dynamodb.${region}.amazonaws.com`);
  }

  if (keyActions.size > 0) {
    // The data key is usable only through S3 and DynamoDB on the stage's behalf, never directly.
    statements.push(
      new iam.PolicyStatement({
        actions: [...keyActions].sort(),
        resources: [targets.encryptionKey.keyArn],
        conditions: { StringEquals: { 'kms:ViaService': [...keyServices].sort() } },
      }),
    );
  }

  if (access.putEvents) {
    if (!targets.eventBus) {
      throw new StageAccessError(`Stage '${stageId}' may put events but no pipeline event bus was given.`);
    }
    statements.push(
      new iam.PolicyStatement({ actions: ['events:PutEvents'], resources: [targets.eventBus.eventBusArn] }),
    );
  }

  return { statements, prefixScopedObjectArns };
}

/**
 * A prefix must name a folder (`raw/*`), never the whole bucket (`*`): a stage definition cannot
 * widen its own access to every object by accident.
 */
function assertObjectPrefix(stageId: string, bucketId: BucketId, prefix: string): void {
  if (!/^[A-Za-z0-9!_.'()-]+(\/[A-Za-z0-9!_.'()-]+)*\/\*$/.test(prefix)) {
    throw new StageAccessError(
      `Stage '${stageId}', bucket '${bucketId}': prefix '${prefix}' must be a folder ending in '/*' ` +
        `(for example 'raw/*'); whole-bucket or mid-key wildcards are not granted.`,
    );
  }
}
