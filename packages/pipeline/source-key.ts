import { UploadKeyError } from './errors.ts';
import { SOURCE_KINDS, type SourceKind } from './events.ts';

export interface UploadKey {
  readonly kind: SourceKind;
  readonly fileName: string;
  /** `<kind>/<file name>`: the logical source a newer upload of the same name supersedes. */
  readonly sourceName: string;
}

/**
 * A file name: starts with a letter or digit of any script, then letters (with their combining
 * marks), digits, space, apostrophes and . _ ( ) + - (`Côte d'Ivoire 2012.csv`, `Türkiye.csv`,
 * `données (v2).csv`). No slash, backslash or control character can pass, nor `..`.
 */
const SAFE_NAME = /^[\p{L}\p{N}][\p{L}\p{M}\p{N}._ ()+'\u2019-]{0,199}$/u;

/** What a file name may hold, for the message refusing one. */
export const SAFE_NAME_RULE =
  "the file name must start with a letter or digit and use only letters and digits (of any script), space, apostrophes and . _ ( ) + -, with no '..'";

/** Parse `incoming/<kind>/<file name>`; anything else (`..`, nested folders, odd characters) is refused. */
export function parseUploadKey(key: string): UploadKey {
  const parts = key.split('/');
  if (parts.length !== 3 || parts[0] !== 'incoming') {
    throw new UploadKeyError(`Upload key '${key}' is not of the form incoming/<kind>/<file name>`);
  }
  const [, kind = '', fileName = ''] = parts;
  if (!(SOURCE_KINDS as readonly string[]).includes(kind)) {
    throw new UploadKeyError(
      `Upload key '${key}': unknown source kind '${kind}' (expected ${SOURCE_KINDS.join(', ')})`,
    );
  }
  if (!SAFE_NAME.test(fileName) || fileName.includes('..')) {
    throw new UploadKeyError(`Upload key '${key}': ${SAFE_NAME_RULE}`);
  }
  return { kind: kind as SourceKind, fileName, sourceName: `${kind}/${fileName}` };
}

/** Content-addressed key of the immutable copy. The file name is kept for format detection. */
export function rawObjectKey(kind: SourceKind, sha256: string, fileName: string): string {
  return `raw/${kind}/${sha256}/${fileName}`;
}

export function quarantineReportKey(kind: SourceKind, sha256: string): string {
  return `quarantine/${kind}/${sha256}.json`;
}
