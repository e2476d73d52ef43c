/**
 * The names of an event stage's queue and dead-letter queue, made in one place: the CDK stack
 * names the queues with them and `hld redrive` finds them with them, so the two cannot drift.
 * No imports: the CDK app reads this module.
 */

/** The queue that delivers a stage's events: `<namePrefix>-<stageId>` (also its rule's name). */
export function stageQueueName(namePrefix: string, stageId: string): string {
  return `${namePrefix}-${stageId}`;
}

/** The dead-letter queue beside a stage's queue: `<queue name>-dlq`. */
export function deadLetterQueueNameOf(queueName: string): string {
  return `${queueName}-dlq`;
}
