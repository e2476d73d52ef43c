import { itemHash } from '#contracts/briefing/hash.ts';
import type { BriefingItem, CountryItem, StoredBriefingItem, ThemeItem } from '#contracts/briefing/item.ts';
import { themeBrief, themeBriefName } from '../book/theme-brief.ts';
import { renderArrow, renderParquet } from './arrow.ts';
import { renderCsv } from './csv.ts';
import { dataPackageDescriptor } from './datapackage.ts';
import { UnknownExportFormatError } from './errors.ts';
import { BOM_FORMATS, EXPORT_FORMATS, type ExportFormat } from './formats.ts';
import { renderCountryMarkdown, renderMarkdownIndex } from './markdown.ts';
import { type ExportSelection, selectItems } from './selection.ts';
import { renderSummaryMarkdown } from './summary-markdown.ts';
import { BRIEFING_COUNTRY, briefingTables, type ExportMeta } from './tables.ts';
import { renderThemeIndex, renderThemeMarkdown } from './theme-markdown.ts';

/** One file of an export, in memory: written to a folder by the CLI, to the exports bucket by assemble. */
export interface ExportFile {
  /** POSIX path relative to the export's folder (`briefing_country.csv`, `countries/MDA.json`). */
  readonly path: string;
  readonly bytes: Uint8Array;
  readonly contentType: string;
}

export interface RenderOptions {
  /** Which part of the briefing (one country, one theme). @default the whole briefing */
  readonly selection?: ExportSelection;
  /** UTF-8 BOM at the start of CSV files (csv, hxl only). @default false */
  readonly bom?: boolean;
  /** Called as each file is ready (progress for long exports). */
  readonly onProgress?: (file: ExportFile) => void;
  /**
   * The items are publish's hashed items (hashVersion: each `hash` is itemHash of its body, just
   * computed): the JSON export takes that hash instead of hashing every body again (17 MB of
   * bodies at 1M survey rows). Items read back from a store are hashed again (the default).
   * @default false
   */
  readonly storedHashes?: boolean;
}

const encoder = new TextEncoder();
const CSV = 'text/csv; charset=utf-8';
const JSON_TYPE = 'application/json; charset=utf-8';

const jsonBytes = (value: unknown) => encoder.encode(`${JSON.stringify(value, null, 2)}\n`);

/**
 * `jsonBytes({ ...head, [key]: list })`, the same bytes, made one list element at a time: each
 * element stringified and encoded on its own, its lines indented to where the list puts them.
 * At 1M survey rows the briefing's 36 MB made as one text took twice the CPU (V8 turns the whole
 * text two-byte at its first accent, and every character is encoded from that; most elements are
 * ASCII). A newline inside an element is always layout: JSON.stringify escapes those in strings.
 */
export function jsonListBytes(
  head: Readonly<Record<string, unknown>>,
  key: string,
  list: readonly unknown[],
): Uint8Array {
  // The envelope with an empty list: `{\n  "dataset": …,\n  "items": []\n}`, the list last.
  const envelope = JSON.stringify({ ...head, [key]: [] }, null, 2);
  if (list.length === 0) return encoder.encode(`${envelope}\n`);
  const at = envelope.lastIndexOf('[]') + 1;
  const parts = [encoder.encode(`${envelope.slice(0, at)}\n    `)];
  // Each element is stringified inside a one-element list at the document's depth, so
  // JSON.stringify indents its lines as the document does (no second pass to indent them), and
  // cut out of what JSON.stringify writes around it: `{\n  "<key>": [\n    ` and `\n  ]\n}`.
  const nestedHead = `{\n  ${JSON.stringify(key)}: [\n    `.length;
  const nestedTail = '\n  ]\n}'.length;
  list.forEach((element, index) => {
    const text = JSON.stringify({ [key]: [element] }, null, 2).slice(nestedHead, -nestedTail);
    parts.push(encoder.encode(index > 0 ? `,\n    ${text}` : text));
  });
  parts.push(encoder.encode(`\n  ${envelope.slice(at)}\n`));
  return Buffer.concat(parts);
}

/**
 * Render one export format of a briefing version. Pure apart from the lazy parquet-wasm import:
 * the same items, meta and options give the same bytes.
 */
export async function renderBriefingExport(
  format: ExportFormat,
  allItems: readonly BriefingItem[],
  meta: ExportMeta,
  options: RenderOptions = {},
): Promise<ExportFile[]> {
  const selection = options.selection ?? {};
  const items = selectItems(allItems, selection);
  const files: ExportFile[] = [];
  const add = (path: string, bytes: Uint8Array, contentType: string) => {
    const file = { path, bytes, contentType };
    files.push(file);
    options.onProgress?.(file);
  };
  const bom = options.bom === true && BOM_FORMATS.includes(format);
  const countries = items.filter((item): item is CountryItem => item.type === 'country');

  switch (format) {
    case 'csv':
      for (const data of briefingTables(items, meta))
        add(`${data.table.name}.csv`, encoder.encode(renderCsv(data, { bom })), CSV);
      break;
    case 'hxl': {
      const country = briefingTables(items, meta).find((data) => data.table === BRIEFING_COUNTRY);
      if (country)
        add('briefing_country.hxl.csv', encoder.encode(renderCsv(country, { bom, hxl: true })), CSV);
      break;
    }
    case 'datapackage': {
      const tables = briefingTables(items, meta);
      for (const data of tables) add(`${data.table.name}.csv`, encoder.encode(renderCsv(data)), CSV);
      add(
        'datapackage.json',
        jsonBytes(dataPackageDescriptor(tables, meta, { oneCountry: selection.country !== undefined })),
        JSON_TYPE,
      );
      break;
    }
    case 'json': {
      const hashOf = options.storedHashes
        ? (item: BriefingItem) => (item as StoredBriefingItem).hash
        : (item: BriefingItem) => itemHash(item);
      const withHash = items.map((item) => ({
        type: item.type,
        id: item.id,
        hash: hashOf(item),
        body: item.body,
        ...(item.lineage ? { lineage: item.lineage } : {}),
      }));
      add(
        'briefing.json',
        jsonListBytes({ dataset: meta.dataset, version: meta.version, as_of: meta.asOf }, 'items', withHash),
        JSON_TYPE,
      );
      for (const item of withHash.filter((entry) => entry.type === 'country')) {
        const page = {
          dataset: meta.dataset,
          version: meta.version,
          as_of: meta.asOf,
          type: item.type,
          id: item.id,
          hash: item.hash,
        };
        const lineage = item.lineage ? { lineage: item.lineage } : {};
        add(`countries/${item.id}.json`, jsonBytes({ ...page, ...item.body, ...lineage }), JSON_TYPE);
      }
      break;
    }
    case 'arrow':
      for (const data of briefingTables(items, meta)) {
        add(`${data.table.name}.arrow`, await renderArrow(data, meta), 'application/vnd.apache.arrow.file');
      }
      break;
    case 'parquet':
      for (const data of briefingTables(items, meta)) {
        add(`${data.table.name}.parquet`, await renderParquet(data, meta), 'application/vnd.apache.parquet');
      }
      break;
    case 'markdown': {
      const markdown = 'text/markdown; charset=utf-8';
      // A theme selection is about the theme: its briefs, not the country pages kept as context.
      if (!selection.theme)
        for (const item of countries) {
          add(`${item.id}.md`, encoder.encode(renderCountryMarkdown(item, meta, items)), markdown);
          add(`summaries/${item.id}.md`, encoder.encode(renderSummaryMarkdown(item, meta)), markdown);
        }
      const briefs = items
        .filter((entry): entry is ThemeItem => entry.type === 'theme')
        .map((item) => themeBrief(item, items));
      for (const brief of briefs)
        add(
          `themes/${themeBriefName(brief.item)}.md`,
          encoder.encode(renderThemeMarkdown(brief, meta)),
          markdown,
        );
      if (!selection.country) {
        const countryIndex = selection.theme
          ? `# HLD 2013 briefs on ${selection.theme} — ${meta.dataset} v${meta.version}\n\n*As of ${meta.asOf}.*\n\n`
          : `${renderMarkdownIndex(
              countries.map((item) => item.body),
              meta,
            )}\n`;
        add('index.md', encoder.encode(countryIndex + renderThemeIndex(briefs)), markdown);
      }
      break;
    }
    case 'html': {
      // The briefing book (book/site.ts); loaded here only, so Vega stays out of every Lambda.
      const { renderBook } = await import('../book/site.ts');
      for (const file of await renderBook(items, meta))
        add(file.path, encoder.encode(file.text), file.contentType);
      break;
    }
    default: {
      // Every format of EXPORT_FORMATS needs a case: a new one that has none fails to compile here.
      const unhandled: never = format;
      throw new UnknownExportFormatError(String(unhandled), EXPORT_FORMATS);
    }
  }
  return files;
}
