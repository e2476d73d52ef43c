import { createWriteStream } from 'node:fs';
import { mkdir, readFile, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { contractForTable } from '#contracts/registry.ts';
import { THEME_HLD_RT, THEME_JMDI } from '#contracts/vocabularies.ts';
import { columnSpecs } from '#packages/contracts/columns.ts';
import { countryReference } from '#packages/formats/countries.ts';

/**
 * Seeded benchmark inputs under bench/.data/ (gitignored): the same seed gives the same bytes.
 *
 * - survey_response: tidy answers of the GMG UNCT survey, with question names and choice codes
 *   from data-contracts/survey/gmg-unct-2011.codebook.json; about 2 % of rows are bad in one of
 *   several ways (unknown choice list value, non-integer seq, impossible date, missing
 *   respondent, unreadable boolean, duplicate key …).
 * - jmdi_project: one row per project, for the group-by benchmark (country × theme, budget).
 */

export const DATA_DIR = join(dirname(fileURLToPath(import.meta.url)), '.data');

/** mulberry32: a small, fast, seeded PRNG. */
export function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Codebook {
  readonly survey_id: string;
  readonly questions: readonly { type: string; name: string; list_name?: string }[];
  readonly choices: readonly { list_name: string; name: string; label_en: string }[];
}

const CODEBOOK = new URL('../data-contracts/survey/gmg-unct-2011.codebook.json', import.meta.url);

/** Every survey_response field, in contract order (the header of the generated file). */
export const SURVEY_COLUMNS: readonly string[] = columnSpecs(contractForTable('survey_response')).map(
  (spec) => spec.name,
);

const COMMENTS = [
  'Illustrative answer. The UNCT would welcome guidance on linking the Extended Migration Profile to national planning.',
  'Overseas employment matters for the national plan; remittances are "largely informal".',
  'Coopération avec la diaspora, surtout à Dakar et à Thiès',
  'Capacidad limitada en estadísticas de migración',
  'Support needed for data collection,\nand for coordination',
];

function csvCell(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

function uuid(next: () => number): string {
  const hex = (length: number) => Array.from({ length }, () => Math.floor(next() * 16).toString(16)).join('');
  return `${hex(8)}-${hex(4)}-4${hex(3)}-a${hex(3)}-${hex(12)}`;
}

/** Write rows through a stream, respecting backpressure. */
async function writeLines(path: string, header: string, lines: () => Iterable<string>): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const out = createWriteStream(path);
  const write = (text: string) =>
    out.write(text) ? Promise.resolve() : new Promise<void>((resolve) => out.once('drain', () => resolve()));
  await write(`${header}\n`);
  let buffer = '';
  for (const line of lines()) {
    buffer += `${line}\n`;
    if (buffer.length > 1 << 20) {
      await write(buffer);
      buffer = '';
    }
  }
  await write(buffer);
  await new Promise<void>((resolve, reject) =>
    out.end((error?: Error | null) => (error ? reject(error) : resolve())),
  );
}

/** A survey_response CSV of exactly `rows` data rows (about 2 % of them bad). */
export async function generateSurveyResponses(path: string, rows: number, seed = 2013): Promise<void> {
  const codebook = JSON.parse(await readFile(CODEBOOK, 'utf8')) as Codebook;
  const next = random(seed);
  const pick = <T>(values: readonly T[]): T => values[Math.floor(next() * values.length)] as T;
  const choices = new Map<string, { name: string; label_en: string }[]>();
  for (const choice of codebook.choices) {
    const list = choices.get(choice.list_name) ?? [];
    list.push(choice);
    choices.set(choice.list_name, list);
  }
  const iso3 = countryReference().rows.map((row) => row.iso3);
  const base = {
    source_doc_id: 'DOC-illustrative-gmg-unct-2011-kobo',
    extraction_method: 'parser',
    extracted_at: '2013-01-05T12:00:00Z',
    confidence: 'high',
    as_of_date: '2011-12-31',
  };

  function* answers(): Generator<Record<string, string>> {
    for (let respondent = 0; ; respondent += 1) {
      const respondentId = `${codebook.survey_id}:${uuid(next)}`;
      const locator = `row ${respondent + 2}`;
      for (const question of codebook.questions) {
        const row = (seq: number, values: Record<string, string>) => ({
          ...base,
          respondent_id: respondentId,
          question_name: question.name,
          seq: String(seq),
          source_locator: locator,
          is_other: 'false',
          ...values,
        });
        const list = question.list_name ? (choices.get(question.list_name) ?? []) : [];
        if (question.type === 'select_one' && list.length > 0) {
          const choice = pick(list);
          yield row(0, { value_raw: choice.name, value_code: choice.name, value_label: choice.label_en });
        } else if (question.type === 'select_multiple' && list.length > 0) {
          const selected = list.filter(() => next() < 0.35);
          for (const [seq, choice] of (selected.length > 0 ? selected : [pick(list)]).entries()) {
            yield row(seq, { value_raw: choice.name, value_code: choice.name, value_label: choice.label_en });
          }
        } else if (question.type === 'integer') {
          const value = String(Math.floor(next() * 12));
          yield row(0, { value_raw: value, value_number: value });
        } else if (question.name === 'unct_country') {
          const code = pick(iso3);
          yield row(0, { value_raw: code, value_code: code });
        } else {
          const comment = pick(COMMENTS);
          const other = next() < 0.2;
          yield row(0, {
            value_raw: comment,
            ...(other ? { is_other: 'true', other_text: comment } : {}),
            ...(next() < 0.3
              ? { value_date: `2011-0${1 + Math.floor(next() * 9)}-1${Math.floor(next() * 10)}` }
              : {}),
          });
        }
      }
    }
  }

  const BAD: ((row: Record<string, string>, previous: Record<string, string>) => Record<string, string>)[] = [
    (row) => ({ ...row, confidence: 'certain' }),
    (row) => ({ ...row, seq: 'first' }),
    (row) => ({ ...row, value_date: '2011-02-30' }),
    (row) => ({ ...row, respondent_id: '' }),
    (row) => ({ ...row, is_other: 'perhaps' }),
    (row) => ({ ...row, extraction_method: 'scraped' }),
    (row) => ({ ...row, value_number: 'n/a' }),
    (_row, previous) => ({ ...previous }),
  ];

  await writeLines(path, SURVEY_COLUMNS.join(','), function* () {
    let previous: Record<string, string> | undefined;
    let written = 0;
    for (const answer of answers()) {
      if (written >= rows) return;
      let row = answer;
      if (previous && next() < 0.02) row = pick(BAD)(answer, previous);
      previous = answer;
      yield SURVEY_COLUMNS.map((column) => csvCell(row[column] ?? '')).join(',');
      written += 1;
    }
  });
}

export const PROJECT_COLUMNS = [
  'project_id',
  'title_en',
  'target_country_iso3',
  'theme_primary',
  'themes_secondary',
  'hld_rt',
  'selection_status',
  'start_planned',
  'duration_months',
  'total_budget_amount',
  'total_budget_currency',
  'partner_countries_iso3',
  'source_doc_id',
  'source_locator',
  'extraction_method',
  'confidence',
] as const;

/** A jmdi_project CSV of `rows` valid projects over 200 countries. */
export async function generateProjects(path: string, rows: number, seed = 2008): Promise<void> {
  const next = random(seed);
  const pick = <T>(values: readonly T[]): T => values[Math.floor(next() * values.length)] as T;
  const countries = countryReference()
    .rows.map((row) => row.iso3)
    .slice(0, 200);
  await writeLines(path, PROJECT_COLUMNS.join(','), function* () {
    for (let index = 0; index < rows; index += 1) {
      const row: Record<string, string> = {
        project_id: `JMDI1-BENCH-${index}`,
        title_en: `Project ${index}: diaspora engagement in ${pick(['Dakar', 'Chisinau', 'Manila', 'Quito'])}`,
        target_country_iso3: pick(countries),
        theme_primary: pick(THEME_JMDI),
        themes_secondary: pick(THEME_JMDI),
        hld_rt: next() < 0.5 ? pick(THEME_HLD_RT) : '',
        selection_status: pick(['awarded', 'implemented', 'withdrawn']),
        start_planned: `20${10 + Math.floor(next() * 3)}-0${1 + Math.floor(next() * 9)}-01`,
        duration_months: String(6 + Math.floor(next() * 30)),
        total_budget_amount: (50_000 + next() * 250_000).toFixed(2),
        total_budget_currency: 'EUR',
        partner_countries_iso3: `${pick(countries)}|${pick(countries)}`,
        source_doc_id: 'DOC-illustrative-samples',
        source_locator: `row ${index + 1}`,
        extraction_method: 'manual',
        confidence: 'low',
      };
      yield PROJECT_COLUMNS.map((column) => csvCell(row[column] ?? '')).join(',');
    }
  });
}

/** Generate a file unless it already exists (same seed, same bytes). */
export async function ensureFile(path: string, generate: (path: string) => Promise<void>): Promise<string> {
  try {
    await stat(path);
  } catch {
    await generate(path);
  }
  return path;
}

export const SURVEY_1M = join(DATA_DIR, 'survey-response-1m.csv');
export const SURVEY_100K = join(DATA_DIR, 'survey-response-100k.csv');
export const PROJECTS_1M = join(DATA_DIR, 'jmdi-project-1m.csv');

/** Every benchmark input. */
export async function generateAll(): Promise<void> {
  await ensureFile(SURVEY_1M, (path) => generateSurveyResponses(path, 1_000_000));
  await ensureFile(SURVEY_100K, (path) => generateSurveyResponses(path, 100_000));
  await ensureFile(PROJECTS_1M, (path) => generateProjects(path, 1_000_000));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const started = performance.now();
  await generateAll();
  console.log(`bench inputs ready in ${DATA_DIR} (${((performance.now() - started) / 1000).toFixed(1)} s)`);
}
