import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { selectIngestFiles } from '#packages/cli/select-files.ts';
import { READABLE_EXTENSIONS } from '#packages/formats/index.ts';
import { checkSource } from '#packages/pipeline/check-source.ts';

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'hld-select-'));
  await mkdir(join(root, 'survey', 'nested'), { recursive: true });
  await mkdir(join(root, 'stocktaking'), { recursive: true });
  for (const [path, text] of [
    ['survey/answers.csv', 'a\n1\n'],
    ['survey/nested/more.xlsx', 'x'],
    ['survey/.DS_Store', 'x'],
    ['stocktaking/jmdi-projects.csv', 'a\n1\n'],
    ['stocktaking/old-jmdi-projects.csv', 'a\n1\n'],
    ['stocktaking/notes.docx', 'x'],
    ['README.md', '# evidence'],
  ] as const) {
    await writeFile(join(root, path), text);
  }
});
afterAll(() => rm(root, { recursive: true, force: true }));

describe('selectIngestFiles', () => {
  it('takes from a folder every file a reader reads, with the kind of its first sub-folder, and reports the others', async () => {
    const selection = await selectIngestFiles([root]);

    expect(selection.files).toEqual([
      { path: join(root, 'stocktaking', 'jmdi-projects.csv'), kind: 'stocktaking' },
      { path: join(root, 'stocktaking', 'old-jmdi-projects.csv'), kind: 'stocktaking' },
      { path: join(root, 'survey', 'answers.csv'), kind: 'survey' },
      { path: join(root, 'survey', 'nested', 'more.xlsx'), kind: 'survey' },
    ]);
    expect(selection.skipped.map((skipped) => [skipped.path, skipped.named])).toEqual([
      [join(root, 'README.md'), false],
      [join(root, 'stocktaking', 'notes.docx'), false],
    ]);
    expect(selection.skipped[1]?.reason).toMatch(/no reader reads notes\.docx \(readers read .*\.csv/);
  });

  it('takes a named file and nothing else, even when another file ends with its name', async () => {
    const selection = await selectIngestFiles([join(root, 'stocktaking', 'jmdi-projects.csv')]);

    expect(selection.files).toEqual([
      { path: join(root, 'stocktaking', 'jmdi-projects.csv'), kind: 'stocktaking' },
    ]);
    expect(selection.skipped).toEqual([]);
  });

  it('reports a named file no reader reads as named, and refuses what it cannot place', async () => {
    const named = await selectIngestFiles([join(root, 'stocktaking', 'notes.docx')]);

    expect(named.files).toEqual([]);
    expect(named.skipped).toEqual([expect.objectContaining({ named: true })]);
    await expect(selectIngestFiles([join(root, 'README.md'), join(root, 'missing.csv')])).rejects.toThrow(
      /missing\.csv does not exist/,
    );
    await expect(selectIngestFiles([join(root, 'survey', 'answers.csv')], 'widgets')).rejects.toThrow(
      /--kind widgets is not a source kind/,
    );
  });
});

describe('a format registered in the reader registry', () => {
  it('reaches hld run and hld ingest <dir> (selected from a folder) and hld validate and ingest (not refused for its type)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'hld-reach-'));
    await mkdir(join(dir, 'statistics'));
    for (const extension of READABLE_EXTENSIONS)
      await writeFile(join(dir, 'statistics', `file${extension}`), 'x');
    await writeFile(join(dir, 'statistics', 'file.docx'), 'x');

    const selection = await selectIngestFiles([dir]);
    const checked = await Promise.all(
      [...READABLE_EXTENSIONS, '.docx'].map((extension) =>
        checkSource({
          fileName: `file${extension}`,
          kind: 'statistics',
          docId: 'DOC-test',
          maxBytes: 1024,
          head: new TextEncoder().encode('not a table'),
          chunks: () => [new TextEncoder().encode('not a table')],
          bytes: async () => new TextEncoder().encode('not a table'),
        }),
      ),
    );

    expect(selection.files.map((file) => file.path.slice(file.path.lastIndexOf('.'))).sort()).toEqual(
      [...READABLE_EXTENSIONS].sort(),
    );
    expect(selection.skipped.map((skipped) => skipped.path)).toEqual([join(dir, 'statistics', 'file.docx')]);
    const refusedForType = checked.map(
      (result) => result.status === 'refused' && result.error.rule === 'unsupported-format',
    );
    expect(refusedForType).toEqual([...READABLE_EXTENSIONS.map(() => false), true]);
    await rm(dir, { recursive: true, force: true });
  });
});
