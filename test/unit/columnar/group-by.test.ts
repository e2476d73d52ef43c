import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { contractForTable } from '#contracts/registry.ts';
import { THEME_JMDI } from '#contracts/vocabularies.ts';
import { readArrowTable, tableRows } from '#packages/arrow/read.ts';
import { ArrowTableWriter } from '#packages/arrow/table-writer.ts';
import {
  ColumnCodesBuilder,
  columnCodes,
  type Group,
  GroupByColumnError,
  type GroupKeyValue,
  GroupMembers,
  groupByColumns,
  groupRows,
  ListCodesBuilder,
  listCodes,
  NumberColumnBuilder,
  numberColumn,
  rowsOf,
  StringColumnBuilder,
  stringColumn,
} from '#packages/columnar/group-by.ts';
import { addLocators, LocatorCodesBuilder, locatorCodes } from '#packages/columnar/locator-codes.ts';
import { columnSpecs } from '#packages/contracts/columns.ts';
import { testSeed } from '../../support/seed.ts';

/** The naive row loop the kernel must agree with: rows as objects, a Map per key. */
function naiveGroupBy(
  rows: readonly Record<string, unknown>[],
  keys: readonly string[],
  sums: readonly string[],
): Group[] {
  const groups = new Map<string, { key: GroupKeyValue[]; count: number; sums: number[]; summed: number[] }>();
  for (const row of rows) {
    const key = keys.map((name) => (row[name] === undefined ? null : (row[name] as GroupKeyValue)));
    const id = JSON.stringify(key);
    const group = groups.get(id) ?? { key, count: 0, sums: sums.map(() => 0), summed: sums.map(() => 0) };
    group.count += 1;
    sums.forEach((name, index) => {
      const value = row[name];
      if (typeof value === 'number') {
        group.sums[index]! += value;
        group.summed[index]! += 1;
      }
    });
    groups.set(id, group);
  }
  const order = (a: GroupKeyValue, b: GroupKeyValue) =>
    a === b
      ? 0
      : a === null
        ? 1
        : b === null
          ? -1
          : typeof a === 'string' && typeof b === 'string'
            ? a < b
              ? -1
              : 1
            : Number(a) < Number(b)
              ? -1
              : 1;
  return [...groups.values()].sort((a, b) => {
    for (let index = 0; index < keys.length; index += 1) {
      const compared = order(a.key[index] ?? null, b.key[index] ?? null);
      if (compared !== 0) return compared;
    }
    return 0;
  });
}

async function projectTable(rows: readonly Record<string, unknown>[], batchSize: number) {
  const writer = new ArrowTableWriter(columnSpecs(contractForTable('jmdi_project')), { batchSize });
  for (const row of rows) writer.append(row);
  return readArrowTable(await writer.finish());
}

const project = fc.record(
  {
    project_id: fc.string({ minLength: 1, maxLength: 6 }),
    target_country_iso3: fc.constantFrom('MDA', 'SEN', 'PHL', 'ECU', undefined),
    theme_primary: fc.constantFrom(...THEME_JMDI, undefined),
    jmdi_code: fc.constantFrom('A', 'Bé', '😀', '', undefined),
    activity_status: fc.constantFrom(1, 2, 6, undefined),
    total_budget_amount: fc.oneof(fc.double({ min: 0, max: 1e7, noNaN: true }), fc.constant(undefined)),
    duration_months: fc.constantFrom(3, 12, undefined),
  },
  { requiredKeys: ['project_id'] },
);

describe('groupByColumns', () => {
  it('counts and sums budget by country and theme exactly as a row loop does', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(project, { maxLength: 300 }),
        fc.constantFrom(1, 7, 64, 65_536),
        async (rows, batchSize) => {
          const table = await projectTable(rows, batchSize);
          const keys = ['target_country_iso3', 'theme_primary'];
          const sums = ['total_budget_amount', 'duration_months'];
          expect(groupByColumns(table, { keys, sums })).toEqual(naiveGroupBy(tableRows(table), keys, sums));
        },
      ),
      { numRuns: 80 },
    );
  });

  it('groups by Utf8, integer and single keys, nulls as their own group', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(project, { maxLength: 200 }), async (rows) => {
        const table = await projectTable(rows, 16);
        const plain = tableRows(table);
        for (const keys of [['jmdi_code'], ['activity_status', 'jmdi_code'], ['theme_primary']]) {
          expect(groupByColumns(table, { keys })).toEqual(naiveGroupBy(plain, keys, []));
        }
      }),
      { numRuns: 60 },
    );
  });

  it('gives the counts a user would read off the rows', async () => {
    const table = await projectTable(
      [
        { project_id: 'a', target_country_iso3: 'MDA', theme_primary: 'rights', total_budget_amount: 10 },
        { project_id: 'b', target_country_iso3: 'MDA', theme_primary: 'rights', total_budget_amount: 5.5 },
        { project_id: 'c', target_country_iso3: 'SEN', theme_primary: 'rights' },
      ],
      2,
    );
    expect(groupByColumns(table, { keys: ['target_country_iso3'], sums: ['total_budget_amount'] })).toEqual([
      { key: ['MDA'], count: 2, sums: [15.5], summed: [2] },
      { key: ['SEN'], count: 1, sums: [0], summed: [0] },
    ]);
  });

  it('refuses a column it cannot group by or sum', async () => {
    const table = await projectTable([{ project_id: 'a' }], 2);
    expect(() => groupByColumns(table, { keys: ['nope'] })).toThrow(GroupByColumnError);
    expect(() => groupByColumns(table, { keys: ['project_id'], sums: ['project_id'] })).toThrow(
      GroupByColumnError,
    );
  });
});

const listed = fc.record({
  project_id: fc.string({ minLength: 1, maxLength: 6 }),
  target_country_iso3: fc.constantFrom('MDA', 'SEN', 'PHL', undefined),
  jmdi_code: fc.constantFrom('A', 'Bé', '😀', '', undefined),
  activity_status: fc.constantFrom(1, 2, 6, undefined),
  total_budget_amount: fc.oneof(fc.double({ min: 0, max: 1e7, noNaN: true }), fc.constant(undefined)),
  partner_countries_iso3: fc.option(fc.array(fc.constantFrom('MDA', 'SEN', 'ITA'), { maxLength: 3 }), {
    nil: undefined,
  }),
});

describe('column kernels over several tables', () => {
  it('read every row of every table as the row objects hold it', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.array(listed, { maxLength: 40 }), { maxLength: 3 }),
        fc.constantFrom(1, 7, 65_536),
        async (files, batchSize) => {
          const tables = await Promise.all(files.map((rows) => projectTable(rows, batchSize)));
          const rows = tables.flatMap((table) => tableRows(table));

          const decode = (name: string) => {
            const { codes, values } = columnCodes(tables, name);
            return Array.from(codes, (code) => (code < 0 ? undefined : values[code]));
          };
          const lists = listCodes(tables, 'partner_countries_iso3');
          const numbers = numberColumn(tables, 'total_budget_amount');

          for (const name of ['target_country_iso3', 'jmdi_code', 'activity_status', 'project_id'])
            expect(decode(name)).toEqual(rows.map((row) => row[name]));
          expect(stringColumn(tables, 'jmdi_code')).toEqual(rows.map((row) => row.jmdi_code));
          expect(
            rows.map((_, index) =>
              lists.valid[index]
                ? Array.from(
                    lists.codes.subarray(lists.offsets[index]!, lists.offsets[index + 1]!),
                    (code) => lists.values[code],
                  )
                : undefined,
            ),
          ).toEqual(rows.map((row) => row.partner_countries_iso3));
          expect(rows.map((_, index) => (numbers.valid[index] ? numbers.values[index] : undefined))).toEqual(
            rows.map((row) => row.total_budget_amount),
          );
        },
      ),
      { numRuns: 60 },
    );
  });

  it('give, fed one file at a time, what they give for the same rows in one table, for any cut', async () => {
    const seed = testSeed('column kernels one file at a time');
    await fc.assert(
      fc.asyncProperty(
        fc.array(listed, { maxLength: 60 }),
        // Where the files end (empty files included) and how long their batches are: a batch
        // boundary falls inside a run of equal values, as the values repeat.
        fc.array(fc.nat({ max: 60 }), { maxLength: 4 }),
        fc.constantFrom(1, 2, 3, 7, 65_536),
        async (rows, cuts, batchSize) => {
          const ends = [...cuts.map((cut) => Math.min(cut, rows.length)).sort((a, b) => a - b), rows.length];
          const files = ends.map((end, index) => rows.slice(index === 0 ? 0 : ends[index - 1], end));
          const tables = await Promise.all(files.map((part) => projectTable(part, batchSize)));
          const whole = [await projectTable(rows, 65_536)];
          const codes = [
            'target_country_iso3',
            'theme_primary',
            'jmdi_code',
            'activity_status',
            'project_id',
          ].map((name) => new ColumnCodesBuilder(name));
          const lists = new ListCodesBuilder('partner_countries_iso3');
          const numbers = new NumberColumnBuilder('total_budget_amount');
          const strings = new StringColumnBuilder('jmdi_code');
          const locators = new LocatorCodesBuilder();

          for (const table of tables) {
            for (const builder of [...codes, lists, numbers, strings]) builder.add(table);
            addLocators(locators, table, 'project_id');
          }

          for (const builder of codes) expect(builder.build()).toEqual(columnCodes(whole, builder.name));
          expect(lists.build()).toEqual(listCodes(whole, 'partner_countries_iso3'));
          expect(numbers.build()).toEqual(numberColumn(whole, 'total_budget_amount'));
          expect(strings.build()).toEqual(stringColumn(whole, 'jmdi_code'));
          expect(locators.build()).toEqual(locatorCodes(whole, 'project_id'));
        },
      ),
      { numRuns: 100, seed },
    );
  });

  it('give one code space to tables whose dictionaries differ, and -1 where a table lacks the column', async () => {
    const first = await projectTable([{ project_id: 'a', theme_primary: 'rights' }], 2);
    const second = await projectTable(
      [
        { project_id: 'b', theme_primary: 'remittances' },
        { project_id: 'c', theme_primary: 'rights' },
      ],
      2,
    );
    const writer = new ArrowTableWriter(columnSpecs(contractForTable('jmdi_lesson')));
    writer.append({ lesson_id: 'LES-1', theme: 'rights' });
    const lessons = readArrowTable(await writer.finish());

    const { codes, values } = columnCodes([first, lessons, second], 'theme_primary');

    expect(first.getChild('theme_primary')?.data[0]?.dictionary).not.toBe(
      second.getChild('theme_primary')?.data[0]?.dictionary,
    );
    expect(Array.from(codes, (code) => (code < 0 ? null : values[code]))).toEqual([
      'rights',
      null,
      'remittances',
      'rights',
    ]);
    expect(codes[3]).toBe(codes[0]);
  });

  it('group rows by code, keeping their order, and rows that belong to several groups in the order added', () => {
    const grouped = groupRows(Int32Array.from([2, 0, -1, 2, 0]), 3);
    const members = new GroupMembers();
    for (const [group, row] of [
      [1, 4],
      [0, 4],
      [1, 2],
      [1, 9],
    ] as const)
      members.add(group, row);
    const built = members.build(3);

    expect([0, 1, 2].map((group) => Array.from(rowsOf(grouped, group)))).toEqual([[1, 4], [], [0, 3]]);
    expect([0, 1, 2].map((group) => Array.from(rowsOf(built, group)))).toEqual([[4], [4, 2, 9], []]);
  });

  it('refuse columns they do not read', async () => {
    const table = await projectTable([{ project_id: 'a' }], 2);

    expect(() => columnCodes([table], 'total_budget_amount')).toThrow(GroupByColumnError);
    expect(() => listCodes([table], 'project_id')).toThrow(GroupByColumnError);
    expect(() => numberColumn([table], 'project_id')).toThrow(GroupByColumnError);
    expect(() => stringColumn([table], 'theme_primary')).toThrow(GroupByColumnError);
  });
});
