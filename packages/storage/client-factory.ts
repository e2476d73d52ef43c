import type { AthenaClient } from '@aws-sdk/client-athena';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { S3Client } from '@aws-sdk/client-s3';
import type { SFNClient } from '@aws-sdk/client-sfn';
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { STSClient } from '@aws-sdk/client-sts';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

/**
 * The one place that builds AWS SDK clients.
 *
 * Endpoints are never set here: SDK v3 reads `AWS_ENDPOINT_URL`, `AWS_ENDPOINT_URL_S3` and
 * `AWS_ENDPOINT_URL_DYNAMODB` itself. We only add what the SDK cannot infer from the
 * environment: path-style addressing whenever an S3 endpoint is overridden (emulators have no
 * virtual-host DNS; see EMULATORS.md §5.2).
 */
export interface ClientEnvironment {
  readonly [name: string]: string | undefined;
}

/** True when S3 traffic goes to an overridden endpoint (an emulator or LocalStack). */
export function s3EndpointOverridden(env: ClientEnvironment = process.env): boolean {
  return Boolean(env.AWS_ENDPOINT_URL_S3 ?? env.AWS_ENDPOINT_URL);
}

const cache = new Map<string, unknown>();

function cached<T>(key: string, build: () => T): T {
  const fingerprint = `${key}|${process.env.AWS_ENDPOINT_URL ?? ''}|${process.env.AWS_ENDPOINT_URL_S3 ?? ''}|${
    process.env.AWS_ENDPOINT_URL_DYNAMODB ?? ''
  }|${process.env.AWS_REGION ?? ''}`;
  let client = cache.get(fingerprint) as T | undefined;
  if (!client) {
    client = build();
    cache.set(fingerprint, client);
  }
  return client;
}

/**
 * An S3 client configured for the current environment. Against an overridden endpoint (the
 * embedded store, moto, LocalStack: loopback or a LAN), per-byte work that only real S3 uses is
 * left out: the SDK's optional CRC32 of every upload and download (`WHEN_REQUIRED`: no emulator
 * keeps or checks it) and SigV4's SHA-256 of every request body (`UNSIGNED-PAYLOAD`, a value S3
 * itself accepts; no emulator checks signatures: docs/emulators.md §5.3). For a 1M-row `hld ingest`
 * that was about 0.6 s of hld's CPU (the 200 MB upload and the 215 MB Arrow table, BENCHMARKS.md).
 * Real S3 keeps the SDK's defaults: there they are the integrity guarantee of every byte sent.
 */
export function s3Client(): S3Client {
  return cached('s3', () => {
    if (!s3EndpointOverridden()) return new S3Client({ forcePathStyle: false });
    const client = new S3Client({
      forcePathStyle: true,
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    });
    // The signer takes a payload hash already in the headers as it is, and hashes nothing.
    client.middlewareStack.add(
      (next) => (args) => {
        const request = args.request as { headers?: Record<string, string> };
        if (request.headers) request.headers['x-amz-content-sha256'] = 'UNSIGNED-PAYLOAD';
        return next(args);
      },
      { step: 'build', name: 'hldUnsignedPayloadOnEmulators' },
    );
    return client;
  });
}

/** A low-level DynamoDB client configured for the current environment. */
export function dynamoClient(): DynamoDBClient {
  return cached('dynamodb', () => new DynamoDBClient({}));
}

/** A DynamoDB document client (plain JS values in and out). */
export function dynamoDocumentClient(): DynamoDBDocumentClient {
  return cached('dynamodb-doc', () =>
    DynamoDBDocumentClient.from(dynamoClient(), {
      marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false },
    }),
  );
}

/** An EventBridge client (used by Lambda handlers to emit pipeline events). */
export function eventBridgeClient(): EventBridgeClient {
  return cached('events', () => new EventBridgeClient({}));
}

// Step Functions, SQS and STS serve two commands on the aws backend only: their SDK packages
// are loaded on first use, so every other command (a read above all) does not load them.

/** A Step Functions client (used by `hld refresh --backend aws`), its SDK package loaded now. */
export async function stepFunctionsClient(): Promise<SFNClient> {
  const { SFNClient } = await import('@aws-sdk/client-sfn');
  return cached('sfn', () => new SFNClient({}));
}

/** An SQS client (used by `hld redrive --backend aws` to move dead letters back to their stage). */
export async function sqsClient(): Promise<SQSClient> {
  const { SQSClient } = await import('@aws-sdk/client-sqs');
  return cached('sqs', () => new SQSClient({}));
}

/** True when SQS traffic goes to an overridden endpoint (an emulator). */
export function sqsEndpointOverridden(env: ClientEnvironment = process.env): boolean {
  return Boolean(env.AWS_ENDPOINT_URL_SQS ?? env.AWS_ENDPOINT_URL);
}

/** An STS client (used by `hld refresh --backend aws` to name the caller who starts a refresh). */
export async function stsClient(): Promise<STSClient> {
  const { STSClient } = await import('@aws-sdk/client-sts');
  return cached('sts', () => new STSClient({}));
}

/**
 * An Athena client (used by `hld query --backend aws` only). Its SDK package is loaded on first
 * use: every other command that reads this module does not pay for it, and no function calls
 * this, so no Lambda bundle carries it.
 */
export async function athenaClient(): Promise<AthenaClient> {
  const { AthenaClient } = await import('@aws-sdk/client-athena');
  return cached('athena', () => new AthenaClient({}));
}

/** Forget cached clients, e.g. after a test switched backends. */
export function resetClients(): void {
  for (const client of cache.values()) {
    (client as { destroy?: () => void }).destroy?.();
  }
  cache.clear();
}
