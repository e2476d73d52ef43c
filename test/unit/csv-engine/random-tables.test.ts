import fc from 'fast-check';
import { describe, it } from 'vitest';
import type { TableContract } from '#contracts/contract.ts';
import { contractForTable } from '#contracts/registry.ts';
import type { SourceKind } from '#contracts/source-kinds.ts';
import { type ColumnSpec, columnSpecs } from '#packages/contracts/columns.ts';
import { csvText } from './csv-text.ts';
import { expectSameAsReference } from './reference.ts';

/**
 * Property: on random tables (valid rows, edge cases and noise in every cell; shuffled columns;
 * random line endings, quoting, chunk and batch sizes) the fast path gives exactly the reference
 * path's Arrow table and problems.
 */

const NOISE = fc.string({
  unit: fc.constantFrom(
    'a',
    'Z',
    '0',
    '9',
    ' ',
    ',',
    ';',
    '"',
    '|',
    '\n',
    '\r\n',
    '\u00a0',
    'é',
    '😀',
    'NA',
    '-',
    '.',
    '\u001f',
    '\t',
  ),
  maxLength: 12,
});

/** Edge values for a column of this kind: valid ones, near misses and missing markers. */
function edges(spec: ColumnSpec): string[] {
  const missing = ['', 'NA', ' ', '\u00a0'];
  // Fields whose plausibility rules read them: values on and over the edges of each rule.
  if (spec.name === 'time_period') {
    return [
      '2010',
      '1950',
      '1949',
      '0000',
      '2099',
      '2011-13',
      '2011-00',
      '2011-Q4',
      '2011-Q5',
      '2013-06',
      ...missing,
    ];
  }
  if (spec.name === 'unit') return ['persons', 'percent', 'USD', 'number', 'PS', ...missing];
  switch (spec.type.kind) {
    case 'dictionary': {
      const values = (spec.type.values ?? []).slice(0, 4);
      return [...values, ...values.map((value) => ` ${value}`), 'bogus', 'XXX', 'mda', ...missing];
    }
    case 'int32':
      return [
        '0',
        '1',
        '-1',
        '7',
        '+2',
        ' 3 ',
        '007',
        '1.0',
        '1.5',
        'x',
        '1e2',
        '99999999999',
        '-0',
        '1.000',
        '2,5',
        ...missing,
      ];
    case 'float64':
      return [
        '0',
        '1.5',
        '-2',
        '-0',
        '1e3',
        '.5',
        '5.',
        'abc',
        '1,000',
        '12,5',
        '1.500',
        '-1.500',
        '150',
        'Infinity',
        '1e400',
        ...missing,
      ];
    case 'bool':
      return ['true', 'false', 'TRUE', 'Yes', 'no', '1', '0', ' no ', 'maybe', ...missing];
    case 'date':
      return [
        '2011-01-01',
        '2012-12-31',
        '2020-02-29',
        '2021-02-29',
        '2011-13-01',
        ' 2011-01-01',
        '2011-1-1',
        '1899-12-31',
        '2099-01-01',
        '0000-01-01',
        '1995-06-30',
        ...missing,
      ];
    case 'timestamp':
      return ['2011-11-02T10:00:00Z', '2011-11-02T10:00:00.25+02:00', '2011-11-02 10:00', 'x', ...missing];
    case 'list-utf8':
      return [
        'a|b',
        ' a | |b ',
        '|',
        'MDA|SEN',
        'MDA|XXX',
        'mda',
        'remittances|communities',
        'remittances|tourism',
        ...missing,
      ];
    default:
      return [
        'x',
        ' padded ',
        '"quoted"',
        'two\nlines',
        'é'.repeat(201),
        'x'.repeat(501),
        '\u001f',
        ...missing,
      ];
  }
}

interface TableCase {
  readonly table: string;
  readonly kind: SourceKind;
  /** A valid row, with ids drawn from a small range so that duplicates occur. */
  readonly valid: (id: number) => Record<string, string>;
}

const CASES: readonly TableCase[] = [
  {
    table: 'survey_response',
    kind: 'survey',
    valid: (id) => ({
      respondent_id: `GMG-UNCT-2011:r${id % 3}`,
      question_name: `capacity/q${id % 4}`,
      seq: String(id % 5),
      value_raw: 'yes',
      value_code: 'yes',
      is_other: 'false',
      value_number: String(id * 1.25),
      value_date: '2011-06-30',
      extraction_method: 'parser',
      confidence: 'high',
      source_doc_id: 'DOC-x',
      source_locator: `row ${id}`,
    }),
  },
  {
    table: 'jmdi_project',
    kind: 'stocktaking',
    valid: (id) => ({
      project_id: `JMDI1-P-${id % 12}`,
      title_en: 'Title',
      start_planned: '2010-01-01',
      end_planned: '2012-06-30',
      target_country_iso3: ['MDA', 'SEN', 'PHL'][id % 3] ?? 'MDA',
      theme_primary: 'remittances',
      themes_secondary: 'communities|rights',
      selection_status: 'implemented',
      total_budget_amount: String(1000 + id),
      partner_countries_iso3: 'ITA|FRA',
      source_doc_id: 'DOC-x',
      source_locator: `row ${id}`,
      extraction_method: 'manual',
      confidence: 'low',
    }),
  },
  {
    table: 'jmdi_lesson',
    kind: 'stocktaking',
    valid: (id) => ({
      lesson_id: `LES-${id % 12}`,
      project_id: id % 3 === 0 ? '' : `JMDI1-P-${id % 5}`,
      question: 'what_works',
      statement_en: ` Statement ${id} `,
      theme: 'communities',
      evidence_type: 'jmdi_synthesis',
      evidence_strength: 'weak',
      good_practice: 'true',
      iso3: 'SEN',
      source_doc_id: 'DOC-x',
      source_locator: `row ${id}`,
      extraction_method: 'manual',
      confidence: 'low',
    }),
  },
  {
    table: 'event',
    kind: 'reference',
    valid: (id) => ({
      event_id: `EV-2011110${id % 9}-x`,
      title: 'Meeting',
      event_type: 'workshop',
      start_date: '2011-11-09',
      end_date: '2011-11-10',
      date_precision: 'day',
      iso3: 'MDA',
      country_iso3s: 'MDA|SEN',
      source_doc_id: 'DOC-x',
      source_locator: `row ${id}`,
      extraction_method: 'manual',
      confidence: 'low',
    }),
  },
  {
    table: 'observation',
    kind: 'statistics',
    valid: (id) => ({
      indicator_id: ['IMM_STOCK', 'IMM_STOCK_PCT', 'REMIT_IN_USD', 'SM_POP_TOTL'][id % 4] ?? 'IMM_STOCK',
      ref_area_iso3: ['MDA', 'SEN', 'PHL'][id % 3] ?? 'MDA',
      time_period: ['2010', '2013-Q2', '2012-07', '1990'][id % 4] ?? '2010',
      value: ['129488', '12.5', '1.5', '..'][id % 4] ?? '1',
      unit: ['persons', 'percent', 'USD', 'number'][id % 4] ?? 'persons',
      sex: '_T',
      source: 'UNDESA_IMS',
      dataset_revision: 'POP/DB/MIG/Stock/Rev.2019',
    }),
  },
  {
    table: 'source_document',
    kind: 'reference',
    valid: (id) => ({
      doc_id: `DOC-doc-${id % 10}`,
      title: ' A document ',
      doc_type: 'un_report',
      url: 'https://example.org/a',
      language: 'en',
      illustrative: id % 2 === 0 ? 'true' : '',
    }),
  },
];

function table(contract: TableContract, valid: TableCase['valid']) {
  const specs = columnSpecs(contract);
  const cell = (spec: ColumnSpec) =>
    fc.oneof(
      { weight: 6, arbitrary: fc.constant<'valid'>('valid') },
      { weight: 3, arbitrary: fc.constantFrom(...edges(spec)) },
      { weight: 1, arbitrary: NOISE },
    );
  const row = fc.tuple(fc.nat(40), fc.tuple(...specs.map(cell)));
  return fc
    .record({
      order: fc.shuffledSubarray(specs, { minLength: specs.length }),
      rows: fc.array(row, { minLength: 1, maxLength: 25 }),
      newline: fc.constantFrom('\n', '\r\n', '\r'),
      quoteAll: fc.boolean(),
      bom: fc.boolean(),
      chunkBytes: fc.constantFrom(1, 3, 17, 256, 1 << 20),
      batchSize: fc.constantFrom(1, 2, 5, 65_536),
      receivedAt: fc.constantFrom(undefined, '2013-01-05T12:00:00Z'),
    })
    .map(({ rows, order, ...rest }) => {
      const lines = rows.map(([id, cells]) => {
        const base = valid(id);
        const byName = new Map(specs.map((spec, index) => [spec.name, cells[index]]));
        return order.map((spec) => {
          const choice = byName.get(spec.name);
          return choice === 'valid' ? (base[spec.name] ?? '') : (choice ?? '');
        });
      });
      return { header: order.map((spec) => spec.name), lines, ...rest };
    });
}

describe('normaliseContractCsvFast on random tables', () => {
  for (const testCase of CASES) {
    it(`matches the reference path on random ${testCase.table} files`, async () => {
      const contract = contractForTable(testCase.table);
      await fc.assert(
        fc.asyncProperty(table(contract, testCase.valid), async (input) => {
          const text = csvText([input.header, ...input.lines], {
            newline: input.newline,
            quoteAll: input.quoteAll,
          });
          const bytes = Buffer.from(input.bom ? `\ufeff${text}` : text, 'utf8');
          await expectSameAsReference(bytes, {
            fileName: `${testCase.table}.csv`,
            kind: testCase.kind,
            chunkBytes: input.chunkBytes,
            batchSize: input.batchSize,
            ...(input.receivedAt ? { receivedAt: input.receivedAt } : {}),
          });
        }),
        { numRuns: Number(process.env.FASTPATH_PROPERTY_RUNS ?? 60) },
      );
    }, 120_000);
  }
});
