import { describe, expect, it } from 'vitest';
import { repoPath } from '#infra/repo-root.ts';
import { PIPELINE } from '#packages/pipeline/definition.ts';

process.env.POWERTOOLS_METRICS_NAMESPACE ??= 'HldEvidenceTest';

/**
 * A stage exists once: its handler (the Lambda entry) is built from its declaration, and runs the
 * runner the definition loads for the local router (packages/pipeline/stage-handler.ts says why
 * the handler imports the runner itself rather than calling `load()`).
 */
describe('function entries', () => {
  it('export a handler built from the declaration of the stage whose entry they are', async () => {
    for (const stage of PIPELINE.stages) {
      const module = (await import(repoPath(stage.entry))) as { handler: { stage?: object } };
      const { load: _load, ...declaration } = stage;

      expect(module.handler.stage, stage.entry).toEqual(declaration);
    }
  });

  it('run the runner the definition loads for the local router', async () => {
    for (const stage of PIPELINE.stages) {
      const module = (await import(repoPath(stage.entry))) as { handler: { run?: unknown } };

      expect(module.handler.run, stage.entry).toBe(await stage.load());
    }
  });
});
