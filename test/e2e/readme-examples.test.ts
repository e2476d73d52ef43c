import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hld } from '../support/hld-in-process.ts';

/**
 * Every command in the README's `sh` code blocks, run in order as a reader would type it, on one
 * embedded state, and expected to exit 0 as the README implies. `npx hld …` runs hld's main() with
 * those arguments; `npm start` runs what package.json's start script names. What cannot run here
 * is listed below with the reason and, where there is one, the test that covers it instead; a
 * README line that is neither run nor listed fails the test.
 */

const ROOT = new URL('../../', import.meta.url);

const NOT_RUN_HERE: Readonly<Record<string, string>> = {
  'npm install': 'this suite runs inside an installed tree (.ci/run runs npm ci from a fresh clone)',
  'npm test': 'this test is part of npm test',
  'npx cdk bootstrap': 'needs an AWS account',
  'npx cdk deploy -c stage=dev': 'needs an AWS account',
  'npm run synth': 'the same synth runs in test/infra/evidence-stack.synth.test.ts',
  'npm run deploy:local': 'needs LocalStack (Docker and LOCALSTACK_AUTH_TOKEN)',
  'npx hld serve --port 8787':
    'serves until Ctrl-C; test/e2e/exports.test.ts › "hld serve answers a route and the HTML briefing book on 127.0.0.1 and stops cleanly on SIGTERM"',
};

/** The commands of the README's `sh` blocks, comments stripped, `a && b` split. */
function readmeCommands(readme: string): string[] {
  const blocks = [...readme.matchAll(/^```sh\n([\s\S]*?)^```/gm)].map((match) => match[1] ?? '');
  return blocks
    .flatMap((block) => block.split('\n'))
    .map((line) => line.split(/\s+#\s/)[0]?.trim() ?? '')
    .filter((line) => line.length > 0)
    .flatMap((line) => line.split(/\s*&&\s*/));
}

/** Shell words: "double" and 'single' quoted words kept whole. */
function words(command: string): string[] {
  return [...command.matchAll(/"([^"]*)"|'([^']*)'|(\S+)/g)].map(
    (match) => match[1] ?? match[2] ?? match[3] ?? '',
  );
}

/**
 * A synopsis (`--format csv|json [--country MDA]`) becomes one command per alternative, without
 * its optional parts; a plain command stays as it is.
 */
function expand(args: string[]): string[][] {
  let optional = false;
  const plain = args.filter((word) => {
    if (word.startsWith('[')) optional = true;
    const keep = !optional;
    if (word.endsWith(']')) optional = false;
    return keep;
  });
  const at = plain.findIndex((word) => word.includes('|'));
  if (at < 0) return [plain];
  return (plain[at] ?? '')
    .split('|')
    .map((choice) => plain.map((word, index) => (index === at ? choice : word)));
}

let dir: string;
let env: Record<string, string>;
let commands: string[];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'hld-readme-'));
  env = { HLD_STATE_DIR: join(dir, 'state') };
  commands = readmeCommands(await readFile(new URL('README.md', ROOT), 'utf8'));
}, 60_000);

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("the README's examples", () => {
  it('every line of its sh blocks is either run below or listed as not run here, with the reason', () => {
    const unknown = commands.filter(
      (command) => !command.startsWith('npx hld ') && command !== 'npm start' && !(command in NOT_RUN_HERE),
    );

    expect(unknown).toEqual([]);
    expect(commands.length).toBeGreaterThan(10);
  });

  it('npm start, then every npx hld command, in order, exits 0', async () => {
    const manifest = JSON.parse(await readFile(new URL('package.json', ROOT), 'utf8'));
    expect(manifest.scripts.start).toBe('node bin/hld.js run');
    const ran: string[] = [];
    let published = false;

    for (const command of commands.filter((line) => !(line in NOT_RUN_HERE))) {
      if (command === 'npm start') {
        expect((await hld(['run', '--quiet'], env)).code).toBe(0);
        published = true;
        continue;
      }
      expect(published, 'npm start comes first in the README').toBe(true);
      const args = words(command).slice(2);
      // The analysts' block diffs and rolls back: a second version exists by then (one lesson reworded).
      if (args[0] === 'briefing' && args[1] === 'diff') await publishSecondVersion();
      for (const expanded of expand(args)) {
        // Exports go to a temporary folder instead of ./exports (the only change to the command).
        const run =
          expanded[1] === 'export'
            ? [...expanded, '--out', join(dir, 'exports', ran.length.toString())]
            : expanded;
        const result = await hld(run, env);
        expect(result.code, `npx hld ${run.join(' ')}\n${result.stdout}\n${result.stderr}`).toBe(0);
        ran.push(expanded.join(' '));
      }
    }

    expect(ran).toContain('briefing rollback 1 --why typo in source');
    // One export per format of the README's synopsis (csv … hxl, html).
    expect(ran.filter((command) => command.startsWith('briefing export'))).toHaveLength(8);
  });
});

let secondVersion = false;
async function publishSecondVersion(): Promise<void> {
  if (secondVersion) return;
  secondVersion = true;
  const lessons = await readFile(
    new URL('data-contracts/samples/stocktaking/jmdi-lessons.csv', ROOT),
    'utf8',
  );
  await mkdir(join(dir, 'stocktaking'), { recursive: true });
  const changed = join(dir, 'stocktaking', 'jmdi-lessons.csv');
  await writeFile(changed, lessons.replace('made both sides accountable', 'made both sides answerable'));
  expect((await hld(['ingest', changed, '--quiet'], env)).code).toBe(0);
  expect((await hld(['refresh', '--quiet'], env)).stdout).toContain('Published v2');
}
