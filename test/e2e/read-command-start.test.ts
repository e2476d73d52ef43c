import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * What a read command loads, traced by Node's own module hooks, on Node 24 (the project's `node`
 * package, what `npm start` and `npx hld` in npm scripts run): the briefing store and the embedded
 * backend, never the TypeScript loader (its modules are erasable TypeScript, which Node strips
 * itself), the pipeline's stages or the libraries only they use. The start-up time itself is in
 * BENCHMARKS.md ("Cold import on Node 24").
 */

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const HLD = join(ROOT, 'bin/hld.js');
const TRACE = join(ROOT, 'test/support/module-trace.mjs');
/** The deployed runtime's Node (devDependency `node`, 24.x). */
const NODE_24 = join(ROOT, 'node_modules/.bin/node');

/** What only writing commands, exports or the book need: none of it may load for a read. */
const NOT_FOR_READS = [
  '/tsx/',
  '/apache-arrow/',
  '/zod/',
  '/exceljs/',
  '/parquet-wasm/',
  '/@duckdb/',
  '/vega',
  '/cli-progress/',
  '/csv-parse/',
  '/fast-xml-parser/',
  '/packages/csv-engine/',
  '/packages/formats/reader.ts',
  '/packages/pipeline/stages/',
  '/packages/briefing/build.ts',
  '/data-contracts/registry.ts',
  '/data-contracts/briefing/check.ts',
  // The embedded S3 emulator is built on the first S3 request (fauxqs-on-demand.ts), and a read
  // of a briefing asks DynamoDB only: fauxqs's app and routes, fastify and ajv stay unloaded.
  '/fauxqs/dist/app.js',
  '/fauxqs/dist/s3/',
  '/fastify/',
  '/ajv/',
  // Step Functions, SQS and STS serve `refresh` and `redrive` on AWS only (client-factory.ts).
  '/@aws-sdk/client-sfn/',
  '/@aws-sdk/client-sqs/',
  '/@aws-sdk/client-sts/',
];

async function hld(
  nodeFlags: string[],
  args: string[],
  stateDir: string,
): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(NODE_24, [...nodeFlags, HLD, ...args], {
      cwd: ROOT,
      env: { ...process.env, HLD_STATE_DIR: stateDir, HLD_BACKEND: 'embedded' },
      maxBuffer: 32 * 1024 * 1024,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

const modulesIn = (stderr: string) =>
  stderr
    .split('\n')
    .filter((line) => line.startsWith('[module] '))
    .map((line) => line.slice('[module] '.length));

describe('hld read commands on Node 24', () => {
  let stateDir: string;
  /** What `hld run` (the whole local pipeline: ingest, stages, publish) loaded. */
  let runLoaded: string[];

  beforeAll(async () => {
    stateDir = await mkdtemp(join(tmpdir(), 'hld-read-start-'));
    const published = await hld(['--import', TRACE], ['run', '--quiet'], stateDir);
    expect(published.code, published.stderr).toBe(0);
    runLoaded = modulesIn(published.stderr);
  });

  afterAll(async () => {
    await rm(stateDir, { recursive: true, force: true });
  });

  it("prints MDA's briefing without loading tsx, the stages, Arrow, zod, the export libraries or the S3 emulator", async () => {
    const shown = await hld(['--import', TRACE], ['briefing', 'show', 'MDA', '--json'], stateDir);

    expect(shown.code, shown.stderr).toBe(0);
    expect(JSON.parse(shown.stdout)).toMatchObject({ type: 'country', id: 'MDA' });
    const loaded = modulesIn(shown.stderr);
    expect(loaded.some((url) => url.endsWith('/packages/storage/briefing-store.ts'))).toBe(true);
    for (const heavy of NOT_FOR_READS) expect(loaded.filter((url) => url.includes(heavy))).toEqual([]);
  });

  it('leaves the state healthy: hld doctor --dry-run after a read finds nothing wrong', async () => {
    const shown = await hld([], ['briefing', 'show', 'MDA', '--json'], stateDir);
    const doctor = await hld([], ['doctor', '--dry-run', '--json'], stateDir);

    expect(shown.code, shown.stderr).toBe(0);
    expect(doctor.code, doctor.stderr).toBe(0);
    expect(JSON.parse(doctor.stdout)).toMatchObject({ healthy: true, findings: [] });
  });

  it('runs the pipeline, the reads and the error reports without the TypeScript loader', async () => {
    const commands = [
      ['briefing', 'list'],
      ['briefing', 'versions'],
      ['briefing', 'show', 'MDA'],
      ['briefing', 'diff'], // one version only: its answer is an error report
      ['status'],
      ['doctor', '--dry-run'],
      ['run', '--help'],
    ];
    expect(runLoaded.some((url) => url.includes('/packages/pipeline/'))).toBe(true);
    expect(runLoaded.filter((url) => url.includes('/tsx/'))).toEqual([]);
    for (const args of commands) {
      const ran = await hld(['--import', TRACE], args, stateDir);

      expect(
        modulesIn(ran.stderr).filter((url) => url.includes('/tsx/')),
        args.join(' '),
      ).toEqual([]);
    }
  });

  it('prints the same briefing through tsx where Node does not strip types (as Node 20 does)', async () => {
    const native = await hld([], ['briefing', 'show', 'MDA', '--json'], stateDir);
    const throughTsx = await hld(
      ['--no-experimental-strip-types', '--import', TRACE],
      ['briefing', 'show', 'MDA', '--json'],
      stateDir,
    );

    expect(throughTsx.code, throughTsx.stderr).toBe(0);
    expect(modulesIn(throughTsx.stderr).some((url) => url.includes('/tsx/'))).toBe(true);
    expect(throughTsx.stdout).toBe(native.stdout);
  });
});
