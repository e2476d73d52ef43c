import type { RemovalPolicy } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as events from 'aws-cdk-lib/aws-events';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type { StageAccess } from '#packages/pipeline/definition.ts';
import type { BucketId, TableId } from '#packages/storage/resources.ts';

export interface EvidenceFunctionProps {
  /** Physical function name. */
  readonly functionName: string;
  readonly description: string;
  /** Handler module, relative to the repository root (its `handler` export is invoked). */
  readonly entry: string;
  /** What the function may touch; turned into its only data-plane permissions. */
  readonly access: StageAccess;
  readonly buckets: Readonly<Record<BucketId, s3.IBucket>>;
  readonly tables: Readonly<Record<TableId, dynamodb.ITable>>;
  /** Key of the buckets and tables; also encrypts the function's log group. */
  readonly encryptionKey: kms.IKey;
  /**
   * Pipeline event bus; required when `access.putEvents` is set.
   * @default - no event bus permissions
   */
  readonly eventBus?: events.IEventBus;
  /** Environment variables of the function. */
  readonly environment: Readonly<Record<string, string>>;
  /**
   * Memory in MB.
   * @default 512
   */
  readonly memorySizeMb?: number;
  /**
   * Timeout in seconds.
   * @default 60
   */
  readonly timeoutSeconds?: number;
  /**
   * Reserved concurrency: at most this many invocations at once, taken out of the account's pool.
   * @default - none reserved
   */
  readonly reservedConcurrency?: number;
  /**
   * Layers for packages the bundle leaves out (`externalModules` in infra/bundling.ts).
   * @default - none
   */
  readonly layers?: readonly lambda.ILayerVersion[];
  /**
   * Retention of the function's log group.
   * @default RetentionDays.ONE_MONTH
   */
  readonly logRetention?: RetentionDays;
  /**
   * What happens to the log group when the stack is deleted.
   * @default RemovalPolicy.RETAIN
   */
  readonly logRemovalPolicy?: RemovalPolicy;
}
