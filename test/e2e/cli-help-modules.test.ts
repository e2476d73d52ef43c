import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * What `hld --help` loads, traced by Node's own module hooks: commander and the command tree,
 * never the libraries of a command that is not running — the progress bars (cli-progress), the
 * Athena client, DuckDB, the TypeScript loader. The start-up time itself is in bench/
 * (`npm run bench -- --only cli-help`).
 */

const HLD = fileURLToPath(new URL('../../bin/hld.js', import.meta.url));
const TRACE = fileURLToPath(new URL('../support/module-trace.mjs', import.meta.url));

function modulesLoadedBy(args: string[]): string[] {
  const ran = spawnSync(process.execPath, ['--import', TRACE, HLD, ...args], { encoding: 'utf8' });
  expect(ran.status, ran.stderr).toBe(0);
  return ran.stderr
    .split('\n')
    .filter((line) => line.startsWith('[module] '))
    .map((line) => line.slice('[module] '.length));
}

describe('hld --help start-up', () => {
  it('loads commander and the command tree, and none of cli-progress, the Athena client, DuckDB or tsx', () => {
    const loaded = modulesLoadedBy(['--help']);

    expect(loaded.some((url) => url.includes('/commander/'))).toBe(true);
    expect(loaded.some((url) => url.endsWith('/packages/cli/program.ts'))).toBe(true);
    for (const heavy of ['cli-progress', '@aws-sdk/client-athena', '@duckdb', '/tsx/'])
      expect(loaded.filter((url) => url.includes(heavy))).toEqual([]);
  });
});
