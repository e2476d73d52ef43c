import { describe, expect, it } from 'vitest';
import { STAGES } from '#infra/config.ts';
import { RAW_PREFIXES } from '#infra/constructs/evidence-storage.ts';
import { resetClients, s3Client } from '#packages/storage/client-factory.ts';
import { type CfnResourceJson, logicalIdOf, property, synthesizedStages } from './evidence-stack.fixture.ts';
import { evaluate, resourcePolicyStatements } from './iam-policy.ts';

const _SYNTH_TIMEOUT_MS = 120_000;

const stackOf = synthesizedStages();

interface LifecycleRuleJson {
  readonly Id: string;
  readonly Prefix?: string;
  readonly Status: string;
  readonly ExpirationInDays?: number;
  readonly NoncurrentVersionExpiration?: unknown;
  readonly ExpiredObjectDeleteMarker?: boolean;
  readonly Transitions?: unknown;
  readonly AbortIncompleteMultipartUpload?: unknown;
}

function lifecycleRules(bucket: CfnResourceJson | undefined): LifecycleRuleJson[] {
  return (
    (property(bucket, 'LifecycleConfiguration') as { Rules: LifecycleRuleJson[] } | undefined)?.Rules ?? []
  );
}

/** The lifecycle actions that would remove or move a version of `key`. */
function expiringActionsFor(bucket: CfnResourceJson | undefined, key: string): string[] {
  return lifecycleRules(bucket)
    .filter((rule) => rule.Status === 'Enabled' && key.startsWith(rule.Prefix ?? ''))
    .flatMap((rule) => [
      ...(rule.ExpirationInDays !== undefined ? [`${rule.Id}: expiration`] : []),
      ...(rule.NoncurrentVersionExpiration !== undefined ? [`${rule.Id}: noncurrent expiration`] : []),
      ...(rule.Transitions !== undefined ? [`${rule.Id}: transition`] : []),
    ]);
}

const ANY_ADMIN = 'arn:aws:iam::111122223333:role/administrator';

describe.each(['dev', 'prod'] as const)('raw evidence is write-once (%s)', (stage) => {
  const rawBucket = () => {
    const { json, stack } = stackOf(stage);
    const id = logicalIdOf(stack.storage.buckets.raw);
    return { id, resource: json.Resources[id] };
  };

  it("locks every version of the raw bucket with Object Lock, in the stage's mode and for its days", () => {
    const { resource } = rawBucket();
    const lock = STAGES[stage].rawObjectLock;

    expect(property(resource, 'ObjectLockConfiguration')).toEqual({
      ObjectLockEnabled: 'Enabled',
      Rule: { DefaultRetention: { Mode: lock.mode, Days: lock.days } },
    });
    expect(property(resource, 'VersioningConfiguration')).toEqual({ Status: 'Enabled' });
    expect(lock.mode).toBe(stage === 'prod' ? 'COMPLIANCE' : 'GOVERNANCE');
  });

  it('turns Object Lock on without the bucket-level ObjectLockEnabled property, whose change would replace a deployed raw bucket with an empty one', () => {
    const { resource } = rawBucket();

    expect(resource?.Properties).not.toHaveProperty('ObjectLockEnabled');
    expect(property(resource, 'ObjectLockConfiguration')).toMatchObject({ ObjectLockEnabled: 'Enabled' });
  });

  it('never expires or moves a version under raw/, and still cleans up incoming/ uploads and replaced quarantine reports', () => {
    const { resource } = rawBucket();

    expect(expiringActionsFor(resource, `${RAW_PREFIXES.evidence}pilot/4f2a/pilots.json`)).toEqual([]);
    expect(expiringActionsFor(resource, `${RAW_PREFIXES.uploads}pilot/pilots.json`)).toEqual([
      'expire-incoming-uploads: expiration',
      'expire-incoming-uploads: noncurrent expiration',
    ]);
    expect(expiringActionsFor(resource, `${RAW_PREFIXES.quarantine}pilot/4f2a.json`)).toEqual([
      'expire-replaced-quarantine-reports: noncurrent expiration',
    ]);
  });

  it('denies every principal deleting raw/ objects or versions by bucket policy in prod; dev keeps teardown possible', () => {
    const { json } = stackOf(stage);
    const { id } = rawBucket();
    const statements = resourcePolicyStatements(json, 'AWS::S3::BucketPolicy', 'Bucket', id);
    const deleting = (action: string, key: string) =>
      evaluate(statements, {
        principal: { arn: ANY_ADMIN },
        action,
        resource: `<${id}.Arn>/${key}`,
        context: { 'aws:SecureTransport': 'true' },
      });

    for (const action of ['s3:DeleteObject', 's3:DeleteObjectVersion']) {
      expect(deleting(action, 'raw/pilot/4f2a/pilots.json'), action).toBe(
        stage === 'prod' ? 'deny' : 'implicit-deny',
      );
      expect(deleting(action, 'incoming/pilot/pilots.json'), action).toBe('implicit-deny');
    }
  });
});

describe('the runtime side of Object Lock', () => {
  it('sends a checksum with every S3 PUT and part by default, which S3 requires of uploads to an Object Lock bucket', async () => {
    resetClients();

    const calculation = await s3Client().config.requestChecksumCalculation();

    expect(calculation).toBe('WHEN_SUPPORTED');
    resetClients();
  });
});

describe.each(['dev', 'prod'] as const)('derived data and access logs (%s)', (stage) => {
  it('versions the curated and exports buckets, and expires only their noncurrent versions', () => {
    const { json, stack } = stackOf(stage);

    for (const bucket of [stack.storage.buckets.curated, stack.storage.buckets.exports]) {
      const resource = json.Resources[logicalIdOf(bucket)];
      expect(property(resource, 'VersioningConfiguration')).toEqual({ Status: 'Enabled' });
      expect(expiringActionsFor(resource, 'tables/pilot/4f2a/s1.arrow')).toEqual([
        'expire-noncurrent-versions: noncurrent expiration',
      ]);
    }
  });

  it('keeps access logs versioned, and in prod lets nobody delete a version of them (they expire by lifecycle only)', () => {
    const { json, stack } = stackOf(stage);
    const id = logicalIdOf(stack.storage.accessLogBucket);
    const statements = resourcePolicyStatements(json, 'AWS::S3::BucketPolicy', 'Bucket', id);

    expect(property(json.Resources[id], 'VersioningConfiguration')).toEqual({ Status: 'Enabled' });
    expect(
      evaluate(statements, {
        principal: { arn: ANY_ADMIN },
        action: 's3:DeleteObjectVersion',
        resource: `<${id}.Arn>/raw/2026-12-01-00-00-00-ABCDEF`,
        context: { 'aws:SecureTransport': 'true' },
      }),
    ).toBe(stage === 'prod' ? 'deny' : 'implicit-deny');
  });
});
