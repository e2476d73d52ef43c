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

interface ValidateOptions {
  kind?: string | undefined;
  format?: string | undefined;
  encoding?: string | undefined;
  source?: string | undefined;
  revision?: string | undefined;
}

/** One file's verdict: its exit code, its JSON and its human line(s). */
interface Verdict {
  readonly code: number;
  readonly value: Record<string, unknown>;
  readonly human: string;
}

/**
 * `hld validate <file>…`: the contract check ingest runs (packages/pipeline/check-source.ts), with
 * no AWS and no emulator, on each file named: one result per file, then (for several) a summary.
 * Exit 0: every row of every file valid; 1: rows would be quarantined; 2: a file is refused, has
 * no reader or is not there. The worst file decides.
 */
export async function validateFiles(
  out: Output,
  files: readonly string[],
  options: ValidateOptions,
): Promise<number> {
  if (files.length === 0)
    throw new UsageError('Name the file to check: hld validate path/to/file.csv --kind survey');
  const verdicts: Verdict[] = [];
  for (const file of files) {
    const verdict = await validateFile(file, options);
    verdicts.push(verdict);
    if (files.length > 1 && !out.json) out.result(verdict.value, () => verdict.human);
  }
  const code = Math.max(...verdicts.map((verdict) => verdict.code));
  if (files.length === 1) {
    const [only] = verdicts;
    if (only) out.result(only.value, () => only.human);
    return code;
  }
  const count = (status: string) => verdicts.filter((verdict) => verdict.value.status === status).length;
  const summary = `${files.length} files: ${count('valid')} valid, ${count('rows-quarantined')} with rows quarantined, ${count('refused')} refused`;
  if (out.json) out.result({ files: verdicts.map((verdict) => verdict.value), summary }, () => summary);
  else out.result(summary, () => summary);
  return code;
}

/** `hld validate <file>` for one file (kept for callers that check one file). */
export async function validateCommand(
  out: Output,
  args: ValidateOptions & { file?: string },
): Promise<number> {
  return validateFiles(out, args.file ? [args.file] : [], args);
}

async function validateFile(file: string, args: ValidateOptions): Promise<Verdict> {
  const kind = args.kind ?? guessKind(file);
  if (!isSourceKind(kind)) {
    const message = args.kind
      ? `--kind ${args.kind} is not a source kind: use one of ${SOURCE_KINDS.join(', ')}`
      : `cannot tell the kind of ${file}: pass --kind (one of ${SOURCE_KINDS.join(', ')})`;
    if (args.kind) throw new UsageError(message);
    return {
      code: EXIT.usage,
      value: { file, status: 'refused', rule: 'unknown-kind', message },
      human: `${file}: ${message}`,
    };
  }
  const info = await stat(file).catch(() => undefined);
  if (!info?.isFile()) {
    const message = info ? 'is not a file' : 'does not exist';
    return {
      code: EXIT.usage,
      value: { file, kind, status: 'refused', rule: 'bad-path', message },
      human: `${file}: ${message}; check the path`,
    };
  }
  const fileName = basename(file);
  const { maxUploadBytes } = pipelineConfig();
  const { size } = info;
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
      return report({ file, kind, format: checked.format, summary: checked.summary });
    case 'refused':
      return refused(file, kind, checked.error);
    case 'not-streamable':
      return refused(file, kind, {
        rule: 'too-large',
        message: `${file} is ${size} bytes of ${checked.format}; over ${maxUploadBytes} bytes only plain contract CSVs are read${checked.declined ? `, and this one cannot be read as a stream: ${checked.declined.message}` : ''}`,
        hint: 'Split the file, or save it as a plain CSV of one contract table',
      });
  }
}

function report({
  file,
  kind,
  format,
  summary,
}: {
  file: string;
  kind: string;
  format: string;
  summary: ValidationSummary;
}): Verdict {
  const quarantined = summary.rowsQuarantined > 0;
  const empty = summary.rowsAccepted === 0 && !quarantined;
  return {
    code: quarantined ? EXIT.problems : EXIT.ok,
    value: {
      file,
      kind,
      format,
      status: quarantined ? 'rows-quarantined' : 'valid',
      ...(empty ? { empty } : {}),
      ...summary,
    },
    human: empty
      ? `${file} (${kind}, ${format}): holds no records — nothing to check, and nothing from it would reach a briefing`
      : [
          `${file} (${kind}, ${format}): ${summary.rowsAccepted} row${summary.rowsAccepted === 1 ? '' : 's'} valid, ${summary.rowsQuarantined} would be quarantined`,
          ...problemLines(summary.problems.map(formatProblem)),
        ].join('\n'),
  };
}

/**
 * Each problem line once, in first-seen order: one answer cell of a select_multiple question gives
 * a row per choice, and each row carries the cell's problem, so the same line would be printed
 * once per choice. `--json` keeps every problem.
 */
function problemLines(lines: readonly string[]): string[] {
  const counts = new Map<string, number>();
  for (const line of lines) counts.set(line, (counts.get(line) ?? 0) + 1);
  return [...counts].map(([line, n]) => (n > 1 ? `${line} (${n} rows)` : line));
}

function refused(
  file: string,
  kind: string,
  error: Pick<SourceRefusedError, 'rule' | 'message' | 'hint' | 'locator'>,
): Verdict {
  return {
    code: EXIT.usage,
    value: {
      file,
      kind,
      status: 'refused',
      rule: error.rule,
      message: error.message,
      hint: error.hint,
      locator: error.locator,
    },
    // Where, then what: the file and its locator lead, as a quarantined row's line does (`file, line 3, …`);
    // appended after the message, the locator read as part of it (`… (line 2) at byte 8`).
    human: `${file}${error.locator ? `, ${error.locator}` : ''}: refused [${error.rule}] ${error.message}${error.hint ? `\nhint: ${error.hint}` : ''}`,
  };
}

const FORMAT_SNIFF_BYTES = 1024 * 1024;

function guessKind(file: string): string | undefined {
  const parts = file.split(/[\\/]/);
  return parts.reverse().find((part) => isSourceKind(part));
}
