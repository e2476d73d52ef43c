import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ApiRequest, BriefingRouter } from './router.ts';

export interface ApiServerOptions {
  /** @default 8787; 0 picks a free port */
  readonly port?: number;
  /** Loopback only by default: the local API has no authentication. @default '127.0.0.1' */
  readonly host?: string;
}

export interface RunningApiServer {
  /** Base URL, e.g. `http://127.0.0.1:8787`. */
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

export const DEFAULT_API_PORT = 8787;

function toApiRequest(message: IncomingMessage): ApiRequest {
  const url = new URL(message.url ?? '/', 'http://localhost');
  const query: Record<string, string> = {};
  // Like API Gateway HTTP API: repeated parameters arrive joined with commas.
  for (const [name, value] of url.searchParams)
    query[name] = name in query ? `${query[name]},${value}` : value;
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(message.headers)) {
    if (value !== undefined) headers[name.toLowerCase()] = Array.isArray(value) ? value.join(',') : value;
  }
  return { method: message.method ?? 'GET', path: url.pathname, query, headers, requestId: randomUUID() };
}

/** Serve the briefing router on node:http (`hld serve`, integration tests). */
export async function startApiServer(
  route: BriefingRouter,
  options: ApiServerOptions = {},
): Promise<RunningApiServer> {
  const server: Server = createServer((message, response) => {
    route(toApiRequest(message))
      .then((answer) => {
        response.writeHead(answer.status, answer.headers);
        response.end(answer.body);
      })
      .catch(() => {
        // The router answers every error itself; this only guards the socket.
        response.writeHead(500, { 'content-type': 'application/json; charset=utf-8' });
        response.end('{"error":"internal","message":"Unexpected failure; try again"}\n');
      });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? DEFAULT_API_PORT, options.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `http://${host}:${address.port}`,
    port: address.port,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}
