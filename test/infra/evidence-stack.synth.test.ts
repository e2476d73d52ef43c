import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Template } from 'aws-cdk-lib/assertions';
import { afterAll, describe, expect, it } from 'vitest';
import { resolveStageConfig, STAGES, validateStageConfig } from '#infra/config.ts';
import { StageConfigError } from '#infra/errors.ts';
import { REPO_ROOT, repoPath } from '#infra/repo-root.ts';
import { PIPELINE } from '#packages/pipeline/definition.ts';
import {
  buildTestApp,
  resourcesOfType,
  synthesizeStack,
  TEST_ALARM_EMAIL,
  testContext,
} from './evidence-stack.fixture.ts';

const SYNTH_TIMEOUT_MS = 120_000;
// tsx start-up plus a full synth in a fresh process; slow on a loaded two-core machine.
const BIN_TIMEOUT_MS = 180_000;
const outdirs: string[] = [];

afterAll(() => {
  for (const outdir of outdirs) rmSync(outdir, { recursive: true, force: true });
});

/** The environment of a machine with no AWS account: no credentials, no profile, no region. */
function environmentWithoutCredentials(): NodeJS.ProcessEnv {
  const environment: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (!name.startsWith('AWS_') && !name.startsWith('CDK_')) environment[name] = value;
  }
  return environment;
}

describe('cdk synth without credentials', () => {
  // One run through the real entry point (tsx, no build step, context from the environment);
  // the other stage is covered through buildApp below, which the entry point calls.
  it(
    "runs cdk.json's app command with -c stage=prod -c alarmEmail=… and writes the prod stack",
    () => {
      const cdkJson = JSON.parse(readFileSync(repoPath('cdk.json'), 'utf8')) as { app: string };
      const outdir = mkdtempSync(path.join(tmpdir(), 'hld-synth-'));
      outdirs.push(outdir);

      // What the CDK CLI does for `cdk synth -c stage=prod`: run the app command with the output
      // directory and the merged context in the environment.
      const result = spawnSync(cdkJson.app, {
        cwd: REPO_ROOT,
        shell: true,
        encoding: 'utf8',
        timeout: BIN_TIMEOUT_MS,
        env: {
          ...environmentWithoutCredentials(),
          CDK_OUTDIR: outdir,
          CDK_CONTEXT_JSON: JSON.stringify({ ...testContext(), stage: 'prod', alarmEmail: TEST_ALARM_EMAIL }),
        },
      });

      expect(result.status, result.stderr).toBe(0);
      const manifest = JSON.parse(readFileSync(path.join(outdir, 'manifest.json'), 'utf8')) as {
        artifacts: Record<string, { type: string; properties?: { terminationProtection?: boolean } }>;
      };
      const stack = manifest.artifacts[STAGES.prod.namePrefix];
      expect(stack?.type).toBe('aws:cloudformation:stack');
      expect(stack?.properties?.terminationProtection).toBe(true);
      expect(existsSync(path.join(outdir, `${STAGES.prod.namePrefix}.template.json`))).toBe(true);
    },
    BIN_TIMEOUT_MS,
  );

  it('selects dev when no stage is given, and the stage named by -c stage otherwise', () => {
    const byDefault = buildTestApp();
    const prod = buildTestApp({ context: { stage: 'prod' } });

    expect(byDefault.config.stage).toBe('dev');
    expect(byDefault.stack.stackName).toBe(STAGES.dev.namePrefix);
    expect(prod.config.stage).toBe('prod');
    expect(prod.stack.stackName).toBe(STAGES.prod.namePrefix);
  });

  it('refuses an unknown stage with a StageConfigError naming the valid ones', () => {
    expect(() => buildTestApp({ context: { stage: 'staging' } })).toThrow(StageConfigError);
    expect(() => resolveStageConfig('staging')).toThrow(/dev\|prod/);
  });

  it('refuses a cron expression EventBridge Scheduler would reject', () => {
    const prod = { ...STAGES.prod, alarmEmail: TEST_ALARM_EMAIL };

    expect(() => validateStageConfig({ ...prod, refreshScheduleCron: '0 2 * * *' })).toThrow(
      StageConfigError,
    );
    expect(() => validateStageConfig({ ...prod, refreshScheduleCron: 'cron(0 2 * * ? *)' })).not.toThrow();
  });

  it('refuses a stage with no alarm e-mail and no written opt-out, a scan limit below Athena’s minimum, and a key administrator that is not an IAM ARN', () => {
    const prod = { ...STAGES.prod, alarmEmail: TEST_ALARM_EMAIL };

    expect(() => validateStageConfig(STAGES.prod)).toThrow(/no alarm e-mail/);
    expect(() => validateStageConfig({ ...STAGES.prod, alarmEmailOptOut: '  ' })).toThrow(/no alarm e-mail/);
    expect(() => validateStageConfig({ ...prod, athenaBytesScannedCutoffPerQuery: 1_000_000 })).toThrow(
      /10,000,000/,
    );
    expect(() => validateStageConfig({ ...prod, keyAdministratorArns: ['arn:aws:iam::*:root'] })).toThrow(
      /keyAdministratorArns/,
    );
    expect(() =>
      validateStageConfig({
        ...prod,
        keyAdministratorArns: ['arn:aws:iam::111122223333:role/key-custodian'],
      }),
    ).not.toThrow();
    expect(resolveStageConfig('prod', { alarmEmail: 'none' }).alarmEmailOptOut).toMatch(/alarmEmail=none/);
  });

  it(
    'leaves the briefing API out with -c briefingApi=false (emulators without API Gateway v2)',
    () => {
      const { stack } = buildTestApp({ context: { briefingApi: 'false' } });

      const template = Template.fromStack(stack);

      template.resourceCountIs('AWS::ApiGatewayV2::Api', 0);
      template.resourceCountIs('AWS::Lambda::Function', PIPELINE.stages.length);
      expect(Object.keys((template.toJSON() as { Outputs: object }).Outputs)).not.toContain('ApiUrl');
    },
    SYNTH_TIMEOUT_MS,
  );

  it(
    'subscribes the alarm e-mail given with -c alarmEmail, and none without it',
    () => {
      const withoutEmail = synthesizeStack({ stage: 'dev' });
      const withEmail = buildTestApp({ context: { alarmEmail: 'data-team@example.org' } });

      expect(resourcesOfType(withoutEmail.json, 'AWS::SNS::Subscription')).toEqual([]);
      Template.fromStack(withEmail.stack).hasResourceProperties('AWS::SNS::Subscription', {
        Protocol: 'email',
        Endpoint: 'data-team@example.org',
      });
    },
    SYNTH_TIMEOUT_MS,
  );
});
