import {
  type Environment,
  HLD_DATASET,
  HLD_KEEP_VERSIONS,
  HLD_LOCK_LEASE_SECONDS,
  HLD_MAX_STREAM_BYTES,
  HLD_MAX_UPLOAD_BYTES,
  readSetting,
} from '#packages/settings/settings.ts';
import { resourceNames } from '#packages/storage/resources.ts';

/** The briefing dataset the refresh assembles unless HLD_DATASET says otherwise. */
export const DEFAULT_DATASET = HLD_DATASET.defaultValue;

/** Largest upload the pipeline reads into memory (any format). */
export const DEFAULT_MAX_UPLOAD_BYTES = HLD_MAX_UPLOAD_BYTES.defaultValue;

/**
 * Largest plain contract CSV the pipeline reads as a stream once it is over the in-memory limit
 * (bigger files, and large files of any other format, are kept and recorded as refused).
 */
export const DEFAULT_MAX_STREAM_BYTES = HLD_MAX_STREAM_BYTES.defaultValue;

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

/**
 * The pipeline's settings from the environment (Lambda env vars, or the CLI's), each parsed and
 * range-checked (packages/settings): a bad value throws a SettingError naming the variable.
 */
export function pipelineConfig(env: Environment = process.env): PipelineConfig {
  return {
    ...resourceNames(env),
    dataset: readSetting(HLD_DATASET, env),
    maxUploadBytes: readSetting(HLD_MAX_UPLOAD_BYTES, env),
    maxStreamBytes: readSetting(HLD_MAX_STREAM_BYTES, env),
    keepVersions: readSetting(HLD_KEEP_VERSIONS, env),
    lockLeaseSeconds: readSetting(HLD_LOCK_LEASE_SECONDS, env),
  };
}
