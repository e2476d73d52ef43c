import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { BUCKETS, type BucketDefinition, type BucketId } from '#packages/storage/resources.ts';
import { constructIdOf } from './construct-id.ts';
import type { EvidenceStorageProps } from './evidence-storage-props.ts';

/**
 * The evidence buckets (raw, curated, exports), built from `BUCKETS` in
 * packages/storage/resources.ts, plus the bucket their access logs go to.
 *
 * Guarantees:
 * - encrypted with the stack's customer-managed KMS key (SSE-KMS with S3 Bucket Keys), so reading
 *   an object needs both S3 and KMS permission and every decrypt is in CloudTrail; the access-log
 *   bucket uses SSE-S3 because S3 server access logging cannot deliver to an SSE-KMS bucket;
 * - `BlockPublicAccess.BLOCK_ALL`, object ownership enforced (no ACLs);
 * - SSL-only bucket policies (TLS 1.2 minimum);
 * - raw is versioned: an overwrite or delete keeps the previous bytes for the configured days;
 * - lifecycle: `incoming/` uploads expire (ingest keeps the content-addressed copy under `raw/`),
 *   noncurrent raw versions expire, incomplete multipart uploads are aborted everywhere;
 * - server access logs of every data bucket go to the log bucket, under `<bucket id>/`;
 * - the raw bucket sends its events to EventBridge through a plain `NotificationConfiguration`
 *   on the L1 bucket — never the L2 `eventBridgeEnabled` prop, which adds the
 *   `Custom::S3BucketNotifications` Lambda that breaks on emulators and LocalStack.
 */
export class EvidenceStorage extends Construct {
  readonly buckets: Readonly<Record<BucketId, s3.Bucket>>;
  readonly accessLogBucket: s3.Bucket;

  constructor(scope: Construct, id: string, props: EvidenceStorageProps) {
    super(scope, id);
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    const abortIncompleteMultipartUploadAfter = Duration.days(props.abortIncompleteUploadDays ?? 7);

    this.accessLogBucket = new s3.Bucket(this, 'AccessLogBucket', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      lifecycleRules: [
        {
          id: 'expire-access-logs',
          expiration: Duration.days(props.accessLogExpiryDays ?? 365),
          abortIncompleteMultipartUploadAfter,
        },
      ],
      removalPolicy,
    });
    // No S1 (access logs) acknowledgement is needed for this bucket: cdk-nag recognises a bucket
    // that receives other buckets' server access logs as compliant.

    const bucket = (definition: BucketDefinition, extra: Partial<s3.BucketProps>): s3.Bucket =>
      new s3.Bucket(this, `${constructIdOf(definition.id)}Bucket`, {
        encryption: s3.BucketEncryption.KMS,
        encryptionKey: props.encryptionKey,
        // One data key per bucket instead of one KMS call per object: cost and KMS request quota.
        bucketKeyEnabled: true,
        blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
        objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
        enforceSSL: true,
        minimumTLSVersion: 1.2,
        serverAccessLogsBucket: this.accessLogBucket,
        serverAccessLogsPrefix: `${definition.id}/`,
        removalPolicy,
        ...extra,
        lifecycleRules: [
          { id: 'abort-incomplete-multipart-uploads', abortIncompleteMultipartUploadAfter },
          ...(extra.lifecycleRules ?? []),
        ],
      });

    const raw = bucket(BUCKETS.raw, {
      versioned: true,
      lifecycleRules: [
        {
          id: 'expire-incoming-uploads',
          prefix: 'incoming/',
          expiration: Duration.days(props.rawIncomingExpiryDays ?? 30),
        },
        {
          id: 'expire-noncurrent-versions',
          noncurrentVersionExpiration: Duration.days(props.rawNoncurrentVersionExpiryDays ?? 90),
          expiredObjectDeleteMarker: true,
        },
      ],
    });
    (raw.node.defaultChild as s3.CfnBucket).notificationConfiguration = {
      eventBridgeConfiguration: { eventBridgeEnabled: true },
    };

    this.buckets = {
      raw,
      curated: bucket(BUCKETS.curated, {}),
      exports: bucket(BUCKETS.exports, {}),
    };
  }
}
