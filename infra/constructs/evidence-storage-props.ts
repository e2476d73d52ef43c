import type { RemovalPolicy } from 'aws-cdk-lib';
import type * as kms from 'aws-cdk-lib/aws-kms';

/** S3 Object Lock default retention of the raw bucket. */
export interface RawObjectLock {
  /** GOVERNANCE: principals with `s3:BypassGovernanceRetention` may delete; COMPLIANCE: nobody. */
  readonly mode: 'GOVERNANCE' | 'COMPLIANCE';
  readonly days: number;
}

export interface EvidenceStorageProps {
  /** Customer-managed key the raw, curated, exports and query-results buckets are encrypted with. */
  readonly encryptionKey: kms.IKey;
  /**
   * What happens to the buckets when the stack is deleted. DESTROY only removes empty buckets:
   * objects are never deleted by CloudFormation (no auto-delete custom resource).
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
  /** Object Lock default retention of every version in the raw bucket. */
  readonly rawObjectLock: RawObjectLock;
  /**
   * Deny every principal deleting a version under `raw/` of the raw bucket, or any version of the
   * access logs, by bucket policy (after Object Lock's retention too). Off only where the stage
   * opts in to destroying its buckets (dev), whose teardown deletes every version.
   * @default true
   */
  readonly denyEvidenceVersionDeletion?: boolean;
  /**
   * Days after which uploads under `incoming/` of the raw bucket expire (ingest has copied them
   * to `raw/<kind>/<sha256>` by then).
   * @default 30
   */
  readonly rawIncomingExpiryDays?: number;
  /**
   * Days a noncurrent version under `incoming/` or `quarantine/` is kept (Object Lock permitting).
   * Nothing under `raw/` ever expires.
   * @default 90
   */
  readonly rawIncomingNoncurrentVersionExpiryDays?: number;
  /**
   * Days a noncurrent version in the curated and exports buckets is kept.
   * @default 90
   */
  readonly derivedNoncurrentVersionExpiryDays?: number;
  /**
   * Days Athena query results are kept.
   * @default 30
   */
  readonly queryResultExpiryDays?: number;
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
