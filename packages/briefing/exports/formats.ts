import { UnknownExportFormatError } from './errors.ts';

/**
 * The export formats, apart from their renderers: the CLI checks `--format` with this module
 * alone, before it loads Arrow (and, for Parquet, WebAssembly).
 */
export const EXPORT_FORMATS = [
  'csv',
  'json',
  'arrow',
  'parquet',
  'markdown',
  'datapackage',
  'hxl',
  'html',
] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

/** Formats whose CSV may start with a BOM (for Excel); the others go to tools that want plain UTF-8. */
export const BOM_FORMATS: readonly ExportFormat[] = ['csv', 'hxl'];

export function isExportFormat(value: string): value is ExportFormat {
  return (EXPORT_FORMATS as readonly string[]).includes(value);
}

export function parseExportFormat(value: string): ExportFormat {
  if (!isExportFormat(value)) throw new UnknownExportFormatError(value, EXPORT_FORMATS);
  return value;
}
