import type { RemovalPolicy } from 'aws-cdk-lib';
import type * as kms from 'aws-cdk-lib/aws-kms';

export interface EvidenceStorageProps {
  /** Customer-managed key the raw, curated and exports buckets are encrypted with. */
  readonly encryptionKey: kms.IKey;
  /**
   * What happens to the buckets when the stack is deleted. DESTROY only removes empty buckets:
   * objects are never deleted by CloudFormation (no auto-delete custom resource).
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
  /**
   * Days after which uploads under `incoming/` of the raw bucket expire (ingest has copied them
   * to `raw/<kind>/<sha256>` by then).
   * @default 30
   */
  readonly rawIncomingExpiryDays?: number;
  /**
   * Days a noncurrent object version of the raw bucket is kept.
   * @default 90
   */
  readonly rawNoncurrentVersionExpiryDays?: number;
  /**
   * Days after which incomplete multipart uploads are aborted, on every bucket.
   * @default 7
   */
  readonly abortIncompleteUploadDays?: number;
  /**
   * Days server access logs are kept in the log bucket.
   * @default 365
   */
  readonly accessLogExpiryDays?: number;
}
