import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { motoAvailable } from '#packages/local/backends.ts';
import { freePort, type ManagedProcess, startProcess } from '#packages/local/processes.ts';
import { hld } from '../support/hld-in-process.ts';

/**
 * The `localstack` backend's code path (connect to an edge endpoint, create the buckets and
 * tables, run the pipeline, read it back in a later command), exercised against moto on a free
 * port standing in for LocalStack's edge port: LocalStack itself needs Docker and an auth token,
 * which CI does not have. Runs where python3 with moto[server] is present (our CI image).
 */

const LESSON_HEADER =
  'lesson_id,question,statement_en,theme,evidence_type,evidence_strength,good_practice,iso3,source_doc_id,source_locator,extraction_method,confidence';
const lesson = (id: string) =>
  `${id},what_works,Works well,remittances,self_assessment,strong,true,MDA,DOC-x1,p.1,manual,high`;

for (const standIn of motoAvailable() ? ['moto server'] : []) {
  describe(`hld --backend localstack, against ${standIn} on a free port`, () => {
    let dir: string;
    let edge: ManagedProcess;
    let env: Record<string, string>;

    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), 'hld-localstack-'));
      await mkdir(join(dir, 'evidence', 'stocktaking'), { recursive: true });
      await writeFile(
        join(dir, 'evidence', 'stocktaking', 'lessons.csv'),
        [LESSON_HEADER, lesson('LES-1'), lesson('LES-2')].join('\n'),
      );
      const port = await freePort();
      edge = await startProcess(
        'moto',
        'python3',
        ['-m', 'moto.server', '-H', '127.0.0.1', '-p', String(port)],
        `http://127.0.0.1:${port}/moto-api/`,
      );
      env = { HLD_LOCALSTACK_ENDPOINT: `http://127.0.0.1:${port}`, HLD_STATE_DIR: join(dir, 'unused-state') };
    });

    afterAll(async () => {
      await edge?.stop();
      await rm(dir, { recursive: true, force: true });
    });

    it('hld run publishes a version, and a later command reads it from the same endpoint', async () => {
      const run = await hld(['run', join(dir, 'evidence'), '--backend', 'localstack', '--json'], env);
      const status = await hld(['status', '--backend', 'localstack', '--json'], env);

      expect(run.code, run.stderr).toBe(0);
      expect(JSON.parse(run.stdout)).toMatchObject({ version: 1, published: true });
      expect(status.code, status.stderr).toBe(0);
      const ledger = JSON.parse(status.stdout);
      expect(ledger.files).toEqual([
        expect.objectContaining({ sourceName: 'stocktaking/lessons.csv', outcome: 'accepted' }),
      ]);
      expect(ledger.current).toMatchObject({ version: 1 });
    });
  });
}
