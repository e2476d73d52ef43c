import { tableFromIPC } from 'apache-arrow';
import type ExcelJS from 'exceljs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MILESTONE_STATUS, MILESTONE_TYPE, PILOT_PHASE } from '#contracts/vocabularies.ts';
import type { Problem } from '#packages/contracts/problems.ts';
import { emptySummary, validateRows } from '#packages/contracts/validate.ts';
import { readContractCsv } from '#packages/formats/csv.ts';
import { readIatiXml } from '#packages/formats/iati.ts';
import { readContractJson, readContractNdjson } from '#packages/formats/json.ts';
import { defaultSurveyCodebook, readKoboCsv } from '#packages/formats/kobo.ts';
import type { SourceReadResult, SourceRow } from '#packages/formats/reader.ts';
import { readSdmxCsv, readUndesaXlsx, readWdiCsv } from '#packages/formats/statistics.ts';
import { readContractXlsx } from '#packages/formats/xlsx.ts';
import { LOCATOR_COLUMN } from '#packages/pipeline/normalise.ts';
import {
  columnName,
  FIRST_DATA_ROW,
  undesa2019Workbook,
} from '../../fixtures/formats/undesa/undesa-2019-workbook.ts';
import { propertyRuns } from '../contracts/property-runs.ts';
import { csvText } from '../csv-engine/csv-text.ts';
import { expectSameAsReference } from '../csv-engine/reference.ts';
import { koboAnswer } from './kobo-answers.ts';
import { collectRows, readerInput } from './reader-input.ts';
import { workbookBytes } from './workbook.ts';

/**
 * Exact attribution, as a property of every reader: generate a valid file, corrupt one cell or
 * element, and the rows quarantined are exactly the rows read from the corrupted record plus the
 * rows that depend on them by key — never a neighbour — and every quarantined row has a problem
 * naming its own locator. The valid file itself quarantines nothing.
 */

interface Outcome {
  readonly rows: readonly SourceRow[];
  /** Locators of the rows the validator did not yield (one entry per row). */
  readonly quarantined: readonly string[];
  readonly problems: readonly Problem[];
}

/** Rules of notices about the file: they never quarantine a row. */
const NOTICE_RULES = new Set(['ignored-columns', 'hidden-sheet', 'area-excluded', 'block-skipped']);

async function validated(read: SourceReadResult, fileName: string): Promise<Outcome> {
  const rows = await collectRows(read);
  const summary = emptySummary();
  const accepted: string[] = [];
  for await (const row of validateRows({ ...read, rows }, fileName, summary)) accepted.push(row.locator);
  const remaining = [...rows.map((row) => row.locator)];
  for (const locator of accepted) remaining.splice(remaining.indexOf(locator), 1);
  expect(summary.rowsQuarantined).toBe(remaining.length);
  return { rows, quarantined: remaining, problems: summary.problems };
}

/** The quarantined rows are exactly those `expected` selects, and each has a problem of its own. */
function expectExactlyQuarantined(outcome: Outcome, expected: (locator: string) => boolean): void {
  const wanted = outcome.rows.map((row) => row.locator).filter(expected);
  expect(wanted.length, 'the corrupted record gave at least one row').toBeGreaterThan(0);
  expect([...outcome.quarantined].sort()).toEqual([...wanted].sort());
  for (const locator of new Set(outcome.quarantined)) {
    expect(
      outcome.problems.some((problem) => problem.locator === locator && !NOTICE_RULES.has(problem.rule)),
      `a problem names ${locator}`,
    ).toBe(true);
  }
}

function expectNothingQuarantined(outcome: Outcome): void {
  expect(outcome.quarantined, JSON.stringify(outcome.problems.slice(0, 3))).toEqual([]);
}

const under = (locator: string) => (candidate: string) =>
  candidate === locator || candidate.startsWith(`${locator}/`) || candidate.startsWith(`${locator} column `);

/** A real date of the years given, written YYYY-MM-DD. */
const dateIn = (from: number, to: number) =>
  fc
    .date({ min: new Date(Date.UTC(from, 0, 1)), max: new Date(Date.UTC(to, 11, 31)), noInvalidDate: true })
    .map((date) => date.toISOString().slice(0, 10));

/** Free text with the characters that make CSV hard (quotes, line breaks, accents), never blank. */
const freeText = fc
  .string({
    unit: fc.constantFrom('a', 'Z', ' ', '"', '\n', 'é', '😀', '-', '.', 'x'),
    minLength: 1,
    maxLength: 20,
  })
  .map((text) => `T${text}`);

// ---- pilots and milestones: CSV, fast path, JSON, NDJSON, XLSX ----------------------------------

const PILOT_COUNTRIES = ['MDA', 'JAM', 'BGD', 'MLI', 'TUN'] as const;

interface PilotModel {
  readonly pilots: Record<string, string | number>[];
  readonly milestones: Record<string, string | number>[];
}

const provenance = {
  source_doc_id: 'DOC-x',
  source_locator: 'p.1',
  extraction_method: 'manual',
  confidence: 'high',
};

const pilotModel: fc.Arbitrary<PilotModel> = fc
  .record({
    countries: fc.shuffledSubarray([...PILOT_COUNTRIES], { minLength: 1, maxLength: 3 }),
    milestones: fc.array(
      fc.record({
        pilot: fc.nat(2),
        type: fc.constantFrom(...MILESTONE_TYPE),
        status: fc.constantFrom(...MILESTONE_STATUS),
        date: fc.option(dateIn(1995, 2025), { nil: undefined }),
        description: freeText,
      }),
      { minLength: 1, maxLength: 6 },
    ),
    phase: fc.constantFrom(...PILOT_PHASE),
    budget: fc.integer({ min: 0, max: 2_000_000 }),
  })
  .map(({ countries, milestones, phase, budget }) => ({
    pilots: countries.map((iso3) => ({
      pilot_id: `MM-${iso3}-P1`,
      iso3,
      programme: 'Mainstreaming Migration into National Development Strategies',
      phase,
      participation_status: 'active',
      status_as_of: '2012-02-09',
      budget_amount: budget,
      ...provenance,
    })),
    milestones: milestones.map((milestone, index) => ({
      milestone_id: `MM-${countries[milestone.pilot % countries.length]}-P1-M${String(index + 10)}`,
      pilot_id: `MM-${countries[milestone.pilot % countries.length]}-P1`,
      milestone_type: milestone.type,
      status: milestone.status,
      ...(milestone.date ? { date_achieved: milestone.date } : {}),
      description_en: milestone.description,
      ...provenance,
    })),
  }));

/**
 * Structural corruptions, each in the formats that can carry it: a row with one cell too many
 * (CSV), an element that is not a row object (JSON), a formula cell never calculated (XLSX).
 */
const STRUCTURAL = '*';
type Structural = 'ragged' | 'not-an-object' | 'formula';

/** One corruption of a record: a field and the value put there (or a structural one). */
const PILOT_CORRUPTIONS: readonly [string, string | number][] = [
  ['phase', 'P9'],
  ['status_as_of', '1899-12-31'],
  ['iso3', 'XXX'],
  ['budget_amount', -5],
  [STRUCTURAL, 'not-an-object'],
  [STRUCTURAL, 'formula'],
];
const MILESTONE_CORRUPTIONS: readonly [string, string][] = [
  [STRUCTURAL, 'ragged'],
  [STRUCTURAL, 'not-an-object'],
  [STRUCTURAL, 'formula'],
  ['milestone_type', 'bogus_type'],
  ['status', 'finished?'],
  ['date_achieved', '2099-01-01'],
  ['date_achieved', '2011-13-01'],
  ['milestone_id', 'M-1'],
  ['description_en', '   '],
];

const pilotCase = pilotModel.chain((model) =>
  fc.record({
    model: fc.constant(model),
    corruption: fc.oneof(
      fc.record({
        table: fc.constant('pilot' as const),
        index: fc.nat(model.pilots.length - 1),
        change: fc.constantFrom(...PILOT_CORRUPTIONS),
      }),
      fc.record({
        table: fc.constant('pilot_milestone' as const),
        index: fc.nat(model.milestones.length - 1),
        change: fc.constantFrom(...MILESTONE_CORRUPTIONS),
      }),
    ),
  }),
);

function corrupted(
  model: PilotModel,
  corruption: { table: string; index: number; change: readonly [string, string | number] },
) {
  const [field, value] = corruption.change;
  // A structural corruption is marked on the row for the format writer (`__structural`).
  const changed = field === STRUCTURAL ? { __structural: value } : { [field]: value };
  const change = (rows: Record<string, string | number>[]) =>
    rows.map((row, index) => (index === corruption.index ? { ...row, ...changed } : row));
  return corruption.table === 'pilot'
    ? { pilots: change(model.pilots), milestones: model.milestones }
    : { pilots: model.pilots, milestones: change(model.milestones) };
}

/** Positions of the rows quarantined by a corruption: the record, and a pilot's milestones. */
function pilotVictims(model: PilotModel, corruption: { table: string; index: number }) {
  if (corruption.table === 'pilot_milestone') return { pilots: [], milestones: [corruption.index] };
  const pilotId = model.pilots[corruption.index]?.pilot_id;
  return {
    pilots: [corruption.index],
    milestones: model.milestones.flatMap((milestone, index) =>
      milestone.pilot_id === pilotId ? [index] : [],
    ),
  };
}

const MILESTONE_COLUMNS = [
  'milestone_id',
  'pilot_id',
  'milestone_type',
  'status',
  'date_achieved',
  'description_en',
  'source_doc_id',
  'source_locator',
  'extraction_method',
  'confidence',
];

/** The structural corruption a case asks for, if any. */
const structural = (corruption: { change: readonly [string, string | number] }): Structural | undefined =>
  corruption.change[0] === STRUCTURAL ? (corruption.change[1] as Structural) : undefined;

/** The cases a format can write: cell corruptions and the structural ones it carries. */
const casesFor = (formats: readonly Structural[], table?: string) =>
  pilotCase.filter(({ corruption }) => {
    const kind = structural(corruption);
    return (
      (table === undefined || corruption.table === table) && (kind === undefined || formats.includes(kind))
    );
  });

function milestoneCsv(
  milestones: Record<string, string | number>[],
  order: readonly string[],
  options: { delimiter: string; quoteAll: boolean; newline: string },
) {
  return csvText(
    [
      order,
      ...milestones.map((row) => [
        ...order.map((field) => String(row[field] ?? '')),
        ...(row.__structural === 'ragged' ? ['one cell too many'] : []),
      ]),
    ],
    options,
  );
}

const csvLayout = fc.record({
  order: fc.shuffledSubarray(MILESTONE_COLUMNS, { minLength: MILESTONE_COLUMNS.length }),
  delimiter: fc.constantFrom(',', ';', '\t'),
  quoteAll: fc.boolean(),
  newline: fc.constantFrom('\n', '\r\n'),
});

describe('exact attribution, for every reader', () => {
  it('contract CSV: exactly the corrupted row is quarantined', async () => {
    const milestoneCase = casesFor(['ragged'], 'pilot_milestone');
    await fc.assert(
      fc.asyncProperty(milestoneCase, csvLayout, async ({ model, corruption }, layout) => {
        const clean = await validated(
          await readContractCsv(
            readerInput('pilot', 'm.csv', milestoneCsv(model.milestones, layout.order, layout)),
          ),
          'm.csv',
        );
        expectNothingQuarantined(clean);
        const bad = corrupted(model, corruption);
        const outcome = await validated(
          await readContractCsv(
            readerInput('pilot', 'm.csv', milestoneCsv(bad.milestones, layout.order, layout)),
          ),
          'm.csv',
        );
        const locator = clean.rows[corruption.index]?.locator ?? '';
        expectExactlyQuarantined(outcome, (candidate) => candidate === locator);
      }),
      propertyRuns('attribution: contract CSV', 40),
    );
  });

  it('CSV fast path: exactly the corrupted row is quarantined, as on the reference path', async () => {
    const milestoneCase = casesFor([], 'pilot_milestone');
    await fc.assert(
      fc.asyncProperty(milestoneCase, csvLayout, async ({ model, corruption }, layout) => {
        const bad = corrupted(model, corruption);
        const text = milestoneCsv(bad.milestones, layout.order, layout);
        const fast = await expectSameAsReference(Buffer.from(text), { fileName: 'm.csv', kind: 'pilot' });
        const locators = (await collectRows(await readContractCsv(readerInput('pilot', 'm.csv', text)))).map(
          (row) => row.locator,
        );
        const accepted = fast?.ipc ? tableFromIPC(fast.ipc).getChild(LOCATOR_COLUMN)?.toArray() : [];
        const quarantined = locators.filter((locator) => !(accepted as string[]).includes(locator));
        expect(quarantined).toEqual([locators[corruption.index]]);
        expect(fast?.summary.problems.some((problem) => problem.locator === quarantined[0])).toBe(true);
      }),
      propertyRuns('attribution: CSV fast path', 30),
    );
  });

  it('JSON: the corrupted row, and for a pilot the milestones that depend on it', async () => {
    await fc.assert(
      fc.asyncProperty(casesFor(['not-an-object']), async ({ model, corruption }) => {
        const element = (row: Record<string, string | number>) => (row.__structural ? 42 : row);
        const json = (m: PilotModel) =>
          JSON.stringify({ pilot: m.pilots.map(element), pilot_milestone: m.milestones.map(element) });
        expectNothingQuarantined(
          await validated(await readContractJson(readerInput('pilot', 'p.json', json(model))), 'p.json'),
        );
        const outcome = await validated(
          await readContractJson(readerInput('pilot', 'p.json', json(corrupted(model, corruption)))),
          'p.json',
        );
        const victims = pilotVictims(model, corruption);
        const expected = new Set([
          ...victims.pilots.map((index) => `$.pilot[${index}]`),
          ...victims.milestones.map((index) => `$.pilot_milestone[${index}]`),
        ]);
        expectExactlyQuarantined(outcome, (locator) => expected.has(locator));
      }),
      propertyRuns('attribution: JSON', 40),
    );
  });

  it('NDJSON: the corrupted line, and for a pilot the lines of its milestones', async () => {
    // A pilot that is not an object cannot be told from any other garbage line (its milestones'
    // reference is then checked at assemble); a milestone that is not one is its own line only.
    const cases = casesFor(['not-an-object']).filter(
      ({ corruption }) => corruption.table === 'pilot_milestone' || structural(corruption) === undefined,
    );
    await fc.assert(
      fc.asyncProperty(cases, fc.boolean(), async ({ model, corruption }, milestonesFirst) => {
        const ndjson = (m: PilotModel) => {
          const rows = milestonesFirst ? [...m.milestones, ...m.pilots] : [...m.pilots, ...m.milestones];
          return rows.map((row) => JSON.stringify(row.__structural ? 42 : row)).join('\n');
        };
        expectNothingQuarantined(
          await validated(await readContractNdjson(readerInput('pilot', 'p.ndjson', ndjson(model))), 'p'),
        );
        const outcome = await validated(
          await readContractNdjson(readerInput('pilot', 'p.ndjson', ndjson(corrupted(model, corruption)))),
          'p',
        );
        const victims = pilotVictims(model, corruption);
        const lineOf = (table: string, index: number) =>
          milestonesFirst
            ? table === 'pilot'
              ? model.milestones.length + index + 1
              : index + 1
            : table === 'pilot'
              ? index + 1
              : model.pilots.length + index + 1;
        const expected = new Set([
          ...victims.pilots.map((index) => `line ${lineOf('pilot', index)}`),
          ...victims.milestones.map((index) => `line ${lineOf('pilot_milestone', index)}`),
        ]);
        expectExactlyQuarantined(outcome, (locator) => expected.has(locator));
      }),
      propertyRuns('attribution: NDJSON', 40),
    );
  });

  it('XLSX: the corrupted row of its sheet, and for a pilot its milestones', async () => {
    const PILOT_COLUMNS = [
      'pilot_id',
      'iso3',
      'programme',
      'phase',
      'participation_status',
      'status_as_of',
      'budget_amount',
      ...Object.keys(provenance),
    ];
    // A formula without a saved result, in place of a required text cell.
    const xlsxCell = (
      row: Record<string, string | number>,
      field: string,
      target: string,
    ): ExcelJS.CellValue =>
      row.__structural === 'formula' && field === target
        ? { formula: 'A1&"x"', date1904: false }
        : (row[field] ?? '');
    const workbook = (m: PilotModel) =>
      workbookBytes([
        {
          name: 'pilot',
          rows: [
            PILOT_COLUMNS,
            ...m.pilots.map((row) => PILOT_COLUMNS.map((field) => xlsxCell(row, field, 'programme'))),
          ],
        },
        {
          name: 'pilot_milestone',
          rows: [
            MILESTONE_COLUMNS,
            ...m.milestones.map((row) =>
              MILESTONE_COLUMNS.map((field) => xlsxCell(row, field, 'description_en')),
            ),
          ],
        },
      ]);
    await fc.assert(
      fc.asyncProperty(casesFor(['formula']), async ({ model, corruption }) => {
        expectNothingQuarantined(
          await validated(await readContractXlsx(readerInput('pilot', 'p.xlsx', await workbook(model))), 'p'),
        );
        const outcome = await validated(
          await readContractXlsx(
            readerInput('pilot', 'p.xlsx', await workbook(corrupted(model, corruption))),
          ),
          'p',
        );
        const victims = pilotVictims(model, corruption);
        const expected = new Set([
          ...victims.pilots.map((index) => `sheet "pilot" row ${index + 2}`),
          ...victims.milestones.map((index) => `sheet "pilot_milestone" row ${index + 2}`),
        ]);
        expectExactlyQuarantined(outcome, (locator) => expected.has(locator));
      }),
      propertyRuns('attribution: XLSX', 12),
    );
  });

  // ---- Kobo / ODK ---------------------------------------------------------------------------------

  it('Kobo/ODK: a bad answer quarantines its own rows; a bad country its submission and every answer of it', async () => {
    const codebook = defaultSurveyCodebook();
    const questions = codebook.questions.filter((question) => question.type !== 'note');
    const answer = (question: (typeof questions)[number]): fc.Arbitrary<string> =>
      question.name === 'unct_country'
        ? fc.constantFrom('Republic of Moldova', 'JAM', 'Bangladesh', 'SEN', 'Philippines')
        : koboAnswer(codebook, question);
    const submission = fc.tuple(...questions.map(answer));
    const header = [...questions.map((question) => question.name), '_uuid', '_submission_time', '_index'];
    const koboCase = fc.array(submission, { minLength: 1, maxLength: 4 }).chain((submissions) =>
      fc.record({
        submissions: fc.constant(submissions),
        index: fc.nat(submissions.length - 1),
        corruption: fc.constantFrom<readonly [string, string, 'cell' | 'submission']>(
          ['capacity/labour_migration', 'maybe', 'cell'],
          ['agency', 'WHO?', 'cell'],
          ['joint_programmes_n', 'lots', 'cell'],
          ['support_requested', 'training maybe', 'cell'],
          ['unct_country', 'Atlantis', 'submission'],
        ),
        delimiter: fc.constantFrom(';', ','),
      }),
    );
    const exportText = (submissions: readonly (readonly string[])[], delimiter: string) =>
      csvText(
        [
          header,
          ...submissions.map((cells, index) => [
            ...cells,
            `0f1e2d3c-0000-4000-8000-00000000000${index}`,
            '2011-11-21T10:14:03',
            String(index + 1),
          ]),
        ],
        { delimiter, quoteAll: delimiter === ';' },
      );
    await fc.assert(
      fc.asyncProperty(koboCase, async ({ submissions, index, corruption, delimiter }) => {
        expectNothingQuarantined(
          await validated(
            await readKoboCsv(readerInput('survey', 'k.csv', exportText(submissions, delimiter))),
            'k',
          ),
        );
        const [question, value, scope] = corruption;
        const column = header.indexOf(question);
        const bad = submissions.map((cells, at) =>
          at === index ? cells.map((cell, c) => (c === column ? value : cell)) : cells,
        );
        const outcome = await validated(
          await readKoboCsv(readerInput('survey', 'k.csv', exportText(bad, delimiter))),
          'k',
        );
        const respondent =
          outcome.rows.filter((row) => row.table === 'survey_respondent')[index]?.locator ?? '';
        expectExactlyQuarantined(
          outcome,
          scope === 'cell' ? (locator) => locator === `${respondent} column ${question}` : under(respondent),
        );
      }),
      propertyRuns('attribution: Kobo/ODK', 30),
    );
  });

  // ---- IATI ---------------------------------------------------------------------------------------

  it('IATI 1.0x and 2.0x: a bad element quarantines its own row, a bad activity its project and everything under it', async () => {
    const activity = fc.record({
      country: fc.constantFrom('MD', 'SN', 'PH', 'EC', 'MA'),
      orgs: fc.integer({ min: 1, max: 3 }),
      results: fc.integer({ min: 0, max: 2 }),
      start: dateIn(2008, 2010),
      end: dateIn(2011, 2013),
    });
    const iatiCase = fc
      .record({ activities: fc.array(activity, { minLength: 1, maxLength: 4 }), v2: fc.boolean() })
      .chain(({ activities, v2 }) =>
        fc.record({
          activities: fc.constant(activities),
          v2: fc.constant(v2),
          target: fc.nat(activities.length - 1),
          corruption: fc.constantFrom('country', 'start-date', 'org-role', 'org-anonymous', 'result-period'),
          pick: fc.nat(10),
        }),
      );
    interface Activity {
      readonly country: string;
      readonly orgs: number;
      readonly results: number;
      readonly start: string;
      readonly end: string;
    }
    const xml = (
      activities: readonly Activity[],
      v2: boolean,
      bad?: { target: number; corruption: string; org: number; result: number },
    ) => {
      const text = (tag: string, value: string, attributes = '') =>
        v2
          ? `<${tag}${attributes}><narrative>${value}</narrative></${tag}>`
          : `<${tag}${attributes}>${value}</${tag}>`;
      const body = activities
        .map((a, k) => {
          const hit = bad?.target === k ? bad : undefined;
          const dateType = (word: string, code: string) => (v2 ? code : word);
          const orgs = Array.from({ length: a.orgs }, (_, j) => {
            const role =
              hit?.corruption === 'org-role' && hit.org === j
                ? 'Banker'
                : v2
                  ? j === 0
                    ? '1'
                    : '4'
                  : j === 0
                    ? 'Funding'
                    : 'Implementing';
            if (hit?.corruption === 'org-anonymous' && hit.org === j)
              return `<participating-org role="${role}" type="21"/>`;
            return text(
              'participating-org',
              `Organisation ${k}-${j}`,
              ` role="${role}" ref="ORG-${k}-${j}" type="21"`,
            );
          }).join('');
          const results = Array.from({ length: a.results }, (_, r) => {
            const periodStart =
              hit?.corruption === 'result-period' && hit.result === r ? '2099-01-01' : a.start;
            return `<result type="1">${text('title', `Result ${r}`)}<indicator measure="1">${text('title', `Indicator ${r}`)}<period><period-start iso-date="${periodStart}"/><period-end iso-date="${a.end}"/><target value="10"/><actual value="8"/></period></indicator></result>`;
          }).join('');
          const start = hit?.corruption === 'start-date' ? '1899-03-01' : a.start;
          const country = hit?.corruption === 'country' ? 'QQ' : a.country;
          const theme = v2
            ? '<tag vocabulary="99" code="communities"/>'
            : '<sector vocabulary="RO" code="communities"/>';
          return `<iati-activity default-currency="EUR" xml:lang="en"><iati-identifier>XM-DAC-41114-PRJ-${k}</iati-identifier>${text('title', `Project ${k}`)}<activity-status code="2"/><activity-date type="${dateType('start-planned', '1')}" iso-date="${start}"/><activity-date type="${dateType('end-planned', '3')}" iso-date="${a.end}"/>${orgs}<recipient-country code="${country}" percentage="100"/>${theme}${results}</iati-activity>`;
        })
        .join('\n');
      return `<?xml version="1.0" encoding="UTF-8"?>\n<iati-activities version="${v2 ? '2.03' : '1.02'}">\n${body}\n</iati-activities>`;
    };
    await fc.assert(
      fc.asyncProperty(iatiCase, async ({ activities, v2, target, corruption, pick }) => {
        const read = (text: string) => readIatiXml(readerInput('stocktaking', 'a.xml', text));
        expectNothingQuarantined(await validated(await read(xml(activities, v2)), 'a.xml'));
        const chosen = activities[target] as Activity;
        // An element to corrupt must exist: fall back to the activity's dates when it has no result.
        const kind = corruption === 'result-period' && chosen.results === 0 ? 'start-date' : corruption;
        const org = pick % chosen.orgs;
        const result = chosen.results ? pick % chosen.results : 0;
        const outcome = await validated(
          await read(xml(activities, v2, { target, corruption: kind, org, result })),
          'a.xml',
        );
        const activityPath = `/iati-activities/iati-activity[${target + 1}]`;
        const expected =
          kind === 'org-role' || kind === 'org-anonymous'
            ? (locator: string) => locator === `${activityPath}/participating-org[${org + 1}]`
            : kind === 'result-period'
              ? (locator: string) =>
                  locator === `${activityPath}/result[${result + 1}]/indicator[1]/period[1]`
              : under(activityPath);
        expectExactlyQuarantined(outcome, expected);
      }),
      propertyRuns('attribution: IATI 1.0x/2.0x', 40),
    );
  });

  // ---- statistics -----------------------------------------------------------------------------------

  const STAT_COUNTRIES = ['MDA', 'SEN', 'PHL', 'BGD', 'JAM', 'TUN'] as const;
  const WDI_YEARS = ['2009', '2010', '2011', '2012'] as const;
  const NAME = 'Personal remittances, received (current US$)';

  it('WDI: a bad cell quarantines its observation; a series name that contradicts the code, its line', async () => {
    const wdiCase = fc
      .record({
        countries: fc.shuffledSubarray([...STAT_COUNTRIES], { minLength: 1 }),
        values: fc.array(fc.oneof(fc.integer({ min: 0, max: 9e9 }).map(String), fc.constant('..')), {
          minLength: 24,
          maxLength: 24,
        }),
        withWorld: fc.boolean(),
      })
      .chain((model) =>
        fc.record({
          model: fc.constant(model),
          line: fc.nat(model.countries.length - 1),
          year: fc.nat(WDI_YEARS.length - 1),
          corruption: fc.constantFrom('abc', '-5', '1,5.2', 'name'),
        }),
      );
    const wdi = (
      countries: readonly string[],
      values: readonly string[],
      withWorld: boolean,
      bad?: { line: number; year: number; corruption: string },
    ) => {
      const lines = countries.map((code, index) => {
        const cells = WDI_YEARS.map((_, y) =>
          bad && bad.line === index && bad.year === y && bad.corruption !== 'name'
            ? bad.corruption
            : (values[index * 4 + y] ?? '..'),
        );
        const name =
          bad?.line === index && bad.corruption === 'name'
            ? 'Personal remittances, received (% of GDP)'
            : NAME;
        return csvText([[code, code, name, 'BX.TRF.PWKR.CD.DT', ...cells]]).trimEnd();
      });
      if (withWorld)
        lines.push(csvText([['World', 'WLD', NAME, 'BX.TRF.PWKR.CD.DT', '1', '2', '3', '4']]).trimEnd());
      return `"Data Source","World Development Indicators",\n\n"Last Updated Date","2013-04-15",\n\n"Country Name","Country Code","Indicator Name","Indicator Code","2009","2010","2011","2012"\n${lines.join('\n')}\n`;
    };
    await fc.assert(
      fc.asyncProperty(wdiCase, async ({ model, line, year, corruption }) => {
        const read = (text: string) => readWdiCsv(readerInput('statistics', 'wdi.csv', text));
        expectNothingQuarantined(
          await validated(await read(wdi(model.countries, model.values, model.withWorld)), 'w'),
        );
        const outcome = await validated(
          await read(wdi(model.countries, model.values, model.withWorld, { line, year, corruption })),
          'w',
        );
        const physical = 6 + line;
        expectExactlyQuarantined(
          outcome,
          corruption === 'name'
            ? (locator) => locator.startsWith(`line ${physical} column `)
            : (locator) => locator === `line ${physical} column ${WDI_YEARS[year]}`,
        );
      }),
      propertyRuns('attribution: WDI', 40),
    );
  });

  it('SDMX-CSV: a bad value, period or unit quarantines exactly its observation', async () => {
    const AGGREGATE_AREAS = ['1', '419'];
    const sdmxCase = fc
      .array(
        fc.record({
          area: fc.constantFrom('498', '686', 'PHL', '050', ...AGGREGATE_AREAS),
          value: fc.integer({ min: 0, max: 1e7 }),
        }),
        {
          minLength: 1,
          maxLength: 8,
        },
      )
      .filter((observations) =>
        observations.some((observation) => !AGGREGATE_AREAS.includes(observation.area)),
      )
      .chain((observations) =>
        fc.record({
          model: fc.constant({ observations }),
          target: fc.constantFrom(
            ...observations.flatMap((observation, index) =>
              AGGREGATE_AREAS.includes(observation.area) ? [] : [index],
            ),
          ),
          corruption: fc.constantFrom(
            ['OBS_VALUE', 'n.a.x'],
            ['TIME_PERIOD', '2099'],
            ['UNIT_MEASURE', 'FURLONG'],
            ['OBS_VALUE', '-12'],
          ) as fc.Arbitrary<readonly [string, string]>,
        }),
      );
    const sdmx = (
      observations: readonly { area: string; value: number }[],
      bad?: { target: number; corruption: readonly [string, string] },
    ) => {
      const header = ['DATAFLOW', 'REF_AREA', 'SERIES', 'TIME_PERIOD', 'OBS_VALUE', 'UNIT_MEASURE'];
      // One year per observation, so that no two share a key.
      const rows = observations.map((observation, index) => {
        const row: Record<string, string> = {
          DATAFLOW: 'UN:DF_SDG_GLH(1.11)',
          REF_AREA: observation.area,
          SERIES: 'IMM_STOCK',
          TIME_PERIOD: String(1990 + index),
          OBS_VALUE: String(observation.value),
          UNIT_MEASURE: 'PS',
        };
        if (bad?.target === index) row[bad.corruption[0]] = bad.corruption[1];
        return header.map((column) => row[column] ?? '');
      });
      return csvText([header, ...rows]);
    };
    await fc.assert(
      fc.asyncProperty(sdmxCase, async ({ model, target, corruption }) => {
        const read = (text: string) => readSdmxCsv(readerInput('statistics', 's.csv', text));
        expectNothingQuarantined(await validated(await read(sdmx(model.observations)), 's'));
        const outcome = await validated(await read(sdmx(model.observations, { target, corruption })), 's');
        expectExactlyQuarantined(outcome, (locator) => locator === `line ${target + 2}`);
      }),
      propertyRuns('attribution: SDMX-CSV', 40),
    );
  });

  it('UN DESA: a bad cell of any table quarantines exactly its observation', async () => {
    const desaCase = fc.record({
      country: fc.nat(2),
      year: fc.nat(6),
      cell: fc.constantFrom(
        ['Table 1', 0, 'x'],
        ['Table 1', 7, -1],
        ['Table 3', 14, 140],
        ['Table 6', 7, 'n/a?'],
        ['Table 2', 0, 'about 12'],
        ['Table 3', 7, { formula: 'F17*2', date1904: false }],
      ) as fc.Arbitrary<readonly [string, number, ExcelJS.CellValue]>,
    });
    const countries = ['498', '686', '050'];
    const clean = await undesa2019Workbook({ countries });
    expectNothingQuarantined(
      await validated(await readUndesaXlsx(readerInput('statistics', 'd.xlsx', clean.bytes)), 'd'),
    );
    await fc.assert(
      fc.asyncProperty(desaCase, async ({ country, year, cell }) => {
        const [sheet, blockOffset, value] = cell;
        const line = clean.rowOf.get(countries[country] ?? '') ?? FIRST_DATA_ROW;
        const address = `${columnName(6 + blockOffset + year)}${line}`;
        const { bytes } = await undesa2019Workbook({
          countries,
          overrides: { [sheet]: { [address]: value } },
        });
        const outcome = await validated(
          await readUndesaXlsx(readerInput('statistics', 'd.xlsx', bytes)),
          'd',
        );
        expectExactlyQuarantined(outcome, (locator) => locator === `sheet "${sheet}" cell ${address}`);
      }),
      propertyRuns('attribution: UN DESA', 8),
    );
  });
});
