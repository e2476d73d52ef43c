import { readFileSync } from 'node:fs';
import { PrimaryKeySet } from '#packages/fastpath/primary-keys.ts';
import { CsvTokenizer } from '#packages/fastpath/csv-tokenizer.ts';
const bytes = new Uint8Array(readFileSync('bench/.data/survey-response-1m.csv'));
const t = new CsvTokenizer(44);
const b = t.push(bytes, true);
const keys = new PrimaryKeySet(3);
let t0 = performance.now(); let c0 = process.cpuUsage(); let dups = 0;
for (let r = 1; r < b.records; r++) {
  const c = b.recordCells[r]!;
  keys.setPart(0, bytes, b.cellStart[c]!, b.cellEnd[c]!);
  keys.setPart(1, bytes, b.cellStart[c + 1]!, b.cellEnd[c + 1]!);
  keys.setPart(2, bytes, b.cellStart[c + 2]!, b.cellEnd[c + 2]!);
  if (keys.find() >= 0) dups++; else keys.insert(r);
}
console.log("pk", (performance.now() - t0).toFixed(0), "cpu", (process.cpuUsage(c0).user/1000).toFixed(0), dups);
t0 = performance.now();
for (let r = 1; r < b.records; r++) {
  const c = b.recordCells[r]!;
  keys.setPart(0, bytes, b.cellStart[c]!, b.cellEnd[c]!);
  keys.setPart(1, bytes, b.cellStart[c + 1]!, b.cellEnd[c + 1]!);
  keys.setPart(2, bytes, b.cellStart[c + 2]!, b.cellEnd[c + 2]!);
}
console.log('parts only', (performance.now() - t0).toFixed(0));
