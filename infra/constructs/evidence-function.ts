import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { lambdaBundlingOptions } from '../bundling.ts';
import { acknowledgeFinding, iam5ResourceFindingId } from '../nag.ts';
import { REPO_ROOT, repoPath } from '../repo-root.ts';
import type { EvidenceFunctionProps } from './evidence-function-props.ts';
import { tracingPolicyOf } from './shared-policies.ts';
import { stageAccessPolicy } from './stage-access-policy.ts';

/**
 * The newest Node.js LTS runtime aws-cdk-lib 2.276 offers. cdk-nag's AwsSolutions-L1 flags any
 * older one, and DESIGN.md never goes below nodejs22.x (the bundle targets node22 regardless).
 */
export const LAMBDA_RUNTIME = lambda.Runtime.NODEJS_24_X;

/**
 * One Lambda function of the pipeline, bundled and permissioned from its stage definition.
 *
 * Guarantees:
 * - bundled by `NodejsFunction` with the shared esbuild settings (ESM, minified, source maps,
 *   SDK bundled at the pinned version), arm64, {@link LAMBDA_RUNTIME}; what the bundle leaves
 *   out comes from `layers`;
 * - an explicit log group `/aws/lambda/<function name>` with a retention, encrypted with the
 *   stack's key, never the implicit never-expiring one;
 * - active X-Ray tracing;
 * - its own role, with no AWS managed policy: logs only to its own log group, X-Ray through the
 *   stack's one tracing policy, and data access exactly as listed in the stage's `access` (S3
 *   prefixes, table partition keys and index keys, the key only via S3/DynamoDB, PutEvents on
 *   the pipeline bus only when `putEvents`);
 * - reserved concurrency when `reservedConcurrency` is given;
 * - no `*` action anywhere; the only wildcard resources on the role are prefix-scoped object ARNs
 *   (`bucket/raw/*`), each acknowledged in cdk-nag once.
 */
export class EvidenceFunction extends Construct {
  readonly function: NodejsFunction;
  readonly role: iam.Role;
  readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: EvidenceFunctionProps) {
    super(scope, id);

    this.logGroup = new logs.LogGroup(this, 'LogGroup', {
      // The name Lambda would pick; fixed so the key policy can name this stack's log groups.
      logGroupName: `/aws/lambda/${props.functionName}`,
      encryptionKey: props.encryptionKey,
      retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
      removalPolicy: props.logRemovalPolicy ?? RemovalPolicy.RETAIN,
    });

    const access = stageAccessPolicy(this, props.functionName, props.access, {
      buckets: props.buckets,
      tables: props.tables,
      encryptionKey: props.encryptionKey,
      ...(props.eventBus ? { eventBus: props.eventBus } : {}),
    });

    // Inline policies instead of AWSLambdaBasicExecutionRole: that managed policy lets the
    // function write to every log group in the account (and trips AwsSolutions-IAM4).
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `Execution role of ${props.functionName}`,
      inlinePolicies: {
        Logs: new iam.PolicyDocument({
          statements: [
            new iam.PolicyStatement({
              // The LogGroup Arn attribute already ends in ':*' (its streams); no wildcard added.
              actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
              resources: [this.logGroup.logGroupArn],
            }),
          ],
        }),
        ...(access.statements.length > 0
          ? { Access: new iam.PolicyDocument({ statements: access.statements }) }
          : {}),
      },
    });
    this.role.addManagedPolicy(tracingPolicyOf(this));
    // A prefix read and written (raw/* for ingest) is one finding: acknowledged once.
    for (const findingId of new Set(
      access.prefixScopedObjectArns.map((arn) => iam5ResourceFindingId(this, arn)),
    )) {
      acknowledgeFinding(
        this.role,
        findingId,
        'Object ARN scoped to one key prefix the stage definition grants (e.g. bucket/raw/*): the * ' +
          'stands for object keys under that prefix, not for buckets or actions.',
      );
    }

    this.function = new NodejsFunction(this, 'Function', {
      functionName: props.functionName,
      description: props.description,
      entry: repoPath(props.entry),
      handler: 'handler',
      runtime: LAMBDA_RUNTIME,
      architecture: lambda.Architecture.ARM_64,
      memorySize: props.memorySizeMb ?? 512,
      timeout: Duration.seconds(props.timeoutSeconds ?? 60),
      role: this.role,
      logGroup: this.logGroup,
      environment: { ...props.environment },
      projectRoot: REPO_ROOT,
      depsLockFilePath: repoPath('package-lock.json'),
      bundling: lambdaBundlingOptions(),
      ...(props.layers?.length ? { layers: [...props.layers] } : {}),
      ...(props.reservedConcurrency !== undefined
        ? { reservedConcurrentExecutions: props.reservedConcurrency }
        : {}),
    });
    // Tracing on the L1: the L2 `tracing` prop would put X-Ray's `Resource: "*"` on this role;
    // the role has the stack's tracing policy instead.
    (this.function.node.defaultChild as lambda.CfnFunction).tracingConfig = { mode: 'Active' };
  }
}
