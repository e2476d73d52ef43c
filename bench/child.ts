/**
 * One measurement in a fresh process: `node --import tsx bench/child.ts <case> [args…]` prints
 * one JSON line with the case's result (bench/cases.ts).
 */
import { CASES } from './cases.ts';

const [name, ...args] = process.argv.slice(2);
const run = name ? CASES[name] : undefined;
if (!run) {
  console.error(`bench/child.ts: unknown case '${name ?? ''}'. Cases: ${Object.keys(CASES).join(', ')}`);
  process.exit(2);
}
const result = await run(...args);
process.stdout.write(`${JSON.stringify(result)}\n`);
