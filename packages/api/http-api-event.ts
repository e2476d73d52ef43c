import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
// zod/mini, imported as a namespace so esbuild can tree-shake it (`import { z }` is one object
// holding every export, all locales included): the API bundle carries ≈ 16 KB of zod, not 420 KB.
import * as z from 'zod/mini';
import type { ApiRequest, ApiResponse } from './router.ts';

/**
 * API Gateway HTTP API (payload format 2.0) ↔ the router's request and response. Only the
 * fields the router needs are parsed; anything else in the event is ignored.
 */
const httpApiEvent = z.object({
  rawPath: z.string(),
  queryStringParameters: z.optional(z.record(z.string(), z.string())),
  headers: z.optional(z.record(z.string(), z.string())),
  requestContext: z.object({
    http: z.object({ method: z.string() }),
    stage: z.optional(z.string()),
    requestId: z.optional(z.string()),
  }),
});

export class InvalidHttpApiEventError extends Error {
  override readonly name = 'InvalidHttpApiEventError';
}

/** The router request of an HTTP API v2 event (a named stage's prefix is removed from the path). */
export function parseHttpApiEvent(event: unknown): ApiRequest {
  const parsed = httpApiEvent.safeParse(event);
  if (!parsed.success) {
    throw new InvalidHttpApiEventError(
      `Not an API Gateway HTTP API 2.0 event: ${parsed.error.issues[0]?.message ?? 'invalid'}`,
      {
        cause: parsed.error,
      },
    );
  }
  const { rawPath, queryStringParameters, headers, requestContext } = parsed.data;
  const stage = requestContext.stage;
  const path =
    stage && stage !== '$default' && (rawPath === `/${stage}` || rawPath.startsWith(`/${stage}/`))
      ? rawPath.slice(stage.length + 1) || '/'
      : rawPath;
  return {
    method: requestContext.http.method,
    path,
    query: queryStringParameters ?? {},
    headers: Object.fromEntries(
      Object.entries(headers ?? {}).map(([name, value]) => [name.toLowerCase(), value]),
    ),
    ...(requestContext.requestId ? { requestId: requestContext.requestId } : {}),
  };
}

/** The HTTP API v2 result of a router response. */
export function toHttpApiResult(response: ApiResponse): APIGatewayProxyStructuredResultV2 {
  return {
    statusCode: response.status,
    headers: { ...response.headers },
    body: response.body,
    isBase64Encoded: false,
  };
}
