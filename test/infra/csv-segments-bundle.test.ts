import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { build } from 'esbuild';
import { afterAll, describe, expect, it } from 'vitest';
import { LOCATOR_COLUMN } from '#contracts/curated-columns.ts';
import { lambdaEsbuildOptions } from '#infra/bundling.ts';
import { REPO_ROOT, repoPath } from '#infra/repo-root.ts';
import { taskDirectory } from '#infra/task-directory.ts';
import { normaliseContractCsvFast } from '#packages/csv-engine/csv-columns.ts';
import { generateSurveyResponses } from '../../bench/generate.ts';

// Nothing up the tree has a node_modules, as in /var/task.
const workDir = taskDirectory('hld-csv-segments-bundle-');
afterAll(() => rmSync(workDir, { recursive: true, force: true }));

describe('the worker-thread normaliser in a Lambda bundle', () => {
  it('starts its workers from the bundle itself and gives the single-threaded bytes', async () => {
    const bundle = path.join(workDir, 'index.mjs');
    await build({
      ...lambdaEsbuildOptions(repoPath('test/infra/csv-segments.entry.ts'), bundle),
      absWorkingDir: REPO_ROOT,
    });
    const input = path.join(workDir, 'survey.csv');
    await generateSurveyResponses(input, 6_000, 5);
    const ipc = path.join(workDir, 'out.arrow');
    const report = path.join(workDir, 'report.json');
    const run = spawnSync(process.execPath, [bundle, input, ipc, report], { cwd: workDir, encoding: 'utf8' });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);

    const { summary, split } = JSON.parse(readFileSync(report, 'utf8'));
    // The split ran on the bundle's workers: no fallback to the single thread.
    expect(split.fallback).toBeUndefined();
    expect(split.segments).toBeGreaterThan(2);
    const single = await normaliseContractCsvFast(readFileSync(input), {
      fileName: 'survey.csv',
      kind: 'survey',
      docId: 'DOC-test-file',
      receivedAt: '2013-01-05T12:00:00Z',
      locatorColumn: LOCATOR_COLUMN,
    });
    expect(summary).toEqual(JSON.parse(JSON.stringify(single!.summary)));
    expect(Buffer.compare(readFileSync(ipc), Buffer.from(single!.ipc!))).toBe(0);
  });
});
