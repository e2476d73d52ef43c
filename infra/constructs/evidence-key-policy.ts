import { ArnFormat, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { IConstruct } from 'constructs';

export interface EvidenceKeyPolicyOptions {
  /**
   * Names of the log groups CloudWatch Logs may encrypt with the key, as patterns (`*` = any
   * rest): each becomes a log-group ARN in the `kms:EncryptionContext:aws:logs:arn` condition.
   */
  readonly logGroupNamePatterns: readonly string[];
  /**
   * IAM principals that may use the key directly, not only through S3 and DynamoDB (break-glass).
   * @default - none
   */
  readonly keyAdministratorArns?: readonly string[];
}

/**
 * Managing the key, never using it: what the account keeps through IAM. `kms:CreateGrant` is not
 * here (a grant is another way to use the key); only S3 and DynamoDB may create grants, below.
 * `kms:PutKeyPolicy` is: whoever IAM lets administer the key can still rewrite this policy.
 */
export const KEY_ADMINISTRATION_ACTIONS = [
  'kms:CancelKeyDeletion',
  'kms:CreateAlias',
  'kms:DeleteAlias',
  'kms:DescribeKey',
  'kms:DisableKey',
  'kms:DisableKeyRotation',
  'kms:EnableKey',
  'kms:EnableKeyRotation',
  'kms:GetKeyPolicy',
  'kms:GetKeyRotationStatus',
  'kms:ListAliases',
  'kms:ListGrants',
  'kms:ListKeyPolicies',
  'kms:ListResourceTags',
  'kms:PutKeyPolicy',
  'kms:RevokeGrant',
  'kms:RotateKeyOnDemand',
  'kms:ScheduleKeyDeletion',
  'kms:TagResource',
  'kms:UntagResource',
  'kms:UpdateAlias',
  'kms:UpdateKeyDescription',
] as const;

/** Using the key: encrypting and decrypting data keys. */
export const KEY_USE_ACTIONS = [
  'kms:Decrypt',
  'kms:DescribeKey',
  'kms:Encrypt',
  'kms:GenerateDataKey*',
  'kms:ReEncrypt*',
] as const;

/**
 * The policy of the stage's customer-managed key (buckets, tables, the alarm topic, log groups),
 * given whole to `kms.Key` so CDK's default (`kms:*` for the account) is not added.
 *
 * Guarantees:
 * - the account keeps administrative access through IAM ({@link KEY_ADMINISTRATION_ACTIONS});
 * - the account's principals may use the key only through S3 and DynamoDB (`kms:ViaService`,
 *   `kms:CallerAccount`), and only DynamoDB may create grants on it, for its tables: an identity
 *   with `kms:Decrypt` on `*` cannot decrypt evidence outside S3 and DynamoDB;
 * - the named key administrators, and no one else, may use it directly;
 * - CloudWatch Logs may use it only for this stack's log groups (`kms:EncryptionContext:aws:logs:arn`).
 *   Other services (CloudWatch alarms, for the topic) are added by the construct that needs
 *   them, each with its own conditions.
 */
export function evidenceKeyPolicy(scope: IConstruct, options: EvidenceKeyPolicyOptions): iam.PolicyDocument {
  const stack = Stack.of(scope);
  const account = new iam.AccountRootPrincipal();
  const statements = [
    new iam.PolicyStatement({
      sid: 'AccountAdministersTheKeyThroughIam',
      principals: [account],
      actions: [...KEY_ADMINISTRATION_ACTIONS],
      resources: ['*'],
    }),
    new iam.PolicyStatement({
      sid: 'AccountUsesTheKeyOnlyThroughS3AndDynamoDB',
      principals: [account],
      actions: [...KEY_USE_ACTIONS],
      resources: ['*'],
      conditions: {
        StringEquals: {
          'kms:CallerAccount': stack.account,
          'kms:ViaService': [`s3.${stack.region}.amazonaws.com`, `dynamodb.${stack.region}.amazonaws.com`],
        },
      },
    }),
    // DynamoDB creates a grant when a table is created with the key (CloudFormation's role
    // asks through DynamoDB); nothing else may create one.
    new iam.PolicyStatement({
      sid: 'OnlyDynamoDBCreatesGrantsForItsTables',
      principals: [account],
      actions: ['kms:CreateGrant'],
      resources: ['*'],
      conditions: {
        StringEquals: {
          'kms:CallerAccount': stack.account,
          'kms:ViaService': `dynamodb.${stack.region}.amazonaws.com`,
        },
        Bool: { 'kms:GrantIsForAWSResource': 'true' },
      },
    }),
    new iam.PolicyStatement({
      sid: 'CloudWatchLogsEncryptsThisStacksLogGroups',
      principals: [new iam.ServicePrincipal(`logs.${stack.region}.amazonaws.com`)],
      actions: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'],
      resources: ['*'],
      conditions: {
        ArnLike: {
          'kms:EncryptionContext:aws:logs:arn': options.logGroupNamePatterns.map((name) =>
            stack.formatArn({
              service: 'logs',
              resource: 'log-group',
              resourceName: name,
              arnFormat: ArnFormat.COLON_RESOURCE_NAME,
            }),
          ),
        },
      },
    }),
  ];
  if (options.keyAdministratorArns?.length) {
    statements.push(
      new iam.PolicyStatement({
        sid: 'NamedKeyAdministratorsMayUseTheKeyDirectly',
        principals: options.keyAdministratorArns.map((arn) => new iam.ArnPrincipal(arn)),
        actions: [...KEY_USE_ACTIONS],
        resources: ['*'],
      }),
    );
  }

  return new iam.PolicyDocument({ statements });
}
