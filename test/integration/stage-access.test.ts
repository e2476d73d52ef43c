import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BRIEFING_API_ACCESS } from '#infra/constructs/briefing-api.ts';
import { partitionKeysAllowed } from '#infra/constructs/stage-access-policy.ts';
import { createBriefingRouter } from '#packages/api/router.ts';
import { type RunningBackend, startBackend } from '#packages/local/backends.ts';
import { objectCreatedEvent } from '#packages/local/event-router.ts';
import { pipelineContext } from '#packages/pipeline/context.ts';
import {
  type EventStageDefinition,
  PIPELINE,
  type RefreshState,
  type RefreshStepDefinition,
  type StageAccess,
} from '#packages/pipeline/definition.ts';
import type { PipelineEvent } from '#packages/pipeline/events.ts';
import { dynamoClient, resetClients, s3Client } from '#packages/storage/client-factory.ts';
import { type BucketId, resourceNames, type TableId } from '#packages/storage/resources.ts';
import { SAMPLE_FILES, sampleBytes } from '../support/pipeline.ts';

/**
 * Every stage, run for real against the embedded emulators, touches only what its definition
 * declares: each DynamoDB request's partition keys (and index keys) and each S3 request's key
 * are checked against the stage's `access`. The infra tests prove the template grants exactly
 * that access; this proves the code needs no more — a new key prefix in a repository, or a new
 * object a stage reads, fails here before it fails in the cloud with AccessDenied.
 */

interface Touch {
  readonly stage: string;
  readonly service: 's3' | 'dynamodb';
  readonly operation: string;
  /** TableId or BucketId. */
  readonly target: string;
  /** DynamoDB: partition keys (index keys for an index query); S3: object keys or list prefixes. */
  readonly keys: readonly string[];
  readonly index?: string;
}

const touches: Touch[] = [];
let currentStage: string | undefined;

/** Run `body` as `stage`: every AWS request it makes is recorded under that stage. */
async function as<T>(stage: string, body: () => Promise<T>): Promise<T> {
  currentStage = stage;
  try {
    return await body();
  } finally {
    currentStage = undefined;
  }
}

type AttributeValue = { S?: string } | string | undefined;
const text = (value: AttributeValue): string =>
  typeof value === 'string' ? value : (value?.S ?? String(value));

/** The partition-key value a Query asks for (`pk = :pk` or `gsi1pk = :type`). */
function queriedKey(input: Record<string, unknown>): string {
  const expression = String(input.KeyConditionExpression);
  const placeholder = /^\s*#?\w+\s*=\s*(:\w+)/.exec(expression)?.[1] ?? '';
  return text((input.ExpressionAttributeValues as Record<string, AttributeValue>)[placeholder]);
}

function dynamoKeys(command: string, input: Record<string, unknown>): { table: string; keys: string[] }[] {
  const pk = (item: unknown) => text((item as Record<string, AttributeValue>).pk);
  switch (command) {
    case 'GetItemCommand':
    case 'UpdateItemCommand':
    case 'DeleteItemCommand':
      return [{ table: String(input.TableName), keys: [pk(input.Key)] }];
    case 'PutItemCommand':
      return [{ table: String(input.TableName), keys: [pk(input.Item)] }];
    case 'QueryCommand':
      return [{ table: String(input.TableName), keys: [queriedKey(input)] }];
    case 'BatchGetItemCommand':
      return Object.entries(input.RequestItems as Record<string, { Keys: unknown[] }>).map(
        ([table, request]) => ({ table, keys: request.Keys.map(pk) }),
      );
    case 'BatchWriteItemCommand':
      return Object.entries(input.RequestItems as Record<string, Record<string, unknown>[]>).map(
        ([table, requests]) => ({
          table,
          keys: requests.map((request) =>
            pk(
              (request.PutRequest as { Item: unknown } | undefined)?.Item ??
                (request.DeleteRequest as { Key: unknown }).Key,
            ),
          ),
        }),
      );
    default:
      return [{ table: String(input.TableName), keys: [] }];
  }
}

function record(service: 's3' | 'dynamodb', command: string, input: Record<string, unknown>): void {
  if (!currentStage) return; // uploads by the test itself, backend set-up
  const operation = command.replace(/Command$/, '');
  if (service === 'dynamodb') {
    for (const { table, keys } of dynamoKeys(command, input)) {
      touches.push({
        stage: currentStage,
        service,
        operation,
        target: table,
        keys,
        ...(typeof input.IndexName === 'string' ? { index: input.IndexName } : {}),
      });
    }
    return;
  }
  const keys =
    operation === 'ListObjectsV2'
      ? [String(input.Prefix ?? '')]
      : input.Key !== undefined
        ? [String(input.Key)]
        : [];
  touches.push({ stage: currentStage, service, operation, target: String(input.Bucket), keys });
  if (operation === 'CopyObject') {
    const [bucket, ...source] = decodeURIComponent(String(input.CopySource)).split('/');
    touches.push({
      stage: currentStage,
      service,
      operation: 'CopyObjectSource',
      target: bucket ?? '',
      keys: [source.join('/')],
    });
  }
}

/** Which `BucketAccess` list an S3 operation needs. */
function bucketAccessKind(operation: string): 'read' | 'write' | 'delete' {
  if (['GetObject', 'HeadObject', 'ListObjectsV2', 'CopyObjectSource'].includes(operation)) return 'read';
  if (['DeleteObject', 'DeleteObjects'].includes(operation)) return 'delete';
  return 'write';
}

const globMatches = (pattern: string, value: string) =>
  new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`).test(value);

/** What `touch` needed that `access` does not declare; empty when it is covered. */
function undeclared(touch: Touch, access: StageAccess): string[] {
  const names = resourceNames();
  if (touch.service === 'dynamodb') {
    const tableId = (Object.keys(access.tables) as TableId[]).find(
      (id) => names[`${id}Table` as 'ledgerTable' | 'briefingsTable'] === touch.target,
    );
    const declared = tableId ? access.tables[tableId] : undefined;
    if (!declared) return [`${touch.operation} on table ${touch.target}`];
    if (touch.index) {
      const values = declared.indexQueries?.[touch.index] ?? [];
      return touch.keys.filter((key) => !values.includes(key)).map((key) => `Query ${touch.index} ${key}`);
    }
    const patterns = partitionKeysAllowed(declared, `dynamodb:${touch.operation}`);
    return touch.keys
      .filter((key) => !patterns.some((pattern) => globMatches(pattern, key)))
      .map((key) => `${touch.operation} ${touch.target} ${key}`);
  }
  const bucketId = (['raw', 'curated', 'exports'] as BucketId[]).find(
    (id) => names[`${id}Bucket` as 'rawBucket' | 'curatedBucket' | 'exportsBucket'] === touch.target,
  );
  const prefixes =
    (bucketId ? access.buckets[bucketId]?.[bucketAccessKind(touch.operation)] : undefined) ?? [];
  return touch.keys
    .filter((key) => !prefixes.some((pattern) => globMatches(pattern, key)))
    .map((key) => `${touch.operation} s3://${touch.target}/${key}`);
}

describe('stage access at run time (embedded backend)', () => {
  let backend: RunningBackend;
  const saved = process.env.HLD_KEEP_VERSIONS;

  beforeAll(async () => {
    backend = await startBackend('embedded');
    // Keep one old version, so a third refresh prunes: deleting versions is exercised too.
    process.env.HLD_KEEP_VERSIONS = '1';
    resetClients();
    const recorder =
      (service: 's3' | 'dynamodb') =>
      <Args extends { readonly input: object }, Result>(
        next: (args: Args) => Promise<Result>,
        context: { readonly commandName?: string },
      ) =>
      async (args: Args): Promise<Result> => {
        record(service, String(context.commandName), args.input as Record<string, unknown>);
        return next(args);
      };
    dynamoClient().middlewareStack.add(recorder('dynamodb'), {
      step: 'serialize',
      priority: 'high',
      name: 'recordTouches',
    });
    s3Client().middlewareStack.add(recorder('s3'), {
      step: 'serialize',
      priority: 'high',
      name: 'recordTouches',
    });

    const stage = (id: string) => PIPELINE.stages.find((candidate) => candidate.id === id);
    const eventRunner = async (id: string) => (stage(id) as EventStageDefinition).load();
    const stepRunner = async (id: string) => (stage(id) as RefreshStepDefinition).load();
    const ctx = pipelineContext();

    const ingestAll = async (files: readonly { kind: string; name: string; bytes: Uint8Array }[]) => {
      for (const file of files) {
        const key = `incoming/${file.kind}/${file.name}`;
        await ctx.raw.put(key, file.bytes);
        const accepted = await as('ingest', async () =>
          (await eventRunner('ingest'))(
            objectCreatedEvent(ctx.config.rawBucket, key, file.bytes.byteLength),
            {},
          ),
        );
        for (const event of accepted) {
          const written = await as('normalise', async () => (await eventRunner('normalise'))(event, {}));
          for (const snapshot of written as PipelineEvent[]) {
            await as('parquet-copy', async () => (await eventRunner('parquet-copy'))(snapshot, {}));
          }
        }
      }
    };
    const refresh = async () => {
      let state: RefreshState = { runId: '', dataset: ctx.config.dataset, requestedBy: 'stage-access test' };
      for (const id of ['lock', 'normalise-pending', 'assemble', 'unlock']) {
        const run = await stepRunner(id);
        state = await as(id, () => run(state, {}));
      }
      return state;
    };

    const samples = await Promise.all(
      SAMPLE_FILES.map(async (file) => ({
        kind: file.kind,
        name: file.path.split('/').pop() as string,
        bytes: await sampleBytes(file.path),
      })),
    );
    await ingestAll(samples);
    await refresh();
    // Two more published versions, so the third refresh deletes the first (keep 1 besides CURRENT).
    for (const round of [1, 2]) {
      const lessons = (await sampleBytes('stocktaking/jmdi-lessons.csv')).toString('utf8');
      await ingestAll([
        {
          kind: 'stocktaking',
          name: 'jmdi-lessons.csv',
          bytes: Buffer.from(lessons.replace('LES-002', `LES-90${round}`)),
        },
      ]);
      await refresh();
    }
    // A failed refresh: the failure step finishes the run and releases the lock.
    const locked = await as('lock', async () =>
      (await stepRunner('lock'))({ runId: '', dataset: ctx.config.dataset, requestedBy: 'failing run' }, {}),
    );
    await as('refresh-failed', async () =>
      (await stepRunner('refresh-failed'))({ ...locked, error: 'test failure' }, {}),
    );

    const router = createBriefingRouter({
      briefings: ctx.briefings,
      ledger: ctx.ledger,
      exports: ctx.exports,
      buckets: { raw: ctx.config.rawBucket, curated: ctx.config.curatedBucket },
    });
    const dataset = ctx.config.dataset;
    await as('api', async () => {
      for (const path of [
        '/datasets',
        `/datasets/${dataset}/versions`,
        `/datasets/${dataset}/countries/MDA`,
        `/datasets/${dataset}/countries`,
        `/datasets/${dataset}/themes/RT3`,
        `/datasets/${dataset}/diff`,
        `/datasets/${dataset}/exports`,
        `/datasets/${dataset}/lineage/${encodeURIComponent('country#MDA')}`,
      ]) {
        await router({ method: 'GET', path });
      }
    });
  }, 240_000);

  afterAll(async () => {
    if (saved === undefined) delete process.env.HLD_KEEP_VERSIONS;
    else process.env.HLD_KEEP_VERSIONS = saved;
    resetClients();
    await backend?.stop();
  });

  it('saw every stage and the API at work, deleting old versions included', () => {
    const stages = new Set(touches.map((touch) => touch.stage));

    expect([...stages].sort()).toEqual([...PIPELINE.stages.map((stage) => stage.id), 'api'].sort());
    expect(touches.some((touch) => touch.stage === 'assemble' && touch.operation === 'BatchWriteItem')).toBe(
      true,
    );
    expect(touches.some((touch) => touch.operation === 'Query' && touch.index === 'byType')).toBe(true);
  });

  it.each([...PIPELINE.stages.map((stage) => stage.id), 'api'])(
    'lets %s touch only the partition keys, index keys and object prefixes its definition declares',
    (stageId) => {
      const access =
        stageId === 'api' ? BRIEFING_API_ACCESS : PIPELINE.stages.find((s) => s.id === stageId)?.access;
      const mine = touches.filter((touch) => touch.stage === stageId);

      expect(mine.length, `${stageId} made no request`).toBeGreaterThan(0);
      expect(mine.flatMap((touch) => undeclared(touch, access as StageAccess))).toEqual([]);
    },
  );
});
