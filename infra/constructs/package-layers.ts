import type { Construct } from 'constructs';
import { buildParquetLayer, buildWorkbookLayer, PARQUET_LAYER, WORKBOOK_LAYER } from '../bundling.ts';
import { ModuleLayer } from './module-layer.ts';

/**
 * The workbook layer: exceljs (bundled with its dependencies into one minified file) for the
 * stages that read uploads (`readsWorkbooks` in the pipeline definition).
 */
export function workbookLayer(scope: Construct, id: string): ModuleLayer {
  return new ModuleLayer(scope, id, {
    packageName: WORKBOOK_LAYER.packageName,
    purpose: 'the functions that read XLSX uploads (bundled)',
    build: buildWorkbookLayer,
  });
}

/** The Parquet layer: parquet-wasm's Node build for the stages that write Parquet (`writesParquet`). */
export function parquetLayer(scope: Construct, id: string): ModuleLayer {
  return new ModuleLayer(scope, id, {
    packageName: PARQUET_LAYER.packageName,
    purpose: 'the functions that write Parquet copies of curated tables',
    build: buildParquetLayer,
  });
}
