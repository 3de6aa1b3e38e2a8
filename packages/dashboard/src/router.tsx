/**
 * Moving between the dashboard's pages without reloading it: the History API, links that behave as
 * links (a middle click or Ctrl+click opens a new tab), and focus on the new page's title.
 */
import type { ComponentChildren } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { hrefOf, parseRoute, type Route } from './routes.ts';

const CHANGED = 'sync:navigate';

/** Shows the page `route` (adds a history entry, or replaces the current one). */
export function navigate(route: Exclude<Route, { page: 'not-found' }>, options: { replace?: boolean } = {}): void {
  const href = hrefOf(route);
  if (options.replace) history.replaceState(null, '', href);
  else history.pushState(null, '', href);
  window.dispatchEvent(new Event(CHANGED));
}

/** The page the URL names, following navigation and the back button. */
export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(location.pathname));
  useEffect(() => {
    const update = () => setRoute(parseRoute(location.pathname));
    window.addEventListener('popstate', update);
    window.addEventListener(CHANGED, update);
    return () => {
      window.removeEventListener('popstate', update);
      window.removeEventListener(CHANGED, update);
    };
  }, []);
  return route;
}

/** A link to a page of the dashboard. */
export function Link(props: { to: Exclude<Route, { page: 'not-found' }>; class?: string; children: ComponentChildren }) {
  const onClick = (event: MouseEvent) => {
    if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    event.preventDefault();
    navigate(props.to);
  };
  return (
    <a href={hrefOf(props.to)} class={props.class} onClick={onClick}>
      {props.children}
    </a>
  );
}
