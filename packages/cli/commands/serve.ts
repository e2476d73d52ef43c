import { createBriefingRouter } from '#packages/api/router.ts';
import { DEFAULT_API_PORT, startApiServer } from '#packages/api/server.ts';
import { BOOK_PATH, withBriefingBook } from '../book-route.ts';
import { EXIT, type Output, UsageError } from '../output.ts';
import type { Session } from '../session.ts';

function parsePort(value: string | undefined): number {
  if (value === undefined) return DEFAULT_API_PORT;
  const port = Number(value);
  if (!/^\d+$/.test(value) || port > 65_535) {
    throw new UsageError(`--port must be a whole number 0–65535 (0 picks a free port), not '${value}'`);
  }
  return port;
}

/** Resolves on the first Ctrl-C or SIGTERM. */
function untilStopped(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const stop = (signal: NodeJS.Signals) => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve(signal);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}

/**
 * `hld serve`: the briefing HTTP API (the same router as the Lambda) on 127.0.0.1, against the
 * session's backend, until Ctrl-C or SIGTERM; then the session stops the backend as after any command.
 */
export async function serveCommand(session: Session, out: Output, args: { port?: string }): Promise<number> {
  const port = parsePort(args.port);
  const ctx = session.ctx;
  const api = createBriefingRouter({
    briefings: ctx.briefings,
    ledger: ctx.ledger,
    exports: ctx.exports,
    buckets: { raw: ctx.config.rawBucket, curated: ctx.config.curatedBucket },
    onError: (error) => out.info(`hld serve: request failed: ${(error as Error)?.message ?? String(error)}`),
  });
  const router = withBriefingBook(api, ctx.briefings, ctx.config.dataset);
  let server: Awaited<ReturnType<typeof startApiServer>>;
  try {
    server = await startApiServer(router, { port });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      throw new UsageError(
        `Port ${port} is already in use: pick another with --port (e.g. --port 8788, or --port 0 for any free port)`,
      );
    }
    throw error;
  }
  const dataset = ctx.config.dataset;
  out.result({ url: server.url, dataset, backend: session.backend.name }, () =>
    [
      `Serving the briefing book and API for ${dataset} on ${server.url} (backend '${session.backend.name}'); Ctrl-C to stop`,
      `  ${server.url}${BOOK_PATH}  (the HTML briefing book of the live version)`,
      `  ${server.url}/datasets`,
      `  ${server.url}/datasets/${dataset}/countries/MDA`,
      `  ${server.url}/datasets/${dataset}/themes/RT3?scope=GLOBAL`,
      `  ${server.url}/datasets/${dataset}/diff`,
      `  ${server.url}/datasets/${dataset}/exports`,
      ...(session.stateDir
        ? [
            `While it runs it holds ${session.stateDir}: stop it before other hld commands, or give them another HLD_STATE_DIR`,
          ]
        : []),
    ].join('\n'),
  );
  const signal = await untilStopped();
  out.info(`hld serve: ${signal} received; stopping`);
  await server.close();
  return EXIT.ok;
}
