import { formatLocatorRange } from '#contracts/briefing/locator-ranges.ts';
import { countryReference } from '#packages/formats/countries.ts';
import {
  ItemRefError,
  LineageNotFoundError,
  type LineageTrace,
  parseItemRef,
  traceLineage,
} from '#packages/pipeline/lineage.ts';
import { EXIT, NotFoundError, type Output, table, UsageError } from '../output.ts';
import type { Session } from '../session.ts';

/** Ranges of rows shown per source in the text output. */
const SHOWN_RANGES = 5;

/**
 * `hld lineage <item>`: from a briefing item to the curated rows it was built from, their
 * documents and row locator ranges, and the raw objects (key + SHA-256) that carried them
 * (packages/pipeline/lineage.ts; the API serves the same trace).
 */
export async function lineageCommand(
  session: Session,
  out: Output,
  args: { item?: string; version?: string },
): Promise<number> {
  if (!args.item)
    throw new UsageError(
      'Name a briefing item: hld lineage country#MDA (or MDA, theme#RT3@GLOBAL, event#EV-20131003-hld)',
    );
  const dataset = session.ctx.config.dataset;
  let trace: LineageTrace;
  try {
    const ref = parseItemRef(args.item, (value) => {
      const resolved = countryReference().resolve(value);
      return resolved.ok ? resolved : { ok: false, message: resolved.message };
    });
    trace = await traceLineage(
      {
        briefings: session.ctx.briefings,
        ledger: session.ctx.ledger,
        rawBucket: session.ctx.config.rawBucket,
        curatedBucket: session.ctx.config.curatedBucket,
      },
      { dataset, ref, ...(args.version ? { version: Number(args.version) } : {}) },
    );
  } catch (error) {
    if (error instanceof ItemRefError) throw new UsageError(error.message);
    if (error instanceof LineageNotFoundError) {
      if (error.reason === 'no-version') throw new NotFoundError(error.message);
      out.info(`${error.message}; 'hld briefing list' shows what the version holds`);
      return EXIT.problems;
    }
    throw error;
  }
  const { version, item, lineage: files } = trace;
  out.result(trace, () =>
    [
      `${item.type}#${item.id} in ${dataset} v${version} (item hash ${item.hash.slice(0, 12)}) was built from:`,
      table(
        ['document', 'rows', 'raw object', 'sha256', 'curated tables'],
        files.map((entry) => [
          entry.source_doc_id,
          entry.rows,
          'raw_uri' in entry.file ? entry.file.raw_uri : '(missing)',
          entry.file.sha256.slice(0, 16),
          entry.curated.map((c) => c.table).join(' '),
        ]),
      ),
      '',
      'Rows (first ranges of each source; --json lists every range):',
      ...files.map(
        (entry) =>
          `  ${entry.source_doc_id}: ${entry.ranges.slice(0, SHOWN_RANGES).map(formatLocatorRange).join('; ')}${entry.ranges.length > SHOWN_RANGES ? `; … ${entry.ranges.length - SHOWN_RANGES} more range(s)` : ''}`,
      ),
    ].join('\n'),
  );
  return EXIT.ok;
}
