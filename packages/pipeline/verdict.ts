import type { Problem } from '#packages/contracts/problems.ts';
import { HLD_MAX_UPLOAD_BYTES } from '#packages/settings/settings.ts';
import type { ObjectStore } from '#packages/storage/object-store.ts';

/**
 * A file's verdict as people read it, written by whichever stage decides it: ingest for a file
 * it checks whole, normalise for a large upload ingest left pending (docs/ingest-one-pass.md).
 * Both write the same report and the same refusal, so a file reads the same whichever decided.
 */

/** Why a file was refused: the rule, what is wrong, what to do. */
export interface Refusal {
  readonly rule: string;
  readonly message: string;
  readonly hint?: string;
}

/** The report kept beside every file that had problems (quarantine/<kind>/<sha256>.json). */
export interface QuarantineReport {
  readonly file: string;
  readonly uploadKey: string;
  readonly sha256: string;
  readonly rawKey: string;
  readonly kind: string;
  readonly status: 'accepted' | 'refused';
  readonly format?: string;
  readonly refusal?: Refusal;
  readonly rowsRead: number;
  readonly rowsAccepted: number;
  readonly rowsQuarantined: number;
  readonly problems: readonly Problem[];
}

/** Write a quarantine report to its key in the raw bucket (overwriting: the same verdict again is the same object). */
export async function writeQuarantineReport(
  raw: ObjectStore,
  key: string,
  report: QuarantineReport,
): Promise<void> {
  await raw.put(key, JSON.stringify(report, null, 2), { contentType: 'application/json' });
}

/** The `too-large` refusal. */
export function tooLargeRefusal(message: string, hint: string): Refusal {
  return { rule: 'too-large', message, hint };
}

/**
 * The refusal of a file over the in-memory limit that the streaming engine declined (a ragged
 * line, an unclosed quote, bytes that are not UTF-8 …), wherever in the file it was found.
 */
export function unstreamableRefusal(
  fileName: string,
  size: number,
  maxUploadBytes: number,
  declined: { readonly message: string },
): Refusal {
  return tooLargeRefusal(
    `${fileName} is ${size} bytes, over the ${maxUploadBytes}-byte limit for files read into memory, ` +
      `and cannot be read as a stream: ${declined.message}`,
    'A file this large must be a plain CSV of one contract table: header on the first line, UTF-8, ' +
      `the same number of cells on every line. Or split it under ${HLD_MAX_UPLOAD_BYTES.name}`,
  );
}
