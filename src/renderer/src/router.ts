/** Hash routes (`#/accounts`, `#/connect/<id>`, `#/chat/<id>`, `#/dashboard`): no router dependency needed. */
import { useSyncExternalStore } from 'react';

export type Route =
  | { page: 'accounts' }
  | { page: 'dashboard' }
  | { page: 'connect'; accountId: string }
  | { page: 'chat'; accountId: string };

export function parseRoute(hash: string): Route {
  const parts = hash.replace(/^#\/?/, '').split('/').filter(Boolean).map(safeDecode);
  const [page, accountId] = parts;
  if ((page === 'connect' || page === 'chat') && accountId) return { page, accountId };
  if (page === 'dashboard') return { page };
  return { page: 'accounts' };
}

export function hrefOf(route: Route): string {
  switch (route.page) {
    case 'accounts':
    case 'dashboard':
      return `#/${route.page}`;
    default:
      return `#/${route.page}/${encodeURIComponent(route.accountId)}`;
  }
}

export function navigate(route: Route): void {
  const href = hrefOf(route);
  if (window.location.hash !== href) window.location.hash = href;
}

function safeDecode(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    return part;
  }
}

function subscribe(onChange: () => void): () => void {
  window.addEventListener('hashchange', onChange);
  return () => window.removeEventListener('hashchange', onChange);
}

export function useRoute(): Route {
  const hash = useSyncExternalStore(subscribe, () => window.location.hash);
  return parseRoute(hash);
}
