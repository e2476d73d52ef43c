import { pipelineContext } from '../context.ts';
import type { EventStageRunner } from '../definition.ts';
import { PIPELINE_EVENT_SOURCE, type PipelineEvent, parseEventDetail } from '../events.ts';
import { ingestUpload, isSidecarUpload } from '../ingest.ts';

/** ingest: `Object Created` under incoming/ → SourceAccepted, counted or pending (nothing when the bytes are known or refused). */
export const runIngestStage: EventStageRunner = async (event, context) => {
  const detail = parseEventDetail('Object Created', event.detail);
  // A sidecar is read by the ingest of the file it describes, never ingested itself.
  if (isSidecarUpload(detail.object.key)) {
    context.log?.('sidecar', { key: detail.object.key });
    return [];
  }
  const ctx = pipelineContext();
  const outcome = await ingestUpload(detail.object.key, ctx);
  context.log?.('ingested', { key: detail.object.key, status: outcome.status });
  context.onIngested?.(
    outcome.status === 'unchanged'
      ? {
          key: detail.object.key,
          sha256: outcome.sha256,
          status: outcome.status,
          madeCurrent: outcome.madeCurrent,
          ...(outcome.sameAs ? { sameAs: outcome.sameAs } : {}),
        }
      : { key: detail.object.key, sha256: outcome.record.sha256, status: outcome.status, madeCurrent: true },
  );
  if (outcome.status === 'unchanged' || !outcome.event) return [];
  const accepted: PipelineEvent<'SourceAccepted'> = {
    id: `accepted-${outcome.event.sha256}`,
    source: PIPELINE_EVENT_SOURCE,
    detailType: 'SourceAccepted',
    detail: outcome.event,
    time: new Date().toISOString(),
  };
  return [accepted];
};
