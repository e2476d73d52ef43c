import { readFileSync, writeFileSync } from 'node:fs';
import { isMainThread } from 'node:worker_threads';
import { LOCATOR_COLUMN } from '#contracts/curated-columns.ts';
import { normaliseContractCsvParallel, type SplitReport } from '#packages/csv-engine/csv-segments.ts';

/**
 * Bundled by csv-segments-bundle.test.ts with the Lambda esbuild settings and run where no
 * node_modules exist: normalises the survey CSV at argv[2] on 2 worker threads (which start this
 * very bundle) and writes the IPC file to argv[3] and the summary and split report to argv[4].
 */
if (isMainThread) {
  let split: SplitReport | undefined;
  const result = await normaliseContractCsvParallel(readFileSync(process.argv[2] ?? ''), {
    fileName: 'survey.csv',
    kind: 'survey',
    docId: 'DOC-test-file',
    receivedAt: '2013-01-05T12:00:00Z',
    locatorColumn: LOCATOR_COLUMN,
    workers: 2,
    segmentBytes: 200_000,
    onSplit: (report) => {
      split = report;
    },
  });
  writeFileSync(process.argv[3] ?? '', result?.ipc ?? new Uint8Array(0));
  writeFileSync(process.argv[4] ?? '', JSON.stringify({ summary: result?.summary, split }));
}
