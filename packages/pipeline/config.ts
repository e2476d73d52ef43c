import { resourceNames } from '#packages/storage/resources.ts';

/** The briefing dataset the refresh assembles unless HLD_DATASET says otherwise. */
export const DEFAULT_DATASET = 'hld2013';

/** Largest upload the pipeline reads into memory (any format). */
export const DEFAULT_MAX_UPLOAD_BYTES = 50 * 1024 * 1024;

/**
 * Largest plain contract CSV the pipeline reads as a stream once it is over the in-memory limit
 * (bigger files, and large files of any other format, are kept and recorded as refused).
 */
export const DEFAULT_MAX_STREAM_BYTES = 1024 * 1024 * 1024;

export interface PipelineConfig {
  readonly rawBucket: string;
  readonly curatedBucket: string;
  readonly exportsBucket: string;
  readonly ledgerTable: string;
  readonly briefingsTable: string;
  readonly dataset: string;
  /** Uploads up to this size are read into memory, in any format. */
  readonly maxUploadBytes: number;
  /** Plain contract CSVs up to this size are streamed (validated and normalised chunk by chunk). */
  readonly maxStreamBytes: number;
  /** Briefing versions kept besides CURRENT. */
  readonly keepVersions: number;
  /** Seconds a refresh may hold the lock before another refresh may take it over. */
  readonly lockLeaseSeconds: number;
}

/** Configuration from the environment (Lambda env vars, or the CLI's defaults). */
export function pipelineConfig(env: NodeJS.ProcessEnv = process.env): PipelineConfig {
  return {
    ...resourceNames(env),
    dataset: env.HLD_DATASET ?? DEFAULT_DATASET,
    maxUploadBytes: Number(env.HLD_MAX_UPLOAD_BYTES ?? DEFAULT_MAX_UPLOAD_BYTES),
    maxStreamBytes: Number(env.HLD_MAX_STREAM_BYTES ?? DEFAULT_MAX_STREAM_BYTES),
    keepVersions: Number(env.HLD_KEEP_VERSIONS ?? 10),
    lockLeaseSeconds: Number(env.HLD_LOCK_LEASE_SECONDS ?? 900),
  };
}
