import { type CfnTemplateJson, referencedLogicalId, resourcesOfType } from './evidence-stack.fixture.ts';

/**
 * A small IAM evaluator over a synthesized template, enough to prove what a role can and cannot
 * do. Resources are compared in cdk-nag's flattened form (`<RawBucket1234.Arn>/raw/*`).
 *
 * The one condition evaluated is `ForAllValues:StringLike` on `dynamodb:LeadingKeys`, when the
 * request says which partition keys it touches. Other conditions are ignored: they only ever
 * narrow an Allow, so "not allowed" answers are conservative (a real deny) while "allowed"
 * answers may be optimistic.
 */

export interface PolicyStatementJson {
  readonly Effect: 'Allow' | 'Deny';
  readonly Action?: string | string[];
  readonly Resource?: unknown;
  readonly Principal?: unknown;
  readonly Condition?: unknown;
}

interface PolicyDocumentJson {
  readonly Statement: PolicyStatementJson[];
}

/** Flattens a CloudFormation reference the way cdk-nag does (GetAtt → `<Id.Attr>`, Ref → `<Id>`). */
export function flattenReference(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value !== null && typeof value === 'object') {
    const node = value as Record<string, unknown>;
    const join = node['Fn::Join'];
    if (Array.isArray(join)) {
      const [delimiter, parts] = join as [string, unknown[]];
      return parts.map(flattenReference).join(delimiter);
    }
    const getAtt = node['Fn::GetAtt'];
    if (Array.isArray(getAtt)) return `<${String(getAtt[0])}.${String(getAtt[1])}>`;
    if (typeof node.Ref === 'string') return `<${node.Ref}>`;
  }
  return JSON.stringify(value);
}

export function asList<T>(value: T | T[] | undefined): T[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

/** Every statement that applies to the role: its inline policies and the policies attached to it. */
export function roleStatements(json: CfnTemplateJson, roleLogicalId: string): PolicyStatementJson[] {
  const role = json.Resources[roleLogicalId];
  if (role?.Type !== 'AWS::IAM::Role') throw new Error(`${roleLogicalId} is not a role`);
  const inline = asList(role.Properties?.Policies as { PolicyDocument: PolicyDocumentJson }[] | undefined);
  const attached = resourcesOfType(json, 'AWS::IAM::Policy')
    .filter(([, policy]) =>
      asList(policy.Properties?.Roles as unknown[]).some((ref) => referencedLogicalId(ref) === roleLogicalId),
    )
    .map(([, policy]) => policy.Properties?.PolicyDocument as PolicyDocumentJson);
  return [...inline.map((policy) => policy.PolicyDocument), ...attached].flatMap(
    (document) => document.Statement,
  );
}

/** Every IAM statement of every role and policy in the template. */
export function allIdentityStatements(json: CfnTemplateJson): PolicyStatementJson[] {
  return resourcesOfType(json, 'AWS::IAM::Role').flatMap(([roleId]) => roleStatements(json, roleId));
}

/** Logical id of the execution role of the function named `functionName`. */
export function roleOfFunction(json: CfnTemplateJson, functionName: string): string {
  const found = resourcesOfType(json, 'AWS::Lambda::Function').find(
    ([, fn]) => fn.Properties?.FunctionName === functionName,
  );
  const roleId = referencedLogicalId(found?.[1].Properties?.Role);
  if (!roleId) throw new Error(`No function named ${functionName} with a role in the template`);
  return roleId;
}

export function globToRegExp(pattern: string, flags = ''): RegExp {
  const escaped = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${escaped}$`, flags);
}

/** What a request carries besides its action and resource. */
export interface RequestContext {
  /** The partition keys a DynamoDB request touches (`dynamodb:LeadingKeys`). */
  readonly leadingKeys?: readonly string[];
}

/** Whether the statement's `dynamodb:LeadingKeys` condition (if any) admits every key. */
function leadingKeysAdmitted(statement: PolicyStatementJson, context: RequestContext): boolean {
  const condition = statement.Condition as Record<string, Record<string, unknown>> | undefined;
  const patterns = condition?.['ForAllValues:StringLike']?.['dynamodb:LeadingKeys'];
  if (patterns === undefined || context.leadingKeys === undefined) return true;
  return context.leadingKeys.every((key) =>
    asList(patterns as string | string[]).some((pattern) => globToRegExp(pattern).test(key)),
  );
}

/** Whether an Allow statement (and no Deny) grants `action` on `resource`. */
export function isAllowed(
  statements: readonly PolicyStatementJson[],
  action: string,
  resource: string,
  context: RequestContext = {},
): boolean {
  const matches = (statement: PolicyStatementJson) =>
    asList(statement.Action).some((pattern) => globToRegExp(pattern, 'i').test(action)) &&
    asList(statement.Resource)
      .map(flattenReference)
      .some((pattern) => globToRegExp(pattern).test(resource)) &&
    (statement.Effect === 'Deny' || leadingKeysAdmitted(statement, context));
  const allowed = statements.some((statement) => statement.Effect === 'Allow' && matches(statement));
  const denied = statements.some((statement) => statement.Effect === 'Deny' && matches(statement));
  return allowed && !denied;
}
