import { Stack } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';
import type { BucketAccess, StageAccess, TableAccess } from '#packages/pipeline/definition.ts';
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

/**
 * DynamoDB actions per kind of access: what the repositories call (packages/storage), and
 * nothing else. No Scan (listing goes through keys and the `byType` index), no DescribeTable, no
 * transactions (EMULATORS.md).
 */
const DYNAMODB_ACTIONS = {
  // BatchGetItem: the ledger reads the items behind index entries with consistent reads, 100 at a time.
  read: ['dynamodb:BatchGetItem', 'dynamodb:GetItem', 'dynamodb:Query'],
  write: ['dynamodb:PutItem', 'dynamodb:UpdateItem'],
  batchWrite: ['dynamodb:BatchWriteItem'],
} as const;

/** The table actions `access` grants on every key of its `partitionKeys`, sorted (DeleteItem aside). */
export function tableActionsOf(access: TableAccess): string[] {
  return (['read', 'write', 'batchWrite'] as const)
    .filter((kind) => access[kind])
    .flatMap((kind) => [...DYNAMODB_ACTIONS[kind]])
    .sort();
}

/** The partition-key patterns `action` is allowed on under `access`. */
export function partitionKeysAllowed(access: TableAccess, action: string): readonly string[] {
  if (action === 'dynamodb:DeleteItem') return access.delete ?? [];
  const keys = tableActionsOf(access).includes(action) ? access.partitionKeys : [];
  const readOnly = (DYNAMODB_ACTIONS.read as readonly string[]).includes(action)
    ? (access.readOnlyKeys ?? [])
    : [];
  return [...keys, ...readOnly.filter((pattern) => !keys.includes(pattern))];
}

/**
 * IAM statements granting exactly `access`: S3 actions only on the listed prefixes of the listed
 * buckets; DynamoDB actions only on items whose partition key matches the stage's
 * `partitionKeys` (`dynamodb:LeadingKeys`), and Query on an index only for the listed index keys;
 * the key only through S3 and DynamoDB; `events:PutEvents` on the pipeline bus only when asked.
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

  for (const [tableId, tableAccess] of Object.entries(access.tables) as [TableId, TableAccess][]) {
    const table = targets.tables[tableId];
    const readOnly = tableAccess.readOnlyKeys ?? [];
    for (const pattern of [...tableAccess.partitionKeys, ...readOnly, ...(tableAccess.delete ?? [])]) {
      assertPartitionKey(stageId, tableId, pattern);
    }
    const actions = tableActionsOf(tableAccess);
    if (actions.length > 0) {
      if (tableAccess.partitionKeys.length === 0) {
        throw new StageAccessError(
          `Stage '${stageId}', table '${tableId}': list the partition keys it touches (partitionKeys).`,
        );
      }
      // ForAllValues: every key of the request (a BatchWriteItem has up to 25) must match.
      statements.push(
        new iam.PolicyStatement({
          actions,
          resources: [table.tableArn],
          conditions: {
            'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [...tableAccess.partitionKeys] },
          },
        }),
      );
    }
    if (readOnly.length > 0) {
      // Read-only partitions: the items a stage reads but never writes (behind index entries).
      statements.push(
        new iam.PolicyStatement({
          actions: [...DYNAMODB_ACTIONS.read],
          resources: [table.tableArn],
          conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [...readOnly] } },
        }),
      );
    }
    const deletable = tableAccess.delete ?? [];
    const outside = deletable.filter((pattern) => !tableAccess.partitionKeys.includes(pattern));
    if (outside.length > 0) {
      throw new StageAccessError(
        `Stage '${stageId}', table '${tableId}': it may delete ${outside.join(', ')}, which partitionKeys does not list.`,
      );
    }
    if (deletable.length > 0) {
      statements.push(
        new iam.PolicyStatement({
          actions: ['dynamodb:DeleteItem'],
          resources: [table.tableArn],
          conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [...deletable] } },
        }),
      );
    }
    for (const [indexName, values] of Object.entries(tableAccess.indexQueries ?? {})) {
      if (!TABLES[tableId].globalSecondaryIndexes.some((index) => index.indexName === indexName)) {
        throw new StageAccessError(`Stage '${stageId}', table '${tableId}': no index '${indexName}'.`);
      }
      for (const value of values) assertPartitionKey(stageId, tableId, value);
      // On an index, the leading key is the index's partition key (gsi1pk = 'SOURCE').
      statements.push(
        new iam.PolicyStatement({
          actions: ['dynamodb:Query'],
          resources: [`${table.tableArn}/index/${indexName}`],
          conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [...values] } },
        }),
      );
    }
    const touchesTable =
      actions.length > 0 ||
      readOnly.length > 0 ||
      deletable.length > 0 ||
      tableAccess.indexQueries !== undefined;
    if (touchesTable) {
      keyActions.add('kms:Decrypt');
      keyActions.add('kms:DescribeKey');
    }
    if (tableAccess.write || deletable.length > 0 || tableAccess.batchWrite) {
      keyActions.add('kms:Encrypt');
      keyActions.add('kms:GenerateDataKey');
    }
    if (touchesTable) keyServices.add(`dynamodb.${region}.amazonaws.com`);
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
 * A partition-key pattern is a literal prefix with at most one `*`, at its end: `FILE#*` or
 * `DATASETS`, never `*` alone (the whole table) or a wildcard in the middle.
 */
function assertPartitionKey(stageId: string, tableId: TableId, pattern: string): void {
  if (!/^[A-Za-z0-9#_./-]+\*?$/.test(pattern)) {
    throw new StageAccessError(
      `Stage '${stageId}', table '${tableId}': partition key '${pattern}' must be a literal key or a ` +
        `prefix ending in '*' (for example 'FILE#*'); whole-table or mid-key wildcards are not granted.`,
    );
  }
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
