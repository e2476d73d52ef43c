import type { RemovalPolicy } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type { PipelineDefinition } from '#packages/pipeline/definition.ts';
import type { BucketId, TableId } from '#packages/storage/resources.ts';

export interface PipelineFunctionsProps {
  /**
   * The pipeline to build: one function per stage, and a queue, DLQ and rule per event stage.
   * @default PIPELINE (packages/pipeline/definition.ts)
   */
  readonly definition?: PipelineDefinition;
  /** Prefix of the physical names (functions `<prefix>-<stage id>`, bus `<prefix>-pipeline`). */
  readonly namePrefix: string;
  readonly buckets: Readonly<Record<BucketId, s3.IBucket>>;
  readonly tables: Readonly<Record<TableId, dynamodb.ITable>>;
  /** Key of the buckets and tables. */
  readonly encryptionKey: kms.IKey;
  /**
   * Briefing versions assemble keeps besides CURRENT (HLD_KEEP_VERSIONS of every function).
   * @default - the runtime's default (HLD_KEEP_VERSIONS in packages/settings/settings.ts)
   */
  readonly briefingVersionsToKeep?: number;
  /**
   * Extra environment variables for every function (names outside the `HLD_*` settings, which
   * come from typed props).
   * @default - none
   */
  readonly extraEnvironment?: Readonly<Record<string, string>>;
  /**
   * CloudWatch namespace of the Powertools metrics.
   * @default 'HldEvidence'
   */
  readonly metricsNamespace?: string;
  /**
   * Retention of the function log groups.
   * @default RetentionDays.ONE_MONTH
   */
  readonly logRetention?: RetentionDays;
  /**
   * What happens to the log groups when the stack is deleted.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}
