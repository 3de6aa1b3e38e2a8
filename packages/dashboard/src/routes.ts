/**
 * The dashboard's pages and their URLs. Pages live under `/ui/` (and the list at `/`), apart from the
 * API's own paths (`/pipelines/{id}` is JSON for API clients); `sync serve` answers every `/ui/*` path
 * with the page (packages/server/src/dashboard.ts), which picks the page from the URL here.
 */

/** A page of the dashboard. */
export type Route =
  | { page: 'pipelines' }
  | { page: 'new-pipeline' }
  | { page: 'pipeline'; id: string }
  | { page: 'run'; id: string }
  | { page: 'not-found'; path: string };

/** The page at `pathname` (`/ui/pipelines/stripe-postgres` → the pipeline `stripe-postgres`). */
export function parseRoute(pathname: string): Route {
  const path = pathname.replace(/\/+$/, '') || '/';
  if (path === '/' || path === '/ui' || path === '/ui/pipelines') return { page: 'pipelines' };
  if (path === '/ui/new') return { page: 'new-pipeline' };
  const match = /^\/ui\/(pipelines|runs)\/([^/]+)$/.exec(path);
  if (match) {
    let id: string;
    try {
      id = decodeURIComponent(match[2]!);
    } catch {
      return { page: 'not-found', path: pathname };
    }
    return match[1] === 'pipelines' ? { page: 'pipeline', id } : { page: 'run', id };
  }
  return { page: 'not-found', path: pathname };
}

/** The URL of a page; `parseRoute(hrefOf(route))` gives `route` back. */
export function hrefOf(route: Exclude<Route, { page: 'not-found' }>): string {
  switch (route.page) {
    case 'pipelines':
      return '/';
    case 'new-pipeline':
      return '/ui/new';
    case 'pipeline':
      return `/ui/pipelines/${encodeURIComponent(route.id)}`;
    case 'run':
      return `/ui/runs/${encodeURIComponent(route.id)}`;
  }
}
