import { readFileSync } from 'node:fs';
import { CsvTokenizer } from '#packages/fastpath/csv-tokenizer.ts';
const bytes = readFileSync('bench/.data/survey-response-1m.csv');
for (const chunk of [1 << 20, 4 << 20, 16 << 20]) {
  const t0 = performance.now();
  const t = new CsvTokenizer(44);
  let records = 0;
  for (let s = 0; s < bytes.length; s += chunk) records += t.push(bytes.subarray(s, s + chunk), s + chunk >= bytes.length).records;
  console.log(chunk, records, (performance.now() - t0).toFixed(0), 'ms');
}
let t0 = performance.now(); let n = 0; for (let i = 0; i < bytes.length; i++) if (bytes[i] === 10) n++; console.log('plain loop', (performance.now() - t0).toFixed(0), n);
const { isUtf8 } = await import('node:buffer');
t0 = performance.now(); isUtf8(bytes); console.log('isUtf8', (performance.now() - t0).toFixed(0));
