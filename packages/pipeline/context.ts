import { BriefingStore } from '#packages/storage/briefing-store.ts';
import { Ledger } from '#packages/storage/ledger.ts';
import { ObjectStore } from '#packages/storage/object-store.ts';
import { type PipelineConfig, pipelineConfig } from './config.ts';

/** The repositories a stage works with, built from the environment through the client factory. */
export interface PipelineContext {
  readonly config: PipelineConfig;
  readonly raw: ObjectStore;
  readonly curated: ObjectStore;
  readonly exports: ObjectStore;
  readonly ledger: Ledger;
  readonly briefings: BriefingStore;
}

export function pipelineContext(config: PipelineConfig = pipelineConfig()): PipelineContext {
  return {
    config,
    raw: new ObjectStore(config.rawBucket),
    curated: new ObjectStore(config.curatedBucket),
    exports: new ObjectStore(config.exportsBucket),
    ledger: new Ledger(config.ledgerTable),
    briefings: new BriefingStore(config.briefingsTable),
  };
}
