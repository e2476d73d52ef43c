import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderBriefingExport } from '#packages/briefing/exports/render.ts';
import { type RunningBackend, startBackend } from '#packages/local/backends.ts';
import { loadCuratedTables } from '#packages/pipeline/assemble.ts';
import { pipelineContext } from '#packages/pipeline/context.ts';
import { ingestUpload, sha256Hex } from '#packages/pipeline/ingest.ts';
import { Ledger, type SourcePointer } from '#packages/storage/ledger.ts';
import { integrationBackends } from '../support/backends.ts';
import { ingestSamples, refreshNow, sampleBytes, uploadAndRoute } from '../support/pipeline.ts';
import { openDuckDb, sqlString } from '../support/readers.ts';

/** The lessons sample with one more lesson, LES-777, that only this version carries. */
async function lessonsWithExtra(): Promise<Buffer> {
  const original = (await sampleBytes('stocktaking/jmdi-lessons.csv')).toString('utf8').trimEnd();
  const lastLine = original.split('\n').at(-1)!;
  return Buffer.from(`${original}\n${lastLine.replace(/^LES-\d+/, 'LES-777')}\n`);
}

async function lessonIds(): Promise<string[]> {
  const ctx = pipelineContext();
  const lessons = (await loadCuratedTables(ctx)).tables.table('jmdi_lesson');
  const lessonId = lessons.column('lesson_id');
  return Array.from({ length: lessons.length }, (_, row) => String(lessonId(row))).sort();
}

async function pointerOf(sourceName: string): Promise<SourcePointer | undefined> {
  return pipelineContext().ledger.getSource(sourceName);
}

/** A ledger whose first pointSource dies, as a process killed between the two ledger writes would. */
class LedgerThatDiesBeforePointing extends Ledger {
  private died = false;
  override async pointSource(pointer: SourcePointer): Promise<boolean> {
    if (!this.died) {
      this.died = true;
      throw new Error('simulated crash between recording the file and pointing its source');
    }
    return super.pointSource(pointer);
  }
}

/**
 * A document client on the real emulator whose first conditional PutItem of a FILE record lands
 * but whose answer is lost (an injected network reset after the server answered): the SDK sends
 * the same write again, and the condition refuses it.
 */
function clientThatLosesTheFirstFileAnswer(): { client: DynamoDBDocumentClient; lost: () => number } {
  const base = new DynamoDBClient({});
  let lost = 0;
  base.middlewareStack.add(
    (next, context) => async (args) => {
      const result = await next(args);
      const input = args.input as { Item?: { pk?: unknown }; ConditionExpression?: string };
      const isFilePut =
        context.commandName === 'PutItemCommand' &&
        Boolean(input.ConditionExpression) &&
        String((input.Item?.pk as { S?: string } | undefined)?.S ?? input.Item?.pk ?? '').startsWith('FILE#');
      if (isFilePut && lost === 0) {
        lost += 1;
        throw Object.assign(new Error('socket hang up (injected: the answer to the write was lost)'), {
          code: 'ECONNRESET',
        });
      }
      return result;
    },
    { step: 'deserialize', name: 'loseFirstFileRecordAnswer' },
  );
  return {
    client: DynamoDBDocumentClient.from(base, { marshallOptions: { removeUndefinedValues: true } }),
    lost: () => lost,
  };
}

for (const backend of integrationBackends().filter((candidate) => candidate.available)) {
  describe(`sources and redelivery on ${backend.name}`, () => {
    let running: RunningBackend;

    beforeAll(async () => {
      running = await startBackend(backend.name);
      await ingestSamples();
      await refreshNow();
    });

    afterAll(async () => {
      await running?.stop();
    });

    it('gives the same bytes under a second name a source of its own, says whose bytes they are, and publishes their rows once', async () => {
      const ctx = pipelineContext();
      const before = await refreshNow();
      const bytes = await sampleBytes('stocktaking/jmdi-projects.csv');
      const filesBefore = (await ctx.ledger.listFiles()).length;
      await ctx.raw.put('incoming/stocktaking/projects-copy.csv', bytes);

      const outcome = await ingestUpload('incoming/stocktaking/projects-copy.csv', ctx);
      const after = await refreshNow();

      expect(outcome).toMatchObject({
        status: 'unchanged',
        sameAs: 'stocktaking/jmdi-projects.csv',
        madeCurrent: true,
      });
      expect((await pointerOf('stocktaking/projects-copy.csv'))?.sha256).toBe(sha256Hex(bytes));
      expect((await pointerOf('stocktaking/jmdi-projects.csv'))?.sha256).toBe(sha256Hex(bytes));
      expect((await ctx.ledger.listFiles()).length).toBe(filesBefore);
      // Rows read once: the briefing is the one published before, not one with every project twice.
      expect(after.published).toBe(false);
      expect(after.contentHash).toBe(before.contentHash);
    });

    it('revising one of two names that hold the same bytes keeps the rows the other name still carries', async () => {
      const withExtra = await lessonsWithExtra();
      await uploadAndRoute('stocktaking', 'lessons-a.csv', withExtra);
      await uploadAndRoute('stocktaking', 'lessons-b.csv', withExtra);
      await refreshNow();
      expect((await lessonIds()).filter((id) => id === 'LES-777')).toHaveLength(1);

      // lessons-a.csv is revised without LES-777; lessons-b.csv still carries it.
      await uploadAndRoute('stocktaking', 'lessons-a.csv', await sampleBytes('stocktaking/jmdi-lessons.csv'));
      await refreshNow();

      expect((await pointerOf('stocktaking/lessons-b.csv'))?.sha256).toBe(sha256Hex(withExtra));
      expect((await lessonIds()).filter((id) => id === 'LES-777')).toHaveLength(1);
    });

    it('makes an earlier file current again when it is uploaded again under its name (the latest upload wins)', async () => {
      const ctx = pipelineContext();
      const first = await lessonsWithExtra();
      const second = Buffer.from(first.toString('utf8').replace('LES-777', 'LES-778'));
      await uploadAndRoute('stocktaking', 'lessons-c.csv', first);
      await uploadAndRoute('stocktaking', 'lessons-c.csv', second);
      expect((await pointerOf('stocktaking/lessons-c.csv'))?.sha256).toBe(sha256Hex(second));

      await ctx.raw.put('incoming/stocktaking/lessons-c.csv', first);
      const outcome = await ingestUpload('incoming/stocktaking/lessons-c.csv', ctx);

      expect(outcome).toMatchObject({ status: 'unchanged', madeCurrent: true });
      expect((await pointerOf('stocktaking/lessons-c.csv'))?.sha256).toBe(sha256Hex(first));
    });

    it('finishes on redelivery an ingest that died between recording the file and pointing its source', async () => {
      const ctx = pipelineContext();
      const bytes = Buffer.from((await lessonsWithExtra()).toString('utf8').replace('LES-777', 'LES-779'));
      await ctx.raw.put('incoming/stocktaking/lessons-d.csv', bytes);

      const dying = ingestUpload('incoming/stocktaking/lessons-d.csv', {
        ...ctx,
        ledger: new LedgerThatDiesBeforePointing(ctx.config.ledgerTable),
      });
      await expect(dying).rejects.toThrow(/simulated crash/);
      expect(await ctx.ledger.getFile(sha256Hex(bytes))).toBeDefined();
      expect(await pointerOf('stocktaking/lessons-d.csv')).toBeUndefined();

      const redelivered = await ingestUpload('incoming/stocktaking/lessons-d.csv', ctx);
      await refreshNow();

      expect(redelivered).toMatchObject({ status: 'unchanged', madeCurrent: true });
      expect((await pointerOf('stocktaking/lessons-d.csv'))?.sha256).toBe(sha256Hex(bytes));
      expect(await lessonIds()).toContain('LES-779');
    });

    it('completes an ingest whose conditional put of the file record lost its answer (injected network reset; the SDK retried)', async () => {
      const ctx = pipelineContext();
      const bytes = Buffer.from((await lessonsWithExtra()).toString('utf8').replace('LES-777', 'LES-780'));
      await ctx.raw.put('incoming/stocktaking/lessons-e.csv', bytes);
      const faulty = clientThatLosesTheFirstFileAnswer();

      const outcome = await ingestUpload('incoming/stocktaking/lessons-e.csv', {
        ...ctx,
        ledger: new Ledger(ctx.config.ledgerTable, faulty.client),
      });

      expect(faulty.lost()).toBe(1);
      expect(outcome).toMatchObject({
        status: 'accepted',
        event: expect.objectContaining({ sha256: sha256Hex(bytes) }),
      });
      expect((await pointerOf('stocktaking/lessons-e.csv'))?.sha256).toBe(sha256Hex(bytes));
      expect(
        Buffer.from(await ctx.raw.get((await ctx.ledger.getFile(sha256Hex(bytes)))!.rawKey)).equals(bytes),
      ).toBe(true);
    });

    it('refuses a file whose sidecar is not a source document, naming the rule (source-sidecar)', async () => {
      const ctx = pipelineContext();
      const bytes = Buffer.from(`${(await sampleBytes('stocktaking/jmdi-lessons.csv')).toString('utf8')}\n`);
      await ctx.raw.put('incoming/stocktaking/lessons-sidecar.csv.source.json', '{"publisher": "nobody"}');
      await ctx.raw.put('incoming/stocktaking/lessons-sidecar.csv', bytes);

      const outcome = await ingestUpload('incoming/stocktaking/lessons-sidecar.csv', ctx);

      expect(outcome).toMatchObject({
        status: 'refused',
        record: { refusal: { rule: 'source-sidecar', message: expect.stringMatching(/title/) } },
      });
    });

    it('cites a file uploaded without a sidecar as an untitled upload, and names it in the sources item', async () => {
      const ctx = pipelineContext();
      // A statistics CSV without provenance columns and without a sidecar: its rows cite the file.
      const bytes = Buffer.from(
        'indicator_id,ref_area_iso3,time_period,value,unit,sex,source,dataset_revision\r\n' +
          'REMIT_IN_USD,MDA,2012,1000,USD,_T,national,untitled-test\r\n',
      );
      await uploadAndRoute('statistics', 'remittances.csv', bytes);
      const { version } = await refreshNow();

      const sources = (await ctx.briefings.getItem(ctx.config.dataset, version!, 'sources', 'all'))!.body as {
        sources: {
          source_doc_id: string;
          title: string;
          registered_by: string;
          illustrative: boolean;
          licence?: string;
        }[];
        caveats: string[];
      };
      const docId = (await ctx.ledger.getFile(sha256Hex(bytes)))!.docId;
      const untitled = sources.sources.find((source) => source.source_doc_id === docId)!;
      expect(untitled).toMatchObject({
        title: 'untitled upload',
        registered_by: 'untitled',
        illustrative: false,
      });
      expect(sources.caveats.join(' ')).toContain(`Untitled uploads: ${untitled.source_doc_id}`);
      // The bundled files' sidecars registered theirs: the survey as illustrative, UN DESA as real.
      expect(sources.sources).toEqual(
        expect.arrayContaining([
          expect.objectContaining({
            source_doc_id: 'DOC-illustrative-gmg-unct-2011-kobo',
            illustrative: true,
          }),
          expect.objectContaining({
            source_doc_id: 'DOC-undesa-ims-rev2019',
            illustrative: false,
            licence: 'CC BY 3.0 IGO',
          }),
        ]),
      );
    });

    it('holds back a project id two live files claim, names both files on each country it concerns, and keeps every export key unique (DuckDB)', async () => {
      const ctx = pipelineContext();
      const projects = (await sampleBytes('stocktaking/jmdi-projects.csv'))
        .toString('utf8')
        .trimEnd()
        .split(/\r?\n/);
      const header = projects[0]!;
      const algeria = projects.find((line) => line.startsWith('JMDI1-MIGR-2008-101,'))!;
      // The same project id in another file: another country (MAR), another budget.
      const claim = algeria.replace(',DZA,', ',MAR,').replace(',231310,', ',999999,');
      await uploadAndRoute('stocktaking', 'projects-morocco.csv', Buffer.from(`${header}\r\n${claim}\r\n`));
      // A lesson naming a project no file has.
      const lessons = (await sampleBytes('stocktaking/jmdi-lessons.csv'))
        .toString('utf8')
        .trimEnd()
        .split(/\r?\n/);
      const dangling = lessons[1]!.replace(/^LES-001,JMDI1-MIGR-2008-147,/, 'LES-901,JMDI1-NOWHERE-1,');
      // The same missing project named by a lesson of another country, in the same file.
      const danglingElsewhere = lessons[2]!
        .replace(/^LES-002,JMDI1-MIGR-2008-147,/, 'LES-902,JMDI1-NOWHERE-1,')
        .replace(',SEN,DOC-', ',MDA,DOC-');
      expect(danglingElsewhere).toContain(',MDA,DOC-');
      await uploadAndRoute(
        'stocktaking',
        'lessons-dangling.csv',
        Buffer.from(`${lessons[0]}\r\n${dangling}\r\n${danglingElsewhere}\r\n`),
      );
      const { version } = await refreshNow();

      const item = (type: 'country' | 'sources', id: string) =>
        ctx.briefings.getItem(ctx.config.dataset, version!, type, id);
      const sources = (await item('sources', 'all'))!.body as {
        key_conflicts: { table: string; key: string; claims: { file_name: string }[] }[];
      };
      expect(sources.key_conflicts).toContainEqual({
        table: 'jmdi_project',
        key: 'JMDI1-MIGR-2008-101',
        claims: [
          expect.objectContaining({ file_name: 'jmdi-projects.csv' }),
          expect.objectContaining({ file_name: 'projects-morocco.csv' }),
        ],
      });
      for (const iso3 of ['DZA', 'MAR']) {
        const body = (await item('country', iso3))!.body as {
          jmdi: { projects: { project_id: string }[]; budget_eur_total: number };
          caveats: string[];
        };
        expect(body.jmdi.projects.map((project) => project.project_id)).not.toContain('JMDI1-MIGR-2008-101');
        expect(body.caveats.join('\n')).toMatch(
          /Held back \[key-conflict\]: jmdi_project JMDI1-MIGR-2008-101 is claimed by 2 files, jmdi-projects\.csv .* and projects-morocco\.csv/,
        );
      }
      // Each country's caveat names its own lesson row only, never the other country's.
      const danglingCaveatOf = async (iso3: string) => {
        const { caveats } = (await item('country', iso3))!.body as { caveats: string[] };
        const found = caveats.filter((caveat) => caveat.includes("'JMDI1-NOWHERE-1'"));
        expect(found, iso3).toHaveLength(1);
        return found[0]!;
      };
      const senegal = await danglingCaveatOf('SEN');
      const moldova = await danglingCaveatOf('MDA');
      for (const caveat of [senegal, moldova]) {
        expect(caveat).toMatch(
          /^Dangling reference \[dangling-reference\]: jmdi_lesson \S.* names jmdi_project\.project_id 'JMDI1-NOWHERE-1', which no live file has; the row is shown/,
        );
      }
      expect(senegal).not.toBe(moldova);
      const sourcesBody = (await item('sources', 'all'))!.body as {
        integrity_problems: { value: string; rows: number }[];
      };
      expect(
        sourcesBody.integrity_problems.find((problem) => problem.value === 'JMDI1-NOWHERE-1')?.rows,
      ).toBe(2);

      // Every CSV export keeps the primary key its Data Package declares.
      const items = await ctx.briefings.listItems(ctx.config.dataset, version!);
      const files = await renderBriefingExport('datapackage', items, {
        dataset: ctx.config.dataset,
        version: version!,
        asOf: '2013-09-30',
      });
      const descriptor = JSON.parse(
        Buffer.from(files.find((file) => file.path === 'datapackage.json')!.bytes).toString('utf8'),
      );
      const duck = await openDuckDb();
      const scratch = await mkdtemp(join(tmpdir(), 'hld-keys-'));
      try {
        for (const resource of descriptor.resources as {
          name: string;
          path: string;
          schema: { primaryKey: string | string[] };
        }[]) {
          const path = join(scratch, resource.path);
          await writeFile(path, files.find((file) => file.path === resource.path)!.bytes);
          const key = [resource.schema.primaryKey]
            .flat()
            .map((field) => `coalesce(CAST("${field}" AS VARCHAR), '')`)
            .join(` || '|' || `);
          const [counts] = await duck.rows(
            `SELECT count(*) AS total, count(DISTINCT ${key}) AS keys FROM read_csv(${sqlString(path)}, header = true, all_varchar = true)`,
          );
          expect(Number(counts!.total), resource.name).toBeGreaterThan(0);
          expect(Number(counts!.keys), resource.name).toBe(Number(counts!.total));
        }
      } finally {
        duck.close();
        await rm(scratch, { recursive: true, force: true });
      }
    });
  });
}
