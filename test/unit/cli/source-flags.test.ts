import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sourceSidecar } from '#contracts/source-registry.ts';
import { sidecarBytesFor, sidecarFromFlags } from '#packages/cli/source-flags.ts';

describe('sidecarFromFlags', () => {
  it('writes the source document the flags describe, as ingest reads it', () => {
    const sidecar = sidecarFromFlags({
      title: 'International Migrant Stock 2019',
      publisher: 'UN DESA Population Division',
      year: '2019',
      url: 'https://www.un.org/en/development/desa/population/migration/data/estimates2/estimates19.asp',
      licence: 'CC BY 3.0 IGO',
    });

    expect(sourceSidecar.parse(sidecar)).toEqual({
      title: 'International Migrant Stock 2019',
      publisher: 'UN DESA Population Division',
      year: 2019,
      url: 'https://www.un.org/en/development/desa/population/migration/data/estimates2/estimates19.asp',
      licence: 'CC BY 3.0 IGO',
      illustrative: false,
    });
  });

  it('gives nothing without flags, and refuses a description without a title or with a year or URL that is not one', () => {
    expect(sidecarFromFlags({})).toBeUndefined();
    expect(sidecarFromFlags({ kind: 'statistics' } as never)).toBeUndefined();
    expect(() => sidecarFromFlags({ publisher: 'UN DESA' })).toThrow(/--publisher .* give its --title too/);
    expect(() => sidecarFromFlags({ title: 'T', year: '19' })).toThrow(/^--year: /);
    expect(() => sidecarFromFlags({ title: 'T', url: 'not a url' })).toThrow(/^--url: /);
    expect(() => sidecarFromFlags({ title: 'T', docId: 'undesa' })).toThrow(
      /^--doc-id: must look like DOC-<id>/,
    );
  });
});

describe('sidecarBytesFor', () => {
  it('uploads the flags when given, else the <file>.source.json beside the file, else nothing', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'hld-sidecar-'));
    try {
      const file = join(dir, 'figures.csv');
      await writeFile(file, 'x');
      expect(await sidecarBytesFor(file, undefined)).toBeUndefined();
      await writeFile(`${file}.source.json`, '{"title":"On disk"}');
      expect(Buffer.from((await sidecarBytesFor(file, undefined))!).toString()).toBe('{"title":"On disk"}');
      const flags = sidecarFromFlags({ title: 'From flags' });
      expect(JSON.parse(Buffer.from((await sidecarBytesFor(file, flags))!).toString())).toMatchObject({
        title: 'From flags',
      });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
