import { pipelineContext } from '../context.ts';
import type { EventStageRunner } from '../definition.ts';
import { PIPELINE_EVENT_SOURCE, parseEventDetail } from '../events.ts';
import { normaliseFile } from '../normalise.ts';

/**
 * normalise: SourceAccepted → Arrow tables in the curated bucket → SnapshotWritten. A pending
 * file (`rows: 'pending'`) gets its verdict here; one refused here emits nothing.
 */
export const runNormaliseStage: EventStageRunner = async (event, context) => {
  const detail = parseEventDetail('SourceAccepted', event.detail);
  const ctx = pipelineContext();
  const file = await ctx.ledger.getFile(detail.sha256);
  if (!file) throw new Error(`SourceAccepted for ${detail.sha256}, but the ledger has no such file`);
  const outcome = await normaliseFile(file, ctx);
  context.log?.('normalised', { sha256: detail.sha256, status: outcome.status });
  if (outcome.status !== 'written') return [];
  return [
    {
      id: `snapshot-${detail.sha256}-${outcome.snapshot.snapshotId}`,
      source: PIPELINE_EVENT_SOURCE,
      detailType: 'SnapshotWritten',
      detail: {
        sha256: detail.sha256,
        kind: detail.kind,
        tables: outcome.snapshot.tables.map(({ table, key, rows }) => ({ table, key, rows })),
      },
      time: new Date().toISOString(),
    },
  ];
};
