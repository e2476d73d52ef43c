import { build } from 'esbuild';
import { beforeAll, describe, expect, it } from 'vitest';
import { lambdaEsbuildOptions } from '#infra/bundling.ts';
import { STAGE_NAMES, STAGES } from '#infra/config.ts';
import { REPO_ROOT, repoPath } from '#infra/repo-root.ts';
import { pipelineConfig } from '#packages/pipeline/config.ts';
import { PIPELINE } from '#packages/pipeline/definition.ts';
import { SETTINGS } from '#packages/settings/settings.ts';
import {
  type CfnTemplateJson,
  property,
  resourcesOfType,
  synthesizeStack,
} from './evidence-stack.fixture.ts';

/**
 * The HLD_* agreement between the stack and the code, on the synthesized template: a function
 * receives only variables its code reads, the code reads nothing only the stack could give
 * without being given it, and a stage's retention reaches the runtime's reader.
 */

const TIMEOUT_MS = 180_000;

/** Every Lambda function of the template: its name, entry and environment. */
function functionsOf(json: CfnTemplateJson, namePrefix: string) {
  const entries = new Map<string, string>([
    ...PIPELINE.stages.map((stage) => [`${namePrefix}-${stage.id}`, stage.entry] as const),
    [`${namePrefix}-api-handler`, 'functions/api/handler.ts'],
  ]);
  return resourcesOfType(json, 'AWS::Lambda::Function').map(([, fn]) => {
    const name = String(property(fn, 'FunctionName'));
    const environment = (property(fn, 'Environment') as { Variables: Record<string, unknown> }).Variables;
    return { name, entry: entries.get(name), environment };
  });
}

/**
 * The settings a bundle reads: those whose name is in it. esbuild drops a setting no code of the
 * bundle uses (each is a pure, literal definition), so a name left in the bundle is one its code reads.
 */
async function settingsReadBy(entry: string): Promise<Set<string>> {
  const result = await build({
    ...lambdaEsbuildOptions(repoPath(entry), `${REPO_ROOT}/cdk.out/settings-test/index.mjs`),
    write: false,
    sourcemap: false,
  });
  const text = result.outputFiles.find((file) => file.path.endsWith('.mjs'))?.text ?? '';
  return new Set(
    SETTINGS.filter((setting) => text.includes(`"${setting.name}"`)).map((setting) => setting.name),
  );
}

describe('EvidenceStack HLD_* settings', () => {
  const synthesized = new Map<string, ReturnType<typeof synthesizeStack>>();
  beforeAll(() => {
    for (const stage of STAGE_NAMES) synthesized.set(stage, synthesizeStack({ stage }));
  }, TIMEOUT_MS);

  it(
    'gives each function only HLD_* variables its code reads, and every stack-only setting its code reads',
    async () => {
      const { json, config } = synthesized.get('dev')!;
      const stackOnly = SETTINGS.filter((setting) => setting.setBy.every((by) => by === 'stack'));
      const unread: string[] = [];
      const notGiven: string[] = [];

      for (const fn of functionsOf(json, config.namePrefix)) {
        expect(fn.entry, fn.name).toBeDefined();
        const read = await settingsReadBy(fn.entry!);
        const received = Object.keys(fn.environment).filter((name) => name.startsWith('HLD_'));
        for (const name of received) if (!read.has(name)) unread.push(`${fn.name}: ${name}`);
        for (const setting of stackOnly) {
          if (read.has(setting.name) && !received.includes(setting.name))
            notGiven.push(`${fn.name}: ${setting.name}`);
        }
      }

      expect(unread).toEqual([]);
      expect(notGiven).toEqual([]);
    },
    TIMEOUT_MS,
  );

  it('sets every setting the stack owns on some function, and nothing it does not know', () => {
    const { json, config } = synthesized.get('dev')!;
    const set = new Set(functionsOf(json, config.namePrefix).flatMap((fn) => Object.keys(fn.environment)));
    const registered = new Set<string>(SETTINGS.map((setting) => setting.name));

    expect(SETTINGS.filter((setting) => setting.setBy.includes('stack') && !set.has(setting.name))).toEqual(
      [],
    );
    expect([...set].filter((name) => name.startsWith('HLD_') && !registered.has(name))).toEqual([]);
  });

  it("hands each stage's briefing retention to the runtime's reader in the functions that publish", () => {
    for (const stage of STAGE_NAMES) {
      const { json, config } = synthesized.get(stage)!;
      const assemble = functionsOf(json, config.namePrefix).find((fn) => fn.name.endsWith('-assemble'))!;
      // Bucket and table names are CloudFormation references; the reader takes the literal values.
      const literal = Object.fromEntries(
        Object.entries(assemble.environment).filter(([, value]) => typeof value === 'string'),
      ) as Record<string, string>;

      expect(pipelineConfig(literal).keepVersions, stage).toBe(STAGES[stage].briefingVersionsToKeep);
    }
    expect(new Set(STAGE_NAMES.map((stage) => STAGES[stage].briefingVersionsToKeep)).size).toBe(
      STAGE_NAMES.length,
    );
  });
});
