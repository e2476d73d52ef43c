import { readFileSync, writeFileSync } from 'node:fs';
import { arrowFileToParquet } from '#packages/pipeline/parquet-copy.ts';

/**
 * Bundled by function-bundles.test.ts with the Lambda esbuild settings and run where parquet-wasm
 * is only in the Parquet layer: writes the Arrow IPC file at argv[2] as Parquet to argv[3].
 */
writeFileSync(process.argv[3] ?? '', await arrowFileToParquet(readFileSync(process.argv[2] ?? '')));
