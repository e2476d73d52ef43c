import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { BUCKETS, type BucketDefinition, type BucketId } from '#packages/storage/resources.ts';
import { constructIdOf } from './construct-id.ts';
import type { EvidenceStorageProps } from './evidence-storage-props.ts';

/** The key prefixes of the raw bucket (packages/pipeline/source-key.ts writes them). */
export const RAW_PREFIXES = { uploads: 'incoming/', evidence: 'raw/', quarantine: 'quarantine/' } as const;

/**
 * The evidence buckets (raw, curated, exports), built from `BUCKETS` in
 * packages/storage/resources.ts, the bucket Athena writes query results to, and the bucket their
 * access logs go to.
 *
 * Guarantees:
 * - encrypted with the stack's customer-managed KMS key (SSE-KMS with S3 Bucket Keys), and the
 *   bucket policy refuses a PUT that asks for anything else (SSE-S3, DSSE, another KMS key,
 *   SSE-C); the access-log bucket uses SSE-S3 because S3 server access logging cannot deliver to
 *   an SSE-KMS bucket;
 * - `BlockPublicAccess.BLOCK_ALL`, object ownership enforced (no ACLs), TLS 1.2+ only;
 * - raw is write-once: S3 Object Lock (the stage's mode and days) on every version of every
 *   object, versioning on, and no lifecycle rule ever expires a version under `raw/`; where the
 *   stage protects evidence (prod), the bucket policy also denies every principal deleting an
 *   object or version under `raw/` once the lock has run out;
 * - lifecycle by prefix: `incoming/` uploads expire (ingest keeps the content-addressed copy
 *   under `raw/`) and their old versions follow; old versions of quarantine reports expire;
 *   incomplete multipart uploads are aborted everywhere;
 * - curated and exports are versioned: an overwrite or delete keeps the previous bytes for the
 *   configured days;
 * - query results expire after the configured days;
 * - server access logs of every data bucket go to the log bucket, under `<bucket id>/`; the log
 *   bucket is versioned, and where the stage protects evidence its versions cannot be deleted
 *   (they expire by lifecycle only);
 * - the raw bucket sends its events to EventBridge through a plain `NotificationConfiguration`
 *   on the L1 bucket — never the L2 `eventBridgeEnabled` prop, which adds the
 *   `Custom::S3BucketNotifications` Lambda that breaks on emulators and LocalStack.
 *
 * Object Lock needs no runtime change: S3 applies the bucket's default retention to every new
 * version, and the SDK's default request checksums (CRC32 on PutObject and UploadPart) satisfy
 * its integrity-header rule. The local backends have no Object Lock and do not need it.
 */
export class EvidenceStorage extends Construct {
  readonly buckets: Readonly<Record<BucketId, s3.Bucket>>;
  /** Where the Athena workgroup writes query results (not used by the pipeline). */
  readonly queryResultsBucket: s3.Bucket;
  readonly accessLogBucket: s3.Bucket;

  constructor(scope: Construct, id: string, props: EvidenceStorageProps) {
    super(scope, id);
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    const abortIncompleteMultipartUploadAfter = Duration.days(props.abortIncompleteUploadDays ?? 7);
    const protectVersions = props.denyEvidenceVersionDeletion ?? true;

    this.accessLogBucket = new s3.Bucket(this, 'AccessLogBucket', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      // A delete leaves the previous version; only the lifecycle below removes logs for good.
      versioned: true,
      lifecycleRules: [
        {
          id: 'expire-access-logs',
          expiration: Duration.days(props.accessLogExpiryDays ?? 365),
          noncurrentVersionExpiration: Duration.days(1),
          abortIncompleteMultipartUploadAfter,
        },
      ],
      removalPolicy,
    });
    // No S1 (access logs) acknowledgement is needed for this bucket: cdk-nag recognises a bucket
    // that receives other buckets' server access logs as compliant.
    if (protectVersions) {
      this.accessLogBucket.addToResourcePolicy(
        new iam.PolicyStatement({
          sid: 'DenyErasingAccessLogs',
          effect: iam.Effect.DENY,
          principals: [new iam.AnyPrincipal()],
          actions: ['s3:DeleteObjectVersion'],
          resources: [this.accessLogBucket.arnForObjects('*')],
        }),
      );
    }

    const bucket = (constructId: string, logPrefix: string, extra: Partial<s3.BucketProps>): s3.Bucket => {
      const created = new s3.Bucket(this, constructId, {
        encryption: s3.BucketEncryption.KMS,
        encryptionKey: props.encryptionKey,
        // One data key per bucket instead of one KMS call per object: cost and KMS request quota.
        // CloudTrail then shows KMS calls per bucket key (encryption context: the bucket ARN),
        // not per object; per-object reads are in the server access logs.
        bucketKeyEnabled: true,
        blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
        objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
        enforceSSL: true,
        minimumTLSVersion: 1.2,
        serverAccessLogsBucket: this.accessLogBucket,
        serverAccessLogsPrefix: logPrefix,
        removalPolicy,
        ...extra,
        lifecycleRules: [
          { id: 'abort-incomplete-multipart-uploads', abortIncompleteMultipartUploadAfter },
          ...(extra.lifecycleRules ?? []),
        ],
      });
      denyOtherEncryption(created, props.encryptionKey.keyArn);
      return created;
    };
    const dataBucket = (definition: BucketDefinition, extra: Partial<s3.BucketProps>) =>
      bucket(`${constructIdOf(definition.id)}Bucket`, `${definition.id}/`, extra);

    const uploadNoncurrentDays = Duration.days(props.rawIncomingNoncurrentVersionExpiryDays ?? 90);
    const raw = dataBucket(BUCKETS.raw, {
      versioned: true,
      // Scoped by prefix: nothing here ever touches raw/.
      lifecycleRules: [
        {
          id: 'expire-incoming-uploads',
          prefix: RAW_PREFIXES.uploads,
          expiration: Duration.days(props.rawIncomingExpiryDays ?? 30),
          noncurrentVersionExpiration: uploadNoncurrentDays,
        },
        {
          id: 'expire-replaced-quarantine-reports',
          prefix: RAW_PREFIXES.quarantine,
          noncurrentVersionExpiration: uploadNoncurrentDays,
        },
      ],
    });
    const cfnRaw = raw.node.defaultChild as s3.CfnBucket;
    cfnRaw.notificationConfiguration = { eventBridgeConfiguration: { eventBridgeEnabled: true } };
    // Object Lock through ObjectLockConfiguration alone, never the bucket-level ObjectLockEnabled
    // (the L2 `objectLockEnabled` prop): CloudFormation replaces a bucket when that one changes,
    // which would swap a deployed raw bucket for an empty one. S3 turns Object Lock on in place
    // for a versioned bucket, and CloudFormation updates this property without interruption.
    cfnRaw.objectLockConfiguration = {
      objectLockEnabled: 'Enabled',
      rule: { defaultRetention: { mode: props.rawObjectLock.mode, days: props.rawObjectLock.days } },
    };
    if (protectVersions) {
      raw.addToResourcePolicy(
        new iam.PolicyStatement({
          sid: 'DenyDeletingRawEvidence',
          effect: iam.Effect.DENY,
          principals: [new iam.AnyPrincipal()],
          actions: ['s3:DeleteObject', 's3:DeleteObjectVersion'],
          resources: [raw.arnForObjects(`${RAW_PREFIXES.evidence}*`)],
        }),
      );
    }

    const derivedNoncurrentDays = Duration.days(props.derivedNoncurrentVersionExpiryDays ?? 90);
    const versionedDerived = (definition: BucketDefinition) =>
      dataBucket(definition, {
        versioned: true,
        lifecycleRules: [
          {
            id: 'expire-noncurrent-versions',
            noncurrentVersionExpiration: derivedNoncurrentDays,
            expiredObjectDeleteMarker: true,
          },
        ],
      });

    this.buckets = {
      raw,
      curated: versionedDerived(BUCKETS.curated),
      exports: versionedDerived(BUCKETS.exports),
    };

    this.queryResultsBucket = bucket('QueryResultsBucket', 'query-results/', {
      lifecycleRules: [
        { id: 'expire-query-results', expiration: Duration.days(props.queryResultExpiryDays ?? 30) },
      ],
    });
  }
}

/**
 * Deny PUTs (and copies) that ask for any encryption but SSE-KMS under `keyArn`: SSE-S3 or DSSE
 * (`x-amz-server-side-encryption`), another key (`…-aws-kms-key-id`), or SSE-C. A PUT that asks
 * for nothing gets the bucket default, which is that key, so each deny applies only when its
 * header is present (`Null: false`): a negated operator alone is true for a missing key, and
 * would refuse every PUT the pipeline makes.
 */
function denyOtherEncryption(bucket: s3.Bucket, keyArn: string): void {
  const deny = (sid: string, conditions: Record<string, Record<string, unknown>>) =>
    bucket.addToResourcePolicy(
      new iam.PolicyStatement({
        sid,
        effect: iam.Effect.DENY,
        principals: [new iam.AnyPrincipal()],
        actions: ['s3:PutObject'],
        resources: [bucket.arnForObjects('*')],
        conditions,
      }),
    );
  const sse = 's3:x-amz-server-side-encryption';
  const kmsKeyId = 's3:x-amz-server-side-encryption-aws-kms-key-id';
  deny('DenyEncryptionOtherThanSseKms', {
    Null: { [sse]: 'false' },
    StringNotEquals: { [sse]: 'aws:kms' },
  });
  deny('DenyAnotherKmsKey', {
    Null: { [kmsKeyId]: 'false' },
    StringNotEquals: { [kmsKeyId]: keyArn },
  });
  deny('DenyCustomerProvidedKeys', {
    Null: { 's3:x-amz-server-side-encryption-customer-algorithm': 'false' },
  });
}
