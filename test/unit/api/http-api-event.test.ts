import { describe, expect, it } from 'vitest';
import {
  InvalidHttpApiEventError,
  parseHttpApiEvent,
  toHttpApiResult,
} from '#packages/api/http-api-event.ts';

const event = (overrides: Record<string, unknown> = {}) => ({
  version: '2.0',
  routeKey: '$default',
  rawPath: '/datasets/hld2013/countries/MDA',
  rawQueryString: 'version=2',
  queryStringParameters: { version: '2' },
  headers: { 'If-None-Match': '"abc"', host: 'api.example' },
  requestContext: {
    http: { method: 'GET', path: '/datasets/hld2013/countries/MDA' },
    stage: '$default',
    requestId: 'r-1',
  },
  isBase64Encoded: false,
  ...overrides,
});

describe('parseHttpApiEvent', () => {
  it('turns an HTTP API 2.0 event into a router request', () => {
    expect(parseHttpApiEvent(event())).toEqual({
      method: 'GET',
      path: '/datasets/hld2013/countries/MDA',
      query: { version: '2' },
      headers: { 'if-none-match': '"abc"', host: 'api.example' },
      requestId: 'r-1',
    });
  });

  it('removes a named stage from the path', () => {
    const staged = event({
      rawPath: '/prod/datasets',
      queryStringParameters: undefined,
      requestContext: { http: { method: 'GET' }, stage: 'prod' },
    });

    expect(parseHttpApiEvent(staged)).toMatchObject({ path: '/datasets', query: {} });
  });

  it('refuses something that is not an HTTP API event', () => {
    expect(() => parseHttpApiEvent({ Records: [] })).toThrowError(InvalidHttpApiEventError);
  });
});

describe('toHttpApiResult', () => {
  it('keeps status, headers and body', () => {
    expect(toHttpApiResult({ status: 404, headers: { 'cache-control': 'no-store' }, body: '{}' })).toEqual({
      statusCode: 404,
      headers: { 'cache-control': 'no-store' },
      body: '{}',
      isBase64Encoded: false,
    });
  });
});
