import type { RemovalPolicy } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type { BucketId, TableId } from '#packages/storage/resources.ts';

export interface BriefingApiProps {
  /** Name of the HTTP API; the function is `<apiName>-handler`. */
  readonly apiName: string;
  readonly buckets: Readonly<Record<BucketId, s3.IBucket>>;
  readonly tables: Readonly<Record<TableId, dynamodb.ITable>>;
  /** Key of the buckets and tables. */
  readonly encryptionKey: kms.IKey;
  /** Environment of the API function (resource names, dataset). */
  readonly environment: Readonly<Record<string, string>>;
  /**
   * Handler module of the API, relative to the repository root; it takes an API Gateway HTTP API
   * (payload v2) event and returns a v2 result.
   * @default 'functions/api/handler.ts'
   */
  readonly apiEntry?: string;
  /**
   * Steady-state requests per second of the default stage.
   * @default 10
   */
  readonly apiThrottleRateLimit?: number;
  /**
   * Burst of the default stage.
   * @default 20
   */
  readonly apiThrottleBurstLimit?: number;
  /**
   * Memory of the API function in MB.
   * @default 512
   */
  readonly apiMemorySizeMb?: number;
  /**
   * Retention of the function and access log groups.
   * @default RetentionDays.ONE_MONTH
   */
  readonly logRetention?: RetentionDays;
  /**
   * What happens to the log groups when the stack is deleted.
   * @default RemovalPolicy.RETAIN
   */
  readonly logRemovalPolicy?: RemovalPolicy;
}
