import { createHash } from 'node:crypto';
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { contractId } from '#contracts/contract.ts';
import { LOCATOR_COLUMN } from '#contracts/curated-columns.ts';
import { contractForTable } from '#contracts/registry.ts';
import {
  CAPACITY_AREA,
  CONDITION_TAG,
  DEMAND_LEVEL,
  DOC_TYPE,
  EVENT_TYPE,
  EVIDENCE_STRENGTH,
  EVIDENCE_TYPE,
  HAS_CAPACITY,
  LESSON_QUESTION,
  MILESTONE_STATUS,
  MILESTONE_TYPE,
  PARTICIPATION_STATUS,
  PRACTICE_TYPE,
  RESPONDENT_ROLE,
  SELECTION_STATUS,
  SUPPORT_TYPE,
  THEME_HLD_RT,
  THEME_JMDI,
} from '#contracts/vocabularies.ts';
import { readArrowTable } from '#packages/arrow/read.ts';
import { ArrowTableWriter } from '#packages/arrow/table-writer.ts';
import type { CuratedSegment } from '#packages/briefing/curated-tables.ts';
import { columnSpecs } from '#packages/contracts/columns.ts';
import { countryReference } from '#packages/formats/countries.ts';
import { random } from './generate.ts';

/**
 * A seeded, realistic set of curated tables for the assemble benchmark: what normalise would
 * have written for a 200-country evidence base (pilots, milestones, events, documents,
 * observations, JMDI projects and lessons, survey respondents and responses), as Arrow IPC
 * files with the contract schemas plus the `_locator` column. The big tables come in two
 * sources each, as they would from a CSV and an IATI file. The same options give the same bytes.
 */

export interface CuratedSetOptions {
  readonly countries: number;
  readonly projects: number;
  readonly lessons: number;
  /** UNCT respondents; each gives about 21 survey_response rows. */
  readonly respondents: number;
  /** @default 2013 */
  readonly seed?: number;
}

/** One curated Arrow file of one source, with the lineage assemble reads from the ledger. */
export interface CuratedSegmentFile {
  readonly sourceName: string;
  readonly sha256: string;
  readonly rawKey: string;
  readonly docId: string;
  readonly table: string;
  readonly bytes: Uint8Array;
}

type Row = Record<string, unknown>;

const OBSERVATION_SERIES = [
  { indicator_id: 'IMM_STOCK', unit: 'persons', source: 'UNDESA_IMS', dataset_revision: 'Rev.2013' },
  { indicator_id: 'IMM_STOCK', unit: 'persons', source: 'WB_KNOMAD_BILAT', dataset_revision: 'KNOMAD-2013' },
  { indicator_id: 'EMIG_STOCK', unit: 'persons', source: 'UNDESA_IMS', dataset_revision: 'Rev.2013' },
  { indicator_id: 'REMIT_IN_USD', unit: 'USD', source: 'WB_WDI', dataset_revision: 'WDI-2013-04' },
  { indicator_id: 'REMIT_IN_PCT_GDP', unit: 'percent', source: 'WB_WDI', dataset_revision: 'WDI-2013-04' },
] as const;

const SOURCES = {
  pilots: 'pilot/bench-pilots.json',
  reference: 'reference/bench-events-and-sources.json',
  statistics: 'statistics/bench-context-figures.csv',
  lessons: 'stocktaking/bench-jmdi-lessons.csv',
  projectsCsv: 'stocktaking/bench-jmdi-projects.csv',
  projectsIati: 'stocktaking/bench-jmdi-projects.xml',
  surveyA: 'survey/bench-gmg-unct-2011-a.csv',
  surveyB: 'survey/bench-gmg-unct-2011-b.csv',
} as const;

const provenance = (docId: string, locator: string, confidence: string) => ({
  source_doc_id: docId,
  source_locator: locator,
  extraction_method: 'manual',
  confidence,
});

/** Every row of every source, generated in memory (rows, not Arrow yet). */
function generateRows(options: CuratedSetOptions): Map<string, Map<string, Row[]>> {
  const next = random(options.seed ?? 2013);
  const pick = <T>(values: readonly T[]): T => values[Math.floor(next() * values.length)] as T;
  const chance = (p: number) => next() < p;
  const countries = countryReference()
    .rows.map((row) => row.iso3)
    .slice(0, options.countries);
  const day = (year: number) =>
    `${year}-${String(1 + Math.floor(next() * 12)).padStart(2, '0')}-${String(1 + Math.floor(next() * 28)).padStart(2, '0')}`;
  const sources = new Map<string, Map<string, Row[]>>();
  const add = (source: string, table: string, row: Row, locator: string) => {
    const tables = sources.get(source) ?? new Map<string, Row[]>();
    const rows = tables.get(table) ?? [];
    rows.push({ ...row, [LOCATOR_COLUMN]: locator });
    tables.set(table, rows);
    sources.set(source, tables);
  };

  // Documents: one per source plus a report per pilot country.
  const documents = [
    ['DOC-bench-pilots', 'pilot_report'],
    ['DOC-bench-events', 'gfmd_paper'],
    ['DOC-bench-stats', 'dataset'],
    ['DOC-bench-lessons', 'jmdi_stocktaking'],
    ['DOC-bench-projects', 'jmdi_project_profile'],
    ['DOC-bench-iati', 'iati_file'],
    ['DOC-bench-survey', 'survey_export'],
  ];
  countries.forEach((iso3, index) => {
    if (index % 10 === 0) documents.push([`DOC-bench-report-${iso3}`, 'pilot_report']);
  });
  for (const [index, [docId, docType]] of documents.entries()) {
    add(
      SOURCES.reference,
      'source_document',
      {
        doc_id: docId,
        title: `Benchmark document ${index}: ${docType}`,
        doc_type: DOC_TYPE.includes(docType as (typeof DOC_TYPE)[number]) ? docType : 'dataset',
        url: `https://example.org/bench/${docId}`,
        licence: chance(0.5) ? 'CC-BY-4.0' : undefined,
        illustrative: true,
      },
      `source_documents[${index}]`,
    );
  }

  // Pilots (one country in ten) with their milestones.
  let milestoneCount = 0;
  countries.forEach((iso3, index) => {
    if (index % 10 !== 0) return;
    const pilotId = `MM-${iso3}-P1`;
    const docId = chance(0.5) ? `DOC-bench-report-${iso3}` : 'DOC-bench-pilots';
    add(
      SOURCES.pilots,
      'pilot',
      {
        pilot_id: pilotId,
        iso3,
        programme: 'Mainstreaming Migration into National Development Strategies',
        phase: 'P1_2011_2013',
        participation_status: pick(PARTICIPATION_STATUS),
        status_as_of: '2012-12-31',
        start_date: day(2011),
        lead_gov_name: `Ministry of Planning of ${iso3}`,
        un_lead_org_ids: ['UNDP', 'IOM'],
        donor_org_ids: chance(0.5) ? ['SDC'] : undefined,
        national_strategy: chance(0.5) ? `National Development Strategy ${iso3} 2012–2020` : undefined,
        ...provenance(docId, `pilots[${index / 10}]`, pick(['high', 'medium', 'low'])),
      },
      `pilots[${index / 10}]`,
    );
    for (let step = 1; step <= 8; step += 1) {
      const status = pick(MILESTONE_STATUS);
      add(
        SOURCES.pilots,
        'pilot_milestone',
        {
          milestone_id: `${pilotId}-M0${step}`,
          pilot_id: pilotId,
          milestone_type: pick(MILESTONE_TYPE),
          status,
          date_planned: day(2011 + Math.floor(next() * 3)),
          date_achieved: status === 'achieved' ? day(2011 + Math.floor(next() * 3)) : undefined,
          description_en: `Step ${step} of the ${iso3} pilot: consultation, drafting and review.`,
          legal_basis: chance(0.2) ? `Government Decision no. ${100 + step}` : undefined,
          ...provenance(docId, `milestones[${milestoneCount}]`, pick(['high', 'medium'])),
        },
        `milestones[${milestoneCount}]`,
      );
      milestoneCount += 1;
    }
  });

  // Events, 2010–2014 (only 2011–2013 become briefing_event items).
  for (let index = 0; index < Math.max(20, options.countries * 1.5); index += 1) {
    const year = 2010 + Math.floor(next() * 5);
    const start = day(year);
    add(
      SOURCES.reference,
      'event',
      {
        event_id: `EV-${start.replaceAll('-', '')}-bench-${index}`,
        title: `Benchmark meeting ${index}`,
        event_type: pick(EVENT_TYPE),
        start_date: start,
        date_precision: 'day',
        iso3: chance(0.8) ? pick(countries) : undefined,
        country_iso3s: chance(0.5) ? [pick(countries), pick(countries)] : undefined,
        hld_rt: chance(0.5) ? [pick(THEME_HLD_RT)] : undefined,
        ...provenance('DOC-bench-events', `events[${index}]`, 'high'),
      },
      `events[${index}]`,
    );
  }

  // Context figures: five series × four years per country, some bilateral and by-sex rows.
  let observation = 0;
  for (const iso3 of countries) {
    for (const series of OBSERVATION_SERIES) {
      const level = 1_000 + next() * 1_000_000;
      for (let year = 2010; year <= 2013; year += 1) {
        observation += 1;
        add(
          SOURCES.statistics,
          'observation',
          {
            ...series,
            ref_area_iso3: iso3,
            time_period: String(year),
            value: chance(0.05) ? undefined : Math.round(level * (0.6 + next() * 0.8)),
            obs_status: 'A',
            ...provenance('DOC-bench-stats', `line ${observation + 1}`, 'high'),
          },
          `line ${observation + 1}`,
        );
      }
    }
    for (let extra = 0; extra < 3; extra += 1) {
      observation += 1;
      add(
        SOURCES.statistics,
        'observation',
        {
          indicator_id: extra === 0 ? 'IMM_STOCK' : 'BILAT_STOCK',
          ref_area_iso3: iso3,
          counterpart_iso3: extra === 0 ? undefined : pick(countries),
          sex: extra === 0 ? 'F' : undefined,
          time_period: '2013',
          value: Math.round(next() * 100_000),
          unit: 'persons',
          source: 'UNDESA_IMS',
          dataset_revision: 'Rev.2013',
          ...provenance('DOC-bench-stats', `line ${observation + 1}`, 'high'),
        },
        `line ${observation + 1}`,
      );
    }
  }

  // JMDI projects: the first half from a CSV, the rest from an IATI file.
  const targets: string[] = [];
  const themes: string[] = [];
  for (let index = 0; index < options.projects; index += 1) {
    const iati = index >= options.projects / 2;
    const target = pick(countries);
    const theme = pick(THEME_JMDI);
    targets.push(target);
    themes.push(theme);
    const currency = chance(0.9) ? 'EUR' : chance(0.5) ? 'USD' : undefined;
    const locator = iati ? `iati-activity[${index}]` : `line ${index + 2}`;
    add(
      iati ? SOURCES.projectsIati : SOURCES.projectsCsv,
      'jmdi_project',
      {
        project_id: `JMDI1-B${index.toString(36).toUpperCase()}`,
        title_en: chance(0.9) ? `Project ${index}: diaspora engagement in ${target}` : undefined,
        title_fr: `Projet ${index}`,
        target_country_iso3: target,
        theme_primary: theme,
        themes_secondary: chance(0.3) ? [pick(THEME_JMDI)] : undefined,
        hld_rt: chance(0.5) ? [...new Set([pick(THEME_HLD_RT), pick(THEME_HLD_RT)])] : undefined,
        selection_status: pick(SELECTION_STATUS),
        start_planned: day(2009 + Math.floor(next() * 3)),
        duration_months: 6 + Math.floor(next() * 30),
        total_budget_amount: chance(0.95) ? Math.round((50_000 + next() * 250_000) * 100) / 100 : undefined,
        total_budget_currency: currency,
        partner_countries_iso3: chance(0.7)
          ? Array.from({ length: 1 + Math.floor(next() * 2) }, () => pick(countries))
          : undefined,
        ...provenance(
          iati ? 'DOC-bench-iati' : 'DOC-bench-projects',
          locator,
          pick(['high', 'medium', 'low']),
        ),
      },
      locator,
    );
  }

  // JMDI lessons: most name a project, a few name one that is not there (a broken link).
  for (let index = 0; index < options.lessons; index += 1) {
    const project = Math.floor(next() * options.projects);
    const link = next();
    const projectId =
      link < 0.95
        ? `JMDI1-B${project.toString(36).toUpperCase()}`
        : link < 0.96
          ? `JMDI1-MISSING-${index}`
          : undefined;
    add(
      SOURCES.lessons,
      'jmdi_lesson',
      {
        lesson_id: `LES-B${index.toString(36).toUpperCase()}`,
        project_id: projectId,
        question: pick(LESSON_QUESTION),
        statement_en: `Lesson ${index}: local ownership and diaspora partnerships sustain results.`,
        practice_type: chance(0.7) ? pick(PRACTICE_TYPE) : undefined,
        condition_tags: chance(0.8)
          ? [...new Set(Array.from({ length: 1 + Math.floor(next() * 3) }, () => pick(CONDITION_TAG)))]
          : undefined,
        theme: projectId && link < 0.95 && chance(0.8) ? themes[project] : pick(THEME_JMDI),
        hld_rt: chance(0.3) ? [pick(THEME_HLD_RT)] : undefined,
        evidence_type: pick(EVIDENCE_TYPE),
        evidence_strength: pick(EVIDENCE_STRENGTH),
        good_practice: chance(0.4),
        iso3: chance(0.3) ? (chance(0.7) && projectId ? targets[project] : pick(countries)) : undefined,
        ...provenance('DOC-bench-lessons', `line ${index + 2}`, pick(['high', 'medium', 'low'])),
      },
      `line ${index + 2}`,
    );
  }

  // Survey: respondents (one UNCT each) and their tidy answers, in two exports.
  const capacityQuestions = CAPACITY_AREA.slice(0, 6);
  for (let index = 0; index < options.respondents; index += 1) {
    const source = index < options.respondents / 2 ? SOURCES.surveyA : SOURCES.surveyB;
    const iso3 = pick(countries);
    const respondentId = `GMG-UNCT-2011:bench-${index.toString(36)}`;
    const row = `row ${index + 2}`;
    add(
      source,
      'survey_respondent',
      {
        respondent_id: respondentId,
        survey_id: 'GMG-UNCT-2011',
        unct_id: `UNCT-${iso3}`,
        iso3,
        respondent_role: pick(RESPONDENT_ROLE),
        source_row_ref: row,
        ...provenance('DOC-bench-survey', row, 'high'),
      },
      row,
    );
    let seqLocator = 0;
    const answer = (question: string, seq: number, code: string | undefined, raw = code ?? '') => {
      seqLocator += 1;
      add(
        source,
        'survey_response',
        {
          respondent_id: respondentId,
          question_name: question,
          seq,
          value_raw: raw,
          value_code: code,
          is_other: false,
          ...provenance('DOC-bench-survey', `${row} ${question}`, 'high'),
        },
        `${row} col ${seqLocator}`,
      );
    };
    answer('unct_country', 0, iso3);
    answer('respondent_role', 0, pick(RESPONDENT_ROLE));
    answer('agency', 0, pick(['UNDP', 'IOM', 'ILO', 'UNFPA']));
    for (const area of capacityQuestions) answer(`capacity/${area}`, 0, pick(HAS_CAPACITY));
    for (const area of capacityQuestions) answer(`demand/${area}`, 0, pick(DEMAND_LEVEL));
    const support = SUPPORT_TYPE.filter(() => chance(0.35));
    for (const [seq, type] of (support.length > 0 ? support : [pick(SUPPORT_TYPE)]).entries())
      answer('support_requested', seq, type);
    answer('migration_focal_point', 0, pick(['yes', 'no']));
    answer('joint_programmes_n', 0, undefined, String(Math.floor(next() * 12)));
    answer('comments', 0, undefined, 'Support needed for data collection, and for coordination');
  }
  return sources;
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/** The curated Arrow files of a generated evidence base, in the order assemble reads them. */
export async function generateCuratedSet(options: CuratedSetOptions): Promise<CuratedSegmentFile[]> {
  const sources = generateRows(options);
  const segments: CuratedSegmentFile[] = [];
  for (const sourceName of [...sources.keys()].sort((a, b) => a.localeCompare(b))) {
    const sha = sha256(`${sourceName}|${JSON.stringify(options)}`);
    const kind = sourceName.split('/')[0]!;
    const tables = sources.get(sourceName)!;
    for (const table of [...tables.keys()].sort((a, b) => a.localeCompare(b))) {
      const contract = contractForTable(table);
      const writer = new ArrowTableWriter(
        [...columnSpecs(contract), { name: LOCATOR_COLUMN, type: { kind: 'utf8' }, required: true }],
        { metadata: { 'hld:contract': contractId(contract), 'hld:source_sha256': sha } },
      );
      for (const row of tables.get(table)!) writer.append(row);
      segments.push({
        sourceName,
        sha256: sha,
        rawKey: `raw/${kind}/${sha}/${sourceName.split('/').pop()}`,
        docId: `DOC-${sha.slice(0, 12)}`,
        table,
        bytes: await writer.finish(),
      });
    }
  }
  return segments;
}

interface ManifestEntry extends Omit<CuratedSegmentFile, 'bytes'> {
  readonly file: string;
}

/** Generated once per options under `dir` (gitignored bench/.data), then read back. */
export async function curatedSetOnDisk(
  dir: string,
  options: CuratedSetOptions,
): Promise<CuratedSegmentFile[]> {
  const manifestPath = join(dir, 'manifest.json');
  try {
    await stat(manifestPath);
  } catch {
    const segments = await generateCuratedSet(options);
    await mkdir(dir, { recursive: true });
    const manifest: ManifestEntry[] = [];
    for (const [index, { bytes, ...segment }] of segments.entries()) {
      const file = `${String(index).padStart(2, '0')}-${segment.table}.arrow`;
      await writeFile(join(dir, file), bytes);
      manifest.push({ ...segment, file });
    }
    await writeFile(manifestPath, JSON.stringify({ options, segments: manifest }, null, 2));
  }
  return readCuratedSet(dir);
}

/** The curated Arrow files listed in `dir`/manifest.json (bytes read, nothing parsed). */
export async function readCuratedSet(dir: string): Promise<CuratedSegmentFile[]> {
  const { segments } = JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8')) as {
    segments: ManifestEntry[];
  };
  return Promise.all(
    segments.map(async ({ file, ...segment }) => ({ ...segment, bytes: await readFile(join(dir, file)) })),
  );
}

/** The files as assemble holds them: each mapped as an Arrow table (zero-copy), with its lineage. */
export function curatedSegments(files: readonly CuratedSegmentFile[]): CuratedSegment[] {
  return files.map((file) => ({
    table: file.table,
    arrow: readArrowTable(file.bytes),
    file_sha256: file.sha256,
    raw_key: file.rawKey,
    doc_id: file.docId,
  }));
}
