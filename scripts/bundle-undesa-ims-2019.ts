/**
 * Converts the real UN DESA International Migrant Stock 2019 extract
 * (`../shared/data/undesa-ims-2019/migrant-stock-by-sex-1990-2019.csv`: Tables 1 and 3 of
 * `UN_MigrantStockTotal_2019.xlsx`, one row per area × year × sex) into the `observation`
 * contract CSV the bundled evidence base ships (`data-contracts/samples/statistics/`).
 *
 * Kept: the countries the bundled briefing has an item for (so `npm start` stays fast), every
 * year (1990–2019) and sex; values unchanged. Run: `npx tsx scripts/bundle-undesa-ims-2019.ts <extract.csv>`.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { parse } from 'csv-parse/sync';
import { countryReference } from '#packages/formats/countries.ts';

/** Countries with a brief in the bundled evidence base: pilots, surveyed UNCTs, JMDI targets, event hosts. */
const BRIEFED = [
  ...['BGD', 'JAM', 'MLI', 'MDA', 'TUN', 'MUS'],
  ...['DZA', 'CPV', 'ECU', 'EGY', 'ETH', 'GEO', 'GHA', 'MAR', 'NGA', 'PHL', 'SEN', 'LKA'],
  ...['KGZ', 'SRB', 'NPL', 'MEX', 'ZWE', 'ARM', 'USA'],
];

const REVISION = 'POP/DB/MIG/Stock/Rev.2019';
const SEX_LABEL: Record<string, string> = { _T: 'both sexes', M: 'males', F: 'females' };
const HEADER =
  'indicator_id,ref_area_iso3,time_period,value,unit,sex,data_type_note,source,dataset_revision,source_doc_id,source_locator,extraction_method,confidence,as_of_date';

const [
  input = '../shared/data/undesa-ims-2019/migrant-stock-by-sex-1990-2019.csv',
  output = 'data-contracts/samples/statistics/undesa-ims-2019.csv',
] = process.argv.slice(2);
const countries = countryReference();
/** The extract's rows (areas such as "China, Hong Kong SAR" are quoted: a CSV parser reads them). */
const rows: string[][] = parse(readFileSync(input, 'utf8'), { from_line: 2, skip_empty_lines: true });
const out = [HEADER];
for (const [m49, area, type, year, sex, stock, pct] of rows) {
  const iso3 = countries.rows.find((country) => country.m49 === m49)?.iso3;
  if (!iso3 || !BRIEFED.includes(iso3)) continue;
  const quoted = (text: string) => `"${text.replace(/"/g, '""')}"`;
  for (const [indicator, table, unit, value] of [
    ['IMM_STOCK', 'Table 1', 'persons', stock],
    ['IMM_STOCK_PCT', 'Table 3', 'percent', pct],
  ] as const) {
    out.push(
      [
        indicator,
        iso3,
        year,
        value,
        unit,
        sex,
        type,
        'UNDESA_IMS',
        REVISION,
        'DOC-undesa-ims-rev2019',
        quoted(`${table}, ${area} (${m49}), ${year}, ${SEX_LABEL[sex!]}`),
        'parser',
        'high',
        `${year}-07-01`,
      ].join(','),
    );
  }
}
writeFileSync(output, `${out.join('\r\n')}\r\n`);
console.log(
  `${output}: ${out.length - 1} observations of ${new Set(out.slice(1).map((row) => row.split(',')[1])).size} countries`,
);
