import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readAgain, sameEncoding } from '#packages/pipeline/ingest.ts';
import type { FileRecord } from '#packages/storage/ledger.ts';
import { propertyRuns } from '../contracts/property-runs.ts';

/** Spellings of the same encodings as people type them (the reader's aliases, any case). */
const SPELLINGS = [
  ['windows-1252', 'cp1252', 'Windows-1252', 'WINDOWS_1252'],
  ['utf-16le', 'utf16le', 'UTF-16LE'],
  ['latin1', 'latin-1', 'iso-8859-1', 'ISO8859-1'],
  ['utf-8', 'utf8', 'UTF-8'],
] as const;

const file = (status: FileRecord['status'], encoding?: string, rule = 'bad-encoding'): FileRecord => ({
  sha256: 'a'.repeat(64),
  kind: 'survey',
  sourceName: 'survey/export.csv',
  uploadKey: 'incoming/survey/export.csv',
  rawKey: 'raw/survey/x',
  docId: 'DOC-x',
  sizeBytes: 10,
  receivedAt: '2026-12-02T00:00:00.000Z',
  status,
  rowsAccepted: 0,
  rowsQuarantined: 0,
  ...(encoding ? { encoding } : {}),
  ...(status === 'refused' ? { refusal: { rule, message: 'not UTF-8' } } : {}),
});

const encoding = fc.option(fc.constantFrom(...SPELLINGS.flat()), { nil: undefined });

describe('readAgain: what makes known bytes the same upload', () => {
  it('never reads accepted bytes again, whatever encoding comes', () => {
    fc.assert(
      fc.property(encoding, encoding, (before, now) => !readAgain(file('accepted', before), now)),
      propertyRuns('accepted bytes are never read again', 200),
    );
  });

  it('reads refused bytes again exactly when the declared encoding names another reading', () => {
    fc.assert(
      fc.property(encoding, encoding, (before, now) => {
        const family = (label: string | undefined) =>
          label === undefined
            ? -1
            : SPELLINGS.findIndex((names) => (names as readonly string[]).includes(label));
        expect(readAgain(file('refused', before), now)).toBe(family(before) !== family(now));
        expect(sameEncoding(before, now)).toBe(sameEncoding(now, before));
      }),
      propertyRuns('refused bytes are read again under another encoding', 300),
    );
  });

  it('reads bytes refused for their sidecar again (the sidecar may be fixed), encoding or not', () => {
    expect(readAgain(file('refused', undefined, 'source-sidecar'), undefined)).toBe(true);
  });
});
