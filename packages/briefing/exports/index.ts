/** Briefing exports: CSV, JSON, Arrow, Parquet, Markdown, Data Package and HXL (DOMAIN.md §4.8). */
export { type ExportObject, writeExportsToBucket } from './bucket.ts';
export { csvField, csvLine, neutraliseCell, renderCsv } from './csv.ts';
export { DATA_PACKAGE_NAME, dataPackageDescriptor } from './datapackage.ts';
export { ExportDataError, UnknownExportFormatError } from './errors.ts';
export { writeExportFiles } from './files.ts';
export {
  BOM_FORMATS,
  EXPORT_FORMATS,
  type ExportFormat,
  isExportFormat,
  parseExportFormat,
} from './formats.ts';
export { EXPORT_MANIFEST, exportPrefix } from './layout.ts';
export { DEFAULT_LINK_SECONDS, type ExportLink, presignExportLinks } from './presign.ts';
export { type ExportFile, type RenderOptions, renderBriefingExport } from './render.ts';
export { type ExportSelection, resolveThemeCode, selectItems, THEME_CHOICES } from './selection.ts';
export { BRIEFING_TABLES, briefingTables, type ExportMeta, type ExportTable } from './tables.ts';
