/**
 * Numbers written as text, read without guessing. A number is never silently rounded: where a
 * separator could be a thousands separator or a decimal mark, the file's own decimal style decides,
 * and where the file does not show one (or a cell contradicts it) the cell is a problem.
 *
 * Contract files (CSV) write numbers canonically: digits, a point for decimals, no grouping. A file
 * that writes a number with a comma (`12,5`) shows it was saved with comma decimals; its `1.500`
 * may then mean 1500, and is held back instead of read as 1.5.
 *
 * Statistics tables (WDI, SDMX, UN DESA) may group thousands: `1,345,546`, `147 519`, `1.345.546`.
 * Their decimal style is read from the cells that show it unambiguously (`0.404`, `12,5`,
 * `1,234.5`), and a grouping-like cell (`1,500`, `1.500`) is read by it.
 */

export type DecimalStyle = 'point' | 'comma';

/** A contract-file number cell written with a comma between digits: `12,5`, `1,500`, `1.234,5`. */
const COMMA_NUMBER = /^[+-]?\d[\d.]*,\d+$/;

/** A cell the canonical reader reads as a decimal but which may be a thousands-grouped integer. */
const GROUPING_LIKE_POINT = /^[+-]?[1-9]\d{0,2}\.\d{3}$/;

/** True for a contract-file number cell written with a comma (evidence of comma decimals). */
export function isCommaNumber(cell: string): boolean {
  return COMMA_NUMBER.test(cell.trim());
}

/** True for `1.500`: canonical 1.5, but 1500 in a file that writes decimals with a comma. */
export function isGroupingLikePoint(cell: string): boolean {
  return GROUPING_LIKE_POINT.test(cell.trim());
}

/** The problem of a grouping-like cell in a contract file that writes decimals with a comma. */
export function decimalStyleConflict(
  cell: string,
  evidence: { readonly cell: string; readonly locator: string },
) {
  const trimmed = cell.trim();
  return {
    rule: 'decimal-style-conflict',
    message: `'${trimmed}' would be read as ${Number(trimmed)}, but this file writes numbers with a comma ('${evidence.cell}' at ${evidence.locator}), so it may mean ${trimmed.replace('.', '')}`,
    value: trimmed,
    hint: 'Write numbers without thousands separators and with a point for decimals (1500, 12.5), then upload again',
    rejectsRow: true,
  } as const;
}

/** A contract-file number cell grouped in thousands: `1,234,000`, `12 500`, `1'500`. */
const THOUSANDS_GROUPED = /^[+-]?\d{1,3}(?:([,' \u00a0\u202f\u2019])\d{3})(?:\1\d{3})*(?:\.\d+)?$/;
/** A number followed by a footnote marker: `133000*`, `2.5 a`, `1500†`, `1500 [3]`, `1500 (e)`. */
const FOOTNOTED = /^[+-]?\d+(?:\.\d+)?\s*(?:\*+|[a-z]|[\u2020\u2021]|\[\d+\]|\([a-z0-9]\))$/i;

/**
 * What to do about a contract-file number cell that is not a plain number, when its writing
 * shows why: thousands separators, or a footnote marker after the number.
 */
export function numberCellHint(cell: string): string | undefined {
  const trimmed = cell.trim();
  if (THOUSANDS_GROUPED.test(trimmed))
    return `Write numbers without thousands separators (${trimmed.replace(/[^\d.+-]/g, '')}), then upload again`;
  if (FOOTNOTED.test(trimmed))
    return `A footnote marker follows the number: remove it (${trimmed.match(/^[+-]?\d+(?:\.\d+)?/)?.[0]}) and keep what the note says in a column of its own (obs_status, a note), then upload again`;
  return undefined;
}

// ---- statistics: grouped numbers ---------------------------------------------------------------

const MISSING_VALUES = new Set(['', '..', '...', '-', '–', 'NaN', 'nan', 'NA', 'n/a', 'N/A']);
const PLAIN = /^[+-]?\d+(?:[eE][+-]?\d+)?$/;
const SPACE_GROUPED = /^[+-]?\d{1,3}(?:[ \u00a0\u202f]\d{3})+(?:[.,]\d+)?$/;
/** Thousands-grouped with one separator kind: `1,500`, `1.234.567`. */
const GROUPED = /^[+-]?[1-9]\d{0,2}(?:([.,])\d{3})(?:\1\d{3})*$/;
/** One decimal mark, no grouping: `12.5`, `0,404`. */
const DECIMAL = /^[+-]?\d+([.,])\d+(?:[eE][+-]?\d+)?$/;
/** Grouped and with decimals: `1,234.5` or `1.234,5`. */
const GROUPED_DECIMAL = /^[+-]?\d{1,3}(?:([.,])\d{3})+(?!\1)([.,])\d+$/;

/** What a statistical cell says: a number, missing (null), or a problem to report. */
export type StatisticValue =
  | { readonly ok: true; readonly value: number | null }
  | { readonly ok: false; readonly rule: string; readonly message: string };

/** The decimal mark a cell shows without ambiguity, if any (`0.404` point, `12,5` comma). */
export function decimalEvidence(cell: string): DecimalStyle | undefined {
  const text = cell.trim();
  const groupedDecimal = GROUPED_DECIMAL.exec(text);
  if (groupedDecimal) return groupedDecimal[2] === '.' ? 'point' : 'comma';
  if (GROUPED.test(text)) return undefined; // `1,500`: thousands or decimals, the cell cannot tell
  const decimal = DECIMAL.exec(text);
  if (decimal) return decimal[1] === '.' ? 'point' : 'comma';
  return undefined;
}

/**
 * The decimal style of a table from its cells: the one the unambiguous cells show, or undefined
 * when none shows one or they show both (then every grouping-like cell is a problem).
 */
export function decimalStyleOf(cells: Iterable<string>): DecimalStyle | undefined {
  let point = false;
  let comma = false;
  for (const cell of cells) {
    const evidence = decimalEvidence(cell);
    if (evidence === 'point') point = true;
    else if (evidence === 'comma') comma = true;
    if (point && comma) return undefined;
  }
  return point ? 'point' : comma ? 'comma' : undefined;
}

/** A statistical cell read by the table's decimal style; missing markers are null. */
export function readStatistic(cell: string, style: DecimalStyle | undefined): StatisticValue {
  const text = cell.trim();
  if (MISSING_VALUES.has(text)) return { ok: true, value: null };
  if (PLAIN.test(text)) return { ok: true, value: Number(text) };
  if (SPACE_GROUPED.test(text)) {
    const digits = text.replace(/[ \u00a0\u202f]/g, '');
    return readStatistic(digits, style);
  }
  const groupedDecimal = GROUPED_DECIMAL.exec(text);
  if (groupedDecimal) {
    const mark = groupedDecimal[2] === '.' ? 'point' : 'comma';
    if (style !== undefined && style !== mark) return conflict(text, style);
    const separator = groupedDecimal[1] ?? ',';
    return { ok: true, value: Number(text.replaceAll(separator, '').replace(',', '.')) };
  }
  const grouped = GROUPED.exec(text);
  if (grouped) {
    const separator = grouped[1];
    const groups = text.split(separator ?? ',').length - 1;
    // `1,234,567` can only be grouped; `1,500` is grouped in a point file, a decimal in a comma file.
    const groupingStyle: DecimalStyle = separator === ',' ? 'point' : 'comma';
    if (groups > 1 || style === groupingStyle) {
      if (style !== undefined && style !== groupingStyle) return conflict(text, style);
      return { ok: true, value: Number(text.replaceAll(separator ?? ',', '')) };
    }
    if (style === undefined) {
      return {
        ok: false,
        rule: 'number-ambiguous',
        message: `'${text}' could be ${text.replace(separator ?? ',', '')} or ${text.replace(',', '.')}: the file writes no number that shows its decimal mark`,
      };
    }
    return { ok: true, value: Number(text.replace(',', '.')) };
  }
  const decimal = DECIMAL.exec(text);
  if (decimal) {
    const mark = decimal[1] === '.' ? 'point' : 'comma';
    if (style !== undefined && style !== mark) return conflict(text, style);
    return { ok: true, value: Number(text.replace(',', '.')) };
  }
  return {
    ok: false,
    rule: 'not-a-number',
    message: `'${text}' is neither a number nor a missing-value marker (.., -, empty)`,
  };
}

function conflict(text: string, style: DecimalStyle): StatisticValue {
  return {
    ok: false,
    rule: 'decimal-style-conflict',
    message: `'${text}' uses ${style === 'point' ? 'a comma' : 'a point'} where this file writes decimals with a ${style === 'point' ? 'point' : 'comma'}`,
  };
}
