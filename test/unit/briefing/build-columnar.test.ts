import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { tableFromArrays } from 'apache-arrow';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LOCATOR_COLUMN } from '#contracts/curated-columns.ts';
import { contractForTable } from '#contracts/registry.ts';
import { documentFromSidecar } from '#contracts/source-registry.ts';
import {
  CONDITION_TAG,
  CONFIDENCE,
  EVIDENCE_STRENGTH,
  MILESTONE_STATUS,
  MILESTONE_TYPE,
  OBSERVATION_SOURCE,
  SELECTION_STATUS,
  SEX,
  THEME_HLD_RT,
  THEME_JMDI,
} from '#contracts/vocabularies.ts';
import { readArrowTable } from '#packages/arrow/read.ts';
import { ArrowTableWriter } from '#packages/arrow/table-writer.ts';
import { briefingTableLoader, buildBriefing } from '#packages/briefing/build.ts';
import {
  CuratedColumnKindError,
  type CuratedSegment,
  CuratedTableReleasedError,
  curatedTablesFromArrow,
} from '#packages/briefing/curated-tables.ts';
import { columnSpecs } from '#packages/contracts/columns.ts';
import { emptySummary, validateRows } from '#packages/contracts/validate.ts';
import { readSource } from '#packages/formats/index.ts';
import { curatedSegments, generateCuratedSet } from '../../../bench/curated-set.ts';
import { SAMPLE_FILES, SAMPLES, sampleSidecar } from '../../support/pipeline.ts';
import { buildBriefingFromRows, curatedRowsFromSegments } from '../../support/reference-briefing.ts';

/**
 * The columnar builder against the row-based reference it replaced (reference-build.ts): the
 * same curated tables must give the same items, byte for byte (so the same content hash). Fast
 * and wrong does not count.
 */

const sha256 = (bytes: Uint8Array | string) => createHash('sha256').update(bytes).digest('hex');
const json = (items: readonly { type: string }[]) => items.map((item) => JSON.stringify(item)).join('\n');

/** The set assemble builds: the files given to the loader one at a time, in order. */
function streamedSet(segments: readonly CuratedSegment[]) {
  const loader = briefingTableLoader();
  for (const segment of segments) loader.add(segment);
  return loader.finish();
}

/**
 * Columnar over the Arrow tables (as given, letting go of the large tables' bytes once the index
 * is built, and read file by file as assemble reads them), and the reference over the rows
 * assemble used to read from them.
 */
function bothBuilders(segments: readonly CuratedSegment[]) {
  return {
    columnar: json(buildBriefing(curatedTablesFromArrow(segments))),
    released: json(buildBriefing(curatedTablesFromArrow(segments), { releaseTables: true })),
    streamed: json(buildBriefing(streamedSet(segments), { releaseTables: true })),
    reference: json(
      buildBriefingFromRows(
        curatedRowsFromSegments(segments),
        segments.flatMap((segment) => (segment.document ? [segment.document] : [])),
      ),
    ),
  };
}

async function arrowOf(table: string, rows: readonly Record<string, unknown>[], batchSize = 65_536) {
  const writer = new ArrowTableWriter(
    [
      ...columnSpecs(contractForTable(table)),
      { name: LOCATOR_COLUMN, type: { kind: 'utf8' }, required: true },
    ],
    { batchSize },
  );
  for (const row of rows) writer.append(row);
  return readArrowTable(await writer.finish());
}

/** The bundled evidence base through the reference normalise path (reader → contracts → Arrow), as assemble reads it. */
async function sampleSegments(): Promise<CuratedSegment[]> {
  const files = await Promise.all(
    SAMPLE_FILES.map(async (file) => {
      const bytes = await readFile(new URL(file.path, SAMPLES));
      return { ...file, bytes, sha: sha256(bytes), sourceName: file.path };
    }),
  );
  const segments: CuratedSegment[] = [];
  for (const file of files.sort((a, b) => a.sourceName.localeCompare(b.sourceName))) {
    const fileName = file.path.split('/').pop()!;
    // As ingest: the sidecar's document when the file has one, else the content id.
    const sidecar = await sampleSidecar(file.path);
    const docId =
      sidecar?.doc_id ?? `DOC-${createHash('sha1').update(file.bytes).digest('hex').slice(0, 12)}`;
    const read = await readSource({
      bytes: file.bytes,
      fileName,
      kind: file.kind,
      docId,
      receivedAt: '2013-01-05T12:00:00Z',
    });
    const rows = new Map<string, Record<string, unknown>[]>();
    for await (const accepted of validateRows(read, fileName, emptySummary())) {
      const list = rows.get(accepted.table) ?? [];
      list.push({ ...accepted.row, [LOCATOR_COLUMN]: accepted.locator });
      rows.set(accepted.table, list);
    }
    for (const [table, list] of [...rows].sort(([a], [b]) => a.localeCompare(b))) {
      segments.push({
        table,
        arrow: await arrowOf(table, list),
        file_sha256: file.sha,
        raw_key: `raw/${file.kind}/${file.sha}/${fileName}`,
        doc_id: docId,
        ...(sidecar ? { document: documentFromSidecar(docId, sidecar) } : {}),
      });
    }
  }
  return segments;
}

describe('buildBriefing (columnar) against the row-based reference', () => {
  it('gives the same items, byte for byte, for the bundled evidence base', async () => {
    const segments = await sampleSegments();

    const { columnar, released, streamed, reference } = bothBuilders(segments);

    expect(segments.map((segment) => segment.table)).toEqual(
      expect.arrayContaining([
        'jmdi_project',
        'jmdi_lesson',
        'survey_response',
        'pilot',
        'event',
        'observation',
      ]),
    );
    expect(columnar.split('\n').length).toBeGreaterThan(100);
    expect(sha256(columnar)).toBe(sha256(reference));
    expect(sha256(released)).toBe(sha256(reference));
    expect(sha256(streamed)).toBe(sha256(reference));
  });

  it('gives the same items for the benchmark generator’s evidence base (30 countries, two files per big table)', async () => {
    const files = await generateCuratedSet({
      countries: 30,
      projects: 1_500,
      lessons: 1_500,
      respondents: 150,
    });

    const { columnar, released, streamed, reference } = bothBuilders(curatedSegments(files));

    expect(columnar.split('\n').length).toBeGreaterThan(30 + 8 * 20);
    expect(sha256(columnar)).toBe(sha256(reference));
    expect(sha256(released)).toBe(sha256(reference));
    expect(sha256(streamed)).toBe(sha256(reference));
  });

  it('gives the same items when hand-made row objects go through the same view', async () => {
    const files = await generateCuratedSet({
      countries: 8,
      projects: 200,
      lessons: 200,
      respondents: 20,
      seed: 7,
    });
    const rows = curatedRowsFromSegments(curatedSegments(files));

    expect(json(buildBriefing(rows))).toBe(json(buildBriefingFromRows(rows)));
  });

  it('notices a single changed value (the comparison can fail)', async () => {
    const files = await generateCuratedSet({
      countries: 5,
      projects: 50,
      lessons: 50,
      respondents: 5,
      seed: 3,
    });
    const segments = curatedSegments(files);
    const rows = curatedRowsFromSegments(segments);
    const lesson = rows.jmdi_lesson![7]!;
    rows.jmdi_lesson![7] = { ...lesson, row: { ...lesson.row, statement_en: `${lesson.row.statement_en}!` } };

    expect(json(buildBriefing(curatedTablesFromArrow(segments)))).not.toBe(json(buildBriefingFromRows(rows)));
  });
});

// Random curated tables: few ids and countries (so keys collide and links cross files), nulls in
// optional and required columns, duplicates, empty lists and strings, dangling references.
const ISO3 = ['MDA', 'SEN', 'PHL', 'ECU', 'MAR'] as const;
const maybe = <T>(arbitrary: fc.Arbitrary<T>) => fc.option(arbitrary, { nil: undefined, freq: 3 });
const provenance = {
  source_doc_id: maybe(fc.constantFrom('DOC-a', 'DOC-b', 'DOC-c')),
  confidence: maybe(fc.constantFrom(...CONFIDENCE)),
  extraction_method: fc.constant('manual'),
  source_locator: fc.constant('x'),
  [LOCATOR_COLUMN]: maybe(fc.constantFrom('line 2', 'line 3', 'row 9', 'sheet!A1')),
};
const subset = <T>(values: readonly T[]) => maybe(fc.subarray([...values]));
const date = fc.constantFrom('2010-05-01', '2011-02-28', '2012-03-04', '2013-12-31', '2014-01-01');

const TABLES: Readonly<Record<string, fc.Arbitrary<Record<string, unknown>>>> = {
  pilot: fc.record({
    pilot_id: maybe(fc.constantFrom('MM-MDA-P1', 'MM-SEN-P1', 'MM-SEN-P2', 'MM-XXX-P1')),
    iso3: maybe(fc.constantFrom(...ISO3)),
    phase: maybe(fc.constantFrom('P1_2011_2013', 'P2_2014_2018')),
    lead_gov_name: maybe(fc.constantFrom('Ministry', 'Bureau')),
    un_lead_org_ids: maybe(fc.array(fc.constantFrom('UNDP', 'IOM'), { maxLength: 2 })),
    start_date: maybe(date),
    ...provenance,
  }),
  pilot_status: fc.record({
    status_id: maybe(fc.constantFrom('MM-MDA-P1-S01', 'MM-MDA-P1-S02', 'MM-SEN-P1-S01')),
    pilot_id: maybe(fc.constantFrom('MM-MDA-P1', 'MM-SEN-P1', 'MM-PHL-P1')),
    seq: maybe(fc.integer({ min: 1, max: 3 })),
    participation_status: maybe(fc.constantFrom('candidate', 'active')),
    listing: maybe(fc.constantFrom('listed', 'not_listed')),
    status_date: maybe(date),
    period: maybe(fc.constant('2011-2013')),
    statement_en: fc.constantFrom('Listed', 'Not listed'),
    ...provenance,
  }),
  pilot_milestone: fc.record({
    milestone_id: maybe(fc.constantFrom('MM-MDA-P1-M01', 'MM-MDA-P1-M02', 'MM-SEN-P1-M01')),
    pilot_id: maybe(fc.constantFrom('MM-MDA-P1', 'MM-SEN-P1', 'MM-PHL-P1')),
    milestone_type: maybe(fc.constantFrom(...MILESTONE_TYPE)),
    status: maybe(fc.constantFrom(...MILESTONE_STATUS)),
    date_achieved: maybe(date),
    date_planned: maybe(date),
    description_en: fc.constant('A step'),
    ...provenance,
  }),
  event: fc.record({
    event_id: maybe(fc.constantFrom('EV-20120101-a', 'EV-20120101-b', 'EV-20100101-c')),
    title: fc.constantFrom('Meeting', 'Réunion'),
    start_date: maybe(date),
    iso3: maybe(fc.constantFrom(...ISO3)),
    country_iso3s: maybe(fc.array(fc.constantFrom(...ISO3), { maxLength: 3 })),
    extracted_at: maybe(fc.constant('2013-01-05T12:00:00.000Z')),
    ...provenance,
  }),
  source_document: fc.record({
    doc_id: maybe(fc.constantFrom('DOC-a', 'DOC-b', 'DOC-z')),
    title: maybe(fc.constantFrom('A report', '')),
    doc_type: maybe(fc.constantFrom('pilot_report', 'dataset')),
    illustrative: maybe(fc.boolean()),
    licence: maybe(fc.constantFrom('CC-BY-4.0', '')),
  }),
  observation: fc.record({
    indicator_id: maybe(fc.constantFrom('IMM_STOCK', 'BILAT_STOCK', 'OTHER')),
    ref_area_iso3: maybe(fc.constantFrom(...ISO3)),
    counterpart_iso3: maybe(fc.constantFrom(...ISO3)),
    sex: maybe(fc.constantFrom(...SEX)),
    time_period: fc.constantFrom('2010', '2013'),
    value: maybe(
      fc.oneof(fc.integer({ min: 1, max: 1_000_000 }), fc.double({ min: -10, max: 10, noNaN: true })),
    ),
    unit: fc.constant('persons'),
    source: fc.constantFrom(...OBSERVATION_SOURCE),
    dataset_revision: fc.constantFrom('r1', 'r2'),
    ...provenance,
  }),
  jmdi_project: fc.record({
    project_id: maybe(fc.constantFrom('JMDI1-A', 'JMDI1-B', 'JMDI1-C', 'JMDI1-D')),
    title_en: maybe(fc.constantFrom('Diaspora', 'Remittances')),
    title_fr: maybe(fc.constant('Diaspora')),
    target_country_iso3: maybe(fc.constantFrom(...ISO3)),
    theme_primary: maybe(fc.constantFrom(...THEME_JMDI)),
    hld_rt: subset(THEME_HLD_RT),
    selection_status: maybe(fc.constantFrom(...SELECTION_STATUS)),
    total_budget_amount: maybe(fc.double({ min: 0, max: 1e6, noNaN: true })),
    total_budget_currency: maybe(fc.constantFrom('EUR', 'USD')),
    partner_countries_iso3: maybe(fc.array(fc.constantFrom(...ISO3), { maxLength: 3 })),
    ...provenance,
  }),
  jmdi_lesson: fc.record({
    lesson_id: maybe(fc.constantFrom('LES-1', 'LES-2', 'LES-3', 'LES-4', 'LES-5')),
    project_id: maybe(fc.constantFrom('JMDI1-A', 'JMDI1-B', 'JMDI1-X')),
    statement_en: fc.constantFrom('Works', 'Fails'),
    theme: maybe(fc.constantFrom(...THEME_JMDI)),
    hld_rt: subset(THEME_HLD_RT),
    good_practice: maybe(fc.boolean()),
    evidence_strength: maybe(fc.constantFrom(...EVIDENCE_STRENGTH)),
    condition_tags: maybe(fc.array(fc.constantFrom(...CONDITION_TAG.slice(0, 3)), { maxLength: 3 })),
    iso3: maybe(fc.constantFrom(...ISO3)),
    ...provenance,
  }),
  survey_respondent: fc.record({
    respondent_id: maybe(fc.constantFrom('S:1', 'S:2', 'S:3')),
    iso3: maybe(fc.constantFrom(...ISO3)),
    ...provenance,
  }),
  survey_response: fc.record({
    respondent_id: maybe(fc.constantFrom('S:1', 'S:2', 'S:4')),
    question_name: maybe(
      fc.constantFrom(
        'support_requested',
        'capacity/labour_migration',
        'demand/labour_migration',
        'demand/remittances_finance',
        'capacity/elsewhere',
        'comments',
      ),
    ),
    seq: fc.constant(0),
    value_raw: fc.constant('x'),
    value_code: maybe(fc.constantFrom('', 'yes', 'no', 'partial', 'high', 'low', 'training', 'funding')),
    is_other: fc.constant(false),
    ...provenance,
  }),
};

/** Each table's rows cut into two files (two segments with their own lineage), in the loader's order. */
const curatedFiles = fc
  .record(
    Object.fromEntries(
      Object.entries(TABLES).map(([table, row]) => [
        table,
        fc.record({ rows: fc.array(row, { maxLength: 12 }), cut: fc.nat({ max: 12 }) }),
      ]),
    ),
  )
  .map((tables) => tables as Record<string, { rows: Record<string, unknown>[]; cut: number }>);

async function segmentsOf(
  tables: Record<string, { rows: Record<string, unknown>[]; cut: number }>,
  batchSize: number,
): Promise<CuratedSegment[]> {
  const segments: CuratedSegment[] = [];
  for (const [file, sha] of [
    [0, 'a'.repeat(64)],
    [1, 'b'.repeat(64)],
  ] as const) {
    for (const [table, { rows, cut }] of Object.entries(tables)) {
      const part = file === 0 ? rows.slice(0, cut) : rows.slice(cut);
      if (file === 1 && part.length === 0) continue;
      segments.push({
        table,
        arrow: await arrowOf(table, part, batchSize),
        file_sha256: sha,
        raw_key: file === 0 ? `raw/x/${sha}/one.csv` : '',
        ...(file === 0 ? { doc_id: 'DOC-file-a' } : {}),
      });
    }
  }
  return segments;
}

describe('buildBriefing (columnar) on random curated tables', () => {
  it('gives the same items as the reference: nulls, duplicate ids, links across files, several batches', async () => {
    await fc.assert(
      fc.asyncProperty(curatedFiles, fc.constantFrom(2, 5, 65_536), async (tables, batchSize) => {
        const segments = await segmentsOf(tables, batchSize);

        const { columnar, released, streamed, reference } = bothBuilders(segments);

        expect(columnar).toBe(reference);
        expect(released).toBe(reference);
        expect(streamed).toBe(reference);
      }),
      { numRuns: 100 },
    );
  }, 90_000);

  it('gives the same items as the reference for the same tables as row objects', async () => {
    await fc.assert(
      fc.asyncProperty(curatedFiles, async (tables) => {
        const rows = curatedRowsFromSegments(await segmentsOf(tables, 65_536));

        expect(json(buildBriefing(rows))).toBe(json(buildBriefingFromRows(rows)));
      }),
      { numRuns: 60 },
    );
  }, 90_000);
});

describe('CuratedTableSet.release', () => {
  it('keeps what was read and refuses, by name, a column read after the file bytes were let go', async () => {
    const files = await generateCuratedSet({
      countries: 5,
      projects: 50,
      lessons: 50,
      respondents: 5,
      seed: 3,
    });
    const set = curatedTablesFromArrow(curatedSegments(files));
    const project = set.table('jmdi_project');
    const titles = Array.from(
      { length: project.length },
      (_, row) => project.row(row, ['title_en']).title_en,
    );

    set.release({ jmdi_project: { columns: ['title_en'] } });

    expect(
      Array.from({ length: project.length }, (_, row) => project.row(row, ['title_en']).title_en),
    ).toEqual(titles);
    expect(() => project.column('title_fr')).toThrow(CuratedTableReleasedError);
    expect(() => project.codes('theme_primary')).toThrow(/jmdi_project: column 'theme_primary' was not read/);
    expect(set.table('jmdi_lesson').row(0, ['lesson_id']).lesson_id).toEqual(expect.any(String));
  });
});

describe('CuratedTableLoader', () => {
  it('reads a large table file by file, keeping what the builder reads and refusing, by name, any other column', async () => {
    const files = await generateCuratedSet({
      countries: 5,
      projects: 50,
      lessons: 50,
      respondents: 5,
      seed: 3,
    });
    const segments = curatedSegments(files);
    const whole = curatedTablesFromArrow(segments).table('jmdi_project');
    const loader = briefingTableLoader();

    for (const segment of segments) loader.add(segment);
    const project = loader.finish().table('jmdi_project');

    const titles = (table: typeof project) =>
      Array.from({ length: table.length }, (_, row) => table.row(row, ['title_en', 'hld_rt']));
    expect(project.length).toBe(whole.length);
    expect(titles(project)).toEqual(titles(whole));
    expect(project.refs().locators.text(project.length - 1)).toBe(
      whole.refs().locators.text(whole.length - 1),
    );
    expect(() => project.column('description_en')).toThrow(CuratedTableReleasedError);
    expect(() => project.codes('activity_status')).toThrow(
      /jmdi_project: column 'activity_status' was not read/,
    );
  });
});

describe('CuratedTableLoader on files of one table stored differently', () => {
  it('refuses, naming the table, column and file, a column a later file stores as another type', async () => {
    const [first] = curatedSegments(
      await generateCuratedSet({ countries: 3, projects: 10, lessons: 10, respondents: 2, seed: 5 }),
    ).filter((segment) => segment.table === 'jmdi_project');
    const loader = briefingTableLoader();
    loader.add(first!);

    const other = {
      ...first!,
      file_sha256: 'f'.repeat(64),
      arrow: tableFromArrays({ title_en: Int32Array.of(1) }),
    };

    expect(() => loader.add(other)).toThrow(CuratedColumnKindError);
    expect(() => loader.add(other)).toThrow(
      /jmdi_project: column 'title_en' of file ffffffffffff is stored as Int32/,
    );
  });
});
