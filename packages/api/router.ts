import { createHash, randomUUID } from 'node:crypto';
import type { StoredBriefingItem } from '#contracts/briefing/item.ts';
import { diffVersions } from '#packages/briefing/diff.ts';
import { EXPORT_MANIFEST, exportPrefix } from '#packages/briefing/exports/layout.ts';
import { type ExportLink, presignExportLinks } from '#packages/briefing/exports/presign.ts';
import { resolveThemeCode, THEME_CHOICES } from '#packages/briefing/exports/selection.ts';
import {
  type ItemRef,
  ItemRefError,
  LineageNotFoundError,
  parseItemRef,
  traceLineage,
} from '#packages/pipeline/lineage.ts';
import { type BriefingStore, versionsEverLive } from '#packages/storage/briefing-store.ts';
import { IncompleteItemError } from '#packages/storage/errors.ts';
import type { Ledger } from '#packages/storage/ledger.ts';
import type { ObjectStore } from '#packages/storage/object-store.ts';
import { ApiError, BadRequestError, MethodNotAllowedError, NotFoundError } from './errors.ts';

/**
 * The briefing HTTP API as a pure request → response function over the briefing store, the
 * ledger and the exports bucket. The Lambda handler (API Gateway HTTP API) and `hld serve`
 * (node:http) are thin adapters around it, so both answer exactly the same.
 *
 *   GET /datasets
 *   GET /datasets/{dataset}/versions
 *   GET /datasets/{dataset}/countries[/{iso3}]           ?version=N
 *   GET /datasets/{dataset}/themes[/{theme}]             ?scope=ISO3|GLOBAL&version=N
 *   GET /datasets/{dataset}/diff                         ?from=A&to=B
 *   GET /datasets/{dataset}/exports                      ?version=N  (presigned links)
 *   GET /datasets/{dataset}/lineage/{item}               ?version=N  (item → files → raw bytes)
 */

export interface ApiRequest {
  readonly method: string;
  /** Path without the query string, e.g. `/datasets/hld2013/countries/MDA`. */
  readonly path: string;
  readonly query?: Readonly<Record<string, string | undefined>>;
  /** Lower-case header names. */
  readonly headers?: Readonly<Record<string, string | undefined>>;
  /** Correlates a 500 answer with the log line (Lambda request id). @default a random UUID */
  readonly requestId?: string;
}

export interface ApiResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

/** What the router reads from the briefing store (a fake in unit tests). */
export type BriefingReader = Pick<
  BriefingStore,
  'listDatasets' | 'current' | 'listVersions' | 'getVersion' | 'getItem' | 'listItems' | 'listAudit'
>;

export interface RouterDependencies {
  readonly briefings: BriefingReader;
  readonly ledger: Pick<Ledger, 'listRuns' | 'getFile' | 'latestSnapshot'>;
  readonly exports: ObjectStore;
  /** Buckets whose objects lineage answers name (`s3://<raw>/<key>`). */
  readonly buckets: { readonly raw: string; readonly curated: string };
  /** Lifetime of presigned export links. @default 3600 */
  readonly linkSeconds?: number;
  /** Presigned links to the objects under a prefix. @default presignExportLinks on `exports` */
  readonly presign?: (prefix: string, expiresInSeconds: number) => Promise<ExportLink[]>;
  /** Called with every unexpected error (the answer is a 500 without details). */
  readonly onError?: (error: unknown, request: ApiRequest) => void;
}

export type BriefingRouter = (request: ApiRequest) => Promise<ApiResponse>;

const DATASET_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
const ISO3_PATTERN = /^[A-Za-z]{3}$/;

/**
 * Cache policies: a pinned version never changes; CURRENT moves on refresh and rollback. Every
 * answer is `private`: the API is IAM-authorised, so what one caller was allowed to see must
 * never sit in a shared cache (a CDN, a proxy) for another.
 */
const CACHE = {
  pinned: 'private, max-age=3600',
  current: 'private, max-age=60',
  listing: 'private, no-cache',
  /** Presigned links are capabilities: never in a shared cache. */
  links: 'private, no-store',
  error: 'no-store',
} as const;

interface Answer {
  readonly body: unknown;
  readonly cache: string;
}

type Query = Readonly<Record<string, string | undefined>>;

function allowOnly(query: Query, allowed: readonly string[], route: string): void {
  const unknown = Object.keys(query).filter((name) => !allowed.includes(name));
  if (unknown.length > 0) {
    throw new BadRequestError(
      `Unknown query parameter ${unknown.map((name) => `'${name}'`).join(', ')} for ${route}: ${
        allowed.length ? `use ${allowed.join(', ')}` : 'it takes none'
      }`,
    );
  }
}

function positiveInteger(query: Query, name: string): number | undefined {
  const value = query[name];
  if (value === undefined || value === '') return undefined;
  if (!/^\d+$/.test(value) || Number(value) < 1 || !Number.isSafeInteger(Number(value))) {
    throw new BadRequestError(
      `${name} must be a positive whole number (a briefing version such as ${name}=3), not '${value}'`,
    );
  }
  return Number(value);
}

function iso3Parameter(value: string, what: string): string {
  if (!ISO3_PATTERN.test(value)) {
    throw new BadRequestError(`${what} must be an ISO 3166-1 alpha-3 code such as MDA, not '${value}'`);
  }
  return value.toUpperCase();
}

function itemAnswer(dataset: string, version: number, item: StoredBriefingItem, pinned: boolean): Answer {
  return {
    body: {
      dataset,
      version,
      type: item.type,
      id: item.id,
      hash: item.hash,
      ...item.body,
      ...(item.lineage ? { lineage: item.lineage } : {}),
    },
    cache: pinned ? CACHE.pinned : CACHE.current,
  };
}

/** Build the router. Dependencies are used per request; nothing is cached between requests. */
export function createBriefingRouter(deps: RouterDependencies): BriefingRouter {
  const linkSeconds = deps.linkSeconds ?? 3600;
  const presign =
    deps.presign ??
    ((prefix: string, expiresInSeconds: number) =>
      presignExportLinks(deps.exports, prefix, { expiresInSeconds }));

  async function requireDataset(dataset: string): Promise<number | undefined> {
    if (!DATASET_PATTERN.test(dataset)) {
      throw new BadRequestError(
        `'${dataset}' is not a dataset name (letters, digits, '.', '_', '-'); GET /datasets lists them`,
      );
    }
    const current = await deps.briefings.current(dataset);
    if (current) return current.version;
    const versions = await deps.briefings.listVersions(dataset);
    if (versions.length === 0) throw new NotFoundError(`No dataset '${dataset}'; GET /datasets lists them`);
    return undefined;
  }

  /** The version asked for (`?version=N`, checked to exist), else CURRENT. */
  async function resolveVersion(dataset: string, current: number | undefined, requested: number | undefined) {
    if (requested !== undefined) {
      if (!(await deps.briefings.getVersion(dataset, requested))) {
        throw new NotFoundError(
          `${dataset} has no version ${requested}; GET /datasets/${dataset}/versions lists them`,
        );
      }
      return { version: requested, pinned: true };
    }
    if (current === undefined) {
      throw new NotFoundError(`${dataset} has no published version yet: run a refresh ('hld refresh') first`);
    }
    return { version: current, pinned: false };
  }

  async function datasets(): Promise<Answer> {
    const names = (await deps.briefings.listDatasets()).sort();
    const entries = await Promise.all(
      names.map(async (dataset) => {
        const current = await deps.briefings.current(dataset);
        return {
          dataset,
          current_version: current?.version ?? null,
          published_at: current?.movedAt ?? null,
          content_hash: current?.contentHash ?? null,
          links: {
            versions: `/datasets/${dataset}/versions`,
            countries: `/datasets/${dataset}/countries`,
            themes: `/datasets/${dataset}/themes`,
            exports: `/datasets/${dataset}/exports`,
          },
        };
      }),
    );
    const runs = await deps.ledger.listRuns();
    const last = [...runs].sort((a, b) => String(a.startedAt).localeCompare(String(b.startedAt))).at(-1);
    const lastRun = last
      ? {
          run_id: last.runId,
          status: last.status,
          requested_by: last.requestedBy,
          started_at: last.startedAt,
          finished_at: last.finishedAt ?? null,
          version: last.version ?? null,
        }
      : null;
    return { body: { datasets: entries, last_run: lastRun }, cache: CACHE.listing };
  }

  async function versions(dataset: string, current: number | undefined): Promise<Answer> {
    const list = (await deps.briefings.listVersions(dataset)).sort((a, b) => a.version - b.version);
    const audit = await deps.briefings.listAudit(dataset);
    // As `hld briefing versions` says it: live now, was live, or never (a stopped refresh).
    const everLive = versionsEverLive(await deps.briefings.current(dataset), audit);
    const live = (version: number) => (version === current ? 'now' : everLive.has(version) ? 'was' : 'never');
    return {
      body: {
        dataset,
        current: current ?? null,
        versions: list.map((record) => ({
          ...record,
          current: record.version === current,
          live: live(record.version),
        })),
        audit: audit.sort((a, b) => a.at.localeCompare(b.at)),
      },
      cache: CACHE.listing,
    };
  }

  async function countries(
    dataset: string,
    current: number | undefined,
    query: Query,
    iso3?: string,
  ): Promise<Answer> {
    allowOnly(query, ['version'], iso3 ? '/countries/{iso3}' : '/countries');
    const code = iso3 === undefined ? undefined : iso3Parameter(iso3, 'The country');
    const { version, pinned } = await resolveVersion(dataset, current, positiveInteger(query, 'version'));
    if (code) {
      const item = await deps.briefings.getItem(dataset, version, 'country', code);
      if (!item) {
        throw new NotFoundError(
          `${code} has no briefing in ${dataset} v${version}; GET /datasets/${dataset}/countries lists the countries`,
        );
      }
      return itemAnswer(dataset, version, item, pinned);
    }
    const items = await deps.briefings.listItems(dataset, version, 'country');
    return {
      body: {
        dataset,
        version,
        countries: items.flatMap((item) =>
          item.type === 'country'
            ? [
                {
                  iso3: item.id,
                  name: item.body.name,
                  pilot_status: item.body.pilots[0]?.participation_status ?? null,
                  jmdi_projects_n: item.body.jmdi.projects_n,
                  href: `/datasets/${dataset}/countries/${item.id}${pinned ? `?version=${version}` : ''}`,
                },
              ]
            : [],
        ),
      },
      cache: pinned ? CACHE.pinned : CACHE.current,
    };
  }

  async function themes(
    dataset: string,
    current: number | undefined,
    query: Query,
    theme?: string,
  ): Promise<Answer> {
    allowOnly(query, theme ? ['scope', 'version'] : ['version'], theme ? '/themes/{theme}' : '/themes');
    const code = theme === undefined ? undefined : resolveThemeCode(theme);
    if (theme !== undefined && !code)
      throw new BadRequestError(`Unknown theme '${theme}': use ${THEME_CHOICES}`);
    const scopeValue = query.scope;
    const scope =
      scopeValue === undefined || scopeValue === '' || scopeValue.toUpperCase() === 'GLOBAL'
        ? 'GLOBAL'
        : iso3Parameter(scopeValue, 'scope');
    const { version, pinned } = await resolveVersion(dataset, current, positiveInteger(query, 'version'));
    if (code) {
      const item = await deps.briefings.getItem(dataset, version, 'theme', `${code}@${scope}`);
      if (!item) {
        throw new NotFoundError(
          `${dataset} v${version} has no ${code} briefing for ${scope}: the theme has no projects, lessons, milestones or survey demands there; try scope=GLOBAL`,
        );
      }
      return itemAnswer(dataset, version, item, pinned);
    }
    const items = await deps.briefings.listItems(dataset, version, 'theme');
    return {
      body: {
        dataset,
        version,
        themes: items.flatMap((item) =>
          item.type === 'theme'
            ? [
                {
                  id: item.id,
                  theme: item.body.theme,
                  scope: item.body.scope,
                  label: item.body.label,
                  n_projects: item.body.n_projects,
                  href: `/datasets/${dataset}/themes/${item.body.theme}?scope=${item.body.scope}${pinned ? `&version=${version}` : ''}`,
                },
              ]
            : [],
        ),
      },
      cache: pinned ? CACHE.pinned : CACHE.current,
    };
  }

  async function diff(dataset: string, current: number | undefined, query: Query): Promise<Answer> {
    allowOnly(query, ['from', 'to'], '/diff');
    const fromParam = positiveInteger(query, 'from');
    const toParam = positiveInteger(query, 'to');
    const to = (await resolveVersion(dataset, current, toParam)).version;
    let from = fromParam;
    if (from === undefined) {
      // The previous version that was live, never one a stopped refresh left complete but unpublished.
      const everLive = versionsEverLive(
        await deps.briefings.current(dataset),
        await deps.briefings.listAudit(dataset),
      );
      const earlier = (await deps.briefings.listVersions(dataset))
        .map((record) => record.version)
        .filter((v) => v < to && everLive.has(v));
      if (earlier.length === 0) {
        throw new NotFoundError(
          `${dataset} v${to} has no earlier version that was live to compare with; pass from=A&to=B`,
        );
      }
      from = Math.max(...earlier);
    } else {
      await resolveVersion(dataset, current, from);
    }
    const result = diffVersions(
      { version: from, items: await deps.briefings.listItems(dataset, from) },
      { version: to, items: await deps.briefings.listItems(dataset, to) },
    );
    const pinned = fromParam !== undefined && toParam !== undefined;
    return {
      body: {
        dataset,
        ...result,
        summary: {
          added: result.added.length,
          removed: result.removed.length,
          changed: result.changed.length,
        },
      },
      cache: pinned ? CACHE.pinned : CACHE.current,
    };
  }

  async function exportLinks(dataset: string, current: number | undefined, query: Query): Promise<Answer> {
    allowOnly(query, ['version'], '/exports');
    const { version } = await resolveVersion(dataset, current, positiveInteger(query, 'version'));
    const prefix = exportPrefix(dataset, version);
    const links = await presign(prefix, linkSeconds);
    if (links.length === 0) {
      throw new NotFoundError(
        `No exports of ${dataset} v${version} in the exports bucket: they are written when a refresh publishes a version; locally, 'hld briefing export --format F' writes them to a folder`,
      );
    }
    const formats = [
      ...new Set(links.map((link) => link.format).filter((format) => format !== 'manifest')),
    ].sort();
    return {
      body: {
        dataset,
        version,
        complete: links.some((link) => link.path === EXPORT_MANIFEST),
        expires_at: links[0]?.expiresAt ?? null,
        formats,
        files: links.map((link) => ({
          path: link.path,
          format: link.format,
          size: link.size,
          url: link.url,
          expires_at: link.expiresAt,
        })),
      },
      cache: CACHE.links,
    };
  }

  async function lineage(
    dataset: string,
    current: number | undefined,
    query: Query,
    reference: string,
  ): Promise<Answer> {
    allowOnly(query, ['version'], '/lineage/{item}');
    let ref: ItemRef;
    try {
      ref = parseItemRef(reference);
    } catch (error) {
      if (error instanceof ItemRefError) throw new BadRequestError(error.message);
      throw error;
    }
    const { version, pinned } = await resolveVersion(dataset, current, positiveInteger(query, 'version'));
    try {
      const trace = await traceLineage(
        {
          briefings: deps.briefings,
          ledger: deps.ledger,
          rawBucket: deps.buckets.raw,
          curatedBucket: deps.buckets.curated,
        },
        { dataset, ref, version },
      );
      return { body: trace, cache: pinned ? CACHE.pinned : CACHE.current };
    } catch (error) {
      if (error instanceof LineageNotFoundError) {
        throw new NotFoundError(
          `${error.message}; GET /datasets/${dataset}/countries or /themes lists the items (item: country%23MDA, theme%23RT3@GLOBAL, event%23EV-…)`,
        );
      }
      throw error;
    }
  }

  async function dispatch(segments: readonly string[], query: Query): Promise<Answer> {
    const [root, dataset, resource, item, ...rest] = segments;
    if (root === undefined) {
      allowOnly(query, [], '/');
      return {
        body: {
          service: 'hld-evidence briefing API',
          routes: [
            'GET /datasets',
            'GET /datasets/{dataset}/versions',
            'GET /datasets/{dataset}/countries[/{iso3}]?version=N',
            'GET /datasets/{dataset}/themes[/{theme}]?scope=ISO3|GLOBAL&version=N',
            'GET /datasets/{dataset}/diff?from=A&to=B',
            'GET /datasets/{dataset}/exports?version=N',
            'GET /datasets/{dataset}/lineage/{item}?version=N',
          ],
        },
        cache: CACHE.listing,
      };
    }
    if (root !== 'datasets' || rest.length > 0)
      throw new NotFoundError(`No route ${'/' + segments.join('/')}; GET / lists the routes`);
    if (dataset === undefined) {
      allowOnly(query, [], '/datasets');
      return datasets();
    }
    const current = await requireDataset(dataset);
    switch (resource) {
      case undefined:
        allowOnly(query, [], '/datasets/{dataset}');
        return {
          body: {
            dataset,
            current_version: current ?? null,
            links: {
              versions: `/datasets/${dataset}/versions`,
              countries: `/datasets/${dataset}/countries`,
              themes: `/datasets/${dataset}/themes`,
              diff: `/datasets/${dataset}/diff`,
              exports: `/datasets/${dataset}/exports`,
              lineage: `/datasets/${dataset}/lineage/{item}`,
            },
          },
          cache: CACHE.listing,
        };
      case 'versions':
        if (item !== undefined) break;
        allowOnly(query, [], '/versions');
        return versions(dataset, current);
      case 'countries':
        return countries(dataset, current, query, item);
      case 'themes':
        return themes(dataset, current, query, item);
      case 'diff':
        if (item !== undefined) break;
        return diff(dataset, current, query);
      case 'exports':
        if (item !== undefined) break;
        return exportLinks(dataset, current, query);
      case 'lineage':
        if (item === undefined) break;
        return lineage(dataset, current, query, item);
    }
    throw new NotFoundError(`No route ${'/' + segments.join('/')}; GET / lists the routes`);
  }

  return async (request) => {
    const method = request.method.toUpperCase();
    try {
      if (method === 'OPTIONS')
        return {
          status: 204,
          headers: { allow: 'GET, HEAD, OPTIONS', 'cache-control': CACHE.listing },
          body: '',
        };
      if (method !== 'GET' && method !== 'HEAD') throw new MethodNotAllowedError(method);
      let segments: string[];
      try {
        segments = request.path.split('/').filter(Boolean).map(decodeURIComponent);
      } catch {
        throw new BadRequestError(`The path '${request.path}' is not valid percent-encoding`);
      }
      const answer = await dispatch(segments, request.query ?? {});
      const body = `${JSON.stringify(answer.body, null, 2)}\n`;
      const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`;
      const headers = { ...JSON_HEADERS, 'cache-control': answer.cache, etag };
      if (request.headers?.['if-none-match'] === etag) return { status: 304, headers, body: '' };
      return { status: 200, headers, body: method === 'HEAD' ? '' : body };
    } catch (error) {
      if (error instanceof ApiError)
        return errorResponse(error.status, error.code, error.message, error.headers, method);
      const requestId = request.requestId ?? randomUUID();
      deps.onError?.(error, { ...request, requestId });
      // A damaged version is answered as such, never as a shorter list.
      if (error instanceof IncompleteItemError)
        return errorResponse(
          500,
          'damaged_version',
          `${error.dataset} v${error.version} is damaged (item ${error.item} has ${error.found.length} of its ${error.expected} parts): it cannot be served until an operator repairs it with hld doctor`,
          {},
          method,
        );
      return errorResponse(
        500,
        'internal',
        `The briefing store could not answer; try again, and if it persists report request ${requestId}`,
        {},
        method,
      );
    }
  };
}

const JSON_HEADERS = {
  'content-type': 'application/json; charset=utf-8',
  'x-content-type-options': 'nosniff',
} as const;

function errorResponse(
  status: number,
  code: string,
  message: string,
  headers: Readonly<Record<string, string>>,
  method: string,
): ApiResponse {
  return {
    status,
    headers: { ...JSON_HEADERS, 'cache-control': CACHE.error, ...headers },
    body: method === 'HEAD' ? '' : `${JSON.stringify({ error: code, message })}\n`,
  };
}
