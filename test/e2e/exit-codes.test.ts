import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withSession } from '#packages/cli/session.ts';
import { currentProcess } from '#packages/local/process-identity.ts';
import { REFRESH_LOCK } from '#packages/pipeline/refresh-lock.ts';
import { hld } from '../support/hld-in-process.ts';

/**
 * The README's exit codes, command by command: 1 not found (or rows quarantined), 2 usage error,
 * bad path or refused file, 3 backend unavailable, 4 refresh lock held, 5 unexpected failure. Each
 * row runs `hld` as the bin does (main() with the arguments), on real embedded state, and checks the
 * code and that stderr says what to do next without a stack trace.
 */

/** A port on 127.0.0.1 with nothing listening on it. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  return typeof address === 'object' && address ? address.port : 9;
}

const LESSON_HEADER =
  'lesson_id,question,statement_en,theme,evidence_type,evidence_strength,good_practice,iso3,source_doc_id,source_locator,extraction_method,confidence';
const lesson = (id: string, theme = 'remittances') =>
  `${id},what_works,Works well,${theme},self_assessment,strong,true,MDA,DOC-x1,p.1,manual,high`;

/** The paths a row names; in a test's title, their placeholders. */
interface Paths {
  readonly dir: string;
  readonly good: string;
  readonly goodDir: string;
  readonly quarantined: string;
  readonly refused: string;
  readonly noReader: string;
  readonly missing: string;
  readonly aFile: string;
}
const PLACEHOLDERS: Paths = {
  dir: '<tmp>',
  good: 'small/stocktaking/lessons.csv',
  goodDir: 'small/',
  quarantined: 'lessons-bad.csv',
  refused: 'broken.json',
  noReader: 'notes.dat',
  missing: 'missing.csv',
  aFile: 'a-file',
};

let dir: string;
let published: string;
let empty: string;
let locked: string;
let full: string;
let endpoint: string;
let files: Paths;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'hld-exit-codes-'));
  published = join(dir, 'published');
  empty = join(dir, 'empty');
  locked = join(dir, 'locked');
  full = join(dir, 'full');
  endpoint = `http://127.0.0.1:${await closedPort()}`;
  files = {
    dir,
    ...(Object.fromEntries(
      Object.entries(PLACEHOLDERS)
        .filter(([name]) => name !== 'dir')
        .map(([name, path]) => [name, join(dir, path)]),
    ) as Omit<Paths, 'dir'>),
  };
  await mkdir(join(files.goodDir, 'stocktaking'), { recursive: true });
  await writeFile(files.good, [LESSON_HEADER, lesson('LES-1'), lesson('LES-2')].join('\n'));
  await writeFile(files.quarantined, [LESSON_HEADER, lesson('LES-3'), lesson('LES-4', 'tourism')].join('\n'));
  await writeFile(files.refused, '{"pilot": [');
  await writeFile(files.noReader, 'not a format');
  await writeFile(files.aFile, 'x');

  // A published briefing (the bundled evidence base), and state whose refresh lock a live process holds.
  expect((await hld(['run', '--quiet'], { HLD_STATE_DIR: published })).code).toBe(0);
  process.env.HLD_STATE_DIR = locked;
  try {
    await withSession(undefined, async (session) => {
      await session.ctx.ledger.acquireLock(REFRESH_LOCK, 'run-held', 900, undefined, currentProcess());
    });
  } finally {
    delete process.env.HLD_STATE_DIR;
  }
}, 180_000);

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

type Row = readonly [
  command: string,
  args: (f: Paths) => string[],
  state: () => Record<string, string>,
  code: number,
];

const inPublished = () => ({ HLD_STATE_DIR: published });
const inEmpty = () => ({ HLD_STATE_DIR: empty });
const inLocked = () => ({ HLD_STATE_DIR: locked });
const atDeadLocalStack = () => ({ HLD_STATE_DIR: empty, HLD_LOCALSTACK_ENDPOINT: endpoint });
const inFullStore = () => ({ HLD_STATE_DIR: full, HLD_EMBEDDED_S3_MAX_BYTES: '10' });

const ROWS: readonly Row[] = [
  // 1: not found, or rows quarantined
  ['status', () => ['status'], inEmpty, 1],
  ['briefing list', () => ['briefing', 'list'], inEmpty, 1],
  ['briefing show', () => ['briefing', 'show', 'AUS'], inPublished, 1],
  ['briefing show', () => ['briefing', 'show', 'MDA', '--briefing-version', '99'], inPublished, 1],
  ['briefing versions', () => ['briefing', 'versions'], inEmpty, 1],
  ['briefing diff', () => ['briefing', 'diff', '--from', '99'], inPublished, 1],
  ['briefing rollback', () => ['briefing', 'rollback', '99', '--why', 'test'], inPublished, 1],
  ['briefing export', () => ['briefing', 'export', '--briefing-version', '99'], inPublished, 1],
  ['lineage', () => ['lineage', 'country#AUS'], inPublished, 1],
  ['doctor', () => ['doctor', '--dry-run'], inEmpty, 1],
  ['unlock', () => ['unlock'], inEmpty, 1],
  ['serve', () => ['serve', '--port', '0'], inEmpty, 1],
  ['validate', (f) => ['validate', f.quarantined, '--kind', 'stocktaking'], inEmpty, 1],
  ['ingest', (f) => ['ingest', f.quarantined, '--kind', 'stocktaking'], inPublished, 1],
  ['query', () => ['query', 'SELECT 1'], inEmpty, 1],
  // 2: usage error, bad path, refused file
  ['(none)', () => [], inEmpty, 2],
  ['(typo)', () => ['brefing'], inEmpty, 2],
  ['run', (f) => ['run', join(f.dir, 'no-such-folder')], inEmpty, 2],
  ['run', () => ['run', '--bogus'], inEmpty, 2],
  ['run', () => ['run', '--backend', 'nope'], inEmpty, 2],
  ['ingest', () => ['ingest'], inEmpty, 2],
  ['ingest', (f) => ['ingest', f.missing], inEmpty, 2],
  ['ingest', (f) => ['ingest', f.noReader, '--kind', 'stocktaking'], inEmpty, 2],
  ['ingest', (f) => ['ingest', f.refused, '--kind', 'pilot'], inPublished, 2],
  ['ingest', (f) => ['ingest', f.good, '--kind', 'projects'], inEmpty, 2],
  ['refresh', () => ['refresh', 'extra'], inEmpty, 2],
  ['status', () => ['status', '--knd'], inEmpty, 2],
  ['validate', () => ['validate'], inEmpty, 2],
  ['validate', (f) => ['validate', f.good, f.missing, '--kind', 'stocktaking'], inEmpty, 2],
  ['validate', (f) => ['validate', f.noReader, '--kind', 'stocktaking'], inEmpty, 2],
  ['contracts export', () => ['contracts', 'export'], inEmpty, 2],
  ['contracts', () => ['contracts', 'lst'], inEmpty, 2],
  ['briefing show', () => ['briefing', 'show'], inPublished, 2],
  ['briefing show', () => ['briefing', 'show', 'MDA', '--briefing-version', 'abc'], inPublished, 2],
  ['briefing rollback', () => ['briefing', 'rollback', '1'], inPublished, 2],
  ['briefing export', () => ['briefing', 'export', '--format', 'docx'], inPublished, 2],
  ['briefing export', (f) => ['briefing', 'export', '--out', f.aFile], inPublished, 2],
  ['lineage', () => ['lineage'], inPublished, 2],
  ['serve', () => ['serve', '--port', 'abc'], inPublished, 2],
  ['query', () => ['query', 'SELEC nonsense'], inPublished, 2],
  ['query', () => ['query', 'SELECT 1', '--backend', 'aws'], inEmpty, 2],
  ['query', () => ['query', 'SELECT 1', '--backend', 'aws', '--timeout', 'soon'], inEmpty, 2],
  ['doctor', () => ['doctor', '--dry-run', 'now'], inPublished, 2],
  ['unlock', () => ['unlock', '--force'], inLocked, 2],
  ['completion', () => ['completion', 'fish'], inEmpty, 2],
  ['help', () => ['help', 'nope'], inEmpty, 2],
  ['(settings)', () => ['status'], () => ({ HLD_STATE_DIR: published, HLD_KEEP_VERSIONS: 'abc' }), 2],
  // 3: backend unavailable
  ['run', (f) => ['run', f.goodDir, '--backend', 'localstack'], atDeadLocalStack, 3],
  ['ingest', (f) => ['ingest', f.good, '--backend', 'localstack'], atDeadLocalStack, 3],
  ['refresh', () => ['refresh', '--backend', 'localstack'], atDeadLocalStack, 3],
  ['status', () => ['status', '--backend', 'localstack'], atDeadLocalStack, 3],
  ['briefing show', () => ['briefing', 'show', 'MDA', '--backend', 'localstack'], atDeadLocalStack, 3],
  ['lineage', () => ['lineage', 'MDA', '--backend', 'localstack'], atDeadLocalStack, 3],
  ['doctor', () => ['doctor', '--backend', 'localstack'], atDeadLocalStack, 3],
  ['unlock', () => ['unlock', '--backend', 'localstack'], atDeadLocalStack, 3],
  ['query', () => ['query', 'SELECT 1', '--backend', 'localstack'], atDeadLocalStack, 3],
  // 4: the refresh lock is held by a live process
  ['refresh', () => ['refresh'], inLocked, 4],
  ['run', (f) => ['run', f.goodDir], inLocked, 4],
  ['unlock', () => ['unlock'], inLocked, 4],
  // 5: unexpected failure (here: the embedded store is full)
  ['ingest', (f) => ['ingest', f.good], inFullStore, 5],
  ['run', (f) => ['run', f.goodDir], inFullStore, 5],
];

describe('hld exit codes, per command and failure class (README "The hld CLI")', () => {
  it.each(ROWS.map((row) => [row[0], row[1](PLACEHOLDERS).join(' '), row[3], row] as const))(
    '%s: hld %s → exit %i',
    async (_command, _shown, code, row) => {
      const ran = await hld(row[1](files), row[2]());

      expect(ran.code, `${ran.stdout}\n${ran.stderr}`).toBe(code);
      expect(ran.stderr).not.toMatch(/\n\s+at .+:\d+:\d+/);
      // Never silent: the reason is on stderr (`hld: …`) or in the per-file result.
      expect(`${ran.stdout}${ran.stderr}`.trim()).not.toBe('');
    },
  );

  it('prints the stack trace of an unexpected failure only with --debug or HLD_DEBUG=1', async () => {
    const plain = await hld(['ingest', files.good], inFullStore());
    const debug = await hld(['ingest', files.good, '--debug'], inFullStore());
    const fromEnv = await hld(['ingest', files.good], { ...inFullStore(), HLD_DEBUG: '1' });

    expect(plain.stderr).toContain('--debug');
    expect(plain.stderr).not.toMatch(/\n\s+at /);
    expect(debug.stderr).toMatch(/\n\s+at /);
    expect(fromEnv.stderr).toMatch(/\n\s+at /);
  });
});
