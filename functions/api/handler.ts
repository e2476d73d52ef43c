import type { APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import {
  InvalidHttpApiEventError,
  parseHttpApiEvent,
  toHttpApiResult,
} from '#packages/api/http-api-event.ts';
import { createBriefingRouter } from '#packages/api/router.ts';
import { handlerLogger, withLambdaContext } from '#packages/pipeline/lambda-logger.ts';
import { HLD_EXPORT_LINK_SECONDS, readSetting } from '#packages/settings/settings.ts';
import { BriefingStore } from '#packages/storage/briefing-store.ts';
import { Ledger } from '#packages/storage/ledger.ts';
import { ObjectStore } from '#packages/storage/object-store.ts';
import { resourceNames } from '#packages/storage/resources.ts';

/** Lambda entry of the briefing HTTP API (API Gateway HTTP API, payload format 2.0). */

const logger = handlerLogger('api');
// Module scope: names read (and checked) once, clients reused across invocations.
const names = resourceNames();
const router = createBriefingRouter({
  briefings: new BriefingStore(names.briefingsTable),
  ledger: new Ledger(names.ledgerTable),
  exports: new ObjectStore(names.exportsBucket),
  buckets: { raw: names.rawBucket, curated: names.curatedBucket },
  linkSeconds: readSetting(HLD_EXPORT_LINK_SECONDS),
  onError: (error, request) =>
    logger.error('request failed', {
      error: error as Error,
      path: request.path,
      requestId: request.requestId,
    }),
});

/** API Gateway's request id: the id the client's response and API Gateway's access log carry. */
function requestIdOf(event: unknown): string | undefined {
  const requestId = (event as { requestContext?: { requestId?: unknown } } | null)?.requestContext?.requestId;
  return typeof requestId === 'string' && requestId.length > 0 ? requestId : undefined;
}

export const handler = withLambdaContext(
  logger,
  requestIdOf,
  async (event: unknown, context: Context): Promise<APIGatewayProxyStructuredResultV2> => {
    let request: ReturnType<typeof parseHttpApiEvent>;
    try {
      request = parseHttpApiEvent(event);
    } catch (error) {
      if (!(error instanceof InvalidHttpApiEventError)) throw error;
      logger.error('not an HTTP API 2.0 event', { error });
      return {
        statusCode: 400,
        headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' },
        body: `${JSON.stringify({ error: 'bad_event', message: 'The API expects API Gateway HTTP API payload format 2.0' })}\n`,
      };
    }
    const response = await router({ ...request, requestId: request.requestId ?? context.awsRequestId });
    logger.info('request', { method: request.method, path: request.path, status: response.status });
    return toHttpApiResult(response);
  },
);
