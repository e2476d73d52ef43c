import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { checkSource, type SourceToCheck } from '#packages/pipeline/check-source.ts';
import { sourceToCheck } from './source-to-check.ts';

const PROJECTS = new URL('../../../data-contracts/samples/stocktaking/jmdi-projects.csv', import.meta.url);
const EVENTS = new URL('../../../data-contracts/samples/reference/events-and-sources.json', import.meta.url);

const source = (fileName: string, bytes: Uint8Array, overrides: Partial<SourceToCheck> = {}) =>
  sourceToCheck(fileName, fileName.endsWith('.json') ? 'reference' : 'stocktaking', bytes, overrides);

describe('checkSource', () => {
  it('gives the same summary for a plain contract CSV through the CSV engine and, declared, through its reader', async () => {
    const bytes = await readFile(PROJECTS);

    const engine = await checkSource(source('jmdi-projects.csv', bytes));
    const reader = await checkSource(source('jmdi-projects.csv', bytes, { format: 'csv' }));

    expect(engine).toMatchObject({ status: 'checked', format: 'csv' });
    expect(reader).toMatchObject({ status: 'checked', format: 'csv' });
    expect(engine.status === 'checked' && engine.summary).toEqual(
      reader.status === 'checked' && reader.summary,
    );
  });

  it('holds a file in memory up to the limit it is given (HLD_MAX_UPLOAD_BYTES), not a limit of its own', async () => {
    const bytes = await readFile(EVENTS);

    const small = await checkSource(source('events.json', bytes, { maxBytes: 1024 }));
    const large = await checkSource(source('events.json', bytes, { maxBytes: bytes.byteLength }));
    const streamOnly = await checkSource(source('events.json', bytes, { bytes: undefined }));

    expect(small.status === 'refused' && [small.error.rule, small.error.message]).toEqual([
      'too-large',
      expect.stringContaining('the limit is 1024 bytes'),
    ]);
    expect(large).toMatchObject({ status: 'checked', format: 'json' });
    expect(streamOnly).toMatchObject({ status: 'not-streamable', format: 'json' });
  });

  it('refuses a file no reader reads, unless its format is declared', async () => {
    const bytes = await readFile(PROJECTS);

    const unknown = await checkSource(source('projects.docx', bytes));
    const declared = await checkSource(source('projects.docx', bytes, { format: 'csv' }));

    expect(unknown.status === 'refused' && unknown.error.rule).toBe('unsupported-format');
    expect(declared).toMatchObject({ status: 'checked', format: 'csv' });
  });
});
