import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { LOCATOR_COLUMN } from '#contracts/curated-columns.ts';
import { SOURCE_KINDS, type SourceKind } from '#contracts/source-kinds.ts';
import { formatProblem } from '#packages/contracts/problems.ts';
import { type ValidationSummary, validateSource } from '#packages/contracts/validate.ts';
import { validateContractCsvStream } from '#packages/csv-engine/csv-columns.ts';
import { FastPathIneligibleError } from '#packages/csv-engine/errors.ts';
import { createSourceReader, detectFormat } from '#packages/formats/index.ts';
import { SourceRefusedError } from '#packages/formats/reader.ts';
import { documentId, documentIdOf } from '#packages/pipeline/ingest.ts';
import { fileDigest, readHead } from '../files.ts';
import { EXIT, type Output, UsageError } from '../output.ts';

/**
 * `hld validate <file>`: the contract check ingest runs, with no AWS and no emulator.
 * Exit 0: every row valid; 1: rows would be quarantined (report printed); 2: the file is refused.
 */
export async function validateCommand(
  out: Output,
  args: {
    file?: string;
    kind?: string;
    format?: string;
    encoding?: string;
    source?: string;
    revision?: string;
  },
): Promise<number> {
  if (!args.file) throw new UsageError('Name the file to check: hld validate path/to/file.csv --kind survey');
  const kind = (args.kind ?? guessKind(args.file)) as SourceKind;
  if (!(SOURCE_KINDS as readonly string[]).includes(kind)) {
    throw new UsageError(
      `Pass --kind (one of ${SOURCE_KINDS.join(', ')}): cannot tell the kind of ${args.file}`,
    );
  }
  const fileName = basename(args.file);
  const report = (format: string, summary: ValidationSummary): number => {
    const quarantined = summary.rowsQuarantined > 0;
    out.result(
      {
        file: args.file,
        kind,
        format,
        status: quarantined ? 'rows-quarantined' : 'valid',
        ...summary,
      },
      () =>
        [
          `${args.file} (${kind}, ${format}): ${summary.rowsAccepted} rows valid, ${summary.rowsQuarantined} would be quarantined`,
          ...summary.problems.map(formatProblem),
        ].join('\n'),
    );
    return quarantined ? EXIT.problems : EXIT.ok;
  };
  // A plain contract CSV is checked as a stream by the columnar fast path (what ingest runs for
  // it): any size, flat memory. Anything it declines goes through the reader below.
  if (!args.format && !args.encoding && !args.source && !args.revision) {
    const head = await readHead(args.file, FORMAT_SNIFF_BYTES);
    if (detectFormat({ bytes: head, fileName, kind }) === 'csv') {
      try {
        const docId = documentIdOf(await fileDigest(args.file, 'sha1'));
        const { summary } = await validateContractCsvStream(
          createReadStream(args.file, { highWaterMark: FORMAT_SNIFF_BYTES * 4 }),
          { fileName, kind, docId, locatorColumn: LOCATOR_COLUMN },
        );
        return report('csv', summary);
      } catch (error) {
        if (!(error instanceof FastPathIneligibleError)) throw error;
      }
    }
  }
  const bytes = await readFile(args.file);
  try {
    const readSource = createSourceReader(
      args.source || args.revision
        ? {
            statistics: {
              ...(args.source ? { source: args.source } : {}),
              ...(args.revision ? { revision: args.revision } : {}),
            },
          }
        : {},
    );
    const read = await readSource({
      bytes,
      fileName,
      kind,
      docId: documentId(bytes),
      ...(args.format ? { format: args.format } : {}),
      ...(args.encoding ? { encoding: args.encoding } : {}),
    });
    return report(read.format, await validateSource(read, fileName));
  } catch (error) {
    if (!(error instanceof SourceRefusedError)) throw error;
    out.result(
      {
        file: args.file,
        kind,
        status: 'refused',
        rule: error.rule,
        message: error.message,
        hint: error.hint,
        locator: error.locator,
      },
      () =>
        `${args.file}: refused [${error.rule}] ${error.message}${error.locator ? ` at ${error.locator}` : ''}${error.hint ? `\nhint: ${error.hint}` : ''}`,
    );
    return EXIT.usage;
  }
}

const FORMAT_SNIFF_BYTES = 1024 * 1024;

function guessKind(file: string): string | undefined {
  const parts = file.split(/[\\/]/);
  return parts.reverse().find((part) => (SOURCE_KINDS as readonly string[]).includes(part));
}
