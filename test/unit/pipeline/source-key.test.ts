import { describe, expect, it } from 'vitest';
import { UploadKeyError } from '#packages/pipeline/errors.ts';
import { parseUploadKey, rawObjectKey } from '#packages/pipeline/source-key.ts';
import { UnsafeObjectKeyError } from '#packages/storage/errors.ts';
import { assertSafeKey } from '#packages/storage/object-store.ts';

describe('parseUploadKey', () => {
  it('reads the kind and file name of incoming/<kind>/<file>', () => {
    expect(parseUploadKey('incoming/survey/gmg 2011 (v2).csv')).toEqual({
      kind: 'survey',
      fileName: 'gmg 2011 (v2).csv',
      sourceName: 'survey/gmg 2011 (v2).csv',
    });
  });

  it.each([
    "Côte d'Ivoire 2012.csv",
    'Türkiye.csv',
    'données (v2).csv',
    'Côte d’Ivoire.csv',
    'u\u0308ber.csv',
    'МОМ 2011.csv',
  ])('takes the file name %j (letters of any script; trial 2026-12-03-c, finding 4)', (name) => {
    expect(parseUploadKey(`incoming/statistics/${name}`).fileName).toBe(name);
  });

  it.each([
    'incoming/survey/../../raw/x.csv',
    'incoming/survey/a..b.csv',
    'incoming/survey/#draft.csv',
    'incoming/survey/a\\b.csv',
    'incoming/survey/a\u2028b.csv',
    'incoming/survey/sub/x.csv',
    'incoming/unknown/x.csv',
    'raw/survey/x.csv',
    'incoming/survey/.hidden',
    'incoming/survey/a\u0000b.csv',
  ])('refuses %j', (key) => {
    expect(() => parseUploadKey(key)).toThrow(UploadKeyError);
  });
});

describe('assertSafeKey', () => {
  it.each(['raw/../x', '/abs', 'a\\b', 'a/./b', 'tab\there'])('refuses %j', (key) => {
    expect(() => assertSafeKey(key)).toThrow(UnsafeObjectKeyError);
  });

  it('accepts the content-addressed raw key', () => {
    expect(() => assertSafeKey(rawObjectKey('pilot', 'ab'.repeat(32), 'pilots.json'))).not.toThrow();
  });
});
