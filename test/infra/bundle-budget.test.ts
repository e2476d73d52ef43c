import path from 'node:path';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { lambdaEsbuildOptions } from '#infra/bundling.ts';
import { REPO_ROOT, repoPath } from '#infra/repo-root.ts';
import { PIPELINE } from '#packages/pipeline/definition.ts';

// The size budget of bench/bundle-size.ts (PERFORMANCE.md lesson 6: the bundle's size is most of
// a cold start's import time, whose budget is 100 ms). Import times are measured there, not here.
const SIZE_BUDGET_KB = 1024;
// Bundling every function takes a few seconds, more on a loaded two-core machine.
const BUNDLE_TIMEOUT_MS = 120_000;

const FUNCTIONS = [
  ...PIPELINE.stages.map((stage) => ({ id: stage.id, entry: stage.entry })),
  { id: 'api', entry: 'functions/api/handler.ts' },
];

/** Size in KB of the code of a function's bundle (the .mjs file Lambda loads; the map apart). */
async function bundleKB(entry: string): Promise<number> {
  const result = await build({
    ...lambdaEsbuildOptions(repoPath(entry), path.join(REPO_ROOT, 'cdk.out', 'budget', 'index.mjs')),
    write: false,
    // The map is a separate file; it does not change the code's size.
    sourcemap: false,
  });
  const code = result.outputFiles.find((file) => file.path.endsWith('.mjs'));
  if (!code) throw new Error(`no .mjs output for ${entry}`);
  return code.contents.byteLength / 1024;
}

describe('function bundles', () => {
  it(
    `stay within ${SIZE_BUDGET_KB} KB each, bundled as the stack bundles them`,
    async () => {
      const sizes = Object.fromEntries(
        await Promise.all(FUNCTIONS.map(async ({ id, entry }) => [id, await bundleKB(entry)] as const)),
      );
      const over = Object.entries(sizes)
        .filter(([, kb]) => kb > SIZE_BUDGET_KB)
        .map(([id, kb]) => `${id}: ${kb.toFixed(1)} KB`);

      expect(
        over,
        `sizes: ${JSON.stringify(sizes, (_, kb) => (typeof kb === 'number' ? Math.round(kb) : kb))}`,
      ).toEqual([]);
    },
    BUNDLE_TIMEOUT_MS,
  );
});
