import { DeleteCommand, type DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { PipelineEvent } from '#packages/pipeline/events.ts';
import { readSetting } from '#packages/settings/settings.ts';
import { dynamoDocumentClient } from '#packages/storage/client-factory.ts';
import { queryAll } from '#packages/storage/query-all.ts';
import { TABLES } from '#packages/storage/resources.ts';

/**
 * The local router's dead-letter queues: a delivery that failed is kept in the ledger table of the
 * local backend (`DEADLETTER#<stage>`), with its event and error, until `hld redrive` delivers it
 * again and it succeeds — the local counterpart of each stage's SQS DLQ. Local only: no stage
 * reads or writes these items, so no stage's access declares them.
 */

/** A failed delivery kept for redrive. */
export interface DeadLetter {
  readonly stage: string;
  readonly event: PipelineEvent;
  readonly error: string;
  readonly failedAt: string;
  /** How many deliveries of it failed so far. */
  readonly attempts: number;
}

const partition = (stage: string) => `DEADLETTER#${stage}`;

export class LocalDeadLetters {
  readonly table: string;
  private readonly client: DynamoDBDocumentClient;

  constructor(
    table: string = readSetting(TABLES.ledger.setting),
    client: DynamoDBDocumentClient = dynamoDocumentClient(),
  ) {
    this.table = table;
    this.client = client;
  }

  /** Keep a failed delivery (again: one item per stage and event, its attempts counted). */
  async keep(stage: string, event: PipelineEvent, error: Error, attempts = 1): Promise<void> {
    const letter: DeadLetter = {
      stage,
      event,
      error: `${error.name}: ${error.message}`,
      failedAt: new Date().toISOString(),
      attempts,
    };
    await this.client.send(
      new PutCommand({
        TableName: this.table,
        Item: { pk: partition(stage), sk: event.id, ...letter, event: JSON.stringify(event) },
      }),
    );
  }

  /** The failed deliveries kept for one stage, oldest first. */
  async list(stage: string): Promise<DeadLetter[]> {
    const items = await queryAll(this.client, {
      TableName: this.table,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': partition(stage) },
      ConsistentRead: true,
    });
    const letters: DeadLetter[] = items.map((item) => ({
      stage,
      event: JSON.parse(String(item.event)) as PipelineEvent,
      error: String(item.error),
      failedAt: String(item.failedAt),
      attempts: Number(item.attempts ?? 1),
    }));
    return letters.sort((a, b) => a.failedAt.localeCompare(b.failedAt));
  }

  /** Forget a delivery that has now succeeded. */
  async remove(stage: string, eventId: string): Promise<void> {
    await this.client.send(
      new DeleteCommand({ TableName: this.table, Key: { pk: partition(stage), sk: eventId } }),
    );
  }
}
