import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import { afterAll, beforeAll } from 'vitest';
import { type BuildAppOptions, buildApp, cdkJsonContext, type EvidenceApp } from '#infra/app-builder.ts';
import type { StageName } from '#infra/config.ts';

/**
 * Synthesizes the evidence stack the way `cdk synth` does (through `buildApp`, with cdk.json's
 * feature flags), minus esbuild bundling (`aws:cdk:bundling-stacks: []`): the tests then run in
 * seconds and do not depend on the handler code compiling.
 */

/** One resource of a synthesized CloudFormation template. */
export interface CfnResourceJson {
  readonly Type: string;
  readonly Properties?: Record<string, unknown>;
  readonly DeletionPolicy?: string;
  readonly UpdateReplacePolicy?: string;
}

export interface CfnTemplateJson {
  readonly Resources: Record<string, CfnResourceJson>;
  readonly Outputs?: Record<string, { readonly Value: unknown }>;
}

export interface SynthesizedStack extends EvidenceApp {
  readonly template: Template;
  readonly json: CfnTemplateJson;
}

export function testContext(): Record<string, unknown> {
  return { ...cdkJsonContext(), 'aws:cdk:bundling-stacks': [] };
}

// An App outside the CLI writes its cloud assembly to a fresh temp dir and never removes it;
// the test apps write under one directory per test file instead (vitest loads this module once
// per file), removed after the file's tests.
const outdirRoot = mkdtempSync(path.join(tmpdir(), 'hld-infra-test-'));
afterAll(() => rmSync(outdirRoot, { recursive: true, force: true }));

/** The address the test apps give a stage that requires one (prod): `-c alarmEmail=…`. */
export const TEST_ALARM_EMAIL = 'hld-alarms@example.org';

/**
 * Builds the app as `cdk synth` would (without bundling); `context` adds to cdk.json's. A prod
 * app gets `alarmEmail` (as a deployer must give it) unless the context says otherwise.
 */
export function buildTestApp(
  options: Omit<BuildAppOptions, 'app' | 'context'> & { readonly context?: Record<string, unknown> } = {},
): EvidenceApp {
  const { context, ...rest } = options;
  const stage = rest.stage ?? context?.stage;
  const app = new App({
    outdir: mkdtempSync(path.join(outdirRoot, 'cdk.out-')),
    context: { ...testContext(), ...(stage === 'prod' ? { alarmEmail: TEST_ALARM_EMAIL } : {}), ...context },
  });
  return buildApp({ ...rest, app });
}

/** Builds and synthesizes the app; throws (like `cdk synth`) on any unacknowledged cdk-nag finding. */
export function synthesizeStack(
  options: Omit<BuildAppOptions, 'app' | 'context'> & { readonly context?: Record<string, unknown> } = {},
): SynthesizedStack {
  const built = buildTestApp(options);
  const template = Template.fromStack(built.stack);
  return { ...built, template, json: template.toJSON() as CfnTemplateJson };
}

/** Resources of `type`, by logical id. */
export function resourcesOfType(json: CfnTemplateJson, type: string): [string, CfnResourceJson][] {
  return Object.entries(json.Resources).filter(([, resource]) => resource.Type === type);
}

/** Logical id of the CloudFormation resource behind an L2 construct. */
export function logicalIdOf(construct: IConstruct): string {
  const cfn = construct.node.defaultChild;
  if (!cfn || !('logicalId' in cfn)) throw new Error(`${construct.node.path} has no CloudFormation resource`);
  return Stack.of(construct).resolve((cfn as { logicalId: string }).logicalId) as string;
}

/** A property of a resource, as `unknown` for the test to narrow. */
export function property(resource: CfnResourceJson | undefined, name: string): unknown {
  return resource?.Properties?.[name];
}

/** `{ Ref: id }` / `{ 'Fn::GetAtt': [id, …] }` → id, anything else → undefined. */
export function referencedLogicalId(value: unknown): string | undefined {
  if (value === null || typeof value !== 'object') return undefined;
  const node = value as Record<string, unknown>;
  if (typeof node.Ref === 'string') return node.Ref;
  const getAtt = node['Fn::GetAtt'];
  if (Array.isArray(getAtt) && typeof getAtt[0] === 'string') return getAtt[0];
  return undefined;
}

/**
 * Synthesizes dev and prod once for the calling test file (in its `beforeAll`) and returns the
 * getter its tests use; `context` adds `-c` values per stage.
 */
export function synthesizedStages(
  context: Partial<Record<StageName, Record<string, unknown>>> = {},
): (stage: StageName) => SynthesizedStack {
  const stacks = new Map<StageName, SynthesizedStack>();
  beforeAll(() => {
    for (const stage of ['dev', 'prod'] as const) {
      stacks.set(stage, synthesizeStack({ stage, ...(context[stage] ? { context: context[stage] } : {}) }));
    }
  }, 120_000);
  return (stage) => {
    const found = stacks.get(stage);
    if (!found) throw new Error(`stage ${stage} was not synthesized`);
    return found;
  };
}
