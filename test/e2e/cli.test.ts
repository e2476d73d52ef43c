import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const HLD = join(ROOT, 'bin/hld.js');

async function hld(
  args: string[],
  stateDir: string,
  env: Record<string, string> = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [HLD, ...args], {
      cwd: ROOT,
      env: { ...process.env, HLD_STATE_DIR: stateDir, HLD_BACKEND: 'embedded', ...env },
      maxBuffer: 32 * 1024 * 1024,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

describe('hld CLI, as a user drives it', () => {
  let stateDir: string;
  let runOutput: { code: number; stdout: string; stderr: string };

  beforeAll(async () => {
    stateDir = await mkdtemp(join(tmpdir(), 'hld-e2e-'));
    runOutput = await hld(['run', '--json'], stateDir);
  });

  afterAll(async () => {
    await rm(stateDir, { recursive: true, force: true });
  });

  it('runs the whole pipeline on the bundled evidence base and reports the version and counts per kind', () => {
    expect(runOutput.code).toBe(0);
    const result = JSON.parse(runOutput.stdout);
    expect(result.version).toBe(1);
    expect(Object.keys(result.sources).sort()).toEqual([
      'pilot',
      'reference',
      'statistics',
      'stocktaking',
      'survey',
    ]);
    expect(result.sources.stocktaking.accepted).toBe(85);
    expect(runOutput.stderr).toContain('[7/7]');
  });

  it('shows real UN DESA figures with source and revision, and says which content is illustrative', async () => {
    const moldova = await hld(['briefing', 'show', 'MDA'], stateDir);
    const mauritius = await hld(['briefing', 'show', 'MUS', '--json'], stateDir);
    const roundTable = await hld(['briefing', 'show', '--theme', 'RT1', '--json'], stateDir);

    expect(moldova.stdout).toMatch(
      /Immigrant stock: 129,488 persons \(2010\) — UNDESA_IMS POP\/DB\/MIG\/Stock\/Rev\.2019 \[DOC-undesa-ims-rev2019\]$/m,
    );
    expect(moldova.stdout).toMatch(/^Evidence: confidence low; ⚠ ILLUSTRATIVE content/m);
    const mus = JSON.parse(mauritius.stdout);
    expect(mus).toMatchObject({ iso3: 'MUS', illustrative: true, confidence: 'low' });
    expect(mus.survey).toMatchObject({ unct_surveyed: true, illustrative: true });
    expect(mus.caveats[0]).toMatch(/^Illustrative content: .*DOC-illustrative-gmg-unct-2011-kobo/);
    expect(mus.documents).toContainEqual(
      expect.objectContaining({ source_doc_id: 'DOC-illustrative-gmg-unct-2011-kobo', illustrative: true }),
    );
    const rt1 = JSON.parse(roundTable.stdout);
    expect(rt1).toMatchObject({ illustrative: true, confidence: 'low' });
    expect(
      rt1.top_practices.every(
        (practice: { source: { illustrative: boolean } }) => practice.source.illustrative,
      ),
    ).toBe(true);
  });

  it('shows Moldova from the saved state without re-running the pipeline', async () => {
    const shown = await hld(['briefing', 'show', 'MDA', '--json'], stateDir);

    expect(shown.code).toBe(0);
    const body = JSON.parse(shown.stdout);
    expect(body).toMatchObject({ iso3: 'MDA', version: 1 });
    expect(body.pilots[0].pilot_id).toBe('MM-MDA-P1');
    expect(body.milestones.length).toBeGreaterThan(0);
    expect(body.jmdi.projects.length).toBeGreaterThan(0);
    expect(body.events.length).toBeGreaterThan(0);
    expect(
      body.sources.every((source: { file_sha256: string }) => /^[0-9a-f]{64}$/.test(source.file_sha256)),
    ).toBe(true);
  });

  it('accepts a country name and prints a readable brief: survey answers as n of base, figure series', async () => {
    const shown = await hld(['briefing', 'show', 'Republic of Moldova'], stateDir);

    expect(shown.code).toBe(0);
    expect(shown.stdout).toContain('Pilot MM-MDA-P1');
    expect(shown.stdout).toContain('Sources:');
    // Survey answers as n of base (percent), what was counted, and a UN DESA series.
    expect(shown.stdout).toMatch(/submission\(s\) counted \(approved only\)/);
    expect(shown.stdout).toMatch(/\b\d+ of \d+ \(\d+(\.\d)? %\)/);
    expect(shown.stdout).toMatch(/— UNDESA_IMS POP\/DB\/MIG\/Stock\/Rev\.2019: \d{4} [\d,]+ · \d{4} [\d,]+/);
  });

  it("shows each source's word on a pilot's status as its own dated row, the note's events as precise as the note, and what a budget sums", async () => {
    const moldova = await hld(['briefing', 'show', 'MDA'], stateDir);
    const mali = await hld(['briefing', 'show', 'MLI', '--json'], stateDir);

    expect(moldova.code).toBe(0);
    expect(moldova.stdout).toMatch(
      /^ {2}2012-02-09 {2}MM-MDA-P1 {2}active \(listed\): .*\[DOC-undp-note-2012: A\.1 para 1: "is implementing a pilot project/m,
    );
    expect(moldova.stdout).toMatch(
      /^ {2}2012-05 {2}MM-MDA-P1 {2}active \(listed\): .*\[DOC-eu-mda-mp-newsletter-5: /m,
    );
    expect(moldova.stdout).toMatch(
      /^ {2}2011-12-01 – 2011-12-02 {2}EV-20111201-gfmd-concluding-debate {2}Concluding Debate of the 2011 GFMD/m,
    );
    expect(moldova.stdout).toContain('co-hosted by Bangladesh, Jamaica and Mali');
    expect(moldova.stdout).not.toMatch(/co-chair|Moldova 2020/);
    expect(moldova.stdout).toMatch(
      /^JMDI: \d+ project\(s\).*total project budgets of the \d+ not withdrawn \(total budgets, not JMDI grants/m,
    );
    // Mali: listed in 2012 by the note, not listed by the later programme site; both kept, in order.
    const statuses = JSON.parse(mali.stdout).pilot_status;
    expect(statuses.map((status: Record<string, string>) => [status.listing, status.source_doc_id])).toEqual([
      ['listed', 'DOC-undp-note-2012'],
      ['not_listed', 'DOC-mm-programme-about'],
    ]);
  });

  it('walks lineage from a briefing item back to raw objects and their SHA-256', async () => {
    const lineage = await hld(['lineage', 'country#MDA', '--json'], stateDir);

    expect(lineage.code).toBe(0);
    const result = JSON.parse(lineage.stdout);
    expect(result.lineage.length).toBeGreaterThan(0);
    for (const entry of result.lineage) {
      expect(entry.file.raw_key).toContain(entry.file.sha256);
      expect(entry.curated.length).toBeGreaterThan(0);
    }
  });

  it('gives the same content hash when the pipeline runs again from scratch on the same inputs', async () => {
    const again = await mkdtemp(join(tmpdir(), 'hld-e2e-again-'));
    try {
      const second = await hld(['run', '--json'], again);
      expect(JSON.parse(second.stdout).contentHash).toBe(JSON.parse(runOutput.stdout).contentHash);
    } finally {
      await rm(again, { recursive: true, force: true });
    }
  });

  it('shows a round table with its projects, practices and corridors', async () => {
    const shown = await hld(['briefing', 'show', '--theme', 'RT3', '--json'], stateDir);

    expect(shown.code).toBe(0);
    const body = JSON.parse(shown.stdout);
    expect(body.id).toBe('RT3_partnerships_coherence_mainstreaming@GLOBAL');
    expect(body.n_projects).toBeGreaterThan(0);
    expect(body.transnational_corridors.length).toBeGreaterThan(0);
  });

  it("after one changed input and a refresh, the diff shows exactly that row's effect, and rollback restores v1", async () => {
    const dir = await mkdtemp(join(tmpdir(), 'hld-change-'));
    const original = await readFile(
      join(ROOT, 'data-contracts/samples/stocktaking/jmdi-projects.csv'),
      'utf8',
    );
    const lines = original.split('\n');
    const header = (lines[0] ?? '').split(',');
    const budgetColumn = header.indexOf('total_budget_amount');
    const target = lines.findIndex((line) => line.startsWith('JMDI1-MDA-01,'));
    const cells = (lines[target] ?? '').split(',');
    const oldBudget = Number(cells[budgetColumn]);
    cells[budgetColumn] = String(oldBudget + 1000);
    lines[target] = cells.join(',');
    await mkdir(join(dir, 'stocktaking'));
    await writeFile(join(dir, 'stocktaking', 'jmdi-projects.csv'), lines.join('\n'));

    const ingested = await hld(['ingest', join(dir, 'stocktaking', 'jmdi-projects.csv')], stateDir);
    const refreshed = await hld(['refresh', '--json'], stateDir);
    const diff = await hld(['briefing', 'diff', '--json'], stateDir);

    expect(ingested.code).toBe(0);
    expect(JSON.parse(refreshed.stdout)).toMatchObject({ published: true, version: 2 });
    const result = JSON.parse(diff.stdout);
    expect(result).toMatchObject({ from: 1, to: 2, added: [], removed: [] });
    const mda = result.changed.find(
      (item: { type: string; id: string }) => item.type === 'country' && item.id === 'MDA',
    );
    const paths = mda.changes.map((change: { path: string }) => change.path);
    expect(paths).toContain('jmdi.budget_eur_total');
    expect(
      mda.changes.find((change: { path: string }) => change.path === 'jmdi.budget_eur_total'),
    ).toMatchObject({
      to: expect.any(Number),
    });
    const budget = mda.changes.find((change: { path: string }) => change.path === 'jmdi.budget_eur_total');
    expect(budget.to - budget.from).toBe(1000);
    expect(result.changed.map((item: { type: string; id: string }) => `${item.type}#${item.id}`)).toEqual([
      'country#MDA',
    ]);
    expect(mda.changes.map((change: { path: string }) => change.path).sort()).toEqual([
      'jmdi.budget_eur_total',
      'jmdi.projects[0].total_budget_amount',
    ]);

    const rollback = await hld(['briefing', 'rollback', '1', '--why', 'budget typo', '--json'], stateDir);
    const versions = await hld(['briefing', 'versions', '--json'], stateDir);
    expect(rollback.code).toBe(0);
    const history = JSON.parse(versions.stdout);
    expect(history.current).toBe(1);
    expect(history.audit).toContainEqual(
      expect.objectContaining({ action: 'rollback', from: 2, to: 1, why: 'budget typo' }),
    );
    const status = await hld(['status', '--json'], stateDir);
    expect(JSON.parse(status.stdout).pointerChanges).toContainEqual(
      expect.objectContaining({
        dataset: 'hld2013',
        action: 'rollback',
        from: 2,
        to: 1,
        why: 'budget typo',
        who: expect.any(String),
      }),
    );

    // The rollback holds: a refresh with no new input does not undo it, and says so; --force publishes.
    const held = await hld(['refresh'], stateDir);
    expect(held.code).toBe(0);
    expect(held.stdout).toContain('stays live');
    expect(held.stdout).toMatch(/rolled back from v2/);
    expect(held.stdout).toContain('hld refresh --force');
    expect(JSON.parse((await hld(['briefing', 'versions', '--json'], stateDir)).stdout).current).toBe(1);
    const forced = await hld(['refresh', '--force', '--json'], stateDir);
    expect(JSON.parse(forced.stdout)).toMatchObject({ published: true, version: 3 });
    await rm(dir, { recursive: true, force: true });
  });

  it('validates files without any backend: 0 valid, 1 rows quarantined, 2 refused', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'hld-validate-'));
    const bad = join(dir, 'lessons.csv');
    await writeFile(
      bad,
      'lesson_id,question,statement_en,theme,evidence_type,evidence_strength,good_practice,source_doc_id,source_locator,extraction_method,confidence\n' +
        'LES-1,what_works,Works well,remittances,self_assessment,strong,true,DOC-x1,p.1,manual,high\n' +
        'LES-2,what_works,Works too,tourism,self_assessment,strong,true,DOC-x1,p.2,manual,high\n',
    );
    const notUtf8 = join(dir, 'latin1.csv');
    await writeFile(notUtf8, Buffer.from([0x6e, 0x61, 0x6d, 0x65, 0x0a, 0x43, 0x61, 0x66, 0xe9, 0x0a]));

    const valid = await hld(
      ['validate', join(ROOT, 'data-contracts/samples/stocktaking/jmdi-projects.csv')],
      dir,
    );
    const quarantined = await hld(['validate', bad, '--kind', 'stocktaking'], dir);
    const refused = await hld(['validate', notUtf8, '--kind', 'stocktaking'], dir);

    expect(valid.code).toBe(0);
    expect(quarantined.code).toBe(1);
    expect(quarantined.stdout).toMatch(/line 3.*theme.*invalid_value.*tourism/);
    expect(refused.code).toBe(2);
    expect(refused.stdout).toMatch(/encoding/i);
    // where, then what: the file and the byte lead; the message names the line once
    expect(refused.stdout).toMatch(
      /latin1\.csv, byte 8: refused \[encoding\] .*0xE9 at byte offset 8 \(line 2\)$/m,
    );
    await rm(dir, { recursive: true, force: true });
  });
});

describe('hld CLI: settings and the files it takes', () => {
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'hld-floor-'));
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('stops with exit 2 naming the variable when an HLD_* setting is out of range, before touching any state', async () => {
    const keep = await hld(['status'], join(dir, 'state-keep'), { HLD_KEEP_VERSIONS: 'abc' });
    const lease = await hld(['refresh'], join(dir, 'state-lease'), { HLD_LOCK_LEASE_SECONDS: 'abc' });
    const zero = await hld(['briefing', 'list'], join(dir, 'state-zero'), { HLD_KEEP_VERSIONS: '0' });

    expect(keep.code).toBe(2);
    expect(keep.stderr).toMatch(/HLD_KEEP_VERSIONS="abc" is not valid: it must be a whole number from 1/);
    expect(lease.code).toBe(2);
    expect(lease.stderr).toMatch(/HLD_LOCK_LEASE_SECONDS="abc"/);
    expect(zero.code).toBe(2);
    expect(zero.stderr).toMatch(/HLD_KEEP_VERSIONS="0"/);
    await expect(readFile(join(dir, 'state-keep', 'embedded', 'hld.pid'))).rejects.toThrow();
  });

  it('ingests exactly the named file, and from a folder every file a reader reads, reporting the others', async () => {
    const folder = join(dir, 'upload');
    await mkdir(join(folder, 'stocktaking'), { recursive: true });
    const lessons = await readFile(join(ROOT, 'data-contracts/samples/stocktaking/jmdi-lessons.csv'));
    await writeFile(join(folder, 'stocktaking', 'jmdi-lessons.csv'), lessons);
    // A file whose name ends like the named one: the named path means that file only.
    await writeFile(join(folder, 'stocktaking', 'old-jmdi-lessons.csv'), lessons);
    await writeFile(join(folder, 'stocktaking', 'notes.docx'), 'not evidence');
    const env = { HLD_EPHEMERAL: '1' };

    const named = await hld(['ingest', join(folder, 'stocktaking', 'jmdi-lessons.csv'), '--json'], dir, env);
    const folderRun = await hld(['ingest', folder, '--json'], dir, env);
    const noReader = await hld(['ingest', join(folder, 'stocktaking', 'notes.docx')], dir, env);

    expect(named.code).toBe(0);
    expect(JSON.parse(named.stdout).files.map((upload: { file: string }) => upload.file)).toEqual([
      join(folder, 'stocktaking', 'jmdi-lessons.csv'),
    ]);
    expect(JSON.parse(named.stdout).files[0]).toMatchObject({
      status: 'accepted',
      outcome: 'accepted',
      sha256: expect.any(String),
    });
    expect(JSON.parse(named.stdout).summary).toBe('1 file: 1 accepted');
    expect(folderRun.code).toBe(0);
    expect(JSON.parse(folderRun.stdout).files.map((upload: { file: string }) => upload.file)).toEqual([
      join(folder, 'stocktaking', 'jmdi-lessons.csv'),
      join(folder, 'stocktaking', 'old-jmdi-lessons.csv'),
    ]);
    expect(folderRun.stderr).toMatch(/skipped .*notes\.docx: no reader reads notes\.docx/);
    expect(noReader.code).toBe(2);
    expect(noReader.stdout).toMatch(/skipped .*notes\.docx: no reader reads/);
  });

  it('validates with the same rule: a file no reader reads is refused, exit 2', async () => {
    const notes = join(dir, 'notes.docx');
    await writeFile(notes, 'not evidence');

    const refused = await hld(['validate', notes, '--kind', 'stocktaking', '--json'], dir);

    expect(refused.code).toBe(2);
    expect(JSON.parse(refused.stdout)).toMatchObject({ status: 'refused', rule: 'unsupported-format' });
  });
});
