import { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { IConstruct } from 'constructs';
import { acknowledgeFinding } from '../nag.ts';

/**
 * Permissions AWS grants only on `Resource: "*"`, each in one customer-managed policy per stack,
 * so the wildcard is acknowledged once, on that policy, and never on a role (where a role-wide
 * acknowledgement would also hide any later `*` grant to it).
 */

function sharedPolicy(
  scope: IConstruct,
  id: string,
  description: string,
  actions: readonly string[],
  reason: string,
): iam.ManagedPolicy {
  const stack = Stack.of(scope);
  const existing = stack.node.tryFindChild(id);
  if (existing) return existing as iam.ManagedPolicy;
  const policy = new iam.ManagedPolicy(stack, id, {
    description,
    statements: [new iam.PolicyStatement({ actions: [...actions], resources: ['*'] })],
  });
  acknowledgeFinding(policy, 'AwsSolutions-IAM5[Resource::*]', reason);
  return policy;
}

/** X-Ray trace upload, for every function and the refresh state machine. */
export function tracingPolicyOf(scope: IConstruct): iam.ManagedPolicy {
  return sharedPolicy(
    scope,
    'XRayTracingPolicy',
    'Send X-Ray trace segments (functions and the refresh state machine)',
    ['xray:PutTelemetryRecords', 'xray:PutTraceSegments'],
    'X-Ray accepts PutTraceSegments and PutTelemetryRecords only on Resource "*" (no resource-level ' +
      'permissions; see the X-Ray IAM documentation); the policy grants nothing else.',
  );
}

/** CloudWatch Logs delivery of the refresh state machine's execution log. */
export function stateMachineLogDeliveryPolicyOf(scope: IConstruct): iam.ManagedPolicy {
  return sharedPolicy(
    scope,
    'StateMachineLogDeliveryPolicy',
    'Deliver the refresh state machine execution log to CloudWatch Logs',
    [
      'logs:CreateLogDelivery',
      'logs:DeleteLogDelivery',
      'logs:DescribeLogGroups',
      'logs:DescribeResourcePolicies',
      'logs:GetLogDelivery',
      'logs:ListLogDeliveries',
      'logs:PutResourcePolicy',
      'logs:UpdateLogDelivery',
    ],
    'Step Functions log delivery (logs:CreateLogDelivery, logs:PutResourcePolicy, …) accepts only ' +
      'Resource "*" (see "Logging using CloudWatch Logs" in the Step Functions guide); the policy ' +
      'grants nothing else.',
  );
}
