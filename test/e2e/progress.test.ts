import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * Progress bars as a person at a terminal sees them: `hld` runs as a child process under a
 * pseudo-terminal (util-linux `script`), so stderr is a TTY exactly as in a shell. Bars appear
 * there; piped output and --quiet stay the plain lines they always were; NO_COLOR takes the
 * colour off. Skipped, saying so, where `script` is not installed.
 */

const HLD = fileURLToPath(new URL('../../bin/hld.js', import.meta.url));
const SCRIPT = existsSync('/usr/bin/script') ? '/usr/bin/script' : undefined;
if (!SCRIPT) console.warn('[progress] util-linux script not found: progress on a terminal not tested');

const LESSON_HEADER =
  'lesson_id,question,statement_en,theme,evidence_type,evidence_strength,good_practice,iso3,source_doc_id,source_locator,extraction_method,confidence';
const lesson = (id: string) =>
  `${id},what_works,Works well,remittances,self_assessment,strong,true,MDA,DOC-x1,p.1,manual,high`;

/** A bar's cells (progress.ts draws █ and ░). */
const BAR = /[█░]{24}/;
/** An SGR sequence: colour (cursor movement is not colour). */
const COLOUR = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`);

let dir: string;
let baseEnv: NodeJS.ProcessEnv;

/** The environment of a child hld: no colour settings inherited from the test runner. */
function envWith(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...baseEnv, ...extra };
  for (const name of ['NO_COLOR', 'FORCE_COLOR', 'NODE_DISABLE_COLORS', 'CI'])
    if (!(name in extra)) delete env[name];
  return env;
}

/** `hld args…` with stdout and stderr on a pseudo-terminal; everything the terminal received. */
function onTerminal(args: string[], extra: Record<string, string> = {}): { code: number; screen: string } {
  const command = [process.execPath, HLD, ...args]
    .map((part) => `'${part.replaceAll("'", "'\\''")}'`)
    .join(' ');
  const ran = spawnSync(SCRIPT as string, ['-qec', command, '/dev/null'], {
    env: envWith({ TERM: 'xterm-256color', ...extra }),
    encoding: 'utf8',
    timeout: 120_000,
  });
  return { code: ran.status ?? -1, screen: ran.stdout };
}

/** `hld args…` with stdout and stderr piped, as in a script or CI. */
function piped(args: string[]): { code: number; stdout: string; stderr: string } {
  const ran = spawnSync(process.execPath, [HLD, ...args], {
    env: envWith({ TERM: 'xterm-256color' }),
    encoding: 'utf8',
    timeout: 120_000,
  });
  return { code: ran.status ?? -1, stdout: ran.stdout, stderr: ran.stderr };
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'hld-progress-'));
  await mkdir(join(dir, 'stocktaking'));
  for (const name of ['a', 'b', 'c', 'd'])
    await writeFile(
      join(dir, 'stocktaking', `${name}.csv`),
      [LESSON_HEADER, lesson(`LES-${name}`)].join('\n'),
    );
  baseEnv = { ...process.env, HLD_STATE_DIR: join(dir, 'state') };
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe.runIf(SCRIPT)('progress on a terminal (hld under a pseudo-terminal)', () => {
  it('draws a coloured bar per upload on a terminal, then the outcome line as before', () => {
    const ran = onTerminal(['ingest', join(dir, 'stocktaking', 'a.csv')]);

    expect(ran.code, ran.screen).toBe(0);
    expect(ran.screen).toMatch(BAR);
    expect(ran.screen).toContain('ingest + normalise');
    expect(ran.screen).toMatch(COLOUR);
    expect(ran.screen).toMatch(/a\.csv: accepted 1 row/);
  });

  it('draws no bar when the output is piped: the same plain lines as before', () => {
    const ran = piped(['ingest', join(dir, 'stocktaking', 'b.csv')]);

    expect(ran.code, ran.stderr).toBe(0);
    expect(`${ran.stdout}${ran.stderr}`).not.toMatch(BAR);
    expect(`${ran.stdout}${ran.stderr}`).not.toContain('\u001b[');
    expect(ran.stdout).toMatch(/^\[1\/1\] stocktaking +b\.csv: accepted 1 row$/m);
  });

  it('draws no bar with --quiet on a terminal, and prints only the summary', () => {
    const ran = onTerminal(['ingest', join(dir, 'stocktaking', 'c.csv'), '--quiet']);

    expect(ran.code, ran.screen).toBe(0);
    expect(ran.screen).not.toMatch(BAR);
    expect(ran.screen.trim()).toBe("1 file: 1 accepted; run 'hld refresh' to publish a new briefing");
  });

  it('with NO_COLOR draws the bars (uploads, refresh steps) without colour', () => {
    const ingest = onTerminal(['ingest', join(dir, 'stocktaking', 'd.csv')], { NO_COLOR: '1' });
    const refresh = onTerminal(['refresh'], { NO_COLOR: '1' });

    expect(ingest.code, ingest.screen).toBe(0);
    expect(ingest.screen).toMatch(BAR);
    expect(ingest.screen).not.toMatch(COLOUR);
    expect(refresh.code, refresh.screen).toBe(0);
    expect(refresh.screen).toMatch(/refresh [█░]{24} \d\/\d+ (lock|normalise-pending|assemble)/);
    expect(refresh.screen).not.toMatch(COLOUR);
    expect(refresh.screen).toMatch(/Published v1/);
  });

  it('keeps --json stdout free of progress: the bar is drawn on the terminal (stderr), the JSON is clean', () => {
    const json = join(dir, 'out.json');
    const ran = spawnSync(
      SCRIPT as string,
      [
        '-qec',
        `'${process.execPath}' '${HLD}' ingest '${join(dir, 'stocktaking', 'a.csv')}' --json > '${json}'`,
        '/dev/null',
      ],
      { env: envWith({ TERM: 'xterm-256color' }), encoding: 'utf8', timeout: 120_000 },
    );
    const stdout = readFileSync(json, 'utf8');

    expect(ran.status, ran.stdout).toBe(0);
    expect(ran.stdout).toMatch(BAR);
    expect(stdout).not.toContain('\u001b[');
    expect(JSON.parse(stdout)).toMatchObject({ summary: '1 file: 1 unchanged' });
  });
});
