import { countryReference, isAggregateM49 } from './countries.ts';
import { detectDelimiter, isBlankRecord, iterateCsvRecords } from './csv.ts';
import {
  type ReaderInput,
  type ReadProblem,
  type SourceReadResult,
  SourceRefusedError,
  type SourceRow,
} from './reader.ts';
import { decodeText } from './text.ts';
import { readWorkbookSheets, type SheetRecords } from './xlsx.ts';

/**
 * Statistical tables → long `observation` rows (DOMAIN.md A2, §4.7): World Bank WDI CSV (one
 * column per year), UN DESA migrant-stock Excel, and SDMX-CSV 1.0/2.0.
 *
 * Every row carries `source` and `dataset_revision`, read from the file itself (WDI "Last Updated
 * Date", the DESA `POP/DB/MIG/Stock/Rev.YYYY` citation, the SDMX dataflow id) or given in the
 * options; a file whose source or revision cannot be established is refused, so two sources or
 * revisions never end up in one series. Areas that are not countries of the reference (regions,
 * income groups, M49 ≥ 900) are left out and listed in `metadata.excludedAreas`.
 */

export interface IndicatorDefinition {
  readonly indicator_id: string;
  readonly unit: string;
  readonly unit_mult?: number;
}

export interface StatisticsOptions {
  /** Source code (`UNDESA_IMS`, `WB_WDI`, `WB_KNOMAD_BILAT`, `WB_RPW`, `SDG_GLOBAL_DB`, `national`). */
  readonly source?: string;
  /** Dataset revision (`POP/DB/MIG/Stock/Rev.2013`, `WDI 2021-09-15`). */
  readonly revision?: string;
  /** Indicator of the file when the file does not name one the reader knows. */
  readonly indicator?: IndicatorDefinition;
  /** Source indicator codes → indicator definitions (added to the built-in WDI table). */
  readonly indicatorMap?: Readonly<Record<string, IndicatorDefinition>>;
}

/** The WDI series the evidence base uses. */
export const WDI_INDICATORS: Readonly<Record<string, IndicatorDefinition>> = {
  'BX.TRF.PWKR.CD.DT': { indicator_id: 'REMIT_IN_USD', unit: 'USD' },
  'BX.TRF.PWKR.DT.GD.ZS': { indicator_id: 'REMIT_IN_PCT_GDP', unit: 'percent' },
  'BM.TRF.PWKR.CD.DT': { indicator_id: 'REMIT_OUT_USD', unit: 'USD' },
  'SM.POP.TOTL': { indicator_id: 'IMM_STOCK', unit: 'persons' },
  'SM.POP.TOTL.ZS': { indicator_id: 'IMM_STOCK_PCT', unit: 'percent' },
  'SM.POP.REFG': { indicator_id: 'REFUGEE_STOCK', unit: 'persons' },
  'SI.RMT.COST.IB.ZS': { indicator_id: 'REMIT_COST_PCT', unit: 'percent' },
};

const MISSING_VALUES = new Set(['', '..', '...', '-', '–', 'NaN', 'nan', 'NA', 'n/a', 'N/A']);
const NUMBER = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;

/** A statistical cell as a number, null when missing; the raw text when it is neither. */
export function observationValue(cell: string): number | null | string {
  const trimmed = cell.trim();
  if (MISSING_VALUES.has(trimmed)) return null;
  const cleaned = trimmed.replace(/[\s\u00a0](?=\d{3}\b)/g, '').replace(/,(?=\d{3}\b)/g, '');
  return NUMBER.test(cleaned) ? Number(cleaned) : cell;
}

function metadataMissing(fileName: string, what: string, hint: string): SourceRefusedError {
  return new SourceRefusedError(
    `File '${fileName}': the ${what} of the statistics cannot be established from the file`,
    'statistics-metadata',
    hint,
  );
}

interface AreaOutcome {
  readonly iso3?: string;
  readonly excluded?: string;
}

const areaCache = new Map<string, AreaOutcome>();

/** A country of the reference by ISO3/ISO2/M49 code; anything else is an aggregate (excluded). */
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
  if (/^\d{1,4}(?:\.0+)?$/.test(trimmed) && isAggregateM49(trimmed)) return { excluded: trimmed };
  const resolution = countryReference().resolve(trimmed);
  if (resolution.ok && !resolution.nonIso && /^[A-Z0-9]{2,3}$/i.test(trimmed))
    return { iso3: resolution.iso3 };
  return { excluded: trimmed };
}

class ObservationSink {
  readonly rows: SourceRow[] = [];
  readonly problems: ReadProblem[] = [];
  readonly excluded = new Set<string>();
  constructor(
    private readonly input: ReaderInput,
    private readonly source: string,
    private readonly revision: string,
  ) {}

  push(
    locator: string,
    values: {
      indicator: IndicatorDefinition | undefined;
      indicatorCode?: string;
      area: string;
      counterpart?: string;
      time_period: string;
      cell: string;
      sex?: string;
      obs_status?: string;
      unit?: string;
      unit_mult?: number;
      data_type_note?: string;
      source?: string;
      revision?: string;
    },
  ): void {
    const area = countryArea(values.area);
    if (!area.iso3) {
      if (area.excluded) this.excluded.add(area.excluded);
      return;
    }
    let counterpartIso3: string | undefined;
    if (values.counterpart !== undefined && values.counterpart.trim() !== '') {
      const counterpart = countryArea(values.counterpart);
      if (!counterpart.iso3) {
        if (counterpart.excluded) this.excluded.add(counterpart.excluded);
        return;
      }
      counterpartIso3 = counterpart.iso3;
    }
    const value = observationValue(values.cell);
    if (typeof value === 'string') {
      this.problems.push({
        table: 'observation',
        locator,
        field: 'value',
        rule: 'not-a-number',
        message: `'${values.cell}' is neither a number nor a missing-value marker (.., -, empty)`,
        value: values.cell,
        rejectsRow: true,
      });
    }
    const unit = values.unit ?? values.indicator?.unit;
    const unitMult = values.unit_mult ?? values.indicator?.unit_mult;
    const indicatorId = values.indicator?.indicator_id ?? values.indicatorCode;
    if (!indicatorId || !unit) {
      this.problems.push({
        table: 'observation',
        locator,
        field: indicatorId ? 'unit' : 'indicator_id',
        rule: 'indicator-unknown',
        message: `The ${indicatorId ? `unit of indicator '${indicatorId}'` : 'indicator'} is not known`,
        ...(values.indicatorCode ? { value: values.indicatorCode } : {}),
        hint: 'Pass the indicator (id and unit) in the statistics options, or add the code to the indicator map.',
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
        time_period: values.time_period,
        value,
        ...(unit ? { unit } : {}),
        ...(unitMult !== undefined ? { unit_mult: unitMult } : {}),
        ...(values.sex ? { sex: values.sex } : {}),
        ...(values.obs_status ? { obs_status: values.obs_status } : {}),
        ...(values.data_type_note ? { data_type_note: values.data_type_note } : {}),
        source: values.source ?? this.source,
        dataset_revision: values.revision ?? this.revision,
        source_doc_id: this.input.docId,
        source_locator: locator,
        extraction_method: 'parser',
        confidence: 'high',
        ...(this.input.receivedAt ? { extracted_at: this.input.receivedAt } : {}),
      },
    });
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
  const indicatorAt = Math.max(cells.indexOf('Indicator Code'), cells.indexOf('Series Code'));
  const indicatorNameAt = Math.max(cells.indexOf('Indicator Name'), cells.indexOf('Series Name'));
  const years = cells
    .map((cell, index) => ({ year: YEAR_HEADER.exec(cell)?.[1], index }))
    .filter((entry): entry is { year: string; index: number } => entry.year !== undefined);
  const sink = new ObservationSink(input, source, revision);
  const indicators = { ...WDI_INDICATORS, ...options.indicatorMap };
  const seenIndicators = new Set<string>();
  for (const record of records.slice(headerIndex + 1)) {
    if (isBlankRecord(record.record)) continue;
    const code = record.record[codeAt] ?? '';
    const indicatorCode = indicatorAt >= 0 ? (record.record[indicatorAt] ?? '').trim() : undefined;
    if (indicatorCode) seenIndicators.add(indicatorCode);
    const indicator =
      (indicatorCode ? indicators[indicatorCode] : undefined) ??
      options.indicator ??
      guessWdiIndicator(indicatorCode, indicatorAt >= 0 ? record.record[indicatorNameAt] : undefined);
    for (const { year, index } of years) {
      sink.push(`line ${record.line} column ${year}`, {
        indicator,
        ...(indicatorCode ? { indicatorCode: wdiIndicatorId(indicatorCode) } : {}),
        area: code,
        time_period: year,
        cell: record.record[index] ?? '',
      });
    }
  }
  return {
    format: 'wdi-csv',
    declaredContracts: {},
    rows: sink.rows,
    problems: sink.problems,
    metadata: {
      encoding: decoded.encoding,
      bom: decoded.bom,
      source,
      revision,
      indicators: [...seenIndicators],
      excludedAreas: [...sink.excluded],
      ...Object.fromEntries(preamble),
    },
  };
}

/** A WDI series outside the built-in table keeps its code: `SP.POP.TOTL` → `WDI_SP_POP_TOTL`. */
function wdiIndicatorId(code: string): string {
  return `WDI_${code.toUpperCase().replace(/[^A-Z0-9]+/g, '_')}`;
}

/** Unit from a WDI indicator name, for series outside the built-in table. */
function guessWdiIndicator(
  code: string | undefined,
  name: string | undefined,
): IndicatorDefinition | undefined {
  if (!code || !name) return undefined;
  const unit = /US\$/.test(name) ? 'USD' : /%/.test(name) ? 'percent' : undefined;
  return unit ? { indicator_id: wdiIndicatorId(code), unit } : undefined;
}

// ---- UN DESA migrant-stock Excel ----------------------------------------------------------------

const DESA_REVISION = /POP\/DB\/MIG\/[A-Za-z]+\/Rev\.?\s?\d{4}/;

/** Indicator of a DESA table from its title. */
function desaIndicator(title: string): IndicatorDefinition | undefined {
  if (/percentage|per cent|%/i.test(title) && /migrant stock/i.test(title)) {
    return { indicator_id: 'IMM_STOCK_PCT', unit: 'percent' };
  }
  if (/refugee/i.test(title)) return { indicator_id: 'REFUGEE_STOCK', unit: 'persons' };
  if (/migrant stock/i.test(title)) return { indicator_id: 'IMM_STOCK', unit: 'persons' };
  return undefined;
}

/** SDMX sex code of a header label: `Both sexes`, `(female)`, `Male` … */
function sexOf(label: string): string | undefined {
  const lower = label.toLowerCase();
  if (/both sexes|\btotal\b/.test(lower)) return '_T';
  if (/\bfemales?\b|\bwomen\b/.test(lower)) return 'F';
  if (/\bmales?\b|\bmen\b/.test(lower)) return 'M';
  return undefined;
}

/**
 * Sex per column from a header row. A label above the years spans the blank (merged) cells to
 * its right; only cells right of the code column count, so a table title in column A does not.
 */
function sexLabels(
  cells: readonly string[] | undefined,
  codeAt: number,
  spans: boolean,
): (string | undefined)[] {
  const labels: (string | undefined)[] = [];
  let carry: string | undefined;
  (cells ?? []).forEach((cell, index) => {
    const text = cell.trim();
    if (index <= codeAt) return;
    if (text !== '') carry = sexOf(text);
    labels[index] = spans ? carry : text === '' ? undefined : sexOf(text);
  });
  return labels;
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
  const sheets = await readWorkbookSheets(input.bytes, input.fileName);
  const allText = sheets
    .flatMap((sheet) => sheet.records.slice(0, 30).flatMap((record) => record.record))
    .join('\n');
  const revision = options.revision ?? DESA_REVISION.exec(allText)?.[0].replace(/Rev\.?\s?/, 'Rev.');
  const source =
    options.source ??
    (/Department of Economic and Social Affairs|POP\/DB\/MIG/i.test(allText) ? 'UNDESA_IMS' : undefined);
  if (!source || !revision) {
    throw metadataMissing(
      input.fileName,
      source ? 'revision' : 'source',
      'Keep the citation line (… POP/DB/MIG/Stock/Rev.2013) above the table, or pass --source UNDESA_IMS and --revision.',
    );
  }
  const sink = new ObservationSink(input, source, revision);
  const readSheets: string[] = [];
  const skippedSheets: string[] = [];
  for (const sheet of sheets) {
    if (readDesaSheet(sheet, sink, options)) readSheets.push(sheet.name);
    else skippedSheets.push(sheet.name);
  }
  if (readSheets.length === 0) {
    throw new SourceRefusedError(
      `Workbook '${input.fileName}' has no UN DESA table: no sheet has a header row with a "Code" column and year columns`,
      'unknown-columns',
      'Upload the workbook as published by UN DESA (sheets "Table 1" …), or a CSV in the observation contract.',
    );
  }
  return {
    format: 'undesa-xlsx',
    declaredContracts: {},
    rows: sink.rows,
    problems: sink.problems,
    metadata: { source, revision, sheets: readSheets, skippedSheets, excludedAreas: [...sink.excluded] },
  };
}

function readDesaSheet(sheet: SheetRecords, sink: ObservationSink, options: StatisticsOptions): boolean {
  const records = sheet.records;
  const headerIndex = records.findIndex(
    (record) =>
      record.record.some((cell) => /^(country )?code$/i.test(cell.trim())) &&
      record.record.some((cell) => /^\d{4}(\.0)?$/.test(cell.trim())),
  );
  const header = records[headerIndex];
  if (!header) return false;
  const title = records
    .slice(0, headerIndex)
    .flatMap((record) => record.record)
    .find((cell) => desaIndicator(cell));
  const indicator =
    options.indicator ?? (title ? desaIndicator(title) : undefined) ?? desaIndicator(sheet.name);
  const cells = header.record.map((cell) => cell.trim());
  const codeAt = cells.findIndex((cell) => /^(country )?code$/i.test(cell));
  const typeAt = cells.findIndex((cell) => /^type of data/i.test(cell));
  // Sex is given per column either in a row above the years (Rev.2013: "… (both sexes)" merged
  // over the years) or in a row below them (Both sexes / Male / Female under each year).
  const aboveSex = sexLabels(records[headerIndex - 1]?.record, codeAt, true);
  const belowSex = sexLabels(records[headerIndex + 1]?.record, codeAt, false);
  const hasSexRow = belowSex.some((sex) => sex !== undefined);
  const columns: { index: number; year: string; sex?: string }[] = [];
  let currentYear: string | undefined;
  cells.forEach((cell, index) => {
    const year = /^(\d{4})(?:\.0)?$/.exec(cell)?.[1];
    if (year) currentYear = year;
    else if (cell !== '' || !hasSexRow) currentYear = undefined; // a merged year spans blank cells only
    const sex = hasSexRow ? belowSex[index] : aboveSex[index];
    if (currentYear && (!hasSexRow || sex))
      columns.push({ index, year: currentYear, ...(sex ? { sex } : {}) });
  });
  for (const record of records.slice(headerIndex + (hasSexRow ? 2 : 1))) {
    const code = (record.record[codeAt] ?? '').trim().replace(/\.0+$/, '');
    if (!/^\d{1,4}$/.test(code)) continue; // notes, footers and blank separator rows
    const m49 = code.padStart(3, '0');
    const typeOfData = typeAt >= 0 ? (record.record[typeAt] ?? '').trim() : '';
    for (const column of columns) {
      sink.push(`sheet "${sheet.name}" cell ${columnLetter(column.index)}${record.line}`, {
        indicator,
        area: m49,
        time_period: column.year,
        cell: record.record[column.index] ?? '',
        ...(column.sex ? { sex: column.sex } : {}),
        ...(typeOfData ? { data_type_note: typeOfData } : {}),
      });
    }
  }
  return true;
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

const SDMX_SEX: Readonly<Record<string, string>> = {
  _T: '_T',
  T: '_T',
  BOTHSEX: '_T',
  F: 'F',
  FEMALE: 'F',
  M: 'M',
  MALE: 'M',
};

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
  const firstFlow = data.find((record) => !isBlankRecord(record.record))?.record[flowAt] ?? '';
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
  const sink = new ObservationSink(input, defaultSource, defaultRevision);
  let deleted = 0;
  for (const record of data) {
    if (isBlankRecord(record.record)) continue;
    const cell = (index: number) => (index >= 0 ? (record.record[index] ?? '') : '');
    if (actionAt >= 0 && sdmxCode(cell(actionAt)).toUpperCase() === 'D') {
      deleted += 1; // a deletion instruction, not an observation
      continue;
    }
    const flow = cell(flowAt);
    const indicatorCode = indicatorAt >= 0 ? sdmxCode(cell(indicatorAt)) : undefined;
    const mapped = indicatorCode ? options.indicatorMap?.[indicatorCode] : undefined;
    const indicator = mapped ?? options.indicator;
    const unitCode = unitAt >= 0 ? sdmxCode(cell(unitAt)) : '';
    const multiplier = multAt >= 0 ? Number(sdmxCode(cell(multAt))) : Number.NaN;
    const sex = sexAt >= 0 ? sdmxCode(cell(sexAt)) : '';
    const status = statusAt >= 0 ? sdmxCode(cell(statusAt)) : '';
    sink.push(`line ${record.line}`, {
      indicator,
      ...(indicatorCode ? { indicatorCode } : {}),
      area: sdmxCode(cell(areaAt)),
      ...(counterpartAt >= 0 ? { counterpart: sdmxCode(cell(counterpartAt)) } : {}),
      time_period: sdmxCode(cell(timeAt)),
      cell: cell(valueAt),
      ...(sex ? { sex: SDMX_SEX[sex.toUpperCase()] ?? sex } : {}),
      ...(status ? { obs_status: status } : {}),
      ...(unitCode && !mapped ? { unit: unitCode } : {}),
      ...(Number.isInteger(multiplier) && cell(multAt).trim() !== '' ? { unit_mult: multiplier } : {}),
      ...(flow && flow !== firstFlow
        ? { source: flowSource(flow) ?? defaultSource, revision: flowRevision(flow) ?? defaultRevision }
        : {}),
    });
  }
  return {
    format: `sdmx-csv-${version}`,
    declaredContracts: {},
    rows: sink.rows,
    problems: sink.problems,
    metadata: {
      encoding: decoded.encoding,
      sdmxCsvVersion: version,
      delimiter,
      dataflow: sdmxCode(firstFlow),
      source: defaultSource,
      revision: defaultRevision,
      excludedAreas: [...sink.excluded],
      ...(deleted ? { deletedObservationsIgnored: deleted } : {}),
    },
  };
}
