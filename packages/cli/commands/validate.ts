import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { formatProblem } from '#packages/contracts/problems.ts';
import { validateSource } from '#packages/contracts/validate.ts';
import { createSourceReader } from '#packages/formats/index.ts';
import { SourceRefusedError } from '#packages/formats/reader.ts';
import { SOURCE_KINDS, type SourceKind } from '#packages/pipeline/events.ts';
import { documentId } from '#packages/pipeline/ingest.ts';
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
  const bytes = await readFile(args.file);
  const fileName = basename(args.file);
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
    const summary = await validateSource(read, fileName);
    const quarantined = summary.rowsQuarantined > 0;
    out.result(
      {
        file: args.file,
        kind,
        format: read.format,
        status: quarantined ? 'rows-quarantined' : 'valid',
        ...summary,
      },
      () =>
        [
          `${args.file} (${kind}, ${read.format}): ${summary.rowsAccepted} rows valid, ${summary.rowsQuarantined} would be quarantined`,
          ...summary.problems.map(formatProblem),
        ].join('\n'),
    );
    return quarantined ? EXIT.problems : EXIT.ok;
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

function guessKind(file: string): string | undefined {
  const parts = file.split(/[\\/]/);
  return parts.reverse().find((part) => (SOURCE_KINDS as readonly string[]).includes(part));
}
