import type { RemovalPolicy } from 'aws-cdk-lib';
import type * as kms from 'aws-cdk-lib/aws-kms';

export interface EvidenceTablesProps {
  /** Customer-managed key both tables are encrypted with. */
  readonly encryptionKey: kms.IKey;
  /**
   * DynamoDB deletion protection: a table cannot be deleted (by anyone, including
   * CloudFormation) until it is switched off.
   * @default true
   */
  readonly tableDeletionProtection?: boolean;
  /**
   * What happens to the tables when the stack is deleted.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}
