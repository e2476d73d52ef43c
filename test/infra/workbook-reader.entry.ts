import { readFileSync } from 'node:fs';
import { readWorkbookSheets } from '#packages/formats/xlsx.ts';

/**
 * Bundled by function-bundles.test.ts with the Lambda esbuild settings and run where exceljs is
 * only in the workbook layer: prints the sheets of the workbook at argv[2] as JSON.
 */
const file = process.argv[2] ?? '';
const sheets = await readWorkbookSheets(readFileSync(file), 'book.xlsx');
process.stdout.write(JSON.stringify(sheets));
