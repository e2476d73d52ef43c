import { Validations } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { beforeAll, describe, expect, it } from 'vitest';
import type { StageName } from '#infra/config.ts';
import { PIPELINE } from '#packages/pipeline/definition.ts';
import {
  buildTestApp,
  type CfnResourceJson,
  type CfnTemplateJson,
  logicalIdOf,
  property,
  referencedLogicalId,
  resourcesOfType,
  type SynthesizedStack,
  synthesizeStack,
} from './evidence-stack.fixture.ts';
import { allIdentityStatements, asList, type PolicyStatementJson } from './iam-policy.ts';

const SYNTH_TIMEOUT_MS = 120_000;
const stacks = new Map<StageName, SynthesizedStack>();

function stackOf(stage: StageName): SynthesizedStack {
  const found = stacks.get(stage);
  if (!found) throw new Error(`stage ${stage} was not synthesized`);
  return found;
}

/** Statements of every resource policy of `type` that applies to resource `logicalId`. */
function resourcePolicyStatements(
  json: CfnTemplateJson,
  type: string,
  targetProperty: string,
  logicalId: string,
): PolicyStatementJson[] {
  return resourcesOfType(json, type)
    .filter(([, policy]) =>
      asList(property(policy, targetProperty) as unknown[]).some(
        (ref) => referencedLogicalId(ref) === logicalId,
      ),
    )
    .flatMap(
      ([, policy]) => (property(policy, 'PolicyDocument') as { Statement: PolicyStatementJson[] }).Statement,
    );
}

function deniesInsecureTransport(statements: readonly PolicyStatementJson[]): boolean {
  return statements.some((statement) => {
    const condition = statement.Condition as { Bool?: Record<string, unknown> } | undefined;
    return statement.Effect === 'Deny' && condition?.Bool?.['aws:SecureTransport'] === 'false';
  });
}

beforeAll(() => {
  for (const stage of ['dev', 'prod'] as const) stacks.set(stage, synthesizeStack({ stage }));
}, SYNTH_TIMEOUT_MS);

describe.each(['dev', 'prod'] as const)('EvidenceStack compliance (%s)', (stage) => {
  it('synthesizes with zero unacknowledged cdk-nag AwsSolutions errors or warnings', () => {
    const { app, compliance } = stackOf(stage);

    const report = compliance.validateScope(app);

    expect(report.violations.map((violation) => `${violation.ruleName} ${violation.severity}`)).toEqual([]);
  });

  it('acknowledges only IAM5 wildcard-resource findings, each with a written reason', () => {
    const { app } = stackOf(stage);

    const acknowledgements = app.node
      .findAll()
      .flatMap((construct) => construct.node.metadata)
      .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((entry) => Object.entries(entry.data as Record<string, string>));

    expect(acknowledgements.length).toBeGreaterThan(0);
    for (const [id, reason] of acknowledgements) {
      expect(id).toMatch(/AwsSolutions-IAM5\[Resource::/);
      expect(reason.trim().length).toBeGreaterThanOrEqual(40);
    }
  });

  it('encrypts every bucket, blocks all public access and denies non-TLS requests', () => {
    const { json } = stackOf(stage);
    const buckets = resourcesOfType(json, 'AWS::S3::Bucket');

    expect(buckets).toHaveLength(4);
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

  it('encrypts the evidence buckets with the customer-managed key, and only the log bucket with SSE-S3', () => {
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

  it('logs every refresh state machine event and traces it with X-Ray', () => {
    const { template } = stackOf(stage);

    template.hasResourceProperties('AWS::StepFunctions::StateMachine', {
      LoggingConfiguration: { Level: 'ALL' },
      TracingConfiguration: { Enabled: true },
    });
  });

  it("grants no '*', 's3:*' or 'dynamodb:*' action in any IAM or resource policy", () => {
    const { json } = stackOf(stage);
    const resourcePolicies = [
      'AWS::S3::BucketPolicy',
      'AWS::SQS::QueuePolicy',
      'AWS::SNS::TopicPolicy',
    ].flatMap((type) =>
      resourcesOfType(json, type).flatMap(
        ([, policy]) =>
          (property(policy, 'PolicyDocument') as { Statement: PolicyStatementJson[] }).Statement,
      ),
    );

    const broad = [...allIdentityStatements(json), ...resourcePolicies]
      .filter((statement) => statement.Effect === 'Allow')
      .flatMap((statement) => asList(statement.Action))
      .filter((action) => action === '*' || action === 's3:*' || action === 'dynamodb:*');

    expect(broad).toEqual([]);
  });

  it('creates no Custom::S3BucketNotifications resource and no Lambda besides the stages and the API', () => {
    const { json, stack } = stackOf(stage);

    expect(resourcesOfType(json, 'Custom::S3BucketNotifications')).toEqual([]);
    expect(resourcesOfType(json, 'AWS::Lambda::Function')).toHaveLength(PIPELINE.stages.length + 1);
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
