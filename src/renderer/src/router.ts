/** Hash routes (`#/accounts`, `#/connect/<id>`, `#/chat/<id>`, `#/dashboard`): no router dependency needed. */
import { useSyncExternalStore } from 'react';
import { hrefOf, parseRoute, type Route } from './routes';

export { hrefOf, parseRoute, type Route };

export function navigate(route: Route): void {
  const href = hrefOf(route);
  if (window.location.hash !== href) window.location.hash = href;
}

function subscribe(onChange: () => void): () => void {
  window.addEventListener('hashchange', onChange);
  return () => window.removeEventListener('hashchange', onChange);
}

export function useRoute(): Route {
  const hash = useSyncExternalStore(subscribe, () => window.location.hash);
  return parseRoute(hash);
}
