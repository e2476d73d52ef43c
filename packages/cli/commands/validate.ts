import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { isSourceKind, SOURCE_KINDS } from '#contracts/source-kinds.ts';
import { formatProblem } from '#packages/contracts/problems.ts';
import type { ValidationSummary } from '#packages/contracts/validate.ts';
import type { SourceRefusedError } from '#packages/formats/reader.ts';
import { checkSource } from '#packages/pipeline/check-source.ts';
import { pipelineConfig } from '#packages/pipeline/config.ts';
import { documentIdOf } from '#packages/pipeline/ingest.ts';
import { fileDigest, readHead } from '../files.ts';
import { EXIT, type Output, UsageError } from '../output.ts';

/**
 * `hld validate <file>`: the contract check ingest runs (packages/pipeline/check-source.ts), with
 * no AWS and no emulator. Exit 0: every row valid; 1: rows would be quarantined (report printed);
 * 2: the file is refused.
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
  const file = args.file;
  const kind = args.kind ?? guessKind(file);
  if (!isSourceKind(kind)) {
    throw new UsageError(`Pass --kind (one of ${SOURCE_KINDS.join(', ')}): cannot tell the kind of ${file}`);
  }
  const fileName = basename(file);
  const { maxUploadBytes } = pipelineConfig();
  const { size } = await stat(file);
  const checked = await checkSource({
    fileName,
    kind,
    docId: documentIdOf(await fileDigest(file, 'sha1')),
    maxBytes: maxUploadBytes,
    head: await readHead(file, FORMAT_SNIFF_BYTES),
    chunks: () => createReadStream(file, { highWaterMark: FORMAT_SNIFF_BYTES * 4 }),
    ...(size <= maxUploadBytes ? { bytes: () => readFile(file) } : {}),
    ...(args.format ? { format: args.format } : {}),
    ...(args.encoding ? { encoding: args.encoding } : {}),
    ...(args.source || args.revision
      ? {
          readerOptions: {
            statistics: {
              ...(args.source ? { source: args.source } : {}),
              ...(args.revision ? { revision: args.revision } : {}),
            },
          },
        }
      : {}),
  });
  switch (checked.status) {
    case 'checked':
      return report(out, { file, kind, format: checked.format, summary: checked.summary });
    case 'refused':
      return refused(out, file, kind, checked.error);
    case 'not-streamable':
      return refused(out, file, kind, {
        rule: 'too-large',
        message: `${file} is ${size} bytes of ${checked.format}; over ${maxUploadBytes} bytes only plain contract CSVs are read${checked.declined ? `, and this one cannot be read as a stream: ${checked.declined.message}` : ''}`,
        hint: 'Split the file, or save it as a plain CSV of one contract table',
      });
  }
}

function report(
  out: Output,
  { file, kind, format, summary }: { file: string; kind: string; format: string; summary: ValidationSummary },
): number {
  const quarantined = summary.rowsQuarantined > 0;
  out.result({ file, kind, format, status: quarantined ? 'rows-quarantined' : 'valid', ...summary }, () =>
    [
      `${file} (${kind}, ${format}): ${summary.rowsAccepted} rows valid, ${summary.rowsQuarantined} would be quarantined`,
      ...summary.problems.map(formatProblem),
    ].join('\n'),
  );
  return quarantined ? EXIT.problems : EXIT.ok;
}

function refused(
  out: Output,
  file: string,
  kind: string,
  error: Pick<SourceRefusedError, 'rule' | 'message' | 'hint' | 'locator'>,
): number {
  out.result(
    {
      file,
      kind,
      status: 'refused',
      rule: error.rule,
      message: error.message,
      hint: error.hint,
      locator: error.locator,
    },
    () =>
      `${file}: refused [${error.rule}] ${error.message}${error.locator ? ` at ${error.locator}` : ''}${error.hint ? `\nhint: ${error.hint}` : ''}`,
  );
  return EXIT.usage;
}

const FORMAT_SNIFF_BYTES = 1024 * 1024;

function guessKind(file: string): string | undefined {
  const parts = file.split(/[\\/]/);
  return parts.reverse().find((part) => isSourceKind(part));
}
