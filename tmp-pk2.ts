import { PrimaryKeySet } from '#packages/fastpath/primary-keys.ts';
const keys = new PrimaryKeySet(3);
const c0 = process.cpuUsage();
let t0 = performance.now();
for (let r = 0; r < 1_000_000; r++) {
  keys.ids[0] = r >> 5; keys.ids[1] = r & 31; keys.ids[2] = 0;
  if (keys.find() < 0) keys.insert(r);
}
console.log('find+insert', (performance.now() - t0).toFixed(0), (process.cpuUsage(c0).user / 1000).toFixed(0));
const m = new Map<string, number>();
t0 = performance.now();
for (let r = 0; r < 1_000_000; r++) { const k = `${r >> 5}\u001f${r & 31}\u001f0`; if (!m.has(k)) m.set(k, r); }
console.log('Map<string>', (performance.now() - t0).toFixed(0));
