import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOCATOR_COLUMN } from '#contracts/curated-columns.ts';
import { normaliseContractCsvFast } from '#packages/csv-engine/csv-columns.ts';
import { type RunningBackend, startBackend } from '#packages/local/backends.ts';
import { pipelineConfig } from '#packages/pipeline/config.ts';
import { type PipelineContext, pipelineContext } from '#packages/pipeline/context.ts';
import { ingestUpload, sha256Hex } from '#packages/pipeline/ingest.ts';
import { normaliseFile } from '#packages/pipeline/normalise.ts';
import { normalisePending } from '#packages/pipeline/normalise-pending.ts';
import type { QuarantineReport } from '#packages/pipeline/verdict.ts';
import { dynamoDocumentClient } from '#packages/storage/client-factory.ts';
import type { Ledger } from '#packages/storage/ledger.ts';
import type { ObjectStore } from '#packages/storage/object-store.ts';
import { integrationBackends } from '../support/backends.ts';
import { testSeed } from '../support/seed.ts';

/**
 * One pass over a large upload (docs/ingest-one-pass.md): ingest leaves a large CSV whose head
 * passes `pending`, and normalise gives it its verdict with four writes (quarantine report,
 * verdict, snapshot, pointers). A crash at any of them, before or after the write lands, must be
 * completed by the retry: the file ends with the verdict the whole file deserves, one snapshot,
 * its names pointed (or, refused, never pointed: the previous version stays live), and at no
 * moment does a name point at a file without a snapshot.
 */

/** A crash of the normalise process at one of its completion writes (simulated: the write is real, the crash is thrown). */
class SimulatedCrashError extends Error {
  override readonly name = 'SimulatedCrashError';
}

type CrashPoint = 'report' | 'verdict' | 'snapshot' | 'pointer';
interface Crash {
  readonly at: CrashPoint;
  /** The write lands before the crash (`after`), or never (`before`). */
  readonly when: 'before' | 'after';
}

/** The stores of a context, with a simulated crash at one completion write. */
function crashingAt(ctx: PipelineContext, crash: Crash): PipelineContext {
  const fire = async <T>(point: CrashPoint, write: () => Promise<T>): Promise<T> => {
    if (point !== crash.at) return write();
    if (crash.when === 'after') await write();
    throw new SimulatedCrashError(`simulated crash ${crash.when} the ${point} write`);
  };
  const raw = new Proxy(ctx.raw, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver);
      if (property !== 'put' || typeof value !== 'function') return value;
      return (key: string, ...rest: unknown[]) => {
        const write = () => value.call(target, key, ...rest);
        return key.startsWith('quarantine/') ? fire('report', write) : write();
      };
    },
  }) as ObjectStore;
  const points: Record<string, CrashPoint> = {
    completePendingFile: 'verdict',
    recordSnapshot: 'snapshot',
    pointSource: 'pointer',
  };
  const ledger = new Proxy(ctx.ledger, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver);
      const point = typeof property === 'string' ? points[property] : undefined;
      if (!point || typeof value !== 'function') return value;
      return (...args: unknown[]) => fire(point, () => value.apply(target, args));
    },
  }) as Ledger;
  return { ...ctx, raw, ledger };
}

/** A survey_response CSV over 1 MB: `rows` answers, every `badEvery`-th one bad (0: none), ragged at the end if asked. */
function surveyCsv(tag: string, rows: number, badEvery: number, ragged: boolean): Buffer {
  const lines = ['respondent_id,question_name,seq,value_raw,is_other,other_text,confidence'];
  for (let row = 0; row < rows; row += 1) {
    const seq = badEvery > 0 && row % badEvery === badEvery - 1 ? 'x' : '0';
    const answer = row % 9 === 0 ? '"a ""quoted"", multi\nline answer about remittances"' : 'yes';
    lines.push(
      `GMG-UNCT-2013:${tag}r${Math.floor(row / 12)},capacity/q${row % 12},${seq},${answer},false,` +
        `${row % 13 === 0 ? '"Ñandú — diaspora bonds and hometown associations"' : ''},high`,
    );
  }
  if (ragged) lines.push(`GMG-UNCT-2013:${tag}ragged,too-few`);
  return Buffer.from(`${lines.join('\n')}\n`);
}

/** What the whole file deserves: the in-memory fast path's summary of the same bytes. */
async function inMemoryVerdict(bytes: Buffer, fileName: string) {
  const result = await normaliseContractCsvFast(bytes, {
    fileName,
    kind: 'survey',
    docId: 'DOC-test',
    locatorColumn: LOCATOR_COLUMN,
    metadata: () => ({}),
  });
  return result?.summary;
}

/** Snapshot records of a file, however many there are. */
async function snapshotCount(ctx: PipelineContext, sha256: string): Promise<number> {
  const result = await dynamoDocumentClient().send(
    new QueryCommand({
      TableName: ctx.config.ledgerTable,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: { ':pk': `FILE#${sha256}`, ':prefix': 'SNAPSHOT#' },
      ConsistentRead: true,
    }),
  );
  return result.Items?.length ?? 0;
}

/** Upload bytes under incoming/survey/<name> and ingest them (no router: the test drives normalise). */
async function upload(ctx: PipelineContext, name: string, bytes: Buffer) {
  const key = `incoming/survey/${name}`;
  await ctx.raw.put(key, bytes);
  return ingestUpload(key, ctx);
}

for (const backend of integrationBackends().filter((candidate) => candidate.available)) {
  describe(`one pass over a large upload on ${backend.name}`, () => {
    let running: RunningBackend;
    let ctx: PipelineContext;

    beforeAll(async () => {
      running = await startBackend(backend.name);
      // Everything over 1 KiB is a large upload, streamed.
      ctx = pipelineContext({ ...pipelineConfig(), maxUploadBytes: 1024 });
    });

    afterAll(async () => {
      await running?.stop();
    });

    it('leaves a large upload whose head passes pending: no pointer moved, SourceAccepted without counts', async () => {
      const bytes = surveyCsv('p', 18_000, 50, false);

      const outcome = await upload(ctx, 'pending.csv', bytes);

      expect(bytes.byteLength).toBeGreaterThan(1024 * 1024);
      expect(outcome).toMatchObject({
        status: 'pending',
        event: { rows: 'pending', format: 'csv', sha256: sha256Hex(bytes) },
      });
      expect(await ctx.ledger.getFile(sha256Hex(bytes))).toMatchObject({
        status: 'pending',
        waiting: [expect.objectContaining({ sourceName: 'survey/pending.csv' })],
      });
      expect(await ctx.ledger.getSource('survey/pending.csv')).toBeUndefined();
    });

    it('gives a pending file one verdict when two normalisers complete it at once', async () => {
      const bytes = surveyCsv('race', 18_000, 0, false);
      await upload(ctx, 'race.csv', bytes);
      const file = (await ctx.ledger.getFile(sha256Hex(bytes)))!;

      const outcomes = await Promise.all([normaliseFile(file, ctx), normaliseFile(file, ctx)]);

      expect(outcomes.map((outcome) => outcome.status).sort()).toEqual(['already-normalised', 'written']);
      expect(await snapshotCount(ctx, file.sha256)).toBe(1);
      expect(await ctx.ledger.getFile(file.sha256)).toMatchObject({ status: 'accepted', rowsQuarantined: 0 });
      expect(await ctx.ledger.getSource('survey/race.csv')).toMatchObject({ sha256: file.sha256 });
    });

    it('completes a file left pending at the next refresh (its SourceAccepted lost), found through the file index', async () => {
      const bytes = surveyCsv('lost', 18_000, 40, false);
      await upload(ctx, 'lost.csv', bytes);

      const state = await normalisePending(
        { runId: 'run-lost', dataset: 'one-pass', requestedBy: 'test' },
        ctx,
      );

      const record = (await ctx.ledger.getFile(sha256Hex(bytes)))!;
      const expected = (await inMemoryVerdict(bytes, 'lost.csv'))!;
      expect(state.normalised).toBeGreaterThanOrEqual(1);
      expect(record).toMatchObject({
        status: 'accepted',
        rowsAccepted: expected.rowsAccepted,
        rowsQuarantined: expected.rowsQuarantined,
      });
      expect(await snapshotCount(ctx, record.sha256)).toBe(1);
      expect(await ctx.ledger.getSource('survey/lost.csv')).toMatchObject({ sha256: record.sha256 });
    });

    it('converges after a simulated crash at any completion write, before or after it lands, whatever the file holds (property)', async () => {
      const seed = testSeed(`one-pass crash points on ${backend.name}`);
      let round = 0;
      await fc.assert(
        fc.asyncProperty(
          fc.record({
            at: fc.constantFrom<CrashPoint>('report', 'verdict', 'snapshot', 'pointer'),
            when: fc.constantFrom<'before' | 'after'>('before', 'after'),
            extraRows: fc.integer({ min: 0, max: 1500 }),
            badEvery: fc.constantFrom(0, 7, 40, 333),
            ragged: fc.boolean(),
          }),
          async ({ at, when, extraRows, badEvery, ragged }) => {
            round += 1;
            const name = `crash-${round}.csv`;
            const sourceName = `survey/${name}`;
            const twin = `survey/twin-${round}.csv`;
            // Prepare: a live version of the name, then a new upload of it and of a twin name, pending.
            const previous = surveyCsv(`prev${round}`, 18_000, 0, false);
            await upload(ctx, name, previous);
            await normaliseFile((await ctx.ledger.getFile(sha256Hex(previous)))!, ctx);
            const bytes = surveyCsv(`new${round}`, 18_000 + extraRows, badEvery, ragged);
            const sha256 = sha256Hex(bytes);
            expect(bytes.byteLength).toBeGreaterThan(1024 * 1024);
            expect((await upload(ctx, name, bytes)).status).toBe('pending');
            expect((await upload(ctx, `twin-${round}.csv`, bytes)).status).toBe('unchanged');
            // A report is written only for a file with problems; a refused file gets no snapshot or pointer.
            const reachable = {
              report: ragged || badEvery > 0,
              verdict: true,
              snapshot: !ragged,
              pointer: !ragged,
            }[at];

            // Act: normalise crashes at one write, then the queue's retry, then a redelivery.
            const crashed = normaliseFile((await ctx.ledger.getFile(sha256))!, crashingAt(ctx, { at, when }));
            if (reachable) await expect(crashed).rejects.toThrow(SimulatedCrashError);
            else await crashed;
            const pointerAfterCrash = await ctx.ledger.getSource(sourceName);
            if (pointerAfterCrash?.sha256 === sha256) expect(await snapshotCount(ctx, sha256)).toBe(1);
            await normaliseFile((await ctx.ledger.getFile(sha256))!, ctx);
            await normaliseFile((await ctx.ledger.getFile(sha256))!, ctx);

            // Assess: the verdict the whole file deserves, written once, and the names it earns.
            const record = (await ctx.ledger.getFile(sha256))!;
            const report = record.quarantineKey
              ? (JSON.parse(await ctx.raw.getText(record.quarantineKey)) as QuarantineReport)
              : undefined;
            if (ragged) {
              expect(record).toMatchObject({ status: 'refused', refusal: { rule: 'too-large' } });
              expect(record.refusal?.message).toMatch(/cannot be read as a stream: line \d+ has 2 cells/);
              expect(report).toMatchObject({ status: 'refused', refusal: record.refusal });
              expect(await snapshotCount(ctx, sha256)).toBe(0);
              expect(await ctx.ledger.getSource(sourceName)).toMatchObject({ sha256: sha256Hex(previous) });
              expect(await ctx.ledger.getSource(twin)).toBeUndefined();
              return;
            }
            const expected = (await inMemoryVerdict(bytes, name))!;
            expect(record).toMatchObject({
              status: 'accepted',
              rowsAccepted: expected.rowsAccepted,
              rowsQuarantined: expected.rowsQuarantined,
            });
            expect(report?.problems ?? []).toEqual(expected.problems);
            expect(await snapshotCount(ctx, sha256)).toBe(1);
            const snapshot = (await ctx.ledger.latestSnapshot(sha256))!;
            expect(snapshot.tables).toEqual([
              expect.objectContaining({ table: 'survey_response', rows: expected.rowsAccepted }),
            ]);
            expect(await ctx.ledger.getSource(sourceName)).toMatchObject({ sha256 });
            expect(await ctx.ledger.getSource(twin)).toMatchObject({ sha256 });
          },
        ),
        { seed, numRuns: 10 },
      );
    });
  });
}
