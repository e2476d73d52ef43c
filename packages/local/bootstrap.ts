import {
  CreateTableCommand,
  type DynamoDBClient,
  ResourceInUseException,
  waitUntilTableExists,
} from '@aws-sdk/client-dynamodb';
import { CreateBucketCommand, type S3Client } from '@aws-sdk/client-s3';
import { dynamoClient, s3Client } from '#packages/storage/client-factory.ts';
import {
  type ResourceNames,
  resourceNames,
  TABLES,
  type TableDefinition,
} from '#packages/storage/resources.ts';
import { bucketNames } from './bucket-names.ts';

function tableInput(definition: TableDefinition, name: string) {
  const attributes = new Map<string, 'S' | 'N'>();
  for (const key of [definition.partitionKey, definition.sortKey]) attributes.set(key.name, key.type);
  for (const index of definition.globalSecondaryIndexes) {
    attributes.set(index.partitionKey.name, index.partitionKey.type);
    attributes.set(index.sortKey.name, index.sortKey.type);
  }
  return {
    TableName: name,
    BillingMode: 'PAY_PER_REQUEST' as const,
    AttributeDefinitions: [...attributes].map(([AttributeName, AttributeType]) => ({
      AttributeName,
      AttributeType,
    })),
    KeySchema: [
      { AttributeName: definition.partitionKey.name, KeyType: 'HASH' as const },
      { AttributeName: definition.sortKey.name, KeyType: 'RANGE' as const },
    ],
    ...(definition.globalSecondaryIndexes.length > 0
      ? {
          GlobalSecondaryIndexes: definition.globalSecondaryIndexes.map((index) => ({
            IndexName: index.indexName,
            KeySchema: [
              { AttributeName: index.partitionKey.name, KeyType: 'HASH' as const },
              { AttributeName: index.sortKey.name, KeyType: 'RANGE' as const },
            ],
            Projection: { ProjectionType: 'ALL' as const },
          })),
        }
      : {}),
  };
}

function isAlreadyThere(error: unknown): boolean {
  const name = (error as { name?: string }).name;
  return (
    error instanceof ResourceInUseException ||
    name === 'ResourceInUseException' ||
    name === 'BucketAlreadyOwnedByYou' ||
    name === 'BucketAlreadyExists'
  );
}

export interface BootstrapOptions {
  /** @default resourceNames() (the environment's names) */
  readonly names?: ResourceNames;
  /** @default the client factory's clients */
  readonly clients?: { readonly s3: S3Client; readonly dynamodb: DynamoDBClient };
  /**
   * Create the buckets too. The embedded S3 emulator creates them itself when it is built, on
   * the first S3 request (packages/local/fauxqs-on-demand.ts), so a command that never asks S3
   * never starts it. @default true
   */
  readonly buckets?: boolean;
}

/**
 * Create the buckets and tables of `resources.ts` on a local backend (idempotent), and wait
 * until every table is ACTIVE (dynalite keeps new tables CREATING for a while).
 */
export async function bootstrapResources(options: BootstrapOptions = {}): Promise<void> {
  const names = options.names ?? resourceNames();
  const clients = options.clients ?? { s3: s3Client(), dynamodb: dynamoClient() };
  await Promise.all(
    (options.buckets === false ? [] : bucketNames(names)).map(async (bucket) => {
      try {
        await clients.s3.send(new CreateBucketCommand({ Bucket: bucket }));
      } catch (error) {
        if (!isAlreadyThere(error)) throw error;
      }
    }),
  );
  const tableNames = { ledger: names.ledgerTable, briefings: names.briefingsTable };
  await Promise.all(
    Object.values(TABLES).map(async (definition) => {
      const name = tableNames[definition.id];
      try {
        await clients.dynamodb.send(new CreateTableCommand(tableInput(definition, name)));
      } catch (error) {
        if (!isAlreadyThere(error)) throw error;
      }
      await waitUntilTableExists(
        { client: clients.dynamodb, minDelay: 1, maxDelay: 2, maxWaitTime: 60 },
        { TableName: name },
      );
    }),
  );
}
