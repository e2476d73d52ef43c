import { spawnSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { build } from 'esbuild';
import { afterAll, describe, expect, it } from 'vitest';
import {
  buildParquetLayer,
  buildWorkbookLayer,
  lambdaEsbuildOptions,
  PARQUET_LAYER,
  WORKBOOK_LAYER,
} from '#infra/bundling.ts';
import { REPO_ROOT, repoPath } from '#infra/repo-root.ts';
import { taskDirectory } from '#infra/task-directory.ts';
import { ArrowTableWriter } from '#packages/arrow/table-writer.ts';
import { readWorkbookSheets } from '#packages/formats/xlsx.ts';
import { PIPELINE } from '#packages/pipeline/definition.ts';
import { openDuckDb, sqlString } from '../support/readers.ts';
import { workbookBytes } from '../unit/formats/workbook.ts';

// Bundling every function and the layer takes a few seconds, more on a loaded two-core machine.
const BUNDLE_TIMEOUT_MS = 120_000;
// Nothing up the tree has a node_modules, as in /var/task.
const workDir = taskDirectory('hld-function-bundles-');
afterAll(() => rmSync(workDir, { recursive: true, force: true }));

/** Repository-relative paths of what esbuild put in a bundle. */
async function bundleInputs(entry: string): Promise<string[]> {
  const result = await build({
    ...lambdaEsbuildOptions(repoPath(entry), path.join(workDir, 'inputs', 'index.mjs')),
    absWorkingDir: REPO_ROOT,
    metafile: true,
    write: false,
    // What goes in does not depend on the map.
    sourcemap: false,
  });
  return Object.keys(result.metafile.inputs);
}

/** Repository-relative paths of the inputs whose code is in the bundle (tree-shaken ones left out). */
async function bundledCode(entry: string): Promise<string[]> {
  const result = await build({
    ...lambdaEsbuildOptions(repoPath(entry), path.join(workDir, 'code', 'index.mjs')),
    absWorkingDir: REPO_ROOT,
    metafile: true,
    write: false,
    sourcemap: false,
  });
  return Object.values(result.metafile.outputs).flatMap((output) =>
    Object.entries(output.inputs)
      .filter(([, input]) => input.bytesInOutput > 0)
      .map(([name]) => name),
  );
}

describe('function bundles', () => {
  it(
    'leave exceljs to the workbook layer, Vega to the CLI, the credential chain to the environment and every other stage out, and hold the XLSX reader exactly in the stages that get the layer',
    async () => {
      const functions = [
        ...PIPELINE.stages,
        { id: 'api', entry: 'functions/api/handler.ts', readsWorkbooks: false },
      ];
      for (const stage of functions) {
        const inputs = await bundleInputs(stage.entry);

        expect(
          inputs.filter((input) => input.includes(`node_modules/${WORKBOOK_LAYER.packageName}/`)),
          stage.id,
        ).toEqual([]);
        expect(inputs.includes('packages/formats/xlsx.ts'), stage.id).toBe(Boolean(stage.readsWorkbooks));
        expect(
          inputs.filter((input) => input.includes(`node_modules/${PARQUET_LAYER.packageName}/`)),
          stage.id,
        ).toEqual([]);
        // The HTML briefing book's charts (Vega) are drawn by the CLI only, never in Lambda.
        expect(
          inputs.filter((input) => /node_modules\/(vega|vega-[a-z-]+|d3-[a-z-]+)\//.test(input)),
          stage.id,
        ).toEqual([]);
        expect(
          inputs.filter((input) =>
            /node_modules\/@aws-sdk\/(credential-provider-node|nested-clients)\//.test(input),
          ),
          stage.id,
        ).toEqual([]);
        // A handler is built from its own stage's declaration; the definition (every stage's
        // loader) and every other stage's declaration stay out.
        expect(inputs, stage.id).not.toContain('packages/pipeline/definition.ts');
        expect(
          inputs.filter((input) => /^packages\/pipeline\/stages\/[a-z-]+\.stage\.ts$/.test(input)),
          stage.id,
        ).toEqual(stage.id === 'api' ? [] : [`packages/pipeline/stages/${stage.id}.stage.ts`]);
      }
    },
    BUNDLE_TIMEOUT_MS,
  );

  it(
    'leave apache-arrow out of ingest, which validates CSVs but writes no Arrow',
    async () => {
      const ingest = PIPELINE.stages.find((stage) => stage.id === 'ingest')!;
      const normalise = PIPELINE.stages.find((stage) => stage.id === 'normalise')!;

      const ingestInputs = await bundledCode(ingest.entry);
      const normaliseInputs = await bundledCode(normalise.entry);

      const arrowOf = (inputs: string[]) =>
        inputs.filter((input) => input.includes('node_modules/apache-arrow/'));
      expect(ingestInputs).toContain('packages/csv-engine/validate-contract-csv.ts');
      expect(arrowOf(ingestInputs)).toEqual([]);
      expect(arrowOf(normaliseInputs)).not.toEqual([]);
    },
    BUNDLE_TIMEOUT_MS,
  );

  it(
    'read a workbook in Lambda with exceljs found only in the workbook layer (on NODE_PATH, as /opt/nodejs/node_modules)',
    async () => {
      const layerDir = path.join(workDir, 'layer');
      const bundle = path.join(workDir, 'task', 'index.mjs');
      const book = path.join(workDir, 'book.xlsx');
      const bytes = await workbookBytes([
        {
          name: 'Data',
          rows: [
            ['iso3', 'value'],
            ['MDA', 1.5],
            ['PHL', { formula: '1+1', result: 2 }],
          ],
        },
      ]);
      writeFileSync(book, bytes);
      buildWorkbookLayer(layerDir);
      await build(lambdaEsbuildOptions(repoPath('test/infra/workbook-reader.entry.ts'), bundle));

      const run = (nodePath: string | undefined) =>
        spawnSync(process.execPath, ['--enable-source-maps', bundle, book], {
          cwd: workDir,
          encoding: 'utf8',
          env: { PATH: process.env.PATH, ...(nodePath ? { NODE_PATH: nodePath } : {}) },
          timeout: 60_000,
        });
      const withLayer = run(path.join(layerDir, 'nodejs', 'node_modules'));
      const withoutLayer = run(undefined);

      expect(withLayer.status, withLayer.stderr).toBe(0);
      expect(JSON.parse(withLayer.stdout)).toEqual(
        JSON.parse(JSON.stringify(await readWorkbookSheets(bytes, 'book.xlsx'))),
      );
      expect(withoutLayer.status).not.toBe(0);
      expect(withoutLayer.stderr).toContain("Cannot find module 'exceljs'");
    },
    BUNDLE_TIMEOUT_MS,
  );

  it(
    'write Parquet in Lambda with parquet-wasm (and its .wasm) found only in the Parquet layer',
    async () => {
      const layerDir = path.join(workDir, 'parquet-layer');
      const bundle = path.join(workDir, 'parquet-task', 'index.mjs');
      const arrowFile = path.join(workDir, 'table.arrow');
      const parquetFile = path.join(workDir, 'table.parquet');
      const writer = new ArrowTableWriter(
        [
          {
            name: 'iso3',
            type: { kind: 'dictionary', vocabulary: 'iso3', values: ['MDA', 'PHL'] },
            required: true,
          },
          { name: 'value', type: { kind: 'float64' }, required: false },
        ],
        { metadata: { 'hld:contract': 'observation@1.0.0' } },
      );
      writer.append({ iso3: 'MDA', value: 1.5 });
      writer.append({ iso3: 'PHL' });
      writeFileSync(arrowFile, await writer.finish());
      buildParquetLayer(layerDir);
      await build(lambdaEsbuildOptions(repoPath('test/infra/parquet-writer.entry.ts'), bundle));

      const run = (nodePath: string | undefined) =>
        spawnSync(process.execPath, ['--enable-source-maps', bundle, arrowFile, parquetFile], {
          cwd: workDir,
          encoding: 'utf8',
          env: { PATH: process.env.PATH, ...(nodePath ? { NODE_PATH: nodePath } : {}) },
          timeout: 60_000,
        });
      const withoutLayer = run(undefined);
      const withLayer = run(path.join(layerDir, 'nodejs', 'node_modules'));

      expect(withoutLayer.status).not.toBe(0);
      expect(withoutLayer.stderr).toContain("Cannot find module 'parquet-wasm'");
      expect(withLayer.status, withLayer.stderr).toBe(0);
      const duckdb = await openDuckDb();
      try {
        const file = sqlString(parquetFile);
        expect(await duckdb.rows(`SELECT iso3, value FROM read_parquet(${file}) ORDER BY iso3`)).toEqual([
          { iso3: 'MDA', value: 1.5 },
          { iso3: 'PHL', value: null },
        ]);
        expect(await duckdb.rows(`SELECT DISTINCT compression FROM parquet_metadata(${file})`)).toEqual([
          { compression: 'ZSTD' },
        ]);
      } finally {
        duckdb.close();
      }
    },
    BUNDLE_TIMEOUT_MS,
  );

  it(
    "resolve the SDK's credentials from the environment, where Lambda puts the role's, and from nowhere else",
    async () => {
      const bundle = path.join(workDir, 'credentials', 'index.mjs');
      await build(lambdaEsbuildOptions(repoPath('test/infra/credentials.entry.ts'), bundle));
      const run = (credentials: Record<string, string>) =>
        spawnSync(process.execPath, ['--enable-source-maps', bundle], {
          cwd: workDir,
          encoding: 'utf8',
          // No instance metadata: a chain that was not cut must not reach for the network either.
          env: {
            PATH: process.env.PATH,
            AWS_REGION: 'eu-west-1',
            AWS_EC2_METADATA_DISABLED: 'true',
            ...credentials,
          },
          timeout: 60_000,
        });

      const inLambda = run({
        AWS_ACCESS_KEY_ID: 'ASIAEXAMPLEROLEKEY',
        AWS_SECRET_ACCESS_KEY: 'example-secret',
        AWS_SESSION_TOKEN: 'example-token',
      });
      const withoutCredentials = run({});

      expect(inLambda.status, inLambda.stderr).toBe(0);
      expect(JSON.parse(inLambda.stdout)).toEqual({ accessKeyId: 'ASIAEXAMPLEROLEKEY' });
      expect(withoutCredentials.status).not.toBe(0);
      expect(withoutCredentials.stderr).toContain('Unable to find environment variable credentials');
    },
    BUNDLE_TIMEOUT_MS,
  );
});
