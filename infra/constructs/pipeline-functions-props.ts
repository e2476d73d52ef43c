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
   * The deployment stage every log line names (`stage`, from HLD_STAGE).
   * @default - unset: the functions' log lines say `local`
   */
  readonly stageName?: string;
  /**
   * Level of the functions' Powertools logger (POWERTOOLS_LOG_LEVEL). Lambda's own log-level
   * control, when set on a function, wins over it.
   * @default 'INFO'
   */
  readonly logLevel?: 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';
  /**
   * Share of invocations logged at DEBUG whatever the level (POWERTOOLS_LOGGER_SAMPLE_RATE, 0–1).
   * @default 0
   */
  readonly debugLogSampleRate?: number;
  /**
   * Map stack traces to the TypeScript sources (`NODE_OPTIONS=--enable-source-maps`), at the cost
   * of reading the source map at every cold start.
   * @default false
   */
  readonly sourceMapStackTraces?: boolean;
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
