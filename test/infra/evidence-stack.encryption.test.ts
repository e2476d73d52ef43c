import { describe, expect, it } from 'vitest';
import { KEY_ADMINISTRATION_ACTIONS } from '#infra/constructs/evidence-key-policy.ts';
import {
  logicalIdOf,
  property,
  referencedLogicalId,
  resourcesOfType,
  type SynthesizedStack,
  synthesizedStages,
} from './evidence-stack.fixture.ts';
import {
  asList,
  evaluate,
  type PolicyRequest,
  type PolicyStatementJson,
  resourcePolicyStatements,
} from './iam-policy.ts';

const _SYNTH_TIMEOUT_MS = 120_000;
const BREAK_GLASS = 'arn:aws:iam::111122223333:role/key-custodian';

// Prod as deployed with one named key administrator (-c keyAdministratorArns=…).
const stackOf = synthesizedStages({ prod: { keyAdministratorArns: BREAK_GLASS } });

const ACCOUNT_ROOT = 'arn:<AWS::Partition>:iam::<AWS::AccountId>:root';
const via = (service: string) => `${service}.<AWS::Region>.amazonaws.com`;

function keyStatements(stack: SynthesizedStack): { keyId: string; statements: PolicyStatementJson[] } {
  const [keyId, key] = resourcesOfType(stack.json, 'AWS::KMS::Key')[0] ?? [];
  return {
    keyId: keyId ?? '',
    statements: (property(key, 'KeyPolicy') as { Statement: PolicyStatementJson[] }).Statement,
  };
}

describe.each(['dev', 'prod'] as const)('the evidence key (%s)', (stage) => {
  const onKey = (request: Omit<PolicyRequest, 'resource'>) => {
    const { keyId, statements } = keyStatements(stackOf(stage));
    return evaluate(statements, { ...request, resource: `<${keyId}.Arn>` });
  };
  const accountIdentity = { arn: ACCOUNT_ROOT };
  const inAccount = { 'kms:CallerAccount': '<AWS::AccountId>' };

  it('keeps the account’s administrative access through IAM, but grants it no use of the key on its own', () => {
    for (const action of KEY_ADMINISTRATION_ACTIONS) {
      expect(onKey({ principal: accountIdentity, action }), action).toBe('allow');
    }
    for (const action of [
      'kms:Decrypt',
      'kms:Encrypt',
      'kms:GenerateDataKey',
      'kms:ReEncryptFrom',
      'kms:CreateGrant',
    ]) {
      expect(onKey({ principal: accountIdentity, action, context: inAccount }), action).toBe('implicit-deny');
    }
    const everyAction = keyStatements(stackOf(stage)).statements.flatMap((statement) =>
      asList(statement.Action),
    );
    expect(everyAction).not.toContain('kms:*');
  });

  it('lets the account decrypt only through S3 and DynamoDB, and lets only DynamoDB create grants, for its tables', () => {
    for (const service of ['s3', 'dynamodb']) {
      expect(
        onKey({
          principal: accountIdentity,
          action: 'kms:Decrypt',
          context: { ...inAccount, 'kms:ViaService': via(service) },
        }),
        service,
      ).toBe('allow');
    }
    for (const service of ['sns', 'lambda', 'secretsmanager']) {
      expect(
        onKey({
          principal: accountIdentity,
          action: 'kms:Decrypt',
          context: { ...inAccount, 'kms:ViaService': via(service) },
        }),
        service,
      ).toBe('implicit-deny');
    }
    const grant = (service: string, forAwsResource: string) =>
      onKey({
        principal: accountIdentity,
        action: 'kms:CreateGrant',
        context: {
          ...inAccount,
          'kms:ViaService': via(service),
          'kms:GrantIsForAWSResource': forAwsResource,
        },
      });
    expect(grant('dynamodb', 'true')).toBe('allow');
    expect(grant('dynamodb', 'false')).toBe('implicit-deny');
    expect(grant('s3', 'true')).toBe('implicit-deny');
  });

  it('lets named key administrators, and no one else, use the key directly', () => {
    const direct = onKey({ principal: { arn: BREAK_GLASS }, action: 'kms:Decrypt' });

    expect(direct).toBe(stage === 'prod' ? 'allow' : 'implicit-deny');
    expect(onKey({ principal: { arn: 'arn:aws:iam::111122223333:role/other' }, action: 'kms:Decrypt' })).toBe(
      'implicit-deny',
    );
  });

  it('encrypts every log group with the key, under a name the key lets CloudWatch Logs use it for', () => {
    const { json } = stackOf(stage);
    const { keyId } = keyStatements(stackOf(stage));
    const logGroups = resourcesOfType(json, 'AWS::Logs::LogGroup');

    expect(logGroups.length).toBeGreaterThan(0);
    for (const [id, group] of logGroups) {
      const name = String(property(group, 'LogGroupName'));
      expect(referencedLogicalId(property(group, 'KmsKeyId')), id).toBe(keyId);
      expect(
        onKey({
          principal: { service: 'logs.<AWS::Region>.amazonaws.com' },
          action: 'kms:GenerateDataKey',
          context: {
            'kms:EncryptionContext:aws:logs:arn': `arn:<AWS::Partition>:logs:<AWS::Region>:<AWS::AccountId>:log-group:${name}`,
          },
        }),
        name,
      ).toBe('allow');
    }
    expect(
      onKey({
        principal: { service: 'logs.<AWS::Region>.amazonaws.com' },
        action: 'kms:Decrypt',
        context: {
          'kms:EncryptionContext:aws:logs:arn':
            'arn:<AWS::Partition>:logs:<AWS::Region>:<AWS::AccountId>:log-group:/aws/lambda/another-app',
        },
      }),
    ).toBe('implicit-deny');
  });
});

describe.each(['dev', 'prod'] as const)('bucket encryption (%s)', (stage) => {
  it('refuses a PUT to any evidence or results bucket that asks for SSE-S3, DSSE, another KMS key or a customer key', () => {
    const { json, stack } = stackOf(stage);
    const { keyId } = keyStatements(stackOf(stage));
    const buckets = [...Object.values(stack.storage.buckets), stack.storage.queryResultsBucket];

    for (const bucket of buckets) {
      const id = logicalIdOf(bucket);
      const statements = resourcePolicyStatements(json, 'AWS::S3::BucketPolicy', 'Bucket', id);
      const put = (headers: Record<string, string>) =>
        evaluate(statements, {
          principal: { arn: 'arn:aws:iam::111122223333:role/writer' },
          action: 's3:PutObject',
          resource: `<${id}.Arn>/raw/pilot/x.csv`,
          context: { 'aws:SecureTransport': 'true', ...headers },
        });

      expect(put({}), `${id}: default encryption`).toBe('implicit-deny');
      expect(put({ 's3:x-amz-server-side-encryption': 'aws:kms' }), id).toBe('implicit-deny');
      expect(
        put({
          's3:x-amz-server-side-encryption': 'aws:kms',
          's3:x-amz-server-side-encryption-aws-kms-key-id': `<${keyId}.Arn>`,
        }),
        id,
      ).toBe('implicit-deny');
      expect(put({ 's3:x-amz-server-side-encryption': 'AES256' }), `${id}: SSE-S3`).toBe('deny');
      expect(put({ 's3:x-amz-server-side-encryption': 'aws:kms:dsse' }), `${id}: DSSE`).toBe('deny');
      expect(
        put({
          's3:x-amz-server-side-encryption': 'aws:kms',
          's3:x-amz-server-side-encryption-aws-kms-key-id': 'arn:aws:kms:eu-west-1:111122223333:key/other',
        }),
        `${id}: another key`,
      ).toBe('deny');
      expect(put({ 's3:x-amz-server-side-encryption-customer-algorithm': 'AES256' }), `${id}: SSE-C`).toBe(
        'deny',
      );
    }
  });
});
