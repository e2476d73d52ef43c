import { ArnFormat, Stack } from 'aws-cdk-lib';
import * as athena from 'aws-cdk-lib/aws-athena';
import * as glue from 'aws-cdk-lib/aws-glue';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import {
  PARQUET_ROOT,
  parquetTablePrefix,
  queryCatalogNames,
  queryTables,
  SOURCE_PARTITION_COLUMN,
} from '#packages/pipeline/query-tables.ts';
import { acknowledgeFinding, iam5ResourceFindingId } from '../nag.ts';
import type { QueryCatalogProps } from './query-catalog-props.ts';

/** Prefix of the query results in their bucket. */
export const QUERY_RESULTS_PREFIX = 'results/';

/** Glue's limit on a column comment. */
const GLUE_COMMENT_MAX = 255;

/**
 * SQL over the curated data in the cloud: a Glue database with one table per curated table over
 * its Parquet copies, an Athena workgroup, and the one managed policy (and role) an analyst needs.
 *
 * Guarantees:
 * - table and column names and types come from packages/pipeline/query-tables.ts (the contracts),
 *   the same module the local SQL engine reads; no crawler guesses them;
 * - partition projection on `source_sha256` (type `injected`): no partition is ever registered,
 *   a new upload is queryable as soon as its Parquet copy exists, and every query names the
 *   source files it reads (`WHERE source_sha256 = '…'` or `IN (…)`);
 * - the workgroup's configuration is enforced (clients cannot override it): results go to the
 *   query-results bucket under `results/`, SSE-KMS with the stack's key, the bucket owner is
 *   checked, and a query scanning more than the stage's byte limit is cancelled;
 * - the analyst policy allows exactly: running and reading queries in this workgroup; reading
 *   this database's tables and partitions from the Glue catalog; reading objects under
 *   `parquet/` of the curated bucket (nothing else of it, and no other bucket); reading and
 *   writing `results/` of the results bucket; the key only through S3. It cannot write curated
 *   data, read the raw evidence or the Arrow tables, or touch DynamoDB.
 */
export class QueryCatalog extends Construct {
  readonly database: glue.CfnDatabase;
  readonly tables: ReadonlyMap<string, glue.CfnTable>;
  readonly workGroup: athena.CfnWorkGroup;
  readonly analystPolicy: iam.ManagedPolicy;
  readonly analystRole: iam.Role;
  readonly databaseName: string;
  readonly workGroupName: string;

  constructor(scope: Construct, id: string, props: QueryCatalogProps) {
    super(scope, id);
    const stack = Stack.of(this);
    // The names `hld query --backend aws` finds from the same prefix (query-tables.ts).
    const names = queryCatalogNames(props.namePrefix);
    this.databaseName = names.database;
    this.workGroupName = names.workGroup;
    const curated = props.curatedBucket.bucketName;

    this.database = new glue.CfnDatabase(this, 'Database', {
      catalogId: stack.account,
      databaseInput: {
        name: this.databaseName,
        description: 'hld-evidence curated tables (Parquet copies), one table per data contract',
      },
    });

    const tables = new Map<string, glue.CfnTable>();
    for (const table of props.tables ?? queryTables()) {
      const location = `s3://${curated}/${parquetTablePrefix(table.name)}`;
      const created = new glue.CfnTable(this, `Table${table.name}`, {
        catalogId: stack.account,
        databaseName: this.databaseName,
        tableInput: {
          name: table.name,
          description: `${table.description} (contract ${table.contract})`,
          tableType: 'EXTERNAL_TABLE',
          parameters: {
            classification: 'parquet',
            'parquet.compression': 'ZSTD',
            'hld.contract': table.contract,
            'projection.enabled': 'true',
            [`projection.${SOURCE_PARTITION_COLUMN}.type`]: 'injected',
            // Not a CloudFormation substitution: Athena fills ${source_sha256} from the query.
            'storage.location.template': `${location}${SOURCE_PARTITION_COLUMN}=\${${SOURCE_PARTITION_COLUMN}}/`,
          },
          partitionKeys: [
            { name: SOURCE_PARTITION_COLUMN, type: 'string', comment: 'SHA-256 of the source file' },
          ],
          storageDescriptor: {
            location,
            columns: table.columns.map((column) => ({
              name: column.name,
              type: column.type,
              ...(column.description ? { comment: column.description.slice(0, GLUE_COMMENT_MAX) } : {}),
            })),
            inputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat',
            outputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat',
            serdeInfo: {
              serializationLibrary: 'org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe',
            },
          },
        },
      });
      created.node.addDependency(this.database);
      tables.set(table.name, created);
    }
    this.tables = tables;

    this.workGroup = new athena.CfnWorkGroup(this, 'WorkGroup', {
      name: this.workGroupName,
      description: 'Analysts query the curated Parquet copies here (enforced settings, scan limit)',
      state: 'ENABLED',
      workGroupConfiguration: {
        enforceWorkGroupConfiguration: true,
        publishCloudWatchMetricsEnabled: true,
        bytesScannedCutoffPerQuery: props.bytesScannedCutoffPerQuery,
        engineVersion: { selectedEngineVersion: 'Athena engine version 3' },
        resultConfiguration: {
          outputLocation: `s3://${props.queryResultsBucket.bucketName}/${QUERY_RESULTS_PREFIX}`,
          encryptionConfiguration: { encryptionOption: 'SSE_KMS', kmsKey: props.encryptionKey.keyArn },
          expectedBucketOwner: stack.account,
        },
      },
    });

    const arn = (service: string, resource: string, resourceName?: string) =>
      stack.formatArn({
        service,
        resource,
        ...(resourceName !== undefined ? { resourceName } : {}),
        arnFormat: resourceName !== undefined ? ArnFormat.SLASH_RESOURCE_NAME : ArnFormat.NO_RESOURCE_NAME,
      });
    const parquetObjects = props.curatedBucket.arnForObjects(`${PARQUET_ROOT}*`);
    const resultObjects = props.queryResultsBucket.arnForObjects(`${QUERY_RESULTS_PREFIX}*`);

    this.analystPolicy = new iam.ManagedPolicy(this, 'AnalystPolicy', {
      description: `Query the ${this.databaseName} curated tables in the ${this.workGroupName} Athena workgroup`,
      statements: [
        new iam.PolicyStatement({
          sid: 'RunQueriesInTheWorkgroup',
          actions: [
            'athena:BatchGetQueryExecution',
            'athena:GetQueryExecution',
            'athena:GetQueryResults',
            'athena:GetWorkGroup',
            'athena:ListQueryExecutions',
            'athena:StartQueryExecution',
            'athena:StopQueryExecution',
          ],
          resources: [arn('athena', 'workgroup', this.workGroupName)],
        }),
        new iam.PolicyStatement({
          sid: 'ReadTheCatalogOfTheCuratedTables',
          actions: [
            'glue:BatchGetPartition',
            'glue:GetDatabase',
            'glue:GetPartition',
            'glue:GetPartitions',
            'glue:GetTable',
            'glue:GetTables',
          ],
          resources: [
            arn('glue', 'catalog'),
            arn('glue', 'database', this.databaseName),
            ...[...tables.keys()].map((name) => arn('glue', 'table', `${this.databaseName}/${name}`)),
          ],
        }),
        new iam.PolicyStatement({
          sid: 'ReadTheParquetCopies',
          actions: ['s3:GetObject'],
          resources: [parquetObjects],
        }),
        new iam.PolicyStatement({
          sid: 'ListTheParquetCopies',
          actions: ['s3:ListBucket'],
          resources: [props.curatedBucket.bucketArn],
          conditions: { StringLike: { 's3:prefix': [`${PARQUET_ROOT}*`] } },
        }),
        new iam.PolicyStatement({
          sid: 'ReadAndWriteQueryResults',
          actions: ['s3:AbortMultipartUpload', 's3:GetObject', 's3:ListMultipartUploadParts', 's3:PutObject'],
          resources: [resultObjects],
        }),
        new iam.PolicyStatement({
          sid: 'ListQueryResults',
          actions: ['s3:ListBucket', 's3:ListBucketMultipartUploads'],
          resources: [props.queryResultsBucket.bucketArn],
          conditions: { StringLike: { 's3:prefix': [`${QUERY_RESULTS_PREFIX}*`] } },
        }),
        new iam.PolicyStatement({
          sid: 'LocateTheBuckets',
          actions: ['s3:GetBucketLocation'],
          resources: [props.curatedBucket.bucketArn, props.queryResultsBucket.bucketArn],
        }),
        new iam.PolicyStatement({
          sid: 'UseTheKeyOnlyThroughS3',
          actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
          resources: [props.encryptionKey.keyArn],
          conditions: { StringEquals: { 'kms:ViaService': `s3.${stack.region}.amazonaws.com` } },
        }),
      ],
    });
    for (const objects of [parquetObjects, resultObjects]) {
      acknowledgeFinding(
        this.analystPolicy,
        iam5ResourceFindingId(this, objects),
        'Object ARN scoped to one key prefix (parquet/* of the curated bucket, results/* of the ' +
          'query-results bucket): the * stands for object keys under that prefix, not for buckets.',
      );
    }

    this.analystRole = new iam.Role(this, 'AnalystRole', {
      roleName: `${props.namePrefix}-analyst`,
      description: 'Analysts assume this role to query the curated tables with Athena',
      // Who may assume it is decided by IAM in the account (an sts:AssumeRole grant), as for any role.
      assumedBy: new iam.AccountRootPrincipal(),
      managedPolicies: [this.analystPolicy],
    });
  }
}
