import {
  matchTable,
  parserProvenance,
  type TableShape,
  tablesForKind,
  unknownColumnsError,
} from './contract-tables.ts';
import { ignoredColumnsNotice } from './csv.ts';
import {
  type ReaderInput,
  type ReadNotice,
  type RowProblem,
  type SourceReadResult,
  SourceRefusedError,
  type SourceRow,
} from './reader.ts';
import { decodeText } from './text.ts';

/**
 * JSON uploads of contract tables, in three shapes:
 * - an object `{ "contracts"?: {table: version}, "<table>": [rows…] }` (locator `$.pilot[3]`);
 * - a bare array of rows, each row's table recognised from its keys (`$[3]`);
 * - NDJSON / JSON Lines, one row object per line (`line 7`).
 * JSON `null` means "absent", like an empty CSV cell. An element that is not a row object is kept
 * as a quarantined row of its own; keys that are not fields of the table are listed in a notice.
 */

/** Table of an element that is not recognisable as a row of any table (not an object, no match). */
export const UNRECOGNISED_TABLE = 'unrecognised';

/** Keys that are not fields of their table, with the first place each table showed them. */
class IgnoredKeys {
  private readonly byTable = new Map<string, { locator: string; keys: Set<string> }>();

  note(shape: TableShape, element: Record<string, unknown>, locator: string): void {
    for (const key of Object.keys(element)) {
      if (shape.fields.includes(key)) continue;
      let entry = this.byTable.get(shape.table);
      if (!entry) {
        entry = { locator, keys: new Set() };
        this.byTable.set(shape.table, entry);
      }
      entry.keys.add(key);
    }
  }

  notices(): ReadNotice[] {
    return [...this.byTable].map(([table, { locator, keys }]) =>
      ignoredColumnsNotice(table, locator, [...keys]),
    );
  }
}

/** True for names that mark newline-delimited JSON. */
export function isNdjsonName(fileName: string): boolean {
  return /\.(ndjson|jsonl)$/i.test(fileName);
}

/** Read a `.json` upload (object of tables or bare array of rows). */
export async function readContractJson(input: ReaderInput): Promise<SourceReadResult> {
  const { text, encoding } = decodeText(input.bytes, input.fileName, input.encoding);
  const document = parseJson(text, input.fileName);
  const duplicates = duplicateKeysByPath(text);
  const topDuplicates = duplicates.get('$');
  if (topDuplicates) {
    throw new SourceRefusedError(
      `File '${input.fileName}' names ${topDuplicates.map((key) => `"${key}"`).join(', ')} twice at its top level: only the last would be read`,
      'duplicate-field',
      'Merge the two arrays of rows into one.',
      '$',
    );
  }
  const tables = tablesForKind(input.kind);
  const rows: SourceRow[] = [];
  const ignored = new IgnoredKeys();
  const declaredContracts: Record<string, string> = {};

  if (Array.isArray(document)) {
    rowsFromArray(input, document, tables, (index) => `$[${index}]`, rows, ignored, duplicates);
    const metadata = { encoding, shape: 'array' };
    return { format: 'json', declaredContracts, rows, notices: ignored.notices(), metadata };
  }
  if (!isPlainObject(document)) {
    throw new SourceRefusedError(
      `File '${input.fileName}' is JSON but neither an object of tables nor an array of rows`,
      'malformed',
      `Write {"<table>": [ {…}, … ]} with tables of ${input.kind}: ${tables.map((shape) => shape.table).join(', ')}.`,
      '$',
    );
  }
  const allowed = tables.map((shape) => shape.table);
  const unknown = Object.keys(document).filter((key) => key !== 'contracts' && !allowed.includes(key));
  if (unknown.length) {
    throw new SourceRefusedError(
      `File '${input.fileName}' has ${unknown.length === 1 ? 'a key that is not a' : 'keys that are not'} ${input.kind} table${unknown.length === 1 ? '' : 's'}: ${unknown.join(', ')}`,
      'unknown-table',
      `Allowed keys for kind '${input.kind}': contracts, ${allowed.join(', ')}.`,
      `$.${unknown[0]}`,
    );
  }
  const contracts = document.contracts;
  if (contracts !== undefined) {
    if (!isPlainObject(contracts)) {
      throw new SourceRefusedError(
        `File '${input.fileName}': "contracts" must be an object of table → version`,
        'malformed',
        'Write for example "contracts": {"pilot": "1.0.0"}.',
        '$.contracts',
      );
    }
    for (const [table, version] of Object.entries(contracts)) declaredContracts[table] = String(version);
  }
  for (const shape of tables) {
    const tableRows = document[shape.table];
    if (tableRows === undefined) continue;
    if (!Array.isArray(tableRows)) {
      throw new SourceRefusedError(
        `File '${input.fileName}': "${shape.table}" must be an array of row objects`,
        'malformed',
        `Write "${shape.table}": [ {…}, … ].`,
        `$.${shape.table}`,
      );
    }
    tableRows.forEach((element, index) => {
      const locator = `$.${shape.table}[${index}]`;
      const values = rowValues(element, shape);
      if (!values) {
        rows.push({ table: shape.table, locator, values: {}, problems: [notAnObject(element)] });
        return;
      }
      ignored.note(shape, values, locator);
      parserProvenance(shape, values, input.docId, locator, input.receivedAt);
      rows.push(withDuplicateFields({ table: shape.table, locator, values }, duplicates.get(locator)));
    });
  }
  const metadata = { encoding, shape: 'tables' };
  return { format: 'json', declaredContracts, rows, notices: ignored.notices(), metadata };
}

/** Read an NDJSON / JSON Lines upload: one row object per non-blank line. */
export async function readContractNdjson(input: ReaderInput): Promise<SourceReadResult> {
  const { text, encoding } = decodeText(input.bytes, input.fileName, input.encoding);
  const tables = tablesForKind(input.kind);
  const elements: { line: number; value: unknown }[] = [];
  const duplicates = new Map<string, string[]>();
  text.split(/\r\n|\n|\r/).forEach((lineText, index) => {
    if (lineText.trim() === '') return;
    elements.push({ line: index + 1, value: parseJson(lineText, input.fileName, index + 1) });
    const keys = duplicateKeysByPath(lineText).get('$');
    if (keys) duplicates.set(`line ${index + 1}`, keys);
  });
  const rows: SourceRow[] = [];
  const ignored = new IgnoredKeys();
  rowsFromArray(
    input,
    elements.map((element) => element.value),
    tables,
    (index) => `line ${elements[index]?.line ?? 0}`,
    rows,
    ignored,
    duplicates,
  );
  return {
    format: 'ndjson',
    declaredContracts: {},
    rows,
    notices: ignored.notices(),
    metadata: { encoding },
  };
}

function rowsFromArray(
  input: ReaderInput,
  elements: readonly unknown[],
  tables: readonly TableShape[],
  locatorOf: (index: number) => string,
  rows: SourceRow[],
  ignored: IgnoredKeys,
  duplicates: ReadonlyMap<string, readonly string[]>,
): void {
  let firstKeys: string[] | undefined;
  let recognised = 0;
  elements.forEach((element, index) => {
    const locator = locatorOf(index);
    if (!isPlainObject(element)) {
      rows.push({ table: UNRECOGNISED_TABLE, locator, values: {}, problems: [notAnObject(element)] });
      return;
    }
    const keys = Object.keys(element);
    firstKeys ??= keys;
    const match = matchTable(keys, tables);
    if (!match) {
      const refusal = unknownColumnsError(input.fileName, input.kind, keys, tables, locator);
      const problem: RowProblem = {
        rule: 'unknown-columns',
        message: refusal.message,
        ...(refusal.hint ? { hint: refusal.hint } : {}),
        rejectsRow: true,
      };
      rows.push({ table: UNRECOGNISED_TABLE, locator, values: {}, problems: [problem] });
      return;
    }
    const values = rowValues(element, match.shape) as Record<string, unknown>;
    ignored.note(match.shape, values, locator);
    parserProvenance(match.shape, values, input.docId, locator, input.receivedAt);
    rows.push(withDuplicateFields({ table: match.shape.table, locator, values }, duplicates.get(locator)));
    recognised += 1;
  });
  // Not a single row fits: the file is of another kind, say so once instead of once per row.
  if (recognised === 0 && firstKeys) {
    throw unknownColumnsError(input.fileName, input.kind, firstKeys, tables, locatorOf(0));
  }
}

/** The row's values; `null` is kept for nullable fields (observation `value`) and means absent elsewhere. */
function rowValues(element: unknown, shape: TableShape): Record<string, unknown> | undefined {
  if (!isPlainObject(element)) return undefined;
  const values: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(element)) {
    if (value !== null || shape.nullable.has(key)) values[key] = value;
  }
  return values;
}

/** A row object that names a field twice: JSON.parse kept the last value, which may not be the one meant. */
function withDuplicateFields(row: SourceRow, keys: readonly string[] | undefined): SourceRow {
  if (!keys) return row;
  return {
    ...row,
    problems: keys.map((key) => ({
      field: key,
      rule: 'duplicate-field',
      message: `the row object names '${key}' twice: which value is meant cannot be told`,
      hint: 'Keep one of the two entries',
      rejectsRow: true,
    })),
  };
}

/**
 * Keys that an object of well-formed JSON text names twice, by the path of the object (`$`,
 * `$.pilot[3]`, `$[2]`). JSON.parse keeps the last of two such values without a word.
 */
export function duplicateKeysByPath(text: string): Map<string, string[]> {
  interface Frame {
    readonly object: boolean;
    readonly path: string;
    readonly keys: Set<string>;
    index: number;
    key: string;
    expectKey: boolean;
  }
  const found = new Map<string, string[]>();
  const stack: Frame[] = [];
  let at = 0;
  while (at < text.length) {
    const char = text[at];
    const top = stack[stack.length - 1];
    if (char === '"') {
      let end = at + 1;
      while (end < text.length && text[end] !== '"') end += text[end] === '\\' ? 2 : 1;
      if (top?.object && top.expectKey) {
        const key = JSON.parse(text.slice(at, end + 1)) as string;
        if (top.keys.has(key)) {
          const keys = found.get(top.path) ?? [];
          if (!keys.includes(key)) keys.push(key);
          found.set(top.path, keys);
        }
        top.keys.add(key);
        top.key = key;
        top.expectKey = false;
      }
      at = end + 1;
      continue;
    }
    if (char === '{' || char === '[') {
      const path = !top ? '$' : top.object ? `${top.path}.${top.key}` : `${top.path}[${top.index}]`;
      stack.push({ object: char === '{', path, keys: new Set(), index: 0, key: '', expectKey: char === '{' });
    } else if (char === '}' || char === ']') stack.pop();
    else if (char === ',' && top) {
      if (top.object) top.expectKey = true;
      else top.index += 1;
    }
    at += 1;
  }
  return found;
}

function notAnObject(element: unknown): RowProblem {
  return {
    rule: 'not-an-object',
    message: `Expected a row object, found ${element === null ? 'null' : Array.isArray(element) ? 'an array' : typeof element}`,
    value: JSON.stringify(element)?.slice(0, 200) ?? String(element),
    rejectsRow: true,
  };
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** JSON.parse with a SourceRefusedError `malformed` that gives line and column. */
export function parseJson(text: string, fileName: string, lineBase?: number): unknown {
  const tooDeep = offsetBeyondDepth(text, MAX_JSON_DEPTH);
  if (tooDeep >= 0) {
    const { line, column } = lineAndColumn(text, tooDeep);
    const physicalLine = lineBase ? lineBase + line - 1 : line;
    throw new SourceRefusedError(
      `File '${fileName}' nests JSON deeper than ${MAX_JSON_DEPTH} levels (line ${physicalLine}, column ${column})`,
      'malformed',
      'Contract rows are flat objects (lists one level deep); flatten the structure.',
      `line ${physicalLine}`,
    );
  }
  try {
    return JSON.parse(text);
  } catch (cause) {
    const offset = jsonErrorOffset(text);
    const { line, column } = lineAndColumn(text, offset);
    const physicalLine = lineBase ? lineBase + line - 1 : line;
    const reason =
      cause instanceof Error ? cause.message.replace(/, ".*" is not valid JSON$/s, '') : String(cause);
    throw new SourceRefusedError(
      `File '${fileName}' is not valid JSON at line ${physicalLine}, column ${column}: ${reason}`,
      'malformed',
      lineBase
        ? 'Each line of an NDJSON file must be one complete JSON object.'
        : 'Check for a missing comma, quote or bracket, or a trailing comma, just before this position.',
      `line ${physicalLine}`,
      { cause },
    );
  }
}

/** Deeper nesting than any contract row needs; guards the recursive code that walks values. */
const MAX_JSON_DEPTH = 64;

/** Offset of the bracket that opens nesting level `limit + 1`, or -1 (strings are skipped). */
function offsetBeyondDepth(text: string, limit: number): number {
  let depth = 0;
  let inString = false;
  for (let index = 0; index < text.length; index += 1) {
    const char = text.charCodeAt(index);
    if (inString) {
      if (char === 0x5c) index += 1;
      else if (char === 0x22) inString = false;
    } else if (char === 0x22) inString = true;
    else if (char === 0x5b || char === 0x7b) {
      depth += 1;
      if (depth > limit) return index;
    } else if (char === 0x5d || char === 0x7d) depth -= 1;
  }
  return -1;
}

function lineAndColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let index = 0; index < offset && index < text.length; index += 1) {
    if (text[index] === '\n') {
      line += 1;
      lineStart = index + 1;
    }
  }
  return { line, column: offset - lineStart + 1 };
}

/**
 * Offset of the first JSON syntax error (JSON.parse messages do not always give one). An explicit
 * stack, so deeply nested input cannot overflow the call stack.
 */
export function jsonErrorOffset(text: string): number {
  let index = 0;
  const stack: ('{' | '[')[] = [];
  const skipSpace = () => {
    while (index < text.length && ' \t\n\r'.includes(text[index] as string)) index += 1;
  };
  const scanString = (): boolean => {
    index += 1;
    while (index < text.length) {
      const char = text.charCodeAt(index);
      if (char === 0x22) {
        index += 1;
        return true;
      }
      if (char < 0x20) return false;
      if (char === 0x5c) {
        const next = text[index + 1];
        if (next === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(index + 2, index + 6))) return false;
          index += 6;
          continue;
        }
        if (next === undefined || !'"\\/bfnrt'.includes(next)) return false;
        index += 2;
        continue;
      }
      index += 1;
    }
    return false;
  };
  const scanScalar = (): boolean => {
    const rest = text.slice(index, index + 5);
    for (const word of ['true', 'false', 'null']) {
      if (rest.startsWith(word)) {
        index += word.length;
        return true;
      }
    }
    const match = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/.exec(text.slice(index, index + 400));
    if (!match) return false;
    index += match[0].length;
    return true;
  };
  // expect: 'value' | 'key' | 'after-value' | 'after-key'
  let expect: 'value' | 'key-or-end' | 'key' | 'value-or-end' | 'after-value' | 'colon' = 'value';
  for (;;) {
    skipSpace();
    const char = text[index];
    if (expect === 'value' || expect === 'value-or-end') {
      if (char === ']' && expect === 'value-or-end') {
        stack.pop();
        index += 1;
        expect = 'after-value';
      } else if (char === '{') {
        stack.push('{');
        index += 1;
        expect = 'key-or-end';
      } else if (char === '[') {
        stack.push('[');
        index += 1;
        expect = 'value-or-end';
      } else if (char === '"') {
        if (!scanString()) return index;
        expect = 'after-value';
      } else if (!scanScalar()) return index;
      else expect = 'after-value';
    } else if (expect === 'key' || expect === 'key-or-end') {
      if (char === '}' && expect === 'key-or-end') {
        stack.pop();
        index += 1;
        expect = 'after-value';
      } else if (char === '"') {
        if (!scanString()) return index;
        expect = 'colon';
      } else return index;
    } else if (expect === 'colon') {
      if (char !== ':') return index;
      index += 1;
      expect = 'value';
    } else {
      const top = stack[stack.length - 1];
      if (top === undefined) return index;
      if (char === ',') {
        index += 1;
        expect = top === '{' ? 'key' : 'value';
      } else if ((char === '}' && top === '{') || (char === ']' && top === '[')) {
        stack.pop();
        index += 1;
      } else return index;
    }
    if (stack.length === 0 && expect === 'after-value') {
      skipSpace();
      return index;
    }
  }
}
