import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateProjects, generateSurveyResponses } from '../../../bench/generate.ts';
import { expectSameAsReference } from './reference.ts';

/** The benchmark's own inputs, at a size the reference path reads in a few seconds. */
describe('normaliseContractCsvFast on the benchmark generator output', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'fastpath-bench-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('gives the reference result for 12,000 survey responses with 2 % bad rows', async () => {
    const path = join(dir, 'survey.csv');
    await generateSurveyResponses(path, 12_000, 7);
    const result = await expectSameAsReference(await readFile(path), {
      fileName: 'survey.csv',
      kind: 'survey',
      batchSize: 4_096,
      receivedAt: '2013-01-05T12:00:00Z',
    });
    expect(result?.summary.rowsQuarantined).toBeGreaterThan(120);
  }, 60_000);

  it('gives the reference result for 5,000 JMDI projects (refinement and country lists)', async () => {
    const path = join(dir, 'projects.csv');
    await generateProjects(path, 5_000, 11);
    await expectSameAsReference(await readFile(path), {
      fileName: 'projects.csv',
      kind: 'stocktaking',
      batchSize: 1_000,
    });
  }, 60_000);
});
