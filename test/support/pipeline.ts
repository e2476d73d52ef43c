import { readFile } from 'node:fs/promises';
import type { SourceKind } from '#contracts/source-kinds.ts';
import { type SourceSidecar, sidecarOf, sourceSidecar } from '#contracts/source-registry.ts';
import { createLocalEventRouter, objectCreatedEvent, runLocalRefresh } from '#packages/local/event-router.ts';
import { pipelineContext } from '#packages/pipeline/context.ts';
import { PIPELINE, type RefreshState, type RefreshStepRunner } from '#packages/pipeline/definition.ts';

export const SAMPLES = new URL('../../data-contracts/samples/', import.meta.url);

export const SAMPLE_FILES: readonly { kind: SourceKind; path: string }[] = [
  { kind: 'statistics', path: 'statistics/context-figures.csv' },
  { kind: 'statistics', path: 'statistics/undesa-ims-2019.csv' },
  { kind: 'reference', path: 'reference/events-and-sources.json' },
  { kind: 'pilot', path: 'pilot/mainstreaming-pilots.json' },
  { kind: 'survey', path: 'survey/gmg-unct-2011-kobo.csv' },
  { kind: 'stocktaking', path: 'stocktaking/jmdi-projects.csv' },
  { kind: 'stocktaking', path: 'stocktaking/jmdi-lessons.csv' },
];

export async function sampleBytes(path: string): Promise<Buffer> {
  return readFile(new URL(path, SAMPLES));
}

/** The sidecar of a sample file (its registered source document), when it has one. */
export async function sampleSidecar(path: string): Promise<SourceSidecar | undefined> {
  const bytes = await readFile(new URL(sidecarOf(path), SAMPLES)).catch(() => undefined);
  return bytes ? sourceSidecar.parse(JSON.parse(bytes.toString('utf8'))) : undefined;
}

/** Upload bytes to incoming/<kind>/<name> and deliver the S3 event through the local router. */
export async function uploadAndRoute(kind: SourceKind, name: string, bytes: Uint8Array, deliveries = 1) {
  const ctx = pipelineContext();
  const key = `incoming/${kind}/${name}`;
  await ctx.raw.put(key, bytes);
  const router = createLocalEventRouter(PIPELINE, { deliveries });
  return router.dispatch(objectCreatedEvent(ctx.config.rawBucket, key, bytes.byteLength));
}

export async function ingestSamples(deliveries = 1): Promise<void> {
  for (const file of SAMPLE_FILES) {
    // The sidecar first, as the CLI uploads it: ingest reads it beside the file.
    const sidecar = await readFile(new URL(sidecarOf(file.path), SAMPLES)).catch(() => undefined);
    if (sidecar)
      await pipelineContext().raw.put(
        `incoming/${file.kind}/${sidecarOf(file.path.split('/').pop() as string)}`,
        sidecar,
      );
    const results = await uploadAndRoute(
      file.kind,
      file.path.split('/').pop() as string,
      await sampleBytes(file.path),
      deliveries,
    );
    const failed = results.find((delivery) => delivery.error);
    if (failed) throw failed.error;
  }
}

export function refreshNow(
  overrides: Readonly<Record<string, RefreshStepRunner>> = {},
  requestedBy = 'test',
): Promise<RefreshState> {
  return runLocalRefresh(
    { runId: '', dataset: pipelineContext().config.dataset, requestedBy },
    PIPELINE,
    overrides,
  );
}
