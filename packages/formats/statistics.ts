import { indicatorDefinition, type Unit } from '#contracts/indicators.ts';
import { countryReference, isAggregateM49 } from './countries.ts';
import {
  type CsvRecord,
  detectDelimiter,
  formulaWithoutValueProblem,
  isBlankRecord,
  iterateCsvRecords,
  refuseDuplicateHeader,
} from './csv.ts';
import { type DecimalStyle, decimalStyleOf, readStatistic } from './numbers.ts';
import {
  type ReaderInput,
  type ReadNotice,
  type RowProblem,
  type SourceReadResult,
  SourceRefusedError,
  type SourceRow,
} from './reader.ts';
import { decodeText } from './text.ts';
import { hiddenSheetNotices, readWorkbook, type SheetRecords } from './xlsx.ts';

/**
 * Statistical tables → long `observation` rows (DOMAIN.md A2, §4.7): World Bank WDI CSV (one
 * column per year), UN DESA migrant-stock Excel, and SDMX-CSV 1.0/2.0.
 *
 * Each reader reads what the table says: the indicator, unit, unit multiplier and sex of a figure
 * come from the table's own title and the header of the block the figure sits in (UN DESA), from
 * the series code and its name (WDI), from the unit attributes (SDMX) — never from a line every
 * table shares, and never by guessing. A block or series whose unit cannot be established is left
 * out with a reported reason, or its rows are quarantined; a percentage is never stored as persons.
 *
 * Every row carries `source` and `dataset_revision`, read from the file itself (WDI "Last Updated
 * Date", the DESA `POP/DB/MIG/Stock/Rev.YYYY` citation, the SDMX dataflow id) or given in the
 * options; a file whose source or revision cannot be established is refused, so two sources or
 * revisions never end up in one series. Areas that are not countries of the reference (regions,
 * income groups, M49 ≥ 900, unknown codes) are left out and named in a notice each.
 */

/** How a source's series is stored: which indicator, in which unit. */
export interface SeriesMapping {
  readonly indicator_id: string;
  readonly unit: Unit;
  readonly unit_mult?: number;
}

export interface StatisticsOptions {
  /** Source code (`UNDESA_IMS`, `WB_WDI`, `WB_KNOMAD_BILAT`, `WB_RPW`, `SDG_GLOBAL_DB`, `national`). */
  readonly source?: string;
  /** Dataset revision (`POP/DB/MIG/Stock/Rev.2013`, `WDI 2021-09-15`). */
  readonly revision?: string;
  /** Series of the file when the file itself names none the reader knows. */
  readonly indicator?: SeriesMapping;
  /** Source series codes → indicators (added to the built-in WDI table). */
  readonly indicatorMap?: Readonly<Record<string, SeriesMapping>>;
}

/** The WDI series the evidence base uses. */
export const WDI_SERIES: Readonly<Record<string, SeriesMapping>> = {
  'BX.TRF.PWKR.CD.DT': { indicator_id: 'REMIT_IN_USD', unit: 'USD' },
  'BX.TRF.PWKR.DT.GD.ZS': { indicator_id: 'REMIT_IN_PCT_GDP', unit: 'percent' },
  'BM.TRF.PWKR.CD.DT': { indicator_id: 'REMIT_OUT_USD', unit: 'USD' },
  'SM.POP.TOTL': { indicator_id: 'IMM_STOCK', unit: 'persons' },
  'SM.POP.TOTL.ZS': { indicator_id: 'IMM_STOCK_PCT', unit: 'percent' },
  'SM.POP.REFG': { indicator_id: 'REFUGEE_STOCK', unit: 'persons' },
  'SI.RMT.COST.IB.ZS': { indicator_id: 'REMIT_COST_PCT', unit: 'percent' },
  'SP.POP.TOTL': { indicator_id: 'POP_TOTAL', unit: 'persons' },
};

/** A statistical cell as a number, null when missing, or the problem it is (see numbers.ts). */
export function observationValue(cell: string, style?: DecimalStyle): number | null | string {
  const read = readStatistic(cell, style);
  return read.ok ? read.value : cell;
}

function metadataMissing(fileName: string, what: string, hint: string): SourceRefusedError {
  return new SourceRefusedError(
    `File '${fileName}': the ${what} of the statistics cannot be established from the file`,
    'statistics-metadata',
    hint,
  );
}

// ---- areas ----------------------------------------------------------------------------------------

type AreaOutcome =
  | { readonly iso3: string }
  | { readonly excluded: string; readonly why: 'aggregate' | 'non-iso' | 'unknown' };

const areaCache = new Map<string, AreaOutcome>();

/** A country of the reference by ISO3/ISO2/M49 code; anything else is left out (with why). */
function countryArea(code: string): AreaOutcome {
  let outcome = areaCache.get(code);
  if (!outcome) {
    outcome = resolveArea(code);
    // Codes repeat once per year column; the set of distinct codes is small (a few hundred).
    if (areaCache.size < 10_000) areaCache.set(code, outcome);
  }
  return outcome;
}

function resolveArea(code: string): AreaOutcome {
  const trimmed = code.trim();
  if (/^\d{1,4}(?:\.0+)?$/.test(trimmed) && isAggregateM49(trimmed)) {
    return { excluded: trimmed, why: 'aggregate' };
  }
  const resolution = countryReference().resolve(trimmed);
  if (resolution.ok && !resolution.nonIso && /^[A-Z0-9]{2,3}$/i.test(trimmed))
    return { iso3: resolution.iso3 };
  return { excluded: trimmed, why: resolution.ok && resolution.nonIso ? 'non-iso' : 'unknown' };
}

const EXCLUSION_REASONS = {
  aggregate: 'a region or group of countries (UN M49), not a country',
  'non-iso': 'not an ISO 3166-1 country (a World Bank or statistical code)',
  unknown: 'not a country or area of the ISO 3166 / M49 reference (an aggregate or an unknown code)',
} as const;

// ---- the rows -------------------------------------------------------------------------------------

interface ObservationSpec {
  readonly series: SeriesMapping | undefined;
  /** The source's own series code, kept as the indicator when no mapping names one. */
  readonly seriesCode?: string;
  readonly area: string;
  /** Name of the area in the file, for the report of excluded areas. */
  readonly areaName?: string;
  readonly counterpart?: string;
  readonly time_period: string;
  readonly cell: string;
  /** The cell was a number in a workbook (never ambiguous). */
  readonly typedNumber?: boolean;
  readonly sex?: string;
  readonly obs_status?: string;
  readonly unit_mult?: number;
  readonly data_type_note?: string;
  readonly source?: string;
  readonly revision?: string;
  /** Problems of the record this observation comes from (a series whose unit is in doubt …). */
  readonly problems?: readonly RowProblem[];
}

interface ExcludedArea {
  readonly code: string;
  readonly name?: string;
  readonly why: keyof typeof EXCLUSION_REASONS;
  readonly locator: string;
  figures: number;
}

/** Collects the observations of one file, each with its own problems, and the areas left out. */
class ObservationSink {
  readonly rows: SourceRow[] = [];
  readonly notices: ReadNotice[] = [];
  private readonly excluded = new Map<string, ExcludedArea>();
  private readonly input: ReaderInput;
  private readonly source: string;
  private readonly revision: string;
  private readonly style: DecimalStyle | undefined;

  constructor(input: ReaderInput, source: string, revision: string, style: DecimalStyle | undefined) {
    this.input = input;
    this.source = source;
    this.revision = revision;
    this.style = style;
  }

  /** Codes of the areas left out, in the order met. */
  get excludedAreas(): string[] {
    return [...this.excluded.keys()];
  }

  push(locator: string, spec: ObservationSpec): void {
    const area = countryArea(spec.area);
    if (!('iso3' in area)) {
      this.exclude(area, spec.areaName, locator);
      return;
    }
    let counterpartIso3: string | undefined;
    if (spec.counterpart !== undefined && spec.counterpart.trim() !== '') {
      const counterpart = countryArea(spec.counterpart);
      if (!('iso3' in counterpart)) {
        this.exclude(counterpart, undefined, locator);
        return;
      }
      counterpartIso3 = counterpart.iso3;
    }
    const problems: RowProblem[] = [...(spec.problems ?? [])];
    const read = readStatistic(spec.cell, spec.typedNumber ? 'point' : this.style);
    if (!read.ok) {
      problems.push({
        field: 'value',
        rule: read.rule,
        message: read.message,
        value: spec.cell,
        hint: 'Write the figure as a plain number (1500, 12.5), or a missing-value marker (.., -, empty)',
        rejectsRow: true,
      });
    }
    const unit = spec.series?.unit;
    const unitMult = spec.unit_mult ?? spec.series?.unit_mult;
    const indicatorId = spec.series?.indicator_id ?? spec.seriesCode;
    const unitInDoubt = problems.some(
      (problem) => problem.rule === 'unit-conflict' || problem.rule === 'unit-unknown',
    );
    if ((!indicatorId || !unit) && !unitInDoubt) {
      problems.push({
        field: indicatorId ? 'unit' : 'indicator_id',
        rule: 'indicator-unknown',
        message: `The ${indicatorId ? `unit of series '${indicatorId}'` : 'indicator'} cannot be established from the file`,
        ...(spec.seriesCode ? { value: spec.seriesCode } : {}),
        hint: 'Pass the indicator (id and unit) in the statistics options, or add the series code to the indicator map',
        rejectsRow: true,
      });
    }
    this.rows.push({
      table: 'observation',
      locator,
      values: {
        ...(indicatorId ? { indicator_id: indicatorId } : {}),
        ref_area_iso3: area.iso3,
        ...(counterpartIso3 ? { counterpart_iso3: counterpartIso3 } : {}),
        time_period: spec.time_period,
        value: read.ok ? read.value : spec.cell,
        ...(unit ? { unit } : {}),
        ...(unitMult !== undefined ? { unit_mult: unitMult } : {}),
        ...(spec.sex ? { sex: spec.sex } : {}),
        ...(spec.obs_status ? { obs_status: spec.obs_status } : {}),
        ...(spec.data_type_note ? { data_type_note: spec.data_type_note } : {}),
        source: spec.source ?? this.source,
        dataset_revision: spec.revision ?? this.revision,
        source_doc_id: this.input.docId,
        source_locator: locator,
        extraction_method: 'parser',
        confidence: 'high',
        ...(this.input.receivedAt ? { extracted_at: this.input.receivedAt } : {}),
      },
      ...(problems.length ? { problems } : {}),
    });
  }

  private exclude(
    area: { readonly excluded: string; readonly why: ExcludedArea['why'] },
    name: string | undefined,
    locator: string,
  ): void {
    const known = this.excluded.get(area.excluded);
    if (known) known.figures += 1;
    else
      this.excluded.set(area.excluded, {
        code: area.excluded,
        ...(name?.trim() ? { name: name.trim() } : {}),
        why: area.why,
        locator,
        figures: 1,
      });
  }

  /** Every notice of the file: areas left out (one each, by name), then the reader's own. */
  allNotices(): ReadNotice[] {
    const areas = [...this.excluded.values()].map(
      (area): ReadNotice => ({
        table: 'observation',
        locator: area.locator,
        field: 'ref_area_iso3',
        rule: 'area-excluded',
        message: `'${area.code}'${area.name ? ` (${area.name})` : ''} is ${EXCLUSION_REASONS[area.why]}: its ${area.figures} figure${area.figures === 1 ? ' was' : 's were'} left out`,
        value: area.code,
      }),
    );
    return [...areas, ...this.notices];
  }
}

// ---- World Bank WDI CSV -------------------------------------------------------------------------

const YEAR_HEADER = /^(\d{4})(?: \[YR\d{4}\])?$/;

/** True when the text is a WDI/DataBank CSV (a `Country Code` header with year columns). */
export function isWdiCsv(text: string): boolean {
  return (
    /"?Country Code"?\s*[,;\t]/.test(text.slice(0, 4096)) &&
    /"?(Indicator|Series) Code"?/.test(text.slice(0, 4096))
  );
}

/** The unit a WDI series code states by its suffix (`.ZS` share, `.ZG` growth, `.CD` current US$). */
export function wdiUnitOfCode(code: string): Unit | undefined {
  if (/\.ZS$/.test(code)) return 'percent';
  if (/\.ZG$/.test(code)) return 'percent_change';
  if (/\.CD(?:\.DT)?$/.test(code)) return 'USD';
  return undefined;
}

/** The unit a WDI series name states (`(% of GDP)`, `(annual %)`, `(current US$)`). */
export function wdiUnitOfName(name: string): Unit | undefined {
  if (/annual %|% change|% growth/i.test(name)) return 'percent_change';
  if (/%|percent/i.test(name)) return 'percent';
  if (/US\$/.test(name)) return 'USD';
  return undefined;
}

/** A WDI series outside the built-in table keeps its code: `SP.POP.GROW` → `WDI_SP_POP_GROW`. */
function wdiIndicatorId(code: string): string {
  return `WDI_${code.toUpperCase().replace(/[^A-Z0-9]+/g, '_')}`;
}

/**
 * The series of one WDI line: the built-in table (checked against the name), else the unit the
 * code and the name both state. A code and a name that disagree make a problem for the line.
 */
function wdiSeries(
  code: string | undefined,
  name: string | undefined,
  options: StatisticsOptions,
): { series?: SeriesMapping; problems: RowProblem[] } {
  const mapped = code ? (options.indicatorMap?.[code] ?? WDI_SERIES[code]) : undefined;
  const nameUnit = name ? wdiUnitOfName(name) : undefined;
  if (mapped) {
    if (nameUnit && nameUnit !== mapped.unit) {
      return { series: mapped, problems: [unitConflict(code ?? '', mapped.unit, nameUnit, name ?? '')] };
    }
    return { series: mapped, problems: [] };
  }
  if (!code) return options.indicator ? { series: options.indicator, problems: [] } : { problems: [] };
  const codeUnit = wdiUnitOfCode(code);
  if (codeUnit && nameUnit && codeUnit !== nameUnit) {
    return { problems: [unitConflict(code, codeUnit, nameUnit, name ?? '')] };
  }
  const unit = codeUnit ?? nameUnit;
  if (unit) return { series: { indicator_id: wdiIndicatorId(code), unit }, problems: [] };
  return options.indicator ? { series: options.indicator, problems: [] } : { problems: [] };
}

function unitConflict(code: string, expected: Unit, stated: Unit, name: string): RowProblem {
  return {
    field: 'unit',
    rule: 'unit-conflict',
    message: `series '${code}' is read in ${expected}, but its name '${name}' states ${stated}`,
    value: name,
    hint: 'Check that the series code and name belong together; correct the file, or map the code with the indicator map',
    rejectsRow: true,
  };
}

/** World Bank WDI API / DataBank CSV → observations, one per country and year. */
export async function readWdiCsv(
  input: ReaderInput,
  options: StatisticsOptions = {},
): Promise<SourceReadResult> {
  const decoded = decodeText(input.bytes, input.fileName, input.encoding);
  const delimiter = detectDelimiter(decoded.text);
  const records = [...iterateCsvRecords(decoded.text, { delimiter, fileName: input.fileName })];
  const headerIndex = records.findIndex((record) =>
    record.record.some((cell) => cell.trim() === 'Country Code'),
  );
  const header = records[headerIndex];
  if (!header) {
    throw new SourceRefusedError(
      `File '${input.fileName}' is not a World Bank WDI CSV: no "Country Code" header`,
      'unknown-columns',
      'Download the indicator as CSV from the World Bank API or DataBank without changing its layout.',
    );
  }
  refuseDuplicateHeader(input.fileName, header.record, `line ${header.line}`);
  const preamble = new Map<string, string>();
  for (const record of records.slice(0, headerIndex)) {
    const [key, value] = record.record;
    if (key?.trim() && value?.trim()) preamble.set(key.trim(), value.trim());
  }
  const lastUpdated = preamble.get('Last Updated Date');
  const source =
    options.source ??
    (preamble.get('Data Source') === 'World Development Indicators' || lastUpdated ? 'WB_WDI' : undefined);
  const revision = options.revision ?? (lastUpdated ? `WDI ${lastUpdated}` : undefined);
  if (!source || !revision) {
    throw metadataMissing(
      input.fileName,
      source ? 'revision' : 'source',
      'Keep the "Data Source" and "Last Updated Date" lines of the download, or pass --source and --revision.',
    );
  }
  const cells = header.record.map((cell) => cell.trim());
  const codeAt = cells.indexOf('Country Code');
  const nameAt = cells.indexOf('Country Name');
  const indicatorAt = Math.max(cells.indexOf('Indicator Code'), cells.indexOf('Series Code'));
  const indicatorNameAt = Math.max(cells.indexOf('Indicator Name'), cells.indexOf('Series Name'));
  const years = cells
    .map((cell, index) => ({ year: YEAR_HEADER.exec(cell)?.[1], index }))
    .filter((entry): entry is { year: string; index: number } => entry.year !== undefined);
  const data = records.slice(headerIndex + 1).filter((record) => !isBlankRecord(record.record));
  const style = decimalStyleOf(
    data.flatMap((record) => years.map(({ index }) => record.record[index] ?? '')),
  );
  const sink = new ObservationSink(input, source, revision, style);
  const seenIndicators = new Set<string>();
  for (const record of data) {
    const code = record.record[codeAt] ?? '';
    const seriesCode = indicatorAt >= 0 ? (record.record[indicatorAt] ?? '').trim() || undefined : undefined;
    if (seriesCode) seenIndicators.add(seriesCode);
    const seriesName = indicatorNameAt >= 0 ? record.record[indicatorNameAt]?.trim() : undefined;
    const { series, problems } = wdiSeries(seriesCode, seriesName, options);
    for (const { year, index } of years) {
      sink.push(`line ${record.line} column ${year}`, {
        series,
        ...(seriesCode ? { seriesCode: wdiIndicatorId(seriesCode) } : {}),
        area: code,
        ...(nameAt >= 0 ? { areaName: record.record[nameAt] } : {}),
        time_period: year,
        cell: record.record[index] ?? '',
        problems,
      });
    }
  }
  return {
    format: 'wdi-csv',
    declaredContracts: {},
    rows: sink.rows,
    notices: sink.allNotices(),
    metadata: {
      encoding: decoded.encoding,
      bom: decoded.bom,
      source,
      revision,
      indicators: [...seenIndicators],
      excludedAreas: sink.excludedAreas,
      ...(style ? { decimalStyle: style } : {}),
      ...Object.fromEntries(preamble),
    },
  };
}

// ---- UN DESA migrant-stock Excel ----------------------------------------------------------------

const DESA_REVISION = /POP\/DB\/MIG\/[A-Za-z]+\/Rev\.?\s?\d{4}/;
/** Rows searched for a table's title and header. */
const DESA_HEADER_ROWS = 40;

/** What one block of a DESA table holds, or why it is left out. */
type DesaMeasure = SeriesMapping | { readonly skip: string };

/**
 * The indicator a DESA table title or block header names. Percentages are told apart first, so a
 * share is never read as a stock; a rate of change or an age breakdown is left out with a reason.
 */
export function desaMeasure(text: string): DesaMeasure | undefined {
  // A title starts "Table 3 - …" or "Table 3. …": what it holds follows.
  const lower = text
    .toLowerCase()
    .replace(/^table\s*\d+\s*[-.:–]?\s*/, '')
    .trim();
  const unitMult = /\bthousands\b/.test(lower) ? 3 : /\bmillions\b/.test(lower) ? 6 : undefined;
  const scaled = (indicator_id: string): SeriesMapping => ({
    indicator_id,
    unit: 'persons',
    ...(unitMult !== undefined ? { unit_mult: unitMult } : {}),
  });
  if (/rate of change|growth rate/.test(lower)) {
    return { skip: 'an annual rate of change over a period (1990-1995 …) is not a figure of one period' };
  }
  if (/\bby age\b|age group|\baged\b/.test(lower)) {
    return { skip: 'figures by age group: the observation contract has no age dimension' };
  }
  if (/percentage|per cent|%/.test(lower)) {
    // A share is known by what it is a share of: the migrant stock, or the total population.
    const ofStock = /(?:percentage|per cent|%) of the (?:international )?migrant stock/.test(lower);
    const ofPopulation = /(?:percentage|per cent|%) of the (?:total )?population/.test(lower);
    if (ofStock && /^female migrants/.test(lower))
      return { indicator_id: 'IMM_STOCK_FEMALE_PCT', unit: 'percent' };
    if (ofStock && /^(?:estimated )?refugees?/.test(lower)) {
      return { indicator_id: 'REFUGEE_PCT_IMM_STOCK', unit: 'percent' };
    }
    if (ofPopulation && /^(?:international )?migrant stock/.test(lower)) {
      return { indicator_id: 'IMM_STOCK_PCT', unit: 'percent' };
    }
    return { skip: 'a percentage that is none of the shares this reader knows (never stored as persons)' };
  }
  if (/refugee/.test(lower)) return scaled('REFUGEE_STOCK');
  if (/total population/.test(lower)) return scaled('POP_TOTAL');
  if (/migrant stock/.test(lower)) return scaled('IMM_STOCK');
  return undefined;
}

/** SDMX sex code of a block header: `… (both sexes)`, `(males)`, `(female)`, or a bare `Male`. */
export function desaSex(label: string): string | undefined {
  const text = label.trim().toLowerCase();
  const inParentheses = /\((both sexes|males?|females?)\)\s*$/.exec(text)?.[1];
  const word = inParentheses ?? (/^(both sexes|males?|females?)$/.exec(text)?.[1] || undefined);
  if (word === undefined) return undefined;
  return word === 'both sexes' ? '_T' : word.startsWith('female') ? 'F' : 'M';
}

/** The header of a block is only a sex (`Both sexes`, `Male`): it names no indicator. */
function isSexOnly(label: string): boolean {
  return /^(both sexes|males?|females?)$/i.test(label.trim());
}

/** Citation, copyright and licence lines every table of a workbook shares. */
function isSharedLine(text: string): boolean {
  return /suggested citation|©|\bcopyright\b|\blicen[cs]ed?\b|POP\/DB\/MIG|department of economic and social affairs/i.test(
    text,
  );
}

function columnLetter(index: number): string {
  let n = index + 1;
  let letters = '';
  while (n > 0) {
    const remainder = (n - 1) % 26;
    letters = String.fromCharCode(65 + remainder) + letters;
    n = Math.floor((n - 1) / 26);
  }
  return letters;
}

/** UN DESA International Migrant Stock workbook → observations (M49 countries, aggregates left out). */
export async function readUndesaXlsx(
  input: ReaderInput,
  options: StatisticsOptions = {},
): Promise<SourceReadResult> {
  const { sheets, hiddenSheets } = await readWorkbook(input.bytes, input.fileName);
  const allText = sheets
    .flatMap((sheet) => sheet.records.slice(0, DESA_HEADER_ROWS).flatMap((record) => record.record))
    .join('\n');
  const revision = options.revision ?? DESA_REVISION.exec(allText)?.[0].replace(/Rev\.?\s?/, 'Rev.');
  const source =
    options.source ??
    (/Department of Economic and Social Affairs|POP\/DB\/MIG/i.test(allText) ? 'UNDESA_IMS' : undefined);
  if (!source || !revision) {
    throw metadataMissing(
      input.fileName,
      source ? 'revision' : 'source',
      'Keep the citation line (… POP/DB/MIG/Stock/Rev.2019) above the table, or pass --source UNDESA_IMS and --revision.',
    );
  }
  const textCells = sheets.flatMap((sheet) =>
    sheet.records.flatMap((record) =>
      record.record.filter((_, index) => !(record.numericColumns ?? []).includes(index)),
    ),
  );
  const sink = new ObservationSink(input, source, revision, decimalStyleOf(textCells));
  const readSheets: string[] = [];
  const skippedSheets: string[] = [];
  const tables: Record<string, string> = {};
  for (const sheet of sheets) {
    const table = readDesaSheet(sheet, sink, options);
    if (table) {
      readSheets.push(sheet.name);
      tables[sheet.name] = table;
    } else skippedSheets.push(sheet.name);
  }
  if (readSheets.length === 0) {
    throw new SourceRefusedError(
      `Workbook '${input.fileName}' has no UN DESA table: no sheet has a header row with a "Code" column and year columns`,
      'unknown-columns',
      'Upload the workbook as published by UN DESA (sheets "Table 1" …), or a CSV in the observation contract.',
    );
  }
  sink.notices.push(...hiddenSheetNotices(hiddenSheets));
  return {
    format: 'undesa-xlsx',
    declaredContracts: {},
    rows: sink.rows,
    notices: sink.allNotices(),
    metadata: {
      source,
      revision,
      sheets: readSheets,
      tables,
      skippedSheets,
      ...(hiddenSheets.length ? { hiddenSheets } : {}),
      excludedAreas: sink.excludedAreas,
    },
  };
}

const YEAR_CELL = /^(\d{4})(?:\.0)?$/;
/** A column of an interval (`1990-1995`), as the rates of change are given. */
const PERIOD_CELL = /^\d{4}\s*[-–]\s*\d{4}$/;
const CODE_HEADER = /^(country )?code$/i;

/** One block of a DESA table: a header spanning year columns, and what it holds. */
interface DesaBlock {
  readonly label: string;
  readonly start: number;
  readonly columns: { readonly index: number; readonly year: string; readonly sex?: string }[];
}

/**
 * One table sheet: its title (the `Table N …` line, not the citation all sheets share), its header
 * (a code column, a row of years, the block headers above or beside them, or a sex row below),
 * then one observation per country row and year column of every block whose indicator the block
 * header or the title names. Returns the table title, or undefined when the sheet is no table.
 */
function readDesaSheet(
  sheet: SheetRecords,
  sink: ObservationSink,
  options: StatisticsOptions,
): string | undefined {
  const records = sheet.records;
  const searched = records.slice(0, DESA_HEADER_ROWS);
  const codeRow = searched.findIndex((record) => record.record.some((cell) => CODE_HEADER.test(cell.trim())));
  const codeRecord = records[codeRow];
  if (!codeRecord) return undefined;
  const hasYears = (record: CsvRecord | undefined) =>
    (record?.record ?? []).some((cell) => YEAR_CELL.test(cell.trim()) || PERIOD_CELL.test(cell.trim()));
  const yearRow = hasYears(codeRecord) ? codeRow : hasYears(records[codeRow + 1]) ? codeRow + 1 : -1;
  const yearRecord = records[yearRow];
  if (!yearRecord) return undefined;
  const codeAt = codeRecord.record.findIndex((cell) => CODE_HEADER.test(cell.trim()));
  const typeAt = codeRecord.record.findIndex((cell) => /^type of data/i.test(cell.trim()));
  const nameAt = codeRecord.record.findIndex((cell) => /\barea\b|\bcountry\b|\bregion\b/i.test(cell.trim()));
  const firstValueColumn = Math.max(codeAt, typeAt) + 1;

  const titleRecord = records
    .slice(0, codeRow)
    .find((record) => record.record.some((cell) => /^table\s*\d/i.test(cell.trim())));
  const title =
    titleRecord?.record.find((cell) => /^table\s*\d/i.test(cell.trim()))?.trim() ??
    records
      .slice(0, codeRow)
      .flatMap((record) => record.record)
      .map((cell) => cell.trim())
      .find((cell) => cell !== '' && !isSharedLine(cell) && !/^\d+(\.\d+)?$/.test(cell)) ??
    '';

  // Block headers: in the code row when the years are in the row below it (Rev.2019), else in the
  // row above the code row (Rev.2013). A sex row may instead sit below the years (older layouts).
  const labelRecord = yearRow === codeRow + 1 ? codeRecord : records[codeRow - 1];
  const sexRecord = records[yearRow + 1];
  const sexBelow = (sexRecord?.record ?? []).some(
    (cell, index) => index >= firstValueColumn && desaSex(cell) !== undefined,
  );
  const blocks: DesaBlock[] = [];
  let current: DesaBlock | undefined;
  let currentYear: string | undefined;
  yearRecord.record.forEach((cell, index) => {
    if (index < firstValueColumn) return;
    const label = (labelRecord?.record[index] ?? '').trim();
    if (label !== '' && label !== current?.label) {
      current = { label, start: index, columns: [] };
      blocks.push(current);
    } else if (!current) {
      current = { label: '', start: index, columns: [] };
      blocks.push(current);
    }
    const year = YEAR_CELL.exec(cell.trim())?.[1];
    if (year) currentYear = year;
    else if (cell.trim() !== '' || !sexBelow) currentYear = undefined; // a merged year spans blank cells only
    const sex = sexBelow ? desaSex(sexRecord?.record[index] ?? '') : undefined;
    if (currentYear && (!sexBelow || sex))
      current.columns.push({ index, year: currentYear, ...(sex ? { sex } : {}) });
  });

  const dataStart = (sexBelow ? yearRow + 1 : yearRow) + 1;
  const where = (index: number, line: number) => `sheet "${sheet.name}" cell ${columnLetter(index)}${line}`;
  const readable = blocks.flatMap((block) => {
    const measure = blockMeasure(block.label, title, options);
    if (!measure || 'skip' in measure || block.columns.length === 0) {
      const reason = !measure
        ? `neither its header${block.label ? ` '${block.label}'` : ''} nor the table title '${title}' names an indicator this reader knows`
        : 'skip' in measure
          ? measure.skip
          : 'it has no single-year columns';
      sink.notices.push({
        table: 'observation',
        locator: where(block.start, labelRecord?.line ?? yearRecord.line),
        rule: 'block-skipped',
        message: `block ${block.label ? `'${block.label}'` : `at column ${columnLetter(block.start)}`} of '${title || sheet.name}' was not read: ${reason}`,
        hint: 'Upload the figures as an observation CSV with their indicator and unit if they are needed',
      });
      return [];
    }
    return [{ block, measure, sex: desaSex(block.label) }];
  });

  for (const record of records.slice(dataStart)) {
    const code = (record.record[codeAt] ?? '').trim().replace(/\.0+$/, '');
    if (!/^\d{1,4}$/.test(code)) continue; // notes, footers and blank separator rows
    const m49 = code.padStart(3, '0');
    const typeOfData = typeAt >= 0 ? (record.record[typeAt] ?? '').trim() : '';
    const areaName = nameAt >= 0 ? record.record[nameAt] : undefined;
    for (const { block, measure, sex } of readable) {
      for (const column of block.columns) {
        const columnSex = column.sex ?? sex;
        sink.push(where(column.index, record.line), {
          series: measure,
          area: m49,
          ...(areaName ? { areaName } : {}),
          time_period: column.year,
          cell: record.record[column.index] ?? '',
          typedNumber: (record.numericColumns ?? []).includes(column.index),
          ...((record.formulasWithoutValue ?? []).includes(column.index)
            ? { problems: [formulaWithoutValueProblem('value', columnLetter(column.index))] }
            : {}),
          ...(columnSex ? { sex: columnSex } : {}),
          ...(typeOfData ? { data_type_note: typeOfData } : {}),
        });
      }
    }
  }
  return title || sheet.name;
}

/** A block's indicator: its own header first, then the table's title, then the options. */
function blockMeasure(label: string, title: string, options: StatisticsOptions): DesaMeasure | undefined {
  const fromLabel = label && !isSexOnly(label) ? desaMeasure(label) : undefined;
  const fromTitle = title ? desaMeasure(title) : undefined;
  const measure = fromLabel ?? fromTitle ?? options.indicator;
  // A title in thousands scales the blocks under it when their own header does not say so.
  if (
    measure &&
    !('skip' in measure) &&
    measure.unit_mult === undefined &&
    fromTitle &&
    !('skip' in fromTitle)
  ) {
    if (fromTitle.unit_mult !== undefined && fromTitle.indicator_id === measure.indicator_id) {
      return { ...measure, unit_mult: fromTitle.unit_mult };
    }
  }
  return measure;
}

// ---- SDMX-CSV 1.0 and 2.0 ---------------------------------------------------------------------

/** SDMX-CSV version from the first header cell (`DATAFLOW` → 1.0, `STRUCTURE` → 2.0). */
export function sdmxCsvVersion(text: string): '1.0' | '2.0' | undefined {
  const head = text
    .replace(/^\uFEFF/, '')
    .trimStart()
    .slice(0, 40)
    .replace(/^"/, '');
  if (/^DATAFLOW\b/.test(head)) return '1.0';
  if (/^STRUCTURE\b/.test(head)) return '2.0';
  return undefined;
}

/** `labels=both` writes `CODE: Name`; keep the code. Multi-valued headers end in `[]`. */
function sdmxCode(cell: string): string {
  const trimmed = cell.trim();
  const colon = trimmed.indexOf(': ');
  return (colon > 0 ? trimmed.slice(0, colon) : trimmed).replace(/\[\]$/, '');
}

/** The name part of a `labels=both` cell (`WLD: World` → `World`), if any. */
function sdmxLabel(cell: string): string | undefined {
  const trimmed = cell.trim();
  const colon = trimmed.indexOf(': ');
  return colon > 0 ? trimmed.slice(colon + 2) : undefined;
}

const SDMX_SEX: Readonly<Record<string, string>> = {
  _T: '_T',
  T: '_T',
  BOTHSEX: '_T',
  F: 'F',
  FEMALE: 'F',
  M: 'M',
  MALE: 'M',
};

/** SDMX `UNIT_MEASURE` codes (SDG, World Bank, common SDMX codelists) → units. */
export const SDMX_UNITS: Readonly<Record<string, Unit>> = {
  PS: 'persons',
  PERSONS: 'persons',
  PERS: 'persons',
  NUMBER: 'number',
  NUM: 'number',
  PT: 'percent',
  PC: 'percent',
  PCT: 'percent',
  PERCENT: 'percent',
  PERCENTAGE: 'percent',
  USD: 'USD',
  CURRENT_USD: 'USD',
};

/** A source's unit agrees with a mapped one: the same, or a bare count refined to persons. */
function unitsAgree(stated: Unit, mapped: Unit): boolean {
  return stated === mapped || (stated === 'number' && mapped === 'persons');
}

const SDMX_SOURCES: Readonly<Record<string, string>> = {
  DF_SDG_GLH: 'SDG_GLOBAL_DB',
  DF_SDG_GLC: 'SDG_GLOBAL_DB',
  WDI: 'WB_WDI',
};

/** SDMX-CSV 1.0 (`DATAFLOW` first) or 2.0 (`STRUCTURE`, `STRUCTURE_ID`, `ACTION`) → observations. */
export async function readSdmxCsv(
  input: ReaderInput,
  options: StatisticsOptions = {},
): Promise<SourceReadResult> {
  const decoded = decodeText(input.bytes, input.fileName, input.encoding);
  const version = sdmxCsvVersion(decoded.text);
  if (!version) {
    throw new SourceRefusedError(
      `File '${input.fileName}' is not SDMX-CSV: the first column is neither DATAFLOW (1.0) nor STRUCTURE (2.0)`,
      'unknown-columns',
      'Download the data as SDMX-CSV (format=csvfilewithlabels or application/vnd.sdmx.data+csv).',
    );
  }
  // SDMX-CSV 2.0 names its separator by the character after STRUCTURE (`STRUCTURE;…`, `STRUCTURE[;]`).
  const afterStructure = /^\uFEFF?"?STRUCTURE(?:\[(.)\])?"?(.)/.exec(decoded.text)?.[2];
  const delimiter =
    version === '2.0' && (afterStructure === ';' || afterStructure === ',' || afterStructure === '\t')
      ? afterStructure
      : detectDelimiter(decoded.text);
  const records = [...iterateCsvRecords(decoded.text, { delimiter, fileName: input.fileName })];
  const [header, ...data] = records;
  if (!header) throw new SourceRefusedError(`File '${input.fileName}' is empty`, 'empty');
  const columns = header.record.map(sdmxCode);
  refuseDuplicateHeader(input.fileName, columns, `line ${header.line}`);
  const at = (...names: string[]) => {
    for (const name of names) {
      const index = columns.indexOf(name);
      if (index >= 0) return index;
    }
    return -1;
  };
  const flowAt = at('DATAFLOW', 'STRUCTURE_ID');
  const actionAt = at('ACTION');
  const areaAt = at('REF_AREA', 'GEO', 'COUNTRY', 'LOCATION');
  const counterpartAt = at('COUNTERPART_AREA', 'COUNTERPART_REF_AREA', 'COUNTERPART');
  const timeAt = at('TIME_PERIOD', 'TIME');
  const valueAt = at('OBS_VALUE');
  const indicatorAt = at('INDICATOR', 'SERIES', 'MEASURE', 'SUBJECT');
  const unitAt = at('UNIT_MEASURE', 'UNIT', 'UNIT_MEAS');
  const multAt = at('UNIT_MULT');
  const sexAt = at('SEX');
  const statusAt = at('OBS_STATUS');
  const missing = [
    ['REF_AREA', areaAt],
    ['TIME_PERIOD', timeAt],
    ['OBS_VALUE', valueAt],
  ].filter(([, index]) => index === -1);
  if (missing.length) {
    throw new SourceRefusedError(
      `File '${input.fileName}' is SDMX-CSV ${version} but lacks the column${missing.length > 1 ? 's' : ''} ${missing.map(([name]) => name).join(', ')}`,
      'unknown-columns',
      'Observations need a reference area, a time period and an observation value.',
      `line ${header.line}`,
    );
  }
  const rowsOf = data.filter((record) => !isBlankRecord(record.record));
  const firstFlow = rowsOf[0]?.record[flowAt] ?? '';
  const flowParts = (flow: string) => /^([^:]+):([^(]+)\(([^)]*)\)$/.exec(sdmxCode(flow).trim());
  const flowSource = (flow: string) => {
    const parts = flowParts(flow);
    return options.source ?? (parts?.[2] ? SDMX_SOURCES[parts[2]] : undefined);
  };
  const flowRevision = (flow: string) =>
    options.revision ?? (flowParts(flow) ? sdmxCode(flow).trim() : undefined);
  const defaultSource = flowSource(firstFlow);
  const defaultRevision = flowRevision(firstFlow);
  if (!defaultSource || !defaultRevision) {
    throw metadataMissing(
      input.fileName,
      defaultSource ? 'revision' : 'source',
      `Dataflow '${firstFlow}' is not one the reader maps to a source; pass --source (UNDESA_IMS, WB_KNOMAD_BILAT, WB_WDI, WB_RPW, SDG_GLOBAL_DB, national) and --revision.`,
    );
  }
  const style = decimalStyleOf(rowsOf.map((record) => record.record[valueAt] ?? ''));
  const sink = new ObservationSink(input, defaultSource, defaultRevision, style);
  let deleted = 0;
  for (const record of rowsOf) {
    const cell = (index: number) => (index >= 0 ? (record.record[index] ?? '') : '');
    if (actionAt >= 0 && sdmxCode(cell(actionAt)).toUpperCase() === 'D') {
      deleted += 1; // a deletion instruction, not an observation
      continue;
    }
    const flow = cell(flowAt);
    const seriesCode = indicatorAt >= 0 ? sdmxCode(cell(indicatorAt)) || undefined : undefined;
    const { series, problems } = sdmxSeries(seriesCode, sdmxCode(cell(unitAt)), options);
    const multiplierText = sdmxCode(cell(multAt));
    const multiplier = multiplierText === '' ? undefined : Number(multiplierText);
    if (multiplier !== undefined && !Number.isInteger(multiplier)) {
      problems.push({
        field: 'unit_mult',
        rule: 'unit-unknown',
        message: `UNIT_MULT '${multiplierText}' is not a power of ten written as an integer`,
        value: multiplierText,
        rejectsRow: true,
      });
    } else if (
      multiplier !== undefined &&
      series?.unit_mult !== undefined &&
      series.unit_mult !== multiplier
    ) {
      problems.push({
        field: 'unit_mult',
        rule: 'unit-conflict',
        message: `the file states UNIT_MULT ${multiplier}, the indicator map ${series.unit_mult}`,
        value: multiplierText,
        rejectsRow: true,
      });
    }
    const sex = sexAt >= 0 ? sdmxCode(cell(sexAt)) : '';
    const status = statusAt >= 0 ? sdmxCode(cell(statusAt)) : '';
    const areaName = sdmxLabel(cell(areaAt));
    sink.push(`line ${record.line}`, {
      series,
      ...(seriesCode ? { seriesCode } : {}),
      area: sdmxCode(cell(areaAt)),
      ...(areaName ? { areaName } : {}),
      ...(counterpartAt >= 0 ? { counterpart: sdmxCode(cell(counterpartAt)) } : {}),
      time_period: sdmxCode(cell(timeAt)),
      cell: cell(valueAt),
      ...(sex ? { sex: SDMX_SEX[sex.toUpperCase()] ?? sex } : {}),
      ...(status ? { obs_status: status } : {}),
      ...(multiplier !== undefined && Number.isInteger(multiplier) ? { unit_mult: multiplier } : {}),
      ...(flow && flow !== firstFlow
        ? { source: flowSource(flow) ?? defaultSource, revision: flowRevision(flow) ?? defaultRevision }
        : {}),
      problems,
    });
  }
  return {
    format: `sdmx-csv-${version}`,
    declaredContracts: {},
    rows: sink.rows,
    notices: sink.allNotices(),
    metadata: {
      encoding: decoded.encoding,
      sdmxCsvVersion: version,
      delimiter,
      dataflow: sdmxCode(firstFlow),
      source: defaultSource,
      revision: defaultRevision,
      excludedAreas: sink.excludedAreas,
      ...(style ? { decimalStyle: style } : {}),
      ...(deleted ? { deletedObservationsIgnored: deleted } : {}),
    },
  };
}

/**
 * The series of one SDMX observation from its indicator code and `UNIT_MEASURE`: the indicator map
 * (whose unit the file's must agree with), a known indicator id, or the code itself in the unit the
 * file states. A unit code the reader does not know is a problem, never a guess.
 */
function sdmxSeries(
  code: string | undefined,
  unitCode: string,
  options: StatisticsOptions,
): { series?: SeriesMapping; problems: RowProblem[] } {
  const problems: RowProblem[] = [];
  const stated = unitCode ? SDMX_UNITS[unitCode.toUpperCase()] : undefined;
  if (unitCode && !stated) {
    problems.push({
      field: 'unit',
      rule: 'unit-unknown',
      message: `UNIT_MEASURE '${unitCode}' is not a unit this reader knows (${Object.keys(SDMX_UNITS).join(', ')})`,
      value: unitCode,
      hint: 'Map the series with the indicator map (id and unit), or ask for the unit codelist to be added',
      rejectsRow: true,
    });
  }
  const mapped = (code ? options.indicatorMap?.[code] : undefined) ?? (code ? undefined : options.indicator);
  const known = code ? indicatorDefinition(code) : undefined;
  const series: SeriesMapping | undefined =
    mapped ??
    (known && code ? { indicator_id: code, unit: known.unit } : undefined) ??
    (code && stated ? { indicator_id: code, unit: stated } : undefined) ??
    (!code && options.indicator ? options.indicator : undefined);
  if (series && stated && !unitsAgree(stated, series.unit)) {
    problems.push({
      field: 'unit',
      rule: 'unit-conflict',
      message: `series '${code ?? series.indicator_id}' is ${series.unit}, but the file states UNIT_MEASURE '${unitCode}' (${stated})`,
      value: unitCode,
      hint: 'Check the series and its unit; a percentage is never stored as a count',
      rejectsRow: true,
    });
  }
  return { ...(series ? { series } : {}), problems };
}
