import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { CountryItem, ThemeItem } from '#contracts/briefing/item.ts';
import type { QuestionStatistics } from '#contracts/briefing/survey.ts';
import { SURVEY_SMALL_BASE, THEME_CAPACITY_AREAS, validationStatusOf } from '#contracts/survey-statistics.ts';
import { CAPACITY_AREA, DEMAND_LEVEL, HAS_CAPACITY, SUPPORT_TYPE } from '#contracts/vocabularies.ts';
import { buildBriefing } from '#packages/briefing/build.ts';
import type { CuratedRow } from '#packages/briefing/model.ts';
import { percentOf, SurveyTally, shareText } from '#packages/briefing/survey-stats.ts';
import { emptySummary, validateRows } from '#packages/contracts/validate.ts';
import { readSource } from '#packages/formats/index.ts';
import { propertyRuns } from '../contracts/property-runs.ts';

/**
 * Survey statistics on a hand-made Kobo export whose answers are known: seven submissions, three
 * of them approved for Moldova, one each on hold, not approved and never validated, one approved
 * for Bangladesh. Every expected number below is counted by hand from the rows.
 */
const HEADER =
  'unct_country,respondent_role,agency,capacity/labour_migration,capacity/data_statistics_emp,demand/labour_migration,demand/data_statistics_emp,support_requested,_uuid,_submission_time,_validation_status,_index';
const SUBMISSIONS = [
  'MDA,agency_focal_point,undp,yes,no,high,high,training funding,00000000-0000-4000-8000-000000000001,2011-05-01T10:00:00,validation_status_approved,1',
  'MDA,agency_focal_point,iom,partial,unknown,high,,training,00000000-0000-4000-8000-000000000002,2011-05-02T10:00:00,validation_status_approved,2',
  'MDA,agency_focal_point,ilo,,no,medium,high,,00000000-0000-4000-8000-000000000003,2011-05-03T10:00:00,validation_status_approved,3',
  'MDA,agency_focal_point,unfpa,yes,yes,high,high,funding,00000000-0000-4000-8000-000000000004,2011-05-04T10:00:00,validation_status_on_hold,4',
  'MDA,agency_focal_point,unicef,no,no,low,low,training,00000000-0000-4000-8000-000000000005,2011-05-05T10:00:00,validation_status_not_approved,5',
  'MDA,agency_focal_point,who,no,no,low,low,training,00000000-0000-4000-8000-000000000006,2011-05-06T10:00:00,,6',
  'BGD,agency_focal_point,undp,no,yes,high,low,funding,00000000-0000-4000-8000-000000000007,2011-05-07T10:00:00,validation_status_approved,7',
];

/** The export through the Kobo reader and the contracts, as curated rows (what assemble reads). */
async function curatedSurvey(): Promise<Record<string, CuratedRow[]>> {
  const bytes = new TextEncoder().encode(`${[HEADER, ...SUBMISSIONS].join('\n')}\n`);
  const read = await readSource({
    bytes,
    fileName: 'kobo.csv',
    kind: 'survey',
    docId: 'DOC-test-survey',
    receivedAt: '2011-06-01T00:00:00Z',
  });
  const tables: Record<string, CuratedRow[]> = {};
  for await (const accepted of validateRows(read, 'kobo.csv', emptySummary())) {
    const rows = tables[accepted.table] ?? [];
    tables[accepted.table] = rows;
    rows.push({
      row: accepted.row,
      ref: {
        table: accepted.table,
        locator: accepted.locator,
        file_sha256: 'f'.repeat(64),
        raw_key: 'raw/survey/kobo.csv',
        source_doc_id: 'DOC-test-survey',
      },
    });
  }
  return tables;
}

const choice = (question: QuestionStatistics, name: string) =>
  question.choices.find((entry) => entry.choice === name);

describe('survey statistics (hand-made Kobo export with known answers)', () => {
  it('counts approved submissions only and says how many were left out, by status', async () => {
    const items = buildBriefing(await curatedSurvey());

    const mda = items.find((item): item is CountryItem => item.type === 'country' && item.id === 'MDA');
    const validation = mda?.body.survey.statistics?.validation;

    expect(validation).toEqual({
      approved: 3,
      on_hold: 1,
      not_approved: 1,
      not_validated: 1,
      included_statuses: ['approved'],
      included: 3,
      left_out: 3,
    });
  });

  it('gives each answer as n of base, the base without non-response and "don\'t know"', async () => {
    const items = buildBriefing(await curatedSurvey());

    const mda = items.find((item): item is CountryItem => item.type === 'country' && item.id === 'MDA');
    const areas = mda?.body.survey.statistics?.areas ?? [];
    const labour = areas.find((area) => area.capacity_area === 'labour_migration')!;
    const data = areas.find((area) => area.capacity_area === 'data_statistics_emp')!;
    const support = mda?.body.survey.statistics?.support_requested;

    // Only the two areas the questionnaire asked about are reported.
    expect(areas.map((area) => area.capacity_area)).toEqual(['labour_migration', 'data_statistics_emp']);
    expect(labour.has_capacity).toMatchObject({ eligible: 3, no_response: 1, dont_know: 0, base: 2 });
    expect(choice(labour.has_capacity, 'yes')).toEqual({ choice: 'yes', n: 1, percent: 50 });
    expect(choice(labour.has_capacity, 'partial')).toEqual({ choice: 'partial', n: 1, percent: 50 });
    expect(labour.demand).toMatchObject({ eligible: 3, no_response: 0, dont_know: 0, base: 3 });
    expect(choice(labour.demand, 'high')).toEqual({ choice: 'high', n: 2, percent: 66.7 });
    expect(choice(labour.demand, 'medium')).toEqual({ choice: 'medium', n: 1, percent: 33.3 });
    expect(data.has_capacity).toMatchObject({ eligible: 3, no_response: 0, dont_know: 1, base: 2 });
    expect(choice(data.has_capacity, 'no')).toEqual({ choice: 'no', n: 2, percent: 100 });
    expect(data.demand).toMatchObject({ no_response: 1, base: 2 });
    expect(support).toMatchObject({ eligible: 3, no_response: 1, base: 2 });
    expect(choice(support!, 'training')).toEqual({ choice: 'training', n: 2, percent: 100 });
    expect(choice(support!, 'funding')).toEqual({ choice: 'funding', n: 1, percent: 50 });
  });

  it(`warns on every base below ${SURVEY_SMALL_BASE.threshold} (rule ${SURVEY_SMALL_BASE.rule})`, async () => {
    const items = buildBriefing(await curatedSurvey());

    const mda = items.find((item): item is CountryItem => item.type === 'country' && item.id === 'MDA');
    const statistics = mda!.body.survey.statistics!;

    expect(statistics.small_base_threshold).toBe(5);
    for (const area of statistics.areas) {
      expect(area.has_capacity.small_base).toBe(true);
      expect(area.demand.small_base).toBe(true);
    }
    expect(shareText(2, 3)).toBe('2 of 3 (66.7 %) ⚠ small base');
    expect(shareText(20, 24)).toBe('20 of 24 (83.3 %)');
    expect(shareText(0, 0)).toBe('0 of 0 ⚠ small base');
  });

  it('counts on-hold submissions only when asked to', async () => {
    const tables = await curatedSurvey();
    const tally = new SurveyTally({ includedStatuses: ['approved', 'on_hold'] });
    for (const { row } of tables.survey_respondent ?? [])
      tally.respondent(String(row.respondent_id), String(row.iso3), row.validation_status);
    for (const { row } of tables.survey_response ?? [])
      tally.answer(
        String(row.respondent_id),
        String(row.question_name),
        row.value_code as string | undefined,
      );

    const statistics = tally.statistics(['MDA'])!;

    expect(statistics.validation).toMatchObject({ included: 4, left_out: 2 });
    expect(statistics.areas[0]?.demand).toMatchObject({ eligible: 4, base: 4 });
    expect(choice(statistics.areas[0]!.demand, 'high')).toEqual({ choice: 'high', n: 3, percent: 75 });
  });

  it('totals each capacity area across countries, and a theme shows only the areas mapped to it', async () => {
    const items = buildBriefing(await curatedSurvey());

    const theme = (id: string) =>
      items.find((item): item is ThemeItem => item.type === 'theme' && item.id === id)?.body;
    const rt4 = theme('RT4_labour_mobility@GLOBAL')!;
    const rt3 = theme('RT3_partnerships_coherence_mainstreaming@GLOBAL')!;
    const remittances = theme('remittances@GLOBAL')!;
    const capacities = theme('capacities@GLOBAL')!;

    // labour_migration informs RT4 and the JMDI theme "capacities"; data_statistics_emp RT3 only.
    expect(THEME_CAPACITY_AREAS.RT4_labour_mobility).toContain('labour_migration');
    expect(rt4.survey_statistics?.areas.map((area) => area.capacity_area)).toEqual(['labour_migration']);
    expect(rt3.survey_statistics?.areas.map((area) => area.capacity_area)).toEqual(['data_statistics_emp']);
    expect(capacities.survey_statistics?.areas.map((area) => area.capacity_area)).toEqual([
      'labour_migration',
    ]);
    expect(remittances.survey_statistics?.areas).toEqual([]);
    expect(remittances.survey_demands).toEqual([]);
    // Pooled: 3 approved in MDA + 1 in BGD.
    const labour = rt4.survey_statistics!.areas[0]!;
    expect(rt4.survey_statistics).toMatchObject({ countries_n: 2 });
    expect(labour.demand).toMatchObject({ eligible: 4, base: 4 });
    expect(choice(labour.demand, 'high')).toEqual({ choice: 'high', n: 3, percent: 75 });
    expect(labour.has_capacity).toMatchObject({ base: 3 });
    expect(rt4.survey_demands.map((demand) => demand.capacity_area)).toEqual(['labour_migration']);
  });

  it('reads Kobo and ODK validation statuses, and anything else as not validated', () => {
    expect(validationStatusOf('validation_status_approved')).toBe('approved');
    expect(validationStatusOf('validation_status_on_hold')).toBe('on_hold');
    expect(validationStatusOf('validation_status_not_approved')).toBe('not_approved');
    expect(validationStatusOf('hasIssues')).toBe('on_hold');
    expect(validationStatusOf('rejected')).toBe('not_approved');
    expect(validationStatusOf('')).toBe('not_validated');
    expect(validationStatusOf('2011-06-05T12:12:34')).toBe('not_validated');
    expect(validationStatusOf(undefined)).toBe('not_validated');
  });
});

const STATUSES = ['validation_status_approved', 'validation_status_on_hold', '', 'rejected'];
const submission = fc.record({
  iso3: fc.constantFrom('MDA', 'BGD', 'JAM'),
  status: fc.constantFrom(...STATUSES),
  capacity: fc.array(fc.option(fc.constantFrom(...HAS_CAPACITY, ''), { nil: undefined }), {
    minLength: CAPACITY_AREA.length,
    maxLength: CAPACITY_AREA.length,
  }),
  demand: fc.array(fc.option(fc.constantFrom(...DEMAND_LEVEL, ''), { nil: undefined }), {
    minLength: CAPACITY_AREA.length,
    maxLength: CAPACITY_AREA.length,
  }),
  support: fc.subarray([...SUPPORT_TYPE]),
});

describe('survey statistics (property)', () => {
  it("n ≤ base, percent = n / base, eligible = base + non-response + don't know, totals = sum of countries", () => {
    fc.assert(
      fc.property(fc.array(submission, { maxLength: 30 }), (submissions) => {
        const tally = new SurveyTally();
        submissions.forEach((entry, at) => {
          const id = `S:${at}`;
          tally.respondent(id, entry.iso3, entry.status);
          CAPACITY_AREA.forEach((area, index) => {
            if (entry.capacity[index] !== undefined)
              tally.answer(id, `capacity/${area}`, entry.capacity[index]);
            if (entry.demand[index] !== undefined) tally.answer(id, `demand/${area}`, entry.demand[index]);
          });
          for (const type of entry.support) tally.answer(id, 'support_requested', type);
        });
        const countries = tally.countries();
        const total = tally.statistics('all');
        if (countries.length === 0) return total === undefined;
        const each = countries.map((iso3) => tally.statistics([iso3])!);
        const questions = (statistics: NonNullable<typeof total>) => [
          ...statistics.areas.flatMap((area) => [area.has_capacity, area.demand]),
          statistics.support_requested,
        ];
        for (const statistics of [total!, ...each]) {
          for (const question of questions(statistics)) {
            expect(question.eligible).toBe(question.base + question.no_response + question.dont_know);
            expect(question.small_base).toBe(question.base < SURVEY_SMALL_BASE.threshold);
            for (const entry of question.choices) {
              expect(entry.n).toBeLessThanOrEqual(question.base);
              expect(entry.percent).toBe(percentOf(entry.n, question.base));
              if (question.base > 0) expect(entry.percent).toBeCloseTo((100 * entry.n) / question.base, 1);
            }
          }
        }
        // Totals are the sum of the countries, count by count.
        const all = questions(total!);
        const parts = each.map(questions);
        all.forEach((question, at) => {
          for (const key of ['eligible', 'no_response', 'dont_know', 'base'] as const)
            expect(question[key]).toBe(parts.reduce((sum, part) => sum + part[at]![key], 0));
          question.choices.forEach((entry, index) => {
            expect(entry.n).toBe(parts.reduce((sum, part) => sum + part[at]!.choices[index]!.n, 0));
          });
        });
        expect(total!.validation.included + total!.validation.left_out).toBe(submissions.length);
        return true;
      }),
      propertyRuns('survey statistics', 50),
    );
  });
});

type Submission = typeof submission extends fc.Arbitrary<infer T> ? T : never;

/** Feeds submissions to a tally, ids numbered from `first`. */
function feed(tally: SurveyTally, submissions: readonly Submission[], first = 0): void {
  submissions.forEach((entry, at) => {
    const id = `S:${first + at}`;
    tally.respondent(id, entry.iso3, entry.status);
    CAPACITY_AREA.forEach((area, index) => {
      if (entry.capacity[index] !== undefined) tally.answer(id, `capacity/${area}`, entry.capacity[index]);
      if (entry.demand[index] !== undefined) tally.answer(id, `demand/${area}`, entry.demand[index]);
    });
    for (const type of entry.support) tally.answer(id, 'support_requested', type);
  });
}

describe('survey statistics asked again (property)', () => {
  it('gives every theme of a scope its own areas, and counts rows fed after an earlier question', () => {
    const themes = Object.values(THEME_CAPACITY_AREAS);
    fc.assert(
      fc.property(
        fc.array(submission, { maxLength: 20 }),
        fc.array(submission, { maxLength: 20 }),
        (early, late) => {
          const asked = new SurveyTally();
          feed(asked, early);
          const scopes = [...asked.countries().map((iso3) => [iso3]), 'all' as const];
          for (const scope of scopes) for (const areas of themes) asked.statistics(scope, areas);
          feed(asked, late, early.length);
          const fresh = () => {
            const tally = new SurveyTally();
            feed(tally, [...early, ...late]);
            return tally;
          };
          for (const scope of [...asked.countries().map((iso3) => [iso3]), 'all' as const])
            for (const areas of [...themes, CAPACITY_AREA])
              expect(asked.statistics(scope, areas)).toEqual(fresh().statistics(scope, areas));
        },
      ),
      propertyRuns('survey statistics asked again', 30),
    );
  });
});

describe('survey statistics after a respondent moves (property)', () => {
  it('counts a respondent fed again under another country in its last country only, alone or pooled', () => {
    fc.assert(
      fc.property(
        fc.array(submission, { minLength: 1, maxLength: 20 }),
        fc.array(submission, { maxLength: 20 }),
        (early, late) => {
          const asked = new SurveyTally();
          feed(asked, early);
          const pooled = ['MDA', 'BGD'];
          for (const scope of [...asked.countries().map((iso3) => [iso3]), pooled, 'all' as const])
            asked.statistics(scope);
          // The same ids again (S:0, S:1, …): their country and answers are the last ones fed.
          feed(asked, late);
          // The same rows, never asked in between.
          const fresh = new SurveyTally();
          feed(fresh, early);
          feed(fresh, late);
          for (const scope of [['MDA'], ['BGD'], ['JAM'], pooled, 'all' as const])
            expect(asked.statistics(scope)).toEqual(fresh.statistics(scope));
        },
      ),
      propertyRuns('survey statistics after a respondent moves', 30),
    );
  });
});

describe('the older profile fields count what the statistics count', () => {
  it('respondents and support requests of the hand-made export: approved submissions only (3 of 6 for Moldova)', async () => {
    const items = buildBriefing(await curatedSurvey());
    const mda = items.find((item): item is CountryItem => item.type === 'country' && item.id === 'MDA')!;

    // Counting every submission would give 6 respondents, training 4 and funding 2.
    expect(mda.body.survey.respondents_n).toBe(3);
    expect(mda.body.survey.support_types_requested).toEqual([
      { support_type: 'training', respondents: 2 },
      { support_type: 'funding', respondents: 1 },
    ]);
    // The rows of the submissions left out are still cited.
    const cited = mda.body.sources.find((source) => source.source_doc_id === 'DOC-test-survey');
    expect(cited?.locators.length).toBeGreaterThan(0);
    expect(mda.lineage!.sources.reduce((sum, source) => sum + source.rows, 0)).toBeGreaterThanOrEqual(6);
  });

  it('respondents_n = submissions counted, support requests = the statistics’ counts, whatever the statuses (property)', () => {
    const ref = (table: string, at: number) => ({
      table,
      locator: `line ${at + 2}`,
      file_sha256: 'e'.repeat(64),
      raw_key: 'raw/survey/generated.csv',
      source_doc_id: 'DOC-test-survey',
    });
    fc.assert(
      fc.property(fc.array(submission, { minLength: 1, maxLength: 20 }), (submissions) => {
        const respondents: CuratedRow[] = [];
        const responses: CuratedRow[] = [];
        submissions.forEach((entry, at) => {
          const id = `R-${at}`;
          respondents.push({
            row: {
              respondent_id: id,
              iso3: entry.iso3,
              unct_id: `UNCT-${entry.iso3}`,
              validation_status: entry.status,
            },
            ref: ref('survey_respondent', at),
          });
          for (const [seq, type] of entry.support.entries())
            responses.push({
              row: { respondent_id: id, question_name: 'support_requested', seq, value_code: type },
              ref: ref('survey_response', responses.length),
            });
        });
        const items = buildBriefing({ survey_respondent: respondents, survey_response: responses });
        for (const item of items) {
          if (item.type !== 'country' || !item.body.survey.statistics) continue;
          const { survey } = item.body;
          expect(survey.respondents_n).toBe(survey.statistics!.validation.included);
          const counted = new Map(
            survey.statistics!.support_requested.choices.map((entry) => [entry.choice, entry.n]),
          );
          for (const requested of survey.support_types_requested)
            expect(requested.respondents).toBe(counted.get(requested.support_type));
          expect(survey.support_types_requested.length).toBe(
            [...counted.values()].filter((n) => n > 0).length,
          );
        }
      }),
      propertyRuns('older survey fields count approved only', 50),
    );
  });
});
