import type { ApiRequest, ApiResponse, BriefingRouter } from '#packages/api/router.ts';
import type { ExportFile } from '#packages/briefing/exports/render.ts';
import type { BriefingStore } from '#packages/storage/briefing-store.ts';

/** Where `hld serve` serves the HTML briefing book. */
export const BOOK_PATH = '/book/';

const decoder = new TextDecoder();

/**
 * The HTML briefing book of the live version, for `hld serve`, in front of the API router:
 * `/` and `/book` redirect to `/book/` (the index), `/book/<page>` answers its pages (rendered once per version,
 * as `hld briefing export --format html` writes them); every other path goes to the API.
 */
export function withBriefingBook(
  api: BriefingRouter,
  briefings: Pick<BriefingStore, 'current' | 'getVersion' | 'listItems'>,
  dataset: string,
): BriefingRouter {
  let rendered: { version: number; files: Map<string, ExportFile> } | undefined;
  const filesOf = async (): Promise<Map<string, ExportFile> | undefined> => {
    const current = await briefings.current(dataset);
    if (!current) return undefined;
    if (rendered?.version !== current.version) {
      const record = await briefings.getVersion(dataset, current.version);
      const items = await briefings.listItems(dataset, current.version);
      const { renderBriefingExport } = await import('#packages/briefing/exports/render.ts');
      const files = await renderBriefingExport('html', items, {
        dataset,
        version: current.version,
        asOf: (record?.createdAt ?? new Date().toISOString()).slice(0, 10),
      });
      rendered = { version: current.version, files: new Map(files.map((file) => [file.path, file])) };
    }
    return rendered.files;
  };
  const answer = (status: number, contentType: string, body: string): ApiResponse => ({
    status,
    headers: { 'content-type': contentType, 'cache-control': 'no-store' },
    body,
  });
  return async (request: ApiRequest) => {
    if (request.path !== '/' && !request.path.startsWith(BOOK_PATH) && request.path !== '/book')
      return api(request);
    if (request.method !== 'GET' && request.method !== 'HEAD')
      return answer(405, 'text/plain; charset=utf-8', 'The briefing book is read-only: use GET\n');
    if (request.path === '/' || request.path === '/book')
      return { status: 302, headers: { location: BOOK_PATH, 'cache-control': 'no-store' }, body: '' };
    const files = await filesOf();
    if (!files)
      return answer(
        404,
        'text/plain; charset=utf-8',
        `No briefing of ${dataset} is published yet: run 'npm start' first\n`,
      );
    const path = request.path.slice(BOOK_PATH.length);
    const file = files.get(path === '' ? 'index.html' : decodeURIComponent(path));
    if (!file)
      return answer(404, 'text/plain; charset=utf-8', `No page ${request.path} in the briefing book\n`);
    return answer(200, file.contentType, decoder.decode(file.bytes));
  };
}
