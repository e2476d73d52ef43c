import { Validations } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { describe, expect, it } from 'vitest';
import type { StageName } from '#infra/config.ts';
import { PIPELINE } from '#packages/pipeline/definition.ts';
import {
  buildTestApp,
  type CfnResourceJson,
  logicalIdOf,
  property,
  referencedLogicalId,
  resourcesOfType,
  synthesizedStages,
} from './evidence-stack.fixture.ts';
import {
  allIdentityStatements,
  asList,
  type PolicyStatementJson,
  resourcePolicyStatements,
} from './iam-policy.ts';

const SYNTH_TIMEOUT_MS = 120_000;
const stackOf = synthesizedStages();

function deniesInsecureTransport(statements: readonly PolicyStatementJson[]): boolean {
  return statements.some((statement) => {
    const condition = statement.Condition as { Bool?: Record<string, unknown> } | undefined;
    return statement.Effect === 'Deny' && condition?.Bool?.['aws:SecureTransport'] === 'false';
  });
}

describe.each(['dev', 'prod'] as const)('EvidenceStack compliance (%s)', (stage) => {
  it('synthesizes with zero unacknowledged cdk-nag AwsSolutions errors or warnings', () => {
    const { app, compliance } = stackOf(stage);

    const report = compliance.validateScope(app);

    expect(report.violations.map((violation) => `${violation.ruleName} ${violation.severity}`)).toEqual([]);
  });

  it('makes each acknowledgement once, on one construct, with a written reason', () => {
    const { app } = stackOf(stage);

    const acknowledgements = app.node.findAll().flatMap((construct) =>
      construct.node.metadata
        .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
        .flatMap((entry) =>
          Object.entries(entry.data as Record<string, string>).map(([id, reason]) => ({
            where: `${construct.node.path} ${id}`,
            reason,
          })),
        ),
    );

    expect(acknowledgements.length).toBeGreaterThan(0);
    expect(new Set(acknowledgements.map((entry) => entry.where)).size).toBe(acknowledgements.length);
    for (const { where, reason } of acknowledgements) {
      expect(reason.trim().length, where).toBeGreaterThanOrEqual(40);
    }
  });

  it('encrypts every bucket, blocks all public access and denies non-TLS requests', () => {
    const { json } = stackOf(stage);
    const buckets = resourcesOfType(json, 'AWS::S3::Bucket');

    expect(buckets).toHaveLength(5);
    for (const [logicalId, bucket] of buckets) {
      const encryption = property(bucket, 'BucketEncryption') as {
        ServerSideEncryptionConfiguration: { ServerSideEncryptionByDefault: { SSEAlgorithm: string } }[];
      };
      expect(
        encryption.ServerSideEncryptionConfiguration[0]?.ServerSideEncryptionByDefault.SSEAlgorithm,
      ).toMatch(/^(aws:kms|AES256)$/);
      expect(property(bucket, 'PublicAccessBlockConfiguration')).toEqual({
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      });
      expect(
        deniesInsecureTransport(resourcePolicyStatements(json, 'AWS::S3::BucketPolicy', 'Bucket', logicalId)),
      ).toBe(true);
    }
  });

  it('encrypts the evidence and query-results buckets with the customer-managed key, and only the log bucket with SSE-S3', () => {
    const { json } = stackOf(stage);
    const keyId = resourcesOfType(json, 'AWS::KMS::Key')[0]?.[0];

    const algorithms = resourcesOfType(json, 'AWS::S3::Bucket').map(([, bucket]) => {
      const rule = (
        property(bucket, 'BucketEncryption') as {
          ServerSideEncryptionConfiguration: {
            ServerSideEncryptionByDefault: { SSEAlgorithm: string; KMSMasterKeyID?: unknown };
          }[];
        }
      ).ServerSideEncryptionConfiguration[0]?.ServerSideEncryptionByDefault;
      return `${rule?.SSEAlgorithm}:${referencedLogicalId(rule?.KMSMasterKeyID) ?? '-'}`;
    });

    expect(algorithms.sort()).toEqual([
      'AES256:-',
      `aws:kms:${keyId}`,
      `aws:kms:${keyId}`,
      `aws:kms:${keyId}`,
      `aws:kms:${keyId}`,
    ]);
  });

  it('gives every table point-in-time recovery and KMS encryption', () => {
    const { json } = stackOf(stage);
    const tables = resourcesOfType(json, 'AWS::DynamoDB::Table');

    expect(tables).toHaveLength(2);
    for (const [, table] of tables) {
      expect(property(table, 'PointInTimeRecoverySpecification')).toEqual({
        PointInTimeRecoveryEnabled: true,
      });
      expect(property(table, 'SSESpecification')).toMatchObject({ SSEEnabled: true, SSEType: 'KMS' });
    }
  });

  it('encrypts every queue and denies non-TLS requests to it', () => {
    const { json } = stackOf(stage);
    const queues = resourcesOfType(json, 'AWS::SQS::Queue');

    expect(queues.length).toBeGreaterThan(0);
    for (const [logicalId, queue] of queues) {
      expect(
        property(queue, 'SqsManagedSseEnabled') === true || property(queue, 'KmsMasterKeyId') !== undefined,
      ).toBe(true);
      expect(
        deniesInsecureTransport(resourcePolicyStatements(json, 'AWS::SQS::QueuePolicy', 'Queues', logicalId)),
      ).toBe(true);
    }
  });

  it('encrypts the alarm topic with the customer-managed key and denies non-TLS publishing', () => {
    const { json } = stackOf(stage);
    const [topicId, topic] = resourcesOfType(json, 'AWS::SNS::Topic')[0] ?? [];

    expect(referencedLogicalId(property(topic, 'KmsMasterKeyId'))).toBe(
      resourcesOfType(json, 'AWS::KMS::Key')[0]?.[0],
    );
    expect(
      deniesInsecureTransport(
        resourcePolicyStatements(json, 'AWS::SNS::TopicPolicy', 'Topics', topicId ?? ''),
      ),
    ).toBe(true);
  });

  it('rotates the customer-managed key', () => {
    const { template } = stackOf(stage);

    template.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
  });

  it('authorises every API route with IAM', () => {
    const { json } = stackOf(stage);
    const routes = resourcesOfType(json, 'AWS::ApiGatewayV2::Route');

    expect(routes.length).toBeGreaterThan(0);
    for (const [, route] of routes) expect(property(route, 'AuthorizationType')).toBe('AWS_IAM');
  });

  it('traces every refresh with X-Ray, and logs failed runs without execution data in prod (every event in dev)', () => {
    const { template } = stackOf(stage);

    template.hasResourceProperties('AWS::StepFunctions::StateMachine', {
      LoggingConfiguration:
        stage === 'prod'
          ? { Level: 'ERROR', IncludeExecutionData: false }
          : { Level: 'ALL', IncludeExecutionData: true },
      TracingConfiguration: { Enabled: true },
    });
  });

  it('traces every function with X-Ray', () => {
    const { json } = stackOf(stage);

    for (const [id, fn] of resourcesOfType(json, 'AWS::Lambda::Function')) {
      expect(property(fn, 'TracingConfig'), id).toEqual({ Mode: 'Active' });
    }
  });

  it('grants no service-wide wildcard action (everything, or all of S3, DynamoDB or KMS) in any IAM, resource or key policy', () => {
    const { json } = stackOf(stage);
    const resourcePolicies = [
      'AWS::S3::BucketPolicy',
      'AWS::SQS::QueuePolicy',
      'AWS::SNS::TopicPolicy',
      'AWS::IAM::ManagedPolicy',
    ].flatMap((type) =>
      resourcesOfType(json, type).flatMap(
        ([, policy]) =>
          (property(policy, 'PolicyDocument') as { Statement: PolicyStatementJson[] }).Statement,
      ),
    );

    const keyPolicy = resourcesOfType(json, 'AWS::KMS::Key').flatMap(
      ([, key]) => (property(key, 'KeyPolicy') as { Statement: PolicyStatementJson[] }).Statement,
    );
    const broad = [...allIdentityStatements(json), ...resourcePolicies, ...keyPolicy]
      .filter((statement) => statement.Effect === 'Allow')
      .flatMap((statement) => asList(statement.Action))
      .filter((action) => action === '*' || /^(s3|dynamodb|kms):\*$/.test(action));

    expect(broad).toEqual([]);
  });

  it('creates no Custom::S3BucketNotifications resource and no Lambda besides the stages and the API', () => {
    const { json, stack } = stackOf(stage);

    expect(resourcesOfType(json, 'Custom::S3BucketNotifications')).toEqual([]);
    expect(resourcesOfType(json, 'AWS::Lambda::Function')).toHaveLength(PIPELINE.stages.length + 1);
    expect(resourcesOfType(json, 'AWS::Glue::Crawler')).toEqual([]);
    expect(
      property(json.Resources[logicalIdOf(stack.storage.buckets.raw)], 'NotificationConfiguration'),
    ).toEqual({
      EventBridgeConfiguration: { EventBridgeEnabled: true },
    });
  });
});

describe('EvidenceStack stage protections', () => {
  const statefulTypes = ['AWS::S3::Bucket', 'AWS::DynamoDB::Table', 'AWS::KMS::Key', 'AWS::Logs::LogGroup'];
  const policiesOf = (stage: StageName): string[] =>
    statefulTypes.flatMap((type) =>
      resourcesOfType(stackOf(stage).json, type).map(
        ([, resource]: [string, CfnResourceJson]) => `${resource.DeletionPolicy}`,
      ),
    );

  it('protects prod tables with DynamoDB deletion protection (dev opts out)', () => {
    const prodTables = resourcesOfType(stackOf('prod').json, 'AWS::DynamoDB::Table');
    const devTables = resourcesOfType(stackOf('dev').json, 'AWS::DynamoDB::Table');

    expect(prodTables.map(([, table]) => property(table, 'DeletionProtectionEnabled'))).toEqual([true, true]);
    expect(devTables.map(([, table]) => property(table, 'DeletionProtectionEnabled'))).toEqual([
      false,
      false,
    ]);
  });

  it('retains every bucket, table, key and log group in prod; only dev opts in to deletion', () => {
    expect(new Set(policiesOf('prod'))).toEqual(new Set(['Retain']));
    expect(new Set(policiesOf('dev'))).toEqual(new Set(['Delete']));
  });

  it('turns on termination protection for the prod stack only', () => {
    expect(stackOf('prod').stack.terminationProtection).toBe(true);
    expect(stackOf('dev').stack.terminationProtection).toBe(false);
  });
});

describe('cdk-nag gate', () => {
  it(
    'fails synthesis when a finding is not acknowledged',
    () => {
      const { app, stack, compliance } = buildTestApp({ stage: 'dev' });
      new s3.Bucket(stack, 'BucketWithoutLogsOrTls');

      // The message is the report itself in-process and a pointer to the report file under the CLI.
      expect(() => app.synth()).toThrow(/AwsSolutions-S1|Validation failed/);
      expect(compliance.validateScope(app).violations.map((violation) => violation.ruleName)).toEqual(
        expect.arrayContaining(['AwsSolutions-S1', 'AwsSolutions-S10']),
      );
    },
    SYNTH_TIMEOUT_MS,
  );
});
