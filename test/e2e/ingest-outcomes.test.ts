import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hld } from '../support/hld-in-process.ts';

/**
 * `hld ingest` says what happened to each file, and `hld status` keeps saying it: accepted,
 * quarantined (top problems and report), every row quarantined, no records, refused (rule and
 * message), unchanged (same bytes as …); a summary line counts each outcome. On the embedded
 * backend, one state folder for the whole file.
 */

const LESSON_HEADER =
  'lesson_id,question,statement_en,theme,evidence_type,evidence_strength,good_practice,iso3,source_doc_id,source_locator,extraction_method,confidence';
const lesson = (id: string, theme = 'remittances', statement = 'Works well') =>
  `${id},what_works,${statement},${theme},self_assessment,strong,true,MDA,DOC-x1,p.1,manual,high`;

let dir: string;
let env: Record<string, string>;
const at = (name: string) => join(dir, 'stocktaking', name);

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'hld-outcomes-'));
  env = { HLD_STATE_DIR: join(dir, 'state') };
  await mkdir(join(dir, 'stocktaking'));
  await writeFile(at('good.csv'), [LESSON_HEADER, lesson('LES-1'), lesson('LES-2')].join('\n'));
  await writeFile(at('copy-of-good.csv'), [LESSON_HEADER, lesson('LES-1'), lesson('LES-2')].join('\n'));
  await writeFile(
    at('some-bad.csv'),
    [LESSON_HEADER, lesson('LES-3'), lesson('LES-4', 'tourism'), lesson('LES-5', 'tourism')].join('\n'),
  );
  await writeFile(at('all-bad.csv'), [LESSON_HEADER, lesson('LES-6', 'tourism')].join('\n'));
  await writeFile(at('header-only.csv'), `${LESSON_HEADER}\n`);
  await writeFile(at('broken.json'), '{"lessons": [');
  // "Café" in Windows-1252 (Node's latin1 writes é as 0xE9, which is not UTF-8).
  await writeFile(
    at('latin1.csv'),
    Buffer.from(`${LESSON_HEADER}\n${lesson('LES-7', 'remittances', 'Café')}\n`, 'latin1'),
  );
  await writeFile(
    at('latin1-b.csv'),
    Buffer.from(`${LESSON_HEADER}\n${lesson('LES-8', 'remittances', 'Café')}\n`, 'latin1'),
  );
}, 60_000);

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('hld ingest: what happened to each file', () => {
  it('names each outcome, with top problems, report, rule and reason, then counts them', async () => {
    const ran = await hld(
      [
        'ingest',
        at('good.csv'),
        at('some-bad.csv'),
        at('all-bad.csv'),
        at('header-only.csv'),
        at('broken.json'),
        at('copy-of-good.csv'),
      ],
      env,
    );

    const line = (name: string) => ran.stdout.split('\n').find((entry) => entry.includes(` ${name}: `)) ?? '';
    expect(line('good.csv')).toMatch(/: accepted 2 rows$/);
    expect(line('some-bad.csv')).toMatch(
      /: accepted 1 row, 2 quarantined — top problems \[invalid_value\] theme ×2, report: s3:\/\/hld-raw\/quarantine\/stocktaking\/[0-9a-f]{64}\.json$/,
    );
    expect(line('all-bad.csv')).toMatch(/: every row quarantined \(1\), none accepted/);
    expect(line('header-only.csv')).toMatch(/: accepted, but it holds no records/);
    expect(line('broken.json')).toMatch(/: refused — [a-z-]+: .+/);
    expect(line('copy-of-good.csv')).toMatch(
      /: unchanged — same bytes as stocktaking\/good\.csv, nothing to do$/,
    );
    expect(ran.stdout).toContain(
      '6 files: 1 accepted, 1 quarantined, 1 all quarantined, 1 empty, 1 refused, 1 unchanged',
    );
    expect(ran.code).toBe(2);
  });

  it('says unchanged for the same bytes ingested again, and exits 0', async () => {
    const ran = await hld(['ingest', at('good.csv')], env);

    expect(ran.stdout).toMatch(/good\.csv: unchanged — same bytes as its current version, nothing to do/);
    expect(ran.stdout).toContain('1 file: 1 unchanged');
    expect(ran.code).toBe(0);
  });

  it('hld status shows the refusal message and marks the file whose every row was quarantined', async () => {
    const ran = await hld(['status'], env);
    const row = (name: string) =>
      ran.stdout.split('\n').find((entry) => entry.includes(`stocktaking/${name}`)) ?? '';

    expect(row('all-bad.csv')).toContain('all quarantined');
    expect(row('broken.json')).toMatch(/refused .*[a-z-]+: /);
    expect(ran.stdout).not.toMatch(/quarantine\/stocktaking\/[0-9a-f]{64}/);
  });

  it('--encoding travels with the upload to ingest and normalise: Windows-1252 refused without it, accepted with it', async () => {
    const without = await hld(['ingest', at('latin1.csv')], env);
    const withEncoding = await hld(
      ['ingest', at('latin1-b.csv'), '--encoding', 'windows-1252', '--json'],
      env,
    );

    expect(without.code).toBe(2);
    expect(without.stdout).toMatch(/latin1\.csv: refused — .*windows-1252/i);
    expect(withEncoding.code, withEncoding.stderr).toBe(0);
    expect(JSON.parse(withEncoding.stdout).files[0]).toMatchObject({ outcome: 'accepted', rowsAccepted: 1 });
  });

  it('reads bytes refused for their encoding again when they come with --encoding: accepted, then unchanged', async () => {
    // latin1.csv was refused above, read as UTF-8.
    const again = await hld(['ingest', at('latin1.csv'), '--encoding', 'windows-1252'], env);
    const third = await hld(['ingest', at('latin1.csv'), '--encoding', 'cp1252'], env);
    const withoutEncoding = await hld(['ingest', at('latin1.csv')], env);

    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toMatch(
      /latin1\.csv: accepted 1 row \(refused before: [a-z-]+; checked again as windows-1252\)$/m,
    );
    expect(third.code).toBe(0);
    expect(third.stdout).toMatch(
      /latin1\.csv: unchanged — same bytes as its current version, nothing to do$/m,
    );
    expect(withoutEncoding.code).toBe(0);
    expect(withoutEncoding.stdout).toMatch(
      /latin1\.csv: unchanged — .*accepted before read as windows-1252; .*reading them as UTF-8 does not apply/,
    );
  });

  it('diagnoses UTF-16 without a byte order mark as likely UTF-16, and accepts it with --encoding utf-16le', async () => {
    const bytes = Buffer.from(`${LESSON_HEADER}\n${lesson('LES-9', 'remittances', 'Café')}\n`, 'utf16le');
    await writeFile(at('utf16.csv'), bytes);

    const refused = await hld(['ingest', at('utf16.csv')], env);
    const accepted = await hld(['ingest', at('utf16.csv'), '--encoding', 'utf-16le'], env);

    expect(refused.code).toBe(2);
    expect(refused.stdout).toMatch(
      /utf16\.csv: refused — .*UTF-16LE without a byte order mark.*--encoding utf-16le/,
    );
    expect(refused.stdout).not.toMatch(/windows-1252/);
    expect(accepted.code, accepted.stdout).toBe(0);
    expect(accepted.stdout).toMatch(/utf16\.csv: accepted 1 row \(refused before/);
  });

  // docs/ingest-one-pass.md: over the in-memory limit ingest checks the first megabyte and
  // normalise the rest; `hld ingest` prints the same outcome once both have run.
  it('over 1 MB: counts and top problems after normalise, and a ragged line below the first megabyte refuses the file and keeps the name at its version', async () => {
    const rows = Array.from({ length: 12_000 }, (_, n) =>
      lesson(`LES-B${n}`, n % 1000 === 999 ? 'tourism' : 'remittances'),
    );
    const good = [LESSON_HEADER, ...rows].join('\n');
    await writeFile(at('big.csv'), `${good}\n`);
    const large = { ...env, HLD_MAX_UPLOAD_BYTES: '1024' };

    const accepted = await hld(['ingest', at('big.csv')], large);
    await writeFile(at('big.csv'), `${good}\nLES-BR,too-few\n`);
    const refused = await hld(['ingest', at('big.csv')], large);
    const status = await hld(['status', '--json'], env);

    expect(good.length).toBeGreaterThan(1024 * 1024);
    expect(accepted.stdout).toMatch(
      /big\.csv: accepted 11988 rows, 12 quarantined — top problems \[invalid_value\] theme ×12, report: s3:\/\/hld-raw\/quarantine\/stocktaking\/[0-9a-f]{64}\.json$/m,
    );
    expect(refused.code).toBe(2);
    expect(refused.stdout).toMatch(
      /big\.csv: refused — too-large: .*cannot be read as a stream: line 12002 has 2 cells/,
    );
    const state = JSON.parse(status.stdout) as {
      files: { sourceName: string; sha256: string; status: string }[];
      sources: { sourceName: string; sha256: string }[];
    };
    const big = state.files.filter((file) => file.sourceName === 'stocktaking/big.csv');
    expect(big.map((file) => file.status).sort()).toEqual(['accepted', 'refused']);
    expect(state.sources.find((source) => source.sourceName === 'stocktaking/big.csv')?.sha256).toBe(
      big.find((file) => file.status === 'accepted')?.sha256,
    );
  });

  it('takes a file name in any script (Côte d’Ivoire, données), refuses an unsafe one by rule before upload, and goes on', async () => {
    // prepare (trial 2026-12-03-c, finding 4: `my figures ü.csv` failed with exit 5 and was not recorded)
    await writeFile(at("Côte d'Ivoire données ü.csv"), [LESSON_HEADER, lesson('LES-20')].join('\n'));
    await writeFile(at('#draft.csv'), [LESSON_HEADER, lesson('LES-21')].join('\n'));
    await writeFile(at('after.csv'), [LESSON_HEADER, lesson('LES-22')].join('\n'));

    // act
    const ran = await hld(
      ['ingest', at("Côte d'Ivoire données ü.csv"), at('#draft.csv'), at('after.csv')],
      env,
    );
    const status = await hld(['status', '--json'], env);

    // assess
    const line = (name: string) => ran.stdout.split('\n').find((entry) => entry.includes(` ${name}: `)) ?? '';
    expect(line("Côte d'Ivoire données ü.csv")).toMatch(/: accepted 1 row$/);
    expect(line('#draft.csv')).toMatch(
      /: refused — file-name: the file name must start with a letter or digit .*\(Rename the file and ingest it again; nothing was uploaded\)$/,
    );
    expect(line('after.csv')).toMatch(/: accepted 1 row$/);
    expect(ran.stdout).toContain('3 files: 2 accepted, 1 refused');
    expect(ran.code).toBe(2);
    expect(status.stdout).toContain("stocktaking/Côte d'Ivoire données ü.csv");
  });

  it('--quiet prints the summary and no per-file progress', async () => {
    const quiet = await hld(['ingest', at('good.csv'), '--quiet'], env);

    expect(quiet.stdout.trim()).toBe('1 file: 1 unchanged');
  });
});
