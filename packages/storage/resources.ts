/**
 * The storage resources of the pipeline, defined once.
 *
 * The CDK stack builds its buckets and tables from these definitions, and the local backends
 * create the same buckets and tables from them, so the two cannot drift.
 */

import {
  type DefaultedSetting,
  type Environment,
  HLD_BRIEFINGS_TABLE,
  HLD_CURATED_BUCKET,
  HLD_EXPORTS_BUCKET,
  HLD_LEDGER_TABLE,
  HLD_RAW_BUCKET,
  readSetting,
} from '#packages/settings/settings.ts';

export type BucketId = 'raw' | 'curated' | 'exports';
export type TableId = 'ledger' | 'briefings';

export interface BucketDefinition {
  readonly id: BucketId;
  /** The setting that carries the bucket name into Lambda functions and the CLI. */
  readonly setting: DefaultedSetting<string>;
  /** The setting's environment variable. */
  readonly envVar: string;
  /** Name used by local backends (the CDK stack lets CloudFormation name the bucket). */
  readonly localName: string;
  readonly description: string;
}

export interface KeyAttribute {
  readonly name: string;
  readonly type: 'S' | 'N';
}

export interface IndexDefinition {
  readonly indexName: string;
  readonly partitionKey: KeyAttribute;
  readonly sortKey: KeyAttribute;
}

export interface TableDefinition {
  readonly id: TableId;
  readonly setting: DefaultedSetting<string>;
  readonly envVar: string;
  readonly localName: string;
  readonly partitionKey: KeyAttribute;
  readonly sortKey: KeyAttribute;
  readonly globalSecondaryIndexes: readonly IndexDefinition[];
  /** Attribute holding an epoch-seconds expiry (locks, old versions); `undefined` = no TTL. */
  readonly timeToLiveAttribute?: string;
  readonly description: string;
}

export const BUCKETS: Readonly<Record<BucketId, BucketDefinition>> = {
  raw: {
    id: 'raw',
    setting: HLD_RAW_BUCKET,
    envVar: HLD_RAW_BUCKET.name,
    localName: HLD_RAW_BUCKET.defaultValue,
    description: 'Uploads (incoming/), immutable content-addressed copies (raw/) and quarantine reports',
  },
  curated: {
    id: 'curated',
    setting: HLD_CURATED_BUCKET,
    envVar: HLD_CURATED_BUCKET.name,
    localName: HLD_CURATED_BUCKET.defaultValue,
    description: 'Arrow IPC tables, one snapshot per source file and table',
  },
  exports: {
    id: 'exports',
    setting: HLD_EXPORTS_BUCKET,
    envVar: HLD_EXPORTS_BUCKET.name,
    localName: HLD_EXPORTS_BUCKET.defaultValue,
    description: 'Briefing exports (CSV, JSON, Arrow, Parquet, Markdown, Data Package)',
  },
};

export const TABLES: Readonly<Record<TableId, TableDefinition>> = {
  ledger: {
    id: 'ledger',
    setting: HLD_LEDGER_TABLE,
    envVar: HLD_LEDGER_TABLE.name,
    localName: HLD_LEDGER_TABLE.defaultValue,
    partitionKey: { name: 'pk', type: 'S' },
    sortKey: { name: 'sk', type: 'S' },
    globalSecondaryIndexes: [
      {
        indexName: 'byType',
        partitionKey: { name: 'gsi1pk', type: 'S' },
        sortKey: { name: 'gsi1sk', type: 'S' },
      },
    ],
    timeToLiveAttribute: 'expiresAt',
    description: 'Every file, run, lock and lineage link',
  },
  briefings: {
    id: 'briefings',
    setting: HLD_BRIEFINGS_TABLE,
    envVar: HLD_BRIEFINGS_TABLE.name,
    localName: HLD_BRIEFINGS_TABLE.defaultValue,
    partitionKey: { name: 'pk', type: 'S' },
    sortKey: { name: 'sk', type: 'S' },
    globalSecondaryIndexes: [],
    timeToLiveAttribute: 'expiresAt',
    description: 'Versioned briefing datasets and their CURRENT pointers',
  },
};

/** Resolved names of every resource, as a handler or the CLI sees them. */
export interface ResourceNames {
  readonly rawBucket: string;
  readonly curatedBucket: string;
  readonly exportsBucket: string;
  readonly ledgerTable: string;
  readonly briefingsTable: string;
}

/** Resource names from the environment (settings checked), falling back to the local names. */
export function resourceNames(env: Environment = process.env): ResourceNames {
  return {
    rawBucket: readSetting(BUCKETS.raw.setting, env),
    curatedBucket: readSetting(BUCKETS.curated.setting, env),
    exportsBucket: readSetting(BUCKETS.exports.setting, env),
    ledgerTable: readSetting(TABLES.ledger.setting, env),
    briefingsTable: readSetting(TABLES.briefings.setting, env),
  };
}
