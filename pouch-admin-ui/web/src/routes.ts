/** The app's pages; each has its own path so a reload or a link lands on it. */
export type Page = 'keys' | 'key' | 'teams' | 'usage' | 'logs' | 'reconciliation';

/** Where a path leads: the page, and the key's id on a key's own page (`/keys/{id}`). */
export function routeOf(path: string): { page: Page; keyId: string | null } {
  const key = /^\/keys\/([^/]+)\/?$/.exec(path);
  if (key) return { page: 'key', keyId: decodeURIComponent(key[1]) };
  if (path.startsWith('/teams')) return { page: 'teams', keyId: null };
  if (path.startsWith('/usage')) return { page: 'usage', keyId: null };
  if (path.startsWith('/logs')) return { page: 'logs', keyId: null };
  if (path.startsWith('/reconciliation')) return { page: 'reconciliation', keyId: null };
  return { page: 'keys', keyId: null };
}

/** The path of a page (a key's page needs its id). */
export function pathOf(to: Page, keyId: string | null = null): string {
  if (to === 'keys') return '/';
  if (to === 'key') return `/keys/${encodeURIComponent(keyId ?? '')}`;
  return `/${to}`;
}
