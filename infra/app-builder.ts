import { readFileSync } from 'node:fs';
import { App } from 'aws-cdk-lib';
import type { AwsSolutionsChecks } from 'cdk-nag';
import type { PipelineDefinition } from '#packages/pipeline/definition.ts';
import { resolveStageConfig, type StageConfig, type StageName } from './config.ts';
import { EvidenceStack } from './evidence-stack.ts';
import { addComplianceChecks } from './nag.ts';
import { repoPath } from './repo-root.ts';

export interface BuildAppOptions {
  /**
   * The app to add the stack to.
   * @default - a new App (with `context`, if given)
   */
  readonly app?: App;
  /**
   * Context of the new App (tests: the cdk.json flags plus `aws:cdk:bundling-stacks: []`).
   * Ignored when `app` is given. The CLI passes cdk.json's context itself.
   * @default - none
   */
  readonly context?: Record<string, unknown>;
  /**
   * Stage to build.
   * @default - context `stage`, else 'dev'
   */
  readonly stage?: StageName;
  /**
   * Pipeline to deploy.
   * @default PIPELINE
   */
  readonly definition?: PipelineDefinition;
  /**
   * Handler module of the briefing API, relative to the repository root.
   * @default 'functions/api/handler.ts'
   */
  readonly apiEntry?: string;
  /**
   * Whether to deploy the briefing API.
   * @default - context `briefingApi` (`-c briefingApi=false` turns it off), else true
   */
  readonly briefingApi?: boolean;
}

export interface EvidenceApp {
  readonly app: App;
  readonly stack: EvidenceStack;
  readonly config: StageConfig;
  /** The registered AwsSolutions pack (re-run it with `validateScope(app)` after synth). */
  readonly compliance: AwsSolutionsChecks;
}

/**
 * Builds the CDK app: one EvidenceStack for the selected stage, with the cdk-nag AwsSolutions
 * checks registered so synthesis fails on any unacknowledged finding. `infra/bin/app.ts` and the
 * infra tests both build the app through here, so what the tests prove is what `cdk deploy` ships.
 */
export function buildApp(options: BuildAppOptions = {}): EvidenceApp {
  const app = options.app ?? new App(options.context ? { context: options.context } : {});
  const contextString = (key: string): string | undefined => {
    const value: unknown = app.node.tryGetContext(key);
    return typeof value === 'string' && value.length > 0 ? value : undefined;
  };
  const account = contextString('account');
  const region = contextString('region');
  const alarmEmail = contextString('alarmEmail');
  const keyAdministratorArns = contextString('keyAdministratorArns')
    ?.split(',')
    .map((arn) => arn.trim())
    .filter((arn) => arn.length > 0);
  // Context values from the command line are strings; cdk.json may hold a real boolean.
  const briefingApiContext: unknown = app.node.tryGetContext('briefingApi');
  const briefingApi =
    options.briefingApi ?? !(briefingApiContext === false || briefingApiContext === 'false');
  const config = resolveStageConfig(options.stage ?? contextString('stage') ?? 'dev', {
    ...(account ? { account } : {}),
    ...(region ? { region } : {}),
    ...(alarmEmail ? { alarmEmail } : {}),
    ...(keyAdministratorArns?.length ? { keyAdministratorArns } : {}),
  });

  const compliance = addComplianceChecks(app);
  const stackAccount = config.account ?? process.env.CDK_DEFAULT_ACCOUNT;
  const stackRegion = config.region ?? process.env.CDK_DEFAULT_REGION;
  const stack = new EvidenceStack(app, config.namePrefix, {
    stackName: config.namePrefix,
    description: `hld-evidence: evidence pipeline for the UN HLD on International Migration and Development (${config.stage})`,
    terminationProtection: config.terminationProtection,
    ...(stackAccount || stackRegion
      ? {
          env: {
            ...(stackAccount ? { account: stackAccount } : {}),
            ...(stackRegion ? { region: stackRegion } : {}),
          },
        }
      : {}),
    config,
    ...(options.definition ? { definition: options.definition } : {}),
    ...(options.apiEntry ? { apiEntry: options.apiEntry } : {}),
    briefingApi,
  });
  return { app, stack, config, compliance };
}

/** The `context` block of cdk.json (the feature flags), for apps built outside the CLI. */
export function cdkJsonContext(): Record<string, unknown> {
  const cdkJson = JSON.parse(readFileSync(repoPath('cdk.json'), 'utf8')) as {
    context?: Record<string, unknown>;
  };
  return { ...cdkJson.context };
}
