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

/** Who makes a request: an IAM identity (by ARN) or an AWS service (by principal name). */
export interface RequestPrincipal {
  readonly arn?: string;
  readonly service?: string;
}

/** One request, for resource-policy evaluation with its condition keys (values flattened). */
export interface PolicyRequest {
  readonly principal: RequestPrincipal;
  readonly action: string;
  readonly resource: string;
  readonly context?: Readonly<Record<string, string | readonly string[]>>;
}

function principalMatches(statement: PolicyStatementJson, principal: RequestPrincipal): boolean {
  const declared = statement.Principal;
  if (declared === undefined) return true; // an identity policy: it is the principal's own
  if (declared === '*') return true;
  const node = declared as { AWS?: unknown; Service?: unknown };
  const aws = asList(node.AWS as unknown[] | unknown).map(flattenReference);
  const services = asList(node.Service as unknown[] | unknown).map(flattenReference);
  return (
    aws.includes('*') ||
    (principal.arn !== undefined && aws.includes(principal.arn)) ||
    (principal.service !== undefined && services.includes(principal.service))
  );
}

const NEGATED = new Set(['StringNotEquals', 'StringNotLike', 'ArnNotEquals', 'ArnNotLike']);

/** One condition operator on one key, IAM's way: missing keys, IfExists, negation, ForAllValues. */
function conditionHolds(operator: string, key: string, expected: unknown, request: PolicyRequest): boolean {
  const actual = request.context?.[key];
  const values = asList(expected as unknown[] | unknown).map(flattenReference);
  const ifExists = operator.endsWith('IfExists');
  const base = operator.replace(/IfExists$/, '');
  if (base === 'Null') return values.includes(actual === undefined ? 'true' : 'false');
  if (actual === undefined) return ifExists || NEGATED.has(base);
  const [quantifier, name] = base.includes(':') ? (base.split(':') as [string, string]) : [undefined, base];
  const like = /Like$/.test(name) || /^Arn/.test(name);
  const one = (value: string) =>
    values.some((pattern) => (like ? globToRegExp(pattern).test(value) : pattern === value));
  const requestValues = asList(actual as string[] | string);
  if (quantifier === 'ForAllValues') return requestValues.every(one);
  if (quantifier === 'ForAnyValue') return requestValues.some(one);
  if (name === 'Bool') return values.includes(String(actual));
  const matched = requestValues.some(one);
  return NEGATED.has(name) ? !matched : matched;
}

function statementApplies(statement: PolicyStatementJson, request: PolicyRequest): boolean {
  const conditions = (statement.Condition ?? {}) as Record<string, Record<string, unknown>>;
  return (
    principalMatches(statement, request.principal) &&
    asList(statement.Action).some((pattern) => globToRegExp(pattern, 'i').test(request.action)) &&
    // A trust policy has no Resource: the role itself is the resource.
    (statement.Resource === undefined ||
      asList(statement.Resource)
        .map(flattenReference)
        .some((pattern) => globToRegExp(pattern).test(request.resource))) &&
    Object.entries(conditions).every(([operator, keys]) =>
      Object.entries(keys).every(([key, expected]) => conditionHolds(operator, key, expected, request)),
    )
  );
}

/**
 * Evaluates `request` against a policy, conditions included (the operators this stack uses):
 * an explicit Deny wins, then an Allow, else the implicit deny.
 */
export function evaluate(
  statements: readonly PolicyStatementJson[],
  request: PolicyRequest,
): 'allow' | 'deny' | 'implicit-deny' {
  const applying = statements.filter((statement) => statementApplies(statement, request));
  if (applying.some((statement) => statement.Effect === 'Deny')) return 'deny';
  return applying.some((statement) => statement.Effect === 'Allow') ? 'allow' : 'implicit-deny';
}

/** Statements of every resource policy of `type` whose `targetProperty` refers to `logicalId`. */
export function resourcePolicyStatements(
  json: CfnTemplateJson,
  type: string,
  targetProperty: string,
  logicalId: string,
): PolicyStatementJson[] {
  return resourcesOfType(json, type)
    .filter(([, policy]) =>
      asList(policy.Properties?.[targetProperty] as unknown[] | unknown).some(
        (ref) => referencedLogicalId(ref) === logicalId,
      ),
    )
    .flatMap(([, policy]) => {
      const document = (policy.Properties?.PolicyDocument ?? {
        Statement: policy.Properties?.Statement,
      }) as { Statement: PolicyStatementJson | PolicyStatementJson[] };
      return asList(document.Statement);
    });
}
