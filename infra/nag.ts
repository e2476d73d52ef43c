import {
  type IPolicyValidationContext,
  type IPolicyValidationPlugin,
  type PolicyValidationPluginReport,
  Stack,
  Validations,
} from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';

/**
 * cdk-nag 3.x wiring: the AwsSolutions pack as a CDK validation plugin, and the helpers every
 * construct uses to acknowledge a finding with a written reason.
 */

/**
 * Reports every finding of the wrapped pack as an error.
 *
 * CDK fails synthesis only on error-severity violations; cdk-nag reports some rules (DDB3 PITR,
 * APIG3, …) as warnings. We want `cdk synth` to fail on any finding nobody acknowledged, so the
 * severity is raised here instead of relying on reviewers to read synth output.
 */
export class StrictNagPlugin implements IPolicyValidationPlugin {
  readonly name: string;
  readonly version?: string;
  private readonly pack: AwsSolutionsChecks;

  constructor(pack: AwsSolutionsChecks) {
    this.pack = pack;
    this.name = pack.name;
    this.version = pack.version;
  }

  validate(context: IPolicyValidationContext): PolicyValidationPluginReport {
    const report = this.pack.validate(context);
    const violations = report.violations.map((violation) => ({ ...violation, severity: 'error' }));
    return { ...report, violations, success: violations.length === 0 };
  }
}

/**
 * Registers the AwsSolutions checks on `app` (the cdk-nag 3.x API:
 * `Validations.of(app).addPlugins(...)`); synthesis fails on any unacknowledged finding.
 * Returns the pack so tests can re-run it with `validateScope(app)`.
 */
export function addComplianceChecks(app: IConstruct): AwsSolutionsChecks {
  const pack = new AwsSolutionsChecks(app, { verbose: true });
  Validations.of(app).addPlugins(new StrictNagPlugin(pack));
  return pack;
}

/** Acknowledges one cdk-nag finding on `scope` (and everything below it), with a reason. */
export function acknowledgeFinding(scope: IConstruct, id: string, reason: string): void {
  if (reason.trim().length < 20) {
    // A one-word reason is no reason; the compliance test also checks this.
    throw new Error(`Acknowledgement of ${id} at ${scope.node.path} needs a written reason`);
  }
  Validations.of(scope).acknowledge({ id, reason });
}

/**
 * The id cdk-nag gives an IAM5 finding for a resource ARN, e.g.
 * `AwsSolutions-IAM5[Resource::<RawBucket0C3EE094.Arn>/raw/*]`.
 *
 * cdk-nag 3 has no prefix matching, so an acknowledgement must name the exact finding; this
 * flattens the ARN the same way cdk-nag does (GetAtt → `<Id.Attr>`, Ref → `<Id>`, Join → concat).
 */
export function iam5ResourceFindingId(scope: IConstruct, arn: string): string {
  return `AwsSolutions-IAM5[Resource::${flattenCfnReference(Stack.of(scope).resolve(arn))}]`;
}

function flattenCfnReference(reference: unknown): string {
  if (typeof reference === 'string') return reference.replace(/\$\{/g, '<').replace(/\}/g, '>');
  if (reference !== null && typeof reference === 'object') {
    const node = reference as Record<string, unknown>;
    const join = node['Fn::Join'];
    if (Array.isArray(join)) {
      const [delimiter, parts] = join as [string, unknown[]];
      return parts.map(flattenCfnReference).join(delimiter);
    }
    if ('Fn::Sub' in node) return flattenCfnReference(node['Fn::Sub']);
    const getAtt = node['Fn::GetAtt'];
    if (Array.isArray(getAtt)) {
      const [resource, attribute] = getAtt as [unknown, unknown];
      return `<${flattenCfnReference(resource)}.${flattenCfnReference(attribute)}>`;
    }
    if ('Ref' in node) return `<${flattenCfnReference(node.Ref)}>`;
  }
  return JSON.stringify(reference);
}
