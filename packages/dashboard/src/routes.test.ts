import { describe, expect, it } from 'vitest';
import { hrefOf, parseRoute, type Route } from './routes.ts';

describe('dashboard routes', () => {
  it('maps each page to its URL and back', () => {
    const routes: Exclude<Route, { page: 'not-found' }>[] = [
      { page: 'pipelines' },
      { page: 'new-pipeline' },
      { page: 'pipeline', id: 'stripe-postgres' },
      { page: 'pipeline', id: 'a b/c' },
      { page: 'run', id: '431b75ff-a668-498a-8a35-d9a6ca68680e' },
    ];
    for (const route of routes) expect(parseRoute(hrefOf(route))).toEqual(route);
  });

  it('keeps the list at / and /ui, ignores a trailing slash, and names an unknown path', () => {
    expect(parseRoute('/')).toEqual({ page: 'pipelines' });
    expect(parseRoute('/ui/')).toEqual({ page: 'pipelines' });
    expect(parseRoute('/ui/runs/r1/')).toEqual({ page: 'run', id: 'r1' });
    expect(parseRoute('/ui/nothing')).toEqual({ page: 'not-found', path: '/ui/nothing' });
    expect(parseRoute('/ui/runs/%E0%A4%A')).toEqual({ page: 'not-found', path: '/ui/runs/%E0%A4%A' });
  });
});
