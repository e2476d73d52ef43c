import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type { QueryTable } from '#packages/pipeline/query-tables.ts';

export interface QueryCatalogProps {
  /** Prefix of the workgroup, database and role names. */
  readonly namePrefix: string;
  /** The curated bucket: the Parquet copies are under `parquet/` in it. */
  readonly curatedBucket: s3.IBucket;
  /** Where query results go (under `results/`). */
  readonly queryResultsBucket: s3.IBucket;
  /** Key of both buckets; the workgroup encrypts results with it (SSE-KMS). */
  readonly encryptionKey: kms.IKey;
  /** A query that would scan more bytes than this is cancelled by Athena (at least 10,000,000). */
  readonly bytesScannedCutoffPerQuery: number;
  /**
   * The tables to catalogue.
   * @default queryTables() (packages/pipeline/query-tables.ts): every contract table with Parquet copies
   */
  readonly tables?: readonly QueryTable[];
}
