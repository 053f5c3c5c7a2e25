/** The hash routes as data (pure: no DOM, so Node tests can use it too). */
export type Route =
  | { page: 'accounts' }
  | { page: 'dashboard' }
  | { page: 'gateway' }
  | { page: 'connect'; accountId: string }
  | { page: 'chat'; accountId: string; chatId?: string };

export function parseRoute(hash: string): Route {
  const parts = hash.replace(/^#\/?/, '').split('/').filter(Boolean).map(safeDecode);
  const [page, accountId, chatId] = parts;
  // A notification's click opens one chat: `#/chat/<account>/<chat>`.
  if (page === 'chat' && accountId && chatId) return { page, accountId, chatId };
  if ((page === 'connect' || page === 'chat') && accountId) return { page, accountId };
  if (page === 'dashboard' || page === 'gateway') return { page };
  return { page: 'accounts' };
}

export function hrefOf(route: Route): string {
  switch (route.page) {
    case 'accounts':
    case 'dashboard':
    case 'gateway':
      return `#/${route.page}`;
    case 'chat':
      return `#/chat/${encodeURIComponent(route.accountId)}${route.chatId ? `/${encodeURIComponent(route.chatId)}` : ''}`;
    default:
      return `#/${route.page}/${encodeURIComponent(route.accountId)}`;
  }
}

function safeDecode(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    return part;
  }
}
