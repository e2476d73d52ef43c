import { pipelineContext } from '../context.ts';
import type { EventStageRunner } from '../definition.ts';
import { parseEventDetail } from '../events.ts';
import { writeParquetCopies } from '../parquet-copy.ts';

/** parquet-copy: SnapshotWritten → a zstd Parquet copy of each curated table (emits nothing). */
export const runParquetCopyStage: EventStageRunner = async (event, context) => {
  const detail = parseEventDetail('SnapshotWritten', event.detail);
  const written = await writeParquetCopies(detail, pipelineContext());
  context.log?.('parquet copies written', { sha256: detail.sha256, tables: written.length });
  return [];
};
