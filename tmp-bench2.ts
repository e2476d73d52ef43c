import { normaliseContractCsvFile } from '#packages/fastpath/csv-columns.ts';
const file = process.argv[2] ?? 'bench/.data/survey-response-1m.csv';
const t0 = performance.now();
let bytes = 0;
const r = await normaliseContractCsvFile(file, { fileName: 'x.csv', kind: (process.argv[3] as any) ?? 'survey', docId: 'DOC-x', locatorColumn: '_locator', write: (c) => { bytes += c.length; } });
const t = (performance.now() - t0) / 1000;
const hwm = (await import('node:fs')).readFileSync('/proc/self/status', 'utf8').match(/VmHWM:\s+(\d+)/)?.[1];
console.log(JSON.stringify({ s: t.toFixed(2), rows: r.rows, q: r.summary.rowsQuarantined, ipcMB: (bytes / 1e6).toFixed(0), hwmMB: Number(hwm) / 1024 }));
