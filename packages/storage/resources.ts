/**
 * The storage resources of the pipeline, defined once.
 *
 * The CDK stack builds its buckets and tables from these definitions, and the local backends
 * create the same buckets and tables from them, so the two cannot drift.
 */

export type BucketId = 'raw' | 'curated' | 'exports';
export type TableId = 'ledger' | 'briefings';

export interface BucketDefinition {
  readonly id: BucketId;
  /** Environment variable that carries the bucket name into Lambda functions and the CLI. */
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
    envVar: 'HLD_RAW_BUCKET',
    localName: 'hld-raw',
    description: 'Uploads (incoming/), immutable content-addressed copies (raw/) and quarantine reports',
  },
  curated: {
    id: 'curated',
    envVar: 'HLD_CURATED_BUCKET',
    localName: 'hld-curated',
    description: 'Arrow IPC tables, one snapshot per source file and table',
  },
  exports: {
    id: 'exports',
    envVar: 'HLD_EXPORTS_BUCKET',
    localName: 'hld-exports',
    description: 'Briefing exports (CSV, JSON, Arrow, Parquet, Markdown, Data Package)',
  },
};

export const TABLES: Readonly<Record<TableId, TableDefinition>> = {
  ledger: {
    id: 'ledger',
    envVar: 'HLD_LEDGER_TABLE',
    localName: 'hld-ledger',
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
    envVar: 'HLD_BRIEFINGS_TABLE',
    localName: 'hld-briefings',
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

/** Resource names from the environment, falling back to the local names. */
export function resourceNames(env: NodeJS.ProcessEnv = process.env): ResourceNames {
  return {
    rawBucket: env[BUCKETS.raw.envVar] ?? BUCKETS.raw.localName,
    curatedBucket: env[BUCKETS.curated.envVar] ?? BUCKETS.curated.localName,
    exportsBucket: env[BUCKETS.exports.envVar] ?? BUCKETS.exports.localName,
    ledgerTable: env[TABLES.ledger.envVar] ?? TABLES.ledger.localName,
    briefingsTable: env[TABLES.briefings.envVar] ?? TABLES.briefings.localName,
  };
}
